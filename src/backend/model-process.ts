/**
 * @fileoverview A process of the emulated kernel behind the Backend
 * interface: attrs are encoded into `union bpf_attr` bytes with their buffers
 * mapped into the process's user memory, exactly as a real process passes
 * them to bpf(2); sockets are fds of that process.
 *
 * After `exit()` the process is gone: Linux has no syscall from a dead task
 * (do_exit never returns to user space), so every further call throws
 * {@link ProcessExitedError} instead of returning an errno, and nothing it
 * could create outlives the exit.
 */
import { encodeAttr } from "../uapi/attr-codec.js";
import type { AttrCmd, AttrInputOf } from "../uapi/attr-codec.js";
import { BPF_ATTR_SIZE } from "../uapi/attr-layout.js";
import { EBADF, ENOTSOCK } from "../uapi/errno.js";
import { sysBpf } from "../kernel/syscall.js";
import { KFile, O_RDWR } from "../kernel/file.js";
import { pollFd, readProcFile, writeProcFile } from "../kernel/procfs.js";
import { CAP_NET_ADMIN } from "../kernel/task.js";
import type { Task } from "../kernel/task.js";
import { isErr } from "../kernel/errptr.js";
import type { TcpCc } from "../net/tcp-cc/subsystem.js";
import type { TcpSock } from "../net/tcp-cc/sock.js";
import { sysResult, writeBackAttr } from "./backend.js";
import type { Backend, SysResult } from "./backend.js";

/** Thrown by every call on a {@link ModelProcess} after its `exit()`. */
export class ProcessExitedError extends Error {
  override readonly name = "ProcessExitedError";
  constructor(
    readonly pid: number,
    readonly call: string,
  ) {
    super(`Cannot call ${call} on process ${pid}: it has exited`);
  }
}

/** A modelled process implementing {@link Backend}. */
export class ModelProcess implements Backend {
  private readonly sockets = new Map<number, TcpSock>();

  /** Throws when the process has exited: a dead task makes no syscalls. */
  private live(call: string): void {
    if (this.task.exited) throw new ProcessExitedError(this.task.pid, call);
  }

  /** Whether `exit()` has run. */
  get exited(): boolean {
    return this.task.exited;
  }

  constructor(
    readonly task: Task,
    readonly tcp: TcpCc,
  ) {}

  get pid(): number {
    return this.task.pid;
  }

  bpf<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, size: number = BPF_ATTR_SIZE): SysResult {
    this.live("bpf");
    const mm = this.task.mm;
    try {
      const bytes = encodeAttr(cmd, attr, (b) => mm.map(b), size);
      const r = sysBpf(this.task, cmd, bytes);
      writeBackAttr(cmd, attr, bytes);
      return sysResult(r);
    } finally {
      mm.reset();
    }
  }

  bpfBytes(cmd: number, attr: Uint8Array): SysResult {
    return sysResult(sysBpf(this.task, cmd, attr.slice()));
  }

  close(fd: number): SysResult {
    this.live("close");
    const sk = this.sockets.get(fd);
    if (sk !== undefined) {
      this.sockets.delete(fd);
      this.tcp.close(sk);
    }
    return sysResult(this.task.close(fd));
  }

  socket(): SysResult {
    this.live("socket");
    const sk = this.tcp.socket();
    if (isErr(sk)) return sysResult(sk);
    // All or nothing: if the CA's init() throws (BPF faults are contained in
    // BpfProg.run, so only a model bug does), the socket goes away with it.
    try {
      this.tcp.establish(sk);
    } catch (e) {
      this.tcp.close(sk);
      throw e;
    }
    const fd = this.task.install(new KFile({ kind: "other", obj: "socket:[tcp]" }, O_RDWR, 3, this.task.kernel.nextIno()));
    if (fd < 0) {
      this.tcp.close(sk);
      return sysResult(fd);
    }
    this.sockets.set(fd, sk);
    return sysResult(fd);
  }

  /** The socket behind an fd (for tests and the testbed), or undefined. */
  sock(fd: number): TcpSock | undefined {
    return this.sockets.get(fd);
  }

  setCongestion(fd: number, name: string): SysResult {
    this.live("setsockopt");
    const sk = this.sockets.get(fd);
    if (sk === undefined) return sysResult(this.task.file(fd) === null ? -EBADF : -ENOTSOCK);
    return sysResult(this.tcp.setsockoptCongestion(sk, new TextEncoder().encode(name), { capNetAdmin: this.task.capable(CAP_NET_ADMIN) }));
  }

  getCongestion(fd: number): { ret: number; errno: number; name: string } {
    this.live("getsockopt");
    const sk = this.sockets.get(fd);
    if (sk === undefined) return { ...sysResult(this.task.file(fd) === null ? -EBADF : -ENOTSOCK), name: "" };
    return { ret: 0, errno: 0, name: this.tcp.getCongestionControl(sk) };
  }

  readFile(path: string): { ret: number; errno: number; text: string } {
    this.live("read");
    const r = readProcFile(this.task.kernel, this.task, path);
    return typeof r === "number" ? { ...sysResult(r), text: "" } : { ret: r.length, errno: 0, text: r };
  }

  writeFile(path: string, text: string): SysResult {
    this.live("write");
    return sysResult(writeProcFile(this.task.kernel, this.task, path, text));
  }

  poll(fd: number): { ret: number; errno: number; revents: number } {
    this.live("poll");
    const r = pollFd(this.task, fd);
    return r < 0 ? { ...sysResult(r), revents: 0 } : { ret: r === 0 ? 0 : 1, errno: 0, revents: r };
  }

  /** exit(2): closes every fd and socket; the process then refuses every call. */
  exit(): void {
    this.live("exit");
    for (const fd of [...this.sockets.keys()]) this.close(fd);
    this.task.exit();
  }
}
