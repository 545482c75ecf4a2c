/**
 * @fileoverview Tests for cstring.ts: C strings and char[N] name limits (BPF_OBJ_NAME_LEN).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeCString, encodeCharArray, encodeCString, hasNul, readCharArray, writeCharArray } from "./cstring.js";
import { BPF_OBJ_NAME_LEN } from "./bpf-flags.js";

test("encodeCString() appends exactly one NUL", () => {
  assert.deepEqual([...encodeCString("GPL")], [0x47, 0x50, 0x4c, 0]);
  assert.deepEqual([...encodeCString("")], [0]);
});

test("encodeCString() throws TypeError when the string contains a NUL", () => {
  assert.throws(() => encodeCString("a\0b"), TypeError);
});

test("encodeCString() encodes UTF-8", () => {
  assert.deepEqual([...encodeCString("é")], [0xc3, 0xa9, 0]);
});

test("decodeCString() stops at the first NUL or at max", () => {
  const b = new Uint8Array([0x61, 0x62, 0, 0x63]);
  assert.equal(decodeCString(b), "ab");
  assert.equal(decodeCString(b, 3), "c");
  assert.equal(decodeCString(b, 0, 1), "a");
});

test("encodeCharArray() accepts names of up to 15 bytes in char[16]", () => {
  const name = "a".repeat(BPF_OBJ_NAME_LEN - 1);
  const out = encodeCharArray(name, BPF_OBJ_NAME_LEN, "map_name");
  assert.equal(out.length, 16);
  assert.equal(out[15], 0);
  assert.equal(readCharArray(out, 0, 16), name);
});

test("encodeCharArray() throws RangeError when a name needs 16 bytes plus NUL", () => {
  assert.throws(() => encodeCharArray("a".repeat(16), 16, "map_name"), {
    name: "RangeError",
    message: "Cannot encode 'map_name' as it must be at most 15 bytes plus NUL: current length is 16",
  });
  // Multi-byte characters count in bytes, not code points.
  assert.throws(() => encodeCharArray("é".repeat(8), 16), RangeError);
});

test("encodeCharArray() copies raw bytes without adding a NUL", () => {
  const raw = new Uint8Array(16).fill(0x41);
  const out = encodeCharArray(raw, 16);
  assert.deepEqual(out, raw);
  assert.equal(hasNul(out), false);
  assert.equal(readCharArray(out, 0, 16), "A".repeat(16));
  assert.throws(() => encodeCharArray(new Uint8Array(17), 16), RangeError);
});

test("encodeCharArray() zero-pads and rejects embedded NULs in strings", () => {
  assert.deepEqual([...encodeCharArray("ab", 4)], [0x61, 0x62, 0, 0]);
  assert.throws(() => encodeCharArray("a\0", 4), TypeError);
});

test("writeCharArray() writes at an offset and checks bounds", () => {
  const dst = new Uint8Array(20).fill(0xff);
  writeCharArray(dst, 2, 16, "cubic");
  assert.equal(readCharArray(dst, 2, 16), "cubic");
  assert.equal(dst[17], 0);
  assert.equal(dst[18], 0xff);
  assert.throws(() => writeCharArray(dst, 8, 16, "x"), RangeError);
});
