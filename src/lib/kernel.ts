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

/** A program that faulted while running: how often and its first fault. */
export interface ProgFaultCount {
  readonly id: number;
  /** The program's name (prog_name), or its id when it has none. */
  readonly name: string;
  /** Runs that ended in a fault (each returned 0 to its hook). */
  readonly faults: number;
  /** Completed runs. */
  readonly runs: number;
  /** The first fault: its kind, the index of the faulting instruction, and the message naming the instruction. */
  readonly first: { readonly kind: string; readonly insn: number; readonly message: string };
}

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

  /**
   * Programs that faulted since boot, in the order of their first fault
   * (freed ones included). A fault ends the run and the hook sees 0, like a
   * kernel warning: a program that faults is a bug the user must hear about.
   */
  progFaults(): ProgFaultCount[] {
    return this.kernel.faultedProgs.map((p) => {
      const f = p.firstFault;
      return {
        id: p.id, name: p.attrs.prog_name || String(p.id), faults: p.faults, runs: p.runCnt,
        first: { kind: f?.kind ?? "", insn: f?.pc ?? 0, message: f?.message ?? "" },
      };
    });
  }

  /** Objects, fds, sockets and callbacks still alive (empty once everything is closed and settled). */
  leaks(): string[] {
    return this.kernel.leaks();
  }
}
