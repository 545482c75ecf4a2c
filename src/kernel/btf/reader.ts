/**
 * @fileoverview Decodes a BTF blob into type records: the kernel-side reader
 * behind the model's BTF lookups (kernel/bpf/btf.c, `btf_parse_hdr`,
 * `btf_parse_str_sec`, `btf_check_all_metas`, to the extent the model needs).
 *
 * This is deliberately small: it reads what the builder writes (and what a
 * kernel serves in /sys/kernel/btf) and rejects malformed blobs with -EINVAL,
 * following the model's errno convention. The full loader for BPF ELF objects
 * lives in src/obj.
 *
 * Key invariant: on success, `types[id - 1]` is the record of type `id`, every
 * type id a record references is ≤ `types.length`, and every name is a
 * NUL-terminated string of the string section.
 */
import { EINVAL } from "../../uapi/errno.js";
import {
  BTF_ARRAY_LEN,
  BTF_DECL_TAG_LEN,
  BTF_ENUM64_LEN,
  BTF_ENUM_LEN,
  BTF_HDR_LEN,
  BTF_HEADER_OFF,
  BTF_INFO_KFLAG,
  BTF_INFO_KIND,
  BTF_INFO_VLEN,
  BTF_KIND_ARRAY,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_MAX,
  BTF_KIND_STRUCT,
  BTF_KIND_UNION,
  BTF_KIND_VAR,
  BTF_MAGIC,
  BTF_MAX_TYPE,
  BTF_MEMBER_BITFIELD_SIZE,
  BTF_MEMBER_BIT_OFFSET,
  BTF_MEMBER_LEN,
  BTF_PARAM_LEN,
  BTF_TYPE_LEN,
  BTF_VAR_LEN,
  BTF_VAR_SECINFO_LEN,
  BTF_VERSION,
} from "../../uapi/btf.js";

/** A struct/union member with its bit offset decoded from kind_flag. */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Bit offset from the start of the enclosing aggregate. */
  readonly bit_offset: number;
  /** Bitfield width; 0 when the member is not a bitfield. */
  readonly bitfield_size: number;
}

/** An enumerator (ENUM values are widened to bigint with their signedness). */
export interface BtfEnumValue {
  readonly name: string;
  readonly val: bigint;
}

/** A FUNC_PROTO parameter. */
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** A DATASEC entry. */
export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** struct btf_array. */
export interface BtfArray {
  readonly type: number;
  readonly index_type: number;
  readonly nelems: number;
}

/**
 * One decoded `struct btf_type` and its trailing data. Kind-specific lists are
 * empty for kinds that have none.
 */
export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  readonly name_off: number;
  readonly info: number;
  readonly kflag: number;
  readonly vlen: number;
  /** Size in bytes for INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT; otherwise 0. */
  readonly size: number;
  /** Referenced type for PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO (return), VAR, DECL_TAG, TYPE_TAG; otherwise 0. */
  readonly type: number;
  /** INT: the encoding word (see BTF_INT_ENCODING/OFFSET/BITS). */
  readonly int_data: number;
  readonly array: BtfArray | undefined;
  readonly members: readonly BtfMember[];
  readonly enums: readonly BtfEnumValue[];
  readonly params: readonly BtfParam[];
  readonly secinfos: readonly BtfVarSecinfo[];
  /** FUNC: btf_func_linkage (its vlen); VAR: btf_var.linkage; otherwise 0. */
  readonly linkage: number;
  /** DECL_TAG: component_idx; otherwise 0. */
  readonly component_idx: number;
}

/** A decoded BTF object. */
export interface ParsedBtf {
  /** `types[id - 1]` is type `id`. */
  readonly types: readonly BtfType[];
  /** Raw string section. */
  readonly strings: Uint8Array;
}

const SIZED = new Set([BTF_KIND_INT, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_DATASEC, BTF_KIND_FLOAT]);
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes `bytes` (a little-endian BTF blob). Returns the parsed object, or
 * -EINVAL for a bad header, a section out of bounds, a string section not
 * starting and ending with NUL, a name outside the string section, an unknown
 * kind, truncated type data, or a reference to a type id that does not exist.
 *
 * @see kernel/bpf/btf.c btf_parse (v6.18)
 */
export function parseBtf(bytes: Uint8Array): ParsedBtf | number {
  if (bytes.length < BTF_HDR_LEN) return -EINVAL;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(BTF_HEADER_OFF.magic, true) !== BTF_MAGIC) return -EINVAL;
  if (dv.getUint8(BTF_HEADER_OFF.version) !== BTF_VERSION || dv.getUint8(BTF_HEADER_OFF.flags) !== 0) return -EINVAL;
  const hdrLen = dv.getUint32(BTF_HEADER_OFF.hdr_len, true);
  if (hdrLen < BTF_HDR_LEN || hdrLen > bytes.length) return -EINVAL;
  // A longer header (from a newer kernel) must have its unknown tail zeroed.
  for (let i = BTF_HDR_LEN; i < hdrLen; i++) if (bytes[i] !== 0) return -EINVAL;
  const typeOff = dv.getUint32(BTF_HEADER_OFF.type_off, true);
  const typeLen = dv.getUint32(BTF_HEADER_OFF.type_len, true);
  const strOff = dv.getUint32(BTF_HEADER_OFF.str_off, true);
  const strLen = dv.getUint32(BTF_HEADER_OFF.str_len, true);
  const body = bytes.length - hdrLen;
  if (typeOff % 4 !== 0 || typeOff + typeLen > body || strOff + strLen > body) return -EINVAL;
  if (typeOff + typeLen > strOff && strOff + strLen > typeOff) return -EINVAL;
  if (strLen === 0 || strLen - 1 > 0x00ffffff) return -EINVAL;
  const strings = bytes.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (strings[0] !== 0 || strings[strLen - 1] !== 0) return -EINVAL;

  const names = new Map<number, string>();
  const str = (off: number): string | undefined => {
    if (off >= strLen) return undefined;
    let s = names.get(off);
    if (s === undefined) {
      const end = strings.indexOf(0, off);
      try {
        s = decoder.decode(strings.subarray(off, end));
      } catch {
        return undefined;
      }
      names.set(off, s);
    }
    return s;
  };

  const types: BtfType[] = [];
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  const u32 = (): number => {
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  while (p < end) {
    if (end - p < BTF_TYPE_LEN || types.length >= BTF_MAX_TYPE) return -EINVAL;
    const name_off = u32();
    const info = u32();
    const sizeType = u32();
    const kind = BTF_INFO_KIND(info);
    const vlen = BTF_INFO_VLEN(info);
    const kflag = BTF_INFO_KFLAG(info);
    const name = str(name_off);
    if (name === undefined || kind === 0 || kind > BTF_KIND_MAX) return -EINVAL;
    const need = extraLen(kind, vlen);
    if (end - p < need) return -EINVAL;
    let int_data = 0;
    let array: BtfArray | undefined;
    const members: BtfMember[] = [];
    const enums: BtfEnumValue[] = [];
    const params: BtfParam[] = [];
    const secinfos: BtfVarSecinfo[] = [];
    let linkage = 0;
    let component_idx = 0;
    switch (kind) {
      case BTF_KIND_INT:
        int_data = u32();
        break;
      case BTF_KIND_ARRAY:
        array = { type: u32(), index_type: u32(), nelems: u32() };
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        for (let i = 0; i < vlen; i++) {
          const mname = str(u32());
          const type = u32();
          const off = u32();
          if (mname === undefined) return -EINVAL;
          members.push(
            kflag
              ? { name: mname, type, bit_offset: BTF_MEMBER_BIT_OFFSET(off), bitfield_size: BTF_MEMBER_BITFIELD_SIZE(off) }
              : { name: mname, type, bit_offset: off, bitfield_size: 0 },
          );
        }
        break;
      case BTF_KIND_ENUM:
        for (let i = 0; i < vlen; i++) {
          const ename = str(u32());
          const raw = u32();
          if (ename === undefined) return -EINVAL;
          enums.push({ name: ename, val: kflag ? BigInt(raw | 0) : BigInt(raw) });
        }
        break;
      case BTF_KIND_ENUM64:
        for (let i = 0; i < vlen; i++) {
          const ename = str(u32());
          const lo = BigInt(u32());
          const hi = BigInt(u32());
          if (ename === undefined) return -EINVAL;
          const v = (hi << 32n) | lo;
          enums.push({ name: ename, val: kflag ? BigInt.asIntN(64, v) : v });
        }
        break;
      case BTF_KIND_FUNC_PROTO:
        for (let i = 0; i < vlen; i++) {
          const pname = str(u32());
          const type = u32();
          if (pname === undefined) return -EINVAL;
          params.push({ name: pname, type });
        }
        break;
      case BTF_KIND_VAR:
        linkage = u32();
        break;
      case BTF_KIND_DATASEC:
        for (let i = 0; i < vlen; i++) secinfos.push({ type: u32(), offset: u32(), size: u32() });
        break;
      case BTF_KIND_DECL_TAG:
        component_idx = dv.getInt32(p, true);
        p += 4;
        break;
      case BTF_KIND_FUNC:
        linkage = vlen;
        break;
    }
    const sized = SIZED.has(kind);
    types.push({
      id: types.length + 1,
      kind,
      name,
      name_off,
      info,
      kflag,
      vlen,
      size: sized ? sizeType : 0,
      type: sized || kind === BTF_KIND_ARRAY || kind === BTF_KIND_FWD ? 0 : sizeType,
      int_data,
      array,
      members,
      enums,
      params,
      secinfos,
      linkage,
      component_idx,
    });
  }
  if (p !== end) return -EINVAL;
  const n = types.length;
  const bad = (id: number): boolean => id > n;
  for (const t of types) {
    if (bad(t.type) || (t.array !== undefined && (bad(t.array.type) || bad(t.array.index_type)))) return -EINVAL;
    if (t.members.some((m) => bad(m.type)) || t.params.some((a) => bad(a.type)) || t.secinfos.some((s) => bad(s.type))) return -EINVAL;
  }
  return { types, strings };
}

function extraLen(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND_INT:
      return 4;
    case BTF_KIND_ARRAY:
      return BTF_ARRAY_LEN;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return BTF_MEMBER_LEN * vlen;
    case BTF_KIND_ENUM:
      return BTF_ENUM_LEN * vlen;
    case BTF_KIND_ENUM64:
      return BTF_ENUM64_LEN * vlen;
    case BTF_KIND_FUNC_PROTO:
      return BTF_PARAM_LEN * vlen;
    case BTF_KIND_VAR:
      return BTF_VAR_LEN;
    case BTF_KIND_DATASEC:
      return BTF_VAR_SECINFO_LEN * vlen;
    case BTF_KIND_DECL_TAG:
      return BTF_DECL_TAG_LEN;
    default:
      // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG: no trailing data.
      return 0;
  }
}
