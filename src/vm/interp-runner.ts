/**
 * @fileoverview The reference interpreter as a {@link ProgRunner} ("interp"):
 * prepare decodes and packs a program once; run sets up r1, r2, r10 and a
 * zeroed stack and executes it (vm/interp.ts).
 *
 * Each nesting level of runs (a helper that runs the same program again) has
 * its own registers and stack, allocated on first use and kept until
 * dispose. Stacks come from the program's KernelMemory with PERM_RW on the
 * open frames only (vm/stack.ts).
 */
import { BpfDecodeError, decode, jumpTarget } from "../asm/decode.js";
import type { DecodedProg } from "../asm/decode.js";
import { BpfFault, DEFAULT_INSN_BUDGET } from "../kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import { setU64 } from "./alu64.js";
import { execute, newRunContext, type Executable, type RunContext } from "./interp.js";
import { StackRegion } from "./stack.js";

/** Packs a decoded program into 4 int32 per slot for the loop (see vm/interp.ts). */
export function packProgram(prog: DecodedProg): Int32Array {
  const code = new Int32Array((prog.length + 1) * 4);
  for (let i = 0; i <= prog.length; i++) {
    const p = i * 4;
    const key = prog.key[i] as number;
    if (i === prog.length) {
      code[p] = key;
      break;
    }
    code[p] = key | ((prog.dst[i] as number) << 16) | ((prog.src[i] as number) << 20);
    const t = jumpTarget(prog, i);
    code[p + 1] = t === undefined ? (prog.off[i] as number) : t;
    code[p + 2] = prog.imm[i] as number;
    code[p + 3] = prog.imm2[i] as number;
  }
  return code;
}

class InterpProg implements PreparedProg, Executable {
  readonly name: string;
  readonly insns: Uint8Array;
  readonly code: Int32Array;
  readonly mem: KernelMemory;
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  readonly budget: number;
  lastInsnCount = 0;
  private readonly contexts: RunContext[] = [];
  private nesting = 0;
  private disposed = false;

  constructor(image: ProgImage, budget: number) {
    this.name = image.name;
    this.insns = image.insns;
    this.mem = image.mem;
    this.helpers = image.helpers;
    this.kfuncs = image.kfuncs;
    this.budget = budget;
    let decoded: DecodedProg;
    try {
      decoded = decode(image.insns);
    } catch (e) {
      if (e instanceof BpfDecodeError) throw new BpfFault("insn", e.insnIndex, `prog "${image.name}": ${e.message}`);
      throw e;
    }
    this.code = packProgram(decoded);
  }

  run(r1: bigint, r2 = 0n): bigint {
    if (this.disposed) throw new Error(`prog "${this.name}": run after dispose`);
    const level = this.nesting;
    let ctx = this.contexts[level];
    if (ctx === undefined) {
      ctx = newRunContext(new StackRegion(this.mem));
      this.contexts[level] = ctx;
    }
    this.nesting++;
    try {
      ctx.stack.reset();
      ctx.L.fill(0);
      ctx.H.fill(0);
      setU64(ctx.L, ctx.H, 1, BigInt.asUintN(64, r1));
      setU64(ctx.L, ctx.H, 2, BigInt.asUintN(64, r2));
      ctx.L[10] = ctx.stack.frameTop(0);
      return execute(this, ctx);
    } finally {
      this.nesting--;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ctx of this.contexts) ctx.stack.free();
    this.contexts.length = 0;
  }
}

/**
 * The reference interpreter. Stacks are zeroed at the start of each run
 * (the frames the previous run used); r1-r5 keep their values across helper
 * and kfunc calls.
 */
export class InterpRunner implements ProgRunner {
  readonly name = "interp";

  /**
   * Decodes `image.insns` once.
   * @throws {BpfFault} kind "insn" naming the slot when the bytecode is invalid.
   * @throws {RangeError} when `insnBudget` is not a positive integer.
   */
  prepare(image: ProgImage, opts: RunnerOptions = {}): PreparedProg {
    const budget = opts.insnBudget ?? DEFAULT_INSN_BUDGET;
    if (!Number.isSafeInteger(budget) || budget < 1) {
      throw new RangeError(`Cannot prepare program as 'insnBudget' must be a positive integer: current value is ${budget}`);
    }
    return new InterpProg(image, budget);
  }
}
