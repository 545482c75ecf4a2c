/**
 * @fileoverview Property test of the interpreter's Wasm loop (vm/wasm-loop.ts)
 * against the JavaScript loop it hands over to (vm/interp.ts), which is the
 * reference: generated programs (test/jit/gen.ts: every opcode class, branches,
 * loops, bpf-to-bpf calls with frameless callees, helpers, kfuncs, nested
 * runs, memory traffic and faults of every kind, budgets ending anywhere) run
 * on both, each in its own identical kernel memory. Both must give the same r0
 * or BpfFault (kind, slot, message), the same instruction count, and the same
 * memory (regions, stacks, permission shadow) after every run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { disassemble } from "../asm/disasm.js";
import { InterpRunner } from "./interp-runner.js";
import { assembleSpecs, framelessProgSpec, progSpec } from "../../test/jit/gen.js";
import { runOnEngine } from "../../test/jit/engine-run.js";

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Runs `insns` on both loops and compares everything a run leaves. */
function compareLoops(insns: Uint8Array, budget: number): void {
  const opts = { between: true, reentrant: true, otherErrors: "rethrow" } as const;
  const ref = runOnEngine(new InterpRunner({ loop: "js" }), insns, budget, opts);
  const got = runOnEngine(new InterpRunner({ loop: "wasm" }), insns, budget, opts);
  const listing = `\nprogram (budget ${budget}):\n${disassemble(insns)}`;
  assert.deepEqual(got.results, ref.results, `results differ${listing}`);
  ref.after.forEach((m, run) => {
    const d = firstDiff(got.after[run] as Uint8Array, m);
    assert.equal(d, -1, `memory after run ${run} differs at 0x${d.toString(16)}${listing}`);
  });
  const d = firstDiff(got.memory, ref.memory);
  assert.equal(d, -1, `memory differs at 0x${d.toString(16)}${listing}`);
}

const budgetArb = fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 3000 }), fc.constant(1_000_000));

test("the Wasm loop and the JavaScript loop agree on generated programs: r0, faults, counts, memory after each run", () => {
  fc.assert(
    fc.property(progSpec, budgetArb, (spec, budget) => compareLoops(assembleSpecs(spec), budget)),
    { numRuns: Number(process.env["STRUCTOPS_DIFF_RUNS"] ?? 1500), seed: 0x3a51, endOnFailure: true, includeErrorInReport: true },
  );
});

test("the Wasm loop and the JavaScript loop agree on frameless callees (vm/frameless.ts), faults inside them included", () => {
  fc.assert(
    fc.property(framelessProgSpec, budgetArb, (spec, budget) => compareLoops(assembleSpecs(spec), budget)),
    { numRuns: 500, seed: 0x3a52, endOnFailure: true, includeErrorInReport: true },
  );
});
