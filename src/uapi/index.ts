/**
 * @fileoverview Public entry of `structops/uapi`: the bpf(2) ABI in kernel spelling.
 */
export * from "./errno.js";
export * from "./bpf-enums.js";
export * from "./bpf-flags.js";
export * from "./bpf-helpers.js";
