/**
 * @fileoverview Loads the optional native part of the Linux backend,
 * build/Release/structops_linux.node (native/structops_linux.c), and types
 * it. The addon is built from source by the package's install script
 * (native/build.mjs); when it is absent and `build` is allowed, the build is
 * tried once, lazily. Absent addon, another OS or a failed build give
 * `{ ok: false, reason }`, never a throw: the emulated kernel needs none of
 * this.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The raw system calls the addon exposes; each returns [ret, errno, ...] as the kernel reported them. */
export interface NativeLinux {
  bpf(cmd: number, attr: Uint8Array, size: number, fixups: ReadonlyArray<readonly [number, Uint8Array]>): [number, number];
  close(fd: number): [number, number];
  poll(fd: number, events: number): [number, number, number];
  tcpListen(): [number, number, number];
  tcpConnect(port: number): [number, number];
  accept(fd: number): [number, number];
  setCongestion(fd: number, name: string): [number, number];
  getCongestion(fd: number): [number, number, string];
  tcpInfo(fd: number): [number, number, Uint8Array];
  unshareNet(): [number, number];
  openNetns(): [number, number];
  setNetns(fd: number): [number, number];
  loUp(): [number, number];
  /** pidfd_open + pidfd_getfd: a copy of process `pid`'s fd `fd` (Linux 5.6). */
  pidfdGetfd?(pid: number, fd: number): [number, number];
  tcpSockets(): [number, number, NativeTcpSocket[]];
  tcpSocket(): [number, number];
  bindLoopback(fd: number, port: number): [number, number];
  listenFd(fd: number, backlog: number): [number, number];
  connectLoopback(fd: number, port: number): [number, number];
  localPort(fd: number): [number, number, number];
  /** The calling thread's effective capabilities: [ret, errno, bits 0-31, bits 32-63]. */
  capGetEffective(): [number, number, number, number];
  capSetEffective(low: number, high: number): [number, number];
}

/** One inet_diag_msg of a SOCK_DIAG_BY_FAMILY dump and its INET_DIAG_CONG name (null when the kernel gave none). */
export interface NativeTcpSocket {
  family: number; state: number; src: string; sport: number; dst: string; dport: number; inode: number; cc: string | null;
}

/** The addon, or why it is not there. */
export type NativeLoad = { readonly ok: true; readonly native: NativeLinux } | { readonly ok: false; readonly reason: string };

/** The package root (this file is src/backend/linux/ or dist/backend/linux/). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const ADDON = join(ROOT, "build", "Release", "structops_linux.node");
const REASON_FILE = join(ROOT, "build", "native-build-failure.txt");

let cached: NativeLoad | undefined;

/** Options for {@link loadNative}. */
export interface LoadNativeOptions {
  /** Try `node native/build.mjs` once when the addon is missing (default true). */
  readonly build?: boolean;
}

/** Loads the addon once per process; the result (or the reason it is missing) is cached. */
export function loadNative(opts: LoadNativeOptions = {}): NativeLoad {
  if (cached !== undefined) return cached;
  if (process.platform !== "linux") return (cached = { ok: false, reason: `the Linux backend needs Linux: this is ${process.platform}` });
  if (!existsSync(ADDON) && opts.build !== false && existsSync(join(ROOT, "native", "build.mjs"))) {
    spawnSync(process.execPath, [join(ROOT, "native", "build.mjs"), "--quiet"], { cwd: ROOT, stdio: "ignore" });
  }
  if (!existsSync(ADDON)) {
    const why = existsSync(REASON_FILE) ? readFileSync(REASON_FILE, "utf8").trim() : "it was never built (npm run build:native)";
    return (cached = { ok: false, reason: `the native addon build/Release/structops_linux.node is missing: ${why}` });
  }
  try {
    const native = createRequire(import.meta.url)(ADDON) as NativeLinux;
    return (cached = { ok: true, native });
  } catch (e) {
    return (cached = { ok: false, reason: `the native addon failed to load: ${(e as Error).message}` });
  }
}
