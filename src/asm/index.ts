/**
 * @fileoverview Public entry of the instruction layer: opcode table, decoder,
 * builders and assembler, text assembler, disassembler, `.data` vectors.
 * Depends only on uapi/ (ARCHITECTURE.md: uapi ← asm ← obj).
 */
export * from "./opcodes.js";
export * from "./decode.js";
export * from "./builders.js";
export * from "./text-asm.js";
export * from "./disasm.js";
export * from "./data-file.js";
