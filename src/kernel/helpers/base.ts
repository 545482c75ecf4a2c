/**
 * @fileoverview The helpers every program type may call (kernel/bpf/helpers.c
 * bpf_base_func_proto): map access, clocks, a deterministic prandom, and
 * bpf_trace_printk into the kernel log.
 *
 * Helpers receive raw u64 register values. Pointers are kernel-memory
 * addresses; a helper checks every range it reads or writes with the same
 * permission shadow programs are held to, and returns -EFAULT (as a u64)
 * rather than touching memory the program could not.
 */
import { EFAULT, EINVAL, ENOENT } from "../../uapi/errno.js";
import {
  BPF_FUNC_get_prandom_u32,
  BPF_FUNC_get_smp_processor_id,
  BPF_FUNC_jiffies64,
  BPF_FUNC_ktime_get_boot_ns,
  BPF_FUNC_ktime_get_coarse_ns,
  BPF_FUNC_ktime_get_ns,
  BPF_FUNC_map_delete_elem,
  BPF_FUNC_map_lookup_elem,
  BPF_FUNC_map_update_elem,
  BPF_FUNC_trace_printk,
} from "../../uapi/bpf-helpers.js";
import { PERM_READ } from "../mem/memory.js";
import type { Kernel } from "../kernel.js";
import type { BpfMap } from "../map/core.js";
import type { BpfCallFn } from "../prog/runner.js";

/** A negative errno as the u64 a helper returns. */
export function errU64(errno: number): bigint {
  return BigInt.asUintN(64, BigInt(-Math.abs(errno)));
}

/** The map a program's `struct bpf_map *` argument points at, or undefined. */
export function mapOfPtr(k: Kernel, p: bigint): BpfMap | undefined {
  return k.mapsByAddr.get(Number(p));
}

/** Installs the base helpers into `k.baseHelpers`. */
export function installBaseHelpers(k: Kernel): void {
  const h = k.baseHelpers;
  const readable = (a: bigint, n: number): boolean => a < 2n ** 32n && k.mem.canAccess(Number(a), n, PERM_READ);
  const lookup: BpfCallFn = (m, key) => {
    const map = mapOfPtr(k, m);
    if (map === undefined || map.ops.progLookup === undefined || !readable(key, map.attrs.key_size)) return 0n;
    return BigInt(map.ops.progLookup(map, Number(key)));
  };
  const update: BpfCallFn = (m, key, value, flags) => {
    const map = mapOfPtr(k, m);
    if (map === undefined || map.ops.progUpdate === undefined) return errU64(EINVAL);
    if (!readable(key, map.attrs.key_size) || !readable(value, map.attrs.value_size)) return errU64(EFAULT);
    return BigInt.asUintN(64, BigInt(map.ops.progUpdate(map, Number(key), Number(value), Number(flags))));
  };
  const del: BpfCallFn = (m, key) => {
    const map = mapOfPtr(k, m);
    if (map === undefined || map.ops.progDelete === undefined) return errU64(EINVAL);
    if (!readable(key, map.attrs.key_size)) return errU64(EFAULT);
    return BigInt.asUintN(64, BigInt(map.ops.progDelete(map, Number(key))));
  };
  h.set(BPF_FUNC_map_lookup_elem, lookup);
  h.set(BPF_FUNC_map_update_elem, update);
  h.set(BPF_FUNC_map_delete_elem, del);
  h.set(BPF_FUNC_ktime_get_ns, () => k.now);
  h.set(BPF_FUNC_ktime_get_boot_ns, () => k.now);
  // Coarse time has jiffy resolution.
  h.set(BPF_FUNC_ktime_get_coarse_ns, () => k.now - (k.now % 4_000_000n));
  h.set(BPF_FUNC_jiffies64, () => k.jiffies64);
  h.set(BPF_FUNC_get_prandom_u32, () => BigInt(k.prandom()));
  h.set(BPF_FUNC_get_smp_processor_id, () => 0n);
  h.set(BPF_FUNC_trace_printk, (fmt, size) => {
    const n = Number(size);
    if (n <= 0 || n > 1024 || !readable(fmt, n)) return errU64(EINVAL);
    const bytes = k.mem.u8.slice(Number(fmt), Number(fmt) + n);
    const end = bytes.indexOf(0);
    if (end < 0) return errU64(EINVAL);
    const text = new TextDecoder().decode(bytes.subarray(0, end)).replace(/\n$/, "");
    k.dmesg.log("info", `bpf_trace_printk: ${text}`);
    return BigInt(end);
  });
}

/** -ENOENT as a helper return. */
export const ENOENT_U64 = errU64(ENOENT);
