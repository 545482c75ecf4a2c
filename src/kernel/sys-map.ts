/**
 * @fileoverview Map commands of bpf(2) (kernel/bpf/syscall.c map_create,
 * map_lookup_elem, map_update_elem, map_delete_elem, map_get_next_key,
 * map_freeze), with the checks in the kernel's order.
 *
 * @see kernel/bpf/syscall.c map_create (v6.18)
 */
import { mapCreatePermission } from "./capability.js";
import { EACCES, EBUSY, EFAULT, EINVAL, ENOMEM, ENOTSUPP, EPERM } from "../uapi/errno.js";
import * as T from "../uapi/bpf-enums.js";
import { BPF_F_LOCK, BPF_F_RDONLY, BPF_F_TOKEN_FD, BPF_F_WRONLY, BPF_F_NUMA_NODE } from "../uapi/bpf-flags.js";
import type { MapCreateAttrDecoded, MapElemAttrDecoded } from "../uapi/attr-codec.js";
import { ERR, isErr } from "./errptr.js";
import type { ErrOr } from "./errptr.js";
import { BpfMap } from "./map/core.js";
import type { MapAttrs, MapOps } from "./map/core.js";
import { arrayAlloc, arrayAllocCheck, arrayMapOps } from "./map/array.js";
import { hashAlloc, hashAllocCheck, hashMapOps } from "./map/hash.js";
import { structOpsAlloc, structOpsAllocCheck, structOpsMapOps, structOpsUpdate } from "./map/struct-ops.js";
import { skStorageAlloc, skStorageAllocCheck, skStorageMapOps } from "./map/sk-storage.js";
import { FMODE_READ, FMODE_WRITE } from "./file.js";
import { objNameCpy } from "./names.js";
import type { Task } from "./task.js";

interface MapType {
  readonly ops: MapOps;
  readonly allocCheck: (a: MapAttrs) => number;
  /** map_alloc: 0 or -errno; `task` and the attr resolve fds the type reads (value_type_btf_obj_fd). */
  readonly alloc: (m: BpfMap, task: Task, attr: { readonly value_type_btf_obj_fd: number }) => number;
}

const MAP_TYPES: ReadonlyMap<number, MapType> = new Map([
  [T.BPF_MAP_TYPE_HASH, { ops: hashMapOps, allocCheck: hashAllocCheck, alloc: hashAlloc }],
  [T.BPF_MAP_TYPE_ARRAY, { ops: arrayMapOps, allocCheck: arrayAllocCheck, alloc: arrayAlloc }],
  [T.BPF_MAP_TYPE_SK_STORAGE, { ops: skStorageMapOps, allocCheck: skStorageAllocCheck, alloc: skStorageAlloc }],
  [T.BPF_MAP_TYPE_STRUCT_OPS, { ops: structOpsMapOps, allocCheck: structOpsAllocCheck, alloc: structOpsAlloc }],
]);

/** BPF_MAP_CREATE: the new map fd or -errno. */
export function mapCreate(task: Task, a: MapCreateAttrDecoded): number {
  const k = task.kernel;
  let flags = a.map_flags;
  // BPF_F_TOKEN_FD is consumed here; the model has no tokens.
  if (flags & BPF_F_TOKEN_FD) return -EINVAL;
  flags &= ~BPF_F_TOKEN_FD;
  if (a.btf_vmlinux_value_type_id) {
    if (a.map_type !== T.BPF_MAP_TYPE_STRUCT_OPS || a.btf_key_type_id || a.btf_value_type_id) return -EINVAL;
  } else if (a.btf_key_type_id && !a.btf_value_type_id) {
    return -EINVAL;
  }
  if (a.map_type !== T.BPF_MAP_TYPE_BLOOM_FILTER && a.map_type !== T.BPF_MAP_TYPE_ARENA && a.map_extra !== 0n) return -EINVAL;
  if ((flags & BPF_F_RDONLY) && (flags & BPF_F_WRONLY)) return -EINVAL;
  if ((flags & BPF_F_NUMA_NODE) && a.numa_node !== 0) return -EINVAL;
  const type = MAP_TYPES.get(a.map_type);
  if (type === undefined) return -EINVAL;
  const attrs: MapAttrs = {
    map_type: a.map_type,
    key_size: a.key_size,
    value_size: a.value_size,
    max_entries: a.max_entries,
    map_flags: flags,
    map_name: "",
    map_extra: a.map_extra,
    btf_id: 0,
    btf_key_type_id: a.btf_key_type_id,
    btf_value_type_id: a.btf_value_type_id,
    btf_vmlinux_value_type_id: a.btf_vmlinux_value_type_id,
    btf_vmlinux_id: a.map_type === T.BPF_MAP_TYPE_STRUCT_OPS ? k.vmlinux.id : 0,
  };
  const chk = type.allocCheck(attrs);
  if (chk < 0) return chk;
  if (a.map_ifindex) return -EINVAL;
  const perm = mapCreatePermission(task, a.map_type);
  if (perm < 0) return perm;
  if (k.failNextAlloc()) return -ENOMEM;
  const name = objNameCpy(a.map_name);
  const map = new BpfMap(k, type.ops, { ...attrs, map_name: typeof name === "string" ? name : "" });
  const r = type.alloc(map, task, a);
  if (r < 0) return r;
  k.liveMaps.add(map);
  const undo = (e: number): number => {
    map.put();
    return e;
  };
  if (typeof name !== "string") return undo(name);
  if (a.btf_key_type_id || a.btf_value_type_id || a.btf_vmlinux_value_type_id) {
    const btf = k.btfGetFd(task, a.btf_fd);
    if (isErr(btf)) return undo(btf);
    const kernelBtf = btf.isKernel;
    btf.put();
    if (kernelBtf) return undo(-EACCES);
    (map.attrs as { btf_id: number }).btf_id = btf.id;
  }
  map.addr = k.mem.alloc(64);
  if (map.addr === 0) return undo(-ENOMEM);
  k.mapsByAddr.set(map.addr, map);
  map.id = k.mapIdr.allocCyclic(map);
  const mode = flags & BPF_F_RDONLY ? FMODE_READ : flags & BPF_F_WRONLY ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
  const fd = k.mapNewFd(task, map, mode);
  if (fd < 0) return undo(fd);
  return fd;
}

function copyKey(task: Task, m: BpfMap, key: bigint): ErrOr<Uint8Array> {
  const b = task.mm.read(key, m.attrs.key_size);
  return b === null ? ERR(EFAULT) : b;
}

/** BPF_MAP_LOOKUP_ELEM: 0 or -errno; the value is copied to user memory. */
export function mapLookupElem(task: Task, a: MapElemAttrDecoded): number {
  if (a.flags & ~BigInt(BPF_F_LOCK)) return -EINVAL;
  const f = task.kernel.mapFile(task, a.map_fd);
  if (isErr(f)) return f;
  if (f.target.kind !== "map") return -EINVAL;
  const m = f.target.obj;
  if (!(f.mode & FMODE_READ)) return -EPERM;
  if (a.flags & BigInt(BPF_F_LOCK)) return -EINVAL;
  const key = copyKey(task, m, a.key);
  if (isErr(key)) return key;
  const value = new Uint8Array(m.attrs.value_size);
  const r = m.ops.sysLookup(m, key, value, Number(a.flags), task);
  if (r < 0) return r;
  return task.mm.write(a.value, value) ? 0 : -EFAULT;
}

/**
 * map_get_sys_perms: the fd's mode, minus write once the map is frozen
 * (BPF_MAP_FREEZE makes the map read-only from the syscall side).
 */
function canWrite(mode: number, m: { readonly frozen: boolean }): boolean {
  return (mode & FMODE_WRITE) !== 0 && !m.frozen;
}

/** BPF_MAP_UPDATE_ELEM: 0, -errno, or (struct_ops owner quirk) a positive value. */
export function mapUpdateElem(task: Task, a: MapElemAttrDecoded): number {
  const f = task.kernel.mapFile(task, a.map_fd);
  if (isErr(f)) return f;
  if (f.target.kind !== "map") return -EINVAL;
  const m = f.target.obj;
  if (!canWrite(f.mode, m)) return -EPERM;
  if (a.flags & BigInt(BPF_F_LOCK)) return -EINVAL;
  const key = copyKey(task, m, a.key);
  if (isErr(key)) return key;
  const value = task.mm.read(a.value, m.attrs.value_size);
  if (value === null) return -EFAULT;
  if (m.ops === structOpsMapOps) return structOpsUpdate(task, m, key, value, Number(a.flags));
  return m.ops.sysUpdate(m, key, value, Number(a.flags), task);
}

/** BPF_MAP_DELETE_ELEM: 0 or -errno. */
export function mapDeleteElem(task: Task, a: MapElemAttrDecoded): number {
  const f = task.kernel.mapFile(task, a.map_fd);
  if (isErr(f)) return f;
  if (f.target.kind !== "map") return -EINVAL;
  const m = f.target.obj;
  if (!canWrite(f.mode, m)) return -EPERM;
  const key = copyKey(task, m, a.key);
  if (isErr(key)) return key;
  return m.ops.sysDelete(m, key, task);
}

/** BPF_MAP_GET_NEXT_KEY: 0 or -errno. */
export function mapGetNextKey(task: Task, a: MapElemAttrDecoded): number {
  const f = task.kernel.mapFile(task, a.map_fd);
  if (isErr(f)) return f;
  if (f.target.kind !== "map") return -EINVAL;
  const m = f.target.obj;
  if (!(f.mode & FMODE_READ)) return -EPERM;
  let key: Uint8Array | null = null;
  if (a.key !== 0n) {
    const k = copyKey(task, m, a.key);
    if (isErr(k)) return k;
    key = k;
  }
  const next = new Uint8Array(m.attrs.key_size);
  const r = m.ops.getNextKey(m, key, next);
  if (r < 0) return r;
  return task.mm.write(a.value, next) ? 0 : -EFAULT;
}

/** BPF_MAP_FREEZE: 0 or -errno. */
export function mapFreeze(task: Task, a: MapElemAttrDecoded): number {
  const f = task.kernel.mapFile(task, a.map_fd);
  if (isErr(f)) return f;
  if (f.target.kind !== "map") return -EINVAL;
  const m = f.target.obj;
  if (m.ops.freeze === undefined) return -ENOTSUPP;
  const r = m.ops.freeze(m);
  if (r < 0) return r;
  if (!canWrite(f.mode, m)) return -EPERM; // a frozen map has lost write: a second freeze is EPERM
  if (m.frozen) return -EBUSY;
  if (!task.bpfCapable()) return -EPERM;
  m.frozen = true;
  return 0;
}
