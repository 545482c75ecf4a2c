/**
 * @fileoverview CO-RE: relocating a program's BTF-described accesses against a
 * target kernel's BTF, with the semantics libbpf documents (relo_core.c,
 * Documentation/bpf/llvm_reloc.rst "CO-RE Relocations"): candidates are target
 * types with the same essential name (`___flavor` suffix stripped) and kind;
 * field accesses match members by name (through anonymous members), array
 * indexes by position; all matching candidates must agree; a relocation with no
 * candidate gives 0 for the existence kinds and poisons the instruction otherwise.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_INT_SIGNED,
} from "../uapi/btf.js";
import { isComposite } from "../btf/btf.js";
import type { Btf } from "../btf/btf.js";
import { CoreError, ObjError } from "./errors.js";
import type { ProgCoreRelo, ProgramSpec } from "./spec.js";

/** bpf_core_relo_kind. */
export const BPF_CORE_FIELD_BYTE_OFFSET = 0;
export const BPF_CORE_FIELD_BYTE_SIZE = 1;
export const BPF_CORE_FIELD_EXISTS = 2;
export const BPF_CORE_FIELD_SIGNED = 3;
export const BPF_CORE_FIELD_LSHIFT_U64 = 4;
export const BPF_CORE_FIELD_RSHIFT_U64 = 5;
export const BPF_CORE_TYPE_ID_LOCAL = 6;
export const BPF_CORE_TYPE_ID_TARGET = 7;
export const BPF_CORE_TYPE_EXISTS = 8;
export const BPF_CORE_TYPE_SIZE = 9;
export const BPF_CORE_ENUMVAL_EXISTS = 10;
export const BPF_CORE_ENUMVAL_VALUE = 11;
export const BPF_CORE_TYPE_MATCHES = 12;

const KIND_NAMES = ["byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64", "local_type_id", "target_type_id", "type_exists", "type_size", "enumval_exists", "enumval_value", "type_matches"];

/** The call insn libbpf writes over an unrelocatable instruction (helper id 0xbad2310). */
export const CORE_POISON_HELPER = 0xbad2310;

/** The name without its `___flavor` suffix (libbpf's bpf_core_essential_name_len). */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== "_" && name[i + 1] === "_" && name[i + 2] === "_" && name[i + 3] === "_" && name[i + 4] !== "_") return name.slice(0, i + 1);
  }
  return name;
}

/** One step of an access path after the root index. */
type Step = { readonly kind: "member"; readonly name: string } | { readonly kind: "array"; readonly idx: number };

/** Result of resolving a relocation against one BTF (local or a target candidate). */
interface FieldSpec {
  readonly rootId: number;
  readonly bit_offset: number;
  /** Final field's type id. */
  readonly typeId: number;
  /** Bitfield width (0 when not a bitfield). */
  readonly bitSize: number;
}

/** What a relocation evaluates to, locally and on the target. */
interface ReloValue {
  readonly value: bigint;
  /** New memory access size for LDX/ST/STX byte-offset relocations (0 = unchanged). */
  readonly size: number;
  readonly poison: boolean;
}

/** Parses "0:1:2" into numbers. */
function parseAccess(s: string, fail: (m: string) => never): number[] {
  if (!/^\d+(:\d+)*$/.test(s)) fail(`malformed access string '${s}'`);
  return s.split(":").map(Number);
}

function isFieldKind(k: number): boolean {
  return k <= BPF_CORE_FIELD_RSHIFT_U64;
}
function isEnumKind(k: number): boolean {
  return k === BPF_CORE_ENUMVAL_EXISTS || k === BPF_CORE_ENUMVAL_VALUE;
}

/** Walks the local access path: the steps and the local field spec. */
function localSpec(btf: Btf, rootId: number, access: number[], fail: (m: string) => never): { steps: Step[]; spec: FieldSpec; path: string } {
  let t = btf.skipModifiers(rootId);
  const rootSize = btf.resolveSize(t);
  const a0 = access[0] as number;
  if (a0 > 0 && rootSize <= 0) fail(`root type ${btf.describe(rootId)} has no size for index ${a0}`);
  let bit = a0 * Math.max(rootSize, 0) * 8;
  let bitSize = 0;
  const steps: Step[] = [];
  let path = btf.describe(t);
  if (a0 !== 0) path += `[${a0}]`;
  for (let i = 1; i < access.length; i++) {
    const idx = access[i] as number;
    const tt = btf.type(t);
    if (isComposite(tt.kind)) {
      const m = tt.members[idx];
      if (m === undefined) fail(`member index ${idx} is beyond the members of ${btf.describe(t)}`);
      bit += m.bit_offset;
      bitSize = m.bitfield_size;
      if (m.name !== "") {
        steps.push({ kind: "member", name: m.name });
        path += `.${m.name}`;
      }
      t = btf.skipModifiers(m.type);
    } else if (tt.kind === BTF_KIND_ARRAY && tt.array !== undefined) {
      const es = btf.resolveSize(tt.array.type);
      if (es < 0) fail(`array element of ${btf.describe(t)} has no size`);
      bit += idx * es * 8;
      bitSize = 0;
      steps.push({ kind: "array", idx });
      path += `[${idx}]`;
      t = btf.skipModifiers(tt.array.type);
    } else {
      fail(`access index ${idx} into ${btf.describe(t)}, which is neither a struct, union nor array`);
    }
  }
  return { steps, spec: { rootId, bit_offset: bit, typeId: t, bitSize }, path };
}

/** Finds member `name` in composite `id`, looking through anonymous members; bit offset and member. */
function findMember(btf: Btf, id: number, name: string, depth = 0): { bit: number; type: number; bitSize: number } | undefined {
  if (depth > 32) return undefined;
  for (const m of btf.type(id).members) {
    if (m.name === name) return { bit: m.bit_offset, type: m.type, bitSize: m.bitfield_size };
    if (m.name === "") {
      const inner = btf.skipModifiers(m.type);
      if (!isComposite(btf.type(inner).kind)) continue;
      const r = findMember(btf, inner, name, depth + 1);
      if (r !== undefined) return { ...r, bit: r.bit + m.bit_offset };
    }
  }
  return undefined;
}

/** Walks `steps` on a target candidate; undefined when it does not match. */
function targetSpec(btf: Btf, rootId: number, a0: number, steps: readonly Step[]): FieldSpec | undefined {
  let t = btf.skipModifiers(rootId);
  const rootSize = btf.resolveSize(t);
  let bit = a0 * Math.max(rootSize, 0) * 8;
  let bitSize = 0;
  for (const s of steps) {
    const tt = btf.type(t);
    if (s.kind === "member") {
      if (!isComposite(tt.kind)) return undefined;
      const m = findMember(btf, t, s.name);
      if (m === undefined) return undefined;
      bit += m.bit;
      bitSize = m.bitSize;
      t = btf.skipModifiers(m.type);
    } else {
      if (tt.kind !== BTF_KIND_ARRAY || tt.array === undefined) return undefined;
      if (tt.array.nelems !== 0 && s.idx >= tt.array.nelems) return undefined;
      const es = btf.resolveSize(tt.array.type);
      if (es < 0) return undefined;
      bit += s.idx * es * 8;
      bitSize = 0;
      t = btf.skipModifiers(tt.array.type);
    }
  }
  return { rootId, bit_offset: bit, typeId: t, bitSize };
}

/** bpf_core_fields_are_compat. */
function fieldsCompat(lb: Btf, lid: number, tb: Btf, tid: number, depth = 0): boolean {
  if (depth > 16) return false;
  const l = lb.type(lb.skipModifiers(lid)), t = tb.type(tb.skipModifiers(tid));
  if (isComposite(l.kind) && isComposite(t.kind)) return true;
  const en = (k: number): boolean => k === BTF_KIND_ENUM || k === BTF_KIND_ENUM64;
  if (l.kind !== t.kind && !(en(l.kind) && en(t.kind))) return false;
  switch (l.kind) {
    case BTF_KIND_PTR: case BTF_KIND_FLOAT: return true;
    case BTF_KIND_FWD: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: return essentialName(l.name) === essentialName(t.name);
    case BTF_KIND_INT: return l.int_offset === 0 && t.int_offset === 0;
    case BTF_KIND_ARRAY: return fieldsCompat(lb, l.array?.type ?? 0, tb, t.array?.type ?? 0, depth + 1);
    default: return false;
  }
}

/** bpf_core_types_are_compat, shallow where the model needs no more. */
function typesCompat(lb: Btf, lid: number, tb: Btf, tid: number, depth = 0): boolean {
  if (depth > 16) return false;
  const l = lb.type(lb.skipModifiers(lid)), t = tb.type(tb.skipModifiers(tid));
  const en = (k: number): boolean => k === BTF_KIND_ENUM || k === BTF_KIND_ENUM64;
  if (l.kind !== t.kind && !(en(l.kind) && en(t.kind))) return false;
  switch (l.kind) {
    case BTF_KIND_INT: return l.int_offset === 0 && t.int_offset === 0;
    case BTF_KIND_PTR: return typesCompat(lb, l.type, tb, t.type, depth + 1);
    case BTF_KIND_ARRAY: return typesCompat(lb, l.array?.type ?? 0, tb, t.array?.type ?? 0, depth + 1);
    case BTF_KIND_FUNC_PROTO: {
      const lp = l.params, tp = t.params;
      if (lp.length !== tp.length || !typesCompat(lb, l.type, tb, t.type, depth + 1)) return false;
      return lp.every((p, i) => typesCompat(lb, p.type, tb, (tp[i] as { type: number }).type, depth + 1));
    }
    default: return true;
  }
}

/** The field relocation's value for a spec (bpf_core_calc_field_relo). */
function fieldValue(btf: Btf, s: FieldSpec, kind: number, fail: (m: string) => never): { value: bigint; size: number } {
  const ft = btf.type(s.typeId);
  const isInt = ft.kind === BTF_KIND_INT;
  const bitfield = s.bitSize > 0 || (isInt && (ft.int_offset !== 0 || ft.int_bits !== ft.size * 8));
  let byteSz: number, byteOff: number, bitSz: number;
  if (!bitfield) {
    byteSz = btf.resolveSize(s.typeId);
    if (byteSz < 0) fail(`field type ${btf.describe(s.typeId)} has no size`);
    byteOff = Math.floor(s.bit_offset / 8);
    bitSz = byteSz * 8;
  } else {
    bitSz = s.bitSize > 0 ? s.bitSize : ft.int_bits;
    byteSz = ft.size || 1;
    byteOff = Math.floor(s.bit_offset / 8 / byteSz) * byteSz;
    while (s.bit_offset + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) fail("bitfield spans more than 8 bytes");
      byteSz *= 2;
      byteOff = Math.floor(s.bit_offset / 8 / byteSz) * byteSz;
    }
  }
  switch (kind) {
    case BPF_CORE_FIELD_BYTE_OFFSET: return { value: BigInt(byteOff), size: bitfield ? 0 : byteSz };
    case BPF_CORE_FIELD_BYTE_SIZE: return { value: BigInt(byteSz), size: 0 };
    case BPF_CORE_FIELD_EXISTS: return { value: 1n, size: 0 };
    case BPF_CORE_FIELD_SIGNED: {
      const signed = ft.kind === BTF_KIND_ENUM || ft.kind === BTF_KIND_ENUM64 ? ft.kflag : isInt && (ft.int_encoding & BTF_INT_SIGNED) !== 0;
      return { value: signed ? 1n : 0n, size: 0 };
    }
    case BPF_CORE_FIELD_LSHIFT_U64: return { value: BigInt(64 - (s.bit_offset + bitSz - byteOff * 8)), size: 0 };
    default: return { value: BigInt(64 - bitSz), size: 0 };
  }
}

/** Everything needed to name a relocation in an error. */
interface Ctx {
  readonly prog: ProgramSpec;
  readonly relo: ProgCoreRelo;
}

/** Evaluates one relocation on `local` (for the expected original value) and on `target`. */
function evaluate(local: Btf, target: Btf, ctx: Ctx, candidateCache: Map<string, number[]>): { local: ReloValue; target: ReloValue; path: string } {
  const { relo, prog } = ctx;
  let path = `${local.describe(relo.typeId)} (${relo.accessStr})`;
  const fail: (m: string) => never = (m) => {
    throw new CoreError(`${m}; access path ${path}`, prog.name, relo.insn, `${relo.index} [${KIND_NAMES[relo.kind] ?? relo.kind}]`, ".BTF.ext", relo.fileOffset);
  };
  if (relo.kind > BPF_CORE_TYPE_MATCHES) fail(`unknown relocation kind ${relo.kind}`);
  if (relo.typeId === 0 || relo.typeId > local.nrTypes) fail(`local type id ${relo.typeId} is invalid`);
  const access = parseAccess(relo.accessStr, fail);
  const lroot = local.type(relo.typeId);
  if (relo.kind === BPF_CORE_TYPE_ID_LOCAL) {
    const v = { value: BigInt(relo.typeId), size: 0, poison: false };
    return { local: v, target: v, path };
  }
  // Candidates: same essential name, same kind (ENUM/ENUM64 interchangeable).
  const ename = essentialName(lroot.name);
  if (ename === "") fail("local type is anonymous; CO-RE needs a named root type");
  const key = `${ename}/${lroot.kind}`;
  let cands = candidateCache.get(key);
  if (cands === undefined) {
    const en = (k: number): boolean => k === BTF_KIND_ENUM || k === BTF_KIND_ENUM64;
    cands = [];
    for (const t of target.types) {
      if (t.id === 0 || essentialName(t.name) !== ename) continue;
      if (t.kind === lroot.kind || (en(t.kind) && en(lroot.kind))) cands.push(t.id);
    }
    candidateCache.set(key, cands);
  }
  let localVal: ReloValue;
  const results: Array<{ v: ReloValue; id: number }> = [];
  if (isFieldKind(relo.kind)) {
    const ls = localSpec(local, relo.typeId, access, fail);
    path = `${ls.path} (${relo.accessStr})`;
    const lv = fieldValue(local, ls.spec, relo.kind, fail);
    localVal = { ...lv, poison: false };
    for (const c of cands) {
      const ts = targetSpec(target, c, access[0] as number, ls.steps);
      if (ts === undefined || !fieldsCompat(local, ls.spec.typeId, target, ts.typeId)) continue;
      results.push({ v: { ...fieldValue(target, ts, relo.kind, fail), poison: false }, id: c });
    }
  } else if (isEnumKind(relo.kind)) {
    const idx = access[0] as number;
    const le = lroot.enums[idx];
    if (le === undefined || access.length !== 1) fail(`enumerator index ${idx} is beyond ${local.describe(relo.typeId)}`);
    path = `${local.describe(relo.typeId)}::${le.name} (${relo.accessStr})`;
    localVal = { value: relo.kind === BPF_CORE_ENUMVAL_EXISTS ? 1n : le.val, size: 0, poison: false };
    for (const c of cands) {
      const te = target.type(c).enums.find((e) => essentialName(e.name) === essentialName(le.name));
      if (te === undefined) continue;
      results.push({ v: { value: relo.kind === BPF_CORE_ENUMVAL_EXISTS ? 1n : te.val, size: 0, poison: false }, id: c });
    }
  } else {
    if (access.length !== 1 || access[0] !== 0) fail(`type relocation with access string '${relo.accessStr}' (must be "0")`);
    const lsz = local.resolveSize(relo.typeId);
    const lv = (k: number): bigint => (k === BPF_CORE_TYPE_SIZE ? BigInt(Math.max(lsz, 0)) : k === BPF_CORE_TYPE_ID_TARGET ? BigInt(relo.typeId) : 1n);
    localVal = { value: lv(relo.kind), size: 0, poison: false };
    for (const c of cands) {
      if (!typesCompat(local, relo.typeId, target, c)) continue;
      const v = relo.kind === BPF_CORE_TYPE_SIZE ? BigInt(Math.max(target.resolveSize(c), 0)) : relo.kind === BPF_CORE_TYPE_ID_TARGET ? BigInt(c) : 1n;
      results.push({ v: { value: v, size: 0, poison: false }, id: c });
    }
  }
  if (results.length === 0) {
    const exists = relo.kind === BPF_CORE_FIELD_EXISTS || relo.kind === BPF_CORE_TYPE_EXISTS || relo.kind === BPF_CORE_ENUMVAL_EXISTS || relo.kind === BPF_CORE_TYPE_MATCHES;
    return { local: localVal, target: { value: 0n, size: 0, poison: !exists }, path };
  }
  const first = results[0] as { v: ReloValue; id: number };
  for (const r of results) {
    if (r.v.value !== first.v.value && relo.kind !== BPF_CORE_TYPE_ID_TARGET) {
      fail(`candidates [${first.id}] and [${r.id}] give different values (${first.v.value} vs ${r.v.value})`);
    }
  }
  return { local: localVal, target: first.v, path };
}

/** The outcome of relocating one program: its patched instructions and a log line per relocation. */
export interface CoreResult {
  readonly insns: Uint8Array;
  readonly log: readonly string[];
}

/**
 * Applies every CO-RE relocation of `prog` against `target` on a copy of its instructions.
 * @throws {CoreError} naming the relocation, program, instruction index and access path
 */
export function applyCoreRelos(prog: ProgramSpec, local: Btf | undefined, target: Btf): CoreResult {
  const insns = prog.insns.slice();
  const log: string[] = [];
  if (prog.coreRelos.length === 0) return { insns, log };
  if (local === undefined) throw new ObjError(`program '${prog.name}' has CO-RE relocations but the object has no BTF`, ".BTF.ext", -1);
  const dv = new DataView(insns.buffer);
  const cache = new Map<string, number[]>();
  for (const relo of prog.coreRelos) {
    const ctx = { prog, relo };
    const r = evaluate(local, target, ctx, cache);
    const at = relo.insn * 8;
    const fail: (m: string) => never = (m) => {
      throw new CoreError(`${m}; access path ${r.path}`, prog.name, relo.insn, `${relo.index} [${KIND_NAMES[relo.kind] ?? relo.kind}]`, ".BTF.ext", relo.fileOffset);
    };
    if (at + 8 > insns.length) fail("instruction index is beyond the program");
    if (r.target.poison) {
      // ldimm64 keeps its two slots; the verifier rejects the call only if it is reachable.
      dv.setUint8(at, 0x85);
      dv.setUint8(at + 1, 0);
      dv.setInt16(at + 2, 0, true);
      dv.setInt32(at + 4, CORE_POISON_HELPER, true);
      log.push(`#${relo.index} insn ${relo.insn}: ${r.path}: no match, poisoned`);
      continue;
    }
    patchInsn(dv, insns, at, r.local, r.target, fail);
    log.push(`#${relo.index} insn ${relo.insn}: ${r.path}: ${r.local.value} -> ${r.target.value}`);
  }
  return { insns, log };
}

const SIZE_BITS: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };

function patchInsn(dv: DataView, insns: Uint8Array, at: number, local: ReloValue, target: ReloValue, fail: (m: string) => never): void {
  const code = insns[at] as number;
  const cls = code & 7;
  const v = target.value;
  if (cls === 0x04 || cls === 0x07) {
    // ALU/ALU64 with an immediate (BPF_K)
    if ((code & 0x08) !== 0) fail(`ALU instruction 0x${code.toString(16)} takes no immediate`);
    if (v < -(1n << 31n) || v > 0xffffffffn) fail(`value ${v} does not fit the 32-bit immediate`);
    dv.setInt32(at + 4, Number(BigInt.asIntN(32, v)), true);
    return;
  }
  if (cls === 0x01 || cls === 0x02 || cls === 0x03) {
    // LDX/ST/STX: offset is the field's byte offset; sizes may be adjusted for LDX.
    if (v < -32768n || v > 32767n) fail(`offset ${v} does not fit the 16-bit instruction offset`);
    dv.setInt16(at + 2, Number(v), true);
    if (target.size !== 0 && local.size !== 0 && target.size !== local.size) {
      const bits = SIZE_BITS[target.size];
      if (bits === undefined || cls !== 0x01) fail(`field size changed from ${local.size} to ${target.size}, which this access cannot follow`);
      insns[at] = (code & ~0x18) | bits;
    }
    return;
  }
  if (code === 0x18) {
    if (at + 16 > insns.length) fail("ld_imm64 is cut short");
    const u = BigInt.asUintN(64, v);
    dv.setUint32(at + 4, Number(u & 0xffffffffn), true);
    dv.setUint32(at + 12, Number(u >> 32n), true);
    return;
  }
  fail(`instruction 0x${code.toString(16)} cannot be relocated`);
}

/** A CO-RE relocation as libbpf's debug log names it: the kind's short name and the local access path. */
export interface CoreReloDescription {
  /** libbpf's core_relo_kind_str spelling ("byte_off", "field_exists", ...), or the number when unknown. */
  readonly kind: string;
  /** `struct tcp_sock.snd_cwnd`, `enum bpf_func_id::BPF_FUNC_x`, `struct sock`: the local access path. */
  readonly path: string;
}

/** Names a relocation without a target (for inspection); a path that does not resolve locally is given as the raw type and access string. */
export function describeCoreRelo(local: Btf, relo: Pick<ProgCoreRelo, "typeId" | "accessStr" | "kind">): CoreReloDescription {
  const kind = KIND_NAMES[relo.kind] ?? String(relo.kind);
  const raw = `${local.describe(relo.typeId)} (${relo.accessStr})`;
  try {
    const fail: (m: string) => never = (m) => {
      throw new Error(m);
    };
    const access = parseAccess(relo.accessStr, fail);
    if (isFieldKind(relo.kind)) return { kind, path: localSpec(local, relo.typeId, access, fail).path };
    if (isEnumKind(relo.kind)) {
      const e = local.type(relo.typeId).enums[access[0] as number];
      return { kind, path: e === undefined ? raw : `${local.describe(relo.typeId)}::${e.name}` };
    }
    return { kind, path: local.describe(relo.typeId) };
  } catch {
    return { kind, path: raw };
  }
}
