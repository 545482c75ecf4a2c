/**
 * @fileoverview The BTF checker behind BPF_BTF_LOAD (kernel/bpf/btf.c
 * btf_parse, v6.18): header and section layout (btf_parse_hdr,
 * btf_check_sec_info), the string section (btf_parse_str_sec), one pass over
 * every type record (btf_check_all_metas and each kind's check_meta), the
 * resolve pass that follows every type reference (btf_check_all_types: the
 * depth-first resolver with its three modes, loop and depth detection,
 * member/size checks, btf_func_check, btf_func_proto_check) and the type-tag
 * ordering rule (btf_check_type_tags).
 *
 * The log it writes is the kernel's, line for line: the header dump, one
 * `[id] KIND name details` line per type (members and DATASEC entries
 * indented under it), and the message of the first error. Errors carry the
 * kernel's errno: mostly -EINVAL, -ENOTSUPP (524) for an unknown version,
 * flags or INT encoding, -E2BIG for a non-zero header tail or a too deep
 * chain, -EEXIST for a reference loop, -ELOOP for an overlong modifier chain.
 *
 * Name rules as Linux 6.18 applies them: identifiers start with a letter,
 * `_` or `.`, continue with letters, digits, `_` or `.` and are shorter than
 * KSYM_NAME_LEN (512); DATASEC names are any printable characters. Letters
 * and printables follow the kernel's Latin-1 ctype table.
 *
 * Not modelled (later steps of btf_parse): btf_parse_struct_metas and the
 * special-field checks (bpf_spin_lock, kptrs, graph roots) of map values.
 *
 * Key invariant: `checkBtf` returns 0 only for a blob Linux 6.18 accepts, and
 * otherwise the errno Linux returns; it never throws on any input.
 */
import { E2BIG, EEXIST, EINVAL, ELOOP, ENOTSUPP } from "../../uapi/errno.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT,
  BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_MAX, BTF_KIND_PTR, BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_MAGIC,
  BTF_MAX_NAME_OFFSET, BTF_MAX_TYPE, BTF_VERSION,
} from "../../uapi/btf.js";
import type { BtfVerifierLog } from "./verifier-log.js";

/** BTF_MAX_SIZE: the largest blob BPF_BTF_LOAD takes. */
export const BTF_MAX_SIZE = 16 * 1024 * 1024;
const BTF_HDR_SIZE = 24;
const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;
const KSYM_NAME_LEN = 512;
const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;

const KIND_STR = [
  "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT",
  "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
];

// ---- the kernel's ctype (lib/ctype.c, Latin-1) ----
const U = 1, L = 2, D = 4, P = 16, SP = 128;
const CTYPE = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) CTYPE[c] = P;
CTYPE[0x20] = SP;
for (let c = 0x30; c <= 0x39; c++) CTYPE[c] = D;
for (let c = 0x41; c <= 0x5a; c++) CTYPE[c] = U;
for (let c = 0x61; c <= 0x7a; c++) CTYPE[c] = L;
CTYPE[0xa0] = SP;
for (let c = 0xa1; c <= 0xbf; c++) CTYPE[c] = P;
for (let c = 0xc0; c <= 0xde; c++) CTYPE[c] = U;
for (let c = 0xdf; c <= 0xff; c++) CTYPE[c] = L;
CTYPE[0xd7] = P;
CTYPE[0xf7] = P;
const isalpha = (c: number): boolean => ((CTYPE[c] ?? 0) & (U | L)) !== 0;
const isalnum = (c: number): boolean => ((CTYPE[c] ?? 0) & (U | L | D)) !== 0;
const isprint = (c: number): boolean => ((CTYPE[c] ?? 0) & (P | U | L | D | SP)) !== 0;

const isModifier = (k: number): boolean =>
  k === BTF_KIND_TYPEDEF || k === BTF_KIND_VOLATILE || k === BTF_KIND_CONST || k === BTF_KIND_RESTRICT || k === BTF_KIND_TYPE_TAG;
const isStruct = (k: number): boolean => k === BTF_KIND_STRUCT || k === BTF_KIND_UNION;
const hasSize = (k: number): boolean =>
  k === BTF_KIND_INT || isStruct(k) || k === BTF_KIND_ENUM || k === BTF_KIND_DATASEC || k === BTF_KIND_FLOAT || k === BTF_KIND_ENUM64;
const sourceOnly = (k: number): boolean => k === BTF_KIND_VAR || k === BTF_KIND_DECL_TAG || k === BTF_KIND_DATASEC;
const needsResolve = (k: number): boolean =>
  isModifier(k) || k === BTF_KIND_PTR || isStruct(k) || k === BTF_KIND_ARRAY || k === BTF_KIND_VAR || k === BTF_KIND_FUNC ||
  k === BTF_KIND_DECL_TAG || k === BTF_KIND_DATASEC;
const roundupBytes = (bits: number): number => Math.floor(bits / 8) + (bits % 8 !== 0 ? 1 : 0);

/** One type record (`kind` 0 is the implicit `void`). */
interface Rec {
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

const enum Mode {
  TBD,
  PTR,
  STRUCT_OR_ARRAY,
}

class Fail {
  constructor(readonly err: number) {}
}

interface Member {
  readonly name_off: number;
  readonly type: number;
  readonly offset: number;
}

/** The state of one btf_parse. */
class Checker {
  private readonly dv: DataView;
  private hdr = { magic: 0, version: 0, flags: 0, hdr_len: 0, type_off: 0, type_len: 0, str_off: 0, str_len: 0 };
  private strStart = 0;
  private readonly types: Rec[] = [VOID];
  private logTypeId = 0;
  private meta = true;
  private resolvedIds: Uint32Array = new Uint32Array(0);
  private resolvedSizes: Uint32Array = new Uint32Array(0);
  private visit: Uint8Array = new Uint8Array(0);
  private stack: Array<{ t: Rec; nextMember: number }> = [];
  private mode = Mode.TBD;

  constructor(private readonly data: Uint8Array, private readonly log: BtfVerifierLog) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  run(): number {
    try {
      this.parseHdr();
      this.parseStrSec();
      this.parseTypeSec();
      this.checkTypeTags();
      return 0;
    } catch (e) {
      if (e instanceof Fail) return e.err;
      throw e;
    }
  }

  // ---- logging ----
  private fail(err: number, msg?: string): never {
    if (msg !== undefined) this.log.write(msg);
    throw new Fail(err);
  }

  private nameByOffset(off: number): string {
    if (off === 0) return "(anon)";
    const s = this.str(off);
    return s ?? "(invalid-name-offset)";
  }

  private logType(t: Rec, details: boolean, msg: string | null): void {
    if (!this.log.needed) return;
    let line = `[${this.logTypeId}] ${KIND_STR[t.kind] ?? "UNKNOWN"} ${this.nameByOffset(t.name_off)}${details ? " " : ""}`;
    if (details) line += this.details(t);
    if (msg) line += ` ${msg}`;
    this.log.write(`${line}\n`);
  }

  private logMember(st: Rec, m: Member, msg: string | null): void {
    if (!this.log.needed) return;
    if (!this.meta) this.logType(st, true, null);
    const name = this.nameByOffset(m.name_off);
    let line = st.kflag
      ? `\t${name} type_id=${m.type} bitfield_size=${m.offset >>> 24} bits_offset=${m.offset & 0xffffff}`
      : `\t${name} type_id=${m.type} bits_offset=${m.offset}`;
    if (msg) line += ` ${msg}`;
    this.log.write(`${line}\n`);
  }

  private logVsi(ds: Rec, v: { type: number; offset: number; size: number }, msg: string | null): void {
    if (!this.log.needed) return;
    if (!this.meta) this.logType(ds, true, null);
    this.log.write(`\t type_id=${v.type} offset=${v.offset} size=${v.size}${msg ? ` ${msg}` : ""}\n`);
  }

  private vsiFail(ds: Rec, v: { type: number; offset: number; size: number }, msg: string): never {
    this.logVsi(ds, v, msg);
    throw new Fail(-EINVAL);
  }

  private typeFail(t: Rec, msg: string, err = -EINVAL): never {
    this.logType(t, true, msg);
    throw new Fail(err);
  }

  private basicFail(t: Rec, msg: string): never {
    this.logType(t, false, msg);
    throw new Fail(-EINVAL);
  }

  private memberFail(st: Rec, m: Member, msg: string): never {
    this.logMember(st, m, msg);
    throw new Fail(-EINVAL);
  }

  private details(t: Rec): string {
    switch (t.kind) {
      case BTF_KIND_INT: {
        const d = this.u32(t.off + 12);
        const enc = (d >>> 24) & 0x0f;
        const es = enc === 0 ? "(none)" : enc === 1 ? "SIGNED" : enc === 2 ? "CHAR" : enc === 4 ? "BOOL" : "UNKN";
        return `size=${t.st} bits_offset=${(d >>> 16) & 0xff} nr_bits=${d & 0xff} encoding=${es}`;
      }
      case BTF_KIND_ARRAY:
        return `type_id=${this.u32(t.off + 12)} index_type_id=${this.u32(t.off + 16)} nr_elems=${this.u32(t.off + 20)}`;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_DATASEC:
        return `size=${t.st} vlen=${t.vlen}`;
      case BTF_KIND_FWD:
        return t.kflag ? "union" : "struct";
      case BTF_KIND_FUNC_PROTO:
        return this.protoDetails(t);
      case BTF_KIND_VAR:
        return `type_id=${t.st} linkage=${this.u32(t.off + 12)}`;
      case BTF_KIND_FLOAT:
        return `size=${t.st}`;
      case BTF_KIND_DECL_TAG:
        return `type=${t.st} component_idx=${this.dv.getInt32(t.off + 12, true)}`;
      default:
        return `type_id=${t.st}`;
    }
  }

  private protoDetails(t: Rec): string {
    const n = t.vlen;
    let s = `return=${t.st} args=(`;
    const arg = (i: number): { type: number; name_off: number } => ({ name_off: this.u32(t.off + 12 + i * 8), type: this.u32(t.off + 16 + i * 8) });
    if (n === 0) s += "void";
    else if (n === 1 && arg(0).type === 0) s += "vararg";
    else {
      const a0 = arg(0);
      s += `${a0.type} ${this.nameByOffset(a0.name_off)}`;
      for (let i = 1; i < n - 1; i++) {
        const a = arg(i);
        s += `, ${a.type} ${this.nameByOffset(a.name_off)}`;
      }
      if (n > 1) {
        const last = arg(n - 1);
        s += last.type ? `, ${last.type} ${this.nameByOffset(last.name_off)}` : ", vararg";
      }
    }
    return `${s})`;
  }

  // ---- raw access ----
  private u32(off: number): number {
    return this.dv.getUint32(off, true);
  }

  private byte(strOff: number): number {
    return this.data[this.strStart + strOff] ?? 0;
  }

  private offsetValid(off: number): boolean {
    return off <= BTF_MAX_NAME_OFFSET && off < this.hdr.str_len;
  }

  private str(off: number): string | undefined {
    if (off >= this.hdr.str_len) return undefined;
    const start = this.strStart + off;
    let end = start;
    while (this.data[end] !== 0) end++;
    return new TextDecoder().decode(this.data.subarray(start, end));
  }

  /** btf_name_valid_identifier. */
  private identifier(off: number): boolean {
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
  private section(off: number): boolean {
    if (this.byte(off) === 0) return false;
    let i = 0;
    while (this.byte(off + i) !== 0 && i < KSYM_NAME_LEN) {
      if (!isprint(this.byte(off + i))) return false;
      i++;
    }
    return this.byte(off + i) === 0;
  }

  // ---- header and sections ----
  private parseHdr(): void {
    const size = this.data.length;
    if (size < 8) this.fail(-EINVAL, "hdr_len not found");
    const hdrLen = this.u32(4);
    if (size < hdrLen) this.fail(-EINVAL, "btf_header not found");
    for (let i = BTF_HDR_SIZE; i < hdrLen; i++) if (this.data[i] !== 0) this.fail(-E2BIG, "Unsupported btf_header");
    const h = new Uint8Array(BTF_HDR_SIZE);
    h.set(this.data.subarray(0, Math.min(hdrLen, BTF_HDR_SIZE)));
    const hv = new DataView(h.buffer);
    this.hdr = {
      magic: hv.getUint16(0, true), version: h[2] ?? 0, flags: h[3] ?? 0, hdr_len: hv.getUint32(4, true),
      type_off: hv.getUint32(8, true), type_len: hv.getUint32(12, true), str_off: hv.getUint32(16, true), str_len: hv.getUint32(20, true),
    };
    const x = this.hdr;
    this.log.write(`magic: 0x${x.magic.toString(16)}\nversion: ${x.version}\nflags: 0x${x.flags.toString(16)}\nhdr_len: ${x.hdr_len}\n`);
    this.log.write(`type_off: ${x.type_off}\ntype_len: ${x.type_len}\nstr_off: ${x.str_off}\nstr_len: ${x.str_len}\nbtf_total_size: ${size}\n`);
    if (x.magic !== BTF_MAGIC) this.fail(-EINVAL, "Invalid magic");
    if (x.version !== BTF_VERSION) this.fail(-ENOTSUPP, "Unsupported version");
    if (x.flags) this.fail(-ENOTSUPP, "Unsupported flags");
    if (size === x.hdr_len) this.fail(-EINVAL, "No data");
    this.checkSecInfo(size);
  }

  /** btf_check_sec_info: the two sections, sorted, must tile the body exactly. */
  private checkSecInfo(size: number): void {
    const secs = [
      { off: this.hdr.type_off, len: this.hdr.type_len },
      { off: this.hdr.str_off, len: this.hdr.str_len },
    ].sort((a, b) => ((a.off - b.off) | 0) || ((a.len - b.len) | 0));
    const expected = (size - this.hdr.hdr_len) >>> 0;
    let total = 0;
    for (const s of secs) {
      if (expected < s.off) this.fail(-EINVAL, "Invalid section offset");
      if (total < s.off) this.fail(-EINVAL, "Unsupported section found");
      if (total > s.off) this.fail(-EINVAL, "Section overlap found");
      if (expected - total < s.len) this.fail(-EINVAL, "Total section length too long");
      total += s.len;
    }
    if (expected !== total) this.fail(-EINVAL, "Unsupported section found");
  }

  private parseStrSec(): void {
    const h = this.hdr;
    this.strStart = h.hdr_len + h.str_off;
    const end = this.strStart + h.str_len;
    if (end !== this.data.length) this.fail(-EINVAL, "String section is not at the end");
    if (!h.str_len || h.str_len - 1 > BTF_MAX_NAME_OFFSET || this.data[end - 1] !== 0) this.fail(-EINVAL, "Invalid string section");
    if (this.data[this.strStart] !== 0) this.fail(-EINVAL, "Invalid string section");
  }

  private parseTypeSec(): void {
    if (this.hdr.type_off & 3) this.fail(-EINVAL, "Unaligned type_off");
    if (!this.hdr.type_len) this.fail(-EINVAL, "No type found");
    this.checkAllMetas();
    this.checkAllTypes();
  }

  // ---- pass 1: check_meta ----
  private checkAllMetas(): void {
    let cur = this.hdr.hdr_len + this.hdr.type_off;
    const end = cur + this.hdr.type_len;
    this.logTypeId = 1;
    while (cur < end) {
      const size = this.checkMeta(cur, end - cur);
      // btf_add_type: the id space (void included) ends at BTF_MAX_TYPE.
      if (this.types.length > BTF_MAX_TYPE) this.fail(-E2BIG, "Exceeded max num of types");
      cur += size;
      this.logTypeId++;
    }
  }

  private checkMeta(off: number, left: number): number {
    const id = this.logTypeId;
    if (left < 12) this.fail(-EINVAL, `[${id}] meta_left:${left} meta_needed:12`);
    const info = this.u32(off + 4);
    if ((info & ~BTF_INFO_MASK) >>> 0) this.fail(-EINVAL, `[${id}] Invalid btf_info:${info.toString(16)}`);
    const kind = (info >>> 24) & 0x1f;
    if (kind > BTF_KIND_MAX || kind === 0) this.fail(-EINVAL, `[${id}] Invalid kind:${kind}`);
    const name_off = this.u32(off);
    if (!this.offsetValid(name_off)) this.fail(-EINVAL, `[${id}] Invalid name_offset:${name_off}`);
    const t: Rec = { id, off, name_off, info, kind, vlen: info & 0xffff, kflag: info >>> 31, st: this.u32(off + 8) };
    const extra = this.kindMeta(t, left - 12);
    this.types.push(t);
    return 12 + extra;
  }

  private needMeta(t: Rec, left: number, needed: number): void {
    if (left < needed) this.basicFail(t, `meta_left:${left} meta_needed:${needed}`);
  }

  private noVlen(t: Rec): void {
    if (t.vlen) this.typeFail(t, "vlen != 0");
  }

  private noKflag(t: Rec): void {
    if (t.kflag) this.typeFail(t, "Invalid btf_info kind_flag");
  }

  private kindMeta(t: Rec, left: number): number {
    switch (t.kind) {
      case BTF_KIND_INT:
        return this.intMeta(t, left);
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        return this.refMeta(t);
      case BTF_KIND_FWD:
        this.noVlen(t);
        if (t.st) this.typeFail(t, "type != 0");
        if (!t.name_off || !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
        this.logType(t, true, null);
        return 0;
      case BTF_KIND_ARRAY:
        return this.arrayMeta(t, left);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return this.structMeta(t, left);
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return this.enumMeta(t, left);
      case BTF_KIND_FUNC_PROTO:
        this.needMeta(t, left, t.vlen * 8);
        if (t.name_off) this.typeFail(t, "Invalid name");
        this.noKflag(t);
        this.logType(t, true, null);
        return t.vlen * 8;
      case BTF_KIND_FUNC:
        if (!t.name_off || !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
        if (t.vlen > 1) this.typeFail(t, "Invalid func linkage");
        this.noKflag(t);
        this.logType(t, true, null);
        return 0;
      case BTF_KIND_VAR: {
        this.needMeta(t, left, 4);
        this.noVlen(t);
        this.noKflag(t);
        if (!t.name_off || !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
        if (!t.st || t.st > BTF_MAX_TYPE) this.typeFail(t, "Invalid type_id");
        const linkage = this.u32(t.off + 12);
        if (linkage !== 0 && linkage !== 1) this.typeFail(t, "Linkage not supported");
        this.logType(t, true, null);
        return 4;
      }
      case BTF_KIND_DATASEC:
        return this.datasecMeta(t, left);
      case BTF_KIND_FLOAT:
        this.noVlen(t);
        this.noKflag(t);
        if (![2, 4, 8, 12, 16].includes(t.st)) this.typeFail(t, "Invalid type_size");
        this.logType(t, true, null);
        return 0;
      default: {
        // DECL_TAG
        this.needMeta(t, left, 4);
        if (!this.str(t.name_off)) this.typeFail(t, "Invalid value");
        this.noVlen(t);
        if (this.dv.getInt32(t.off + 12, true) < -1) this.typeFail(t, "Invalid component_idx");
        this.logType(t, true, null);
        return 4;
      }
    }
  }

  private intMeta(t: Rec, left: number): number {
    this.needMeta(t, left, 4);
    this.noVlen(t);
    this.noKflag(t);
    const d = this.u32(t.off + 12);
    if ((d & ~BTF_INT_MASK) >>> 0) this.basicFail(t, `Invalid int_data:${d.toString(16)}`);
    const nrBits = (d & 0xff) + ((d >>> 16) & 0xff);
    if (nrBits > 128) this.typeFail(t, "nr_bits exceeds 128");
    if (roundupBytes(nrBits) > t.st) this.typeFail(t, "nr_bits exceeds type_size");
    const enc = (d >>> 24) & 0x0f;
    if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) this.typeFail(t, "Unsupported encoding", -ENOTSUPP);
    this.logType(t, true, null);
    return 4;
  }

  private refMeta(t: Rec): number {
    this.noVlen(t);
    if (t.kflag && t.kind !== BTF_KIND_TYPE_TAG) this.typeFail(t, "Invalid btf_info kind_flag");
    if (t.st > BTF_MAX_TYPE) this.typeFail(t, "Invalid type_id");
    if (t.kind === BTF_KIND_TYPEDEF) {
      if (!t.name_off || !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
    } else if (t.kind === BTF_KIND_TYPE_TAG) {
      if (!this.str(t.name_off)) this.typeFail(t, "Invalid name");
    } else if (t.name_off) {
      this.typeFail(t, "Invalid name");
    }
    this.logType(t, true, null);
    return 0;
  }

  private arrayMeta(t: Rec, left: number): number {
    this.needMeta(t, left, 12);
    if (t.name_off) this.typeFail(t, "Invalid name");
    this.noVlen(t);
    this.noKflag(t);
    if (t.st) this.typeFail(t, "size != 0");
    const elem = this.u32(t.off + 12), index = this.u32(t.off + 16);
    if (!elem || elem > BTF_MAX_TYPE) this.typeFail(t, "Invalid elem");
    if (!index || index > BTF_MAX_TYPE) this.typeFail(t, "Invalid index");
    this.logType(t, true, null);
    return 12;
  }

  private member(t: Rec, i: number): Member {
    const o = t.off + 12 + i * 12;
    return { name_off: this.u32(o), type: this.u32(o + 4), offset: this.u32(o + 8) };
  }

  private structMeta(t: Rec, left: number): number {
    const needed = t.vlen * 12;
    this.needMeta(t, left, needed);
    if (t.name_off && !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
    this.logType(t, true, null);
    let last = 0;
    for (let i = 0; i < t.vlen; i++) {
      const m = this.member(t, i);
      if (!this.offsetValid(m.name_off)) this.memberFail(t, m, `Invalid member name_offset:${m.name_off}`);
      if (m.name_off && !this.identifier(m.name_off)) this.memberFail(t, m, "Invalid name");
      if (!m.type || m.type > BTF_MAX_TYPE) this.memberFail(t, m, "Invalid type_id");
      const bitOff = t.kflag ? m.offset & 0xffffff : m.offset;
      if (t.kind === BTF_KIND_UNION && bitOff) this.memberFail(t, m, "Invalid member bits_offset");
      if (last > bitOff) this.memberFail(t, m, "Invalid member bits_offset");
      if (roundupBytes(bitOff) > t.st) this.memberFail(t, m, "Member bits_offset exceeds its struct size");
      this.logMember(t, m, null);
      last = bitOff;
    }
    return needed;
  }

  private enumMeta(t: Rec, left: number): number {
    const is64 = t.kind === BTF_KIND_ENUM64;
    const each = is64 ? 12 : 8;
    const needed = t.vlen * each;
    this.needMeta(t, left, needed);
    if (t.st > 8 || t.st === 0 || (t.st & (t.st - 1)) !== 0) this.typeFail(t, "Unexpected size");
    if (t.name_off && !this.identifier(t.name_off)) this.typeFail(t, "Invalid name");
    this.logType(t, true, null);
    for (let i = 0; i < t.vlen; i++) {
      const o = t.off + 12 + i * each;
      const nameOff = this.u32(o);
      if (!this.offsetValid(nameOff)) this.fail(-EINVAL, `\tInvalid name_offset:${nameOff}`);
      if (!nameOff || !this.identifier(nameOff)) this.typeFail(t, "Invalid name");
      let val: bigint;
      if (is64) {
        const v = (BigInt(this.u32(o + 8)) << 32n) | BigInt(this.u32(o + 4));
        val = t.kflag ? BigInt.asIntN(64, v) : v;
      } else {
        val = BigInt(t.kflag ? this.dv.getInt32(o + 4, true) : this.u32(o + 4));
      }
      this.log.write(`\t${this.nameByOffset(nameOff)} val=${val}\n`);
    }
    return needed;
  }

  private vsi(t: Rec, i: number): { type: number; offset: number; size: number } {
    const o = t.off + 12 + i * 12;
    return { type: this.u32(o), offset: this.u32(o + 4), size: this.u32(o + 8) };
  }

  private datasecMeta(t: Rec, left: number): number {
    const needed = t.vlen * 12;
    this.needMeta(t, left, needed);
    if (!t.st) this.typeFail(t, "size == 0");
    this.noKflag(t);
    if (!t.name_off || !this.section(t.name_off)) this.typeFail(t, "Invalid name");
    this.logType(t, true, null);
    let lastEnd = 0, sum = 0;
    for (let i = 0; i < t.vlen; i++) {
      const v = this.vsi(t, i);
      const bad = (msg: string): never => this.vsiFail(t, v, msg);
      if (!v.type || v.type > BTF_MAX_TYPE) bad("Invalid type_id");
      if (v.offset < lastEnd || v.offset >= t.st) bad("Invalid offset");
      if (!v.size || v.size > t.st) bad("Invalid size");
      lastEnd = v.offset + v.size;
      if (lastEnd > t.st) bad("Invalid offset+size");
      this.logVsi(t, v, null);
      sum += v.size;
    }
    if (t.st < sum) this.typeFail(t, "Invalid btf_info size");
    return needed;
  }

  // ---- pass 2: resolve ----
  private byId(id: number): Rec | null {
    return id < this.types.length ? (this.types[id] ?? null) : null;
  }

  private nosizeOrNull(t: Rec | null): boolean {
    return t === null || t.kind === 0 || t.kind === BTF_KIND_FWD || t.kind === BTF_KIND_FUNC || t.kind === BTF_KIND_FUNC_PROTO;
  }

  private resolved(id: number): boolean {
    return this.visit[id] === 2;
  }

  private isSink(next: Rec): boolean {
    switch (this.mode) {
      case Mode.TBD:
        return !needsResolve(next.kind);
      case Mode.PTR:
        return !isModifier(next.kind) && next.kind !== BTF_KIND_PTR;
      default:
        return !isModifier(next.kind) && next.kind !== BTF_KIND_ARRAY && !isStruct(next.kind);
    }
  }

  /** env_stack_push: 0, -E2BIG (too deep) or -EEXIST (already on the path: a loop). */
  private push(t: Rec): number {
    if (this.stack.length === MAX_RESOLVE_DEPTH) return -E2BIG;
    if (this.visit[t.id] !== 0) return -EEXIST;
    this.visit[t.id] = 1;
    this.stack.push({ t, nextMember: 0 });
    if (this.mode === Mode.TBD) {
      if (t.kind === BTF_KIND_PTR) this.mode = Mode.PTR;
      else if (isStruct(t.kind) || t.kind === BTF_KIND_ARRAY) this.mode = Mode.STRUCT_OR_ARRAY;
    }
    return 0;
  }

  private popResolved(resolvedId: number, resolvedSize: number): number {
    const v = this.stack.pop();
    if (v === undefined) return 0;
    this.resolvedSizes[v.t.id] = resolvedSize;
    this.resolvedIds[v.t.id] = resolvedId;
    this.visit[v.t.id] = 2;
    return 0;
  }

  /** btf_type_id_size: the sized type `id` stands for (and its id), or null. */
  private idSize(id: number): { t: Rec; id: number; size: number } | null {
    let t = this.byId(id);
    if (t === null || this.nosizeOrNull(t)) return null;
    if (hasSize(t.kind)) return { t, id, size: t.st };
    if (t.kind === BTF_KIND_ARRAY) return { t, id, size: this.resolvedSizes[id] ?? 0 };
    if (t.kind === BTF_KIND_PTR) return { t, id, size: 8 };
    if (!isModifier(t.kind) && t.kind !== BTF_KIND_VAR) return null;
    const rid = this.resolvedIds[id] ?? 0;
    t = this.byId(rid);
    if (t === null || this.nosizeOrNull(t)) return null;
    if (hasSize(t.kind)) return { t, id: rid, size: t.st };
    if (t.kind === BTF_KIND_ARRAY) return { t, id: rid, size: this.resolvedSizes[rid] ?? 0 };
    if (t.kind === BTF_KIND_PTR) return { t, id: rid, size: 8 };
    return null;
  }

  private intIsRegular(t: Rec): boolean {
    const d = this.u32(t.off + 12);
    const bits = d & 0xff;
    const bytes = roundupBytes(bits);
    return !(bits % 8 || (d >>> 16) & 0xff || ![1, 2, 4, 8, 16].includes(bytes));
  }

  private resolveStep(v: { t: Rec; nextMember: number }): number {
    const t = v.t;
    switch (t.kind) {
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
        return this.resolveRef(t);
      case BTF_KIND_ARRAY:
        return this.resolveArray(t);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return this.resolveStruct(v);
      case BTF_KIND_DATASEC:
        return this.resolveDatasec(v);
      case BTF_KIND_FUNC:
        this.funcCheck(t);
        return this.popResolved(t.st, 0);
      case BTF_KIND_DECL_TAG:
        return this.resolveDeclTag(t);
      default:
        this.basicFail(t, "Unsupported resolve");
    }
  }

  /** btf_modifier_resolve, btf_ptr_resolve and btf_var_resolve. */
  private resolveRef(t: Rec): number {
    let nextId = t.st;
    let next = this.byId(nextId);
    if (next === null || sourceOnly(next.kind)) this.typeFail(t, "Invalid type_id");
    if (!this.isSink(next) && !this.resolved(nextId)) return this.push(next);
    if ((t.kind === BTF_KIND_PTR || t.kind === BTF_KIND_VAR) && isModifier(next.kind)) {
      const rid = this.resolvedIds[nextId] ?? 0;
      const rt = this.byId(rid);
      if (rt !== null && rt.kind === BTF_KIND_PTR && !this.isSink(rt) && !this.resolved(rid)) return this.push(rt);
    }
    const sized = this.idSize(nextId);
    if (sized !== null) {
      nextId = sized.id;
    } else {
      if (t.kind === BTF_KIND_VAR) this.typeFail(t, "Invalid type_id");
      if (this.resolved(nextId)) {
        nextId = this.resolvedIds[nextId] ?? 0;
        next = this.byId(nextId);
      }
      if (next === null || (next.kind !== 0 && next.kind !== BTF_KIND_FWD && next.kind !== BTF_KIND_FUNC_PROTO)) this.typeFail(t, "Invalid type_id");
    }
    return this.popResolved(nextId, 0);
  }

  private resolveArray(t: Rec): number {
    const elemId0 = this.u32(t.off + 12), indexId = this.u32(t.off + 16), nelems = this.u32(t.off + 20);
    const index = this.byId(indexId);
    if (index === null || this.nosizeOrNull(index) || sourceOnly(index.kind)) this.typeFail(t, "Invalid index");
    if (!this.isSink(index) && !this.resolved(indexId)) return this.push(index);
    const isz = this.idSize(indexId);
    if (isz === null || isz.t.kind !== BTF_KIND_INT || !this.intIsRegular(isz.t)) this.typeFail(t, "Invalid index");
    const elem = this.byId(elemId0);
    if (elem === null || this.nosizeOrNull(elem) || sourceOnly(elem.kind)) this.typeFail(t, "Invalid elem");
    if (!this.isSink(elem) && !this.resolved(elemId0)) return this.push(elem);
    const esz = this.idSize(elemId0);
    if (esz === null) this.typeFail(t, "Invalid elem");
    if (esz.t.kind === BTF_KIND_INT && !this.intIsRegular(esz.t)) this.typeFail(t, "Invalid array of int");
    if (nelems && esz.size > Math.floor(U32_MAX / nelems)) this.typeFail(t, "Array size overflows U32_MAX");
    return this.popResolved(esz.id, Math.imul(esz.size, nelems) >>> 0);
  }

  private checkMember(st: Rec, m: Member, mt: Rec): void {
    if (st.kflag) this.checkKflagMember(st, m, mt);
    else this.checkPlainMember(st, m, mt);
  }

  private checkPlainMember(st: Rec, m: Member, mt: Rec): void {
    const size = st.st;
    const bytesOff = Math.floor(m.offset / 8);
    switch (mt.kind) {
      case BTF_KIND_INT: {
        const d = this.u32(mt.off + 12);
        const intOff = (d >>> 16) & 0xff;
        if (U32_MAX - m.offset < intOff) this.memberFail(st, m, "bits_offset exceeds U32_MAX");
        const off = m.offset + intOff;
        const bo = Math.floor(off / 8);
        const copyBits = (d & 0xff) + (off % 8);
        if (copyBits > 128) this.memberFail(st, m, "nr_copy_bits exceeds 128");
        if (size < bo || size - bo < roundupBytes(copyBits)) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      }
      case BTF_KIND_PTR:
        if (m.offset % 8) this.memberFail(st, m, "Member is not byte aligned");
        if (((size - bytesOff) >>> 0) < 8) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      case BTF_KIND_ARRAY: {
        if (m.offset % 8) this.memberFail(st, m, "Member is not byte aligned");
        const asz = this.idSize(m.type)?.size ?? 0;
        if (((size - bytesOff) >>> 0) < asz) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        if (m.offset % 8) this.memberFail(st, m, "Member is not byte aligned");
        if (((size - bytesOff) >>> 0) < mt.st) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      case BTF_KIND_FLOAT: {
        const align = Math.min(8, mt.st) * 8;
        if (m.offset % align) this.memberFail(st, m, "Member is not properly aligned");
        if (bytesOff + mt.st > size) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      }
      default:
        if (isModifier(mt.kind)) {
          const r = this.idSize(m.type);
          if (r === null) this.memberFail(st, m, "Invalid member");
          this.checkPlainMember(st, { ...m, type: r.id }, r.t);
          return;
        }
        this.basicFail(st, "Unsupported check_member");
    }
  }

  private checkKflagMember(st: Rec, m: Member, mt: Rec): void {
    const size = st.st;
    const nrBits0 = m.offset >>> 24, bitOff = m.offset & 0xffffff;
    switch (mt.kind) {
      case BTF_KIND_INT: {
        if (!this.intIsRegular(mt)) this.memberFail(st, m, "Invalid member base type");
        const intBits = this.u32(mt.off + 12) & 0xff;
        let nrBits = nrBits0;
        if (!nrBits) {
          if (bitOff % 8) this.memberFail(st, m, "Invalid member offset");
          nrBits = intBits;
        } else if (nrBits > intBits) {
          this.memberFail(st, m, "Invalid member bitfield_size");
        }
        const bo = Math.floor(bitOff / 8);
        const copyBits = nrBits + (bitOff % 8);
        if (copyBits > 128) this.memberFail(st, m, "nr_copy_bits exceeds 128");
        if (size < bo || size - bo < roundupBytes(copyBits)) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      }
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        let nrBits = nrBits0;
        if (!nrBits) {
          if (bitOff % 8) this.memberFail(st, m, "Member is not byte aligned");
          nrBits = 32;
        } else if (nrBits > 32) {
          this.memberFail(st, m, "Invalid member bitfield_size");
        }
        if (size < roundupBytes(bitOff + nrBits)) this.memberFail(st, m, "Member exceeds struct_size");
        return;
      }
      case BTF_KIND_PTR:
      case BTF_KIND_ARRAY:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_FLOAT:
        if (nrBits0) this.memberFail(st, m, "Invalid member bitfield_size");
        this.checkPlainMember(st, m, mt);
        return;
      default:
        if (isModifier(mt.kind)) {
          const r = this.idSize(m.type);
          if (r === null) this.memberFail(st, m, "Invalid member");
          this.checkKflagMember(st, { ...m, type: r.id }, r.t);
          return;
        }
        this.basicFail(st, "Unsupported check_kflag_member");
    }
  }

  private resolveStruct(v: { t: Rec; nextMember: number }): number {
    const t = v.t;
    if (v.nextMember) {
      const last = this.member(t, v.nextMember - 1);
      if (!this.resolved(last.type)) return -EINVAL;
      const lt = this.byId(last.type);
      if (lt !== null) this.checkMember(t, last, lt);
    }
    for (let i = v.nextMember; i < t.vlen; i++) {
      const m = this.member(t, i);
      const mt = this.byId(m.type);
      if (mt === null || this.nosizeOrNull(mt) || sourceOnly(mt.kind)) this.memberFail(t, m, "Invalid member");
      if (!this.isSink(mt) && !this.resolved(m.type)) {
        v.nextMember = i + 1;
        return this.push(mt);
      }
      this.checkMember(t, m, mt);
    }
    return this.popResolved(0, 0);
  }

  private resolveDatasec(v: { t: Rec; nextMember: number }): number {
    const t = v.t;
    this.mode = Mode.TBD;
    for (let i = v.nextMember; i < t.vlen; i++) {
      const s = this.vsi(t, i);
      const bad = (msg: string): never => this.vsiFail(t, s, msg);
      const vt = this.byId(s.type);
      if (vt === null || vt.kind !== BTF_KIND_VAR) return this.vsiFail(t, s, "Not a VAR kind member");
      if (!this.isSink(vt) && !this.resolved(s.type)) {
        v.nextMember = i + 1;
        return this.push(vt);
      }
      const sz = this.idSize(vt.st);
      if (sz === null) return this.vsiFail(t, s, "Invalid type");
      if (s.size < sz.size) bad("Invalid size");
    }
    return this.popResolved(0, 0);
  }

  private resolveDeclTag(t: Rec): number {
    const nextId = t.st;
    const next = this.byId(nextId);
    const target = next !== null && (next.kind === BTF_KIND_FUNC || isStruct(next.kind) || next.kind === BTF_KIND_VAR || next.kind === BTF_KIND_TYPEDEF);
    if (!target) this.typeFail(t, "Invalid type_id");
    if (!this.isSink(next) && !this.resolved(nextId)) return this.push(next);
    const idx = this.dv.getInt32(t.off + 12, true);
    if (idx !== -1) {
      if (next.kind === BTF_KIND_VAR || next.kind === BTF_KIND_TYPEDEF) this.typeFail(t, "Invalid component_idx");
      const vlen = isStruct(next.kind) ? next.vlen : (this.byId(next.st)?.vlen ?? 0);
      if (idx >>> 0 >= vlen) this.typeFail(t, "Invalid component_idx");
    }
    return this.popResolved(nextId, 0);
  }

  /** btf_func_check: a FUNC points at a FUNC_PROTO whose typed parameters all have names. */
  private funcCheck(t: Rec): void {
    const proto = this.byId(t.st);
    if (proto === null || proto.kind !== BTF_KIND_FUNC_PROTO) this.typeFail(t, "Invalid type_id");
    for (let i = 0; i < proto.vlen; i++) {
      const nameOff = this.u32(proto.off + 12 + i * 8), type = this.u32(proto.off + 16 + i * 8);
      if (!nameOff && type) this.typeFail(t, `Invalid arg#${i + 1}`);
    }
  }

  /** btf_resolve: resolves `t` and everything it needs; logs loops and depth. */
  private resolve(t: Rec): number {
    const saved = this.logTypeId;
    let err = 0;
    this.mode = Mode.TBD;
    this.push(t);
    for (let v = this.stack.at(-1); err === 0 && v !== undefined; v = this.stack.at(-1)) {
      this.logTypeId = v.t.id;
      err = this.resolveStep(v);
    }
    this.logTypeId = t.id;
    if (err === -E2BIG) this.logType(t, true, `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
    else if (err === -EEXIST) this.logType(t, true, "Loop detected");
    if (err === 0 && !this.resolveValid(t)) {
      this.logType(t, true, "Invalid resolve state");
      err = -EINVAL;
    }
    this.logTypeId = saved;
    return err;
  }

  private resolveValid(t: Rec): boolean {
    const id = t.id;
    if (!this.resolved(id)) return false;
    const rid = this.resolvedIds[id] ?? 0, rsize = this.resolvedSizes[id] ?? 0;
    if (isStruct(t.kind) || t.kind === BTF_KIND_DATASEC) return !rid && !rsize;
    if (t.kind === BTF_KIND_DECL_TAG || t.kind === BTF_KIND_FUNC) return rid !== 0 && !rsize;
    if (isModifier(t.kind) || t.kind === BTF_KIND_PTR || t.kind === BTF_KIND_VAR) {
      const r = this.byId(rid);
      return r !== null && !isModifier(r.kind) && r.kind !== BTF_KIND_VAR && r.kind !== BTF_KIND_DATASEC;
    }
    if (t.kind === BTF_KIND_ARRAY) {
      const e = this.idSize(this.u32(t.off + 12));
      return e !== null && !isModifier(e.t.kind) && Math.imul(this.u32(t.off + 20), e.size) >>> 0 === rsize;
    }
    return false;
  }

  private checkAllTypes(): void {
    const n = this.types.length;
    this.resolvedIds = new Uint32Array(n);
    this.resolvedSizes = new Uint32Array(n);
    this.visit = new Uint8Array(n);
    this.meta = false;
    for (let id = 1; id < n; id++) {
      const t = this.types[id];
      if (t === undefined) continue;
      this.logTypeId = id;
      if (needsResolve(t.kind) && !this.resolved(id)) {
        const err = this.resolve(t);
        if (err) throw new Fail(err);
      }
      if (t.kind === BTF_KIND_FUNC_PROTO) this.funcProtoCheck(t);
    }
  }

  /** btf_func_proto_check: return and parameter types exist, are sized, and parameters are named validly. */
  private funcProtoCheck(t: Rec): void {
    if (t.st) {
      const ret = this.byId(t.st);
      if (ret === null || sourceOnly(ret.kind)) this.typeFail(t, "Invalid return type");
      if (needsResolve(ret.kind) && !this.resolved(t.st)) {
        const err = this.resolve(ret);
        if (err) throw new Fail(err);
      }
      if (this.idSize(t.st) === null) this.typeFail(t, "Invalid return type");
    }
    let n = t.vlen;
    if (!n) return;
    const arg = (i: number): { name_off: number; type: number } => ({ name_off: this.u32(t.off + 12 + i * 8), type: this.u32(t.off + 16 + i * 8) });
    const last = arg(n - 1);
    if (!last.type) {
      if (last.name_off) this.typeFail(t, `Invalid arg#${n}`);
      n--;
    }
    for (let i = 0; i < n; i++) {
      const a = arg(i);
      const at = this.byId(a.type);
      if (at === null || sourceOnly(at.kind)) this.typeFail(t, `Invalid arg#${i + 1}`);
      if (a.name_off && (!this.offsetValid(a.name_off) || !this.identifier(a.name_off))) this.typeFail(t, `Invalid arg#${i + 1}`);
      if (needsResolve(at.kind) && !this.resolved(a.type)) {
        const err = this.resolve(at);
        if (err) throw new Fail(err);
      }
      if (this.idSize(a.type) === null) this.typeFail(t, `Invalid arg#${i + 1}`);
    }
  }

  /** btf_check_type_tags: type tags come first in a modifier chain, and chains end within 32 steps. */
  private checkTypeTags(): void {
    let good = 0;
    for (let i = 1; i < this.types.length; i++) {
      let t = this.byId(i);
      if (t === null) this.fail(-EINVAL);
      if (!isModifier(t.kind)) continue;
      let inTags = t.kind === BTF_KIND_TYPE_TAG;
      let cur = i, limit = 32;
      while (isModifier(t.kind)) {
        if (!limit--) this.fail(-ELOOP, "Max chain length or cycle detected");
        if (t.kind === BTF_KIND_TYPE_TAG) {
          if (!inTags) this.fail(-EINVAL, "Type tags don't precede modifiers");
        } else {
          inTags = false;
        }
        if (cur <= good) break;
        cur = t.st;
        const nt = this.byId(cur);
        if (nt === null) this.fail(-EINVAL);
        t = nt;
      }
      good = i;
    }
  }
}

/**
 * btf_parse for BPF_BTF_LOAD: 0 when Linux 6.18 accepts `data`, else its
 * negative errno. `log` receives the verifier log.
 */
export function checkBtf(data: Uint8Array, log: BtfVerifierLog): number {
  return new Checker(data, log).run();
}
