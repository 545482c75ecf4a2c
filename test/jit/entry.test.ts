/**
 * @fileoverview The JIT's entry and exit (src/jit/jit-runner.ts, compile.ts):
 * r0 comes back as the u64 the interpreter returns whether it fits main's
 * i32 result or goes through the guard slot (EXIT_R0), the guard is zeroed
 * again after either, runCtx (the kernel hooks' entry, PreparedProg.runCtx)
 * gives r1 = ctx, r2 = 0 and r0's low 32 bits on every engine, and the run
 * functions work on a host that forbids code generation from strings (their
 * general-path fallback).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assembleText } from "../../src/asm/text-asm.js";
import { KernelMemory } from "../../src/kernel/mem/memory.js";
import { createRunner } from "../../src/backend/engines.js";

const VALUES = [0n, 1n, 4095n, 4096n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];

test("r0 of every size comes back as the interpreter's u64, and the guard above frame 0 is left zeroed", () => {
  const insns = assembleText("mov %r0, %r1\nexit");
  const results: Record<string, bigint[]> = {};
  const mems: Record<string, Uint8Array> = {};
  for (const engine of ["interp", "jit"] as const) {
    const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
    const prog = createRunner(engine).prepare({ insns, mem, helpers: new Map(), kfuncs: new Map(), name: "r0" });
    results[engine] = VALUES.map((v) => prog.run(v));
    assert.equal(prog.lastInsnCount, 2, engine);
    mems[engine] = mem.u8.slice(0, mem.heapBase + (1 << 16));
  }
  assert.deepEqual(results["jit"], VALUES);
  assert.deepEqual(results["interp"], VALUES);
  assert.deepEqual(mems["jit"], mems["interp"]);
});

test("runCtx passes ctx as r1 and 0 as r2, and returns r0's low 32 bits, as run(BigInt(ctx)) does, on every engine", () => {
  // r0 = (r1 << 32 | r1) + r2: the low half is ctx, the high half shows the full r1 reached the program.
  const insns = assembleText("mov %r0, %r1\nlsh %r0, 32\nor %r0, %r1\nadd %r0, %r2\nexit");
  const CTXS = [0, 1, 4095, 4096, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];
  for (const engine of ["interp", "jit", "auto"] as const) {
    const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
    const prog = createRunner(engine).prepare({ insns, mem, helpers: new Map(), kfuncs: new Map(), name: "ctx" });
    // auto tiers up after 16 runs: 40 runs cover both of its engines.
    for (let round = 0; round < 5; round++) {
      for (const ctx of CTXS) {
        assert.equal(prog.runCtx(ctx), ctx, `${engine}: runCtx(${ctx})`);
        assert.equal(prog.lastInsnCount, 5, engine);
        assert.equal(prog.run(BigInt(ctx)), (BigInt(ctx) << 32n) | BigInt(ctx), `${engine}: run(${ctx})`);
      }
    }
    assert.equal(prog.run(7n, 1n << 40n), (7n << 32n) + 7n + (1n << 40n), `${engine}: r2 reaches the program`);
    // The JIT makes its run functions when first read (jit-runner.ts runFunctions): a caller may keep them.
    assert.equal(prog.runCtx, prog.runCtx, `${engine}: runCtx is one function`);
    prog.dispose();
    assert.throws(() => prog.runCtx(0), /run after dispose/, `${engine}: runCtx after dispose`);
  }
});

test("the JIT runs under node --disallow-code-generation-from-strings", () => {
  const runner = fileURLToPath(new URL("../../src/backend/engines.ts", import.meta.url));
  const script = `
    import { KernelMemory, createRunner } from ${JSON.stringify(runner)};
    const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
    const insns = new Uint8Array([0xb7, 0, 0, 0, 42, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const p = createRunner("jit").prepare({ insns, mem, helpers: new Map(), kfuncs: new Map(), name: "x" });
    let threw = false;
    try { new Function("return 1"); } catch { threw = true; }
    // One string: console.log colours numbers and booleans when FORCE_COLOR is set (node --test sets it under a terminal).
    process.stdout.write(\`\${p.run(0n)} \${p.runCtx(0)} \${p.lastInsnCount} \${threw}\\n\`);
  `;
  const r = spawnSync(process.execPath, ["--disallow-code-generation-from-strings", "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "42 42 2 true");
});
