/**
 * @fileoverview The bpf(2) entry of the emulated kernel (kernel/bpf/syscall.c
 * __sys_bpf): attr size and tail checks, the per-command CHECK_ATTR, and the
 * dispatch to each command. Returns what the syscall returns: an fd or 0 on
 * success, a negative errno on failure.
 *
 * The attr arrives as the bytes the process passed, pointers inside being
 * addresses in the process's {@link UserMemory}; so the same bytes could go to
 * the real kernel unchanged.
 *
 * @see kernel/bpf/syscall.c __sys_bpf (v6.18)
 */
import { E2BIG, EINVAL, EOPNOTSUPP } from "../uapi/errno.js";
import * as C from "../uapi/bpf-enums.js";
import { BPF_F_REPLACE } from "../uapi/bpf-flags.js";
import { BPF_ATTR_SIZE } from "../uapi/attr-layout.js";
import { BPF_ATTR_LAST_FIELD, checkAttr } from "../uapi/attr-last-field.js";
import { decodeAttr } from "../uapi/attr-codec.js";
import { isErr } from "./errptr.js";
import { mapCreate, mapDeleteElem, mapFreeze, mapGetNextKey, mapLookupElem, mapUpdateElem } from "./sys-map.js";
import { progLoad } from "./sys-prog.js";
import { btfLoad, getFdById, getNextId, objGet, objGetInfoByFd, objPin } from "./sys-obj.js";
import { unmodelledCommand } from "./sys-unmodelled.js";
import { structOpsLinkCreate } from "./link/struct-ops-link.js";
import { iterCreate, iterLinkAttach } from "./iter/link.js";
import type { BpfMap } from "./map/core.js";
import type { BpfProg } from "./prog/core.js";
import type { BpfLink } from "./link/core.js";
import type { Task } from "./task.js";

const PAGE_SIZE = 4096;

/** Commands the model serves. */
const SERVED = new Set<number>([
  C.BPF_MAP_CREATE, C.BPF_MAP_LOOKUP_ELEM, C.BPF_MAP_UPDATE_ELEM, C.BPF_MAP_DELETE_ELEM, C.BPF_MAP_GET_NEXT_KEY,
  C.BPF_PROG_LOAD, C.BPF_OBJ_PIN, C.BPF_OBJ_GET, C.BPF_PROG_GET_NEXT_ID, C.BPF_MAP_GET_NEXT_ID, C.BPF_PROG_GET_FD_BY_ID,
  C.BPF_MAP_GET_FD_BY_ID, C.BPF_OBJ_GET_INFO_BY_FD, C.BPF_BTF_LOAD, C.BPF_BTF_GET_FD_BY_ID, C.BPF_MAP_FREEZE,
  C.BPF_BTF_GET_NEXT_ID, C.BPF_LINK_CREATE, C.BPF_LINK_UPDATE, C.BPF_LINK_GET_FD_BY_ID, C.BPF_LINK_GET_NEXT_ID, C.BPF_LINK_DETACH,
  C.BPF_ITER_CREATE,
]);

/**
 * bpf(cmd, attr, size). `uattr` is the caller's attr (its length is `size`);
 * output fields the kernel writes into the attr (next_id, info_len) are
 * written back into `uattr`.
 */
export function sysBpf(task: Task, cmd: number, uattr: Uint8Array): number {
  // bpf_check_uarg_tail_zero on the attr itself.
  if (uattr.length > PAGE_SIZE) return -E2BIG;
  for (let i = BPF_ATTR_SIZE; i < uattr.length; i++) if (uattr[i] !== 0) return -E2BIG;
  const attr = new Uint8Array(BPF_ATTR_SIZE);
  attr.set(uattr.subarray(0, Math.min(uattr.length, BPF_ATTR_SIZE)));
  // __sys_bpf's default case: a command Linux 6.18 does not know.
  if (!BPF_ATTR_LAST_FIELD.has(cmd)) return -EINVAL;
  if (checkAttr(cmd, attr)) return -EINVAL;
  if (!SERVED.has(cmd)) return unmodelledCommand(task, cmd, attr);
  const r = dispatch(task, cmd, attr);
  // Copy back what the kernel wrote into its attr copy (put_user on uattr).
  uattr.set(attr.subarray(0, Math.min(uattr.length, BPF_ATTR_SIZE)));
  return r;
}

function dispatch(task: Task, cmd: number, attr: Uint8Array): number {
  const k = task.kernel;
  switch (cmd) {
    case C.BPF_MAP_CREATE:
      return mapCreate(task, decodeAttr(C.BPF_MAP_CREATE, attr));
    case C.BPF_MAP_LOOKUP_ELEM:
      return mapLookupElem(task, decodeAttr(C.BPF_MAP_LOOKUP_ELEM, attr));
    case C.BPF_MAP_UPDATE_ELEM:
      return mapUpdateElem(task, decodeAttr(C.BPF_MAP_UPDATE_ELEM, attr));
    case C.BPF_MAP_DELETE_ELEM:
      return mapDeleteElem(task, decodeAttr(C.BPF_MAP_DELETE_ELEM, attr));
    case C.BPF_MAP_GET_NEXT_KEY:
      return mapGetNextKey(task, decodeAttr(C.BPF_MAP_GET_NEXT_KEY, attr));
    case C.BPF_MAP_FREEZE:
      return mapFreeze(task, decodeAttr(C.BPF_MAP_FREEZE, attr));
    case C.BPF_PROG_LOAD:
      return progLoad(task, decodeAttr(C.BPF_PROG_LOAD, attr));
    case C.BPF_OBJ_PIN:
      return objPin(task, decodeAttr(C.BPF_OBJ_PIN, attr));
    case C.BPF_OBJ_GET:
      return objGet(task, decodeAttr(C.BPF_OBJ_GET, attr));
    case C.BPF_PROG_GET_NEXT_ID:
      return getNextId(task, decodeAttr(C.BPF_PROG_GET_NEXT_ID, attr), k.progIdr, attr);
    case C.BPF_MAP_GET_NEXT_ID:
      return getNextId(task, decodeAttr(C.BPF_MAP_GET_NEXT_ID, attr), k.mapIdr, attr);
    case C.BPF_LINK_GET_NEXT_ID:
      return getNextId(task, decodeAttr(C.BPF_LINK_GET_NEXT_ID, attr), k.linkIdr, attr);
    case C.BPF_BTF_GET_NEXT_ID:
      return getNextId(task, decodeAttr(C.BPF_BTF_GET_NEXT_ID, attr), k.btfIdr, attr);
    case C.BPF_MAP_GET_FD_BY_ID:
      return getFdById(task, "map", decodeAttr(C.BPF_MAP_GET_FD_BY_ID, attr));
    case C.BPF_PROG_GET_FD_BY_ID:
      return getFdById(task, "prog", decodeAttr(C.BPF_PROG_GET_FD_BY_ID, attr));
    case C.BPF_LINK_GET_FD_BY_ID:
      return getFdById(task, "link", decodeAttr(C.BPF_LINK_GET_FD_BY_ID, attr));
    case C.BPF_BTF_GET_FD_BY_ID:
      return getFdById(task, "btf", decodeAttr(C.BPF_BTF_GET_FD_BY_ID, attr));
    case C.BPF_OBJ_GET_INFO_BY_FD:
      return objGetInfoByFd(task, decodeAttr(C.BPF_OBJ_GET_INFO_BY_FD, attr), attr);
    case C.BPF_BTF_LOAD:
      return btfLoad(task, decodeAttr(C.BPF_BTF_LOAD, attr), attr);
    case C.BPF_LINK_CREATE:
      return linkCreate(task, decodeAttr(C.BPF_LINK_CREATE, attr));
    case C.BPF_LINK_UPDATE:
      return linkUpdate(task, decodeAttr(C.BPF_LINK_UPDATE, attr));
    case C.BPF_LINK_DETACH:
      return linkDetach(task, decodeAttr(C.BPF_LINK_DETACH, attr));
    case C.BPF_ITER_CREATE: {
      const a = decodeAttr(C.BPF_ITER_CREATE, attr);
      return iterCreate(task, a.link_fd, a.flags);
    }
    default:
      return -EINVAL;
  }
}

/** BPF_LINK_CREATE: the struct_ops and iterator paths are modelled. */
function linkCreate(task: Task, a: ReturnType<typeof decodeAttr<typeof C.BPF_LINK_CREATE>>): number {
  if (a.attach_type === C.BPF_STRUCT_OPS) return structOpsLinkCreate(task, a.prog_fd, a.attach_type);
  const prog = task.kernel.progGetFd(task, a.prog_fd);
  if (isErr(prog)) return prog;
  // link_create: attach_type_to_prog_type must give the program's type; a tracing
  // program with BPF_TRACE_ITER becomes an iterator link (bpf_iter_link_attach).
  if (a.attach_type === C.BPF_TRACE_ITER && prog.type === C.BPF_PROG_TYPE_TRACING && prog.attrs.expected_attach_type === C.BPF_TRACE_ITER) {
    return iterLinkAttach(task, prog, a.target_fd, a.flags);
  }
  // No other link type is modelled; Linux rejects a program/attach-type mismatch with EINVAL.
  prog.put();
  return -EINVAL;
}

/** BPF_LINK_UPDATE (link_update, link_update_map). */
function linkUpdate(task: Task, a: ReturnType<typeof decodeAttr<typeof C.BPF_LINK_UPDATE>>): number {
  const k = task.kernel;
  if (a.flags & ~BPF_F_REPLACE) return -EINVAL;
  const link = k.linkGetFd(task, a.link_fd);
  if (isErr(link)) return link;
  try {
    if (link.ops.updateMap === undefined) return linkUpdateProg(task, link, a);
    const newMap = k.mapGetFd(task, a.new_prog_fd);
    if (isErr(newMap)) return newMap;
    let oldMap: BpfMap | null = null;
    try {
      if (a.flags & BPF_F_REPLACE) {
        const o = k.mapGetFd(task, a.old_prog_fd);
        if (isErr(o)) return o;
        oldMap = o;
      } else if (a.old_prog_fd !== 0) {
        return -EINVAL;
      }
      return link.ops.updateMap(link, newMap, oldMap);
    } finally {
      oldMap?.put();
      newMap.put();
    }
  } finally {
    link.put();
  }
}

/**
 * link_update's program path: the new program (and with BPF_F_REPLACE the
 * expected old one) resolved, then the link type's update_prog; a link type
 * without one is EINVAL. The new program's reference moves to the link on
 * success.
 */
function linkUpdateProg(task: Task, link: BpfLink, a: ReturnType<typeof decodeAttr<typeof C.BPF_LINK_UPDATE>>): number {
  const k = task.kernel;
  const newProg = k.progGetFd(task, a.new_prog_fd);
  if (isErr(newProg)) return newProg;
  let oldProg: BpfProg | null = null;
  if (a.flags & BPF_F_REPLACE) {
    const o = k.progGetFd(task, a.old_prog_fd);
    if (isErr(o)) {
      newProg.put();
      return o;
    }
    oldProg = o;
  } else if (a.old_prog_fd !== 0) {
    newProg.put();
    return -EINVAL;
  }
  const r = link.ops.updateProg?.(link, newProg, oldProg) ?? -EINVAL;
  oldProg?.put();
  if (r !== 0) newProg.put();
  return r;
}

/** BPF_LINK_DETACH. */
function linkDetach(task: Task, a: ReturnType<typeof decodeAttr<typeof C.BPF_LINK_DETACH>>): number {
  const link = task.kernel.linkGetFd(task, a.link_fd);
  if (isErr(link)) return link;
  const r = link.ops.detach?.(link) ?? -EOPNOTSUPP;
  link.put();
  return r;
}
