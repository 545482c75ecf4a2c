/**
 * @fileoverview What the CLI needs to run a program on an engine directly
 * (the conformance plugin, benchmarks): engine selection, the runner seam's
 * types, and the kernel memory a program runs in. Re-exported from backend/
 * because cli/ may import only lib/, uapi/ and asm/ (tools/check-imports.ts).
 */
export {
  BpfFault, DEFAULT_INSN_BUDGET, ENGINE_NAMES, KernelMemory, MAX_BPF_STACK, MAX_CALL_FRAMES, PERM_READ, PERM_RW,
  PERM_WRITE, createRunner, isEngineName,
} from "../backend/engines.js";
export type {
  BpfCallFn, BpfFaultKind, EngineName, KernelMemoryOptions, PreparedProg, ProgImage, ProgRunner, RunnerOptions,
} from "../backend/engines.js";
