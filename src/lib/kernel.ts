/**
 * @fileoverview The user API to an emulated kernel: boot one, open processes
 * on it, and reach the kernel's BTF, clock and log. bpf(2) calls themselves go
 * through a process ({@link ModelProcess}) with the kernel's field names and
 * the `{ ret, errno }` result shape a real-kernel backend shares.
 */
import { createModelKernel, ROOT_CAPS } from "../backend/model.js";
import type { Kernel, ModelKernelOptions, TcpCc } from "../backend/model.js";
import { ModelProcess, ProcessExitedError } from "../backend/model-process.js";

export { ModelProcess, ProcessExitedError };
export type { Backend, SysResult } from "../backend/backend.js";
export { structOpsValue, structOpsValueLayout } from "../backend/struct-ops-value.js";
export type { StructOpsFields } from "../backend/struct-ops-value.js";
export { getVmlinuxBtf, BtfBuilder } from "../backend/model.js";
export { DEFAULT_TCP_CONG_CONFIG, KernelConfigError, MIRRORED_KERNEL, checkTcpCongConfig, knownTcpCong } from "../backend/model.js";
export type { TcpCongConfig } from "../backend/model.js";

/** Options for {@link EmulatedKernel}. */
export type EmulatedKernelOptions = ModelKernelOptions;

/**
 * An emulated Linux kernel with BPF struct_ops and TCP congestion control.
 * @example
 * const k = new EmulatedKernel();
 * const p = k.process();
 * const r = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 1 });
 * if (r.errno !== 0) throw BpfError.fromCmd(BPF_MAP_CREATE, r.errno);
 */
export class EmulatedKernel {
  readonly kernel: Kernel;
  readonly tcp: TcpCc;

  constructor(opts: EmulatedKernelOptions = {}) {
    const mk = createModelKernel(opts);
    this.kernel = mk.kernel;
    this.tcp = mk.tcp;
  }

  /** Starts a process: root with CAP_BPF, CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON unless `caps` says otherwise. */
  process(comm = "structops", caps: readonly number[] = ROOT_CAPS, uid = 0): ModelProcess {
    return new ModelProcess(this.kernel.spawn(comm, caps, uid), this.tcp);
  }

  /** Advances simulated time by `ns`. */
  advance(ns: bigint): void {
    this.kernel.advance(ns);
  }

  /** Runs RCU grace periods and deferred work until nothing is pending. */
  settle(): void {
    this.kernel.settle();
  }

  /** The kernel log, as `dmesg` prints it. */
  dmesg(): string {
    return this.kernel.dmesg.format();
  }

  /** Objects, fds, sockets and callbacks still alive (empty once everything is closed and settled). */
  leaks(): string[] {
    return this.kernel.leaks();
  }
}
