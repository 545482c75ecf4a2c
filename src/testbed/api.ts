/**
 * @fileoverview Types of the testbed: the simulator (src/sim) composed with
 * an emulated kernel, so every simulated sender is a socket of that kernel
 * and timed actions can make bpf(2) calls (register, BPF_LINK_UPDATE,
 * detach) and setsockopt(TCP_CONGESTION) in the middle of a run.
 *
 * @example
 * const ek = new EmulatedKernel();
 * const p = ek.process();
 * const r = runTestbed({ topology, flows, durationNs: 10 * SEC, actions: [
 *   { atNs: 5 * SEC, label: "swap", run: ({ process }) => process.bpf(BPF_LINK_UPDATE, { link_fd, new_map_fd }) },
 * ] }, { seed: 1, kernel: ek });
 */
import type { RunOptions, SimAction, SimActionContext, SimSpec } from "../sim/api.js";
import type { EmulatedKernel, ModelProcess } from "../lib/kernel.js";

/** What a testbed action can reach: the simulator, the kernel, and a root process of it. */
export interface TestbedActionContext {
  readonly sim: SimActionContext;
  readonly kernel: EmulatedKernel;
  /** A root process of the kernel (CAP_BPF, CAP_NET_ADMIN ...) for bpf(2) calls. */
  readonly process: ModelProcess;
}

/** A simulation plus actions that may call into the kernel. */
export interface TestbedSpec extends SimSpec {
  readonly actions?: readonly SimAction<TestbedActionContext>[];
}

/** Options of {@link runTestbed}. */
export interface TestbedOptions extends RunOptions {
  /** The kernel whose sockets the flows are; default: a fresh EmulatedKernel with engine "interp". */
  readonly kernel?: EmulatedKernel;
  /** The process actions use; default: `kernel.process("testbed")`. */
  readonly process?: ModelProcess;
}
