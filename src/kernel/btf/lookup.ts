/**
 * @fileoverview Type lookups over decoded BTF, the kernel's view of its own
 * types (kernel/bpf/btf.c: `btf_type_by_id`, `btf_find_by_name_kind`,
 * `btf_type_skip_modifiers`, `btf_resolve_size`, `btf_type_resolve_func_ptr`,
 * `__btf_member_bit_offset`) plus `offsetof`-style member paths used to derive
 * the socket accessors and the struct_ops value layout.
 *
 * Member paths are dotted C member designators, with array subscripts
 * (`icsk_ack.pending`, `rtt_min.s[0].v`, `icsk_ca_priv[2]`). Like C, a name is
 * also found inside anonymous struct/union members. Like the kernel's own
 * `offsetof(struct sock, sk_pacing_rate)` applied to a `tcp_sock`, a name that
 * is not a member is looked up in the "base" struct embedded at offset 0
 * (`tcp_sock` → `inet_conn` → `icsk_inet` → `sk` → `__sk_common`), so
 * `offsetOf("tcp_sock", "icsk_ca_priv")` works.
 *
 * Key invariant: lookups never mutate the types and never throw for a missing
 * name in the kernel-style API (they return -ENOENT/-EINVAL/0); only the
 * `offsetOf`/`sizeOf` conveniences, meant for the model's own static layouts,
 * throw RangeError.
 */
import { EINVAL, ENOENT } from "../../uapi/errno.js";
import {
  BTF_INT_ENCODING,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
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
  BTF_KIND_VOLATILE,
} from "../../uapi/btf.js";
import type { BtfMember, BtfType, ParsedBtf } from "./reader.js";

/** Pointer size of the modelled kernel. */
const PTR_SIZE = 8;

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

const MODIFIERS = new Set([BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_TYPE_TAG]);
const PATH_PART = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/;

/** Read-only lookups over one BTF object. */
export class BtfLookup {
  /** `types[id - 1]` is type `id`. */
  readonly types: readonly BtfType[];
  private readonly byName = new Map<string, number[]>();

  constructor(parsed: ParsedBtf) {
    this.types = parsed.types;
    for (const t of this.types) {
      if (t.name === "") continue;
      const list = this.byName.get(t.name);
      if (list === undefined) this.byName.set(t.name, [t.id]);
      else list.push(t.id);
    }
  }

  /** Number of types (the highest type id). */
  get nrTypes(): number {
    return this.types.length;
  }

  /**
   * The type with id `id`, or undefined (also for 0, `void`).
   * @see kernel/bpf/btf.c btf_type_by_id (v6.18)
   */
  typeById(id: number): BtfType | undefined {
    return id > 0 ? this.types[id - 1] : undefined;
  }

  /**
   * The id of the first type of kind `kind` named `name`, or -ENOENT.
   * @see kernel/bpf/btf.c btf_find_by_name_kind (v6.18)
   */
  findByNameKind(name: string, kind: number): number {
    for (const id of this.byName.get(name) ?? []) if (this.types[id - 1]?.kind === kind) return id;
    return -ENOENT;
  }

  /**
   * Follows typedefs, volatile/const/restrict and type tags to the underlying
   * type id (0 stays 0).
   * @see kernel/bpf/btf.c btf_type_skip_modifiers (v6.18)
   */
  skipModifiers(id: number): number {
    let t = this.typeById(id);
    for (let guard = 0; t !== undefined && MODIFIERS.has(t.kind) && guard < this.types.length; guard++) {
      id = t.type;
      t = this.typeById(id);
    }
    return id;
  }

  /**
   * `sizeof` a type in bytes, or -EINVAL for void, FWD, FUNC, FUNC_PROTO, VAR
   * and other sizeless kinds.
   * @see kernel/bpf/btf.c btf_resolve_size (v6.18)
   */
  resolveSize(id: number): number {
    const t = this.typeById(this.skipModifiers(id));
    if (t === undefined) return -EINVAL;
    switch (t.kind) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_FLOAT:
        return t.size;
      case BTF_KIND_PTR:
        return PTR_SIZE;
      case BTF_KIND_ARRAY: {
        const elem = this.resolveSize(t.array?.type ?? 0);
        return elem < 0 ? elem : elem * (t.array?.nelems ?? 0);
      }
      default:
        return -EINVAL;
    }
  }

  /** Members of struct/union `id` (after modifiers); empty for other kinds. */
  members(id: number): readonly BtfMember[] {
    return this.typeById(this.skipModifiers(id))?.members ?? [];
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
    const t = this.typeById(this.skipModifiers(id));
    if (t === undefined || t.kind !== BTF_KIND_PTR) return 0;
    const protoId = this.skipModifiers(t.type);
    return this.typeById(protoId)?.kind === BTF_KIND_FUNC_PROTO ? protoId : 0;
  }

  /** Whether type `id` is a function pointer (struct_ops slots are). */
  isFuncPtr(id: number): boolean {
    return this.resolveFuncPtr(id) !== 0;
  }

  /**
   * Locates a member by path inside the struct or union named `outer`
   * (searched as STRUCT first, then UNION). Returns undefined when the
   * aggregate, a path component, or an array bound does not exist.
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
    const parts = path.split(".");
    for (const part of parts) {
      if (bfs !== 0) return undefined; // a bitfield has no members
      const m = PATH_PART.exec(part);
      if (m === null) return undefined;
      const hit = this.findMember(cur, m[1] as string, 0);
      if (hit === undefined) return undefined;
      bitOff += hit.bit_offset;
      bfs = hit.bitfield_size;
      cur = hit.type;
      for (const sub of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) {
        const arr = this.typeById(this.skipModifiers(cur));
        if (arr?.kind !== BTF_KIND_ARRAY || arr.array === undefined || bfs !== 0) return undefined;
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

  /** Whether `id` (after typedefs and modifiers) is a signed INT or a signed ENUM/ENUM64. */
  isSigned(id: number): boolean {
    const t = this.typeById(this.skipModifiers(id));
    if (t === undefined) return false;
    if (t.kind === BTF_KIND_INT) return (BTF_INT_ENCODING(t.int_data) & BTF_INT_SIGNED) !== 0;
    return (t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) && t.kflag === 1;
  }

  /**
   * `offsetof(struct outer, path)` in bytes. Throws RangeError when the member
   * does not exist or is a bitfield (use {@link field} for bitfields).
   */
  offsetOf(outer: string, path: string): number {
    const f = this.field(outer, path);
    if (f === undefined) throw new RangeError(`Cannot find member '${path}' in '${outer}'`);
    if (f.bitfield_size !== 0 || f.bit_offset % 8 !== 0) throw new RangeError(`Cannot take offsetof '${outer}.${path}' as it is a bitfield`);
    return f.offset;
  }

  /** `offsetofend(struct outer, path)`: offset of the first byte after the member. */
  offsetofend(outer: string, path: string): number {
    const f = this.field(outer, path);
    if (f === undefined) throw new RangeError(`Cannot find member '${path}' in '${outer}'`);
    return f.offset + f.size;
  }

  /** `sizeof(struct name)` (or union, or typedef `name`). Throws RangeError when there is none. */
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

  /** Human-readable C-like spelling of a type for messages: `struct sock *`, `u32`, `char[16]`. */
  typeName(id: number): string {
    const t = this.typeById(id);
    if (t === undefined) return "void";
    switch (t.kind) {
      case BTF_KIND_PTR:
        return `${this.typeName(t.type)} *`;
      case BTF_KIND_CONST:
        return `const ${this.typeName(t.type)}`;
      case BTF_KIND_VOLATILE:
        return `volatile ${this.typeName(t.type)}`;
      case BTF_KIND_RESTRICT:
        return `${this.typeName(t.type)} restrict`;
      case BTF_KIND_ARRAY:
        return `${this.typeName(t.array?.type ?? 0)}[${t.array?.nelems ?? 0}]`;
      case BTF_KIND_STRUCT:
        return `struct ${t.name || "(anon)"}`;
      case BTF_KIND_UNION:
        return `union ${t.name || "(anon)"}`;
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return `enum ${t.name || "(anon)"}`;
      case BTF_KIND_FWD:
        return `${t.kflag ? "union" : "struct"} ${t.name}`;
      case BTF_KIND_FUNC_PROTO:
        return `${this.typeName(t.type)} (${t.params.map((p) => this.typeName(p.type)).join(", ")})`;
      default:
        return t.name || `(anon ${BTF_KIND_NAMES.get(t.kind) ?? t.kind})`;
    }
  }

  /** Finds `name` in aggregate `id`: direct member, then anonymous members, then the base struct at offset 0. */
  private findMember(id: number, name: string, depth: number): BtfMember | undefined {
    const t = this.typeById(this.skipModifiers(id));
    if (t === undefined || (t.kind !== BTF_KIND_STRUCT && t.kind !== BTF_KIND_UNION) || depth > 32) return undefined;
    for (const m of t.members) if (m.name === name) return m;
    for (const m of t.members) {
      if (m.name !== "") continue;
      const hit = this.findMember(m.type, name, depth + 1);
      if (hit !== undefined) return { ...hit, bit_offset: m.bit_offset + hit.bit_offset };
    }
    const base = t.members[0];
    if (t.kind === BTF_KIND_STRUCT && base !== undefined && base.name !== "" && base.bit_offset === 0 && base.bitfield_size === 0) {
      if (this.typeById(this.skipModifiers(base.type))?.kind === BTF_KIND_STRUCT) return this.findMember(base.type, name, depth + 1);
    }
    return undefined;
  }
}
