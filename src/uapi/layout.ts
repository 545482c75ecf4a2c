/**
 * @fileoverview Byte layouts of UAPI structs and a generic codec for them: the
 * machinery behind `union bpf_attr` (attr-layout.ts) and the
 * OBJ_GET_INFO_BY_FD info structs (info.ts).
 *
 * A layout is a table of fields, each with the kernel's member name (plus any
 * union aliases sharing its bytes), byte offset, size and kind. Offsets are
 * absolute within the root C type (`union bpf_attr`, `struct bpf_map_info`,
 * ...) and are checked against a real kernel's BTF by tools/check-uapi.ts.
 *
 * Key invariants: values are little-endian, as bpf(2) sees them on x86-64 and
 * arm64; bytes not covered by a given field are zero; encoding never reads a
 * key it does not know (unknown keys throw, so typos cannot pass silently).
 */
import { encodeCString, encodeCharArray } from "./cstring.js";

/**
 * How a field's bytes are interpreted.
 *
 * - `u32`, `s32`: 4-byte integers (`__u32`, `__s32`), numbers in TS.
 * - `u64`: `__u64` integer; bigint out, bigint or safe integer in.
 * - `ptr`: `__u64` holding a user address (`__aligned_u64` pointer fields).
 * - `str_ptr`: like `ptr`, but a string in the input is encoded NUL-terminated first.
 * - `char`: inline `char[size]` (a name); string or raw bytes in, raw bytes out.
 * - `bytes`: inline `__u8[size]` or an anonymous union's raw bytes.
 * - `bit`: a 1-bit bitfield in bit 0 of a `__u32` storage unit (rest is padding).
 */
export type FieldKind = "u32" | "s32" | "u64" | "ptr" | "str_ptr" | "char" | "bytes" | "bit";

/** One field of a layout. `names[0]` is canonical; later names alias the same bytes (C union members). */
export interface Field<K extends FieldKind = FieldKind, N extends readonly string[] = readonly string[]> {
  readonly names: N;
  readonly offset: number;
  readonly size: number;
  readonly kind: K;
  /**
   * Path of this field in the root type's BTF when it differs from `prefix + name`
   * (anonymous unions have no name: `link_create.(anon@16)`). `null` = not checked.
   */
  readonly btf?: string | null;
}

/** A struct (or the member of `union bpf_attr` one command uses) as a field table. */
export interface StructLayout<F extends readonly Field[] = readonly Field[]> {
  /** Human name used in error messages, e.g. "BPF_MAP_CREATE attr" or "struct bpf_map_info". */
  readonly name: string;
  /** Root BTF type the offsets are relative to: "bpf_attr", "bpf_map_info", ... */
  readonly btfRoot: string;
  /** Path prefix of the fields inside the root's BTF: "" or e.g. "link_create.". */
  readonly prefix: string;
  /** Size in bytes of the C struct this layout describes (BTF size, including tail padding). */
  readonly size: number;
  readonly fields: F;
}

/** Maps a user buffer to the address written into a pointer field (the caller's user memory). */
export type PtrFn = (buf: Uint8Array) => bigint;

/** Input value accepted for each field kind. */
export interface KindInput {
  u32: number;
  s32: number;
  u64: bigint | number;
  ptr: Uint8Array | bigint | null;
  str_ptr: string | Uint8Array | bigint | null;
  char: string | Uint8Array;
  bytes: Uint8Array;
  bit: number;
}

/** Decoded value produced for each field kind. */
export interface KindOutput {
  u32: number;
  s32: number;
  u64: bigint;
  ptr: bigint;
  str_ptr: bigint;
  char: Uint8Array;
  bytes: Uint8Array;
  bit: number;
}

/** Object accepted by {@link encodeStruct} for layout `L`: every field (and alias) optional, absent = 0. */
export type StructInput<L extends StructLayout> = {
  [F in L["fields"][number] as F["names"][number]]?: KindInput[F["kind"]] | undefined;
};

/** Object produced by {@link decodeStruct} for layout `L`: every field and alias present. */
export type StructOutput<L extends StructLayout> = {
  [F in L["fields"][number] as F["names"][number]]: KindOutput[F["kind"]];
};

function field<const K extends FieldKind, const N extends readonly [string, ...string[]]>(
  kind: K,
  offset: number,
  size: number,
  names: N,
): Field<K, N> {
  return { names, offset, size, kind };
}

/** A `__u32` field at `offset` (extra names are union aliases). */
export function u32Field<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"u32", N> {
  return field("u32", offset, 4, names);
}
/** A `__s32` field at `offset`. */
export function s32Field<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"s32", N> {
  return field("s32", offset, 4, names);
}
/** A `__u64` integer field at `offset`. */
export function u64Field<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"u64", N> {
  return field("u64", offset, 8, names);
}
/** A `__u64` user-pointer field at `offset`. */
export function ptrField<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"ptr", N> {
  return field("ptr", offset, 8, names);
}
/** A `__u64` pointer to a C string (input strings are NUL-terminated before mapping). */
export function strPtrField<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"str_ptr", N> {
  return field("str_ptr", offset, 8, names);
}
/** An inline `char[size]` at `offset`. */
export function charsField<const N extends readonly [string, ...string[]]>(offset: number, size: number, ...names: N): Field<"char", N> {
  return field("char", offset, size, names);
}
/**
 * Inline raw bytes: a `__u8[size]` (`btf` undefined), or an anonymous union
 * given its BTF path relative to the root (e.g. "link_create.(anon@16)").
 */
export function bytesField<const N extends readonly [string, ...string[]]>(
  offset: number,
  size: number,
  btf: string | null | undefined,
  ...names: N
): Field<"bytes", N> {
  const f = field("bytes", offset, size, names);
  return btf === undefined ? f : { ...f, btf };
}
/** A 1-bit bitfield in bit 0 of the `__u32` storage unit at `offset`. */
export function bitField<const N extends readonly [string, ...string[]]>(offset: number, ...names: N): Field<"bit", N> {
  return field("bit", offset, 4, names);
}

/** Bytes spanned by the layout's fields: max(offset + size). */
export function layoutEnd(layout: StructLayout): number {
  let end = 0;
  for (const f of layout.fields) end = Math.max(end, f.offset + f.size);
  return end;
}

/**
 * The field of `layout` named `name` (canonical or alias).
 *
 * @throws RangeError if the layout has no such field.
 */
export function fieldOf(layout: StructLayout, name: string): Field {
  for (const f of layout.fields) if (f.names.includes(name)) return f;
  throw new RangeError(`${layout.name} has no field '${name}'`);
}

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

function toU64(v: unknown, where: string): bigint {
  if (typeof v === "bigint") {
    if (v < 0n || v > U64_MAX) throw new RangeError(`Cannot encode ${where} as it must be in [0, 2^64): current value is ${v}`);
    return v;
  }
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Cannot encode ${where} as it must be a non-negative safe integer: current value is ${v}`);
    return BigInt(v);
  }
  throw new TypeError(`Cannot encode ${where} as it must be a bigint or number: current type is ${typeof v}`);
}

function toPtr(v: unknown, where: string, ptrFn: PtrFn | undefined): bigint {
  if (v === null) return 0n;
  if (v instanceof Uint8Array) {
    if (ptrFn === undefined) throw new TypeError(`Cannot encode ${where} from a buffer as no ptr() function was given`);
    return toU64(ptrFn(v), `${where} (address from ptr())`);
  }
  if (typeof v === "bigint") return toU64(v, where);
  throw new TypeError(`Cannot encode ${where} as it must be a Uint8Array, bigint address or null: current type is ${typeof v}`);
}

function checkInt(v: unknown, lo: number, hi: number, where: string): number {
  if (typeof v !== "number") throw new TypeError(`Cannot encode ${where} as it must be a number: current type is ${typeof v}`);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`Cannot encode ${where} as it must be an integer in [${lo}, ${hi}]: current value is ${v}`);
  return v;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // 3 and 3n name the same u64 value.
  if (typeof a === "bigint" && typeof b === "number") return Number.isInteger(b) && a === BigInt(b);
  if (typeof a === "number" && typeof b === "bigint") return Number.isInteger(a) && BigInt(a) === b;
  return false;
}

/** Writes one field value into `out` (little-endian). */
function writeField(view: DataView, out: Uint8Array, f: Field, v: unknown, where: string, ptrFn: PtrFn | undefined): void {
  switch (f.kind) {
    case "u32":
      view.setUint32(f.offset, checkInt(v, 0, U32_MAX, where), true);
      return;
    case "s32":
      view.setInt32(f.offset, checkInt(v, -0x8000_0000, 0x7fff_ffff, where), true);
      return;
    case "bit":
      view.setUint32(f.offset, checkInt(v, 0, 1, where), true);
      return;
    case "u64":
      view.setBigUint64(f.offset, toU64(v, where), true);
      return;
    case "ptr":
      view.setBigUint64(f.offset, toPtr(v, where, ptrFn), true);
      return;
    case "str_ptr":
      view.setBigUint64(f.offset, toPtr(typeof v === "string" ? encodeCString(v) : v, where, ptrFn), true);
      return;
    case "char":
      if (typeof v !== "string" && !(v instanceof Uint8Array)) {
        throw new TypeError(`Cannot encode ${where} as it must be a string or Uint8Array: current type is ${typeof v}`);
      }
      out.set(encodeCharArray(v, f.size, f.names[0]), f.offset);
      return;
    case "bytes":
      if (!(v instanceof Uint8Array)) throw new TypeError(`Cannot encode ${where} as it must be a Uint8Array: current type is ${typeof v}`);
      if (v.length > f.size) throw new RangeError(`Cannot encode ${where} as it must be at most ${f.size} bytes: current length is ${v.length}`);
      out.fill(0, f.offset, f.offset + f.size);
      out.set(v, f.offset);
      return;
  }
}

/**
 * Encodes `obj` into `out` following `layout`. Absent fields stay as they are
 * in `out` (zero in a fresh buffer). Fields are written in table order, so a
 * raw-bytes field listed before a named view of the same bytes is overlaid by it.
 *
 * @param ptrFn maps Uint8Array pointer values to user addresses; required only if one is given.
 * @throws TypeError for unknown keys, wrong value types, conflicting union aliases, or a buffer pointer without `ptrFn`.
 * @throws RangeError for out-of-range integers, over-long names, or an `out` too small for a given field.
 */
export function encodeStruct<L extends StructLayout>(layout: L, obj: StructInput<L>, out: Uint8Array, ptrFn?: PtrFn): void {
  const o = obj as Record<string, unknown>;
  const known = new Set<string>();
  for (const f of layout.fields) for (const n of f.names) known.add(n);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new TypeError(`Cannot encode ${layout.name} as '${k}' is not one of its fields`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const f of layout.fields) {
    let chosen: string | undefined;
    for (const n of f.names) {
      if (o[n] === undefined) continue;
      if (chosen === undefined) chosen = n;
      else if (!sameValue(o[chosen], o[n])) {
        throw new TypeError(`Cannot encode ${layout.name} as '${chosen}' and '${n}' share the same bytes but differ`);
      }
    }
    if (chosen === undefined) continue;
    if (f.offset + f.size > out.length) {
      throw new RangeError(`Cannot encode '${chosen}' of ${layout.name} as it ends at byte ${f.offset + f.size}: buffer length is ${out.length}`);
    }
    writeField(view, out, f, o[chosen], `'${chosen}' of ${layout.name}`, ptrFn);
  }
}

/**
 * Decodes `bytes` following `layout`. Input shorter than the layout reads as
 * if zero-padded (the kernel copies min(size, sizeof) bytes into a zeroed
 * struct); longer input is ignored past the layout.
 */
export function decodeStruct<L extends StructLayout>(layout: L, bytes: Uint8Array): StructOutput<L> {
  const need = Math.max(layoutEnd(layout), layout.size);
  let src = bytes;
  if (src.length < need) {
    src = new Uint8Array(need);
    src.set(bytes);
  }
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out: Record<string, unknown> = {};
  for (const f of layout.fields) {
    let v: unknown;
    switch (f.kind) {
      case "u32":
        v = view.getUint32(f.offset, true);
        break;
      case "s32":
        v = view.getInt32(f.offset, true);
        break;
      case "bit":
        v = view.getUint32(f.offset, true) & 1;
        break;
      case "u64":
      case "ptr":
      case "str_ptr":
        v = view.getBigUint64(f.offset, true);
        break;
      case "char":
      case "bytes":
        v = src.slice(f.offset, f.offset + f.size);
        break;
    }
    // Aliases get their own copy of byte arrays so mutating one view does not alter another.
    f.names.forEach((n, i) => {
      out[n] = i > 0 && v instanceof Uint8Array ? v.slice() : v;
    });
  }
  return out as StructOutput<L>;
}
