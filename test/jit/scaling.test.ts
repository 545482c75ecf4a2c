/**
 * @fileoverview The engines on programs that are long or branch deeply
 * (test/jit/large-gen.ts): up to the kernel's 1,000,000-instruction limit
 * (BPF_COMPLEXITY_LIMIT_INSNS, kernel/bpf/syscall.c bpf_prog_load), every
 * program either compiles or is refused by the JIT with a JitLimitError
 * naming the limit and the measured value, and then runs on the
 * interpreter with the reason logged (src/jit/limits.ts). On "interp",
 * "jit" and "auto" the results (r0 and instruction counts) are the
 * interpreter's. No engine may fail with a JS stack overflow.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { KernelMemory } from "../../src/kernel/mem/memory.js";
import type { ProgRunner } from "../../src/kernel/prog/runner.js";
import { InterpRunner } from "../../src/vm/interp-runner.js";
import { AutoRunner, JitProg, JitRunner, translate } from "../../src/jit/index.js";
import { JitLimitError, MAX_JIT_INSNS, V8_MAX_BR_TABLE } from "../../src/jit/limits.js";
import { decode } from "../../src/asm/decode.js";
import { assembleSpecs, progSpec } from "./gen.js";
import { diamondChain, jaChain, longProgram, longProgramArb, nestedDiamonds, nestedLoops, straightLine } from "./large-gen.js";

const INPUTS = [0n, 5n, 0x1234_5678n, 0xffff_ffff_ffff_fff0n];

interface Outcome {
  readonly results: string[];
  readonly log: string[];
  /** Whether the program ended up compiled (jit and auto only). */
  readonly compiled: boolean;
}

/** Runs `insns` once per input (auto tiers up after the first run). */
function runOn(runner: ProgRunner, insns: Uint8Array): Outcome {
  const mem = new KernelMemory({ maxBytes: 4 << 20, initialHeapBytes: 1 << 16 });
  const log: string[] = [];
  const prog = runner.prepare({ insns, mem, helpers: new Map(), kfuncs: new Map(), name: "long" }, { log: (m) => log.push(m) });
  const results = INPUTS.map((r1) => `r0=0x${prog.run(r1).toString(16)} insns=${prog.lastInsnCount}`);
  const compiled = prog instanceof JitProg || (prog as { engine?: string }).engine === "jit";
  prog.dispose();
  return { results, log, compiled };
}

const engines = (): ProgRunner[] => [new JitRunner(), new AutoRunner({ hotRuns: 1 })];

/**
 * Checks every engine against the interpreter on `insns`; `refusal`: the
 * JitLimitError the JIT must refuse with, or undefined when it must compile.
 */
function agree(insns: Uint8Array, refusal: { what: string; limit: number; measured: number } | undefined, runners = engines()): void {
  const ref = runOn(new InterpRunner(), insns);
  for (const runner of runners) {
    const got = runOn(runner, insns);
    assert.deepEqual(got.results, ref.results, `results on ${runner.name}`);
    if (refusal === undefined) {
      assert.equal(got.compiled, true, `compiled on ${runner.name}`);
      assert.deepEqual(got.log, []);
    } else {
      assert.equal(got.compiled, false, `not compiled on ${runner.name}`);
      const msg = new JitLimitError(refusal.what, refusal.limit, refusal.measured).message;
      assert.equal(got.log.length, 1, `one log line on ${runner.name}`);
      assert.ok(got.log[0]?.includes(msg), `${runner.name} logs "${msg}": ${got.log[0]}`);
    }
  }
}

/** The JitLimitError translate throws on `insns` (asserting it throws one). */
function refusal(insns: Uint8Array): JitLimitError {
  try {
    translate(decode(insns), { maxBytes: 4 << 20, minPages: 64 });
  } catch (e) {
    if (e instanceof JitLimitError) return e;
    throw e;
  }
  assert.fail("translate accepted the program");
}

test("5,000 `ja +0` compile and run alike on every engine", () => {
  agree(jaChain(5000), undefined);
});

test("100,000 `ja +0`: refused for V8's br_table limit (the checked copy's dispatch), same results everywhere", () => {
  const insns = jaChain(100_000);
  const e = refusal(insns);
  assert.equal(e.limit, V8_MAX_BR_TABLE);
  assert.equal(e.what, "basic blocks in one function");
  assert.ok(e.measured > V8_MAX_BR_TABLE);
  agree(insns, e);
});

test("a 1,000,000-instruction straight-line program: refused for the JIT's instruction limit, same results everywhere", () => {
  const insns = straightLine(1_000_000);
  const e = refusal(insns);
  assert.deepEqual([e.what, e.limit, e.measured], ["instruction slots", MAX_JIT_INSNS, 1_000_000]);
  agree(insns, e);
});

test("100,000 if/else diamonds in a chain (400,002 instructions): refused, same results everywhere", () => {
  const insns = diamondChain(100_000);
  const e = refusal(insns);
  assert.deepEqual([e.what, e.measured], ["instruction slots", 400_002]);
  agree(insns, e);
});

test("5,000 diamonds in a chain and if/else nested 2,000 deep compile and run alike", () => {
  agree(diamondChain(5000), undefined);
  agree(nestedDiamonds(2000), undefined);
});

test("nested loops (each level's counter on the stack) compile and run alike", () => {
  agree(nestedLoops(3, 5), undefined);
  agree(nestedLoops(6, 2), undefined);
});

test("a straight-line program at the instruction limit compiles (on jit: auto compiles the same way)", () => {
  agree(straightLine(MAX_JIT_INSNS), undefined, [new JitRunner()]);
});

test("generated long, deeply branching programs: every engine agrees with the interpreter", () => {
  fc.assert(
    fc.property(longProgramArb(4, 2000), (parts) => {
      const insns = longProgram(parts);
      const ref = runOn(new InterpRunner(), insns);
      for (const runner of engines()) {
        const got = runOn(runner, insns);
        assert.deepEqual(got.results, ref.results, `results on ${runner.name} for ${JSON.stringify(parts)}`);
        assert.equal(got.compiled, true, `compiled on ${runner.name}: ${got.log.join("; ")}`);
      }
    }),
    { numRuns: Number(process.env["STRUCTOPS_LONG_RUNS"] ?? 15), seed: 0x10c6, endOnFailure: true },
  );
});

test("the early size check never refuses what V8 would accept: Code.minBytes is at most the encoded body", () => {
  fc.assert(
    fc.property(progSpec, (spec) => {
      const t = translate(decode(assembleSpecs(spec)), { maxBytes: 4 << 20, minPages: 64 });
      const sizes = new Map<string, number>();
      t.module.encode((name, bytes) => sizes.set(name, bytes));
      for (const f of t.module.funcs) assert.ok(f.code.minBytes <= (sizes.get(f.name) as number), `${f.name}: ${f.code.minBytes} > ${sizes.get(f.name)}`);
    }),
    { numRuns: 200, seed: 0x5123 },
  );
});
