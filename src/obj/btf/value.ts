/**
 * @fileoverview Turns bytes laid out by a BTF type into a JSON value, the
 * way bpftool's BTF dumper does for `map dump` and `struct_ops dump`
 * (tools/bpf/bpftool/btf_dumper.c; facts only): integers as numbers (as
 * decimal strings past 2^53), chars arrays as strings, bools as booleans,
 * enums by enumerator name, structs and unions as objects by member name,
 * arrays as lists, pointers as hex addresses. Anything else is hex bytes.
 */
import {
  BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_INT, BTF_KIND_PTR,
} from "../../uapi/btf.js";
import type { Btf } from "../../btf/btf.js";
import { isComposite } from "../../btf/btf.js";

/** A value as JSON. */
export type BtfJson = number | string | boolean | null | BtfJson[] | { [k: string]: BtfJson };

const MAX_DEPTH = 16;

function readUint(bytes: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = Math.min(size, bytes.length - off) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i] ?? 0);
  return v;
}

const num = (v: bigint): number | string => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** The bytes of a bitfield member as an unsigned integer. */
function bitfield(bytes: Uint8Array, bitOff: number, bits: number): bigint {
  const first = Math.floor(bitOff / 8);
  const raw = readUint(bytes, first, Math.ceil((bitOff % 8 + bits) / 8));
  return (raw >> BigInt(bitOff % 8)) & ((1n << BigInt(bits)) - 1n);
}

/**
 * The value of type `id` at `bytes[off..]` as JSON.
 */
export function btfValue(btf: Btf, id: number, bytes: Uint8Array, off = 0, depth = 0): BtfJson {
  const tid = btf.skipModifiers(id);
  const t = btf.type(tid);
  const size = btf.resolveSize(tid);
  if (depth > MAX_DEPTH) return size > 0 ? hex(bytes.subarray(off, off + size)) : null;
  if (t.kind === BTF_KIND_INT) {
    const enc = t.int_encoding;
    const v = readUint(bytes, off, size);
    if (enc & BTF_INT_BOOL) return v !== 0n;
    return num(enc & BTF_INT_SIGNED ? BigInt.asIntN(size * 8, v) : v);
  }
  if (t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) {
    const raw = readUint(bytes, off, size);
    const v = t.kflag ? BigInt.asIntN(size * 8, raw) : raw;
    return t.enums.find((e) => e.val === v)?.name ?? num(v);
  }
  if (t.kind === BTF_KIND_PTR) return `0x${readUint(bytes, off, 8).toString(16)}`;
  if (t.kind === BTF_KIND_ARRAY && t.array !== undefined) {
    const et = btf.type(btf.skipModifiers(t.array.type));
    const es = btf.resolveSize(et.id);
    if (et.kind === BTF_KIND_INT && es === 1 && (et.int_encoding & BTF_INT_CHAR || et.name === "char")) {
      const s = bytes.subarray(off, off + t.array.nelems);
      const end = s.indexOf(0);
      return new TextDecoder().decode(end < 0 ? s : s.subarray(0, end));
    }
    const out: BtfJson[] = [];
    for (let i = 0; i < t.array.nelems && es > 0; i++) out.push(btfValue(btf, t.array.type, bytes, off + i * es, depth + 1));
    return out;
  }
  if (isComposite(t.kind)) {
    const out: { [k: string]: BtfJson } = {};
    for (const m of t.members) {
      const v = m.bitfield_size > 0
        ? num(bitfield(bytes.subarray(off), m.bit_offset, m.bitfield_size))
        : btfValue(btf, m.type, bytes, off + m.bit_offset / 8, depth + 1);
      if (m.name === "" && v !== null && typeof v === "object" && !Array.isArray(v)) Object.assign(out, v);
      else out[m.name] = v;
    }
    return out;
  }
  return size > 0 ? hex(bytes.subarray(off, off + size)) : null;
}
