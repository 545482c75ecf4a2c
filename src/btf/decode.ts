/**
 * @fileoverview The one BTF decoder: a blob (the `.BTF` section of an object,
 * a kernel's /sys/kernel/btf/vmlinux, the model's own vmlinux) into
 * {@link BtfType} records, every kind of include/uapi/linux/btf.h. It checks
 * what decoding needs (header, section bounds, string section, names, record
 * lengths, known kinds, INT bits within the size, every referenced id
 * existing) and reports anything else through the owner's {@link BtfFail}
 * with the byte offset in the blob.
 *
 * It is not the kernel's BPF_BTF_LOAD check: that verifier, with the
 * kernel's log and errnos, is kernel/btf/check*.ts and reads the raw bytes in
 * the kernel's own order.
 *
 * Key invariant: on return `types[id]` is type `id` (`types[0]` is void) and
 * every id a record refers to is < `types.length`.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_VAR, BTF_MAGIC, BTF_MAX_TYPE,
  BTF_HDR_LEN, BTF_VERSION, BTF_TYPE_LEN,
} from "../uapi/btf.js";
import type { BtfArray, BtfEnumValue, BtfFail, BtfHeader, BtfMember, BtfParam, BtfType, BtfVarSecinfo } from "./types.js";

/** A decoded blob. */
export interface DecodedBtf {
  readonly header: BtfHeader;
  /** `types[id]`; `types[0]` is void. */
  readonly types: BtfType[];
  /** The string section. */
  readonly strings: Uint8Array;
}

const NONE: readonly never[] = Object.freeze([]);

/** The record of type 0, `void`. */
export const BTF_VOID: BtfType = Object.freeze({
  id: 0, kind: 0, name: "", name_off: 0, info: 0, vlen: 0, kflag: false, blob_off: -1, size: 0, type: 0,
  int_encoding: 0, int_offset: 0, int_bits: 0, array: undefined, members: NONE, enums: NONE, params: NONE, secinfos: NONE,
  linkage: 0, component_idx: 0,
});

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Decodes `bytes`. Bad input is reported through `fail` (message, offset in
 * `bytes`), which must throw.
 * @see kernel/bpf/btf.c btf_parse (v6.18) for the format rules
 */
export function decodeBtf(bytes: Uint8Array, fail: BtfFail): DecodedBtf {
  const len = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  /** A read of `n` bytes at `off` of a window [base, base+size) that does not fit. */
  const past = (base: number, size: number, off: number, n: number, what: string): never =>
    fail(`${what} (${n} bytes at ${off}) runs past the end (${size} bytes)`, base + Math.max(0, Math.min(off, size)));

  if (len < 2) past(0, len, 0, 2, "BTF magic");
  if (dv.getUint16(0, true) !== BTF_MAGIC) fail("bad BTF magic (expected 0xeb9f little-endian)", 0);
  if (len < 3) past(0, len, 2, 1, "u8");
  const version = bytes[2] as number;
  if (version !== BTF_VERSION) fail(`BTF version ${version} is not 1`, 2);
  if (len < 8) past(0, len, 4, 4, "hdr_len");
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < BTF_HDR_LEN) fail(`hdr_len ${hdrLen} is shorter than 24`, 4);
  if (hdrLen > len) past(0, len, 0, hdrLen, "BTF header");
  for (let o = BTF_HDR_LEN; o < hdrLen; o++) if (bytes[o] !== 0) fail("unknown non-zero BTF header field", o);
  const header: BtfHeader = {
    magic: BTF_MAGIC, version, flags: bytes[3] as number, hdr_len: hdrLen,
    type_off: dv.getUint32(8, true), type_len: dv.getUint32(12, true), str_off: dv.getUint32(16, true), str_len: dv.getUint32(20, true),
  };
  if (header.type_off % 4 !== 0) fail(`type_off ${header.type_off} is not 4-byte aligned`, 8);
  const typeStart = hdrLen + header.type_off;
  const typeLen = header.type_len;
  if (typeStart + typeLen > len) past(0, len, typeStart, typeLen, "BTF type section");
  const strStart = hdrLen + header.str_off;
  const strLen = header.str_len;
  if (strStart + strLen > len) past(0, len, strStart, strLen, "BTF string section");
  const strings = bytes.subarray(strStart, strStart + strLen);
  if (strLen > 0 && strings[0] !== 0) fail("string section must start with an empty string", strStart);
  if (strLen > 0 && strings[strLen - 1] !== 0) fail("string section is not NUL-terminated", strStart + strLen - 1);

  const names = new Map<number, string>();
  /** The string at `off` of the string section, or undefined when it is outside. */
  const str = (off: number): string | undefined => {
    if (off === 0) return "";
    let s = names.get(off);
    if (s === undefined) {
      if (off >= strLen) return undefined;
      s = utf8.decode(strings.subarray(off, strings.indexOf(0, off)));
      names.set(off, s);
    }
    return s;
  };
  const strFail = (off: number, what: string): never =>
    fail(`${what} offset ${off} is outside the string table (${strLen} bytes)`, strStart + Math.min(off, strLen));
  /** A u32 at `rel` of the type section. */
  const u32 = (rel: number, what: string): number => {
    if (rel + 4 > typeLen) past(typeStart, typeLen, rel, 4, what);
    return dv.getUint32(typeStart + rel, true);
  };

  const types: BtfType[] = [BTF_VOID];
  let at = 0;
  while (at < typeLen) {
    const id = types.length;
    if (id > BTF_MAX_TYPE) fail("too many types", typeStart + at);
    const name_off = u32(at, "name_off");
    const info = u32(at + 4, "info");
    const sizeOrType = u32(at + 8, "size/type");
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    if ((info & 0x60ff0000) !== 0) fail(`type ${id}: unused info bits set`, typeStart + at + 4);
    const name = str(name_off) ?? strFail(name_off, `name of type ${id}`);
    let p = at + BTF_TYPE_LEN;
    let size = 0;
    let type = 0;
    let int_encoding = 0;
    let int_offset = 0;
    let int_bits = 0;
    let array: BtfArray | undefined;
    let members: readonly BtfMember[] = NONE;
    let enums: readonly BtfEnumValue[] = NONE;
    let params: readonly BtfParam[] = NONE;
    let secinfos: readonly BtfVarSecinfo[] = NONE;
    let linkage = 0;
    let component_idx = 0;
    switch (kind) {
      case BTF_KIND_INT: {
        const e = u32(p, "int encoding");
        p += 4;
        size = sizeOrType;
        int_encoding = (e >>> 24) & 0xf;
        int_offset = (e >>> 16) & 0xff;
        int_bits = e & 0xff;
        if (int_bits > 128 || int_offset + int_bits > size * 8) fail(`type ${id}: INT bits do not fit its size`, typeStart + at);
        break;
      }
      case BTF_KIND_FWD:
        break;
      case BTF_KIND_FUNC:
        type = sizeOrType;
        linkage = vlen;
        break;
      case BTF_KIND_ARRAY:
        array = { type: u32(p, "u32"), index_type: u32(p + 4, "u32"), nelems: u32(p + 8, "u32") };
        p += 12;
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        size = sizeOrType;
        const list: BtfMember[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = u32(p + 8, "member offset");
          const moff = u32(p, "member name_off");
          const mname = str(moff) ?? strFail(moff, `member ${i} of type ${id}`);
          const mtype = u32(p + 4, "member type");
          list.push(kflag ? { name: mname, type: mtype, bit_offset: off & 0xffffff, bitfield_size: off >>> 24 } : { name: mname, type: mtype, bit_offset: off, bitfield_size: 0 });
        }
        members = list;
        break;
      }
      case BTF_KIND_ENUM: {
        size = sizeOrType;
        const list: BtfEnumValue[] = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const raw = u32(p + 4, "enum value");
          const eoff = u32(p, "u32");
          const ename = str(eoff) ?? strFail(eoff, `enumerator ${i} of type ${id}`);
          list.push({ name: ename, val: kflag ? BigInt(raw | 0) : BigInt(raw) });
        }
        enums = list;
        break;
      }
      case BTF_KIND_ENUM64: {
        size = sizeOrType;
        const list: BtfEnumValue[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const hi = u32(p + 8, "u32");
          const u = (BigInt(hi) << 32n) | BigInt(u32(p + 4, "u32"));
          const eoff = u32(p, "u32");
          const ename = str(eoff) ?? strFail(eoff, `enumerator ${i} of type ${id}`);
          list.push({ name: ename, val: kflag ? BigInt.asIntN(64, u) : u });
        }
        enums = list;
        break;
      }
      case BTF_KIND_FUNC_PROTO: {
        type = sizeOrType;
        const list: BtfParam[] = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const poff = u32(p, "u32");
          const pname = str(poff) ?? strFail(poff, `param ${i} of type ${id}`);
          list.push({ name: pname, type: u32(p + 4, "u32") });
        }
        params = list;
        break;
      }
      case BTF_KIND_VAR:
        type = sizeOrType;
        linkage = u32(p, "var linkage");
        p += 4;
        break;
      case BTF_KIND_DATASEC: {
        size = sizeOrType;
        const list: BtfVarSecinfo[] = [];
        for (let i = 0; i < vlen; i++, p += 12) list.push({ type: u32(p, "u32"), offset: u32(p + 4, "u32"), size: u32(p + 8, "u32") });
        secinfos = list;
        break;
      }
      case BTF_KIND_FLOAT:
        size = sizeOrType;
        break;
      case BTF_KIND_DECL_TAG:
        type = sizeOrType;
        component_idx = u32(p, "component_idx") | 0;
        p += 4;
        break;
      default:
        // PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG refer to a type; anything else is unknown.
        if (kind < 2 || (kind > 11 && kind !== 18)) fail(`type ${id}: unknown BTF kind ${kind}`, typeStart + at + 4);
        type = sizeOrType;
        break;
    }
    types.push({
      id, kind, name, name_off, info, vlen, kflag, blob_off: typeStart + at, size, type, int_encoding, int_offset, int_bits, array,
      members, enums, params, secinfos, linkage, component_idx,
    });
    at = p;
  }
  if (at !== typeLen) fail("type section ends inside a type record", typeStart + at);
  checkRefs(types, fail);
  return { header, types, strings };
}

/** Every id a record refers to must exist. */
function checkRefs(types: readonly BtfType[], fail: BtfFail): void {
  const n = types.length;
  const check = (ref: number, t: BtfType, what: string): void => {
    if (ref >= n) fail(`type ${t.id} (${what}) refers to type ${ref}, beyond the last type ${n - 1}`, t.blob_off);
  };
  for (const t of types) {
    check(t.type, t, t.kind === BTF_KIND_FUNC_PROTO ? "return type" : "type");
    if (t.array !== undefined) {
      check(t.array.type, t, "element type");
      check(t.array.index_type, t, "index type");
    }
    for (const m of t.members) check(m.type, t, `member ${m.name}`);
    for (const q of t.params) check(q.type, t, `param ${q.name}`);
    for (const s of t.secinfos) check(s.type, t, "secinfo");
  }
}
