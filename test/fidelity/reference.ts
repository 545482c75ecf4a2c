/**
 * @fileoverview Linux reference measurements for the fidelity comparison
 * (issue #5) and the comparison entry point the simulated testbed calls.
 *
 * A reference file (test/fidelity/reference/<config>.json) holds, per
 * algorithm, the cwnd trajectories of N runs of Linux's own reno/cubic over
 * the Linux testbed (linux-testbed.ts), with the machine and kernel they were
 * measured on; the metrics and their run-to-run spread are computed from them. The tolerances below are
 * justified from that spread in docs/fidelity.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareMetrics, cycleShape, metricValues, METRIC_NAMES, spreadOf } from "./metrics.js";
import type { Comparison, CwndSample, MetricName, MetricSpread, MetricValues, Tolerance } from "./metrics.js";
import type { Algorithm, FidelityConfig } from "./configs.js";
import { configByName } from "./configs.js";
import type { DelayLineLateness } from "../../src/testbed/linux/run.js";

export interface MachineInfo {
  readonly kernel: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly recordedAt: string;
  readonly note: string;
}

/** One recorded Linux run: its counters and its whole trajectory, encoded by encodeTrace. */
export interface RecordedRun {
  readonly seed: number;
  readonly totalRetrans: number;
  readonly goodputMbps: number;
  readonly bottleneckDrops: number;
  readonly delayLineLateMeanUs: number;
  readonly delayLineLateMaxUs: number;
  /** Median of tcpi_rtt (srtt, µs) over the samples after the first second (absent in older recordings). */
  readonly srttMedianUs?: number;
  /** The delay line's dropped data segments: [sequence number relative to the first data byte, 1 if a retransmission]. */
  readonly dropSeqs?: readonly (readonly [number, number])[];
  /** The delay line's lateness histograms (absent in older recordings). */
  readonly delayLineLateHist?: DelayLineLateness;
  readonly trace: readonly number[];
}

export interface AlgorithmReference {
  readonly runs: readonly RecordedRun[];
  /**
   * An earlier recording of the same seeds (so the same delay-line drops), kept to measure how far
   * Linux is from itself when only timing differs (20mbit-40ms-1bdp-loss1, reno).
   */
  readonly repeats?: readonly RecordedRun[];
}

/**
 * How late Linux's tbf served the bottleneck while a configuration ran
 * (tbf-lateness.ts, from the kernel's tracepoints): counts per bin of the
 * delay line's bins (`edgesUs`; bin i is [edgesUs[i-1], edgesUs[i]) µs, the
 * last holds the rest up to the max), pooled over `runs` runs.
 */
export interface TbfLateness {
  readonly measuredAt: string;
  /** The 1/5/15-minute load averages at each run's start. */
  readonly loadAverages: readonly string[];
  readonly config: string;
  readonly cc: string;
  readonly runs: number;
  readonly edgesUs: readonly number[];
  /** From the expiry the watchdog was armed for to the next frame tbf handed out. */
  readonly service: readonly number[];
  readonly serviceMaxUs: number;
  /** From that expiry to the timer's firing. */
  readonly watchdog: readonly number[];
  readonly watchdogMaxUs: number;
  /** The delay line's own timer wake-ups over the same runs. */
  readonly delayLineWakeups: readonly number[];
}

/**
 * A reference file keeps the trajectories, not the metrics: the metrics and
 * their spread are recomputed from them with the current metrics.ts, so the
 * metric definitions can change without re-measuring.
 */
export interface ReferenceFile {
  readonly config: FidelityConfig;
  readonly machine: MachineInfo;
  readonly algorithms: Readonly<Partial<Record<Algorithm, AlgorithmReference>>>;
  /** The bottleneck's measured service lateness (tbf-lateness.ts), where measured. */
  readonly tbfLateness?: TbfLateness;
}

/**
 * Tolerances: a value passes inside [min - w, max + w] of the Linux runs,
 * w = max(abs, rel * median). See docs/fidelity.md ("Tolerance") for the
 * measured spread these come from.
 */
export const TOLERANCES: Readonly<Record<MetricName, Tolerance>> = {
  slowStartEndS: { rel: 0.15, abs: 0.04 },
  slowStartEndCwnd: { rel: 0.15, abs: 4 },
  medianCwnd: { rel: 0.1, abs: 2 },
  medianPeakCwnd: { rel: 0.1, abs: 2 },
  medianTroughCwnd: { rel: 0.1, abs: 2 },
  medianPeriodS: { rel: 0.15, abs: 0.05 },
};

export const REFERENCE_DIR = join(new URL(".", import.meta.url).pathname, "reference");

export function referencePath(configName: string): string {
  return join(REFERENCE_DIR, `${configName}.json`);
}

/** Reads a committed reference; throws RangeError naming the missing config or algorithm. */
export function loadReference(configName: string): ReferenceFile {
  configByName(configName);
  let text: string;
  try {
    text = readFileSync(referencePath(configName), "utf8");
  } catch {
    throw new RangeError(`no Linux reference recorded for '${configName}' (run: npx tsx test/fidelity/fidelity-cli.ts record --config ${configName})`);
  }
  return JSON.parse(text) as ReferenceFile;
}

/** Spread of every metric over a set of runs' metric values. */
export function spreadOfRuns(runs: readonly MetricValues[]): Record<MetricName, MetricSpread | null> {
  const out = {} as Record<MetricName, MetricSpread | null>;
  for (const m of METRIC_NAMES) out[m] = spreadOf(runs.map((r) => r[m]));
  return out;
}

const INFINITE = 0x7fffffff;

/**
 * Encodes a trajectory at its changes only (cwnd, ssthresh or CA state, plus
 * the last sample) as flat quadruples [time step in 0.1 ms since the previous
 * point, cwnd, ssthresh (-1 for infinite), CA state (-1 when absent)].
 */
export function encodeTrace(trace: readonly CwndSample[]): number[] {
  const out: number[] = [];
  let last = "";
  let prevTick = 0;
  trace.forEach((s, i) => {
    const ss = s.ssthresh === undefined || s.ssthresh >= INFINITE ? -1 : s.ssthresh;
    const key = `${s.cwnd}/${ss}/${s.caState ?? -1}`;
    if (key !== last || i === trace.length - 1) {
      const tick = Math.round(s.tS * 1e4);
      out.push(tick - prevTick, s.cwnd, ss, s.caState ?? -1);
      prevTick = tick;
    }
    last = key;
  });
  return out;
}

/** Decodes encodeTrace's output into samples (a step function: values hold until the next point). */
export function decodeTrace(flat: readonly number[]): CwndSample[] {
  if (flat.length % 4 !== 0) throw new RangeError(`encoded trace has ${flat.length} numbers, not a multiple of 4`);
  const out: CwndSample[] = [];
  let tick = 0;
  for (let i = 0; i < flat.length; i += 4) {
    tick += flat[i] as number;
    const ss = flat[i + 2] as number;
    const ca = flat[i + 3] as number;
    out.push({ tS: tick / 1e4, cwnd: flat[i + 1] as number, ssthresh: ss < 0 ? INFINITE : ss, ...(ca >= 0 ? { caState: ca } : {}) });
  }
  return out;
}

/** The metric values of every recorded run of one algorithm, and their spread. */
export function referenceSpread(
  configName: string,
  algorithm: Algorithm,
): { runs: MetricValues[]; spread: Record<MetricName, MetricSpread | null> } {
  const ref = loadReference(configName).algorithms[algorithm];
  if (ref === undefined || ref.runs.length === 0) throw new RangeError(`the reference for '${configName}' has no '${algorithm}' runs`);
  const runs = ref.runs.map((r) => metricValues(cycleShape(decodeTrace(r.trace))));
  return { runs, spread: spreadOfRuns(runs) };
}

export interface FidelityResult extends Comparison {
  readonly config: string;
  readonly algorithm: Algorithm;
  readonly values: MetricValues;
}

/**
 * Compares a trajectory (the simulator's, for the same configuration and
 * algorithm, time 0 at ESTABLISHED, cwnd in segments) with Linux's recorded
 * spread. The trace should cover the configuration's `seconds`.
 */
export function compareWithReference(
  simTrace: readonly CwndSample[],
  configName: string,
  algorithm: Algorithm,
  tolerances: Readonly<Record<MetricName, Tolerance>> = TOLERANCES,
): FidelityResult {
  const { spread } = referenceSpread(configName, algorithm);
  const values = metricValues(cycleShape(simTrace));
  return { config: configName, algorithm, values, ...compareMetrics(values, spread, tolerances) };
}
