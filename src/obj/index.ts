/**
 * @fileoverview The object loader's pure half: ELF and BTF parsing, the
 * CollectionSpec, CO-RE and struct_ops value preparation. No syscalls.
 */
export * from "./errors.js";
export * from "./spec.js";
export { loadCollectionSpec } from "./collection.js";
export type { CollectionSpecOptions } from "./collection.js";
export { parseBtf } from "./btf/btf.js";
export { Btf } from "../btf/btf.js";
export { btfValue } from "./btf/value.js";
export type { BtfJson } from "./btf/value.js";
export type { BtfType, BtfMember, BtfEnumValue } from "../btf/types.js";
export { parseElf } from "./elf.js";
export { parseBtfExt, splitLineCol, sourceLine } from "./btf/ext.js";
export type { SourceLine } from "./btf/ext.js";
export { applyCoreRelos, essentialName, describeCoreRelo, CORE_POISON_HELPER } from "./core.js";
export type { CoreReloDescription } from "./core.js";
export type { CoreResult } from "./core.js";
export { prepareStructOps, structOpsAutoload } from "./struct-ops.js";
export type { StructOpsKern, StructOpsSlot, StructOpsAutoloadMap } from "./struct-ops.js";
export { applyRelocs } from "./relocate.js";
export type { RelocResolver } from "./relocate.js";
