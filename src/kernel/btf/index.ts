/**
 * @fileoverview Entry of the kernel-side BTF: the model's vmlinux BTF and its
 * lookups, the builder and layout helpers that describe kernel types, and the
 * small reader the kernel uses on BTF blobs.
 */
export { getVmlinuxBtf, buildVmlinuxBtf, KernelBtf, BPF_TCP_CA_WRITABLE, BTF_KFUNC_TAG } from "./vmlinux.js";
export type { ByteRange, WritableField } from "./vmlinux.js";
export { BtfLookup } from "./lookup.js";
export type { BtfField } from "./lookup.js";
export { parseBtf } from "./reader.js";
export type { BtfArray, BtfEnumValue, BtfMember, BtfParam, BtfType, BtfVarSecinfo, ParsedBtf } from "./reader.js";
export { BtfBuilder, BTF_PTR_SIZE } from "./builder.js";
export type { BtfEnumSpec, BtfMemberSpec, BtfParamSpec, BtfVarSecinfoSpec } from "./builder.js";
export { computeStructLayout, layoutStruct, layoutUnion } from "./layout.js";
export type { ComputedLayout, LayoutAlignTo, LayoutField, LayoutItem, LayoutOptions } from "./layout.js";
export { SMP_CACHE_BYTES, TCP_CA_KFUNC_SETS } from "./vmlinux-tcp-cc.js";
