/**
 * @fileoverview The JIT's compile cache (src/jit/module-cache.ts): loading
 * the same instruction bytes again reuses the compiled module and runs the
 * same, in another kernel memory too, with its own helpers; any byte that
 * differs (another immediate, as a relocation writes) or another memory size
 * compiles anew; a cached program faults as a fresh one does; and the
 * checked copies (compile.ts translateChecked) are compiled only when a run
 * first nears its budget, once per cached module, and stop the run where
 * the interpreter stops it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assembleText } from "../../src/asm/text-asm.js";
import { KernelMemory } from "../../src/kernel/mem/memory.js";
import { createRunner } from "../../src/backend/engines.js";
import { BpfFault } from "../../src/kernel/prog/runner.js";
import type { BpfCallFn } from "../../src/kernel/prog/runner.js";
import { clearModuleCache, moduleCacheStats } from "../../src/jit/module-cache.js";

const mem = (maxBytes = 1 << 20): KernelMemory => new KernelMemory({ maxBytes, initialHeapBytes: 1 << 16 });
const prepare = (insns: Uint8Array, m: KernelMemory, helpers = new Map<number, BpfCallFn>()) =>
  createRunner("jit").prepare({ insns, mem: m, helpers, kfuncs: new Map(), name: "c" });

test("the same bytes compile once; each load keeps its own memory and helpers", () => {
  clearModuleCache();
  // r0 = bpf_get_prandom_u32() + r1: the helper is an import, so each load may bind its own.
  const insns = assembleText("mov %r6, %r1\ncall 7\nadd %r0, %r6\nexit");
  const a = prepare(insns, mem(), new Map([[7, () => 100n]]));
  const b = prepare(insns, mem(), new Map([[7, () => 200n]]));
  assert.deepEqual(moduleCacheStats(), { hits: 1, misses: 1, entries: 1, checked: 0 });
  assert.equal(a.run(1n), 101n);
  assert.equal(b.run(1n), 201n);
  assert.equal(b.lastInsnCount, 4);
});

test("another immediate (a relocation) or another memory size is another module", () => {
  clearModuleCache();
  prepare(assembleText("mov %r0, 1\nexit"), mem());
  const two = prepare(assembleText("mov %r0, 2\nexit"), mem());
  const big = prepare(assembleText("mov %r0, 1\nexit"), mem(1 << 21));
  assert.deepEqual(moduleCacheStats(), { hits: 0, misses: 3, entries: 3, checked: 0 });
  assert.equal(two.run(0n), 2n);
  assert.equal(big.run(0n), 1n);
});

test("a program from the cache faults as a freshly compiled one does", () => {
  clearModuleCache();
  const insns = assembleText("ldxdw %r0, [%r1]\nexit");
  const faults: string[] = [];
  for (let i = 0; i < 2; i++) {
    const p = prepare(insns, mem());
    assert.throws(() => p.run(1n << 40n), (e: unknown) => {
      assert.ok(e instanceof BpfFault);
      faults.push(`${e.kind} ${e.message}`);
      return true;
    });
  }
  assert.equal(moduleCacheStats().hits, 1);
  assert.equal(faults[0], faults[1]);
});

test("the checked copies compile on the first run that nears its budget, once per module, and stop where the interpreter stops", () => {
  clearModuleCache();
  // A loop of 3 instructions per turn: the fast code's check point at the loop head hands a run
  // with less budget left than a turn to the checked copy (budget.ts).
  const insns = assembleText("mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 1000, loop\nexit");
  const outcome = (engine: "interp" | "jit", budget: number): string => {
    const p = createRunner(engine).prepare({ insns, mem: mem(), helpers: new Map(), kfuncs: new Map(), name: "c" }, { insnBudget: budget });
    try {
      return `r0 ${p.run(0n)} after ${p.lastInsnCount}`;
    } catch (e) {
      assert.ok(e instanceof BpfFault, String(e));
      return `${e.kind} at ${e.pc} after ${p.lastInsnCount}: ${e.message}`;
    }
  };
  assert.equal(outcome("jit", 10_000), outcome("interp", 10_000));
  assert.equal(moduleCacheStats().checked, 0, "a run that never nears its budget compiles no checked copy");
  for (const budget of [50, 51, 52, 2000]) {
    assert.equal(outcome("jit", budget), outcome("interp", budget), `budget ${budget}`);
    assert.deepEqual(moduleCacheStats(), { hits: budget === 50 ? 1 : 2 + [51, 52, 2000].indexOf(budget), misses: 1, entries: 1, checked: 1 });
  }
});
