/**
 * @fileoverview Tiered execution as a {@link ProgRunner} ("auto"): a program
 * starts on the reference interpreter and is compiled by the JIT once it is
 * hot (enough runs, or enough instructions executed), as kernels and
 * JavaScript engines tier up. Both engines give identical results (test/jit),
 * so the switch is invisible except in speed.
 *
 * The switch happens only between outermost runs (never while a helper runs
 * the program again). The compiled program gets stacks at the addresses the
 * interpreter's had (they are freed and allocated again in the order that
 * returns the same addresses), so even r10 keeps its value across the
 * switch. A program the JIT refuses (an instruction budget of 2^31 or more,
 * or beyond the limits of limits.ts) or fails to compile stays on the
 * interpreter, with the reason passed to RunnerOptions.log.
 */
import type { PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
import { DEFAULT_INSN_BUDGET } from "../kernel/prog/runner.js";
import { InterpRunner } from "../vm/interp-runner.js";
import { StackRegion } from "../vm/stack.js";
import { JitProg } from "./jit-runner.js";
import { MAX_JIT_INSNS, checkLimit, refusalReason } from "./limits.js";

/** When to compile: after this many runs, or this many interpreted instructions, whichever comes first. */
export interface AutoOptions {
  readonly hotRuns?: number;
  readonly hotInsns?: number;
}

const DEFAULT_HOT_RUNS = 16;
const DEFAULT_HOT_INSNS = 100_000;

class AutoProg implements PreparedProg {
  private current: PreparedProg;
  private jit: JitProg | undefined;
  private runs = 0;
  private insns = 0;
  private nesting = 0;
  private maxNesting = 0;
  private tiered = false;

  constructor(
    private readonly image: ProgImage,
    private readonly opts: RunnerOptions,
    private readonly hotRuns: number,
    private readonly hotInsns: number,
  ) {
    this.current = new InterpRunner().prepare(image, opts);
  }

  get lastInsnCount(): number {
    return this.current.lastInsnCount;
  }

  /** Which engine runs the program now. */
  get engine(): "interp" | "jit" {
    return this.jit === undefined ? "interp" : "jit";
  }

  run(r1: bigint, r2 = 0n): bigint {
    // Once tiered (or staying on the interpreter for good), nothing is counted any more.
    if (this.tiered) return this.current.run(r1, r2);
    return this.counted(() => this.current.run(r1, r2));
  }

  runCtx(ctx: number): number {
    if (this.tiered) return this.current.runCtx(ctx);
    return this.counted(() => this.current.runCtx(ctx));
  }

  /** A run before tier-up: tiers up first when hot, and counts the run and its instructions. */
  private counted<T>(go: () => T): T {
    if (this.nesting === 0 && (this.runs >= this.hotRuns || this.insns >= this.hotInsns)) this.tierUp();
    this.nesting++;
    if (this.nesting > this.maxNesting) this.maxNesting = this.nesting;
    try {
      return go();
    } finally {
      this.nesting--;
      if (!this.tiered) {
        this.runs++;
        this.insns += this.current.lastInsnCount;
      }
    }
  }

  private tierUp(): void {
    this.tiered = true;
    const budget = this.opts.insnBudget ?? DEFAULT_INSN_BUDGET;
    if (budget > 0x7fffffff) return;
    let jit: JitProg;
    try {
      checkLimit("instruction slots", MAX_JIT_INSNS, this.image.insns.length >>> 3);
      jit = new JitProg(this.image, budget);
    } catch (e) {
      // Refused (limits.ts) or a JIT bug: the program keeps running on the
      // interpreter, and the reason goes to the log, never to the caller.
      const reason = refusalReason(e) ?? `jit: compile failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      this.opts.log?.(`prog "${this.image.name}": ${reason}; staying on the interpreter`);
      return;
    }
    // The interpreter allocated one stack per nesting level, in level order,
    // and frees them in that order; allocating as many again returns them
    // last-freed first.
    this.current.dispose();
    const stacks: StackRegion[] = [];
    for (let k = 0; k < this.maxNesting; k++) stacks.push(new StackRegion(this.image.mem));
    stacks.reverse();
    jit.adoptStacks(stacks);
    this.jit = jit;
    this.current = jit;
  }

  dispose(): void {
    this.current.dispose();
  }
}

/** Interpret first, compile once hot (`"auto"`). */
export class AutoRunner implements ProgRunner {
  readonly name = "auto";
  private readonly hotRuns: number;
  private readonly hotInsns: number;

  constructor(opts: AutoOptions = {}) {
    this.hotRuns = opts.hotRuns ?? DEFAULT_HOT_RUNS;
    this.hotInsns = opts.hotInsns ?? DEFAULT_HOT_INSNS;
  }

  /**
   * Prepares `image` on the interpreter (validating it as the interpreter does).
   * @throws {BpfFault} kind "insn" when the bytecode is invalid.
   */
  prepare(image: ProgImage, opts: RunnerOptions = {}): PreparedProg {
    return new AutoProg(image, opts, this.hotRuns, this.hotInsns);
  }
}
