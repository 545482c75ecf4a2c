/**
 * @fileoverview The BPF Type Format of include/uapi/linux/btf.h in kernel
 * spelling: the header, the kinds, the `info` word, the INT encoding word, the
 * bitfield encoding of struct members, and the func/var linkage values.
 *
 * A BTF blob is a 24-byte `struct btf_header` followed by a type section and a
 * string section, both located relative to the end of the header. Every
 * multi-byte field is in the host's byte order; the model, like x86-64 and
 * arm64 Linux, is little-endian. Type id 0 is `void` and is never encoded.
 * Values were read from a Linux 6.18 kernel's headers and BTF.
 */

/** `btf_header.magic`. Read as little-endian bytes 9f eb. */
export const BTF_MAGIC = 0xeb9f;
/** `btf_header.version`. */
export const BTF_VERSION = 1;
/** `sizeof(struct btf_header)`: the `hdr_len` the kernel writes. */
export const BTF_HDR_LEN = 24;

/** Byte offsets of the fields of `struct btf_header`. */
export const BTF_HEADER_OFF = {
  magic: 0, // __u16
  version: 2, // __u8
  flags: 3, // __u8
  hdr_len: 4, // __u32
  type_off: 8, // __u32, relative to the end of the header
  type_len: 12, // __u32
  str_off: 16, // __u32, relative to the end of the header
  str_len: 20, // __u32
} as const;

/** Highest type id a BTF object may hold. */
export const BTF_MAX_TYPE = 0x000fffff;
/** Highest offset into the string section a name may use. */
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
/** Highest member, enumerator or parameter count (`vlen`). */
export const BTF_MAX_VLEN = 0xffff;

/** `sizeof(struct btf_type)`: name_off, info, size/type. */
export const BTF_TYPE_LEN = 12;

// Kinds (the anonymous enum of btf.h).
export const BTF_KIND_UNKN = 0;
export const BTF_KIND_INT = 1;
export const BTF_KIND_PTR = 2;
export const BTF_KIND_ARRAY = 3;
export const BTF_KIND_STRUCT = 4;
export const BTF_KIND_UNION = 5;
export const BTF_KIND_ENUM = 6;
export const BTF_KIND_FWD = 7;
export const BTF_KIND_TYPEDEF = 8;
export const BTF_KIND_VOLATILE = 9;
export const BTF_KIND_CONST = 10;
export const BTF_KIND_RESTRICT = 11;
export const BTF_KIND_FUNC = 12;
export const BTF_KIND_FUNC_PROTO = 13;
export const BTF_KIND_VAR = 14;
export const BTF_KIND_DATASEC = 15;
export const BTF_KIND_FLOAT = 16;
export const BTF_KIND_DECL_TAG = 17;
export const BTF_KIND_TYPE_TAG = 18;
export const BTF_KIND_ENUM64 = 19;
/** Number of kinds. */
export const NR_BTF_KINDS = 20;
/** Highest valid kind. */
export const BTF_KIND_MAX = NR_BTF_KINDS - 1;

/** Kind → kernel spelling without the prefix, as bpftool prints it (`STRUCT`, `FUNC_PROTO`). */
export const BTF_KIND_NAMES: ReadonlyMap<number, string> = new Map([
  [BTF_KIND_UNKN, "UNKN"],
  [BTF_KIND_INT, "INT"],
  [BTF_KIND_PTR, "PTR"],
  [BTF_KIND_ARRAY, "ARRAY"],
  [BTF_KIND_STRUCT, "STRUCT"],
  [BTF_KIND_UNION, "UNION"],
  [BTF_KIND_ENUM, "ENUM"],
  [BTF_KIND_FWD, "FWD"],
  [BTF_KIND_TYPEDEF, "TYPEDEF"],
  [BTF_KIND_VOLATILE, "VOLATILE"],
  [BTF_KIND_CONST, "CONST"],
  [BTF_KIND_RESTRICT, "RESTRICT"],
  [BTF_KIND_FUNC, "FUNC"],
  [BTF_KIND_FUNC_PROTO, "FUNC_PROTO"],
  [BTF_KIND_VAR, "VAR"],
  [BTF_KIND_DATASEC, "DATASEC"],
  [BTF_KIND_FLOAT, "FLOAT"],
  [BTF_KIND_DECL_TAG, "DECL_TAG"],
  [BTF_KIND_TYPE_TAG, "TYPE_TAG"],
  [BTF_KIND_ENUM64, "ENUM64"],
]);

/*
 * btf_type.info: bits 0-15 vlen, bits 24-28 kind, bit 31 kind_flag.
 * kind_flag means: STRUCT/UNION members carry bitfield sizes; FWD names a
 * union; ENUM/ENUM64 values are signed; DECL_TAG is an attribute tag.
 */

/** `BTF_INFO_KIND(info)`. */
export function BTF_INFO_KIND(info: number): number {
  return (info >>> 24) & 0x1f;
}
/** `BTF_INFO_VLEN(info)`. */
export function BTF_INFO_VLEN(info: number): number {
  return info & 0xffff;
}
/** `BTF_INFO_KFLAG(info)`: 0 or 1. */
export function BTF_INFO_KFLAG(info: number): number {
  return info >>> 31;
}
/** `BTF_INFO_ENC(kind, kind_flag, vlen)` of libbpf's test macros: builds an `info` word (u32). */
export function BTF_INFO_ENC(kind: number, kind_flag: number, vlen: number): number {
  return (((kind_flag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff)) >>> 0;
}

/*
 * BTF_KIND_INT is followed by one u32: bits 24-27 encoding, bits 16-23 bit
 * offset, bits 0-7 number of bits.
 */

/** `BTF_INT_ENCODING(VAL)`: the BTF_INT_* attribute bits. */
export function BTF_INT_ENCODING(val: number): number {
  return (val & 0x0f000000) >>> 24;
}
/** `BTF_INT_OFFSET(VAL)`. */
export function BTF_INT_OFFSET(val: number): number {
  return (val & 0x00ff0000) >>> 16;
}
/** `BTF_INT_BITS(VAL)`. */
export function BTF_INT_BITS(val: number): number {
  return val & 0x000000ff;
}
/** `BTF_INT_ENC(encoding, bits_offset, nr_bits)` of libbpf's test macros. */
export function BTF_INT_ENC(encoding: number, bits_offset: number, nr_bits: number): number {
  return (((encoding & 0xf) << 24) | ((bits_offset & 0xff) << 16) | (nr_bits & 0xff)) >>> 0;
}
/** INT encoding attribute: signed. */
export const BTF_INT_SIGNED = 1 << 0;
/** INT encoding attribute: char (pretty-printing only). */
export const BTF_INT_CHAR = 1 << 1;
/** INT encoding attribute: bool. */
export const BTF_INT_BOOL = 1 << 2;

/*
 * STRUCT/UNION are followed by vlen `struct btf_member` {name_off, type,
 * offset}. With kind_flag set, offset packs (bitfield_size << 24 | bit_offset);
 * without it, offset is the bit offset alone.
 */

/** `sizeof(struct btf_member)`. */
export const BTF_MEMBER_LEN = 12;
/** `BTF_MEMBER_BITFIELD_SIZE(val)` (kind_flag set). */
export function BTF_MEMBER_BITFIELD_SIZE(val: number): number {
  return val >>> 24;
}
/** `BTF_MEMBER_BIT_OFFSET(val)` (kind_flag set). */
export function BTF_MEMBER_BIT_OFFSET(val: number): number {
  return val & 0xffffff;
}
/** `BTF_MEMBER_OFFSET(bitfield_size, bits_offset)` of libbpf's test macros (kind_flag set). */
export function BTF_MEMBER_OFFSET(bitfield_size: number, bits_offset: number): number {
  return ((bitfield_size << 24) | (bits_offset & 0xffffff)) >>> 0;
}

/** `sizeof(struct btf_array)`: type, index_type, nelems. */
export const BTF_ARRAY_LEN = 12;
/** `sizeof(struct btf_enum)`: name_off, s32 val. */
export const BTF_ENUM_LEN = 8;
/** `sizeof(struct btf_enum64)`: name_off, val_lo32, val_hi32. */
export const BTF_ENUM64_LEN = 12;
/** `sizeof(struct btf_param)`: name_off, type. */
export const BTF_PARAM_LEN = 8;
/** `sizeof(struct btf_var)`: linkage. */
export const BTF_VAR_LEN = 4;
/** `sizeof(struct btf_var_secinfo)`: type, offset, size. */
export const BTF_VAR_SECINFO_LEN = 12;
/** `sizeof(struct btf_decl_tag)`: s32 component_idx (-1: the tag applies to the type itself). */
export const BTF_DECL_TAG_LEN = 4;

// Variable linkage (struct btf_var.linkage).
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

// enum btf_func_linkage, stored in a FUNC's vlen.
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;
