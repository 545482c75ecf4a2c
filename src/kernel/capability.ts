/**
 * @fileoverview Who may do what with bpf(2) as Linux 6.18 decides it
 * (kernel/bpf/syscall.c, kernel/bpf/token.c): bpf_token_capable without a
 * token, the capability each map type's creation needs (map_create's
 * switch), the program types that also need CAP_NET_ADMIN or CAP_PERFMON
 * (is_net_admin_prog_type, is_perfmon_prog_type), and the
 * kernel.unprivileged_bpf_disabled sysctl (bpf_unpriv_handler): 0 lets
 * unprivileged callers create maps and programs, 1 forbids it for good (no
 * write may change it back), 2 forbids it until an administrator writes 0.
 *
 * @see kernel/bpf/syscall.c map_create, bpf_prog_load, bpf_unpriv_handler (v6.18)
 */
import * as T from "../uapi/bpf-enums.js";
import { EACCES, EINVAL, EPERM } from "../uapi/errno.js";
import { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN } from "./task.js";
import type { Task } from "./task.js";

/**
 * bpf_token_capable(NULL, cap): `cap`, or CAP_SYS_ADMIN standing in for any
 * other capability (so bpf_capable() is bpfTokenCapable(task, CAP_BPF)).
 */
export function bpfTokenCapable(task: Task, cap: number): boolean {
  return task.capable(cap) || (cap !== CAP_SYS_ADMIN && task.capable(CAP_SYS_ADMIN));
}

/** Map types any caller may create when unprivileged BPF is enabled. */
const UNPRIV_MAP_TYPES: ReadonlySet<number> = new Set([
  T.BPF_MAP_TYPE_ARRAY, T.BPF_MAP_TYPE_PERCPU_ARRAY, T.BPF_MAP_TYPE_PROG_ARRAY, T.BPF_MAP_TYPE_PERF_EVENT_ARRAY, T.BPF_MAP_TYPE_CGROUP_ARRAY,
  T.BPF_MAP_TYPE_ARRAY_OF_MAPS, T.BPF_MAP_TYPE_HASH, T.BPF_MAP_TYPE_PERCPU_HASH, T.BPF_MAP_TYPE_HASH_OF_MAPS, T.BPF_MAP_TYPE_RINGBUF,
  T.BPF_MAP_TYPE_USER_RINGBUF, T.BPF_MAP_TYPE_CGROUP_STORAGE, T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
]);

/** Map types whose creation needs CAP_NET_ADMIN (socket and device maps). */
const NET_ADMIN_MAP_TYPES: ReadonlySet<number> = new Set([
  T.BPF_MAP_TYPE_SOCKMAP, T.BPF_MAP_TYPE_SOCKHASH, T.BPF_MAP_TYPE_DEVMAP, T.BPF_MAP_TYPE_DEVMAP_HASH, T.BPF_MAP_TYPE_XSKMAP,
]);

/**
 * The capability map_create asks for a map type beyond the sysctl's check:
 * null (none), CAP_NET_ADMIN, or CAP_BPF (every other type Linux knows).
 */
export function mapCreateCap(mapType: number): number | null {
  if (UNPRIV_MAP_TYPES.has(mapType)) return null;
  return NET_ADMIN_MAP_TYPES.has(mapType) ? CAP_NET_ADMIN : CAP_BPF;
}

/**
 * map_create's permission checks, after the attr and the type's
 * map_alloc_check: 0 or -EPERM.
 */
export function mapCreatePermission(task: Task, mapType: number): number {
  if (task.kernel.unprivilegedBpfDisabled !== 0 && !bpfTokenCapable(task, CAP_BPF)) return -EPERM;
  const cap = mapCreateCap(mapType);
  return cap === null || bpfTokenCapable(task, cap) ? 0 : -EPERM;
}

const NET_ADMIN_PROG_TYPES: ReadonlySet<number> = new Set([
  T.BPF_PROG_TYPE_SCHED_CLS, T.BPF_PROG_TYPE_SCHED_ACT, T.BPF_PROG_TYPE_XDP, T.BPF_PROG_TYPE_LWT_IN, T.BPF_PROG_TYPE_LWT_OUT,
  T.BPF_PROG_TYPE_LWT_XMIT, T.BPF_PROG_TYPE_LWT_SEG6LOCAL, T.BPF_PROG_TYPE_SK_SKB, T.BPF_PROG_TYPE_SK_MSG, T.BPF_PROG_TYPE_FLOW_DISSECTOR,
  T.BPF_PROG_TYPE_CGROUP_DEVICE, T.BPF_PROG_TYPE_CGROUP_SOCK, T.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, T.BPF_PROG_TYPE_CGROUP_SOCKOPT,
  T.BPF_PROG_TYPE_CGROUP_SYSCTL, T.BPF_PROG_TYPE_SOCK_OPS, T.BPF_PROG_TYPE_EXT, T.BPF_PROG_TYPE_NETFILTER,
]);

const PERFMON_PROG_TYPES: ReadonlySet<number> = new Set([
  T.BPF_PROG_TYPE_KPROBE, T.BPF_PROG_TYPE_TRACEPOINT, T.BPF_PROG_TYPE_PERF_EVENT, T.BPF_PROG_TYPE_RAW_TRACEPOINT,
  T.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, T.BPF_PROG_TYPE_TRACING, T.BPF_PROG_TYPE_LSM, T.BPF_PROG_TYPE_STRUCT_OPS, T.BPF_PROG_TYPE_EXT,
]);

/**
 * bpf_prog_load's checks by program type, after the CAP_BPF one (socket
 * filters and cgroup skb programs need none): CAP_NET_ADMIN for networking
 * types, CAP_PERFMON for tracing ones and struct_ops (it reads struct sock).
 * 0 or -EPERM.
 */
export function progTypePermission(task: Task, progType: number): number {
  if (NET_ADMIN_PROG_TYPES.has(progType) && !bpfTokenCapable(task, CAP_NET_ADMIN)) return -EPERM;
  if (PERFMON_PROG_TYPES.has(progType) && !bpfTokenCapable(task, CAP_PERFMON)) return -EPERM;
  return 0;
}

/**
 * CONFIG_BPF_UNPRIV_DEFAULT_OFF of the emulated kernel: y, as in the
 * distribution kernels and the one this project is checked against
 * (/proc/config.gz), so kernel.unprivileged_bpf_disabled boots at 2.
 */
export const CONFIG_BPF_UNPRIV_DEFAULT_OFF = true;

/** The boot value of kernel.unprivileged_bpf_disabled (kernel/bpf/syscall.c: IS_BUILTIN(CONFIG_BPF_UNPRIV_DEFAULT_OFF) ? 2 : 0). */
export const UNPRIV_BPF_DISABLED_DEFAULT = CONFIG_BPF_UNPRIV_DEFAULT_OFF ? 2 : 0;

/** kernel.unprivileged_bpf_disabled: proc_dointvec_minmax's range. */
const UNPRIV_MIN = 0;
const UNPRIV_MAX = 2;

/**
 * A write to /proc/sys/kernel/unprivileged_bpf_disabled (bpf_unpriv_handler):
 * a uid other than 0 cannot open it (EACCES); then CAP_SYS_ADMIN or EPERM; an integer 0..2 or EINVAL (proc_dointvec_minmax);
 * once 1, any other value is EPERM. Returns the new value or -errno.
 */
export function unprivBpfWrite(task: Task, current: number, text: string): number {
  // The file is 0644 root: another uid cannot open it for writing.
  if (task.uid !== 0) return -EACCES;
  if (!task.capable(CAP_SYS_ADMIN)) return -EPERM;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return -EINVAL;
  const v = Number(t);
  if (v < UNPRIV_MIN || v > UNPRIV_MAX) return -EINVAL;
  if (current === 1 && v !== 1) return -EPERM;
  return v;
}
