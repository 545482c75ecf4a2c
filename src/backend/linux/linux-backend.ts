/**
 * @fileoverview The Backend interface on the real Linux kernel: bpf(2),
 * close(2), poll(2), setsockopt/getsockopt(TCP_CONGESTION), the procfs
 * files and (for inspection) the sock_diag list of TCP sockets, through the native addon (native/structops_linux.c). Attrs are
 * encoded by src/uapi into `union bpf_attr` bytes exactly as for the emulated
 * kernel; each buffer a pointer field names is handed to the addon, which
 * writes its address into the attr before the call. Results come back as
 * `{ ret, errno }` in the emulated kernel's shapes.
 *
 * Sockets are the client ends of TCP connections over 127.0.0.1; the peer
 * ends stay on reno, and both ends close with SO_LINGER 0 (a reset), so a
 * socket's congestion control is released before close() returns. With
 * `netns: "private"` the backend first moves the calling thread into a fresh
 * network namespace (unshare(CLONE_NEWNET), lo brought up), so sockets and
 * the per-netns default congestion control never touch the machine's own;
 * dispose() returns to the original namespace. The registry of congestion
 * controls (tcp_available_congestion_control) is global in Linux: names
 * registered through struct_ops are visible machine-wide while registered.
 *
 * fdOfProcess copies a socket of another process (pidfd_getfd), so the
 * Linux testbed (src/testbed/linux) can move a running flow to another
 * congestion control with setsockopt, as the scenario's actions ask.
 *
 * The socket calls are also there one by one (tcpSocket, bind, listen,
 * connect, accept over 127.0.0.1; every socket closes with SO_LINGER 0), and
 * socket() is their composition with one listener per network namespace.
 * unshareNet/openNetns/setNetns move the calling thread between namespaces,
 * and setCapabilities changes its effective capabilities (capset; the
 * permitted set stays, so they can be raised again). Credentials and the
 * namespace are per thread: Node runs bpf(2), the socket calls and the
 * synchronous file calls on this one.
 *
 * Every fd this backend creates (bpf objects, sockets) is tracked, and
 * dispose() closes whatever is still open, so a failing caller does not leave
 * struct_ops links (and with them registered congestion controls) behind; it
 * also restores the thread's capabilities and its original namespace.
 */
import { mkdirSync, readFileSync, readSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { encodeAttr } from "../../uapi/attr-codec.js";
import type { AttrCmd, AttrInputOf } from "../../uapi/attr-codec.js";
import { BPF_ATTR_SIZE } from "../../uapi/attr-layout.js";
import {
  BPF_BTF_GET_FD_BY_ID, BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_GET_FD_BY_ID, BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET,
  BPF_PROG_GET_FD_BY_ID, BPF_PROG_LOAD, BPF_ENABLE_STATS, BPF_ITER_CREATE, BPF_RAW_TRACEPOINT_OPEN, BPF_TOKEN_CREATE,
} from "../../uapi/bpf-enums.js";
import { EBADF, EIO, ENOSYS, formatErrno } from "../../uapi/errno.js";
import { writeBackAttr } from "../backend.js";
import type { Backend, SysResult } from "../backend.js";
import { loadNative } from "./native.js";
import type { NativeLinux, NativeTcpSocket } from "./native.js";

/** bpf(2) commands whose success value is a new fd. */
const FD_CMDS: ReadonlySet<number> = new Set([
  BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_OBJ_GET,
  BPF_MAP_GET_FD_BY_ID, BPF_PROG_GET_FD_BY_ID, BPF_BTF_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID,
  BPF_ENABLE_STATS, BPF_ITER_CREATE, BPF_RAW_TRACEPOINT_OPEN, BPF_TOKEN_CREATE,
]);

/** Every poll(2) event bit a file may report (POLLIN…POLLRDHUP), so revents is the file's whole mask. */
const ALL_POLL_EVENTS = 0x27c7;

/** Tag of the placeholder addresses the encoder writes before the addon patches in real ones. */
const PTR_TAG = 0x5a17_0000_0000_0000n;
const PTR_TAG_MASK = 0xffff_ffff_ffff_ff00n;

/** Options for {@link LinuxBackend.open}. */
export interface LinuxBackendOptions {
  /**
   * "private" (default): move the calling thread into a new network
   * namespace first (needs CAP_SYS_ADMIN); "current": stay where it is.
   */
  readonly netns?: "private" | "current";
}

/** The result of {@link LinuxBackend.open}: a backend, or why there is none here. */
export type LinuxBackendOpen = { readonly ok: true; readonly backend: LinuxBackend } | { readonly ok: false; readonly reason: string };

/** {@link Backend} over the running Linux kernel. */
export class LinuxBackend implements Backend {
  private readonly fds = new Set<number>();
  /** client socket fd → the accepted peer fd. */
  private readonly peers = new Map<number, number>();
  /** socket()'s listener per network namespace (by its inode number). */
  private readonly listeners = new Map<number, { fd: number; port: number }>();
  private disposed = false;
  /** The namespace to return to at dispose (set by open, or by the first unshareNet/setNetns). */
  private homeNetns: number | undefined;
  /** The thread's effective capabilities when the backend opened: [low, high]. */
  private readonly homeCaps: readonly [number, number] | undefined;

  private constructor(
    private readonly native: NativeLinux,
    homeNetns: number | undefined,
    private readonly ownsNetns: boolean,
  ) {
    this.homeNetns = homeNetns;
    const [r, , lo, hi] = typeof native.capGetEffective === "function" ? native.capGetEffective() : [-1, 0, 0, 0];
    this.homeCaps = r === 0 ? [lo, hi] : undefined;
  }

  /**
   * Opens the backend: loads the addon and, unless `netns: "current"`,
   * enters a private network namespace with lo up.
   */
  static open(opts: LinuxBackendOptions = {}): LinuxBackendOpen {
    const n = loadNative();
    if (!n.ok) return n;
    const native = n.native;
    if ((opts.netns ?? "private") === "current") return { ok: true, backend: new LinuxBackend(native, undefined, false) };
    const [home, homeErr] = native.openNetns();
    if (home < 0) return { ok: false, reason: `cannot open the current network namespace: ${formatErrno(homeErr)}` };
    const [u, uErr] = native.unshareNet();
    if (u < 0) {
      native.close(home);
      return { ok: false, reason: `unshare(CLONE_NEWNET) failed with ${formatErrno(uErr)} (needs CAP_SYS_ADMIN)` };
    }
    const [lo, loErr] = native.loUp();
    if (lo < 0) {
      native.setNetns(home);
      native.close(home);
      return { ok: false, reason: `cannot bring lo up in the private network namespace: ${formatErrno(loErr)}` };
    }
    return { ok: true, backend: new LinuxBackend(native, home, true) };
  }

  /** Whether this backend runs in a network namespace of its own. */
  get privateNetns(): boolean {
    return this.ownsNetns;
  }

  /** fds this backend created that are still open. */
  openFds(): readonly number[] {
    return [...this.fds];
  }

  bpf<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, size: number = BPF_ATTR_SIZE): SysResult {
    const bufs: Uint8Array[] = [];
    const bytes = encodeAttr(cmd, attr, (b) => {
      bufs.push(b);
      return PTR_TAG | BigInt(bufs.length - 1);
    }, size);
    const fixups: Array<readonly [number, Uint8Array]> = [];
    if (bufs.length > 0) {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let off = 0; off + 8 <= bytes.length; off += 8) {
        const v = dv.getBigUint64(off, true);
        if ((v & PTR_TAG_MASK) !== PTR_TAG) continue;
        const b = bufs[Number(v & 0xffn)];
        if (b !== undefined) fixups.push([off, b]);
      }
    }
    const [ret, errno] = this.native.bpf(cmd, bytes, size, fixups);
    writeBackAttr(cmd, attr, bytes);
    if (ret >= 0 && FD_CMDS.has(cmd)) this.fds.add(ret);
    return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
  }

  bpfBytes(cmd: number, attr: Uint8Array): SysResult {
    const [ret, errno] = this.native.bpf(cmd, attr.slice(), attr.length, []);
    if (ret >= 0 && FD_CMDS.has(cmd)) this.fds.add(ret);
    return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
  }

  close(fd: number): SysResult {
    const peer = this.peers.get(fd);
    if (peer !== undefined) {
      this.peers.delete(fd);
      this.native.close(peer);
    }
    const [ret, errno] = this.native.close(fd);
    if (ret === 0) this.fds.delete(fd);
    return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
  }

  /** The current thread's network namespace inode (what keys socket()'s listener). */
  private netnsIno(): number {
    return statSync("/proc/thread-self/ns/net").ino;
  }

  socket(): SysResult {
    const ns = this.netnsIno();
    let listener = this.listeners.get(ns);
    if (listener === undefined) {
      const [fd, errno, port] = this.native.tcpListen();
      if (fd < 0) return { ret: -1, errno };
      // Accepted peers inherit a CA set on the listener by setsockopt instead of
      // taking the netns default (tcp_minisocks.c), so only the returned socket
      // ever runs the default or a BPF CA, as in the emulated kernel.
      this.native.setCongestion(fd, "reno");
      listener = { fd, port };
      this.listeners.set(ns, listener);
    }
    const [c, cErr] = this.native.tcpConnect(listener.port);
    if (c < 0) return { ret: -1, errno: cErr };
    const [s, sErr] = this.native.accept(listener.fd);
    if (s < 0) {
      this.native.close(c);
      return { ret: -1, errno: sErr };
    }
    this.peers.set(c, s);
    this.fds.add(c);
    return { ret: c, errno: 0 };
  }

  tcpSocket(): SysResult {
    return this.tracked(this.native.tcpSocket());
  }

  bind(fd: number, port: number): SysResult {
    return res(this.native.bindLoopback(fd, port));
  }

  listen(fd: number, backlog: number): SysResult {
    return res(this.native.listenFd(fd, backlog));
  }

  connect(fd: number, port: number): SysResult {
    return res(this.native.connectLoopback(fd, port));
  }

  accept(fd: number): SysResult {
    return this.tracked(this.native.accept(fd));
  }

  localPort(fd: number): { ret: number; errno: number; port: number } {
    const [ret, errno, port] = this.native.localPort(fd);
    return ret < 0 ? { ret: -1, errno, port: 0 } : { ret, errno: 0, port };
  }

  /** Remembers the namespace to return to at dispose before the first move. */
  private rememberHome(): void {
    if (this.homeNetns !== undefined) return;
    const [home] = this.native.openNetns();
    if (home >= 0) this.homeNetns = home;
  }

  unshareNet(): SysResult {
    this.rememberHome();
    const r = res(this.native.unshareNet());
    if (r.errno === 0) this.native.loUp();
    return r;
  }

  openNetns(): SysResult {
    return this.tracked(this.native.openNetns());
  }

  setNetns(fd: number): SysResult {
    this.rememberHome();
    return res(this.native.setNetns(fd));
  }

  setCapabilities(caps: readonly number[] | null): SysResult {
    if (caps === null) {
      if (this.homeCaps === undefined) return { ret: -1, errno: ENOSYS };
      return res(this.native.capSetEffective(this.homeCaps[0] | 0, this.homeCaps[1] | 0));
    }
    let lo = 0;
    let hi = 0;
    for (const c of caps) {
      if (c < 32) lo |= 1 << c;
      else hi |= 1 << (c - 32);
    }
    return res(this.native.capSetEffective(lo | 0, hi | 0));
  }

  /** A result whose success value is a new fd this backend owns. */
  private tracked([ret, errno]: [number, number]): SysResult {
    if (ret >= 0) this.fds.add(ret);
    return res([ret, errno]);
  }

  setCongestion(fd: number, name: string): SysResult {
    const [ret, errno] = this.native.setCongestion(fd, name);
    return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
  }

  getCongestion(fd: number): { ret: number; errno: number; name: string } {
    const [ret, errno, name] = this.native.getCongestion(fd);
    return ret < 0 ? { ret: -1, errno, name: "" } : { ret, errno: 0, name };
  }

  /** getsockopt(fd, SOL_TCP, TCP_INFO): the bytes of `struct tcp_info` the kernel filled. */
  tcpInfo(fd: number): { ret: number; errno: number; info: Uint8Array } {
    const [ret, errno, info] = this.native.tcpInfo(fd);
    return ret < 0 ? { ret: -1, errno, info: new Uint8Array(0) } : { ret, errno: 0, info };
  }

  /**
   * The TCP sockets of this backend's network namespace with their congestion
   * control, as `ss -ti` reads them (a NETLINK_SOCK_DIAG dump); read-only.
   * ENOSYS when the addon was built before it had tcpSockets.
   */
  tcpSockets(): { ret: number; errno: number; sockets: NativeTcpSocket[] } {
    if (typeof this.native.tcpSockets !== "function") return { ret: -1, errno: ENOSYS, sockets: [] };
    const [ret, errno, sockets] = this.native.tcpSockets();
    return ret < 0 ? { ret: -1, errno, sockets: [] } : { ret, errno: 0, sockets };
  }

  /**
   * pidfd_open + pidfd_getfd: a copy of fd `fd` of process `pid` (a socket
   * of a child, for setsockopt/getsockopt on it); tracked like every fd this
   * backend creates. ENOSYS when the addon predates it.
   */
  fdOfProcess(pid: number, fd: number): SysResult {
    if (typeof this.native.pidfdGetfd !== "function") return { ret: -1, errno: ENOSYS };
    const [ret, errno] = this.native.pidfdGetfd(pid, fd);
    if (ret >= 0) this.fds.add(ret);
    return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
  }

  readFile(path: string): { ret: number; errno: number; text: string } {
    try {
      const text = readFileSync(path, "utf8");
      return { ret: Buffer.byteLength(text), errno: 0, text };
    } catch (e) {
      return { ret: -1, errno: errnoOf(e), text: "" };
    }
  }

  writeFile(path: string, text: string): SysResult {
    try {
      writeFileSync(path, text);
      return { ret: Buffer.byteLength(text), errno: 0 };
    } catch (e) {
      return { ret: -1, errno: errnoOf(e) };
    }
  }

  mkdir(path: string): SysResult {
    return fsCall(() => mkdirSync(path, 0o700));
  }

  rmdir(path: string): SysResult {
    return fsCall(() => rmdirSync(path));
  }

  unlink(path: string): SysResult {
    return fsCall(() => unlinkSync(path));
  }

  read(fd: number, size: number): { ret: number; errno: number; bytes: Uint8Array } {
    const buf = new Uint8Array(size);
    try {
      const n = readSync(fd, buf, 0, size, null);
      return { ret: n, errno: 0, bytes: buf.subarray(0, n) };
    } catch (e) {
      return { ret: -1, errno: errnoOf(e), bytes: new Uint8Array(0) };
    }
  }

  poll(fd: number): { ret: number; errno: number; revents: number } {
    const [ret, errno, revents] = this.native.poll(fd, ALL_POLL_EVENTS);
    return ret < 0 ? { ret: -1, errno, revents: 0 } : { ret, errno: 0, revents };
  }

  /**
   * Closes every fd still open (sockets, then bpf objects: a struct_ops link's
   * last close unregisters its ops), the listener, and returns to the
   * original network namespace. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.homeCaps !== undefined) this.native.capSetEffective(this.homeCaps[0] | 0, this.homeCaps[1] | 0);
    for (const fd of [...this.peers.keys()]) this.close(fd);
    for (const fd of [...this.fds]) this.close(fd);
    for (const l of this.listeners.values()) this.native.close(l.fd);
    this.listeners.clear();
    if (this.homeNetns !== undefined) {
      this.native.setNetns(this.homeNetns);
      this.native.close(this.homeNetns);
    }
  }
}

/** [ret, errno] of the addon as a SysResult. */
function res([ret, errno]: [number, number]): SysResult {
  return ret < 0 ? { ret: -1, errno } : { ret, errno: 0 };
}

/** The positive errno of a Node fs error (Node reports it negated), EIO when there is none. */
function errnoOf(e: unknown): number {
  const n = (e as { errno?: unknown }).errno;
  return typeof n === "number" && n !== 0 ? Math.abs(n) : (e as { code?: string }).code === "EBADF" ? EBADF : EIO;
}

/** Runs one filesystem call as a syscall: 0, or -1 and the errno. */
function fsCall(fn: () => void): SysResult {
  try {
    fn();
    return { ret: 0, errno: 0 };
  } catch (e) {
    return { ret: -1, errno: errnoOf(e) };
  }
}
