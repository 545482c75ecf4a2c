/**
 * @fileoverview Parses a BTF blob (the `.BTF` section of an object, or a
 * kernel's /sys/kernel/btf/vmlinux) into {@link BtfTypeRec}s, every kind of
 * include/uapi/linux/btf.h. Bad input gives an ObjError with the section and
 * absolute file offset; every type id a record references is checked to
 * exist, so later lookups never step outside the table.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT,
  BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_MAGIC,
} from "../../uapi/btf.js";
import { ByteView } from "../bytes.js";
import type { BtfTypeRec, BtfMemberRec, BtfEnumRec, BtfParamRec, BtfSecinfoRec } from "./types.js";

/** Header fields of a BTF blob. */
export interface BtfHeader {
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
}

/** A parsed BTF blob. */
export interface ParsedBtfBlob {
  readonly header: BtfHeader;
  /** types[id]; types[0] is void. */
  readonly types: BtfTypeRec[];
  readonly strings: ByteView;
}

const VOID: BtfTypeRec = { id: 0, kind: 0, name: "", vlen: 0, kflag: false, blobOffset: -1 };
const MAX_TYPES = 0xfffff;

/**
 * Parses `bytes` (a BTF blob at absolute file offset `base`, named `section` in errors).
 * @throws {ObjError}
 */
export function parseBtfBlob(bytes: Uint8Array, section = ".BTF", base = 0): ParsedBtfBlob {
  const v = new ByteView(bytes, section, base);
  if (v.u16(0, "BTF magic") !== BTF_MAGIC) v.fail(0, "bad BTF magic (expected 0xeb9f little-endian)");
  if (v.u8(2) !== 1) v.fail(2, `BTF version ${v.u8(2)} is not 1`);
  const hdrLen = v.u32(4, "hdr_len");
  if (hdrLen < 24) v.fail(4, `hdr_len ${hdrLen} is shorter than 24`);
  v.need(0, hdrLen, "BTF header");
  for (let o = 24; o < hdrLen; o++) if (v.u8(o) !== 0) v.fail(o, "unknown non-zero BTF header field");
  const header: BtfHeader = { hdrLen, typeOff: v.u32(8), typeLen: v.u32(12), strOff: v.u32(16), strLen: v.u32(20) };
  if (header.typeOff % 4 !== 0) v.fail(8, `type_off ${header.typeOff} is not 4-byte aligned`);
  const tv = v.slice(hdrLen + header.typeOff, header.typeLen, section, "BTF type section");
  const sv = v.slice(hdrLen + header.strOff, header.strLen, section, "BTF string section");
  if (header.strLen > 0 && sv.u8(0) !== 0) sv.fail(0, "string section must start with an empty string");
  if (header.strLen > 0 && sv.u8(header.strLen - 1) !== 0) sv.fail(header.strLen - 1, "string section is not NUL-terminated");
  const str = (off: number, what: string): string => (off === 0 ? "" : sv.cstr(off, what));

  const types: BtfTypeRec[] = [VOID];
  let at = 0;
  while (at < header.typeLen) {
    const id = types.length;
    if (id > MAX_TYPES) tv.fail(at, "too many types");
    const nameOff = tv.u32(at, "name_off");
    const info = tv.u32(at + 4, "info");
    const sizeOrType = tv.u32(at + 8, "size/type");
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    if ((info & 0x60ff0000) !== 0) tv.fail(at + 4, `type ${id}: unused info bits set`);
    const name = str(nameOff, `name of type ${id}`);
    const base0 = { id, kind, name, vlen, kflag, blobOffset: hdrLen + header.typeOff + at };
    let p = at + 12;
    let t: BtfTypeRec;
    switch (kind) {
      case BTF_KIND_INT: {
        const e = tv.u32(p, "int encoding");
        p += 4;
        t = { ...base0, size: sizeOrType, intEncoding: (e >>> 24) & 0xf, intOffset: (e >>> 16) & 0xff, intBits: e & 0xff };
        if ((t.intBits ?? 0) > 128 || (t.intOffset ?? 0) + (t.intBits ?? 0) > sizeOrType * 8) tv.fail(at, `type ${id}: INT bits do not fit its size`);
        break;
      }
      case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG: case BTF_KIND_FWD:
        t = kind === BTF_KIND_FWD ? { ...base0 } : { ...base0, type: sizeOrType };
        break;
      case BTF_KIND_FUNC:
        t = { ...base0, type: sizeOrType, linkage: vlen };
        break;
      case BTF_KIND_ARRAY:
        t = { ...base0, array: { type: tv.u32(p), indexType: tv.u32(p + 4), nelems: tv.u32(p + 8) } };
        p += 12;
        break;
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        const members: BtfMemberRec[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = tv.u32(p + 8, "member offset");
          members.push({
            name: str(tv.u32(p, "member name_off"), `member ${i} of type ${id}`), type: tv.u32(p + 4, "member type"),
            bitOffset: kflag ? off & 0xffffff : off, bitfieldSize: kflag ? off >>> 24 : 0,
          });
        }
        t = { ...base0, size: sizeOrType, members };
        break;
      }
      case BTF_KIND_ENUM: {
        const enums: BtfEnumRec[] = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const raw = tv.u32(p + 4, "enum value");
          enums.push({ name: str(tv.u32(p), `enumerator ${i} of type ${id}`), val: kflag ? BigInt(raw | 0) : BigInt(raw) });
        }
        t = { ...base0, size: sizeOrType, enums };
        break;
      }
      case BTF_KIND_ENUM64: {
        const enums: BtfEnumRec[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const u = (BigInt(tv.u32(p + 8)) << 32n) | BigInt(tv.u32(p + 4));
          enums.push({ name: str(tv.u32(p), `enumerator ${i} of type ${id}`), val: kflag ? BigInt.asIntN(64, u) : u });
        }
        t = { ...base0, size: sizeOrType, enums };
        break;
      }
      case BTF_KIND_FUNC_PROTO: {
        const params: BtfParamRec[] = [];
        for (let i = 0; i < vlen; i++, p += 8) params.push({ name: str(tv.u32(p), `param ${i} of type ${id}`), type: tv.u32(p + 4) });
        t = { ...base0, type: sizeOrType, params };
        break;
      }
      case BTF_KIND_VAR:
        t = { ...base0, type: sizeOrType, linkage: tv.u32(p, "var linkage") };
        p += 4;
        break;
      case BTF_KIND_DATASEC: {
        const secinfos: BtfSecinfoRec[] = [];
        for (let i = 0; i < vlen; i++, p += 12) secinfos.push({ type: tv.u32(p), offset: tv.u32(p + 4), size: tv.u32(p + 8) });
        t = { ...base0, size: sizeOrType, secinfos };
        break;
      }
      case BTF_KIND_FLOAT:
        t = { ...base0, size: sizeOrType };
        break;
      case BTF_KIND_DECL_TAG:
        t = { ...base0, type: sizeOrType, componentIdx: tv.i32(p, "component_idx") };
        p += 4;
        break;
      default:
        throw tv.err(at + 4, `type ${id}: unknown BTF kind ${kind}`);
    }
    types.push(t);
    at = p;
  }
  if (at !== header.typeLen) tv.fail(at, "type section ends inside a type record");
  // Every referenced id must exist.
  const n = types.length;
  const check = (ref: number, t: BtfTypeRec, what: string): void => {
    if (ref >= n) tv.fail(t.blobOffset - hdrLen - header.typeOff, `type ${t.id} (${what}) refers to type ${ref}, beyond the last type ${n - 1}`);
  };
  for (const t of types) {
    if (t.type !== undefined && t.kind !== BTF_KIND_FUNC_PROTO) check(t.type, t, "type");
    if (t.kind === BTF_KIND_FUNC_PROTO && t.type !== undefined) check(t.type, t, "return type");
    if (t.array !== undefined) {
      check(t.array.type, t, "element type");
      check(t.array.indexType, t, "index type");
    }
    for (const m of t.members ?? []) check(m.type, t, `member ${m.name}`);
    for (const q of t.params ?? []) check(q.type, t, `param ${q.name}`);
    for (const s of t.secinfos ?? []) check(s.type, t, "secinfo");
  }
  return { header, types, strings: sv };
}
