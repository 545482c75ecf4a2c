/**
 * @fileoverview The kernels `structops struct_ops|link|cc` can read: the
 * running Linux kernel (bpf(2) through the Linux backend in the caller's own
 * network namespace, read-only; its BTF from /sys/kernel/btf/vmlinux) or a
 * freshly booted emulated kernel (its own BTF); for `cc list`, the kernel's
 * TCP sockets too. A scenario's kernel is read
 * by the scenario's `snapshot` action instead (src/cli/run/kernel-actions.ts).
 */
import type { Backend } from "../../backend/backend.js";
import { LinuxBackend } from "../../backend/linux/linux-backend.js";
import type { Btf } from "../../btf/btf.js";
import { ENOSYS, formatErrno } from "../../uapi/errno.js";
import { EmulatedKernel } from "../kernel.js";
import { emulatedTarget, hostTarget } from "../target.js";
import { diagSockets } from "./kernel-snapshot.js";
import type { BtfSource, KernelSnapshot, KernelSocket } from "./kernel-snapshot.js";

/** A kernel to inspect. */
export interface InspectKernel {
  readonly backend: Backend;
  readonly kind: KernelSnapshot["kernel"];
  readonly btf: BtfSource;
  /**
   * The kernel's TCP sockets and their congestion control (Linux: the
   * sock_diag dump of the caller's network namespace); a fresh emulated
   * kernel has none. Throws an Error naming the errno when the dump fails.
   */
  sockets(): KernelSocket[];
  dispose(): void;
}

/** The host's BTF, parsed once per process (5 MB; half a second). */
let hostBtf: Btf | undefined;

/** Opens `which`, or says why it cannot (no addon, not Linux). */
export function openInspectKernel(which: "linux" | "fresh"): { ok: true; kernel: InspectKernel } | { ok: false; reason: string } {
  if (which === "fresh") {
    const p = new EmulatedKernel().process("structops-inspect");
    return { ok: true, kernel: { backend: p, kind: "emulated", btf: () => emulatedTarget().btf, sockets: () => [], dispose: () => p.exit() } };
  }
  const o = LinuxBackend.open({ netns: "current" });
  if (!o.ok) return { ok: false, reason: o.reason };
  const be = o.backend;
  return { ok: true, kernel: { backend: be, kind: "linux", btf: () => (hostBtf ??= hostTarget().btf), sockets: () => linuxSockets(be), dispose: () => be.dispose() } };
}

/** `cc list --linux`'s sockets; an Error (the CLI's one line) when the dump fails. */
function linuxSockets(be: LinuxBackend): KernelSocket[] {
  const r = be.tcpSockets();
  if (r.errno === ENOSYS) throw new Error("cannot list the TCP sockets: the native addon predates it (npm run build:native)");
  if (r.errno !== 0) throw new Error(`cannot list the TCP sockets (NETLINK_SOCK_DIAG): ${formatErrno(r.errno)}`);
  return diagSockets(r.sockets);
}
