/**
 * @fileoverview Public entry of `structops/uapi`: the bpf(2) ABI in kernel spelling.
 */
export * from "./errno.js";
export * from "./bpf-enums.js";
export * from "./bpf-flags.js";
export * from "./bpf-helpers.js";
export * from "./btf.js";
export * from "./insn.js";
export * from "./cstring.js";
export * from "./layout.js";
export * from "./attr-layout.js";
export * from "./attr-last-field.js";
export * from "./attr-codec.js";
export * from "./info.js";
export * from "./tcp-cc.js";
