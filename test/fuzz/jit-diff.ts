/**
 * @fileoverview Fuzzer 3: the interpreter (the reference) against the JIT on
 * generated programs, each run twice in its own identical kernel memory;
 * r0 or the fault (kind, pc, message), the instruction count (budget
 * behaviour included) and the memory left must agree. Two fuzzers:
 * `jit` runs test/jit/gen.ts's programs (every opcode class, calls, loops,
 * faults); `jit-long` runs long and deeply branching ones: 10k-100k straight
 * instructions, chains of if/else diamonds, diamonds nested thousands deep,
 * nested bounded loops, and mixtures, with budgets below and above their
 * instruction counts. An exception other than a BpfFault from either engine
 * (the JIT's RangeError on deep recursion, say) is a difference too; a
 * JitLimitError (a typed refusal) is not, when the auto engine (which falls
 * back to the interpreter) agrees.
 */
import fc from "fast-check";
import { BPF_EXIT_INSN, BPF_LABEL, BPF_RAW_INSN, assemble } from "../../src/asm/builders.js";
import type { AsmItem, BpfInsn } from "../../src/asm/builders.js";
import type { ProgRunner } from "../../src/kernel/prog/runner.js";
import { InterpRunner } from "../../src/vm/interp-runner.js";
import { AutoRunner, JitRunner } from "../../src/jit/index.js";
import { assembleSpecs, progSpec } from "../jit/gen.js";
import type { ProgSpec } from "../jit/gen.js";
import type { Fuzzer } from "./framework.js";
import { fromJson } from "./framework.js";
import { runOnEngine } from "../jit/engine-run.js";
import type { EngineOutcome } from "../jit/engine-run.js";
import { mulberry32 } from "../prng.js";

/** Prepares and runs `insns` twice on `runner` in a fresh memory (test/jit/engine-run.ts, as the differential test does). */
export function runOn(runner: ProgRunner, insns: Uint8Array, budget: number): EngineOutcome {
  return runOnEngine(runner, insns, budget, { otherErrors: "record" });
}

/** The difference between the engines on `insns`, or null. */
export function differ(insns: Uint8Array, budget: number): string | null {
  const ref = runOn(new InterpRunner(), insns, budget);
  let got = runOn(new JitRunner(), insns, budget);
  let other = "jit";
  // A JIT that refuses a program past its limits with its typed error (h/jit's JitLimitError) is
  // allowed; the auto engine, which then falls back to the interpreter, must still agree.
  if (got.results[0]?.startsWith("prepare threw JitLimitError") === true) {
    got = runOn(new AutoRunner({ hotRuns: 1 }), insns, budget);
    other = "auto";
  }
  const a = ref.results.join(" | ");
  const b = got.results.join(" | ");
  const n = insns.length / 8;
  if (a !== b) return `interp and ${other} differ on a ${n}-instruction program (budget ${budget}):\n  interp: ${a}\n  ${`${other}:`.padEnd(7)} ${b}`;
  if (ref.memory.length !== got.memory.length) return `memory sizes differ on a ${n}-instruction program (budget ${budget})`;
  for (let i = 0; i < ref.memory.length; i++) {
    if (ref.memory[i] !== got.memory[i]) return `memory differs at 0x${i.toString(16)} on a ${n}-instruction program (budget ${budget})`;
  }
  return null;
}

// ---- jit: the differential test's generator ---------------------------------

export interface ShortInput {
  readonly spec: ProgSpec;
  readonly budget: number;
}

export const jitFuzzer: Fuzzer<ShortInput> = {
  name: "jit",
  description: "interpreter/JIT differential on test/jit/gen.ts programs (every opcode class, calls, loops, faults)",
  arbitrary: fc.record({ spec: progSpec, budget: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 3000 })) }),
  check: (i) => {
    const v = differ(assembleSpecs(i.spec), i.budget);
    return Promise.resolve(v === null ? null : `${v}\nspec: ${JSON.stringify(i.spec, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x))}`);
  },
};

// ---- jit-long: long and deeply branching programs ---------------------------

export type LongShape = "straight" | "diamonds" | "nested" | "loops" | "mixed";

export interface LongInput {
  readonly shape: LongShape;
  /** Size knob: instructions (straight), diamonds, nesting depth, loop depth... */
  readonly n: number;
  /** Seeds the operations and constants (a small PRNG, so huge programs need no huge input). */
  readonly seed: number;
  /** Budget as a fraction of a generous bound (0: tiny budget, 1: enough). */
  readonly budget: number;
}

const r = BPF_RAW_INSN;
/** ALU ops safe on any values (no division: the engines agree on it too, but keep r0 busy). */
const ALU = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0xa7, 0xaf, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x77, 0xc7, 0x04, 0x0c, 0xb7, 0xbf, 0x37, 0x97, 0x3f, 0x9f];

function alu(rand: () => number): BpfInsn {
  const op = ALU[Math.floor(rand() * ALU.length)] as number;
  // r6-r9 are the loop counters: written only by the loops.
  const dst = [0, 3, 4, 5][Math.floor(rand() * 4)] as number;
  const x = (op & 0x08) !== 0;
  const src = x ? [0, 3, 4, 5, 6, 7, 8][Math.floor(rand() * 7)] as number : 0;
  const isShift = (op & 0xf0) === 0x60 || (op & 0xf0) === 0x70 || (op & 0xf0) === 0xc0;
  const imm = isShift ? Math.floor(rand() * 64) : Math.floor(rand() * 2000) - 1000;
  return r(op, dst, src, 0, x ? 0 : imm);
}

function jcond(rand: () => number, target: string): BpfInsn {
  const ops = [0x15, 0x55, 0x25, 0x35, 0xa5, 0xb5, 0x45, 0x65, 0x75, 0x1d, 0x5d, 0x2d];
  const op = ops[Math.floor(rand() * ops.length)] as number;
  const x = (op & 0x08) !== 0;
  return { ...r(op, [0, 3, 4, 5][Math.floor(rand() * 4)] as number, x ? ([3, 4, 5, 6][Math.floor(rand() * 4)] as number) : 0, 0, x ? 0 : Math.floor(rand() * 200) - 50), target } as BpfInsn;
}

/** The program of a long input. */
export function buildLong(i: LongInput): Uint8Array {
  const rand = mulberry32(i.seed);
  const out: AsmItem[] = [];
  let u = 0;
  const lbl = (): string => `L${u++}`;
  // Registers start known (the hook's args are r1, r2): seed r0, r3-r8.
  for (const reg of [0, 3, 4, 5, 6, 7, 8]) out.push(r(0xb7, reg, 0, 0, Math.floor(rand() * 100)));
  const straight = (n: number): void => {
    for (let k = 0; k < n; k++) out.push(alu(rand));
  };
  const diamond = (): void => {
    const els = lbl();
    const join = lbl();
    out.push(jcond(rand, els));
    straight(1 + Math.floor(rand() * 3));
    out.push({ ...r(0x05, 0, 0, 0, 0), target: join } as BpfInsn, BPF_LABEL(els));
    straight(1 + Math.floor(rand() * 3));
    out.push(BPF_LABEL(join));
  };
  const nested = (depth: number): void => {
    // if (c) { a; <nested depth-1>; b } else { c }: a diamond per level, each holding the next.
    const ends: Array<[string, string]> = [];
    for (let d = 0; d < depth; d++) {
      const els = lbl();
      const join = lbl();
      out.push(jcond(rand, els), alu(rand));
      ends.push([els, join]);
    }
    for (let d = depth - 1; d >= 0; d--) {
      const [els, join] = ends[d] as [string, string];
      out.push(alu(rand), { ...r(0x05, 0, 0, 0, 0), target: join } as BpfInsn, BPF_LABEL(els), alu(rand), BPF_LABEL(join));
    }
  };
  const loops = (depth: number): void => {
    // Nested counted loops on the stack-free counters r6..: for (rK = c; rK != 0; rK--) { ... }.
    const regs = [6, 7, 8, 9].slice(0, Math.min(4, depth));
    const heads: string[] = [];
    for (const reg of regs) {
      const h = lbl();
      out.push(r(0xb7, reg, 0, 0, 1 + Math.floor(rand() * 6)), BPF_LABEL(h));
      heads.push(h);
      out.push(r(0x07, 0, 0, 0, Math.floor(rand() * 7)));
    }
    straight(2 + Math.floor(rand() * 8));
    for (let k = regs.length - 1; k >= 0; k--) {
      out.push(r(0x07, regs[k] as number, 0, 0, -1), { ...r(0x55, regs[k] as number, 0, 0, 0), target: heads[k] as string } as BpfInsn);
    }
  };
  switch (i.shape) {
    case "straight": straight(i.n); break;
    case "diamonds": for (let k = 0; k < i.n; k++) diamond(); break;
    case "nested": nested(i.n); break;
    case "loops": for (let k = 0; k < Math.max(1, Math.floor(i.n / 40)); k++) loops(1 + (k % 4)); break;
    case "mixed":
      while (out.length < i.n) {
        const c = rand();
        if (c < 0.4) straight(20 + Math.floor(rand() * 200));
        else if (c < 0.7) diamond();
        else if (c < 0.85) nested(2 + Math.floor(rand() * 30));
        else loops(1 + Math.floor(rand() * 3));
      }
      break;
  }
  out.push(BPF_EXIT_INSN());
  return assemble(out);
}

/** Sizes per shape: 10k-100k instructions, or thousands of diamonds / nesting levels (at most 4500: 7 instructions a level, and a jump offset is 16 bits). */
const longInput: fc.Arbitrary<LongInput> = fc.oneof(
  fc.record({ shape: fc.constant<LongShape>("straight"), n: fc.integer({ min: 10_000, max: 100_000 }), seed: fc.nat(), budget: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ shape: fc.constant<LongShape>("diamonds"), n: fc.integer({ min: 2_000, max: 15_000 }), seed: fc.nat(), budget: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ shape: fc.constant<LongShape>("nested"), n: fc.integer({ min: 100, max: 4_500 }), seed: fc.nat(), budget: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ shape: fc.constant<LongShape>("loops"), n: fc.integer({ min: 40, max: 20_000 }), seed: fc.nat(), budget: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ shape: fc.constant<LongShape>("mixed"), n: fc.integer({ min: 10_000, max: 60_000 }), seed: fc.nat(), budget: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

export function checkLong(i: LongInput): string | null {
  const insns = buildLong(i);
  // Every instruction once, plus loop iterations (at most 6^4 per nest): a budget past it is "enough".
  const bound = insns.length / 8 + (i.shape === "loops" || i.shape === "mixed" ? (insns.length / 8) * 1300 : 0);
  const budget = Math.max(1, Math.min(1 << 30, Math.round(i.budget * 1.1 * bound)));
  const v = differ(insns, budget);
  return v === null ? null : `${v}\ninput: ${JSON.stringify(i)}`;
}

export const jitLongFuzzer: Fuzzer<LongInput> = {
  name: "jit-long",
  description: "interpreter/JIT differential on long (10k-100k) and deeply branching programs (diamond chains, deep nesting, nested loops)",
  arbitrary: longInput,
  check: (i) => Promise.resolve(checkLong(i)),
};

export const decodeShort = (j: unknown): ShortInput => fromJson<ShortInput>(j);
export const decodeLong = (j: unknown): LongInput => fromJson<LongInput>(j);
