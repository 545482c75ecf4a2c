/**
 * @fileoverview A BTF writer: adds types and deduplicated strings, and encodes
 * them to the exact byte format of include/uapi/linux/btf.h (little-endian),
 * the same blob a kernel serves at /sys/kernel/btf/vmlinux.
 *
 * Type ids are assigned in insertion order starting at 1 (0 is `void`). A
 * struct or union may be declared first and defined later, so types that point
 * at each other (`struct sock` ↔ `struct tcp_congestion_ops`) can be built in
 * any order. Pointers, modifiers, arrays and function prototypes are
 * deduplicated structurally, as `btf__dedup` would do, so asking twice for
 * `struct sock *` gives one id.
 *
 * Key invariant: every type id a record refers to exists when the record is
 * added (forward references go through {@link BtfBuilder.declare}), and
 * {@link BtfBuilder.encode} refuses a declared-but-undefined aggregate.
 */
import {
  BTF_ARRAY_LEN,
  BTF_DECL_TAG_LEN,
  BTF_ENUM64_LEN,
  BTF_ENUM_LEN,
  BTF_FUNC_STATIC,
  BTF_HDR_LEN,
  BTF_HEADER_OFF,
  BTF_INFO_ENC,
  BTF_INT_ENC,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_NAMES,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_TYPE,
  BTF_MAX_VLEN,
  BTF_MEMBER_LEN,
  BTF_MEMBER_OFFSET,
  BTF_PARAM_LEN,
  BTF_TYPE_LEN,
  BTF_VAR_LEN,
  BTF_VAR_SECINFO_LEN,
  BTF_VAR_STATIC,
  BTF_VERSION,
} from "../../uapi/btf.js";
import { BTF_PTR_SIZE } from "../../btf/btf.js";

export { BTF_PTR_SIZE };

/** A struct/union member as written to BTF: absolute bit offset, bitfield width (0: not a bitfield). */
export interface BtfMemberSpec {
  readonly name: string;
  readonly type: number;
  readonly bit_offset: number;
  readonly bitfield_size?: number;
}

/** A function prototype parameter. Kernel prototypes name their parameters; pointer targets often do not. */
export interface BtfParamSpec {
  readonly name: string;
  readonly type: number;
}

/** An enumerator. */
export interface BtfEnumSpec {
  readonly name: string;
  readonly val: number | bigint;
}

/** A DATASEC entry: a VAR (or FUNC) placed in the section. */
export interface BtfVarSecinfoSpec {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

interface TypeRec {
  readonly kind: number;
  readonly name: string;
  kflag: boolean;
  /** size (INT, ENUM*, STRUCT, UNION, DATASEC, FLOAT) or type (the rest). */
  sizeType: number;
  /** FUNC: linkage. Other kinds compute vlen from their lists. */
  linkage: number;
  intData: number;
  array?: { readonly type: number; readonly index_type: number; readonly nelems: number };
  members?: readonly BtfMemberSpec[];
  enums?: readonly { readonly name: string; readonly val: bigint }[];
  params?: readonly BtfParamSpec[];
  secinfos?: readonly BtfVarSecinfoSpec[];
  componentIdx: number;
  /** STRUCT/UNION only: C alignment when raised above the natural one (____cacheline_aligned). */
  align: number;
  /** STRUCT/UNION only: false between declare() and define(). */
  defined: boolean;
}

const encoder = new TextEncoder();

/**
 * Collects BTF types and strings and encodes them.
 *
 * Methods throw `RangeError`/`TypeError` on malformed input (an unknown type
 * id, an oversized vlen): the builder describes the kernel's own types, so a
 * bad call is a bug in the model, not something a BPF user can trigger.
 */
export class BtfBuilder {
  private readonly types: TypeRec[] = [];
  private readonly strOff = new Map<string, number>([["", 0]]);
  private readonly strs: Uint8Array[] = [new Uint8Array(1)];
  private strLen = 1;
  private readonly memo = new Map<string, number>();

  /** Number of types added (the highest type id). */
  get typeCount(): number {
    return this.types.length;
  }

  /** Adds `s` to the string section once and returns its offset; `""` is offset 0. */
  addString(s: string): number {
    const have = this.strOff.get(s);
    if (have !== undefined) return have;
    if (s.includes("\0")) throw new TypeError(`Cannot add BTF string as it contains a NUL byte: current value is ${JSON.stringify(s)}`);
    const off = this.strLen;
    if (off > BTF_MAX_NAME_OFFSET) throw new RangeError(`Cannot add BTF string as the string section exceeds ${BTF_MAX_NAME_OFFSET} bytes`);
    const bytes = encoder.encode(s + "\0");
    this.strs.push(bytes);
    this.strLen += bytes.length;
    this.strOff.set(s, off);
    return off;
  }

  /** BTF_KIND_INT. `encoding` is a mask of BTF_INT_SIGNED/CHAR/BOOL. */
  int(name: string, size: number, encoding = 0, nr_bits = size * 8, bits_offset = 0): number {
    if (![1, 2, 4, 8, 16].includes(size)) throw new RangeError(`Cannot add INT '${name}' as 'size' must be 1, 2, 4, 8 or 16: current value is ${size}`);
    if (nr_bits <= 0 || nr_bits + bits_offset > size * 8 || nr_bits > 128) throw new RangeError(`Cannot add INT '${name}' as 'nr_bits' ${nr_bits} at offset ${bits_offset} does not fit ${size} bytes`);
    const id = this.push(BTF_KIND_INT, name, size);
    this.rec(id).intData = BTF_INT_ENC(encoding, bits_offset, nr_bits);
    return id;
  }

  /** BTF_KIND_FLOAT. */
  float(name: string, size: number): number {
    if (![2, 4, 8, 12, 16].includes(size)) throw new RangeError(`Cannot add FLOAT '${name}' as 'size' must be 2, 4, 8, 12 or 16: current value is ${size}`);
    return this.push(BTF_KIND_FLOAT, name, size);
  }

  /** BTF_KIND_PTR to `type` (0: `void *`). Deduplicated. */
  ptr(type: number): number {
    return this.ref(BTF_KIND_PTR, "", type, true);
  }

  /** BTF_KIND_CONST. Deduplicated. */
  const(type: number): number {
    return this.ref(BTF_KIND_CONST, "", type, true);
  }

  /** BTF_KIND_VOLATILE. Deduplicated. */
  volatile(type: number): number {
    return this.ref(BTF_KIND_VOLATILE, "", type, true);
  }

  /** BTF_KIND_RESTRICT. Deduplicated. */
  restrict(type: number): number {
    return this.ref(BTF_KIND_RESTRICT, "", type, true);
  }

  /** BTF_KIND_TYPE_TAG (`__attribute__((btf_type_tag(name)))`), placed between a PTR and its target. Deduplicated. */
  typeTag(name: string, type: number): number {
    if (name === "") throw new TypeError("Cannot add TYPE_TAG as 'name' must not be empty");
    return this.ref(BTF_KIND_TYPE_TAG, name, type, true);
  }

  /** BTF_KIND_TYPEDEF. */
  typedef(name: string, type: number): number {
    if (name === "") throw new TypeError("Cannot add TYPEDEF as 'name' must not be empty");
    return this.ref(BTF_KIND_TYPEDEF, name, type, false);
  }

  /** BTF_KIND_ARRAY of `nelems` elements of `type`, indexed by `index_type` (an INT). Deduplicated. */
  array(type: number, index_type: number, nelems: number): number {
    this.check(type, false);
    this.check(index_type, false);
    if (!Number.isInteger(nelems) || nelems < 0 || nelems > 0xffffffff) throw new RangeError(`Cannot add ARRAY as 'nelems' must be a u32: current value is ${nelems}`);
    const key = `A:${type}:${index_type}:${nelems}`;
    const have = this.memo.get(key);
    if (have !== undefined) return have;
    const id = this.push(BTF_KIND_ARRAY, "", 0);
    this.rec(id).array = { type, index_type, nelems };
    this.memo.set(key, id);
    return id;
  }

  /** BTF_KIND_FWD: `struct name;` or, with `isUnion`, `union name;`. */
  fwd(name: string, isUnion = false): number {
    if (name === "") throw new TypeError("Cannot add FWD as 'name' must not be empty");
    const id = this.push(BTF_KIND_FWD, name, 0);
    this.rec(id).kflag = isUnion;
    return id;
  }

  /** Reserves the id of a STRUCT or UNION to be filled by {@link define}, so it can be pointed at first. */
  declare(kind: typeof BTF_KIND_STRUCT | typeof BTF_KIND_UNION, name: string): number {
    const id = this.push(kind, name, 0);
    this.rec(id).defined = false;
    return id;
  }

  /** Fills a declared STRUCT/UNION with its size, members (absolute bit offsets) and optional raised alignment. */
  define(id: number, size: number, members: readonly BtfMemberSpec[], align = 0): number {
    const r = this.rec(id);
    if ((r.kind !== BTF_KIND_STRUCT && r.kind !== BTF_KIND_UNION) || r.defined) {
      throw new TypeError(`Cannot define type ${id} as it is not a declared struct or union`);
    }
    if (members.length > BTF_MAX_VLEN) throw new RangeError(`Cannot define '${r.name}' as it has more than ${BTF_MAX_VLEN} members`);
    let kflag = false;
    for (const m of members) {
      this.check(m.type, false);
      const bfs = m.bitfield_size ?? 0;
      if (!Number.isInteger(m.bit_offset) || m.bit_offset < 0 || m.bit_offset > 0xffffff) {
        throw new RangeError(`Cannot define '${r.name}' as member '${m.name}' has bit offset ${m.bit_offset}`);
      }
      if (bfs < 0 || bfs > 255 || !Number.isInteger(bfs)) throw new RangeError(`Cannot define '${r.name}' as member '${m.name}' has bitfield size ${bfs}`);
      if (bfs > 0) kflag = true;
      if (m.bit_offset + (bfs > 0 ? bfs : 0) > size * 8) throw new RangeError(`Cannot define '${r.name}' as member '${m.name}' ends beyond its size ${size}`);
    }
    if (!Number.isInteger(size) || size < 0 || size > 0xffffffff) throw new RangeError(`Cannot define '${r.name}' as 'size' must be a u32: current value is ${size}`);
    r.sizeType = size;
    r.members = members.map((m) => ({ ...m }));
    r.kflag = kflag;
    r.align = align;
    r.defined = true;
    for (const m of members) this.addString(m.name);
    return id;
  }

  /** BTF_KIND_STRUCT with explicit member bit offsets. See layout.ts for C layout rules. */
  struct(name: string, size: number, members: readonly BtfMemberSpec[], align = 0): number {
    return this.define(this.declare(BTF_KIND_STRUCT, name), size, members, align);
  }

  /** BTF_KIND_UNION with explicit members (normally all at bit offset 0). */
  union(name: string, size: number, members: readonly BtfMemberSpec[], align = 0): number {
    return this.define(this.declare(BTF_KIND_UNION, name), size, members, align);
  }

  /**
   * BTF_KIND_ENUM (values fit 32 bits). Signedness (kind_flag) defaults to
   * "any value is negative", as pahole decides it.
   */
  enum(name: string, values: readonly BtfEnumSpec[], size = 4, signed?: boolean): number {
    return this.addEnum(BTF_KIND_ENUM, name, values, size, signed);
  }

  /** BTF_KIND_ENUM64 (values up to 64 bits). */
  enum64(name: string, values: readonly BtfEnumSpec[], size = 8, signed?: boolean): number {
    return this.addEnum(BTF_KIND_ENUM64, name, values, size, signed);
  }

  /** BTF_KIND_FUNC_PROTO returning `ret` (0: void). Deduplicated by signature and parameter names. */
  funcProto(ret: number, params: readonly BtfParamSpec[]): number {
    this.check(ret, true);
    for (const p of params) this.check(p.type, true);
    if (params.length > BTF_MAX_VLEN) throw new RangeError(`Cannot add FUNC_PROTO with more than ${BTF_MAX_VLEN} parameters`);
    const key = `F:${ret}:${params.map((p) => `${p.name}/${p.type}`).join(",")}`;
    const have = this.memo.get(key);
    if (have !== undefined) return have;
    const id = this.push(BTF_KIND_FUNC_PROTO, "", ret);
    this.rec(id).params = params.map((p) => ({ ...p }));
    for (const p of params) this.addString(p.name);
    this.memo.set(key, id);
    return id;
  }

  /** BTF_KIND_FUNC `name` of prototype `proto`, with BTF_FUNC_STATIC/GLOBAL/EXTERN linkage (stored in vlen). */
  func(name: string, proto: number, linkage = BTF_FUNC_STATIC): number {
    if (name === "") throw new TypeError("Cannot add FUNC as 'name' must not be empty");
    if (this.rec(proto).kind !== BTF_KIND_FUNC_PROTO) throw new TypeError(`Cannot add FUNC '${name}' as type ${proto} is not a FUNC_PROTO`);
    const id = this.push(BTF_KIND_FUNC, name, proto);
    this.rec(id).linkage = linkage;
    return id;
  }

  /** BTF_KIND_VAR with BTF_VAR_* linkage. */
  var(name: string, type: number, linkage = BTF_VAR_STATIC): number {
    if (name === "") throw new TypeError("Cannot add VAR as 'name' must not be empty");
    this.check(type, false);
    const id = this.push(BTF_KIND_VAR, name, type);
    this.rec(id).linkage = linkage;
    return id;
  }

  /** BTF_KIND_DATASEC `name` of `size` bytes holding `secinfos`. */
  datasec(name: string, size: number, secinfos: readonly BtfVarSecinfoSpec[]): number {
    for (const s of secinfos) this.check(s.type, false);
    if (secinfos.length > BTF_MAX_VLEN) throw new RangeError(`Cannot add DATASEC '${name}' with more than ${BTF_MAX_VLEN} entries`);
    const id = this.push(BTF_KIND_DATASEC, name, size);
    this.rec(id).secinfos = secinfos.map((s) => ({ ...s }));
    return id;
  }

  /** BTF_KIND_DECL_TAG `name` on `type` (component_idx -1) or on its member/parameter `component_idx`. */
  declTag(name: string, type: number, component_idx = -1): number {
    if (name === "") throw new TypeError("Cannot add DECL_TAG as 'name' must not be empty");
    this.check(type, false);
    const id = this.push(BTF_KIND_DECL_TAG, name, type);
    this.rec(id).componentIdx = component_idx;
    return id;
  }

  /** BTF_KIND_* of `id` (BTF_KIND_UNKN for 0, `void`). */
  kindOf(id: number): number {
    return id === 0 ? 0 : this.rec(id).kind;
  }

  /** Names of the enum types and of every enumerator added so far (C allows each once per header). */
  enumNames(): { readonly types: ReadonlySet<string>; readonly constants: ReadonlySet<string> } {
    const types = new Set<string>();
    const constants = new Set<string>();
    for (const r of this.types) {
      if (r.enums === undefined) continue;
      if (r.name !== "") types.add(r.name);
      for (const e of r.enums) constants.add(e.name);
    }
    return { types, constants };
  }

  /** The id of the first type named `name` of one of `kinds`, or 0 when there is none. */
  findNamed(name: string, kinds: readonly number[]): number {
    const i = this.types.findIndex((r) => r.name === name && kinds.includes(r.kind));
    return i < 0 ? 0 : i + 1;
  }

  /** Name of `id` ("" for anonymous types and void). */
  nameOf(id: number): string {
    return id === 0 ? "" : this.rec(id).name;
  }

  /** Members of a defined struct/union. */
  membersOf(id: number): readonly BtfMemberSpec[] {
    const r = this.rec(id);
    if (r.members === undefined) throw new TypeError(`Cannot list members of type ${id} as it is not a defined struct or union`);
    return r.members;
  }

  /** C `sizeof` of a complete type. Throws TypeError for void, FWD, FUNC and incomplete aggregates. */
  sizeOf(id: number): number {
    const r = this.rec(id);
    switch (r.kind) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FLOAT:
      case BTF_KIND_DATASEC:
        return r.sizeType;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        if (!r.defined) break;
        return r.sizeType;
      case BTF_KIND_PTR:
        return BTF_PTR_SIZE;
      case BTF_KIND_ARRAY:
        return (r.array?.nelems ?? 0) * this.sizeOf(r.array?.type ?? 0);
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        return this.sizeOf(r.sizeType);
    }
    throw new TypeError(`Cannot take the size of type ${id} '${r.name}' (${BTF_KIND_NAMES.get(r.kind) ?? r.kind}) as it is incomplete`);
  }

  /**
   * C `_Alignof` on x86-64/arm64 LP64: scalars align to their size (at most
   * 16), arrays to their element, aggregates to their most aligned member or
   * to the alignment given at definition (`____cacheline_aligned` = 64).
   */
  alignOf(id: number): number {
    const r = this.rec(id);
    switch (r.kind) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FLOAT:
        return Math.min(r.sizeType, 16);
      case BTF_KIND_PTR:
        return BTF_PTR_SIZE;
      case BTF_KIND_ARRAY:
        return this.alignOf(r.array?.type ?? 0);
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        return this.alignOf(r.sizeType);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        if (!r.defined) break;
        let a = Math.max(1, r.align);
        for (const m of r.members ?? []) a = Math.max(a, this.alignOf(m.type));
        return a;
      }
    }
    throw new TypeError(`Cannot take the alignment of type ${id} '${r.name}' (${BTF_KIND_NAMES.get(r.kind) ?? r.kind}) as it is incomplete`);
  }

  /**
   * Encodes header, type section and string section. Throws TypeError when a
   * declared struct/union was never defined.
   */
  encode(): Uint8Array {
    let typeLen = 0;
    for (const [i, r] of this.types.entries()) {
      if (!r.defined) throw new TypeError(`Cannot encode BTF as type ${i + 1} '${r.name}' was declared but never defined`);
      typeLen += BTF_TYPE_LEN + extraLen(r);
    }
    const out = new Uint8Array(BTF_HDR_LEN + typeLen + this.strLen);
    const dv = new DataView(out.buffer);
    dv.setUint16(BTF_HEADER_OFF.magic, BTF_MAGIC, true);
    dv.setUint8(BTF_HEADER_OFF.version, BTF_VERSION);
    dv.setUint8(BTF_HEADER_OFF.flags, 0);
    dv.setUint32(BTF_HEADER_OFF.hdr_len, BTF_HDR_LEN, true);
    dv.setUint32(BTF_HEADER_OFF.type_off, 0, true);
    dv.setUint32(BTF_HEADER_OFF.type_len, typeLen, true);
    dv.setUint32(BTF_HEADER_OFF.str_off, typeLen, true);
    dv.setUint32(BTF_HEADER_OFF.str_len, this.strLen, true);
    let p = BTF_HDR_LEN;
    const u32 = (v: number): void => {
      dv.setUint32(p, v >>> 0, true);
      p += 4;
    };
    const name = (s: string): number => this.strOff.get(s) ?? 0;
    for (const r of this.types) {
      u32(name(r.name));
      u32(BTF_INFO_ENC(r.kind, r.kflag ? 1 : 0, vlenOf(r)));
      u32(r.sizeType);
      switch (r.kind) {
        case BTF_KIND_INT:
          u32(r.intData);
          break;
        case BTF_KIND_ARRAY:
          u32(r.array?.type ?? 0);
          u32(r.array?.index_type ?? 0);
          u32(r.array?.nelems ?? 0);
          break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
          for (const m of r.members ?? []) {
            u32(name(m.name));
            u32(m.type);
            u32(r.kflag ? BTF_MEMBER_OFFSET(m.bitfield_size ?? 0, m.bit_offset) : m.bit_offset);
          }
          break;
        case BTF_KIND_ENUM:
          for (const e of r.enums ?? []) {
            u32(name(e.name));
            u32(Number(BigInt.asUintN(32, e.val)));
          }
          break;
        case BTF_KIND_ENUM64:
          for (const e of r.enums ?? []) {
            const v = BigInt.asUintN(64, e.val);
            u32(name(e.name));
            u32(Number(v & 0xffffffffn));
            u32(Number(v >> 32n));
          }
          break;
        case BTF_KIND_FUNC_PROTO:
          for (const a of r.params ?? []) {
            u32(name(a.name));
            u32(a.type);
          }
          break;
        case BTF_KIND_VAR:
          u32(r.linkage);
          break;
        case BTF_KIND_DATASEC:
          for (const s of r.secinfos ?? []) {
            u32(s.type);
            u32(s.offset);
            u32(s.size);
          }
          break;
        case BTF_KIND_DECL_TAG:
          dv.setInt32(p, r.componentIdx, true);
          p += 4;
          break;
      }
    }
    for (const s of this.strs) {
      out.set(s, p);
      p += s.length;
    }
    return out;
  }

  private rec(id: number): TypeRec {
    const r = this.types[id - 1];
    if (r === undefined) throw new RangeError(`Cannot use BTF type id ${id} as it does not exist (have ${this.types.length})`);
    return r;
  }

  private check(id: number, voidOk: boolean): void {
    if (id === 0 && voidOk) return;
    if (id === 0) throw new RangeError("Cannot use void (type id 0) here");
    this.rec(id);
  }

  private push(kind: number, name: string, sizeType: number): number {
    if (this.types.length >= BTF_MAX_TYPE) throw new RangeError(`Cannot add BTF type as the limit ${BTF_MAX_TYPE} is reached`);
    this.addString(name);
    this.types.push({ kind, name, kflag: false, sizeType, linkage: 0, intData: 0, componentIdx: 0, align: 0, defined: true });
    return this.types.length;
  }

  private ref(kind: number, name: string, type: number, dedup: boolean): number {
    this.check(type, true);
    const key = `R:${kind}:${name}:${type}`;
    if (dedup) {
      const have = this.memo.get(key);
      if (have !== undefined) return have;
    }
    const id = this.push(kind, name, type);
    if (dedup) this.memo.set(key, id);
    return id;
  }

  private addEnum(kind: number, name: string, values: readonly BtfEnumSpec[], size: number, signed: boolean | undefined): number {
    if (values.length > BTF_MAX_VLEN) throw new RangeError(`Cannot add enum '${name}' with more than ${BTF_MAX_VLEN} values`);
    const enums = values.map((v) => ({ name: v.name, val: BigInt(v.val) }));
    const isSigned = signed ?? enums.some((e) => e.val < 0n);
    const bits = kind === BTF_KIND_ENUM ? 32 : 64;
    if (![1, 2, 4, 8].includes(size) || (kind === BTF_KIND_ENUM && size > 4)) throw new RangeError(`Cannot add enum '${name}' of size ${size}`);
    for (const e of enums) {
      const ok = isSigned ? BigInt.asIntN(bits, e.val) === e.val : BigInt.asUintN(bits, e.val) === e.val;
      if (!ok) throw new RangeError(`Cannot add enum '${name}' as ${e.name} = ${e.val} does not fit ${bits} bits`);
    }
    const id = this.push(kind, name, size);
    const r = this.rec(id);
    r.enums = enums;
    r.kflag = isSigned;
    for (const e of enums) this.addString(e.name);
    return id;
  }
}

function vlenOf(r: TypeRec): number {
  switch (r.kind) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return r.members?.length ?? 0;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return r.enums?.length ?? 0;
    case BTF_KIND_FUNC_PROTO:
      return r.params?.length ?? 0;
    case BTF_KIND_DATASEC:
      return r.secinfos?.length ?? 0;
    case BTF_KIND_FUNC:
      return r.linkage;
    default:
      return 0;
  }
}

function extraLen(r: TypeRec): number {
  switch (r.kind) {
    case BTF_KIND_INT:
      return 4;
    case BTF_KIND_ARRAY:
      return BTF_ARRAY_LEN;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return BTF_MEMBER_LEN * vlenOf(r);
    case BTF_KIND_ENUM:
      return BTF_ENUM_LEN * vlenOf(r);
    case BTF_KIND_ENUM64:
      return BTF_ENUM64_LEN * vlenOf(r);
    case BTF_KIND_FUNC_PROTO:
      return BTF_PARAM_LEN * vlenOf(r);
    case BTF_KIND_VAR:
      return BTF_VAR_LEN;
    case BTF_KIND_DATASEC:
      return BTF_VAR_SECINFO_LEN * vlenOf(r);
    case BTF_KIND_DECL_TAG:
      return BTF_DECL_TAG_LEN;
    default:
      return 0;
  }
}
