/**
 * @fileoverview The object loader's pure half: ELF and BTF parsing, the
 * CollectionSpec, CO-RE and struct_ops value preparation. No syscalls.
 */
export * from "./errors.js";
export * from "./spec.js";
export { loadCollectionSpec } from "./collection.js";
export type { CollectionSpecOptions } from "./collection.js";
export { Btf } from "./btf/btf.js";
export type { BtfTypeRec, BtfMemberRec, BtfEnumRec } from "./btf/types.js";
export { parseElf } from "./elf.js";
export { parseBtfExt } from "./btf/ext.js";
export { applyCoreRelos, essentialName, CORE_POISON_HELPER } from "./core.js";
export type { CoreResult } from "./core.js";
export { prepareStructOps, adjustStructOpsAutoload } from "./struct-ops.js";
export type { StructOpsKern, StructOpsSlot } from "./struct-ops.js";
export { applyRelocs } from "./relocate.js";
export type { RelocResolver } from "./relocate.js";
