/**
 * @fileoverview The Linux backend's reading of a running kernel's BTF
 * (/sys/kernel/btf/vmlinux, include/uapi/linux/btf.h) through the shared
 * decoder and lookups of src/btf, with bad bytes reported as a TypeError. It
 * is what the backend needs to resolve `attach_btf_id`,
 * `btf_vmlinux_value_type_id`, member indices (a struct_ops program's
 * expected_attach_type), kfunc ids and the struct_ops map value
 * (src/backend/struct-ops-value.ts). Split BTF is not supported.
 */
import { Btf } from "../../btf/btf.js";

/**
 * Decodes a kernel's BTF blob.
 * @throws TypeError when `bytes` is not a BTF blob (bad magic, truncated sections or records), and later from queries that cannot be answered
 */
export function parseKernelBtf(bytes: Uint8Array): Btf {
  return new Btf(bytes, (message, offset) => {
    throw new TypeError(`Cannot read kernel BTF: ${message}${offset >= 0 ? ` (at byte ${offset})` : ""}`);
  });
}
