/**
 * @fileoverview A modelled process: its fd table, capabilities, RLIMIT_NOFILE
 * and the user memory that bpf(2) attr pointers refer to.
 *
 * fds 0-2 are open on a terminal (not BPF objects), so the first BPF fd is 3
 * and passing fd 0 where a map is expected gives EINVAL, not EBADF, as on a
 * real process. New fds take the lowest free number (fs/file.c alloc_fd).
 * Exiting closes every fd, which is how a crashed process's links unregister
 * their struct_ops; an exited task never gets a new fd (there is no syscall
 * from a dead task, so an install into one is a KernelBug).
 *
 * Capabilities are the effective set; capset may lower it or raise it back
 * within the permitted set the task started with (kernel/capability.c
 * cap_capset: EPERM beyond it). A task lives in one network namespace
 * (nsproxy->net_ns), holding a reference on it; unshare and setns move it.
 */
import { EBADF, EMFILE, EPERM } from "../uapi/errno.js";
import { KFile, O_RDWR } from "./file.js";
import { KernelBug } from "./bug.js";
import type { Kernel } from "./kernel.js";
import type { NetNs } from "./netns.js";

/** Capabilities the BPF syscall checks (include/uapi/linux/capability.h). */
export const CAP_NET_ADMIN = 12;
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

/** Default RLIMIT_NOFILE soft limit. */
export const NR_OPEN_DEFAULT = 1024;

/**
 * The process's user memory as bpf(2) sees it: buffers mapped at user
 * addresses for the duration of a call. copy_from_user/copy_to_user outside a
 * mapped buffer fail, which the kernel reports as EFAULT.
 */
export class UserMemory {
  private readonly maps: { addr: bigint; buf: Uint8Array }[] = [];
  private next = 0x5555_0000_0000n;

  /** Maps `buf` and returns its user address. */
  map(buf: Uint8Array): bigint {
    const addr = this.next;
    this.next += BigInt(Math.ceil((buf.length + 1) / 4096) * 4096);
    this.maps.push({ addr, buf });
    return addr;
  }

  /** Forgets every mapping (end of a call). */
  reset(): void {
    this.maps.length = 0;
    this.next = 0x5555_0000_0000n;
  }

  private find(addr: bigint, len: number): { buf: Uint8Array; off: number } | null {
    if (addr === 0n) return null;
    for (const m of this.maps) {
      if (addr >= m.addr && addr + BigInt(len) <= m.addr + BigInt(m.buf.length)) return { buf: m.buf, off: Number(addr - m.addr) };
    }
    return null;
  }

  /** copy_from_user: a copy of `len` bytes at `addr`, or null (EFAULT). */
  read(addr: bigint, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    const f = this.find(addr, len);
    return f === null ? null : f.buf.slice(f.off, f.off + len);
  }

  /** copy_to_user: false (EFAULT) if `addr` is not mapped for `bytes.length`. */
  write(addr: bigint, bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    const f = this.find(addr, bytes.length);
    if (f === null) return false;
    f.buf.set(bytes, f.off);
    return true;
  }

  /** strncpy_from_user up to `max` bytes: the string, or null (EFAULT / no NUL within max). */
  readString(addr: bigint, max: number): string | null {
    if (addr === 0n) return null;
    for (const m of this.maps) {
      if (addr >= m.addr && addr < m.addr + BigInt(m.buf.length)) {
        const off = Number(addr - m.addr);
        const end = m.buf.indexOf(0, off);
        if (end < 0 || end - off >= max) return null;
        return new TextDecoder().decode(m.buf.subarray(off, end));
      }
    }
    return null;
  }
}

/** A process of the emulated kernel. */
export class Task {
  readonly fds: (KFile | null)[] = [];
  readonly caps: Set<number>;
  /** cap_permitted: what capset may raise the effective set back to. */
  readonly permitted: ReadonlySet<number>;
  /** nsproxy->net_ns (holds a reference). */
  net: NetNs;
  readonly mm = new UserMemory();
  rlimitNofile = NR_OPEN_DEFAULT;
  exited = false;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    readonly comm: string,
    caps: Iterable<number>,
    readonly uid: number,
  ) {
    this.caps = new Set(caps);
    this.permitted = new Set(caps);
    this.net = kernel.netns.initNet.get();
    for (let i = 0; i < 3; i++) this.fds.push(new KFile({ kind: "other", obj: "/dev/pts/0" }, O_RDWR, 3, kernel.nextIno()));
  }

  /** capable(cap). */
  capable(cap: number): boolean {
    return this.caps.has(cap);
  }

  /** capset(2) of the effective set: 0, or -EPERM for a capability outside the permitted set. */
  capset(effective: Iterable<number>): number {
    const next = [...effective];
    if (next.some((c) => !this.permitted.has(c))) return -EPERM;
    this.caps.clear();
    for (const c of next) this.caps.add(c);
    return 0;
  }

  /** Moves the task into `net` (switch_task_namespaces): takes a reference on it, drops the old one. */
  setNet(net: NetNs): void {
    const old = this.net;
    this.net = net.get();
    old.put();
  }

  /** bpf_capable(): CAP_BPF or CAP_SYS_ADMIN. */
  bpfCapable(): boolean {
    return this.caps.has(CAP_BPF) || this.caps.has(CAP_SYS_ADMIN);
  }

  /** get_unused_fd_flags: the lowest free fd number, or -EMFILE. Reserves nothing. */
  unusedFd(): number {
    let fd = this.fds.indexOf(null);
    if (fd < 0) fd = this.fds.length;
    return fd >= this.rlimitNofile ? -EMFILE : fd;
  }

  /** fd_install of a new file at the lowest free number; the fd or -EMFILE. */
  install(file: KFile): number {
    if (this.exited) throw new KernelBug(`fd_install into exited task ${this.pid}`);
    const fd = this.unusedFd();
    if (fd < 0) return fd;
    if (fd === this.fds.length) this.fds.push(file);
    else this.fds[fd] = file;
    return fd;
  }

  /** fget: the file behind `fd`, or null. */
  file(fd: number): KFile | null {
    if (!Number.isInteger(fd) || fd < 0) return null;
    return this.fds[fd] ?? null;
  }

  /** close(2): 0 or -EBADF. */
  close(fd: number): number {
    const f = this.file(fd);
    if (f === null) return -EBADF;
    this.fds[fd] = null;
    while (this.fds.length > 3 && this.fds[this.fds.length - 1] === null) this.fds.pop();
    f.fput();
    return 0;
  }

  /** dup(2): a new fd sharing the file; the fd or -errno. */
  dup(fd: number): number {
    const f = this.file(fd);
    if (f === null) return -EBADF;
    const nfd = this.install(f);
    if (nfd >= 0) f.count++;
    return nfd;
  }

  /** Open BPF-object fds, ascending. */
  openFds(): number[] {
    const out: number[] = [];
    this.fds.forEach((f, i) => {
      if (f !== null && f.target.kind !== "other") out.push(i);
    });
    return out;
  }

  /** do_exit: closes every fd. */
  exit(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
    this.exited = true;
    this.net.put();
    this.kernel.tasks.delete(this.pid);
  }
}
