/**
 * @fileoverview The second pass of the BTF check (kernel/bpf/btf.c, v6.18):
 * btf_check_all_types and btf_resolve, the depth-first resolver that follows
 * every type reference with an explicit stack (env_stack_push,
 * env_stack_pop_resolved, env_type_is_resolve_sink in its three modes) and
 * detects loops (-EEXIST) and chains deeper than MAX_RESOLVE_DEPTH (-E2BIG);
 * each kind's resolve (btf_modifier_resolve, btf_ptr_resolve,
 * btf_var_resolve, btf_array_resolve, btf_struct_resolve,
 * btf_datasec_resolve, btf_decl_tag_resolve), btf_resolve_valid,
 * btf_func_check and btf_func_proto_check; and btf_check_type_tags, the rule
 * that type tags come first in a modifier chain of at most 32 links (-ELOOP).
 */
import { E2BIG, EEXIST, EINVAL, ELOOP } from "../../uapi/errno.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_UNKN,
  BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_KIND_VOLATILE,
} from "../../uapi/btf.js";
import { Fail, U32_MAX, isModifier, isStruct, needsResolve, nosizeOrNull, sourceOnly } from "./check-env.js";
import type { BtfEnv, Rec } from "./check-env.js";
import { basicFail, fail, logType, memberFail, typeFail, vsiFail } from "./check-log.js";
import { checkMember } from "./check-member.js";

const MAX_RESOLVE_DEPTH = 32;

const enum Mode {
  TBD,
  PTR,
  STRUCT_OR_ARRAY,
}

/** One entry of the resolve stack (resolve_vertex). */
interface Vertex {
  t: Rec;
  nextMember: number;
}

/** The resolver's state: visit states, the stack and its mode. */
class Resolver {
  private readonly visit: Uint8Array;
  private readonly stack: Vertex[] = [];
  private mode = Mode.TBD;

  constructor(private readonly env: BtfEnv) {
    this.visit = new Uint8Array(env.types.length);
  }

  resolved(id: number): boolean {
    return this.visit[id] === 2;
  }

  /** btf_resolve: resolves `t` and everything it needs; logs loops and depth. */
  resolve(t: Rec): number {
    const env = this.env;
    const saved = env.logTypeId;
    let err = 0;
    this.mode = Mode.TBD;
    this.push(t);
    for (let v = this.stack.at(-1); err === 0 && v !== undefined; v = this.stack.at(-1)) {
      env.logTypeId = v.t.id;
      err = this.resolveStep(v);
    }
    env.logTypeId = t.id;
    if (err === -E2BIG) logType(env, t, true, `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
    else if (err === -EEXIST) logType(env, t, true, "Loop detected");
    if (err === 0 && !this.resolveValid(t)) {
      logType(env, t, true, "Invalid resolve state");
      err = -EINVAL;
    }
    env.logTypeId = saved;
    return err;
  }

  /** env_type_is_resolve_sink. */
  private isSink(next: Rec): boolean {
    switch (this.mode) {
      case Mode.TBD:
        return !needsResolve(next.kind);
      case Mode.PTR:
        return !isModifier(next.kind) && next.kind !== BTF_KIND_PTR;
      default:
        return !isModifier(next.kind) && next.kind !== BTF_KIND_ARRAY && !isStruct(next.kind);
    }
  }

  /** env_stack_push: 0, -E2BIG (too deep) or -EEXIST (already on the path: a loop). */
  private push(t: Rec): number {
    if (this.stack.length === MAX_RESOLVE_DEPTH) return -E2BIG;
    if (this.visit[t.id] !== 0) return -EEXIST;
    this.visit[t.id] = 1;
    this.stack.push({ t, nextMember: 0 });
    if (this.mode === Mode.TBD) {
      if (t.kind === BTF_KIND_PTR) this.mode = Mode.PTR;
      else if (isStruct(t.kind) || t.kind === BTF_KIND_ARRAY) this.mode = Mode.STRUCT_OR_ARRAY;
    }
    return 0;
  }

  /** env_stack_pop_resolved. */
  private popResolved(resolvedId: number, resolvedSize: number): number {
    const v = this.stack.pop();
    if (v === undefined) return 0;
    this.env.resolvedSizes[v.t.id] = resolvedSize;
    this.env.resolvedIds[v.t.id] = resolvedId;
    this.visit[v.t.id] = 2;
    return 0;
  }

  private resolveStep(v: Vertex): number {
    const t = v.t;
    switch (t.kind) {
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
        return this.resolveRef(t);
      case BTF_KIND_ARRAY:
        return this.resolveArray(t);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return this.resolveStruct(v);
      case BTF_KIND_DATASEC:
        return this.resolveDatasec(v);
      case BTF_KIND_FUNC:
        funcCheck(this.env, t);
        return this.popResolved(t.st, 0);
      case BTF_KIND_DECL_TAG:
        return this.resolveDeclTag(t);
      default:
        basicFail(this.env, t, "Unsupported resolve");
    }
  }

  /** btf_modifier_resolve, btf_ptr_resolve and btf_var_resolve. */
  private resolveRef(t: Rec): number {
    const env = this.env;
    let nextId = t.st;
    let next = env.byId(nextId);
    if (next === null || sourceOnly(next.kind)) typeFail(env, t, "Invalid type_id");
    if (!this.isSink(next) && !this.resolved(nextId)) return this.push(next);
    if ((t.kind === BTF_KIND_PTR || t.kind === BTF_KIND_VAR) && isModifier(next.kind)) {
      const rid = env.resolvedIds[nextId] ?? 0;
      const rt = env.byId(rid);
      if (rt !== null && rt.kind === BTF_KIND_PTR && !this.isSink(rt) && !this.resolved(rid)) return this.push(rt);
    }
    const sized = env.idSize(nextId);
    if (sized !== null) {
      nextId = sized.id;
    } else {
      if (t.kind === BTF_KIND_VAR) typeFail(env, t, "Invalid type_id");
      if (this.resolved(nextId)) {
        nextId = env.resolvedIds[nextId] ?? 0;
        next = env.byId(nextId);
      }
      if (next === null || (next.kind !== BTF_KIND_UNKN && next.kind !== BTF_KIND_FWD && next.kind !== BTF_KIND_FUNC_PROTO)) typeFail(env, t, "Invalid type_id");
    }
    return this.popResolved(nextId, 0);
  }

  /** btf_array_resolve. */
  private resolveArray(t: Rec): number {
    const env = this.env;
    const elemId0 = env.u32(t.off + 12), indexId = env.u32(t.off + 16), nelems = env.u32(t.off + 20);
    const index = env.byId(indexId);
    if (index === null || nosizeOrNull(index) || sourceOnly(index.kind)) typeFail(env, t, "Invalid index");
    if (!this.isSink(index) && !this.resolved(indexId)) return this.push(index);
    const isz = env.idSize(indexId);
    if (isz === null || isz.t.kind !== BTF_KIND_INT || !env.intIsRegular(isz.t)) typeFail(env, t, "Invalid index");
    const elem = env.byId(elemId0);
    if (elem === null || nosizeOrNull(elem) || sourceOnly(elem.kind)) typeFail(env, t, "Invalid elem");
    if (!this.isSink(elem) && !this.resolved(elemId0)) return this.push(elem);
    const esz = env.idSize(elemId0);
    if (esz === null) typeFail(env, t, "Invalid elem");
    if (esz.t.kind === BTF_KIND_INT && !env.intIsRegular(esz.t)) typeFail(env, t, "Invalid array of int");
    if (nelems && esz.size > Math.floor(U32_MAX / nelems)) typeFail(env, t, "Array size overflows U32_MAX");
    return this.popResolved(esz.id, Math.imul(esz.size, nelems) >>> 0);
  }

  /** btf_struct_resolve: members one at a time, resuming after the one pushed. */
  private resolveStruct(v: Vertex): number {
    const env = this.env;
    const t = v.t;
    if (v.nextMember) {
      const last = env.member(t, v.nextMember - 1);
      if (!this.resolved(last.type)) return -EINVAL;
      const lt = env.byId(last.type);
      if (lt !== null) checkMember(env, t, last, lt);
    }
    for (let i = v.nextMember; i < t.vlen; i++) {
      const m = env.member(t, i);
      const mt = env.byId(m.type);
      if (mt === null || nosizeOrNull(mt) || sourceOnly(mt.kind)) memberFail(env, t, m, "Invalid member");
      if (!this.isSink(mt) && !this.resolved(m.type)) {
        v.nextMember = i + 1;
        return this.push(mt);
      }
      checkMember(env, t, m, mt);
    }
    return this.popResolved(0, 0);
  }

  /** btf_datasec_resolve: every entry is a VAR whose type fits the entry's size. */
  private resolveDatasec(v: Vertex): number {
    const env = this.env;
    const t = v.t;
    this.mode = Mode.TBD;
    for (let i = v.nextMember; i < t.vlen; i++) {
      const s = env.vsi(t, i);
      const bad = (msg: string): never => vsiFail(env, t, s, msg);
      const vt = env.byId(s.type);
      if (vt === null || vt.kind !== BTF_KIND_VAR) return vsiFail(env, t, s, "Not a VAR kind member");
      if (!this.isSink(vt) && !this.resolved(s.type)) {
        v.nextMember = i + 1;
        return this.push(vt);
      }
      const sz = env.idSize(vt.st);
      if (sz === null) return vsiFail(env, t, s, "Invalid type");
      if (s.size < sz.size) bad("Invalid size");
    }
    return this.popResolved(0, 0);
  }

  /** btf_decl_tag_resolve: the target is a FUNC, STRUCT, UNION, VAR or TYPEDEF, and component_idx names one of its members or parameters. */
  private resolveDeclTag(t: Rec): number {
    const env = this.env;
    const nextId = t.st;
    const next = env.byId(nextId);
    const target = next !== null && (next.kind === BTF_KIND_FUNC || isStruct(next.kind) || next.kind === BTF_KIND_VAR || next.kind === BTF_KIND_TYPEDEF);
    if (!target) typeFail(env, t, "Invalid type_id");
    if (!this.isSink(next) && !this.resolved(nextId)) return this.push(next);
    const idx = env.dv.getInt32(t.off + 12, true);
    if (idx !== -1) {
      if (next.kind === BTF_KIND_VAR || next.kind === BTF_KIND_TYPEDEF) typeFail(env, t, "Invalid component_idx");
      const vlen = isStruct(next.kind) ? next.vlen : (env.byId(next.st)?.vlen ?? 0);
      if (idx >>> 0 >= vlen) typeFail(env, t, "Invalid component_idx");
    }
    return this.popResolved(nextId, 0);
  }

  /** btf_resolve_valid: what each kind must have resolved to. */
  private resolveValid(t: Rec): boolean {
    const env = this.env;
    const id = t.id;
    if (!this.resolved(id)) return false;
    const rid = env.resolvedIds[id] ?? 0, rsize = env.resolvedSizes[id] ?? 0;
    if (isStruct(t.kind) || t.kind === BTF_KIND_DATASEC) return !rid && !rsize;
    if (t.kind === BTF_KIND_DECL_TAG || t.kind === BTF_KIND_FUNC) return rid !== 0 && !rsize;
    if (isModifier(t.kind) || t.kind === BTF_KIND_PTR || t.kind === BTF_KIND_VAR) {
      const r = env.byId(rid);
      return r !== null && !isModifier(r.kind) && r.kind !== BTF_KIND_VAR && r.kind !== BTF_KIND_DATASEC;
    }
    if (t.kind === BTF_KIND_ARRAY) {
      const e = env.idSize(env.u32(t.off + 12));
      return e !== null && !isModifier(e.t.kind) && Math.imul(env.u32(t.off + 20), e.size) >>> 0 === rsize;
    }
    return false;
  }
}

/** btf_func_check: a FUNC points at a FUNC_PROTO whose typed parameters all have names. */
function funcCheck(env: BtfEnv, t: Rec): void {
  const proto = env.byId(t.st);
  if (proto === null || proto.kind !== BTF_KIND_FUNC_PROTO) typeFail(env, t, "Invalid type_id");
  for (let i = 0; i < proto.vlen; i++) {
    const nameOff = env.u32(proto.off + 12 + i * 8), type = env.u32(proto.off + 16 + i * 8);
    if (!nameOff && type) typeFail(env, t, `Invalid arg#${i + 1}`);
  }
}

/** btf_check_all_types: resolves every type that needs it, in id order, and checks every FUNC_PROTO. */
export function checkAllTypes(env: BtfEnv): void {
  const n = env.types.length;
  env.resolvedIds = new Uint32Array(n);
  env.resolvedSizes = new Uint32Array(n);
  const r = new Resolver(env);
  env.meta = false;
  for (let id = 1; id < n; id++) {
    const t = env.types[id];
    if (t === undefined) continue;
    env.logTypeId = id;
    if (needsResolve(t.kind) && !r.resolved(id)) {
      const err = r.resolve(t);
      if (err) throw new Fail(err);
    }
    if (t.kind === BTF_KIND_FUNC_PROTO) funcProtoCheck(env, r, t);
  }
}

/** btf_func_proto_check: return and parameter types exist, are sized, and parameters are named validly. */
function funcProtoCheck(env: BtfEnv, r: Resolver, t: Rec): void {
  if (t.st) {
    const ret = env.byId(t.st);
    if (ret === null || sourceOnly(ret.kind)) typeFail(env, t, "Invalid return type");
    if (needsResolve(ret.kind) && !r.resolved(t.st)) {
      const err = r.resolve(ret);
      if (err) throw new Fail(err);
    }
    if (env.idSize(t.st) === null) typeFail(env, t, "Invalid return type");
  }
  let n = t.vlen;
  if (!n) return;
  const arg = (i: number): { name_off: number; type: number } => ({ name_off: env.u32(t.off + 12 + i * 8), type: env.u32(t.off + 16 + i * 8) });
  const last = arg(n - 1);
  if (!last.type) {
    if (last.name_off) typeFail(env, t, `Invalid arg#${n}`);
    n--;
  }
  for (let i = 0; i < n; i++) {
    const a = arg(i);
    const at = env.byId(a.type);
    if (at === null || sourceOnly(at.kind)) typeFail(env, t, `Invalid arg#${i + 1}`);
    if (a.name_off && (!env.offsetValid(a.name_off) || !env.identifier(a.name_off))) typeFail(env, t, `Invalid arg#${i + 1}`);
    if (needsResolve(at.kind) && !r.resolved(a.type)) {
      const err = r.resolve(at);
      if (err) throw new Fail(err);
    }
    if (env.idSize(a.type) === null) typeFail(env, t, `Invalid arg#${i + 1}`);
  }
}

/** btf_check_type_tags: type tags come first in a modifier chain, and chains end within 32 steps. */
export function checkTypeTags(env: BtfEnv): void {
  let good = 0;
  for (let i = 1; i < env.types.length; i++) {
    let t = env.byId(i);
    if (t === null) fail(env, -EINVAL);
    if (!isModifier(t.kind)) continue;
    let inTags = t.kind === BTF_KIND_TYPE_TAG;
    let cur = i, limit = 32;
    while (isModifier(t.kind)) {
      if (!limit--) fail(env, -ELOOP, "Max chain length or cycle detected");
      if (t.kind === BTF_KIND_TYPE_TAG) {
        if (!inTags) fail(env, -EINVAL, "Type tags don't precede modifiers");
      } else {
        inTags = false;
      }
      if (cur <= good) break;
      cur = t.st;
      const nt = env.byId(cur);
      if (nt === null) fail(env, -EINVAL);
      t = nt;
    }
    good = i;
  }
}
