/**
 * @fileoverview Builds the value of a struct_ops map, `struct
 * bpf_struct_ops_<type>`, from a kernel BTF by member name: `name` and other
 * data members as bytes, function members as program fds (what
 * BPF_MAP_UPDATE_ELEM expects), everything else zero. The same builder serves
 * the emulated kernel's BTF and a real kernel's /sys/kernel/btf/vmlinux.
 */
import { BTF_KIND_STRUCT } from "../uapi/btf.js";

/** A struct member as BTF describes it (what the builder reads). */
export interface StructOpsBtfMember {
  readonly name: string;
  readonly type: number;
  readonly bit_offset: number;
  readonly bitfield_size: number;
}

/**
 * The BTF lookups the builder needs. The emulated kernel's BtfLookup and the
 * Linux backend's reader of /sys/kernel/btf/vmlinux both provide them.
 */
export interface StructOpsBtf {
  /** Type id of the named type of `kind`, ≤ 0 when absent. */
  findByNameKind(name: string, kind: number): number;
  /** Members of a struct or union, in order. */
  members(id: number): readonly StructOpsBtfMember[];
  /** sizeof the type after typedefs and modifiers. */
  resolveSize(id: number): number;
}

/** Member values: strings for char arrays, numbers/bigints for integers and program fds. */
export type StructOpsFields = Readonly<Record<string, string | number | bigint>>;

/** The layout facts of a struct_ops value type. */
export interface StructOpsValueLayout {
  readonly valueTypeId: number;
  readonly valueSize: number;
  readonly dataOffset: number;
  readonly typeId: number;
}

/** Where the value type `bpf_struct_ops_<type>` and its `data` live, or a TypeError. */
export function structOpsValueLayout(btf: StructOpsBtf, type: string): StructOpsValueLayout {
  const typeId = btf.findByNameKind(type, BTF_KIND_STRUCT);
  const valueTypeId = btf.findByNameKind(`bpf_struct_ops_${type}`, BTF_KIND_STRUCT);
  if (typeId <= 0 || valueTypeId <= 0) throw new TypeError(`Cannot build a struct_ops value as the kernel BTF has no struct bpf_struct_ops_${type}`);
  const data = btf.members(valueTypeId).find((m) => m.name === "data");
  if (data === undefined) throw new TypeError(`Cannot build a struct_ops value as bpf_struct_ops_${type} has no data member`);
  return { valueTypeId, valueSize: btf.resolveSize(valueTypeId), dataOffset: data.bit_offset / 8, typeId };
}

/**
 * The bytes of `struct bpf_struct_ops_<type>` with `fields` set by member
 * name. Function members take a program fd.
 * @throws TypeError for an unknown member, RangeError for a value that does not fit
 * @example
 * const value = structOpsValue(btf, "tcp_congestion_ops", { name: "my_cc", init: initFd, ssthresh: fd1, ... });
 */
export function structOpsValue(btf: StructOpsBtf, type: string, fields: StructOpsFields): Uint8Array {
  const l = structOpsValueLayout(btf, type);
  const out = new Uint8Array(l.valueSize);
  const dv = new DataView(out.buffer);
  const members = btf.members(l.typeId);
  for (const [name, v] of Object.entries(fields)) {
    const m = members.find((x) => x.name === name);
    if (m === undefined) throw new TypeError(`Cannot set '${name}' as struct ${type} has no such member`);
    if (m.bitfield_size > 0) throw new TypeError(`Cannot set '${name}' as bitfield members are not supported`);
    const at = l.dataOffset + m.bit_offset / 8;
    const size = btf.resolveSize(m.type);
    if (typeof v === "string") {
      const b = new TextEncoder().encode(v);
      if (b.length >= size) throw new RangeError(`Cannot set '${name}' as it must be shorter than ${size} bytes: current length is ${b.length}`);
      out.set(b, at);
      continue;
    }
    const n = BigInt(v);
    if (size === 8) dv.setBigUint64(at, BigInt.asUintN(64, n), true);
    else if (size === 4) dv.setUint32(at, Number(BigInt.asUintN(32, n)), true);
    else if (size === 2) dv.setUint16(at, Number(BigInt.asUintN(16, n)), true);
    else if (size === 1) dv.setUint8(at, Number(BigInt.asUintN(8, n)));
    else throw new TypeError(`Cannot set '${name}' as a number: it is ${size} bytes`);
  }
  return out;
}
