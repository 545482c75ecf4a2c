/**
 * @fileoverview Public entry of the reference interpreter (ARCHITECTURE.md:
 * vm/ implements the kernel's ProgRunner; backend/ wires it in).
 */
export { InterpRunner } from "./interp-runner.js";
export { RAM_CODE, RAM_HI, packProgram } from "./layout.js";
export { STACK_GUARD } from "./stack.js";
