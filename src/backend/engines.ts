/**
 * @fileoverview Names the execution engines and builds them: the one place
 * that knows vm/ and jit/ by name. The kernel and the CLI get a
 * ProgRunner from here and never import an engine (ARCHITECTURE.md,
 * dependency rules).
 *
 * Also re-exports the engine-facing kernel types (ProgImage, BpfFault,
 * KernelMemory, …) so lib/ can hand them to the CLI without importing kernel/.
 */
import type { ProgRunner } from "../kernel/prog/runner.js";
import { InterpRunner } from "../vm/interp-runner.js";
import { AutoRunner, JitRunner } from "../jit/index.js";

/**
 * The engines: the reference interpreter, the WebAssembly JIT, and "auto"
 * (interpret first, compile once a program is hot).
 */
export type EngineName = "interp" | "jit" | "auto";

/** Every available engine name, in preference order. */
export const ENGINE_NAMES: readonly EngineName[] = ["interp", "jit", "auto"];

/** Whether `name` is an available engine. */
export function isEngineName(name: string): name is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(name);
}

/**
 * Builds the runner for an engine.
 * @throws {RangeError} for an engine that does not exist (yet).
 */
export function createRunner(engine: EngineName): ProgRunner {
  switch (engine) {
    case "interp":
      return new InterpRunner();
    case "jit":
      return new JitRunner();
    case "auto":
      return new AutoRunner();
    default:
      throw new RangeError(`Cannot create runner as 'engine' must be one of ${ENGINE_NAMES.join(", ")}: current value is ${String(engine)}`);
  }
}

export { BpfFault, DEFAULT_INSN_BUDGET, MAX_BPF_STACK, MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
export type { BpfCallFn, BpfFaultKind, PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
export { KernelMemory, PERM_READ, PERM_RW, PERM_WRITE } from "../kernel/mem/memory.js";
export type { KernelMemoryOptions } from "../kernel/mem/memory.js";
