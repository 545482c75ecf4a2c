/**
 * @fileoverview The state of one BTF check (kernel/bpf/btf.c, v6.18: what
 * struct btf_verifier_env and struct btf hold during btf_parse): the blob,
 * its header, the type records found so far, the id being logged, and the
 * resolved id and size of every type. Also the raw readers the checks share:
 * little-endian words, strings by offset (btf_name_by_offset's lookup),
 * btf_name_offset_valid, btf_name_valid_identifier, btf_name_valid_section,
 * btf_type_by_id, btf_type_id_size and btf_type_int_is_regular, and the kind
 * predicates (btf_type_is_modifier, btf_type_has_size, ...).
 *
 * A check that fails throws `Fail` carrying the kernel's errno; `checkBtf`
 * turns it into its return value.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT,
  BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_UNKN, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_MAX_NAME_OFFSET,
} from "../../uapi/btf.js";
import { isalnum, isalpha, isprint } from "./ctype.js";
import type { BtfVerifierLog } from "./verifier-log.js";

const KSYM_NAME_LEN = 512;
export const U32_MAX = 0xffffffff;

export const isModifier = (k: number): boolean =>
  k === BTF_KIND_TYPEDEF || k === BTF_KIND_VOLATILE || k === BTF_KIND_CONST || k === BTF_KIND_RESTRICT || k === BTF_KIND_TYPE_TAG;
export const isStruct = (k: number): boolean => k === BTF_KIND_STRUCT || k === BTF_KIND_UNION;
const hasSize = (k: number): boolean =>
  k === BTF_KIND_INT || isStruct(k) || k === BTF_KIND_ENUM || k === BTF_KIND_DATASEC || k === BTF_KIND_FLOAT || k === BTF_KIND_ENUM64;
export const sourceOnly = (k: number): boolean => k === BTF_KIND_VAR || k === BTF_KIND_DECL_TAG || k === BTF_KIND_DATASEC;
export const needsResolve = (k: number): boolean =>
  isModifier(k) || k === BTF_KIND_PTR || isStruct(k) || k === BTF_KIND_ARRAY || k === BTF_KIND_VAR || k === BTF_KIND_FUNC ||
  k === BTF_KIND_DECL_TAG || k === BTF_KIND_DATASEC;
export const roundupBytes = (bits: number): number => Math.floor(bits / 8) + (bits % 8 !== 0 ? 1 : 0);
/** btf_type_nosize_or_null. */
export const nosizeOrNull = (t: Rec | null): boolean =>
  t === null || t.kind === BTF_KIND_UNKN || t.kind === BTF_KIND_FWD || t.kind === BTF_KIND_FUNC || t.kind === BTF_KIND_FUNC_PROTO;

/** One type record (`kind` 0 is the implicit `void`). */
export interface Rec {
  readonly id: number;
  readonly off: number;
  readonly name_off: number;
  readonly info: number;
  readonly kind: number;
  readonly vlen: number;
  readonly kflag: number;
  /** size or type: the third word. */
  readonly st: number;
}

const VOID: Rec = { id: 0, off: -1, name_off: 0, info: 0, kind: 0, vlen: 0, kflag: 0, st: 0 };

/** One struct/union member (btf_member). */
export interface Member {
  readonly name_off: number;
  readonly type: number;
  readonly offset: number;
}

/** One DATASEC entry (btf_var_secinfo). */
export interface Vsi {
  type: number;
  offset: number;
  size: number;
}

/** A failed check: the errno `checkBtf` returns. */
export class Fail {
  constructor(readonly err: number) {}
}

/** The state of one btf_parse. */
export class BtfEnv {
  readonly dv: DataView;
  hdr = { magic: 0, version: 0, flags: 0, hdr_len: 0, type_off: 0, type_len: 0, str_off: 0, str_len: 0 };
  strStart = 0;
  readonly types: Rec[] = [VOID];
  logTypeId = 0;
  /** True during the check_meta pass, false once resolving starts. */
  meta = true;
  resolvedIds: Uint32Array = new Uint32Array(0);
  resolvedSizes: Uint32Array = new Uint32Array(0);

  constructor(readonly data: Uint8Array, readonly log: BtfVerifierLog) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u32(off: number): number {
    return this.dv.getUint32(off, true);
  }

  private byte(strOff: number): number {
    return this.data[this.strStart + strOff] ?? 0;
  }

  offsetValid(off: number): boolean {
    return off <= BTF_MAX_NAME_OFFSET && off < this.hdr.str_len;
  }

  str(off: number): string | undefined {
    if (off >= this.hdr.str_len) return undefined;
    const start = this.strStart + off;
    let end = start;
    while (this.data[end] !== 0) end++;
    return new TextDecoder().decode(this.data.subarray(start, end));
  }

  /** btf_name_valid_identifier. */
  identifier(off: number): boolean {
    const ok = (c: number, first: boolean): boolean => (first ? isalpha(c) : isalnum(c)) || c === 0x5f || c === 0x2e;
    if (!ok(this.byte(off), true)) return false;
    let i = 1;
    while (this.byte(off + i) !== 0 && i < KSYM_NAME_LEN) {
      if (!ok(this.byte(off + i), false)) return false;
      i++;
    }
    return this.byte(off + i) === 0;
  }

  /** btf_name_valid_section: non-empty, printable. */
  section(off: number): boolean {
    if (this.byte(off) === 0) return false;
    let i = 0;
    while (this.byte(off + i) !== 0 && i < KSYM_NAME_LEN) {
      if (!isprint(this.byte(off + i))) return false;
      i++;
    }
    return this.byte(off + i) === 0;
  }

  byId(id: number): Rec | null {
    return id < this.types.length ? (this.types[id] ?? null) : null;
  }

  member(t: Rec, i: number): Member {
    const o = t.off + 12 + i * 12;
    return { name_off: this.u32(o), type: this.u32(o + 4), offset: this.u32(o + 8) };
  }

  vsi(t: Rec, i: number): Vsi {
    const o = t.off + 12 + i * 12;
    return { type: this.u32(o), offset: this.u32(o + 4), size: this.u32(o + 8) };
  }

  /** btf_type_id_size: the sized type `id` stands for (and its id), or null. */
  idSize(id: number): { t: Rec; id: number; size: number } | null {
    let t = this.byId(id);
    if (t === null || nosizeOrNull(t)) return null;
    if (hasSize(t.kind)) return { t, id, size: t.st };
    if (t.kind === BTF_KIND_ARRAY) return { t, id, size: this.resolvedSizes[id] ?? 0 };
    if (t.kind === BTF_KIND_PTR) return { t, id, size: 8 };
    if (!isModifier(t.kind) && t.kind !== BTF_KIND_VAR) return null;
    const rid = this.resolvedIds[id] ?? 0;
    t = this.byId(rid);
    if (t === null || nosizeOrNull(t)) return null;
    if (hasSize(t.kind)) return { t, id: rid, size: t.st };
    if (t.kind === BTF_KIND_ARRAY) return { t, id: rid, size: this.resolvedSizes[rid] ?? 0 };
    if (t.kind === BTF_KIND_PTR) return { t, id: rid, size: 8 };
    return null;
  }

  /** btf_type_int_is_regular: no bit offset, whole bytes, a power-of-two size up to 16. */
  intIsRegular(t: Rec): boolean {
    const d = this.u32(t.off + 12);
    const bits = d & 0xff;
    const bytes = roundupBytes(bits);
    return !(bits % 8 || (d >>> 16) & 0xff || ![1, 2, 4, 8, 16].includes(bytes));
  }
}
