/**
 * @fileoverview Unit tests of the WebAssembly builder (src/wasm) that the JIT and the interpreter's Wasm loop use:
 * LEB128 encodings against the examples of the WebAssembly Core
 * Specification 2.0 (section 5.2.2), a module that validates and runs, and
 * its text dump; label depths are computed, not counted by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteSink, Code, I32, I64, WasmModule, toWat } from "../../src/wasm/index.js";

const enc = (f: (s: ByteSink) => void): number[] => {
  const s = new ByteSink();
  f(s);
  return [...s.toBytes()];
};

test("ByteSink encodes unsigned and signed LEB128 as the spec's examples", () => {
  assert.deepEqual(enc((s) => s.u32(624485)), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(enc((s) => s.s32(-123456)), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(enc((s) => s.s32(63)), [0x3f]);
  assert.deepEqual(enc((s) => s.s32(64)), [0xc0, 0x00]);
  assert.deepEqual(enc((s) => s.s64(-1n)), [0x7f]);
  assert.deepEqual(enc((s) => s.s64(1n << 63n)), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]);
});

test("signed LEB128 round-trips through i64.const for any 64-bit value", () => {
  fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
    const m = new WasmModule();
    const c = new Code([], [I64]);
    c.i64(v);
    m.export("f", "func", m.func("f", c.finish()));
    const f = new WebAssembly.Instance(new WebAssembly.Module(m.encode())).exports["f"] as () => bigint;
    assert.equal(f(), v);
  }), { numRuns: 200 });
});

test("WasmModule encodes a loop with computed label depths that validates, runs and dumps as text", () => {
  const m = new WasmModule();
  const sum = new Code([I32], [I32], ["n"]);
  const acc = sum.local(I32, "acc");
  const out = sum.block();
  const top = sum.loop();
  sum.get(0).op("i32.eqz").brIf(out);
  sum.get(acc).get(0).op("i32.add").set(acc);
  sum.get(0).i32(1).op("i32.sub").set(0);
  sum.br(top);
  sum.end();
  sum.end();
  sum.get(acc);
  m.export("sum", "func", m.func("sum", sum.finish()));
  const bytes = m.encode();
  assert.ok(WebAssembly.validate(bytes));
  const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports["sum"] as (n: number) => number;
  assert.equal(f(10), 55);
  const wat = toWat(m);
  assert.match(wat, /\(func \$sum \(param \$n i32\) \(result i32\)/);
  assert.match(wat, /br_if 1\n/);
  assert.match(wat, /br 0\n/);
});

test("Code refuses unbalanced blocks and labels that are not open", () => {
  const c = new Code([], []);
  const l = c.block();
  c.end();
  assert.throws(() => c.br(l), /not open/);
  assert.throws(() => c.end(), /no open block/);
  c.block();
  assert.throws(() => c.finish(), /left open/);
});
