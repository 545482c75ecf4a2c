/**
 * @fileoverview The kernels `structops struct_ops|link|cc` can read: the
 * running Linux kernel (bpf(2) through the Linux backend in the caller's own
 * network namespace, read-only; its BTF from /sys/kernel/btf/vmlinux) or a
 * freshly booted emulated kernel (its own BTF). A scenario's kernel is read
 * by the scenario's `snapshot` action instead (src/cli/run/kernel-actions.ts).
 */
import type { Backend } from "../../backend/backend.js";
import { LinuxBackend } from "../../backend/linux/linux-backend.js";
import type { Btf } from "../../obj/btf/btf.js";
import { EmulatedKernel } from "../kernel.js";
import { emulatedTarget, hostTarget } from "../target.js";
import type { BtfSource, KernelSnapshot } from "./kernel-snapshot.js";

/** A kernel to inspect. */
export interface InspectKernel {
  readonly backend: Backend;
  readonly kind: KernelSnapshot["kernel"];
  readonly btf: BtfSource;
  dispose(): void;
}

/** The host's BTF, parsed once per process (5 MB; half a second). */
let hostBtf: Btf | undefined;

/** Opens `which`, or says why it cannot (no addon, not Linux). */
export function openInspectKernel(which: "linux" | "fresh"): { ok: true; kernel: InspectKernel } | { ok: false; reason: string } {
  if (which === "fresh") {
    const p = new EmulatedKernel().process("structops-inspect");
    return { ok: true, kernel: { backend: p, kind: "emulated", btf: () => emulatedTarget().btf, dispose: () => p.exit() } };
  }
  const o = LinuxBackend.open({ netns: "current" });
  if (!o.ok) return { ok: false, reason: o.reason };
  const be = o.backend;
  return { ok: true, kernel: { backend: be, kind: "linux", btf: () => (hostBtf ??= hostTarget().btf), dispose: () => be.dispose() } };
}
