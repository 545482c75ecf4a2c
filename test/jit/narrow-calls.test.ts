/**
 * @fileoverview Narrow forms of helpers and kfuncs (src/kernel/prog/runner.ts
 * BpfNarrowCall; jit/compile.ts outCall): the JIT calls a call table entry's
 * narrow form, on numbers, exactly when the high halves of the arguments it
 * reads are zero, and its u64 form otherwise; either way the program sees what
 * the interpreter (which always calls the u64 form) gives it: r0 (a narrow
 * result zero-extended), the instructions counted, and the same "call" fault
 * when the function throws. Same bytes with and without narrow forms are
 * different modules in the compile cache.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assembleText } from "../../src/asm/text-asm.js";
import { KernelMemory } from "../../src/kernel/mem/memory.js";
import { createRunner } from "../../src/backend/engines.js";
import { BpfFault, withNarrow } from "../../src/kernel/prog/runner.js";
import type { BpfCallFn } from "../../src/kernel/prog/runner.js";
import { clearModuleCache, moduleCacheStats } from "../../src/jit/module-cache.js";

const KFUNC = 77;
const lo = (v: bigint): number => Number(v & 0xffffffffn);
/** What the function computes from the low halves; throws when the first is 0xdead. */
const f = (a: number, b: number, c: number): number => {
  if (a === 0xdead) throw new Error("the function refused its argument");
  return (Math.imul(a, 31) + (b ^ c)) >>> 0;
};

/** A kfunc of `arity` arguments with both forms, counting which one ran. */
function table(arity: 1 | 2 | 3, calls: string[]): Map<number, BpfCallFn> {
  const pick = (a: number, b: number, c: number): number => f(a, arity >= 2 ? b : 0, arity >= 3 ? c : 0);
  const fn = withNarrow((a, b, c) => (calls.push("u64"), BigInt(pick(lo(a), lo(b), lo(c)))), {
    arity,
    fn: (a, b, c) => (calls.push("narrow"), pick(a, b, c)),
  });
  return new Map([[KFUNC, fn]]);
}

/** Runs `call` with r1-r3 set on an engine: r0 or the fault, the instructions counted, which forms ran. */
function outcome(engine: "interp" | "jit", arity: 1 | 2 | 3, r: readonly [bigint, bigint, bigint]): { out: string; calls: string[] } {
  const insns = assembleText(
    `lddw %r1, ${r[0]}\nlddw %r2, ${r[1]}\nlddw %r3, ${r[2]}\nmov %r4, -1\ncall runtime ${KFUNC}\nadd %r0, 1\nexit`,
  );
  const calls: string[] = [];
  const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
  const p = createRunner(engine).prepare({ insns, mem, helpers: new Map(), kfuncs: table(arity, calls), name: "n" });
  try {
    return { out: `r0 ${p.run(0n)} after ${p.lastInsnCount}`, calls };
  } catch (e) {
    assert.ok(e instanceof BpfFault, String(e));
    return { out: `${e.kind} at ${e.pc} after ${p.lastInsnCount}: ${e.message}`, calls };
  }
}

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.constantFrom(0n, 0xdeadn, 0xffffffffn, 0x80000000n, 1n << 32n, 0xffffffff_ffffffffn, 0x1_0000deadn),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);

test("the JIT calls the narrow form exactly when the arguments' high halves are zero, and the program sees what the interpreter gives", () => {
  fc.assert(
    fc.property(fc.constantFrom<1 | 2 | 3>(1, 2, 3), fc.tuple(u64, u64, u64), (arity, r) => {
      const interp = outcome("interp", arity, r);
      const jit = outcome("jit", arity, r);
      assert.equal(jit.out, interp.out);
      assert.deepEqual(interp.calls, ["u64"]);
      const narrow = r.slice(0, arity).every((v) => v >> 32n === 0n);
      assert.deepEqual(jit.calls, [narrow ? "narrow" : "u64"]);
    }),
    { numRuns: 150 },
  );
});

test("a narrow result at or above 2^31 is zero-extended into r0", () => {
  // f(0x4000_0000, 0, 0) = 0x4000_0000 * 31 mod 2^32 = 0xc0000000; the program adds 1.
  const r = [0x40000000n, 0n, 0n] as const;
  const jit = outcome("jit", 1, r);
  assert.deepEqual(jit.calls, ["narrow"]);
  assert.equal(jit.out, `r0 ${0xc0000001n} after 7`);
  assert.equal(jit.out, outcome("interp", 1, r).out);
});

test("a narrow form's throw is the u64 form's call fault: same slot, message and count", () => {
  const r = [0xdeadn, 5n, 6n] as const;
  const jit = outcome("jit", 2, r);
  assert.deepEqual(jit.calls, ["narrow"]);
  assert.match(jit.out, /^call at 7 after 5: prog "n": kfunc 77 failed: the function refused its argument/);
  assert.equal(jit.out, outcome("interp", 2, r).out);
});

test("the same bytes with and without narrow forms are two modules in the compile cache", () => {
  clearModuleCache();
  const insns = assembleText(`mov %r1, 3\ncall runtime ${KFUNC}\nexit`);
  const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
  const calls: string[] = [];
  const plain = new Map<number, BpfCallFn>([[KFUNC, (a) => (calls.push("plain"), a * 2n)]]);
  const prep = (kfuncs: Map<number, BpfCallFn>) => createRunner("jit").prepare({ insns, mem, helpers: new Map(), kfuncs, name: "n" });
  const a = prep(plain);
  const b = prep(table(1, calls));
  const c = prep(plain);
  assert.deepEqual(moduleCacheStats(), { hits: 1, misses: 2, entries: 2, checked: 0 });
  assert.equal(a.run(0n), 6n);
  assert.equal(b.run(0n), BigInt(f(3, 0, 0)));
  assert.equal(c.run(0n), 6n);
  assert.deepEqual(calls, ["plain", "narrow", "plain"]);
});
