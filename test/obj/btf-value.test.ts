/**
 * @fileoverview btfValue (src/obj/btf/value.ts): bytes laid out by a BTF
 * type as JSON, the way bpftool's BTF dumper shows map values: signed and
 * unsigned integers, bool, enums by name, bitfield members (kind_flag
 * offsets, Documentation/bpf/btf.rst 2.2.5), char arrays as strings, other
 * arrays as lists, and cTypeName's C spelling of unnamed types.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBtf } from "../../src/obj/btf/btf.js";
import { btfValue } from "../../src/obj/btf/value.js";

/** A BTF blob from 32-bit words and a string section. */
function blob(words: readonly number[], strs: string): Uint8Array {
  const s = new TextEncoder().encode(strs);
  const out = new Uint8Array(24 + words.length * 4 + s.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true);
  dv.setUint8(2, 1);
  dv.setUint32(4, 24, true);
  dv.setUint32(12, words.length * 4, true);
  dv.setUint32(16, words.length * 4, true);
  dv.setUint32(20, s.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
  out.set(s, 24 + words.length * 4);
  return out;
}
const info = (kind: number, vlen = 0, kflag = 0): number => ((kflag << 31) | (kind << 24) | vlen) >>> 0;

// strings: 1 "u32", 5 "s8", 8 "char", 13 "e", 15 "A", 17 "B", 19 "s", 21 "x", 23 "flag", 28 "bits", 33 "name", 38 "vals", 43 "_Bool", 49 "ok"
const STRS = "\0u32\0s8\0char\0e\0A\0B\0s\0x\0flag\0bits\0name\0vals\0_Bool\0ok\0";
const BTF = parseBtf(blob([
  1, info(1), 4, 32, // [1] u32
  5, info(1), 1, (1 << 24) | 8, // [2] s8 signed
  8, info(1), 1, (1 << 24) | 8, // [3] char (signed)
  13, info(6, 2), 4, 15, 1, 17, 2, // [4] enum e { A = 1, B = 2 }
  0, info(3), 0, 3, 1, 6, // [5] char[6]
  0, info(3), 0, 1, 1, 2, // [6] u32[2]
  43, info(1), 1, (4 << 24) | 8, // [7] _Bool
  19, info(4, 7, 1), 28, // [8] struct s (kind_flag: bitfield offsets)
  21, 2, 0, // x: s8 at 0
  23, 1, (3 << 24) | 8, // flag: u32:3 at bit 8
  28, 1, (5 << 24) | 11, // bits: u32:5 at bit 11
  33, 5, 32, // name: char[6] at byte 4
  38, 6, 96, // vals: u32[2] at byte 12
  49, 7, 160, // ok: _Bool at byte 20
  13, 4, 192, // e: enum at byte 24
  0, info(2), 1, // [9] u32 *
], STRS));

test("btfValue decodes every field kind of a struct, bitfields included (btf.rst 2.2.5)", () => {
  const b = new Uint8Array(28);
  b[0] = 0xfe; // x = -2
  // flag (bits 8..10) = 5, bits (bits 11..15) = 19: byte 1 = 5 | (19 << 3) = 0x9d
  b[1] = 5 | ((19 << 3) & 0xff);
  b.set(new TextEncoder().encode("hi\0zz"), 4);
  new DataView(b.buffer).setUint32(12, 7, true);
  new DataView(b.buffer).setUint32(16, 0xffffffff, true);
  b[20] = 1;
  b[24] = 1; // e = A
  assert.deepEqual(btfValue(BTF, 8, b), { x: -2, flag: 5, bits: 19, name: "hi", vals: [7, 4294967295], ok: true, e: "A" });
});

test("btfValue: an enum value with no enumerator is the number; a pointer is hex", () => {
  const b = new Uint8Array(8);
  b[0] = 9;
  assert.equal(btfValue(BTF, 4, b), 9);
  new DataView(b.buffer).setBigUint64(0, 0xffff8880deadbeefn, true);
  assert.equal(btfValue(BTF, 9, b), "0xffff8880deadbeef");
});

test("cTypeName spells unnamed types as C does", () => {
  assert.equal(BTF.cTypeName(5), "char[6]");
  assert.equal(BTF.cTypeName(6), "u32[2]");
  assert.equal(BTF.cTypeName(9), "u32 *");
  assert.equal(BTF.cTypeName(8), "struct s");
});
