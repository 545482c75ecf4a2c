/**
 * @fileoverview Public entry of the eBPF -> WebAssembly JIT (ARCHITECTURE.md:
 * jit/ implements the kernel's ProgRunner; backend/ wires it in).
 */
export { JitProg, JitRunner } from "./jit-runner.js";
export { AutoRunner } from "./auto-runner.js";
export type { AutoOptions } from "./auto-runner.js";
export { translate } from "./compile.js";
export type { Translation, TranslateOptions } from "./compile.js";
