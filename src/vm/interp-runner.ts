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
 *
 * Two loops run a program. Outermost runs start on the Wasm loop
 * (vm/wasm-loop.ts: one fixed module, the program's slots and registers in
 * the kernel memory's engine area), which hands the run to the JavaScript
 * loop (vm/interp.ts) at the slot where it meets anything it does not run,
 * a fault included; the JavaScript loop is the reference and runs nested
 * runs and programs the engine area has no room for. `new InterpRunner({
 * loop: "js" })` runs the JavaScript loop alone.
 */
import { BpfDecodeError, decode } from "../asm/decode.js";
import type { DecodedProg } from "../asm/decode.js";
import { BpfFault, DEFAULT_INSN_BUDGET } from "../kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import { setU64, toU64 } from "./alu64.js";
import { execute, newRunContext, type Executable, type RunContext } from "./interp.js";
import { RAM_HI, packProgram } from "./layout.js";
import { segmentLengths } from "./segments.js";
import { StackRegion } from "./stack.js";
import { stackReach } from "./stack-reach.js";
import { WasmLoop } from "./wasm-loop.js";

/** Which loop runs a program: the Wasm loop with the JavaScript loop behind it, or the JavaScript loop alone. */
export type InterpLoop = "wasm" | "js";

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
  /** Bytes of frame 0 a run can dirty (vm/stack-reach.ts): what the reset after a frame-0-only run zeroes. */
  private readonly stackReach: number;
  private readonly contexts: RunContext[] = [];
  private nesting = 0;
  private disposed = false;
  private lastR1 = 0n;
  private lastR1Lo = 0;
  private lastR1Hi = 0;
  /** The Wasm loop's block (vm/wasm-loop.ts), or undefined: outermost runs start there. */
  private readonly wasm: WasmLoop | undefined;
  /**
   * 0 when an outermost run may take the fast path (the Wasm loop, its stack allocated, not
   * disposed, no run in progress), else 1. A run in progress sets it while it calls out, so a
   * nested run (from a helper) goes the general way.
   */
  private gate = 1;
  /** The nesting-0 stack, once allocated. */
  private stack0: StackRegion | undefined;
  private count = 0;
  /** Whether the last run's count is still in the Wasm block (read when asked for). */
  private countInBlock = false;

  constructor(image: ProgImage, budget: number, loop: InterpLoop) {
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
    this.wasm = loop === "wasm" ? WasmLoop.create(image.mem, decoded, this.ram, this.seg, budget) : undefined;
  }

  get lastInsnCount(): number {
    return this.countInBlock ? (this.wasm as WasmLoop).count() : this.count;
  }

  set lastInsnCount(n: number) {
    this.count = n;
    this.countInBlock = false;
  }

  /**
   * The fast path of both entries: an outermost run the Wasm loop finishes alone is
   * the stack's reset, one Wasm call and two reads; the rest goes through `finishWasm`.
   * Returns r0's low half.
   */
  private fast(w: WasmLoop, stack: StackRegion, lo: number, hi: number, lo2: number, hi2: number): number {
    // stack.reset(reach), with its common case written out: nothing deeper than frame 0 to undo.
    if (stack.maxDepth !== 0) stack.reset(this.stackReach);
    else if (this.stackReach !== 0) this.mem.u8.fill(0, stack.top - this.stackReach, stack.top);
    const out = w.start(w.st, lo, hi, lo2, hi2);
    if (out !== 0) return this.finishWasm(w, out); // OUT_EXIT = 0
    stack.maxDepth = w.exitDepth();
    this.countInBlock = true;
    return w.r0Lo();
  }

  /** A run the Wasm loop handed back (a call, a fault, a rare key, the budget): finished with the gate shut. */
  private finishWasm(w: WasmLoop, out: number): number {
    this.gate = 1;
    this.nesting = 1;
    try {
      w.finish(this, this.contexts[0] as RunContext, out);
    } finally {
      this.nesting = 0;
      this.gate = this.disposed ? 1 : 0;
    }
    return this.ram[0] as number;
  }

  run(r1: bigint, r2 = 0n): bigint {
    // r1 is usually the same ctx address run after run: its (lo, hi) are kept, since
    // converting a BigInt to numbers is a runtime call in V8.
    if (r1 !== this.lastR1) {
      this.lastR1 = r1;
      if (r1 >= 0n && r1 <= 0x1fffffffffffffn) {
        const n = Number(r1);
        this.lastR1Lo = n | 0;
        this.lastR1Hi = (n / 4294967296) | 0;
      } else {
        this.lastR1Lo = Number(BigInt.asIntN(32, r1));
        this.lastR1Hi = Number(BigInt.asIntN(32, r1 >> 32n));
      }
    }
    const R = this.ram;
    if (this.gate === 0 && r2 === 0n) {
      const w = this.wasm as WasmLoop;
      const lo = this.fast(w, this.stack0 as StackRegion, this.lastR1Lo, this.lastR1Hi, 0, 0);
      return this.countInBlock ? toU64(lo, w.r0Hi()) : toU64(lo, R[RAM_HI] as number);
    }
    if (this.nesting !== 0) {
      // A nested run (from a helper) borrows the register file: keep the caller's.
      const outer = R.slice(0, 2 * RAM_HI);
      try {
        this.exec(this.lastR1Lo, this.lastR1Hi, r2);
        return toU64(R[0] as number, R[RAM_HI] as number);
      } finally {
        R.set(outer, 0);
      }
    }
    this.exec(this.lastR1Lo, this.lastR1Hi, r2);
    return toU64(R[0] as number, R[RAM_HI] as number);
  }

  runCtx(ctx: number): number {
    if (this.gate === 0) return this.fast(this.wasm as WasmLoop, this.stack0 as StackRegion, ctx | 0, 0, 0, 0) >>> 0;
    const R = this.ram;
    if (this.nesting !== 0) {
      const outer = R.slice(0, 2 * RAM_HI);
      try {
        this.exec(ctx | 0, 0, 0n);
        return (R[0] as number) >>> 0;
      } finally {
        R.set(outer, 0);
      }
    }
    this.exec(ctx | 0, 0, 0n);
    return (R[0] as number) >>> 0;
  }

  /** One run with r1 = (lo, hi) and r2, leaving r0 in ram. */
  private exec(lo: number, hi: number, r2: bigint): void {
    if (this.disposed) throw new Error(`prog "${this.name}": run after dispose`);
    const level = this.nesting;
    let ctx = this.contexts[level];
    if (ctx === undefined) {
      ctx = newRunContext(new StackRegion(this.mem));
      this.contexts[level] = ctx;
    }
    this.nesting = level + 1;
    if (level === 0) this.gate = 1; // a nested run from a helper must not take the fast path into the same block
    try {
      const stack = ctx.stack;
      // stack.reset(reach), with its common case written out: nothing deeper than frame 0 to undo.
      if (stack.maxDepth !== 0) stack.reset(this.stackReach);
      else if (this.stackReach !== 0) this.mem.u8.fill(0, stack.top - this.stackReach, stack.top);
      const w = this.wasm;
      if (level === 0 && w !== undefined) {
        // The Wasm loop sets up the registers itself; a nested run (from a helper) takes the JavaScript loop.
        let lo2 = 0;
        let hi2 = 0;
        if (r2 !== 0n) {
          setU64(this.ram, this.hi, 2, r2);
          lo2 = this.ram[2] as number;
          hi2 = this.hi[2] as number;
        }
        if (this.stack0 === undefined) {
          this.stack0 = stack;
          w.setTop(stack.top);
        }
        w.finish(this, ctx, w.start(w.st, lo, hi, lo2, hi2));
        return;
      }
      // r0-r10: (lo, hi) at (i, i + 16) (vm/layout.ts), written out: a loop pays an interrupt
      // check and reloads the array's backing store on every pass (a third of the entry's time).
      const R = this.ram;
      R[0] = 0; R[1] = lo; R[2] = 0; R[3] = 0; R[4] = 0; R[5] = 0; R[6] = 0; R[7] = 0; R[8] = 0; R[9] = 0; R[10] = stack.top;
      R[16] = 0; R[17] = hi; R[18] = 0; R[19] = 0; R[20] = 0; R[21] = 0; R[22] = 0; R[23] = 0; R[24] = 0; R[25] = 0; R[26] = 0;
      if (r2 !== 0n) setU64(R, this.hi, 2, r2);
      execute(this, ctx, 0, 0, 0, 0);
    } finally {
      this.nesting = level;
      // Outermost runs take the fast path from now on (the first one allocated the stack).
      if (level === 0 && this.wasm !== undefined && !this.disposed) this.gate = 0;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gate = 1;
    this.wasm?.free();
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
  private readonly loop: InterpLoop;

  /**
   * @param opts.loop "wasm" (the default): outermost runs start on the Wasm
   *   loop (vm/wasm-loop.ts) when the kernel memory's engine area has room for
   *   the program; "js": the JavaScript loop alone (the reference).
   */
  constructor(opts: { readonly loop?: InterpLoop } = {}) {
    this.loop = opts.loop ?? "wasm";
  }

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
    return new InterpProg(image, budget, this.loop);
  }
}
