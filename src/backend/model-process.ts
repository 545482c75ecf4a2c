/**
 * @fileoverview A process of the emulated kernel behind the Backend
 * interface: attrs are encoded into `union bpf_attr` bytes with their buffers
 * mapped into the process's user memory, exactly as a real process passes
 * them to bpf(2); sockets are fds of that process.
 *
 * The socket calls are one each (tcpSocket, bind, listen, connect, accept,
 * close: net/tcp-cc/socket-calls.ts); `socket()`, the connected socket the
 * library and tests use, is their composition: a listener of the process in
 * its current namespace (on reno chosen by setsockopt, so accepted peers
 * stay on reno, as on the Linux backend), a socket connected to it, and the
 * peer accepted and kept out of sight until the socket closes. The process
 * lives in a network namespace; unshareNet and setNetns move it
 * (CAP_SYS_ADMIN), and openNetns gives an fd for its current one.
 *
 * After `exit()` the process is gone: Linux has no syscall from a dead task
 * (do_exit never returns to user space), so every further call throws
 * {@link ProcessExitedError} instead of returning an errno, and nothing it
 * could create outlives the exit.
 */
import { encodeAttr } from "../uapi/attr-codec.js";
import type { AttrCmd, AttrInputOf } from "../uapi/attr-codec.js";
import { BPF_ATTR_SIZE } from "../uapi/attr-layout.js";
import { EBADF, EINVAL, ENOTSOCK, EPERM } from "../uapi/errno.js";
import { sysBpf } from "../kernel/syscall.js";
import { KFile, O_RDWR } from "../kernel/file.js";
import { pollFd, readFd, readProcFile, writeProcFile } from "../kernel/procfs.js";
import { CAP_NET_ADMIN, CAP_SYS_ADMIN } from "../kernel/task.js";
import type { Task } from "../kernel/task.js";
import type { NetNs } from "../kernel/netns.js";
import type { TcpCc } from "../net/tcp-cc/subsystem.js";
import type { TcpSock } from "../net/tcp-cc/sock.js";
import { acceptSock, bindSock, connectSock, listenSock } from "../net/tcp-cc/socket-calls.js";
import { sysResult, writeBackAttr } from "./backend.js";
import type { Backend, SysResult } from "./backend.js";
import { ERR, type ErrOr } from "../kernel/errptr.js";

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
  /** socket()'s listener per namespace (fd), and each connected socket's hidden peer (fd). */
  private readonly listeners = new Map<NetNs, number>();
  private readonly peers = new Map<number, number>();

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
    const peer = this.peers.get(fd);
    if (peer !== undefined) {
      this.peers.delete(fd);
      this.closeFd(peer);
    }
    return this.closeFd(fd);
  }

  private closeFd(fd: number): SysResult {
    const sk = this.sockets.get(fd);
    if (sk !== undefined) {
      this.sockets.delete(fd);
      this.tcp.close(sk);
    }
    return sysResult(this.task.close(fd));
  }

  /** An fd for a new socket, or -errno (the socket is closed again). */
  private installSock(sk: TcpSock): number {
    const fd = this.task.install(new KFile({ kind: "other", obj: "socket:[tcp]", sock: sk }, O_RDWR, 3, this.task.kernel.nextIno()));
    if (fd < 0) {
      this.tcp.close(sk);
      return fd;
    }
    this.sockets.set(fd, sk);
    return fd;
  }

  /** The socket behind `fd`, or -EBADF / -ENOTSOCK. */
  private sockOf(fd: number): ErrOr<TcpSock> {
    const sk = this.sockets.get(fd);
    if (sk !== undefined) return sk;
    return ERR(this.task.file(fd) === null ? EBADF : ENOTSOCK);
  }

  /** socket(AF_INET, SOCK_STREAM, 0): an unconnected socket in the process's namespace. */
  tcpSocket(): SysResult {
    this.live("socket");
    const sk = this.tcp.socket(this.task.net);
    return sysResult(typeof sk === "number" ? sk : this.installSock(sk));
  }

  /** bind(2) to 127.0.0.1:`port` (0: ephemeral). */
  bind(fd: number, port: number): SysResult {
    this.live("bind");
    const sk = this.sockOf(fd);
    return sysResult(typeof sk === "number" ? sk : bindSock(this.tcp, sk, port));
  }

  /** listen(2). */
  listen(fd: number, _backlog: number): SysResult {
    this.live("listen");
    const sk = this.sockOf(fd);
    return sysResult(typeof sk === "number" ? sk : listenSock(this.tcp, sk));
  }

  /** connect(2) to 127.0.0.1:`port`. */
  connect(fd: number, port: number): SysResult {
    this.live("connect");
    const sk = this.sockOf(fd);
    return sysResult(typeof sk === "number" ? sk : connectSock(this.tcp, sk, port));
  }

  /** accept(2): an fd for the next established connection. */
  accept(fd: number): SysResult {
    this.live("accept");
    const sk = this.sockOf(fd);
    if (typeof sk === "number") return sysResult(sk);
    const child = acceptSock(sk);
    return sysResult(typeof child === "number" ? child : this.installSock(child));
  }

  /** getsockname(2)'s port. */
  localPort(fd: number): { ret: number; errno: number; port: number } {
    this.live("getsockname");
    const sk = this.sockOf(fd);
    return typeof sk === "number" ? { ...sysResult(sk), port: 0 } : { ret: 0, errno: 0, port: sk.port };
  }

  /**
   * A connected socket on the namespace default CA: socket, then connect to
   * the process's listener in this namespace (made on first use: socket,
   * setsockopt reno, bind, listen), and accept of the peer, which close(fd)
   * closes with it.
   */
  socket(): SysResult {
    this.live("socket");
    let lfd = this.listeners.get(this.task.net);
    const made: number[] = [];
    // All or nothing: if a CA hook throws (a model bug: BPF faults are
    // contained in BpfProg.run), every socket this call made goes with it.
    try {
      if (lfd === undefined) {
        const l = this.tcpSocket();
        if (l.errno !== 0) return l;
        made.push(l.ret);
        const steps = [this.setCongestion(l.ret, "reno"), this.bind(l.ret, 0), this.listen(l.ret, 64)];
        const bad = steps.find((r) => r.errno !== 0);
        if (bad !== undefined) return this.undo(made, bad);
        lfd = l.ret;
      }
      const c = this.tcpSocket();
      if (c.errno !== 0) return this.undo(made, c);
      made.push(c.ret);
      const r = this.connect(c.ret, this.localPort(lfd).port);
      if (r.errno !== 0) return this.undo(made, r);
      const a = this.accept(lfd);
      if (a.errno !== 0) return this.undo(made, a);
      this.listeners.set(this.task.net, lfd);
      this.peers.set(c.ret, a.ret);
      return c;
    } catch (e) {
      this.undo(made, sysResult(0));
      throw e;
    }
  }

  /** Closes the fds a failed socket() made and returns its result. */
  private undo(fds: readonly number[], r: SysResult): SysResult {
    for (const fd of fds) this.closeFd(fd);
    return r;
  }

  /** unshare(CLONE_NEWNET): the process moves to a new namespace; CAP_SYS_ADMIN or EPERM. */
  unshareNet(): SysResult {
    this.live("unshare");
    if (!this.task.capable(CAP_SYS_ADMIN)) return sysResult(-EPERM);
    const net = this.task.kernel.netns.create();
    this.task.setNet(net);
    net.put();
    return sysResult(0);
  }

  /** open("/proc/self/ns/net"): an fd holding the process's current namespace. */
  openNetns(): SysResult {
    this.live("open");
    const net = this.task.net;
    const fd = this.task.install(new KFile({ kind: "other", obj: `net:[${net.inum}]`, netns: net.get() }, 0, 1, net.inum));
    if (fd < 0) net.put();
    return sysResult(fd);
  }

  /** setns(fd, CLONE_NEWNET): EBADF, EINVAL (not a namespace fd), EPERM (no CAP_SYS_ADMIN). */
  setNetns(fd: number): SysResult {
    this.live("setns");
    const f = this.task.file(fd);
    if (f === null) return sysResult(-EBADF);
    if (f.target.kind !== "other" || f.target.netns === undefined) return sysResult(-EINVAL);
    if (!this.task.capable(CAP_SYS_ADMIN)) return sysResult(-EPERM);
    this.task.setNet(f.target.netns);
    return sysResult(0);
  }

  /** capset(2) of the effective set (e.g. [] to drop every capability; null: back to the permitted set); EPERM beyond it. */
  setCapabilities(caps: readonly number[] | null): SysResult {
    this.live("capset");
    return sysResult(this.task.capset(caps ?? this.task.permitted));
  }

  /** The socket behind an fd (for tests and the testbed), or undefined. */
  sock(fd: number): TcpSock | undefined {
    return this.sockets.get(fd);
  }

  setCongestion(fd: number, name: string): SysResult {
    this.live("setsockopt");
    const sk = this.sockOf(fd);
    if (typeof sk === "number") return sysResult(sk);
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

  read(fd: number, size: number): { ret: number; errno: number; bytes: Uint8Array } {
    this.live("read");
    const r = readFd(this.task, fd, size);
    return typeof r === "number" ? { ...sysResult(r), bytes: new Uint8Array(0) } : { ret: r.length, errno: 0, bytes: r };
  }

  poll(fd: number): { ret: number; errno: number; revents: number } {
    this.live("poll");
    const r = pollFd(this.task, fd);
    return r < 0 ? { ...sysResult(r), revents: 0 } : { ret: r === 0 ? 0 : 1, errno: 0, revents: r };
  }

  mkdir(path: string): SysResult {
    this.live("mkdir");
    return sysResult(this.task.kernel.bpffs.mkdir(path));
  }

  rmdir(path: string): SysResult {
    this.live("rmdir");
    return sysResult(this.task.kernel.bpffs.rmdir(path));
  }

  unlink(path: string): SysResult {
    this.live("unlink");
    return sysResult(this.task.kernel.bpffs.unlink(path));
  }

  /** exit(2): closes every fd and socket; the process then refuses every call. */
  exit(): void {
    this.live("exit");
    for (const fd of [...this.peers.keys()]) this.close(fd);
    for (const fd of [...this.sockets.keys()]) this.closeFd(fd);
    this.listeners.clear();
    this.task.exit();
  }
}
