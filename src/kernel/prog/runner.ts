/**
 * @fileoverview The seam between the emulated kernel and the engines that run
 * BPF programs (ARCHITECTURE.md: "kernel runs programs only through a
 * ProgRunner interface that vm/ and jit/ implement").
 *
 * The kernel hands an engine a {@link ProgImage}: the program's instructions
 * after load-time fixups (map fds and map values replaced by kernel addresses,
 * exactly what the kernel's verifier does in `resolve_pseudo_ldimm64`), the
 * shared {@link KernelMemory}, and the call tables for helpers (by helper id)
 * and kfuncs (by BTF id). An engine prepares it once and runs it many times.
 *
 * Values crossing the seam are `bigint` holding the u64 bit pattern
 * (0 ≤ v < 2^64), the same representation WebAssembly's i64 imports use, so
 * the interpreter and the JIT see helpers identically.
 */
import type { KernelMemory } from "../mem/memory.js";

/**
 * A helper or kfunc as an engine calls it: five u64 arguments, a u64 result;
 * optionally with a {@link BpfNarrowCall} form an engine may call instead.
 */
export type BpfCallFn = ((r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint) & {
  readonly narrow?: BpfNarrowCall;
};

/**
 * The number form of a helper or kfunc whose arguments are u32 values or
 * kernel addresses (below 2^32) and whose result is a u32 or void: the hot
 * kfuncs of congestion control (tcp_slow_start, tcp_cong_avoid_ai, ...),
 * which run on every ACK. An engine may call `fn` with the low 32 bits of
 * r1..r`arity` (as u32) when the high 32 bits of each are zero, and take its
 * result, zero-extended, as r0; in every other case it calls the u64 form.
 * The two must agree there: the same result, the same effects, the same
 * exception (message included). No BigInt crosses this form, so the JIT's
 * import takes and returns i32 (jit/compile.ts).
 */
export interface BpfNarrowCall {
  /** How many of r1-r5 the function reads. */
  readonly arity: 1 | 2 | 3 | 4 | 5;
  /** The function on u32 arguments (those past `arity` are not meaningful); returns a u32, r0's value. */
  readonly fn: (r1: number, r2: number, r3: number, r4: number, r5: number) => number;
}

/** `fn` with its narrow form `narrow` (see {@link BpfNarrowCall} for what both must agree on). */
export function withNarrow(fn: (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint, narrow: BpfNarrowCall): BpfCallFn {
  return Object.assign(fn, { narrow });
}

/** Everything an engine needs to run one program. */
export interface ProgImage {
  /** Instructions, 8 bytes each, little-endian, after the kernel's load-time fixups. */
  readonly insns: Uint8Array;
  /** The shared memory: stacks, ctx, maps and sockets live here. */
  readonly mem: KernelMemory;
  /** Helpers the program may call, by helper id (`call imm` with src_reg 0). */
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  /** Kfuncs the program may call, by BTF id (`call imm` with src_reg 2). */
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  /** Program name for error messages. */
  readonly name: string;
}

/** Why a run ended abnormally. */
export type BpfFaultKind =
  | "mem" // access outside the regions the program may touch
  | "budget" // instruction budget exhausted
  | "insn" // invalid instruction reached at run time
  | "call" // call to an unknown helper/kfunc, or a helper threw
  | "stack"; // bpf-to-bpf call depth exceeded

/**
 * A run that did not complete. Thrown by {@link PreparedProg.run}; the kernel
 * catches it, records a warning and treats the hook as having returned 0.
 */
export class BpfFault extends Error {
  override readonly name = "BpfFault";
  constructor(
    readonly kind: BpfFaultKind,
    /** Index of the faulting instruction (in 8-byte slots). */
    readonly pc: number,
    message: string,
  ) {
    super(message);
  }
}

/** A program an engine has prepared (decoded or compiled) and can run. */
export interface PreparedProg {
  /**
   * Runs the program with r1..r2 set (r3-r5 zero) and r10 at the top of a
   * fresh 512-byte stack frame. Returns r0 as a u64 bigint.
   * @throws {BpfFault} on a bad access, an exhausted budget or a bad call.
   */
  run(r1: bigint, r2?: bigint): bigint;
  /**
   * {@link run} as the kernel's hooks call it, without a BigInt either way:
   * r1 = `ctx` (an address in the kernel's memory, below 2^32), r2 = 0;
   * returns r0's low 32 bits as a u32 (what a hook returning u32 or void
   * uses). Same faults, counts and memory as `run(BigInt(ctx))`.
   */
  runCtx(ctx: number): number;
  /** Instructions executed by the last completed or faulted run. */
  readonly lastInsnCount: number;
  /** Frees the engine's resources (stack regions, compiled code). */
  dispose(): void;
}

/** Options common to every engine. */
export interface RunnerOptions {
  /** Instructions one run may execute before it faults with "budget" (default 1,000,000). */
  readonly insnBudget?: number;
  /**
   * Where an engine reports what the user should know about how a program
   * runs, e.g. that the JIT refused it and it runs on the interpreter
   * (the kernel logs it to dmesg). Default: nowhere.
   */
  readonly log?: (message: string) => void;
}

/** An execution engine: the reference interpreter, the JIT, or a tiering mix of both. */
export interface ProgRunner {
  /** `"interp"`, `"jit"` or `"auto"`. */
  readonly name: string;
  /**
   * Prepares a program. Throws a `BpfFault` of kind "insn" if the bytecode
   * cannot be decoded (the kernel checks this at load, so it is a KernelBug there).
   */
  prepare(image: ProgImage, opts?: RunnerOptions): PreparedProg;
}

/** Default instruction budget per run. */
export const DEFAULT_INSN_BUDGET = 1_000_000;
/** Bytes of stack per frame (MAX_BPF_STACK). */
export const MAX_BPF_STACK = 512;
/** Maximum bpf-to-bpf call depth (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
