/**
 * @fileoverview bpf(2) commands for objects the emulated kernel does not have
 * (cgroups, tracing links, tokens, map batches, ...): each returns what Linux
 * 6.18 returns when the objects the attr names do not exist, after the checks
 * that come first in Linux (capabilities, flags, the fd the command resolves
 * first). BPF_ENABLE_STATS, which needs no object, is served.
 *
 * @see kernel/bpf/syscall.c __sys_bpf (v6.18)
 */
import { EBADF, EINVAL, ENOENT, ENOTSUPP, EPERM } from "../uapi/errno.js";
import * as C from "../uapi/bpf-enums.js";
import { FMODE_READ, KFile, O_CLOEXEC } from "./file.js";
import { CAP_NET_ADMIN, CAP_SYS_ADMIN } from "./task.js";
import { bpfTokenCapable } from "./capability.js";
import type { Task } from "./task.js";

/** enum bpf_stats_type: BPF_STATS_RUN_TIME. */
export const BPF_STATS_RUN_TIME = 0;

/** The anon inode name of a BPF_ENABLE_STATS fd (bpf_enable_runtime_stats). */
const BPF_STATS_INODE = "anon_inode:bpf-stats";

/**
 * Attach types whose PROG_DETACH and PROG_QUERY go to cgroup_bpf_*: the
 * BPF_CGROUP_* types and BPF_LSM_CGROUP. Their target_fd must be a cgroup
 * directory; cgroup_get_from_fd() returns -EBADF for any other fd, and the
 * model has no cgroupfs.
 */
const CGROUP_ATTACH_TYPES: ReadonlySet<number> = new Set(
  [...C.BPF_ATTACH_TYPE_NAMES].filter(([, n]) => n.startsWith("BPF_CGROUP_") || n === "BPF_LSM_CGROUP").map(([v]) => v),
);

/** A u32 of the attr at `off`. */
function u32(attr: Uint8Array, off: number): number {
  return new DataView(attr.buffer, attr.byteOffset, attr.byteLength).getUint32(off, true);
}

/** bpf_prog_get/bpf_map_get/fdget on an fd naming no object the command can use: -EBADF when closed, else -EINVAL. */
function fdOfNoUse(task: Task, fd: number): number {
  return task.file(fd) === null ? -EBADF : -EINVAL;
}

// Attr offsets (union bpf_attr, Linux 6.18), one per field read here.
const ATTACH_BPF_FD = 4; // attach_bpf_fd
const ATTACH_TYPE = 8; // attach_type / query.attach_type
const TEST_RUN_PROG_FD = 0; // test.prog_fd
const RAW_TP_PROG_FD = 8; // raw_tracepoint.prog_fd
const TASK_FD_QUERY_PID = 0;
const TASK_FD_QUERY_FD = 4;
const TASK_FD_QUERY_FLAGS = 8;
const BATCH_MAP_FD = 32; // batch.map_fd
const ENABLE_STATS_TYPE = 0;
const ITER_CREATE_LINK_FD = 0;
const PROG_BIND_MAP_PROG_FD = 0;
const TOKEN_CREATE_FLAGS = 0;
const TOKEN_CREATE_BPFFS_FD = 4;
const STREAM_READ_PROG_FD = 16;

/**
 * A command of Linux 6.18 the model has no objects for, its attr past
 * CHECK_ATTR: what Linux returns.
 */
export function unmodelledCommand(task: Task, cmd: number, attr: Uint8Array): number {
  switch (cmd) {
    case C.BPF_PROG_ATTACH:
      // bpf_prog_attach: the program first (the model loads no attachable type).
      return fdOfNoUse(task, u32(attr, ATTACH_BPF_FD));
    case C.BPF_PROG_QUERY:
      // bpf_prog_query: bpf_net_capable() first.
      if (!bpfTokenCapable(task, CAP_NET_ADMIN)) return -EPERM;
      return CGROUP_ATTACH_TYPES.has(u32(attr, ATTACH_TYPE)) ? -EBADF : -EINVAL;
    case C.BPF_PROG_DETACH:
      return CGROUP_ATTACH_TYPES.has(u32(attr, ATTACH_TYPE)) ? -EBADF : -EINVAL;
    case C.BPF_PROG_TEST_RUN:
      return fdOfNoUse(task, u32(attr, TEST_RUN_PROG_FD));
    case C.BPF_RAW_TRACEPOINT_OPEN:
      return fdOfNoUse(task, u32(attr, RAW_TP_PROG_FD));
    case C.BPF_TASK_FD_QUERY: {
      if (!task.capable(CAP_SYS_ADMIN)) return -EPERM;
      if (u32(attr, TASK_FD_QUERY_FLAGS) !== 0) return -EINVAL;
      const t = task.kernel.tasks.get(u32(attr, TASK_FD_QUERY_PID));
      if (t === undefined) return -ENOENT;
      // Neither a raw_tracepoint link nor a perf event: the model has none.
      return t.file(u32(attr, TASK_FD_QUERY_FD)) === null ? -EBADF : -ENOTSUPP;
    }
    case C.BPF_MAP_LOOKUP_BATCH:
    case C.BPF_MAP_LOOKUP_AND_DELETE_BATCH:
    case C.BPF_MAP_UPDATE_BATCH:
    case C.BPF_MAP_DELETE_BATCH:
      // bpf_map_do_batch resolves the map first; the model's maps have no batch ops.
      return fdOfNoUse(task, u32(attr, BATCH_MAP_FD));
    case C.BPF_ENABLE_STATS:
      return enableStats(task, u32(attr, ENABLE_STATS_TYPE));
    case C.BPF_ITER_CREATE:
      return fdOfNoUse(task, u32(attr, ITER_CREATE_LINK_FD));
    case C.BPF_PROG_BIND_MAP:
      return fdOfNoUse(task, u32(attr, PROG_BIND_MAP_PROG_FD));
    case C.BPF_TOKEN_CREATE:
      if (u32(attr, TOKEN_CREATE_FLAGS) !== 0) return -EINVAL;
      return fdOfNoUse(task, u32(attr, TOKEN_CREATE_BPFFS_FD));
    case C.BPF_PROG_STREAM_READ_BY_FD:
      return fdOfNoUse(task, u32(attr, STREAM_READ_PROG_FD));
    default:
      return -EINVAL;
  }
}

/**
 * bpf_enable_stats: CAP_SYS_ADMIN, then a "bpf-stats" fd for
 * BPF_STATS_RUN_TIME. anon_inode_getfd(..., O_CLOEXEC) keeps no access mode
 * from its flags, so the file is read-only.
 */
function enableStats(task: Task, type: number): number {
  if (!task.capable(CAP_SYS_ADMIN)) return -EPERM;
  if (type !== BPF_STATS_RUN_TIME) return -EINVAL;
  return task.install(new KFile({ kind: "other", obj: BPF_STATS_INODE }, O_CLOEXEC, FMODE_READ, task.kernel.anonIno));
}
