/**
 * @fileoverview What the JIT refuses to compile, and the typed error that
 * says so. A refused program is not an error for its user: the runners fall
 * back to the reference interpreter (jit-runner.ts, auto-runner.ts), as
 * Linux falls back to its interpreter when the JIT fails
 * (kernel/bpf/core.c bpf_prog_select_runtime, without
 * CONFIG_BPF_JIT_ALWAYS_ON), and log the reason through
 * RunnerOptions.log.
 *
 * The limits: V8's own limits on a Wasm function (its body size, and the
 * entries of a `br_table`, which the checked copy of a function dispatches
 * over its basic blocks with), checked before V8 sees the module; the number
 * of bpf-to-bpf functions (the verifier's BPF_MAX_SUBPROGS) and of functions
 * x blocks (per-function analyses are sized by the whole graph); and a cap on instructions, which
 * bounds translation time and memory (about 10 us and 2 KB per instruction
 * on the development machine) so that a program near the kernel's
 * 1,000,000-instruction limit is refused in milliseconds instead of
 * failing on V8's function size after seconds of work.
 */

/** V8's largest Wasm function body, in bytes (kV8MaxWasmFunctionSize). */
export const V8_MAX_FUNCTION_BYTES = 7_654_321;
/** V8's largest `br_table`, in entries (kV8MaxWasmFunctionBrTableSize). */
export const V8_MAX_BR_TABLE = 65_520;
/** BPF_MAX_SUBPROGS (include/linux/bpf_verifier.h). */
export const MAX_FUNCS = 256;
/**
 * The most functions x basic blocks: each function's analysis (cfg.ts
 * buildFunc) has arrays over every block of the program, about 16 bytes
 * per cell (128 MB at this limit).
 */
export const MAX_GRAPH_CELLS = 1 << 23;
/** The most instruction slots the JIT translates (2^18). */
export const MAX_JIT_INSNS = 262_144;

/** A program the JIT does not compile: what was measured, against which limit. */
export class JitLimitError extends Error {
  override readonly name = "JitLimitError";
  constructor(
    /** What is limited, e.g. "instruction slots". */
    readonly what: string,
    readonly limit: number,
    readonly measured: number,
  ) {
    super(`jit: ${measured} ${what} exceeds the JIT's limit of ${limit}`);
  }
}

/** @throws {JitLimitError} when `measured` is above `limit`. */
export function checkLimit(what: string, limit: number, measured: number): void {
  if (measured > limit) throw new JitLimitError(what, limit, measured);
}

/**
 * Why a compile was refused, for the log, when `e` is a refusal the
 * runners fall back from (a {@link JitLimitError}, or V8 refusing the module
 * for a limit not predicted here); undefined for anything else (a JIT bug).
 */
export function refusalReason(e: unknown): string | undefined {
  if (e instanceof JitLimitError) return e.message;
  if (e instanceof WebAssembly.CompileError) return `jit: V8 refused the module: ${e.message}`;
  return undefined;
}
