/**
 * @fileoverview The testbed's composition root: runs a simulation whose
 * senders are sockets of an emulated kernel, and whose timed actions may
 * make bpf(2) calls and setsockopt through a process of that kernel (a
 * BPF_LINK_UPDATE in the middle of a run, a detach, a new default CC).
 */
import { EmulatedKernel } from "../lib/kernel.js";
import { TcpCcSimHost } from "../backend/model.js";
import { Simulation } from "../sim/run.js";
import type { RunResult } from "../sim/api.js";
import type { TestbedActionContext, TestbedOptions, TestbedSpec } from "./api.js";

/**
 * Runs `spec` on `opts.kernel` (a fresh emulated kernel by default).
 * @throws SimSpecError naming a bad field; FlowError when a flow's socket calls fail
 * @example
 * const r = runTestbed({ topology: dumbbell({ pairs: 1, bottleneck }), flows: [{ from: "s0", to: "r0", startNs: 0, cc: "cubic" }], durationNs: 5 * SEC }, { seed: 1 });
 */
export function runTestbed(spec: TestbedSpec, opts: TestbedOptions): RunResult {
  const kernel = opts.kernel ?? new EmulatedKernel();
  const process = opts.process ?? kernel.process("testbed");
  const sim = new Simulation(spec, new TcpCcSimHost(kernel.tcp), opts);
  const ctx: TestbedActionContext = { sim: sim.actionApi, kernel, process };
  for (const a of spec.actions ?? []) sim.addAction(a, ctx);
  return sim.run();
}
