/**
 * @fileoverview The real-Linux side of the fidelity comparison (issue #5):
 * one bulk TCP flow of a fidelity configuration on the Linux testbed of
 * src/testbed/linux (namespaces, veth, tbf + pfifo, the delay line; the
 * same code as `structops run --linux`), with its TCP_INFO trace polled
 * every millisecond and time 0 at the moment the connection is established.
 */
import assert from "node:assert/strict";
import { openHostKernel } from "../../src/testbed/linux/host.js";
import { delayRouteCommands, probeLinux as probeTestbed, TestbedError, tbfArgs as qdiscTbfArgs, topologyCommands as qdiscTopology } from "../../src/testbed/linux/netns.js";
import type { NsNames, Probe } from "../../src/testbed/linux/netns.js";
import { runLinuxTestbed } from "../../src/testbed/linux/run.js";
import type { DelayLineStats, QdiscStats } from "../../src/testbed/linux/run.js";
import type { TcpInfoRow } from "../../src/testbed/linux/tcp-info.js";
import { buildTools as buildTestbedTools } from "../../src/testbed/linux/tools.js";
import type { Tools as TestbedTools } from "../../src/testbed/linux/tools.js";
import type { FidelityConfig } from "./configs.js";
import type { CwndSample } from "./metrics.js";

export { delayRouteCommands, TestbedError };
export type { DelayLineStats, NsNames, Probe, QdiscStats, TcpInfoRow };

/** tbf parameters of a configuration. */
export function tbfArgs(cfg: FidelityConfig): string[] {
  return qdiscTbfArgs({ rateBps: cfg.rateBps, queue: { packets: cfg.queuePackets } });
}

/** The commands that build a configuration's topology up to the delay line. */
export function topologyCommands(n: NsNames, cfg: FidelityConfig): string[][] {
  return qdiscTopology(n, { rateBps: cfg.rateBps, queue: { packets: cfg.queuePackets } });
}

/**
 * Whether this machine can run the Linux side: the testbed's probe, and the
 * algorithms built in or loaded (this test loads no module).
 */
export function probeLinux(algorithms: readonly string[] = ["reno", "cubic"]): Probe {
  const p = probeTestbed();
  if (!p.ok) return p;
  const host = openHostKernel();
  if (!host.ok) return { ok: false, reason: host.reason };
  const avail = host.kernel.backend.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text.trim().split(/\s+/);
  host.kernel.backend.dispose();
  const missing = algorithms.filter((a) => !avail.includes(a));
  if (missing.length > 0) return { ok: false, reason: `congestion control ${missing.join(", ")} not available (have: ${avail.join(" ")}); this test loads no module` };
  return { ok: true };
}

/** The compiled programs (kept in build/testbed/; nothing to remove). */
export interface Tools extends TestbedTools {
  dispose(): void;
}

export function buildTools(): Tools {
  return { ...buildTestbedTools(), dispose: () => undefined };
}

/** TCP_INFO rows as the metric functions' samples. */
export function rowsToTrace(rows: readonly TcpInfoRow[]): CwndSample[] {
  return rows.map((r) => ({ tS: r.tUs / 1e6, cwnd: r.cwnd, ssthresh: r.ssthresh, caState: r.caState, rttUs: r.rttUs }));
}

export interface LinuxRun {
  readonly cc: string;
  readonly config: string;
  readonly seconds: number;
  /** When the connection was established, ns on the run's clock: lines up flows run side by side. */
  readonly t0Ns: number;
  /** Rows with time 0 at the connection's establishment, up to `seconds`. */
  readonly rows: readonly TcpInfoRow[];
  readonly trace: readonly CwndSample[];
  readonly delayLine: DelayLineStats;
  readonly bottleneck: QdiscStats;
}

export interface RunOptions {
  /** Overrides cfg.seconds (the CI test runs shorter). */
  readonly seconds?: number;
  /** Seed of the delay line's loss generator. */
  readonly seed?: number;
  /** TCP_INFO poll interval in microseconds; default 1000. */
  readonly intervalUs?: number;
}

/** Runs one `cc` flow of `cfg` for the configured time on the Linux testbed. */
export async function runLinuxFlow(tools: Tools, cfg: FidelityConfig, cc: string, opts: RunOptions = {}): Promise<LinuxRun> {
  return (await runLinuxFlows(tools, cfg, [cc], opts))[0] as LinuxRun;
}

/**
 * Runs one flow per entry of `ccs`, all started at time 0, side by side on
 * the same path of `cfg`; each flow's rows have time 0 at its own
 * establishment (t0Ns says when that was). Delay-line and bottleneck
 * counters are the shared ones.
 */
export async function runLinuxFlows(tools: Tools, cfg: FidelityConfig, ccs: readonly string[], opts: RunOptions = {}): Promise<LinuxRun[]> {
  const seconds = opts.seconds ?? cfg.seconds;
  const host = openHostKernel();
  if (!host.ok) throw new TestbedError(host.reason);
  const oneWayNs = Math.round((cfg.rttMs * 1e6) / 2);
  const id = (i: number): string => (i === 0 ? "fid" : `fid${i + 1}`);
  try {
    const run = await runLinuxTestbed({
      path: { rateBps: cfg.rateBps, queue: { packets: cfg.queuePackets }, delayNs: oneWayNs, reverseDelayNs: oneWayNs, lossRate: cfg.lossRate, reverseLossRate: 0 },
      flows: ccs.map((cc, i) => ({ id: id(i), startNs: 0, cc, extraDelayNs: 0 })),
      // The handshake takes one RTT: the run is that much (and a margin) longer, so the trace covers `seconds` after it.
      durationNs: Math.round(seconds * 1e9 + 4 * cfg.rttMs * 1e6), sampleNs: (opts.intervalUs ?? 1000) * 1000, queueSamples: false,
    }, { tools, backend: host.kernel.backend, seed: opts.seed ?? 1 });
    return ccs.map((cc, i) => {
      const start = run.records.find((r) => r.type === "flow_event" && r.event === "start" && r.flow === id(i));
      const t0Us = start === undefined ? 0 : start.t / 1000;
      const rows = (run.rows.get(id(i)) ?? []).map((r) => ({ ...r, tUs: r.tUs - t0Us })).filter((r) => r.tUs >= 0 && r.tUs <= seconds * 1e6);
      return { cc, config: cfg.name, seconds, t0Ns: t0Us * 1000, rows, trace: rowsToTrace(rows), delayLine: run.delayLine, bottleneck: run.bottleneck };
    });
  } finally {
    host.kernel.backend.dispose();
  }
}

/**
 * How late the delay line ran, for a run's report: a disturbed run shows
 * here first. Without SCHED_FIFO (no CAP_SYS_NICE, as in a default
 * container) it competes with every other task, and a loaded machine delays
 * packets by tens of milliseconds.
 */
export function delayLineNote(d: DelayLineStats): string {
  return `delay line late by ${d.lateMeanUs} µs on average, ${d.lateMaxUs} µs at most${d.realtime ? "" : ", not real-time (SCHED_FIFO refused)"}`;
}

/**
 * A check of a real-time Linux run, made on up to `attempts` runs. A run on a
 * loaded machine (CI runs other test files beside this one; other tenants
 * share the host) can be disturbed: a late delay line or ACKs deferred to
 * ksoftirqd move slow start's exit, add a loss episode, an RTO or a cwnd
 * reduction, stretch an RTT. What such a test asks is whether this kernel
 * still behaves as recorded, which one undisturbed run answers; a kernel
 * whose behaviour changed misses on every attempt. `attempt(n)` makes run n,
 * reports it (t.diagnostic) and returns what it missed, empty when it
 * matched; the first run without a miss passes. Each miss is reported as it
 * happens, and after the last attempt the test fails with every run's misses.
 */
export async function checkLiveRuns(
  t: { diagnostic(msg: string): void }, attempts: number, failure: string, attempt: (n: number) => Promise<readonly string[]>,
): Promise<void> {
  const misses: string[] = [];
  for (let n = 1; n <= attempts; n++) {
    const out = await attempt(n);
    if (out.length === 0) return;
    t.diagnostic(`run ${n}/${attempts} missed: ${out.join("; ")}`);
    misses.push(`run ${n}: ${out.join("; ")}`);
  }
  assert.fail(`${failure} on every one of ${attempts} runs:\n${misses.join("\n")}`);
}
