/**
 * @fileoverview The Backend interface: one bpf(cmd, attr) entry plus the
 * few other syscalls the scenarios use, returning `{ ret, errno }` exactly
 * as the syscall would. The emulated kernel implements it now; the real
 * kernel (src/backend/linux, through bpf(2)) implements the same shape,
 * which is what the parity suite (test/parity) compares.
 */
import { decodeAttr } from "../uapi/attr-codec.js";
import type { AttrCmd, AttrInputOf } from "../uapi/attr-codec.js";
import {
  BPF_BTF_GET_NEXT_ID, BPF_BTF_LOAD, BPF_LINK_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_GET_NEXT_ID, BPF_PROG_LOAD,
} from "../uapi/bpf-enums.js";

/** A syscall result: `ret` as the syscall returns it (-1 on error), and errno (0 on success). */
export interface SysResult {
  readonly ret: number;
  readonly errno: number;
}

/** What a process can do on a kernel, model or real. */
export interface Backend {
  /**
   * bpf(2). Pointer fields take Uint8Arrays the kernel reads or writes;
   * fields the kernel writes back into the attr (next_id, info_len) are
   * updated in `attr`. `size` defaults to sizeof(union bpf_attr).
   */
  bpf<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, size?: number): SysResult;
  /**
   * bpf(2) with attr bytes as given (no pointer fields, nothing written
   * back): any command number, including those without a modelled attr
   * layout, so callers can see what the kernel answers to each.
   */
  bpfBytes(cmd: number, attr: Uint8Array): SysResult;
  close(fd: number): SysResult;
  /**
   * A connected TCP socket (an fd) on the netns default congestion control:
   * the composition of tcpSocket, connect to a listener of the backend in
   * the current namespace, and accept (the peer is closed with the fd).
   */
  socket(): SysResult;
  /** socket(AF_INET, SOCK_STREAM, 0): an unconnected TCP socket in the current namespace. */
  tcpSocket(): SysResult;
  /** bind(2) to 127.0.0.1:`port` (0: an ephemeral port). */
  bind(fd: number, port: number): SysResult;
  /** listen(2). */
  listen(fd: number, backlog: number): SysResult;
  /** connect(2) to 127.0.0.1:`port` (the handshake completes before it returns). */
  connect(fd: number, port: number): SysResult;
  /** accept(2): an fd for the next established connection. */
  accept(fd: number): SysResult;
  /** getsockname(2): the socket's local port. */
  localPort(fd: number): { ret: number; errno: number; port: number };
  /** unshare(CLONE_NEWNET): the caller moves to a new network namespace. */
  unshareNet(): SysResult;
  /** open("/proc/self/ns/net"): an fd for the caller's network namespace. */
  openNetns(): SysResult;
  /** setns(fd, CLONE_NEWNET). */
  setNetns(fd: number): SysResult;
  /**
   * capset(2) of the effective capability set (capability numbers, e.g.
   * CAP_BPF = 39), or null for the set the process started with; the
   * permitted set is kept, so a dropped capability can be raised again.
   */
  setCapabilities(caps: readonly number[] | null): SysResult;
  /**
   * setsockopt(fd, SOL_TCP, TCP_CONGESTION, name, optlen): optlen is the
   * UTF-8 byte length of `name` (no NUL added; embedded NULs are passed).
   */
  setCongestion(fd: number, name: string): SysResult;
  /** getsockopt(fd, SOL_TCP, TCP_CONGESTION). */
  getCongestion(fd: number): { ret: number; errno: number; name: string };
  /** Reads a /proc or /sys text file. */
  readFile(path: string): { ret: number; errno: number; text: string };
  /** Writes a /proc/sys file. */
  writeFile(path: string, text: string): SysResult;
  /**
   * read(2) of at most `size` bytes from `fd` (a BPF iterator's fd gives the
   * iterator's output): `ret` bytes in `bytes`, 0 at the end.
   */
  read(fd: number, size: number): { ret: number; errno: number; bytes: Uint8Array };
  /** poll(2) with a zero timeout: the revents of one fd. */
  poll(fd: number): { ret: number; errno: number; revents: number };
  /** mkdir(2) (mode 0700): on bpffs, a directory for pins. */
  mkdir(path: string): SysResult;
  /** rmdir(2): an empty bpffs directory. */
  rmdir(path: string): SysResult;
  /** unlink(2): removes a pin; the object goes when its last reference does. */
  unlink(path: string): SysResult;
}

/** Turns a kernel-style return (≥ 0, or -errno) into a SysResult. */
export function sysResult(r: number): SysResult {
  return r < 0 ? { ret: -1, errno: -r } : { ret: r, errno: 0 };
}

/**
 * Copies the attr fields the kernel writes back (next_id, info_len, log true
 * sizes) from the attr bytes after the call into the caller's attr object:
 * what every Backend does after bpf(2).
 */
export function writeBackAttr<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, bytes: Uint8Array): void {
  const o = attr as Record<string, unknown>;
  if (cmd === BPF_OBJ_GET_INFO_BY_FD) o.info_len = decodeAttr(BPF_OBJ_GET_INFO_BY_FD, bytes).info_len;
  else if (cmd === BPF_PROG_GET_NEXT_ID || cmd === BPF_MAP_GET_NEXT_ID || cmd === BPF_LINK_GET_NEXT_ID || cmd === BPF_BTF_GET_NEXT_ID) {
    o.next_id = decodeAttr(BPF_MAP_GET_NEXT_ID, bytes).next_id;
  } else if (cmd === BPF_PROG_LOAD && o.log_true_size !== undefined) o.log_true_size = decodeAttr(BPF_PROG_LOAD, bytes).log_true_size;
  else if (cmd === BPF_BTF_LOAD && o.btf_log_true_size !== undefined) o.btf_log_true_size = decodeAttr(BPF_BTF_LOAD, bytes).btf_log_true_size;
}
