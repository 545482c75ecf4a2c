/**
 * @fileoverview checkBtf (btf_parse of kernel/bpf/btf.c, v6.18) and the BTF
 * verifier log: every blob the model's BtfBuilder writes passes; mutated
 * blobs never crash the checker (it returns 0 or a negative errno); the log
 * keeps its head (BPF_LOG_FIXED) or tail (rotating) and reports its true
 * size. Linux's verdicts on the same kind of blobs are compared by
 * test/parity/btf-load.test.ts. KERNEL-SPEC.md has no BTF section; the
 * reference is btf.c.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BTF_FUNC_GLOBAL, BTF_VAR_GLOBAL_ALLOCATED } from "../../uapi/btf.js";
import { BtfBuilder } from "./builder.js";
import { checkBtf } from "./check.js";
import { BtfVerifierLog } from "./verifier-log.js";
import { getVmlinuxBtf } from "./vmlinux.js";

const log = (level = 1, size = 1 << 20): BtfVerifierLog => new BtfVerifierLog(level, size, size > 0);

function sample(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int("int", 4, 1);
  const p = b.ptr(int);
  const s = b.struct("pair", 16, [{ name: "a", type: int, bit_offset: 0 }, { name: "p", type: p, bit_offset: 64 }]);
  const proto = b.funcProto(int, [{ name: "x", type: b.ptr(s) }]);
  b.func("f", proto, BTF_FUNC_GLOBAL);
  const v = b.var("counter", int, BTF_VAR_GLOBAL_ALLOCATED);
  b.datasec(".bss", 4, [{ type: v, offset: 0, size: 4 }]);
  b.enum("e", [{ name: "A", val: 1n }]);
  b.array(int, int, 4);
  return b.encode();
}

test("checkBtf accepts what BtfBuilder writes, and the model's vmlinux BTF", () => {
  const l = log();
  assert.equal(checkBtf(sample(), l), 0, l.text);
  assert.equal(checkBtf(getVmlinuxBtf().bytes, log(0, 0)), 0);
  assert.match(l.text, /^magic: 0xeb9f\n/);
  assert.match(l.text, /\[3\] STRUCT pair size=16 vlen=2\n\ta type_id=1 bits_offset=0\n\tp type_id=2 bits_offset=64\n/);
});

test("checkBtf refuses an extern FUNC with Linux's message", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, 1);
  b.func("k", b.funcProto(int, []), 2);
  const l = log();
  assert.equal(checkBtf(b.encode(), l), -22);
  assert.match(l.text, /\[3\] FUNC k type_id=2 Invalid func linkage\n$/);
});

test("checkBtf never throws on mutated blobs", () => {
  const base = sample();
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(base.length), (edits, cut) => {
      const b = base.slice(0, Math.max(cut, 1));
      for (const [at, v] of edits) if (at < b.length) b[at] = v;
      const r = checkBtf(b, log(1, 4096));
      assert.ok(r === 0 || r < 0);
    }),
    { seed: 42, numRuns: 500 },
  );
});

test("BtfVerifierLog: fixed keeps the head, rotating the tail, both report the true size", () => {
  const rot = new BtfVerifierLog(1, 8, true);
  const fixed = new BtfVerifierLog(1 | 8, 8, true);
  for (const l of [rot, fixed]) l.write("0123456789\n");
  const r = rot.finalize(), f = fixed.finalize();
  assert.deepEqual([r.trueSize, r.truncated, new TextDecoder().decode(r.out ?? new Uint8Array())], [12, true, "456789\n\0"]);
  assert.deepEqual([f.trueSize, f.truncated, new TextDecoder().decode(f.out ?? new Uint8Array())], [12, true, "0123456\0"]);
  assert.equal(new BtfVerifierLog(0, 8, true).valid(), false);
  assert.equal(new BtfVerifierLog(16, 8, true).valid(), false);
  assert.equal(new BtfVerifierLog(1, 0, false).finalize().trueSize, 1);
});
