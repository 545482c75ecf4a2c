/**
 * @fileoverview The reference interpreter as a {@link ProgRunner} ("interp"):
 * prepare decodes and packs a program once; run sets up r1, r2, r10 and a
 * zeroed stack and executes it (vm/interp.ts). The reset zeroes what the
 * previous run could have written (vm/stack-reach.ts), not the whole frame.
 *
 * Each nesting level of runs (a helper that runs the same program again) has
 * its own stack and call frames, allocated on first use and kept until
 * dispose; a nested run saves and restores the caller's registers, which
 * live in the program's ram (vm/layout.ts). Stacks come from the program's KernelMemory with PERM_RW on the
 * open frames only (vm/stack.ts).
 */
import { BpfDecodeError, decode } from "../asm/decode.js";
import type { DecodedProg } from "../asm/decode.js";
import { BpfFault, DEFAULT_INSN_BUDGET } from "../kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import { setU64 } from "./alu64.js";
import { execute, newRunContext, type Executable, type RunContext } from "./interp.js";
import { RAM_HI, packProgram } from "./layout.js";
import { segmentLengths } from "./segments.js";
import { StackRegion } from "./stack.js";
import { stackReach } from "./stack-reach.js";

/** The zeroed register file (r0-r10 and the unused slots, both halves). */
const ZERO_REGS = new Int32Array(2 * RAM_HI);

class InterpProg implements PreparedProg, Executable {
  readonly name: string;
  readonly insns: Uint8Array;
  readonly ram: Int32Array;
  readonly hi: Int32Array;
  readonly seg: Int32Array;
  readonly mem: KernelMemory;
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  readonly budget: number;
  lastInsnCount = 0;
  /** Bytes of frame 0 a run can dirty (vm/stack-reach.ts): what the reset after a frame-0-only run zeroes. */
  private readonly stackReach: number;
  private readonly contexts: RunContext[] = [];
  private nesting = 0;
  private disposed = false;
  private lastR1 = 0n;
  private lastR1Lo = 0;
  private lastR1Hi = 0;

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
    this.ram = packProgram(decoded);
    this.hi = this.ram.subarray(RAM_HI, 2 * RAM_HI);
    this.seg = segmentLengths(decoded);
    this.stackReach = stackReach(decoded);
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
    // A nested run (from a helper) borrows the register file: keep the caller's.
    const outer = level > 0 ? this.ram.slice(0, 2 * RAM_HI) : undefined;
    try {
      ctx.stack.reset(this.stackReach);
      const ram = this.ram;
      ram.set(ZERO_REGS, 0);
      // r1 is usually the same ctx address run after run: its (lo, hi) are kept, since
      // converting a BigInt to numbers is a runtime call in V8.
      if (r1 !== this.lastR1) {
        setU64(ram, this.hi, 1, r1);
        this.lastR1 = r1;
        this.lastR1Lo = ram[1] as number;
        this.lastR1Hi = ram[RAM_HI + 1] as number;
      } else {
        ram[1] = this.lastR1Lo;
        ram[RAM_HI + 1] = this.lastR1Hi;
      }
      if (r2 !== 0n) setU64(ram, this.hi, 2, r2);
      this.ram[10] = ctx.stack.frameTop(0);
      return execute(this, ctx);
    } finally {
      this.nesting--;
      if (outer !== undefined) this.ram.set(outer, 0);
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
 * The reference interpreter (`"interp"`).
 *
 * Choices where the kernel leaves behaviour undefined, fixed so runs are
 * deterministic (the JIT must make the same ones):
 * - stacks are zeroed at the start of each run (the frames the previous run
 *   used), so a run never sees an earlier run's data;
 * - r1-r5 keep their values across helper and kfunc calls, and hold what the
 *   callee left after a bpf-to-bpf call;
 * - a ld_imm64 loads its 64-bit immediate whatever its src_reg: the kernel's
 *   load-time fixups must already have written the final value (a map's
 *   address for BPF_PSEUDO_MAP_FD, as resolve_pseudo_ldimm64 does).
 *   BPF_PSEUDO_FUNC callbacks are not supported: the immediate is loaded as is.
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
