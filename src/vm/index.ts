/**
 * @fileoverview Public entry of the reference interpreter (ARCHITECTURE.md:
 * vm/ implements the kernel's ProgRunner; backend/ wires it in).
 */
export { InterpRunner, packProgram } from "./interp-runner.js";
export { STACK_GUARD } from "./stack.js";
