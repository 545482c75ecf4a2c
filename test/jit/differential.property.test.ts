/**
 * @fileoverview Differential property tests: thousands of generated programs
 * (test/jit/gen.ts: every opcode class, branches both ways, bounded and
 * unbounded loops, bpf-to-bpf calls, helpers, kfuncs, nested runs, memory
 * traffic and faults) run on the interpreter (the reference) and on the JIT,
 * each in its own identical kernel memory. Both must give the same r0 or the
 * same BpfFault (kind, slot, message), the same instruction count, and leave
 * the same memory (regions, stacks and permission shadow), over two runs.
 * A failing case is shrunk by fast-check and printed as disassembly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { disassemble } from "../../src/asm/disasm.js";
import type { ProgRunner } from "../../src/kernel/prog/runner.js";
import { InterpRunner } from "../../src/vm/interp-runner.js";
import { AutoRunner, JitRunner } from "../../src/jit/index.js";
import { decode } from "../../src/asm/decode.js";
import { buildCfg } from "../../src/jit/cfg.js";
import { framelessFuncs, inlineLeaf } from "../../src/jit/frames.js";
import { stackReach } from "../../src/vm/stack-reach.js";
import { assembleSpecs, framelessProgSpec, progSpec } from "./gen.js";
import { runOnEngine } from "./engine-run.js";
import type { EngineOutcome } from "./engine-run.js";

/** A run on one engine, as the properties below compare them. */
function runOn(runner: ProgRunner, insns: Uint8Array, budget: number, between = false): EngineOutcome {
  return runOnEngine(runner, insns, budget, { between, reentrant: true, otherErrors: "rethrow" });
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function compare(insns: Uint8Array, budget: number, other: ProgRunner, between = false): void {
  const ref = runOn(new InterpRunner(), insns, budget, between);
  const got = runOn(other, insns, budget, between);
  const listing = `\nprogram (budget ${budget}):\n${disassemble(insns)}`;
  assert.deepEqual(got.results, ref.results, `results differ on ${other.name}${listing}`);
  ref.after.forEach((m, run) => {
    const d = firstDiff(got.after[run] as Uint8Array, m);
    assert.equal(d, -1, `memory after run ${run} differs at 0x${d.toString(16)} on ${other.name}${listing}`);
  });
  const d = firstDiff(got.memory, ref.memory);
  assert.equal(d, -1, `memory differs at 0x${d.toString(16)} on ${other.name}${listing}`);
}

/**
 * The interpreter with every bpf-to-bpf call opening its callee's frame (the
 * CALL_* flags of vm/frameless.ts cleared in the packed code): the eager
 * behaviour the frameless fast path must be indistinguishable from.
 */
const eagerInterp: ProgRunner = {
  name: "interp-eager",
  prepare(image, opts) {
    const prog = new InterpRunner({ loop: "js" }).prepare(image, opts);
    const ram = (prog as unknown as { ram: Int32Array }).ram;
    for (let p = 32; p + 3 < ram.length; p += 4) if (((ram[p] as number) & 0xffff) === 0x140) ram[p + 3] = 0;
    return prog;
  },
};

const budgetArb = fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 3000 }));

test("the JIT and the interpreter agree on generated programs: r0, faults, counts, memory", () => {
  fc.assert(
    fc.property(progSpec, budgetArb, (spec, budget) => compare(assembleSpecs(spec), budget, new JitRunner())),
    { numRuns: Number(process.env["STRUCTOPS_DIFF_RUNS"] ?? 2500), seed: 0x5eed, endOnFailure: true, includeErrorInReport: true },
  );
});

test("the auto engine (tiering mid-sequence) agrees with the interpreter", () => {
  fc.assert(
    fc.property(progSpec, budgetArb, (spec, budget) => compare(assembleSpecs(spec), budget, new AutoRunner({ hotRuns: 1 }))),
    { numRuns: 300, seed: 0xa070, endOnFailure: true, includeErrorInReport: true },
  );
});

/** The interpreter's instruction count of a program's first run with a large budget. */
function countOf(insns: Uint8Array): number {
  const out = runOn(new InterpRunner(), insns, 100_000).results[0] ?? "";
  const m = /insns=(\d+)/.exec(out);
  return m === null ? 0 : Number(m[1]);
}

/** Budgets 1 .. count + 1: every one when few, else evenly spread with both ends. */
function sweep(count: number, most = 48): number[] {
  const n = count + 1;
  if (n <= most) return Array.from({ length: n }, (_, i) => i + 1);
  return Array.from({ length: most }, (_, i) => 1 + Math.round((i * (n - 1)) / (most - 1)));
}

test("budget check points (src/jit/budget.ts): a budget ending at any instruction stops where the interpreter does", () => {
  // Straight-line stretches, loops, calls and inlined leaves, each run with budgets
  // ending at every instruction of the run (or spread over it), so the budget
  // expires in the middle of blocks, at check points and inside inlined callees,
  // and the lazily subtracted count (compile.ts: flushed at branches to merges
  // and loops, calls, exits; faults subtract what is pending) is exact on every path.
  let swept = 0;
  fc.assert(
    fc.property(fc.oneof(progSpec, framelessProgSpec), (spec) => {
      const insns = assembleSpecs(spec);
      for (const budget of sweep(countOf(insns))) {
        compare(insns, budget, new JitRunner(), true);
        swept++;
      }
    }),
    { numRuns: 150, seed: 0xb0d9e7, endOnFailure: true, includeErrorInReport: true },
  );
  assert.ok(swept > 1000, `only ${swept} budgets swept`);
});

test("the interpreter's frameless callees (src/vm/frameless.ts) leave what opening every frame leaves, faults included", () => {
  fc.assert(
    fc.property(fc.oneof(framelessProgSpec, progSpec), budgetArb, (spec, budget) => compare(assembleSpecs(spec), budget, eagerInterp, true)),
    { numRuns: 800, seed: 0x1a2f, endOnFailure: true, includeErrorInReport: true },
  );
});

test("frameless callees and a narrowed stack reset (src/jit/frames.ts) agree with the interpreter, faults included", () => {
  let frameless = 0;
  let narrow = 0;
  let inlined = 0;
  fc.assert(
    fc.property(framelessProgSpec, budgetArb, (spec, budget) => {
      const insns = assembleSpecs(spec);
      const decoded = decode(insns);
      const cfg = buildCfg(decoded);
      const fl = framelessFuncs(cfg);
      if (fl.some((f) => f)) frameless++;
      if (cfg.funcs.some((_, fi) => inlineLeaf(cfg, fi, fl) !== undefined)) inlined++;
      if (stackReach(decoded) < 512) narrow++;
      compare(insns, budget, new JitRunner(), true);
    }),
    { numRuns: 800, seed: 0xf4a3e, endOnFailure: true, includeErrorInReport: true },
  );
  // The generator must exercise what it is for.
  assert.ok(frameless > 700, `only ${frameless} of 800 programs had a frameless callee`);
  assert.ok(inlined > 100, `only ${inlined} of 800 programs had an inlined callee`);
  assert.ok(narrow > 40, `only ${narrow} of 800 programs had a narrowed stack reach`);
});
