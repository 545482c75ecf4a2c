/**
 * @fileoverview The /proc and /sys files users read about BPF objects, with
 * the kernel's exact text: /proc/<pid>/fdinfo/<fd> (fs/proc/fd.c seq_show,
 * then kernel/bpf/syscall.c bpf_map_show_fdinfo / bpf_prog_show_fdinfo /
 * bpf_link_show_fdinfo), /sys/kernel/btf/vmlinux, and whatever subsystems
 * registered in `kernel.procfs` (the TCP congestion-control sysctls).
 *
 * Numbers the model cannot know exactly are marked: `mnt_id` and `ino` are
 * machine-specific in Linux too; `memlock` follows each map type's
 * mem_usage formula with the model's own struct sizes.
 *
 * @see kernel/bpf/syscall.c bpf_link_show_fdinfo (v6.18)
 */
import { EACCES, EBADF, EINVAL, ENOENT } from "../uapi/errno.js";
import { BPF_LINK_TYPE_NAMES, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_SK_STORAGE } from "../uapi/bpf-enums.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";
import type { BpfMap } from "./map/core.js";
import { structOpsState } from "./map/struct-ops.js";
import { hashElemCount } from "./map/hash.js";
import { BPF_F_NO_PREALLOC } from "../uapi/bpf-flags.js";
import { DEFAULT_POLLMASK } from "../uapi/eventpoll.js";

/** The anon-inode mount's mnt_id in the model. */
export const ANON_MNT_ID = 15;
const PAGE_SIZE = 4096;

/** printf("%#o") of f_flags as fs/proc/fd.c prints them (0 prints as "00"). */
function octalFlags(f: number): string {
  return "0" + f.toString(8).padStart(1, "0");
}

/** %#x as the kernel's vsnprintf prints it: 0 → "0x0". */
function hex(v: number | bigint): string {
  return "0x" + v.toString(16);
}

function mapMemlock(m: BpfMap): number {
  if (m.type === BPF_MAP_TYPE_STRUCT_OPS) {
    // bpf_struct_ops_map_mem_usage (6.13+): sizeof(struct bpf_struct_ops_map)
    // plus the kvalue beyond its common header, the uvalue, a bpf_link and a
    // bpf_ksym pointer per function member, and one trampoline page. Sizes are
    // Linux 6.18 x86-64's (BTF): bpf_struct_ops_map 512, bpf_struct_ops_value 64.
    // Checked against Linux by test/parity (tcp_congestion_ops: 5264).
    const funcs = structOpsState(m)?.desc.members.filter((x) => x.isFuncPtr).length ?? 0;
    return 512 + (m.attrs.value_size - 64) + m.attrs.value_size + 16 * funcs + PAGE_SIZE;
  }
  // array_map_mem_usage: sizeof(struct bpf_array) (312 in 6.18 x86-64) plus the rounded-up values.
  if (m.type === BPF_MAP_TYPE_ARRAY) return 312 + Math.ceil(m.attrs.value_size / 8) * 8 * m.attrs.max_entries;
  if (m.type === BPF_MAP_TYPE_SK_STORAGE) return localStorageMemUsage(m);
  return htabMemUsage(m);
}

const round8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * bpf_local_storage_map_mem_usage: sizeof(struct bpf_local_storage_map) (480
 * in 6.18 x86-64, BTF) plus a 16-byte bucket per slot of a table of
 * roundup_pow_of_two(num_possible_cpus()) slots, at least 2; the per-socket
 * values are not counted (bpf_local_storage_map_alloc).
 */
function localStorageMemUsage(m: BpfMap): number {
  let buckets = 2;
  while (buckets < m.kernel.nrCpus) buckets *= 2;
  return 480 + 16 * buckets;
}

/**
 * htab_map_mem_usage for BPF_MAP_TYPE_HASH: sizeof(struct bpf_htab) (832),
 * a 16-byte bucket per power-of-two slot, 8 lock ints per possible CPU, and
 * the elements (struct htab_elem is 48 bytes before key and value): all
 * max_entries plus one spare per CPU when preallocated, else the live ones
 * with an llist_node each. Sizes are Linux 6.18 x86-64's (BTF); the CPU count
 * is the kernel's num_possible_cpus. Checked against Linux by test/parity.
 */
function htabMemUsage(m: BpfMap): number {
  const cpus = m.kernel.nrCpus;
  let buckets = 1;
  while (buckets < m.attrs.max_entries) buckets *= 2;
  const elemSize = 48 + round8(m.attrs.key_size) + round8(m.attrs.value_size);
  let usage = 832 + 16 * buckets + 4 * cpus * 8;
  if ((m.attrs.map_flags & BPF_F_NO_PREALLOC) === 0) {
    usage += elemSize * (m.attrs.max_entries + cpus) + 8 * cpus;
  } else {
    const live = hashElemCount(m);
    usage += (elemSize + 8) * live;
  }
  return usage;
}

/** /proc/<pid>/fdinfo/<fd> of `task`, or -errno. */
export function fdinfo(task: Task, fd: number): string | number {
  const f = task.file(fd);
  if (f === null) return -ENOENT;
  let s = `pos:\t0\nflags:\t${octalFlags(f.flags)}\nmnt_id:\t${ANON_MNT_ID}\nino:\t${f.ino}\n`;
  const t = f.target;
  switch (t.kind) {
    case "map": {
      const m = t.obj;
      s +=
        `map_type:\t${m.type}\nkey_size:\t${m.attrs.key_size}\nvalue_size:\t${m.attrs.value_size}\n` +
        `max_entries:\t${m.attrs.max_entries}\nmap_flags:\t${hex(m.attrs.map_flags)}\nmap_extra:\t${hex(m.attrs.map_extra)}\n` +
        `memlock:\t${mapMemlock(m)}\nmap_id:\t${m.id}\nfrozen:\t${m.frozen ? 1 : 0}\n`;
      break;
    }
    case "prog": {
      const p = t.obj;
      s +=
        `prog_type:\t${p.type}\nprog_jited:\t${task.kernel.runner.name === "jit" ? 1 : 0}\nprog_tag:\t${p.tag}\nmemlock:\t${PAGE_SIZE}\nprog_id:\t${p.id}\n` +
        `run_time_ns:\t0\nrun_cnt:\t${p.runCnt}\nrecursion_misses:\t0\nverified_insns:\t${p.xlated.length / 8}\n`;
      break;
    }
    case "link": {
      const l = t.obj;
      s += `link_type:\t${(BPF_LINK_TYPE_NAMES.get(l.type) ?? "UNKNOWN").replace(/^BPF_LINK_TYPE_/, "").toLowerCase()}\nlink_id:\t${l.id}\n`;
      if (l.prog !== null) s += `prog_tag:\t${l.prog.tag}\nprog_id:\t${l.prog.id}\n`;
      s += l.ops.showFdinfo?.(l) ?? "";
      break;
    }
    case "btf":
      s += `btf_id:\t${t.obj.id}\n`;
      break;
    case "iter":
    case "other":
      s = `pos:\t0\nflags:\t${octalFlags(f.flags)}\nmnt_id:\t${ANON_MNT_ID + 9}\nino:\t${f.ino}\n`;
      break;
  }
  return s;
}

/** Resolves `/proc/self` and `/proc/<pid>` for `task`. */
function procTask(k: Kernel, task: Task, pidPart: string): Task | undefined {
  if (pidPart === "self") return task;
  return k.tasks.get(Number(pidPart));
}

/** Reads a text file of the model's /proc or /sys: its contents, or -errno. */
export function readProcFile(k: Kernel, task: Task, path: string): string | number {
  const m = /^\/proc\/(self|\d+)\/fdinfo\/(\d+)$/.exec(path);
  if (m !== null) {
    const t = procTask(k, task, m[1] as string);
    if (t === undefined) return -ENOENT;
    return fdinfo(t, Number(m[2]));
  }
  const f = k.procfs.get(path);
  if (f === undefined) return -ENOENT;
  return f.read(task);
}

/** Writes a /proc/sys file: bytes written or -errno. */
export function writeProcFile(k: Kernel, task: Task, path: string, text: string): number {
  const f = k.procfs.get(path);
  if (f === undefined) return -ENOENT;
  if (f.write === undefined) return task.uid === 0 ? -EINVAL : -EACCES;
  return f.write(task, text);
}

/** poll(2) on an fd: the revents mask, or -errno. Files without a poll op are always readable and writable. */
export function pollFd(task: Task, fd: number): number {
  const f = task.file(fd);
  if (f === null) return -EBADF;
  if (f.target.kind === "link" && f.target.obj.ops.poll !== undefined) return f.target.obj.ops.poll(f.target.obj);
  return DEFAULT_POLLMASK;
}

/**
 * read(2) on an fd: the bytes or -errno. An iterator fd runs its program
 * (kernel/bpf/bpf_iter.c bpf_seq_read); the other BPF files have no read
 * (EINVAL, as anon-inode files without one give).
 */
export function readFd(task: Task, fd: number, size: number): Uint8Array | number {
  const f = task.file(fd);
  if (f === null) return -EBADF;
  if (f.target.kind === "iter") return f.target.obj.read(size);
  return -EINVAL;
}
