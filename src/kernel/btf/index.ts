/**
 * @fileoverview Entry of the kernel-side BTF: the model's vmlinux BTF (read
 * through the shared decoder and lookups of src/btf), the builder and layout
 * helpers that describe kernel types, and BPF_BTF_LOAD's checker.
 */
export { getVmlinuxBtf, buildVmlinuxBtf, VmlinuxBtf, BPF_TCP_CA_WRITABLE, BTF_KFUNC_TAG } from "./vmlinux.js";
export type { ByteRange, WritableField } from "./vmlinux.js";
export { BtfBuilder, BTF_PTR_SIZE } from "./builder.js";
export type { BtfEnumSpec, BtfMemberSpec, BtfParamSpec, BtfVarSecinfoSpec } from "./builder.js";
export { computeStructLayout, layoutStruct, layoutUnion } from "./layout.js";
export type { ComputedLayout, LayoutAlignTo, LayoutField, LayoutItem, LayoutOptions } from "./layout.js";
export { SMP_CACHE_BYTES, TCP_CA_KFUNC_SETS } from "./vmlinux-tcp-cc.js";
