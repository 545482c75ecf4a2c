/**
 * @fileoverview The Linux backend's view of a running kernel's BTF
 * (/sys/kernel/btf/vmlinux, include/uapi/linux/btf.h): type ids by name and
 * kind, struct members with their bit offsets, `sizeof` after typedefs and
 * modifiers, member indices (a struct_ops program's expected_attach_type) and
 * kfunc ids (BTF_KIND_FUNC). It is what the Linux backend needs to resolve
 * `attach_btf_id`, `btf_vmlinux_value_type_id` and the struct_ops map value
 * (src/backend/struct-ops-value.ts).
 *
 * The blob is decoded by the object loader's BTF parser (src/obj/btf: bytes
 * in, records out; docs/architecture.md lets backend import obj), never by
 * the emulated kernel's (ARCHITECTURE.md: backend/linux never imports
 * kernel/). This class only adapts those records to {@link StructOpsBtf}.
 */
import {
  BTF_HDR_LEN, BTF_HEADER_OFF, BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_FUNC, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_MAGIC,
} from "../../uapi/btf.js";
import { Btf, isModifier } from "../../obj/btf/btf.js";
import { ObjError } from "../../obj/errors.js";
import type { StructOpsBtf, StructOpsBtfMember } from "../struct-ops-value.js";

/** A kernel BTF object read from its raw bytes (split BTF is not supported). */
export class KernelBtf implements StructOpsBtf {
  private readonly btf: Btf;

  /**
   * @throws TypeError when `bytes` is not a BTF blob (bad magic, truncated sections or records).
   */
  constructor(readonly bytes: Uint8Array) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < BTF_HDR_LEN || dv.getUint16(BTF_HEADER_OFF.magic, true) !== BTF_MAGIC) {
      throw new TypeError("Cannot read kernel BTF as the blob does not start with the BTF magic 0xeb9f");
    }
    const hdrLen = dv.getUint32(BTF_HEADER_OFF.hdr_len, true);
    const typeEnd = hdrLen + dv.getUint32(BTF_HEADER_OFF.type_off, true) + dv.getUint32(BTF_HEADER_OFF.type_len, true);
    const strEnd = hdrLen + dv.getUint32(BTF_HEADER_OFF.str_off, true) + dv.getUint32(BTF_HEADER_OFF.str_len, true);
    if (typeEnd > bytes.length || strEnd > bytes.length) {
      throw new TypeError(`Cannot read kernel BTF as its sections end past the blob: types end at ${typeEnd}, strings at ${strEnd}, blob is ${bytes.length} bytes`);
    }
    try {
      this.btf = Btf.parse(bytes, "vmlinux");
    } catch (e) {
      if (e instanceof ObjError) throw new TypeError(`Cannot read kernel BTF: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** Number of types (the highest type id). */
  get nrTypes(): number {
    return this.btf.length - 1;
  }

  /** Kind of type `id`, or -1 for void/unknown ids. */
  kind(id: number): number {
    return id > 0 && id < this.btf.length ? this.btf.type(id).kind : -1;
  }

  /** Name of type `id` ("" for anonymous types). */
  name(id: number): string {
    return id > 0 && id < this.btf.length ? this.btf.type(id).name : "";
  }

  /** The first type of `kind` named `name`, or -1. */
  findByNameKind(name: string, kind: number): number {
    return this.btf.find(name, kind) || -1;
  }

  /** Follows typedefs and modifiers to the underlying type id. */
  skipModifiers(id: number): number {
    for (let guard = 0; guard < this.btf.length; guard++) {
      const k = this.kind(id);
      if (k !== BTF_KIND_TYPEDEF && !isModifier(k)) break;
      id = this.btf.type(id).type ?? 0;
    }
    return id;
  }

  /** sizeof type `id`, or -1 for sizeless kinds (void, FWD, FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG). */
  resolveSize(id: number): number {
    id = this.skipModifiers(id);
    const k = this.kind(id);
    if (k < 0 || k === BTF_KIND_VAR || k === BTF_KIND_DATASEC) return -1;
    if (k === BTF_KIND_ARRAY) {
      const a = this.btf.type(id).array;
      const elem = a === undefined ? -1 : this.resolveSize(a.type);
      return a === undefined || elem < 0 ? -1 : elem * a.nelems;
    }
    return this.btf.resolveSize(id);
  }

  /** Members of struct/union `id` (after modifiers); empty for other kinds. */
  members(id: number): readonly StructOpsBtfMember[] {
    id = this.skipModifiers(id);
    const k = this.kind(id);
    if (k !== BTF_KIND_STRUCT && k !== BTF_KIND_UNION) return [];
    return (this.btf.type(id).members ?? []).map((m) => ({ name: m.name, type: m.type, bit_offset: m.bitOffset, bitfield_size: m.bitfieldSize }));
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
