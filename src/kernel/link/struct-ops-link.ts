/**
 * @fileoverview The struct_ops map link (BPF_LINK_TYPE_STRUCT_OPS,
 * kernel/bpf/bpf_struct_ops.c): registration of a BPF_F_LINK struct_ops map
 * through a bpf_link, and its update, detach and release.
 *
 * States (KERNEL-SPEC.md §3.3): attached to map M (holding one reference on
 * M, M registered); updated to N (reference and registration move M → N);
 * detached (map NULL: unregistered, EPOLLHUP, ENOLINK on update); freed on
 * the last reference (unreg if still attached, no wake-up). All registry
 * changes happen under the global `update_mutex`, which the single-threaded
 * model gets for free; the comments mark where Linux takes it.
 *
 * @see kernel/bpf/bpf_struct_ops.c bpf_struct_ops_link_create (v6.18)
 */
import { EINVAL, ENOLINK, ENOMEM, EOPNOTSUPP, EPERM } from "../../uapi/errno.js";
import { BPF_LINK_TYPE_STRUCT_OPS } from "../../uapi/bpf-enums.js";
import { EPOLLHUP } from "../../uapi/eventpoll.js";
import { isErr } from "../errptr.js";
import { BpfLink, linkPriv } from "./core.js";
import { structOpsState, structOpsValidToReg } from "../map/struct-ops.js";
import type { LinkOps } from "./core.js";
import type { BpfMap } from "../map/core.js";
import type { Task } from "../task.js";


/** struct bpf_struct_ops_link: the map, or null once detached. */
interface StructOpsLinkState {
  map: BpfMap | null;
}

function st(link: BpfLink): StructOpsLinkState {
  return linkPriv(link, structOpsLinkOps);
}

/** The map a struct_ops link currently holds, or null (detached or not a struct_ops link). */
export function structOpsLinkMap(link: BpfLink): BpfMap | null {
  return link.ops === structOpsLinkOps ? st(link).map : null;
}

const structOpsLinkOps: LinkOps<StructOpsLinkState> = {
  dealloc(link) {
    const s = st(link);
    if (s.map !== null) {
      // Last reference gone while attached: unregister. No update_mutex here
      // in Linux, and no EPOLLHUP (nobody can hold the fd any more).
      const so = structOpsState(s.map);
      so?.desc.type.unreg(so.kdata, link);
      s.map.put();
      s.map = null;
    }
  },
  detach(link) {
    const s = st(link);
    // update_mutex held from here.
    if (s.map === null) return 0;
    const so = structOpsState(s.map);
    so?.desc.type.unreg(so.kdata, link);
    const map = s.map;
    s.map = null;
    // Pairs with the map reference taken at link create or update.
    map.put();
    return 0;
  },
  updateMap(link, newMap, expectedOld) {
    if (!structOpsValidToReg(newMap)) return -EINVAL;
    const ns = structOpsState(newMap);
    if (ns === null || ns.desc.type.update === undefined) return -EOPNOTSUPP;
    // update_mutex held from here.
    const s = st(link);
    const oldMap = s.map;
    if (oldMap === null) return -ENOLINK;
    if (expectedOld !== null && oldMap !== expectedOld) return -EPERM;
    const os = structOpsState(oldMap);
    if (os === null || os.desc !== ns.desc) return -EINVAL;
    if (oldMap === newMap) {
      // Linux calls update(k, k) here; TCP would then re-add a listed entry and
      // corrupt its list. The model keeps everything as it is and warns.
      link.kernel.dmesg.log("warn", `WARNING: struct_ops link ${link.id} updated to the map it already holds (map ${newMap.id}); Linux corrupts the ${ns.desc.type.name} list here, the model leaves it unchanged`);
      return 0;
    }
    const err = ns.desc.type.update(ns.kdata, os.kdata, link);
    if (err < 0) return err;
    newMap.inc();
    s.map = newMap;
    oldMap.put();
    return 0;
  },
  showFdinfo(link) {
    const m = st(link).map;
    return m === null ? "" : `map_id:\t${m.id}\n`;
  },
  fillLinkInfo(link, info) {
    const m = st(link).map;
    if (m !== null) info.setUint32(16, m.id, true);
  },
  poll(link) {
    return st(link).map === null ? EPOLLHUP : 0;
  },
};

/**
 * BPF_LINK_CREATE with attach_type BPF_STRUCT_OPS: the new link fd or -errno.
 * @see kernel/bpf/bpf_struct_ops.c bpf_struct_ops_link_create (v6.18)
 */
export function structOpsLinkCreate(task: Task, mapFd: number, attachType: number): number {
  const k = task.kernel;
  const map = k.mapGetFd(task, mapFd);
  if (isErr(map)) return map;
  if (!structOpsValidToReg(map)) {
    map.put();
    return -EINVAL;
  }
  if (k.failNextAlloc()) {
    map.put();
    return -ENOMEM;
  }
  const link = new BpfLink(k, BPF_LINK_TYPE_STRUCT_OPS, structOpsLinkOps, attachType);
  link.priv = { map: null } satisfies StructOpsLinkState;
  const primer = k.linkPrime(task, link);
  if (isErr(primer)) {
    map.put();
    return primer;
  }
  // update_mutex held across reg so a subsystem cannot detach a half-made link.
  const so = structOpsState(map);
  const err = so === null ? -EINVAL : so.desc.type.reg(so.kdata, link);
  if (err < 0) {
    k.linkCleanup(primer);
    map.put();
    return err;
  }
  // The temporary map reference becomes the link's.
  st(link).map = map;
  return k.linkSettle(primer);
}
