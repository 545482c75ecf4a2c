/**
 * @fileoverview BPF_MAP_TYPE_HASH (kernel/bpf/hashtab.c): key → value
 * elements, each value in its own kernel-memory allocation so programs can
 * hold a pointer to it.
 *
 * Iteration order (GET_NEXT_KEY) is insertion order, deterministic; Linux's
 * is bucket order, which no program may rely on. A deleted element's memory is
 * returned after an RCU grace period, as `htab_elem_free_rcu` does, so a
 * program that still holds the pointer within its run reads stale but valid
 * memory rather than faulting.
 *
 * @see kernel/bpf/hashtab.c htab_map_update_elem (v6.18)
 */
import { E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM } from "../../uapi/errno.js";
import { BPF_EXIST, BPF_F_LOCK, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY, BPF_F_WRONLY_PROG, BPF_F_ZERO_SEED, BPF_NOEXIST } from "../../uapi/bpf-flags.js";
import { PERM_READ, PERM_RW } from "../mem/memory.js";
import { KMALLOC_MAX_SIZE } from "./core.js";
import { mapPriv } from "./core.js";
import type { BpfMap, MapAttrs, MapOps } from "./core.js";

/** sizeof(struct htab_elem) on x86_64 in Linux 6.18 (the real kernel's E2BIG bound shows 48). */
export const HTAB_ELEM_SIZE = 48;

const HTAB_CREATE_FLAG_MASK =
  BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_ZERO_SEED | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

/** Per-map state: hex(key) → value address, in insertion order. */
interface HashState {
  readonly elems: Map<string, number>;
  readonly keys: Map<string, Uint8Array>;
}

/** htab_map_alloc_check: 0 or -errno (key_size + value_size bounded by KMALLOC_MAX_SIZE - sizeof(struct htab_elem)). */
export function hashAllocCheck(a: MapAttrs): number {
  if ((a.map_flags & ~HTAB_CREATE_FLAG_MASK) !== 0) return -EINVAL;
  if (a.max_entries === 0 || a.key_size === 0 || a.value_size === 0) return -EINVAL;
  // No bound on the key alone: an element (struct htab_elem, key, value) must stay kmalloc-able.
  if (a.key_size + a.value_size >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) return -E2BIG;
  return 0;
}

/** Sets up the empty table. */
export function hashAlloc(map: BpfMap): number {
  map.priv = { elems: new Map(), keys: new Map() } satisfies HashState;
  return 0;
}

function st(map: BpfMap): HashState {
  return mapPriv(map, hashMapOps);
}

/** Elements in a hash map (what the memory accounting of a BPF_F_NO_PREALLOC map counts). */
export function hashElemCount(map: BpfMap): number {
  return st(map).elems.size;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += ((b[i] as number) | 0x100).toString(16).slice(1);
  return s;
}

function update(map: BpfMap, key: Uint8Array, write: (addr: number) => void, flags: number): number {
  const f = flags & ~BPF_F_LOCK;
  if (f > BPF_EXIST) return -EINVAL;
  const s = st(map);
  const k = hex(key);
  const old = s.elems.get(k);
  if (old !== undefined && f === BPF_NOEXIST) return -EEXIST;
  if (old === undefined && f === BPF_EXIST) return -ENOENT;
  if (old !== undefined) {
    write(old);
    return 0;
  }
  if (s.elems.size >= map.attrs.max_entries) return -E2BIG;
  const perm = map.attrs.map_flags & BPF_F_RDONLY_PROG ? PERM_READ : PERM_RW;
  const addr = map.kernel.mem.alloc(map.attrs.value_size, perm);
  if (addr === 0) return -ENOMEM;
  write(addr);
  s.elems.set(k, addr);
  s.keys.set(k, key.slice());
  return 0;
}

function remove(map: BpfMap, key: Uint8Array): number {
  const s = st(map);
  const k = hex(key);
  const addr = s.elems.get(k);
  if (addr === undefined) return -ENOENT;
  s.elems.delete(k);
  s.keys.delete(k);
  map.kernel.rcu.call("rcu", "htab_elem_free_rcu", () => map.kernel.mem.free(addr));
  return 0;
}

/** The hash map's operations. */
export const hashMapOps: MapOps<HashState> = {
  sysLookup(map, key, value, flags) {
    if (flags & ~BPF_F_LOCK) return -EINVAL;
    const addr = st(map).elems.get(hex(key));
    if (addr === undefined) return -ENOENT;
    value.set(map.kernel.mem.u8.subarray(addr, addr + map.attrs.value_size));
    return 0;
  },
  sysUpdate(map, key, value, flags) {
    const mem = map.kernel.mem;
    return update(map, key, (a) => mem.u8.set(value.subarray(0, map.attrs.value_size), a), flags);
  },
  sysDelete(map, key) {
    return remove(map, key);
  },
  getNextKey(map, key, next) {
    const s = st(map);
    const order = [...s.keys.keys()];
    let i = 0;
    if (key !== null) {
      const at = order.indexOf(hex(key));
      // A missing key restarts from the first element, as htab_map_get_next_key does.
      i = at < 0 ? 0 : at + 1;
    }
    const k = order[i];
    if (k === undefined) return -ENOENT;
    next.set(s.keys.get(k) as Uint8Array);
    return 0;
  },
  progLookup(map, keyAddr) {
    const key = map.kernel.mem.u8.slice(keyAddr, keyAddr + map.attrs.key_size);
    return st(map).elems.get(hex(key)) ?? 0;
  },
  progUpdate(map, keyAddr, valueAddr, flags) {
    const mem = map.kernel.mem;
    const key = mem.u8.slice(keyAddr, keyAddr + map.attrs.key_size);
    return update(map, key, (a) => mem.u8.copyWithin(a, valueAddr, valueAddr + map.attrs.value_size), flags);
  },
  progDelete(map, keyAddr) {
    const key = map.kernel.mem.u8.slice(keyAddr, keyAddr + map.attrs.key_size);
    return remove(map, key);
  },
  freeze() {
    return 0;
  },
  free(map) {
    for (const addr of st(map).elems.values()) map.kernel.mem.free(addr);
    st(map).elems.clear();
  },
};
