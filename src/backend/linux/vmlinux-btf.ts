/**
 * @fileoverview A small reader of a running kernel's BTF
 * (/sys/kernel/btf/vmlinux, include/uapi/linux/btf.h): type ids by name and
 * kind, struct members with their bit offsets, `sizeof` after typedefs and
 * modifiers, member indices (a struct_ops program's expected_attach_type) and
 * kfunc ids (BTF_KIND_FUNC). It is what the Linux backend needs to resolve
 * `attach_btf_id`, `btf_vmlinux_value_type_id` and the struct_ops map value
 * (src/backend/struct-ops-value.ts); it is not a validator and does not
 * import the emulated kernel's BTF code (ARCHITECTURE.md: backend/linux
 * never imports kernel/).
 *
 * Records are indexed once (an offset per type id); names and members are
 * decoded on demand.
 */
import {
  BTF_ARRAY_LEN, BTF_DECL_TAG_LEN, BTF_ENUM64_LEN, BTF_ENUM_LEN, BTF_HDR_LEN, BTF_HEADER_OFF, BTF_INFO_KFLAG, BTF_INFO_KIND,
  BTF_INFO_VLEN, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64,
  BTF_KIND_FLOAT, BTF_KIND_FUNC_PROTO, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_MAGIC, BTF_MEMBER_BITFIELD_SIZE,
  BTF_MEMBER_BIT_OFFSET, BTF_MEMBER_LEN, BTF_PARAM_LEN, BTF_TYPE_LEN, BTF_VAR_LEN, BTF_VAR_SECINFO_LEN,
} from "../../uapi/btf.js";
import { BTF_KIND_FUNC } from "../../uapi/btf.js";
import type { StructOpsBtf, StructOpsBtfMember } from "../struct-ops-value.js";

const MODIFIERS = new Set([BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_TYPE_TAG]);
const PTR_SIZE = 8;

/** Bytes that follow `struct btf_type` for a record of `kind` with `vlen` entries. */
function extraLen(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND_INT:
      return 4;
    case BTF_KIND_ARRAY:
      return BTF_ARRAY_LEN;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return vlen * BTF_MEMBER_LEN;
    case BTF_KIND_ENUM:
      return vlen * BTF_ENUM_LEN;
    case BTF_KIND_ENUM64:
      return vlen * BTF_ENUM64_LEN;
    case BTF_KIND_FUNC_PROTO:
      return vlen * BTF_PARAM_LEN;
    case BTF_KIND_VAR:
      return BTF_VAR_LEN;
    case BTF_KIND_DATASEC:
      return vlen * BTF_VAR_SECINFO_LEN;
    case BTF_KIND_DECL_TAG:
      return BTF_DECL_TAG_LEN;
    default:
      return 0;
  }
}

/** A kernel BTF object read from its raw bytes (split BTF is not supported). */
export class KernelBtf implements StructOpsBtf {
  private readonly dv: DataView;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** offsets[id] is where type `id`'s record starts (offsets[0] unused). */
  private readonly offsets: Uint32Array;
  private byName: Map<string, number[]> | undefined;
  private readonly decoder = new TextDecoder();

  /**
   * @throws TypeError when `bytes` is not a BTF blob (bad magic, truncated sections or records).
   */
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < BTF_HDR_LEN || this.dv.getUint16(BTF_HEADER_OFF.magic, true) !== BTF_MAGIC) {
      throw new TypeError("Cannot read kernel BTF as the blob does not start with the BTF magic 0xeb9f");
    }
    const hdrLen = this.dv.getUint32(BTF_HEADER_OFF.hdr_len, true);
    this.typeStart = hdrLen + this.dv.getUint32(BTF_HEADER_OFF.type_off, true);
    const typeEnd = this.typeStart + this.dv.getUint32(BTF_HEADER_OFF.type_len, true);
    this.strStart = hdrLen + this.dv.getUint32(BTF_HEADER_OFF.str_off, true);
    this.strEnd = this.strStart + this.dv.getUint32(BTF_HEADER_OFF.str_len, true);
    if (typeEnd > bytes.length || this.strEnd > bytes.length) {
      throw new TypeError(`Cannot read kernel BTF as its sections end past the blob: types end at ${typeEnd}, strings at ${this.strEnd}, blob is ${bytes.length} bytes`);
    }
    const offs: number[] = [0];
    for (let at = this.typeStart; at < typeEnd; ) {
      if (at + BTF_TYPE_LEN > typeEnd) throw new TypeError(`Cannot read kernel BTF as type ${offs.length} is truncated at byte ${at}`);
      offs.push(at);
      const info = this.dv.getUint32(at + 4, true);
      at += BTF_TYPE_LEN + extraLen(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
    }
    this.offsets = Uint32Array.from(offs);
  }

  /** Number of types (the highest type id). */
  get nrTypes(): number {
    return this.offsets.length - 1;
  }

  private str(off: number): string {
    const at = this.strStart + off;
    if (off === 0 || at >= this.strEnd) return "";
    let end = at;
    while (end < this.strEnd && this.bytes[end] !== 0) end++;
    return this.decoder.decode(this.bytes.subarray(at, end));
  }

  private rec(id: number): number | undefined {
    return id > 0 && id < this.offsets.length ? this.offsets[id] : undefined;
  }

  /** Kind of type `id`, or -1 for void/unknown ids. */
  kind(id: number): number {
    const at = this.rec(id);
    return at === undefined ? -1 : BTF_INFO_KIND(this.dv.getUint32(at + 4, true));
  }

  /** Name of type `id` ("" for anonymous types). */
  name(id: number): string {
    const at = this.rec(id);
    return at === undefined ? "" : this.str(this.dv.getUint32(at, true));
  }

  /** The first type of `kind` named `name`, or -1. */
  findByNameKind(name: string, kind: number): number {
    if (this.byName === undefined) {
      const m = new Map<string, number[]>();
      for (let id = 1; id < this.offsets.length; id++) {
        const n = this.name(id);
        if (n === "") continue;
        const l = m.get(n);
        if (l === undefined) m.set(n, [id]);
        else l.push(id);
      }
      this.byName = m;
    }
    for (const id of this.byName.get(name) ?? []) if (this.kind(id) === kind) return id;
    return -1;
  }

  /** Follows typedefs and modifiers to the underlying type id. */
  skipModifiers(id: number): number {
    for (let guard = 0; MODIFIERS.has(this.kind(id)) && guard < this.offsets.length; guard++) {
      id = this.dv.getUint32((this.rec(id) as number) + 8, true);
    }
    return id;
  }

  /** sizeof type `id`, or -1 for sizeless kinds. */
  resolveSize(id: number): number {
    id = this.skipModifiers(id);
    const at = this.rec(id);
    if (at === undefined) return -1;
    switch (this.kind(id)) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_FLOAT:
        return this.dv.getUint32(at + 8, true);
      case BTF_KIND_PTR:
        return PTR_SIZE;
      case BTF_KIND_ARRAY: {
        const elem = this.resolveSize(this.dv.getUint32(at + BTF_TYPE_LEN, true));
        return elem < 0 ? elem : elem * this.dv.getUint32(at + BTF_TYPE_LEN + 8, true);
      }
      default:
        return -1;
    }
  }

  /** Members of struct/union `id` (after modifiers); empty for other kinds. */
  members(id: number): readonly StructOpsBtfMember[] {
    id = this.skipModifiers(id);
    const k = this.kind(id);
    if (k !== BTF_KIND_STRUCT && k !== BTF_KIND_UNION) return [];
    const at = this.rec(id) as number;
    const info = this.dv.getUint32(at + 4, true);
    const kflag = BTF_INFO_KFLAG(info);
    const out: StructOpsBtfMember[] = [];
    for (let i = 0, m = at + BTF_TYPE_LEN; i < BTF_INFO_VLEN(info); i++, m += BTF_MEMBER_LEN) {
      const off = this.dv.getUint32(m + 8, true);
      out.push({
        name: this.str(this.dv.getUint32(m, true)),
        type: this.dv.getUint32(m + 4, true),
        bit_offset: kflag ? BTF_MEMBER_BIT_OFFSET(off) : off,
        bitfield_size: kflag ? BTF_MEMBER_BITFIELD_SIZE(off) : 0,
      });
    }
    return out;
  }

  /** Index of member `name` of struct `id` (a struct_ops program's expected_attach_type), or -1. */
  memberIndex(id: number, name: string): number {
    return this.members(id).findIndex((m) => m.name === name);
  }

  /** BTF id of the kernel function `name` (what a kfunc call's imm holds), or -1. */
  kfuncId(name: string): number {
    return this.findByNameKind(name, BTF_KIND_FUNC);
  }
}
