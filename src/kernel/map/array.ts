/**
 * @fileoverview BPF_MAP_TYPE_ARRAY (kernel/bpf/arraymap.c): a preallocated
 * array of `max_entries` values, each rounded up to 8 bytes, in kernel memory.
 *
 * Programs get direct pointers to elements (they are never freed before the
 * map), so global data (.data/.bss/.rodata) and counters work as in Linux.
 * Keys are u32 indices; updates with BPF_NOEXIST fail (EEXIST) because every
 * element always exists, and delete is EINVAL.
 *
 * The map remembers whether any element could have been written (an update,
 * or a pointer handed to a program); a map nobody wrote is freed without
 * zeroing its memory (kernel/mem: free memory is always zero), which keeps
 * creating and closing very large maps cheap.
 *
 * @see kernel/bpf/arraymap.c array_map_alloc_check (v6.18)
 */
import { E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM } from "../../uapi/errno.js";
import { BPF_EXIST, BPF_F_LOCK, BPF_F_MMAPABLE, BPF_F_NUMA_NODE, BPF_F_PRESERVE_ELEMS, BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY, BPF_F_WRONLY_PROG, BPF_F_INNER_MAP, BPF_NOEXIST } from "../../uapi/bpf-flags.js";
import { PERM_READ, PERM_RW } from "../mem/memory.js";
import { KMALLOC_MAX_SIZE } from "./core.js";
import { mapPriv } from "./core.js";
import type { BpfMap, MapAttrs, MapOps } from "./core.js";

/** Flags array maps accept at creation. */
export const ARRAY_CREATE_FLAG_MASK =
  BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;

/** Per-map state of an array map. */
export interface ArrayState {
  /** Address of element 0. */
  base: number;
  /** Element stride: value_size rounded up to 8. */
  elemSize: number;
  /** Some element may be non-zero: updated, or reachable through a pointer a program got. */
  written: boolean;
}

/** array_map_alloc_check: 0 or -errno. */
export function arrayAllocCheck(a: MapAttrs): number {
  if (a.max_entries === 0 || a.key_size !== 4 || a.value_size === 0 || (a.map_flags & ~ARRAY_CREATE_FLAG_MASK) !== 0) return -EINVAL;
  // KMALLOC_MAX_SIZE bound on one element (the kernel rejects huge values with E2BIG).
  if (a.value_size >= KMALLOC_MAX_SIZE) return -E2BIG;
  return 0;
}

function state(map: BpfMap): ArrayState {
  return mapPriv(map, arrayMapOps);
}

/** Allocates the elements; returns 0 or -ENOMEM. */
export function arrayAlloc(map: BpfMap): number {
  const elemSize = Math.ceil(map.attrs.value_size / 8) * 8;
  const perm = map.attrs.map_flags & BPF_F_RDONLY_PROG ? PERM_READ : PERM_RW;
  const base = map.kernel.mem.alloc(elemSize * map.attrs.max_entries, perm);
  if (base === 0) return -ENOMEM;
  map.priv = { base, elemSize, written: false } satisfies ArrayState;
  return 0;
}

/** Address of byte `off` of element 0 (ld_imm64 BPF_PSEUDO_MAP_VALUE); the program may write there. */
export function arrayValueAddr(map: BpfMap, off: number): number {
  const s = state(map);
  s.written = true;
  return s.base + off;
}

function index(_map: BpfMap, key: Uint8Array): number {
  return ((key[0] as number) | ((key[1] as number) << 8) | ((key[2] as number) << 16) | ((key[3] as number) << 24)) >>> 0;
}

/** The array map's operations. */
export const arrayMapOps: MapOps<ArrayState> = {
  sysLookup(map, key, value, flags) {
    if (flags & ~BPF_F_LOCK) return -EINVAL;
    const i = index(map, key);
    if (i >= map.attrs.max_entries) return -ENOENT;
    const s = state(map);
    const at = s.base + i * s.elemSize;
    value.set(map.kernel.mem.u8.subarray(at, at + map.attrs.value_size));
    return 0;
  },
  sysUpdate(map, key, value, flags) {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return -EINVAL;
    const i = index(map, key);
    if (i >= map.attrs.max_entries) return -E2BIG;
    if ((flags & ~BPF_F_LOCK) === BPF_NOEXIST) return -EEXIST;
    const s = state(map);
    s.written = true;
    map.kernel.mem.u8.set(value.subarray(0, map.attrs.value_size), s.base + i * s.elemSize);
    return 0;
  },
  sysDelete() {
    return -EINVAL;
  },
  getNextKey(map, key, next) {
    const i = key === null ? -1 : index(map, key);
    const n = i >= map.attrs.max_entries ? 0 : i + 1;
    if (n >= map.attrs.max_entries) return -ENOENT;
    new DataView(next.buffer, next.byteOffset, 4).setUint32(0, n, true);
    return 0;
  },
  progLookup(map, keyAddr) {
    const i = map.kernel.mem.dv.getUint32(keyAddr, true);
    if (i >= map.attrs.max_entries) return 0;
    const s = state(map);
    s.written = true;
    return s.base + i * s.elemSize;
  },
  progUpdate(map, keyAddr, valueAddr, flags) {
    if (flags > BPF_EXIST) return -EINVAL;
    const mem = map.kernel.mem;
    const i = mem.dv.getUint32(keyAddr, true);
    if (i >= map.attrs.max_entries) return -E2BIG;
    if (flags === BPF_NOEXIST) return -EEXIST;
    const s = state(map);
    s.written = true;
    mem.u8.copyWithin(s.base + i * s.elemSize, valueAddr, valueAddr + map.attrs.value_size);
    return 0;
  },
  progDelete() {
    return -EINVAL;
  },
  freeze() {
    return 0;
  },
  free(map) {
    const s = state(map);
    map.kernel.mem.free(s.base, !s.written);
  },
};
