/**
 * @fileoverview The one BTF query API, over the one decoder (./decode.ts):
 * what the loader (CO-RE, maps, struct_ops, DATASEC fixups), the emulated
 * kernel (its vmlinux, the struct_ops and socket layouts) and the Linux
 * backend (a real /sys/kernel/btf/vmlinux) ask of a BTF object. Lookups follow
 * kernel/bpf/btf.c (`btf_type_by_id`, `btf_find_by_name_kind`,
 * `btf_type_skip_modifiers`, `btf_type_resolve_func_ptr`) and libbpf's btf.c
 * (`btf__resolve_size`, `btf__align_of`), plus `offsetof`-style member paths.
 *
 * Conventions, one for every caller: "not found" is a negative errno
 * (-ENOENT for a name, -EINVAL for a type without a size), as in the kernel
 * and libbpf; members carry `bit_offset` and `bitfield_size`; bad input and
 * unanswerable queries (a type loop) go to the owner's {@link BtfFail}.
 *
 * Member paths are dotted C member designators with array subscripts
 * (`icsk_ack.pending`, `rtt_min.s[0].v`, `icsk_ca_priv[2]`). Like C, a name is
 * also found inside anonymous struct/union members; like the kernel's own
 * `offsetof(struct sock, sk_pacing_rate)` applied to a `tcp_sock`, a name that
 * is not a member is looked up in the base struct embedded at offset 0.
 *
 * Key invariant: the records are never mutated; {@link Btf.patchDatasec}
 * replaces one record and rewrites this object's private copy of the blob.
 */
import { EINVAL, ENOENT } from "../uapi/errno.js";
import {
  BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64,
  BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE,
} from "../uapi/btf.js";
import { decodeBtf } from "./decode.js";
import type { DecodedBtf } from "./decode.js";
import { throwBtfError } from "./types.js";
import type { BtfFail, BtfHeader, BtfMember, BtfType, BtfVarSecinfo } from "./types.js";

/** Size of a pointer (and of `long`) in the kernels BTF describes here (LP64: x86-64, arm64). */
export const BTF_PTR_SIZE = 8;
/** Longest typedef/modifier/array chain followed (the kernel's MAX_RESOLVE_DEPTH). */
const MAX_RESOLVE_DEPTH = 32;
const utf8 = new TextDecoder("utf-8", { fatal: false });
const PATH_PART = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/;

/** A member located by path from the start of an outer aggregate. */
export interface BtfField {
  /** The path as given. */
  readonly path: string;
  /** Declared type id of the member (or of the array element when subscripted). */
  readonly type: number;
  /** Bit offset from the start of the outer aggregate. */
  readonly bit_offset: number;
  /** Bitfield width, 0 when the member is not a bitfield. */
  readonly bitfield_size: number;
  /** Byte offset (`bit_offset >> 3`). For a bitfield, the byte holding its first bit. */
  readonly offset: number;
  /** `sizeof` the declared type (for a bitfield, of its declared integer type). */
  readonly size: number;
  /** Whether the type (after typedefs and modifiers) is a signed INT or a signed ENUM/ENUM64. */
  readonly signed: boolean;
}

/** CONST, VOLATILE, RESTRICT, TYPE_TAG. */
export function isModifier(kind: number): boolean {
  return kind === BTF_KIND_CONST || kind === BTF_KIND_VOLATILE || kind === BTF_KIND_RESTRICT || kind === BTF_KIND_TYPE_TAG;
}

/** STRUCT or UNION. */
export function isComposite(kind: number): boolean {
  return kind === BTF_KIND_STRUCT || kind === BTF_KIND_UNION;
}

const KIND_KEYWORD = new Map([
  [BTF_KIND_STRUCT, "struct"], [BTF_KIND_UNION, "union"], [BTF_KIND_ENUM, "enum"], [BTF_KIND_ENUM64, "enum"], [BTF_KIND_FWD, "fwd"],
  [BTF_KIND_FUNC, "func"], [BTF_KIND_FUNC_PROTO, "func_proto"], [BTF_KIND_VAR, "var"], [BTF_KIND_DATASEC, "datasec"], [BTF_KIND_DECL_TAG, "decl_tag"],
]);

/** A decoded BTF object and its lookups. */
export class Btf {
  /** The blob: a private copy (DATASEC fixups write into it). */
  readonly raw: Uint8Array;
  readonly header: BtfHeader;
  private readonly list: BtfType[];
  private readonly strings: Uint8Array;
  private byName: Map<string, number[]> | undefined;

  /**
   * Decodes a copy of `bytes`. Bad input, and later a query that cannot be
   * answered, goes to `fail` (default: throw a BtfError).
   */
  constructor(bytes: Uint8Array, protected readonly fail: BtfFail = throwBtfError) {
    this.raw = bytes.slice();
    const d: DecodedBtf = decodeBtf(this.raw, fail);
    this.header = d.header;
    this.list = d.types;
    this.strings = d.strings;
  }

  /** `types[id]` is type `id`; `types[0]` is void. */
  get types(): readonly BtfType[] {
    return this.list;
  }

  /** Number of types (the highest type id; void not counted). */
  get nrTypes(): number {
    return this.list.length - 1;
  }

  /** Type `id` (void for 0); an id out of range goes to `fail`. */
  type(id: number): BtfType {
    const t = this.list[id];
    return t ?? this.fail(`no BTF type ${id}`, -1);
  }

  /**
   * Type `id`, or undefined for 0 (void) and ids out of range.
   * @see kernel/bpf/btf.c btf_type_by_id (v6.18)
   */
  typeById(id: number): BtfType | undefined {
    return id > 0 ? this.list[id] : undefined;
  }

  /** The string at `off` of the string section ("" for 0); an offset outside it goes to `fail`, naming `what`. */
  str(off: number, what = "string"): string {
    if (off === 0) return "";
    const len = this.strings.length;
    if (!Number.isInteger(off) || off < 0 || off >= len) {
      return this.fail(`${what} offset ${off} is outside the string table (${len} bytes)`, this.header.hdr_len + this.header.str_off + Math.max(0, Math.min(off, len)));
    }
    return utf8.decode(this.strings.subarray(off, this.strings.indexOf(0, off)));
  }

  /** Ids of every type named `name` (any kind), in id order. */
  idsByName(name: string): readonly number[] {
    if (this.byName === undefined) {
      const m = new Map<string, number[]>();
      for (const t of this.list) {
        if (t.name === "") continue;
        const l = m.get(t.name);
        if (l === undefined) m.set(t.name, [t.id]);
        else l.push(t.id);
      }
      this.byName = m;
    }
    return this.byName.get(name) ?? [];
  }

  /**
   * The id of the first type of kind `kind` named `name`, or -ENOENT.
   * @see kernel/bpf/btf.c btf_find_by_name_kind (v6.18)
   */
  findByNameKind(name: string, kind: number): number {
    for (const id of this.idsByName(name)) if (this.list[id]?.kind === kind) return id;
    return -ENOENT;
  }

  /**
   * Follows typedefs, const/volatile/restrict and type tags to the underlying
   * type id (0 stays 0). A chain longer than 32 goes to `fail`.
   * @see kernel/bpf/btf.c btf_type_skip_modifiers (v6.18)
   */
  skipModifiers(id: number): number {
    for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
      const t = this.type(id);
      if (t.kind !== BTF_KIND_TYPEDEF && !isModifier(t.kind)) return id;
      id = t.type;
    }
    return this.fail(`type chain from ${id} is too deep (a loop?)`, -1);
  }

  /**
   * `sizeof` type `id` in bytes (through typedefs, modifiers, VARs and
   * arrays; a DATASEC has its size), or -EINVAL for void, FWD, FUNC,
   * FUNC_PROTO and DECL_TAG. A chain deeper than 32 goes to `fail`.
   * @see tools/lib/bpf/btf.c btf__resolve_size
   */
  resolveSize(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) return this.fail(`size of type ${id} cannot be resolved (a loop?)`, -1);
    const t = this.type(id);
    switch (t.kind) {
      case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
      case BTF_KIND_DATASEC: case BTF_KIND_FLOAT:
        return t.size;
      case BTF_KIND_PTR:
        return BTF_PTR_SIZE;
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
        return this.resolveSize(t.type, depth + 1);
      case BTF_KIND_ARRAY: {
        const a = t.array as NonNullable<BtfType["array"]>;
        const e = this.resolveSize(a.type, depth + 1);
        return e < 0 ? e : e * a.nelems;
      }
      default:
        return -EINVAL;
    }
  }

  /**
   * Alignment of type `id`, at least 1.
   * @see tools/lib/bpf/btf.c btf__align_of
   */
  alignOf(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) return 1;
    const t = this.type(id);
    switch (t.kind) {
      case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FLOAT:
        return Math.max(1, Math.min(BTF_PTR_SIZE, t.size));
      case BTF_KIND_PTR:
        return BTF_PTR_SIZE;
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
        return this.alignOf(t.type, depth + 1);
      case BTF_KIND_ARRAY:
        return this.alignOf(t.array?.type ?? 0, depth + 1);
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        let a = 1;
        for (const m of t.members) a = Math.max(a, this.alignOf(m.type, depth + 1));
        return a;
      }
      default:
        return 1;
    }
  }

  /** Members of struct/union `id` (after typedefs and modifiers); empty for other kinds. */
  members(id: number): readonly BtfMember[] {
    return this.type(this.skipModifiers(id)).members;
  }

  /**
   * Index of the direct member `name` of struct/union `id`, or -ENOENT. For
   * `tcp_congestion_ops` this index is a struct_ops program's
   * `expected_attach_type`.
   */
  memberIndex(id: number, name: string): number {
    const i = this.members(id).findIndex((m) => m.name === name);
    return i < 0 ? -ENOENT : i;
  }

  /**
   * The FUNC_PROTO id a function-pointer type points to, or 0 when `id` is not
   * a pointer to a function prototype.
   * @see kernel/bpf/btf.c btf_type_resolve_func_ptr (v6.18)
   */
  resolveFuncPtr(id: number): number {
    const t = this.type(this.skipModifiers(id));
    if (t.kind !== BTF_KIND_PTR) return 0;
    const protoId = this.skipModifiers(t.type);
    return this.type(protoId).kind === BTF_KIND_FUNC_PROTO ? protoId : 0;
  }

  /** Whether type `id` is a function pointer (struct_ops slots are). */
  isFuncPtr(id: number): boolean {
    return this.resolveFuncPtr(id) !== 0;
  }

  /** Whether `id` (after typedefs and modifiers) is a signed INT or a signed ENUM/ENUM64. */
  isSigned(id: number): boolean {
    const t = this.type(this.skipModifiers(id));
    if (t.kind === BTF_KIND_INT) return (t.int_encoding & BTF_INT_SIGNED) !== 0;
    return (t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) && t.kflag;
  }

  /**
   * Locates a member by path inside the struct or union named `outer`
   * (searched as STRUCT first, then UNION). Undefined when the aggregate, a
   * path component, or an array bound does not exist.
   */
  field(outer: string, path: string): BtfField | undefined {
    let id = this.findByNameKind(outer, BTF_KIND_STRUCT);
    if (id < 0) id = this.findByNameKind(outer, BTF_KIND_UNION);
    if (id < 0) return undefined;
    return this.fieldOf(id, path);
  }

  /** {@link field} from an aggregate type id. */
  fieldOf(aggId: number, path: string): BtfField | undefined {
    let cur = aggId;
    let bitOff = 0;
    let bfs = 0;
    for (const part of path.split(".")) {
      if (bfs !== 0) return undefined; // a bitfield has no members
      const m = PATH_PART.exec(part);
      if (m === null) return undefined;
      const hit = this.findMember(cur, m[1] as string, 0);
      if (hit === undefined) return undefined;
      bitOff += hit.bit_offset;
      bfs = hit.bitfield_size;
      cur = hit.type;
      for (const sub of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) {
        const arr = this.type(this.skipModifiers(cur));
        if (arr.kind !== BTF_KIND_ARRAY || arr.array === undefined || bfs !== 0) return undefined;
        const idx = Number(sub[1]);
        if (idx >= arr.array.nelems) return undefined;
        const elemSize = this.resolveSize(arr.array.type);
        if (elemSize < 0) return undefined;
        bitOff += idx * elemSize * 8;
        cur = arr.array.type;
      }
    }
    const size = this.resolveSize(cur);
    if (size < 0) return undefined;
    return { path, type: cur, bit_offset: bitOff, bitfield_size: bfs, offset: bitOff >>> 3, size, signed: this.isSigned(cur) };
  }

  /**
   * `offsetof(struct outer, path)` in bytes. Throws RangeError when the member
   * does not exist or is a bitfield (use {@link field} for bitfields): meant
   * for layouts the caller knows exist.
   */
  offsetOf(outer: string, path: string): number {
    const f = this.field(outer, path);
    if (f === undefined) throw new RangeError(`Cannot find member '${path}' in '${outer}'`);
    if (f.bitfield_size !== 0 || f.bit_offset % 8 !== 0) throw new RangeError(`Cannot take offsetof '${outer}.${path}' as it is a bitfield`);
    return f.offset;
  }

  /** `offsetofend(struct outer, path)`: offset of the first byte after the member. Throws RangeError as {@link offsetOf}. */
  offsetofend(outer: string, path: string): number {
    const f = this.field(outer, path);
    if (f === undefined) throw new RangeError(`Cannot find member '${path}' in '${outer}'`);
    return f.offset + f.size;
  }

  /** `sizeof(struct name)` (or union, typedef or int `name`). Throws RangeError when there is none. */
  sizeOf(name: string): number {
    for (const kind of [BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF, BTF_KIND_INT]) {
      const id = this.findByNameKind(name, kind);
      if (id > 0) {
        const size = this.resolveSize(id);
        if (size >= 0) return size;
      }
    }
    throw new RangeError(`Cannot take sizeof '${name}' as no complete type has that name`);
  }

  /** A kind keyword and name for messages ("struct tcp_sock", "u32", "void", "func f"). */
  describe(id: number): string {
    const t = this.list[id];
    if (t === undefined) return `type#${id}`;
    if (id === 0) return "void";
    const kw = KIND_KEYWORD.get(t.kind);
    return kw === undefined ? t.name || `type#${id}` : `${kw} ${t.name || "(anon)"}`;
  }

  /**
   * A C spelling of type `id` ("u64[8]", "const char *", "void (struct sock *) *");
   * named types as {@link describe} gives them, a FWD as the struct or union it declares.
   */
  cTypeName(id: number, depth = 0): string {
    const t = this.list[id];
    if (t === undefined || id === 0 || depth > MAX_RESOLVE_DEPTH) return this.describe(id);
    const inner = (ref: number): string => this.cTypeName(ref, depth + 1);
    switch (t.kind) {
      case BTF_KIND_PTR: return `${inner(t.type)} *`;
      case BTF_KIND_ARRAY: return `${inner(t.array?.type ?? 0)}[${t.array?.nelems ?? 0}]`;
      case BTF_KIND_CONST: return `const ${inner(t.type)}`;
      case BTF_KIND_VOLATILE: return `volatile ${inner(t.type)}`;
      case BTF_KIND_RESTRICT: return `${inner(t.type)} restrict`;
      case BTF_KIND_TYPE_TAG: return inner(t.type);
      case BTF_KIND_FWD: return `${t.kflag ? "union" : "struct"} ${t.name}`;
      case BTF_KIND_FUNC_PROTO: return `${inner(t.type)} (${t.params.map((p) => inner(p.type)).join(", ")})`;
      default: return this.describe(id);
    }
  }

  /**
   * Rewrites DATASEC `id`'s size and its entries (same count, same types) in
   * the blob and the decoded record: what libbpf's btf_fixup_datasec changes
   * before BTF_LOAD.
   */
  patchDatasec(id: number, size: number, secinfos: readonly BtfVarSecinfo[]): void {
    const t = this.type(id);
    if (t.kind !== BTF_KIND_DATASEC || secinfos.length !== t.secinfos.length) this.fail(`type ${id} is not a DATASEC of ${secinfos.length} entries`, t.blob_off);
    const dv = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
    dv.setUint32(t.blob_off + 8, size, true);
    secinfos.forEach((s, i) => {
      dv.setUint32(t.blob_off + 12 + i * 12 + 4, s.offset, true);
      dv.setUint32(t.blob_off + 12 + i * 12 + 8, s.size, true);
    });
    this.list[id] = { ...t, size, secinfos: secinfos.map((s, i) => ({ type: t.secinfos[i]?.type ?? s.type, offset: s.offset, size: s.size })) };
  }

  /** Finds `name` in aggregate `id`: direct member, then anonymous members, then the base struct at offset 0. */
  private findMember(id: number, name: string, depth: number): BtfMember | undefined {
    const t = this.type(this.skipModifiers(id));
    if (!isComposite(t.kind) || depth > MAX_RESOLVE_DEPTH) return undefined;
    for (const m of t.members) if (m.name === name) return m;
    for (const m of t.members) {
      if (m.name !== "") continue;
      const hit = this.findMember(m.type, name, depth + 1);
      if (hit !== undefined) return { ...hit, bit_offset: m.bit_offset + hit.bit_offset };
    }
    const base = t.members[0];
    if (t.kind === BTF_KIND_STRUCT && base !== undefined && base.name !== "" && base.bit_offset === 0 && base.bitfield_size === 0) {
      if (this.type(this.skipModifiers(base.type)).kind === BTF_KIND_STRUCT) return this.findMember(base.type, name, depth + 1);
    }
    return undefined;
  }
}
