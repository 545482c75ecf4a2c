/**
 * @fileoverview The WebAssembly builder's one module boundary: the JIT builds
 * modules only through these exports, and nothing else in structops emits
 * Wasm bytes.
 */
export { Code } from "./code.js";
export type { Imm, Label } from "./code.js";
export { WasmModule } from "./module.js";
export type { ExportDef, FuncDef, FuncImport, FuncType, GlobalDef, MemImport } from "./module.js";
export { EMPTY, I32, I64, OPS, opId } from "./opcodes.js";
export type { BlockType, ImmKind, OpInfo, ValType } from "./opcodes.js";
export { ByteSink } from "./leb128.js";
export { toWat } from "./wat.js";
