/**
 * @fileoverview BPF_MAP_TYPE_STRUCT_OPS (kernel/bpf/bpf_struct_ops.c): one
 * value, `struct bpf_struct_ops_<type>`, whose update installs programs into
 * an ops table and (without BPF_F_LINK) registers it.
 *
 * State machine of `common.state` (KERNEL-SPEC.md §3):
 *   without BPF_F_LINK: INIT --update ok--> INUSE --delete--> TOBEFREE
 *   with BPF_F_LINK:    INIT --update ok--> READY (terminal)
 *   any failed update:  back to INIT with the value zeroed (retry allowed)
 * A value is applied at most once: update in any state but INIT is EBUSY.
 * INUSE holds one map reference of its own, so closing every fd neither
 * unregisters nor frees it. Link maps are registered only by links.
 *
 * @see kernel/bpf/bpf_struct_ops.c bpf_struct_ops_map_update_elem (v6.18)
 */
import { E2BIG, EBUSY, EINPROGRESS, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP } from "../../uapi/errno.js";
import { BPF_F_LINK, BPF_F_VTYPE_BTF_OBJ_FD, BPF_PROG_TYPE_STRUCT_OPS } from "../../uapi/index.js";
import {
  BPF_STRUCT_OPS_STATE_INIT,
  BPF_STRUCT_OPS_STATE_INUSE,
  BPF_STRUCT_OPS_STATE_READY,
  BPF_STRUCT_OPS_STATE_TOBEFREE,
} from "../../uapi/bpf-flags.js";
import type { BpfStructOpsState } from "../../uapi/bpf-flags.js";
import { KernelBug } from "../bug.js";
import { isErr } from "../errptr.js";
import { StructOpsKdata } from "../struct-ops/kdata.js";
import type { StructOpsDesc } from "../struct-ops/desc.js";
import type { BpfProg } from "../prog/core.js";
import { mapPriv } from "./core.js";
import type { BpfMap, MapAttrs, MapOps } from "./core.js";
import type { Task } from "../task.js";

/** Per-map state of a struct_ops map (struct bpf_struct_ops_map). */
export interface StructOpsMapState {
  readonly desc: StructOpsDesc;
  /** kvalue.common.state. */
  state: BpfStructOpsState;
  /** The last applied user value, program fds rewritten to program IDs; zero while INIT. */
  readonly uvalue: Uint8Array;
  readonly kdata: StructOpsKdata;
}

/** The struct_ops state of `map`, or null if it is not a struct_ops map. */
export function structOpsState(map: BpfMap): StructOpsMapState | null {
  return map.ops === structOpsMapOps ? mapPriv(map, structOpsMapOps) : null;
}

/** bpf_struct_ops_map_alloc_check: 0 or -EINVAL. */
export function structOpsAllocCheck(a: MapAttrs): number {
  if (a.key_size !== 4 || a.max_entries !== 1 || (a.map_flags & ~(BPF_F_LINK | BPF_F_VTYPE_BTF_OBJ_FD)) !== 0 || a.btf_vmlinux_value_type_id === 0) {
    return -EINVAL;
  }
  return 0;
}

/**
 * bpf_struct_ops_map_alloc (value type BTF, value type lookup and size
 * check): 0 or -errno. With BPF_F_VTYPE_BTF_OBJ_FD the value type lives in
 * the module BTF behind `value_type_btf_obj_fd` (btf_get_by_fd: -EBADF or
 * -EINVAL), and a BTF that is not a module's is -EINVAL. The model has no
 * modules, so every such request fails there (KERNEL-SPEC.md §4.1 step 6).
 */
export function structOpsAlloc(map: BpfMap, task: Task, attr: { readonly value_type_btf_obj_fd: number }): number {
  if (map.attrs.map_flags & BPF_F_VTYPE_BTF_OBJ_FD) {
    const btf = map.kernel.btfGetFd(task, attr.value_type_btf_obj_fd);
    if (isErr(btf)) return btf;
    btf.put();
    // btf_is_module(): neither vmlinux nor a user BTF is.
    return -EINVAL;
  }
  const desc = map.kernel.structOpsByValueId(map.attrs.btf_vmlinux_value_type_id);
  if (desc === undefined) return -ENOTSUPP;
  if (map.attrs.value_size !== desc.valueSize) return -EINVAL;
  const kdata = new StructOpsKdata(map, desc);
  map.priv = { desc, state: BPF_STRUCT_OPS_STATE_INIT, uvalue: new Uint8Array(desc.valueSize), kdata } satisfies StructOpsMapState;
  desc.type.initKdata?.(kdata);
  return 0;
}

/** bpf_struct_ops_valid_to_reg: a READY link map of type struct_ops. */
export function structOpsValidToReg(map: BpfMap): boolean {
  const s = structOpsState(map);
  return s !== null && (map.attrs.map_flags & BPF_F_LINK) !== 0 && s.state === BPF_STRUCT_OPS_STATE_READY;
}

function st(map: BpfMap): StructOpsMapState {
  return mapPriv(map, structOpsMapOps);
}

function u32(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(off, true);
}

function allZero(b: Uint8Array, from: number, len: number): boolean {
  for (let i = from; i < from + len; i++) if (b[i] !== 0) return false;
  return true;
}

/** Drops the programs a failed or freed value holds (bpf_struct_ops_map_put_progs). */
function putProgs(s: StructOpsMapState): void {
  for (const p of s.kdata.progs) p?.put();
}

/**
 * The struct_ops half of BPF_MAP_UPDATE_ELEM. The generic checks (attr, fd,
 * permissions, BPF_F_LOCK) were done by the syscall layer. Returns 0, a
 * negative errno, or (reproducing Linux exactly) the positive value the member
 * walk left behind when a non-zero `owner` aborts the update.
 */
export function structOpsUpdate(task: Task, map: BpfMap, key: Uint8Array, value: Uint8Array, flags: number): number {
  const s = st(map);
  const desc = s.desc;
  if (flags !== 0) return -EINVAL;
  if (u32(key, 0) !== 0) return -E2BIG;
  for (const h of desc.holes) if (!allZero(value, h.offset, h.size)) return -EINVAL;
  // common.refcnt and common.state must be zero in the user value.
  if (u32(value, 0) !== 0 || u32(value, 4) !== 0) return -EINVAL;
  // Under st_map->lock: the value is applied at most once.
  if (s.state !== BPF_STRUCT_OPS_STATE_INIT) return -EBUSY;

  const udata = value.subarray(desc.dataOffset, desc.dataOffset + desc.dataSize);
  s.uvalue.set(value);
  const kdata = s.kdata;
  let err = 0;
  const reset = (e: number): number => {
    putProgs(s);
    s.uvalue.fill(0);
    kdata.reset();
    return e;
  };
  for (const m of desc.members) {
    if (m.isModule) {
      // The kernel writes its BPF_MODULE_OWNER marker; a user value here aborts
      // with whatever the previous member left in `err` (0 or 1), not an errno.
      if (!allZero(udata, m.offset, m.size)) return reset(err);
      continue;
    }
    err = desc.type.initMember(m, udata, kdata);
    if (err < 0) return reset(err);
    if (err > 0) continue;
    if (!m.isFuncPtr) {
      if (!allZero(udata, m.offset, m.size)) return reset(-EINVAL);
      continue;
    }
    const progFd = new DataView(udata.buffer, udata.byteOffset).getInt32(m.offset, true);
    if (progFd === 0) continue;
    const prog = map.kernel.progGetFd(task, progFd);
    if (isErr(prog)) return reset(prog);
    if (!structOpsProgFits(prog, desc, m.index)) {
      prog.put();
      return reset(-EINVAL);
    }
    kdata.progs[m.index] = prog;
    // uvalue keeps the program ID where the user wrote the fd (lookup shows IDs).
    const uv = new DataView(s.uvalue.buffer, s.uvalue.byteOffset);
    uv.setBigUint64(desc.dataOffset + m.offset, BigInt(prog.id), true);
  }
  if (desc.type.validate !== undefined) {
    const v = desc.type.validate(kdata);
    if (v < 0) return reset(v);
  }
  if (map.attrs.map_flags & BPF_F_LINK) {
    s.state = BPF_STRUCT_OPS_STATE_READY;
    return 0;
  }
  const r = desc.type.reg(kdata, null);
  if (r < 0) return reset(r);
  // The registration holds its own map reference (dropped by delete_elem).
  map.inc();
  s.state = BPF_STRUCT_OPS_STATE_INUSE;
  return 0;
}

/** Whether `prog` may sit in member `index` of `desc`'s ops. */
function structOpsProgFits(prog: BpfProg, desc: StructOpsDesc, index: number): boolean {
  return prog.type === BPF_PROG_TYPE_STRUCT_OPS && prog.attrs.attach_btf_id === desc.typeId && prog.attrs.expected_attach_type === index;
}

/** The struct_ops map's operations. */
export const structOpsMapOps: MapOps<StructOpsMapState> = {
  freeAfter: "rcu",
  sysLookup(map, key, value) {
    if (u32(key, 0) !== 0) return -ENOENT;
    const s = st(map);
    if (s.state === BPF_STRUCT_OPS_STATE_INIT) {
      value.fill(0, 0, map.attrs.value_size);
      return 0;
    }
    value.set(s.uvalue);
    const dv = new DataView(value.buffer, value.byteOffset);
    // refcnt shown is the number of non-user holders: registration, links, sockets.
    dv.setUint32(0, Math.max(0, map.refcnt.count - map.usercnt.count), true);
    dv.setUint32(4, s.state, true);
    return 0;
  },
  sysUpdate() {
    // Reached only through structOpsUpdate, which needs the calling task.
    return -EINVAL;
  },
  sysDelete(map) {
    if (map.attrs.map_flags & BPF_F_LINK) return -EOPNOTSUPP;
    const s = st(map);
    switch (s.state) {
      case BPF_STRUCT_OPS_STATE_INUSE:
        s.state = BPF_STRUCT_OPS_STATE_TOBEFREE;
        s.desc.type.unreg(s.kdata, null);
        map.put();
        return 0;
      case BPF_STRUCT_OPS_STATE_TOBEFREE:
        return -EINPROGRESS;
      case BPF_STRUCT_OPS_STATE_INIT:
        return -ENOENT;
      case BPF_STRUCT_OPS_STATE_READY:
        // Only BPF_F_LINK maps reach READY, and they returned EOPNOTSUPP above
        // (Linux: WARN_ON_ONCE in bpf_struct_ops_map_delete_elem).
        throw new KernelBug(`bpf_struct_ops_map_delete_elem: map ${map.id} without BPF_F_LINK is READY`);
      default: {
        const impossible: never = s.state;
        throw new KernelBug(`bpf_struct_ops_map_delete_elem: unknown state ${String(impossible)}`);
      }
    }
  },
  getNextKey(_map, key, next) {
    if (key !== null && u32(key, 0) === 0) return -ENOENT;
    next.fill(0, 0, 4);
    return 0;
  },
  freeze() {
    return -ENOTSUPP;
  },
  free(map) {
    // Never registered here: INUSE and every link hold references (§4.11).
    const s = st(map);
    putProgs(s);
    s.kdata.reset();
  },
};
