/**
 * @fileoverview BPF_MAP_TYPE_SK_STORAGE (net/core/bpf_sk_storage.c,
 * kernel/bpf/bpf_local_storage.c): per-socket values created on demand by
 * bpf_sk_storage_get, as BPF congestion controls (bpf_dctcp) use them.
 *
 * Each (map, socket) pair has at most one value in kernel memory. Closing the
 * socket frees its values; freeing the map frees every socket's value.
 * The syscall side addresses sockets by fd (the key is an int fd of the
 * caller, sockfd_lookup: EBADF for no file, ENOTSOCK for a file that is no
 * socket); there is no key order to walk (GET_NEXT_KEY: ENOTSUPP).
 *
 * @see kernel/bpf/bpf_local_storage.c bpf_local_storage_map_alloc_check, bpf_local_storage_update (v6.18)
 * @see net/core/bpf_sk_storage.c bpf_fd_sk_storage_lookup_elem, bpf_fd_sk_storage_update_elem, bpf_fd_sk_storage_delete_elem (v6.18)
 */
import { E2BIG, EBADF, EEXIST, EINVAL, ENOENT, ENOMEM, ENOTSOCK, ENOTSUPP } from "../../uapi/errno.js";
import { BPF_EXIST, BPF_F_CLONE, BPF_F_LOCK, BPF_F_NO_PREALLOC, BPF_NOEXIST, BPF_SK_STORAGE_GET_F_CREATE } from "../../uapi/bpf-flags.js";
import type { Task } from "../task.js";
import { PERM_RW } from "../mem/memory.js";
import type { KernelSock } from "../kernel.js";
import { mapPriv } from "./core.js";
import type { BpfMap, MapAttrs, MapOps } from "./core.js";
import { ERR, type ErrOr } from "../errptr.js";

/** BPF_LOCAL_STORAGE_MAX_VALUE_SIZE (about 64 KiB less the element header). */
const MAX_VALUE_SIZE = 65535 - 128;

/** bpf_local_storage_map_alloc_check: 0 or -errno. */
export function skStorageAllocCheck(a: MapAttrs): number {
  if (
    (a.map_flags & ~(BPF_F_NO_PREALLOC | BPF_F_CLONE)) !== 0 ||
    !(a.map_flags & BPF_F_NO_PREALLOC) ||
    a.max_entries !== 0 ||
    a.key_size !== 4 ||
    a.value_size === 0 ||
    a.btf_key_type_id === 0 ||
    a.btf_value_type_id === 0
  ) {
    return -EINVAL;
  }
  if (a.value_size > MAX_VALUE_SIZE) return -E2BIG;
  return 0;
}

/** Sets up the (socket → value) table. */
export function skStorageAlloc(map: BpfMap): number {
  map.priv = new Map<KernelSock, number>();
  return 0;
}

function table(map: BpfMap): Map<KernelSock, number> {
  return mapPriv(map, skStorageMapOps);
}

/**
 * bpf_sk_storage_get: the value address for (map, sk), creating it (zeroed or
 * copied from `init`) with BPF_SK_STORAGE_GET_F_CREATE; 0 when absent.
 */
export function skStorageGet(map: BpfMap, sk: KernelSock, init: number, flags: number): number {
  if ((flags & ~BPF_SK_STORAGE_GET_F_CREATE) !== 0) return 0;
  const t = table(map);
  const have = t.get(sk);
  if (have !== undefined) return have;
  if (!(flags & BPF_SK_STORAGE_GET_F_CREATE)) return 0;
  const mem = map.kernel.mem;
  const addr = mem.alloc(map.attrs.value_size, PERM_RW);
  if (addr === 0) return 0;
  if (init !== 0) mem.u8.copyWithin(addr, init, init + map.attrs.value_size);
  t.set(sk, addr);
  sk.bpfStorage.set(map, addr);
  return addr;
}

/** bpf_sk_storage_delete: 0 or -ENOENT. */
export function skStorageDelete(map: BpfMap, sk: KernelSock): number {
  const t = table(map);
  const addr = t.get(sk);
  if (addr === undefined) return -ENOENT;
  t.delete(sk);
  sk.bpfStorage.delete(map);
  map.kernel.mem.free(addr);
  return 0;
}

/** Frees every value a closing socket holds (bpf_sk_storage_free). */
export function skStorageFreeSock(sk: KernelSock): void {
  for (const map of [...sk.bpfStorage.keys()]) skStorageDelete(map, sk);
}

/** sockfd_lookup of the int fd a syscall key holds: the socket, or -EBADF / -ENOTSOCK. */
function sockOfKey(task: Task, key: Uint8Array): ErrOr<KernelSock> {
  const fd = new DataView(key.buffer, key.byteOffset, 4).getInt32(0, true);
  const f = task.file(fd);
  if (f === null) return ERR(EBADF);
  return f.target.kind === "other" && f.target.sock !== undefined ? f.target.sock : ERR(ENOTSOCK);
}

/**
 * bpf_local_storage_update from the syscall: flags beyond BPF_EXIST (and
 * BPF_F_LOCK, which needs a bpf_spin_lock the model's values never have)
 * EINVAL; BPF_NOEXIST on a value EEXIST; BPF_EXIST without one ENOENT.
 */
function sysUpdate(map: BpfMap, key: Uint8Array, value: Uint8Array, flags: number, task: Task): number {
  const sk = sockOfKey(task, key);
  if (typeof sk === "number") return sk;
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK) !== 0) return -EINVAL;
  const mem = map.kernel.mem;
  const have = table(map).get(sk);
  if (have !== undefined && flags === BPF_NOEXIST) return -EEXIST;
  if (have === undefined && flags === BPF_EXIST) return -ENOENT;
  const addr = have ?? skStorageGet(map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (addr === 0) return -ENOMEM;
  mem.u8.set(value, addr);
  return 0;
}

/** The sk_storage map's operations. */
export const skStorageMapOps: MapOps<Map<KernelSock, number>> = {
  sysLookup(map, key, value, _flags, task) {
    const sk = sockOfKey(task, key);
    if (typeof sk === "number") return sk;
    const addr = table(map).get(sk);
    if (addr === undefined) return -ENOENT;
    value.set(map.kernel.mem.u8.subarray(addr, addr + map.attrs.value_size));
    return 0;
  },
  sysUpdate,
  sysDelete(map, key, task) {
    const sk = sockOfKey(task, key);
    return typeof sk === "number" ? sk : skStorageDelete(map, sk);
  },
  getNextKey: () => -ENOTSUPP,
  freeze: () => -EINVAL,
  free(map) {
    for (const sk of [...table(map).keys()]) skStorageDelete(map, sk);
  },
};
