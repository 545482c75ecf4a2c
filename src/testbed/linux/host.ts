/**
 * @fileoverview This machine's kernel as the Linux testbed's actions see
 * it: the Linux backend in the caller's own network namespace (bpf(2) for
 * the scenario's objects and links, setsockopt on flows' sockets) and the
 * kernel's BTF (/sys/kernel/btf/vmlinux, read once), for the reads of
 * `structops cc list` and `snapshot` actions.
 */
import { LinuxBackend } from "../../backend/linux/linux-backend.js";
import type { BtfSource } from "../../lib/inspect/kernel-snapshot.js";
import { hostTarget } from "../../lib/target.js";

/** The backend and the BTF of the running kernel. */
export interface HostKernel {
  readonly backend: LinuxBackend;
  readonly btf: BtfSource;
}

/** Opens the running kernel, or says why it cannot (no native addon, not Linux). */
export function openHostKernel(): { ok: true; kernel: HostKernel } | { ok: false; reason: string } {
  const o = LinuxBackend.open({ netns: "current" });
  if (!o.ok) return o;
  let btf: ReturnType<BtfSource> | undefined;
  return { ok: true, kernel: { backend: o.backend, btf: () => (btf ??= hostTarget().btf) } };
}
