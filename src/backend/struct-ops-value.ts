/**
 * @fileoverview Builds the value of a struct_ops map, `struct
 * bpf_struct_ops_<type>`, from a kernel BTF by member name: `name` and other
 * data members as bytes, function members as program fds (what
 * BPF_MAP_UPDATE_ELEM expects), everything else zero. The layout is the one
 * of src/btf/struct-ops-layout.ts, so the same builder serves the emulated
 * kernel's BTF and a real kernel's /sys/kernel/btf/vmlinux.
 */
import type { Btf } from "../btf/btf.js";
import { structOpsLayout } from "../btf/struct-ops-layout.js";
import type { StructOpsLayout } from "../btf/struct-ops-layout.js";

/** Member values: strings for char arrays, numbers/bigints for integers and program fds. */
export type StructOpsFields = Readonly<Record<string, string | number | bigint>>;

/** The layout of `bpf_struct_ops_<type>` in `btf`, or a TypeError naming what the BTF lacks. */
export function structOpsValueLayout(btf: Btf, type: string): StructOpsLayout {
  const l = structOpsLayout(btf, type);
  if (l === "value type") throw new TypeError(`Cannot build a struct_ops value as the kernel BTF has no struct bpf_struct_ops_${type}`);
  if (l === "data") throw new TypeError(`Cannot build a struct_ops value as bpf_struct_ops_${type} has no data member`);
  return l;
}

/**
 * The bytes of `struct bpf_struct_ops_<type>` with `fields` set by member
 * name. Function members take a program fd.
 * @throws TypeError for an unknown member, RangeError for a value that does not fit
 * @example
 * const value = structOpsValue(btf, "tcp_congestion_ops", { name: "my_cc", init: initFd, ssthresh: fd1, ... });
 */
export function structOpsValue(btf: Btf, type: string, fields: StructOpsFields): Uint8Array {
  const l = structOpsValueLayout(btf, type);
  const out = new Uint8Array(l.valueSize);
  const dv = new DataView(out.buffer);
  for (const [name, v] of Object.entries(fields)) {
    const m = l.members.find((x) => x.name === name);
    if (m === undefined) throw new TypeError(`Cannot set '${name}' as struct ${type} has no such member`);
    if (m.bitfield_size > 0) throw new TypeError(`Cannot set '${name}' as bitfield members are not supported`);
    const at = l.dataOffset + m.offset;
    const size = m.size;
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
