/**
 * @fileoverview BBR against Linux (issue #13): records Linux's own bbr over
 * the Linux testbed (linux-testbed.ts) into test/fidelity/reference/, runs
 * the simulator's built-in bbr on the same configurations, and compares
 * them with bbr-metrics.ts.
 *
 *   npx tsx test/fidelity/bbr-fidelity.ts record --runs 5 [--config NAME]   # needs root
 *   npx tsx test/fidelity/bbr-fidelity.ts compare [--config NAME]          # no root
 *
 * A reference keeps each run's trace every 10 ms (t ms, cwnd, ssthresh,
 * srtt µs, pacing rate in kB/s, kB ACKed), enough to recompute the metrics.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { FidelityConfig } from "./configs.js";
import { BBR_CONFIGS, BBR_METRICS, bbrMetrics, compareBbr, formatBbrChecks } from "./bbr-metrics.js";
import type { BbrCheck, BbrMetrics, BbrSample } from "./bbr-metrics.js";
import { buildTools, probeLinux, runLinuxFlow } from "./linux-testbed.js";
import type { LinuxRun, Tools } from "./linux-testbed.js";
import { REFERENCE_DIR } from "./reference.js";
import type { MachineInfo } from "./reference.js";
import { machineInfo } from "./fidelity-cli.js";
import { median } from "./metrics.js";
import { EXACT_PATH, simSpecFor, FLOW_ID } from "./sim-adapter.js";
import type { PathNoise } from "./sim-adapter.js";
import type { FlowSampleRecord, TraceRecord } from "../../src/sim/api.js";
import { runTestbed } from "../../src/testbed/run.js";

export interface BbrRecordedRun {
  readonly seed: number;
  readonly metrics: BbrMetrics;
  readonly totalRetrans: number;
  readonly bottleneckDrops: number;
  readonly delayLineLateMeanUs: number;
  readonly delayLineLateMaxUs: number;
  /** Flattened [tMs, cwnd, ssthresh, srttUs, pacingKBps, ackedKB] every 10 ms. */
  readonly trace: readonly number[];
}

export interface BbrReference {
  readonly config: FidelityConfig;
  readonly machine: MachineInfo;
  readonly runs: readonly BbrRecordedRun[];
}

export function bbrConfigByName(name: string): FidelityConfig {
  const c = BBR_CONFIGS.find((x) => x.name === name);
  if (c === undefined) throw new RangeError(`unknown BBR fidelity configuration '${name}' (known: ${BBR_CONFIGS.map((x) => x.name).join(", ")})`);
  return c;
}

export function bbrReferencePath(name: string): string {
  return join(REFERENCE_DIR, `${name}.json`);
}

export function loadBbrReference(name: string): BbrReference {
  return JSON.parse(readFileSync(bbrReferencePath(name), "utf8")) as BbrReference;
}

/** Linux TCP_INFO rows as BBR samples (tcpi_rtt is srtt). */
export function linuxBbrTrace(run: LinuxRun): BbrSample[] {
  return run.rows.map((r) => ({ tS: r.tUs / 1e6, cwnd: r.cwnd, ssthresh: r.ssthresh, srttUs: r.rttUs, pacingRate: r.pacingRate, bytesAcked: r.bytesAcked }));
}

/** The simulator's samples of one fidelity flow as BBR samples, time from its start. */
export function simBbrTrace(records: Iterable<TraceRecord>, flow = FLOW_ID): BbrSample[] {
  const out: BbrSample[] = [];
  let t0: number | undefined;
  for (const r of records) {
    if (r.type === "flow_event" && r.flow === flow && r.event === "start") t0 ??= r.t;
    if (r.type !== "flow" || r.flow !== flow) continue;
    const f = r as FlowSampleRecord;
    t0 ??= f.t;
    out.push({ tS: (f.t - t0) / 1e9, cwnd: f.cwnd, ssthresh: f.ssthresh, srttUs: f.srttUs, pacingRate: f.pacingRate, bytesAcked: f.bytesAcked });
  }
  return out;
}

/** A trace kept every 10 ms as flattened [tMs, cwnd, ssthresh, srttUs, pacingKBps, ackedKB] rows. */
export function encode(trace: readonly BbrSample[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (const s of trace) {
    if (s.tS * 1000 < next) continue;
    next = Math.floor(s.tS * 100 + 1) * 10;
    out.push(Math.round(s.tS * 1000), s.cwnd, s.ssthresh, s.srttUs, Math.round(s.pacingRate / 1000), Math.round(s.bytesAcked / 1000));
  }
  return out;
}

/** Runs the simulator's bbr on `cfg` (seed 1) and returns its metrics. */
export function simBbrMetrics(cfg: FidelityConfig, seed = 1, noise: PathNoise = EXACT_PATH): BbrMetrics {
  const records: TraceRecord[] = [];
  runTestbed(simSpecFor(cfg, "bbr", cfg.seconds, noise), { seed, onRecord: (r) => records.push(r) });
  return bbrMetrics(simBbrTrace(records), cfg, cfg.seconds);
}

/**
 * The path noise of a reference's testbed: ACKs late on the delay line by the
 * median of the runs' own mean lateness (sim-adapter.ts, PathNoise).
 */
export function referenceNoise(runs: readonly { readonly delayLineLateMeanUs: number }[]): PathNoise {
  return { ackLateNs: Math.round((median(runs.map((r) => r.delayLineLateMeanUs)) ?? 0) * 1000) };
}

/** Compares the simulator, on the reference's noisy path, with the committed reference of `cfg`. */
export function compareBbrWithReference(cfg: FidelityConfig, seed = 1): { checks: BbrCheck[]; sim: BbrMetrics; noise: PathNoise } {
  const ref = loadBbrReference(cfg.name);
  const noise = referenceNoise(ref.runs);
  const sim = simBbrMetrics(cfg, seed, noise);
  return { checks: compareBbr(sim, ref.runs.map((r) => r.metrics)), sim, noise };
}

function fmt(m: BbrMetrics): string {
  return BBR_METRICS.map((k) => `${k}=${m[k] ?? "-"}`).join(" ");
}

async function record(tools: Tools, cfg: FidelityConfig, runs: number): Promise<BbrReference> {
  const out: BbrRecordedRun[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runLinuxFlow(tools, cfg, "bbr", { seed: i + 1 });
    const trace = linuxBbrTrace(r);
    const metrics = bbrMetrics(trace, cfg, r.seconds);
    const last = r.rows[r.rows.length - 1];
    out.push({
      seed: i + 1,
      metrics,
      totalRetrans: last?.totalRetrans ?? 0,
      bottleneckDrops: r.bottleneck.drops,
      delayLineLateMeanUs: r.delayLine.lateMeanUs,
      delayLineLateMaxUs: r.delayLine.lateMaxUs,
      trace: encode(trace),
    });
    console.log(`${cfg.name} bbr run ${i + 1}/${runs}: ${fmt(metrics)} drops=${r.bottleneck.drops} late=${r.delayLine.lateMeanUs}/${r.delayLine.lateMaxUs}us`);
  }
  return { config: cfg, machine: machineInfo(), runs: out };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { config: { type: "string" }, runs: { type: "string" } } });
  const cfgs = values.config !== undefined ? [bbrConfigByName(values.config)] : BBR_CONFIGS;
  if (positionals[0] === "compare") {
    for (const cfg of cfgs) {
      const { checks, sim, noise } = compareBbrWithReference(cfg);
      console.log(`${cfg.name}: model (ACKs late by ${noise.ackLateNs / 1000} µs on average) ${fmt(sim)}\n${formatBbrChecks(checks)}`);
    }
    return;
  }
  if (positionals[0] !== "record") {
    console.error("usage: bbr-fidelity.ts record|compare [--config NAME] [--runs N]");
    process.exit(2);
  }
  const probe = probeLinux(["bbr"]);
  if (!probe.ok) {
    console.error(`bbr-fidelity: cannot run the Linux side here: ${probe.reason}`);
    process.exit(1);
  }
  const tools = buildTools();
  try {
    for (const cfg of cfgs) {
      const ref = await record(tools, cfg, Number(values.runs ?? "5"));
      writeFileSync(bbrReferencePath(cfg.name), JSON.stringify(ref) + "\n");
      console.log(`wrote ${bbrReferencePath(cfg.name)}`);
    }
  } finally {
    tools.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`bbr-fidelity: ${(e as Error).message}`);
    process.exit(1);
  });
}
