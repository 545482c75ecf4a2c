/**
 * @fileoverview The value of an object's `.kconfig` map (libbpf's
 * bpf_object__init_kconfig_map, KERNEL-SPEC.md §8): each `__kconfig` extern
 * the object declares, filled from the target's kernel config (plus the
 * caller's overrides) in its declared type (bool, tristate, char, char
 * array, integer); a missing non-`__weak` value or one that does not suit
 * its type fails the load.
 */
import { EINVAL, ESRCH } from "../uapi/errno.js";
import type { ExternSpec, MapSpec } from "../obj/spec.js";
import { fail } from "./bpf-call.js";
import type { KconfigValue } from "./target.js";

/**
 * The bytes of the `.kconfig` map `s` of object `obj` for `externs`.
 * @throws {BpfError} EINVAL for a missing non-weak value or one of the wrong type
 */
export function kconfigValue(obj: string, externs: readonly ExternSpec[], s: MapSpec, kconfig: Map<string, KconfigValue>): Uint8Array {
  const out = new Uint8Array(s.valueSize);
  const dv = new DataView(out.buffer);
  for (const e of externs) {
    if (e.kind !== "kconfig") continue;
    const v = kconfig.get(e.name);
    if (v === undefined) {
      if (e.weak) continue;
      fail("bpf_object__load", EINVAL, `load object '${obj}': extern (kconfig) '${e.name}' value not found and not __weak`);
    }
    writeKconfig(dv, out, e, v, obj);
  }
  return out;
}

function writeKconfig(dv: DataView, out: Uint8Array, e: ExternSpec, v: KconfigValue, obj: string): void {
  const bad = (): never => fail("bpf_object__load", EINVAL, `load object '${obj}': kconfig '${e.name}' value '${String(v)}' does not suit its ${e.kconfigType} type`);
  switch (e.kconfigType) {
    case "bool":
      if (typeof v === "boolean") dv.setUint8(e.offset, v ? 1 : 0);
      else if (v === "y" || v === "n") dv.setUint8(e.offset, v === "y" ? 1 : 0);
      else bad();
      return;
    case "tristate":
      if (v === "y" || v === true) dv.setUint8(e.offset, 1);
      else if (v === "n" || v === false) dv.setUint8(e.offset, 0);
      else if (v === "m") dv.setUint8(e.offset, 2);
      else bad();
      return;
    case "char":
      if (typeof v === "string" && v.length === 1) dv.setUint8(e.offset, v.charCodeAt(0));
      else if (v === true || v === false) dv.setUint8(e.offset, v ? 0x79 : 0x6e);
      else bad();
      return;
    case "char_array": {
      if (typeof v !== "string") return bad();
      const b = new TextEncoder().encode(v);
      out.set(b.subarray(0, e.size - 1), e.offset);
      return;
    }
    case "int": {
      let n: bigint;
      if (typeof v === "number" || typeof v === "bigint") n = BigInt(v);
      else if (typeof v === "boolean") n = v ? 1n : 0n;
      else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) n = BigInt(v);
      else return bad();
      const bits = BigInt(e.size * 8);
      const fits = e.signed ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n) : n >= 0n && n < 1n << bits;
      if (!fits) bad();
      let u = BigInt.asUintN(e.size * 8, n);
      for (let i = 0; i < e.size; i++, u >>= 8n) out[e.offset + i] = Number(u & 0xffn);
      return;
    }
    default:
      fail("bpf_object__load", ESRCH, `load object '${obj}': kconfig '${e.name}' has an unsupported type`);
  }
}
