/**
 * @fileoverview Two flows side by side against Linux (issue #13): bbr vs bbr
 * and bbr vs cubic through one bottleneck of the Linux testbed
 * (linux-testbed.ts runLinuxFlows on src/testbed/linux: two senders in the
 * sender namespace, one delay line, one tbf + pfifo), recorded into
 * test/fidelity/reference/two-<config>.json, and the simulator's built-ins on
 * the same path, compared on each flow's share and the metrics of
 * TWO_FLOW_METRICS within Linux's run-to-run band (bbr-metrics.ts
 * compareInBand).
 *
 *   npx tsx test/fidelity/bbr-two-flow.ts record --runs 5 [--config NAME]   # needs root
 *   npx tsx test/fidelity/bbr-two-flow.ts compare [--config NAME]          # no root
 *
 * Time: the testbed starts both senders at one time 0 and each trace
 * starts at its own ESTABLISHED; the reference keeps the second flow's
 * offset (its handshake ending a little later), and the simulator starts its
 * second flow at the median offset of the recorded runs. Metrics are taken on the
 * 10 ms-resolution traces the reference keeps, from the simulator's samples
 * thinned the same way.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { FidelityConfig } from "./configs.js";
import { BBR_CONFIGS, compareInBand, formatBbrChecks, probeRttEpisodes } from "./bbr-metrics.js";
import type { BbrCheck, BbrSample } from "./bbr-metrics.js";
import { encode, linuxBbrTrace, referenceNoise, simBbrTrace } from "./bbr-fidelity.js";
import { buildTools, probeLinux, runLinuxFlows } from "./linux-testbed.js";
import type { Tools } from "./linux-testbed.js";
import { median } from "./metrics.js";
import { REFERENCE_DIR } from "./reference.js";
import type { MachineInfo } from "./reference.js";
import { machineInfo } from "./fidelity-cli.js";
import { EXACT_PATH, flowId, simSpecForFlows } from "./sim-adapter.js";
import type { PathNoise } from "./sim-adapter.js";
import type { TraceRecord } from "../../src/sim/api.js";
import { runTestbed } from "../../src/testbed/run.js";

export interface TwoFlowConfig {
  readonly name: string;
  readonly path: FidelityConfig;
  /** The two flows' algorithms: flow A, flow B. */
  readonly ccs: readonly [string, string];
}

const PATH_20MBIT = BBR_CONFIGS[0] as FidelityConfig;

/** bbr vs bbr and bbr vs cubic on 20 Mbit/s, 40 ms, 1 BDP (66 packets), 25 s. */
export const TWO_FLOW_CONFIGS: readonly TwoFlowConfig[] = [
  { name: "two-bbr-bbr-20mbit-40ms-1bdp", path: PATH_20MBIT, ccs: ["bbr", "bbr"] },
  { name: "two-bbr-cubic-20mbit-40ms-1bdp", path: PATH_20MBIT, ccs: ["bbr", "cubic"] },
];

/** Start of the steady window (s after flow A's start): STARTUP and its aftermath are over. */
export const STEADY_FROM_S = 3;

/**
 * - shareA: flow A's part of the bytes both flows had ACKed over the steady window;
 * - goodputMbps: both flows together over that window;
 * - cwndA, cwndB: each flow's median cwnd there;
 * - pacingAMbps: flow A's (bbr's) median pacing rate there;
 * - queueDelayMs: the median of flow A's srtt minus the propagation delay there;
 * - probeRttFirstAS: flow A's first PROBE_RTT (cwnd ≤ 4 for ≥ 50 ms), s after its start.
 */
export const TWO_FLOW_METRICS = ["shareA", "goodputMbps", "cwndA", "cwndB", "pacingAMbps", "queueDelayMs", "probeRttFirstAS"] as const;
export type TwoFlowMetric = (typeof TWO_FLOW_METRICS)[number];
export type TwoFlowMetrics = Record<TwoFlowMetric, number | null>;

/**
 * Floors of the band (docs/fidelity.md, "Two flows"): the share of two
 * competing flows moves with who wins the first rounds; the floors cover
 * what the 10 ms traces and rounding cannot resolve.
 */
export const TWO_FLOW_FLOORS: Readonly<Record<TwoFlowMetric, number>> = {
  shareA: 0.03,
  goodputMbps: 0.5,
  cwndA: 4,
  cwndB: 4,
  pacingAMbps: 0.5,
  queueDelayMs: 2,
  probeRttFirstAS: 0.1,
};

/** One flow's trace and its start on a clock common to both flows (s). */
export interface TimedTrace {
  readonly startS: number;
  readonly trace: readonly BbrSample[];
}

/** Decodes a trace kept by bbr-fidelity.ts encode(). */
export function decode(flat: readonly number[]): BbrSample[] {
  const out: BbrSample[] = [];
  for (let i = 0; i + 5 < flat.length; i += 6) {
    const g = (k: number): number => flat[i + k] as number;
    out.push({ tS: g(0) / 1000, cwnd: g(1), ssthresh: g(2), srttUs: g(3), pacingRate: g(4) * 1000, bytesAcked: g(5) * 1000 });
  }
  return out;
}

/** Bytes ACKed by time tS of the flow's own clock: the last sample at or before it. */
function ackedAt(trace: readonly BbrSample[], tS: number): number {
  let v = 0;
  for (const s of trace) {
    if (s.tS > tS) break;
    v = s.bytesAcked;
  }
  return v;
}

/** The metrics of two flows over a run of `seconds` (flow A's clock) on `path`. */
export function twoFlowMetrics(a: TimedTrace, b: TimedTrace, path: FidelityConfig, seconds: number): TwoFlowMetrics {
  const from = STEADY_FROM_S;
  const to = seconds - 0.1;
  const inA = (s: BbrSample): boolean => s.tS >= from && s.tS <= to;
  const offB = b.startS - a.startS;
  const inB = (s: BbrSample): boolean => s.tS + offB >= from && s.tS + offB <= to;
  const bytesA = ackedAt(a.trace, to) - ackedAt(a.trace, from);
  const bytesB = ackedAt(b.trace, to - offB) - ackedAt(b.trace, from - offB);
  const rnd = (x: number | null, d = 3): number | null => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
  const steadyA = a.trace.filter(inA);
  const q = median(steadyA.filter((s) => s.srttUs > 0).map((s) => s.srttUs / 1000 - path.rttMs));
  return {
    shareA: rnd(bytesA + bytesB === 0 ? null : bytesA / (bytesA + bytesB)),
    goodputMbps: rnd(((bytesA + bytesB) * 8) / (to - from) / 1e6),
    cwndA: median(steadyA.map((s) => s.cwnd)),
    cwndB: median(b.trace.filter(inB).map((s) => s.cwnd)),
    pacingAMbps: rnd(median(steadyA.map((s) => (s.pacingRate * 8) / 1e6))),
    queueDelayMs: rnd(q === null ? null : Math.max(0, q)),
    probeRttFirstAS: rnd(probeRttEpisodes(a.trace)[0]?.start ?? null),
  };
}

export interface TwoFlowRecordedRun {
  readonly seed: number;
  readonly bottleneckDrops: number;
  readonly delayLineLateMeanUs: number;
  readonly delayLineLateMaxUs: number;
  /** Per flow: the start offset from flow A's (µs) and its trace (bbr-fidelity.ts encode()). */
  readonly flows: readonly { readonly cc: string; readonly startOffsetUs: number; readonly trace: readonly number[] }[];
}

export interface TwoFlowReference {
  readonly config: TwoFlowConfig;
  readonly machine: MachineInfo;
  readonly runs: readonly TwoFlowRecordedRun[];
}

export function twoFlowConfigByName(name: string): TwoFlowConfig {
  const c = TWO_FLOW_CONFIGS.find((x) => x.name === name);
  if (c === undefined) throw new RangeError(`unknown two-flow configuration '${name}' (known: ${TWO_FLOW_CONFIGS.map((x) => x.name).join(", ")})`);
  return c;
}

export function loadTwoFlowReference(name: string): TwoFlowReference {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, `${name}.json`), "utf8")) as TwoFlowReference;
}

/** The metrics of one recorded Linux run. */
export function recordedTwoFlowMetrics(run: TwoFlowRecordedRun, cfg: TwoFlowConfig): TwoFlowMetrics {
  const [a, b] = run.flows.map((f) => ({ startS: f.startOffsetUs / 1e6, trace: decode(f.trace) }));
  if (a === undefined || b === undefined) throw new RangeError(`two-flow run ${run.seed} of ${cfg.name}: needs two flows, has ${run.flows.length}`);
  return twoFlowMetrics(a, b, cfg.path, cfg.path.seconds);
}

/** The median start offset of flow B over the recorded runs (ns). */
export function medianStartOffsetNs(ref: TwoFlowReference): number {
  return Math.round((median(ref.runs.map((r) => r.flows[1]?.startOffsetUs ?? 0)) ?? 0) * 1000);
}

/** Runs the simulator's two flows of `cfg` (flow B starting `offsetNs` after flow A; before it if negative) and returns their metrics. */
export function simTwoFlowMetrics(cfg: TwoFlowConfig, offsetNs: number, seed = 1, noise: PathNoise = EXACT_PATH): TwoFlowMetrics {
  const records: TraceRecord[] = [];
  const startA = Math.max(0, -offsetNs);
  const startB = Math.max(0, offsetNs);
  const spec = simSpecForFlows(cfg.path, [{ cc: cfg.ccs[0], startNs: startA }, { cc: cfg.ccs[1], startNs: startB }], cfg.path.seconds, noise);
  runTestbed(spec, { seed, onRecord: (r) => records.push(r) });
  // Thinned to the reference's 10 ms rows, so both sides are measured on the same grid.
  const a = { startS: startA / 1e9, trace: decode(encode(simBbrTrace(records, flowId(0)))) };
  const b = { startS: startB / 1e9, trace: decode(encode(simBbrTrace(records, flowId(1)))) };
  return twoFlowMetrics(a, b, cfg.path, cfg.path.seconds);
}

/** The simulator against the committed reference of `cfg`. */
export function compareTwoFlowWithReference(cfg: TwoFlowConfig, seed = 1): { checks: BbrCheck[]; sim: TwoFlowMetrics; linux: TwoFlowMetrics[] } {
  const ref = loadTwoFlowReference(cfg.name);
  const linux = ref.runs.map((r) => recordedTwoFlowMetrics(r, cfg));
  const sim = simTwoFlowMetrics(cfg, medianStartOffsetNs(ref), seed, referenceNoise(ref.runs));
  return { checks: compareInBand(TWO_FLOW_METRICS, TWO_FLOW_FLOORS, sim, linux), sim, linux };
}

function fmt(m: TwoFlowMetrics): string {
  return TWO_FLOW_METRICS.map((k) => `${k}=${m[k] ?? "-"}`).join(" ");
}

/** Runs `cfg` on the Linux testbed once and keeps it as a reference run. */
export async function recordTwoFlowRun(tools: Tools, cfg: TwoFlowConfig, seed: number, seconds = cfg.path.seconds): Promise<TwoFlowRecordedRun> {
  const runs = await runLinuxFlows(tools, cfg.path, cfg.ccs, { seed, seconds });
  const t0 = (runs[0] as (typeof runs)[number]).t0Ns;
  const first = runs[0] as (typeof runs)[number];
  return {
    seed,
    bottleneckDrops: first.bottleneck.drops,
    delayLineLateMeanUs: first.delayLine.lateMeanUs,
    delayLineLateMaxUs: first.delayLine.lateMaxUs,
    flows: runs.map((r) => ({ cc: r.cc, startOffsetUs: Math.round((r.t0Ns - t0) / 1000), trace: encode(linuxBbrTrace(r)) })),
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { config: { type: "string" }, runs: { type: "string" } } });
  const cfgs = values.config !== undefined ? [twoFlowConfigByName(values.config)] : TWO_FLOW_CONFIGS;
  if (positionals[0] === "compare") {
    for (const cfg of cfgs) {
      const { checks, sim } = compareTwoFlowWithReference(cfg);
      console.log(`${cfg.name}: model ${fmt(sim)}\n${formatBbrChecks(checks)}`);
    }
    return;
  }
  if (positionals[0] !== "record") {
    console.error("usage: bbr-two-flow.ts record|compare [--config NAME] [--runs N]");
    process.exit(2);
  }
  const probe = probeLinux(["bbr", "cubic"]);
  if (!probe.ok) {
    console.error(`bbr-two-flow: cannot run the Linux side here: ${probe.reason}`);
    process.exit(1);
  }
  const tools = buildTools();
  try {
    for (const cfg of cfgs) {
      const runs: TwoFlowRecordedRun[] = [];
      for (let i = 0; i < Number(values.runs ?? "5"); i++) {
        const run = await recordTwoFlowRun(tools, cfg, i + 1);
        runs.push(run);
        console.log(`${cfg.name} run ${i + 1}: ${fmt(recordedTwoFlowMetrics(run, cfg))} offset=${run.flows[1]?.startOffsetUs}us drops=${run.bottleneckDrops} late=${run.delayLineLateMeanUs}/${run.delayLineLateMaxUs}us`);
      }
      const ref: TwoFlowReference = { config: cfg, machine: machineInfo(), runs };
      const file = join(REFERENCE_DIR, `${cfg.name}.json`);
      writeFileSync(file, JSON.stringify(ref) + "\n");
      console.log(`wrote ${file}`);
    }
  } finally {
    tools.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`bbr-two-flow: ${(e as Error).message}`);
    process.exit(1);
  });
}
