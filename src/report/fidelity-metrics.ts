/**
 * @fileoverview Per-cycle shape of a congestion-window trajectory, for the
 * fidelity comparison of issue #5 (simulated reno/cubic against Linux's own)
 * and `structops compare` (report/compare.ts).
 *
 * Pure functions over a trace of samples `(tS, cwnd[, ssthresh, caState])`,
 * whatever produced it: TCP_INFO polled every millisecond on a real socket,
 * or the simulator's per-event trace. Quantities follow Linux's tcp_info:
 * cwnd and ssthresh in segments (tcpi_snd_cwnd, tcpi_snd_ssthresh), the CA
 * state as enum tcp_ca_state (include/uapi/linux/tcp.h), and an ssthresh of
 * TCP_INFINITE_SSTHRESH (0x7fffffff) or more meaning "not set yet".
 *
 * Shape:
 * - slow-start end: the first sample whose ssthresh is finite (a loss or
 *   HyStart ended it), time and cwnd (the larger of that sample and the one
 *   before, so a loss exit reports the peak); without ssthresh, the first
 *   reduction.
 * - reductions: entries into CWR/Recovery/Loss from Open/Disorder when every
 *   sample has a CA state (the kernel's own notion of a congestion episode);
 *   otherwise drops of cwnd by at least `minDrop` of the running peak, with a
 *   re-arm once cwnd climbs back above the trough. Each reduction records the
 *   cwnd before it (the cycle's peak) and after it (the trough it settled on).
 * - cycles: the reductions after slow start (the slow-start exit episode
 *   itself excluded); the periods between consecutive ones.
 * - median cwnd: time-weighted median over whole cycles (first to last cycle
 *   reduction), or from slow-start end to the end of the trace when fewer
 *   than two cycles exist. Time weighting makes a 1 ms poll and an
 *   event-driven trace comparable.
 */

/** One observation of the sender. `tS` in seconds from the flow's start (ESTABLISHED). */
export interface CwndSample {
  readonly tS: number;
  readonly cwnd: number;
  readonly ssthresh?: number;
  readonly caState?: number;
  readonly rttUs?: number;
}

/** A congestion episode: cwnd just before it and the trough it settled on. */
export interface Reduction {
  readonly tS: number;
  readonly cwndBefore: number;
  readonly cwndAfter: number;
}

export interface SlowStartEnd {
  readonly tS: number;
  readonly cwnd: number;
  /** True when the exit was a loss episode, false for a HyStart-like exit without reduction. */
  readonly byLoss: boolean;
}

export interface CycleShape {
  readonly durationS: number;
  readonly slowStartEnd: SlowStartEnd | null;
  /** Every reduction, the slow-start exit episode included. */
  readonly reductions: readonly Reduction[];
  /** Reductions after slow start: one per cycle. */
  readonly cycleReductions: readonly Reduction[];
  readonly periodsS: readonly number[];
  readonly medianCwnd: number;
  /** Time-weighted 10th and 90th percentiles of cwnd over the median's window. */
  readonly p10Cwnd: number;
  readonly p90Cwnd: number;
  readonly medianPeakCwnd: number | null;
  readonly medianTroughCwnd: number | null;
  readonly medianPeriodS: number | null;
}

/** The scalar metrics that the comparison checks, by name. */
export const METRIC_NAMES = [
  "slowStartEndS",
  "slowStartEndCwnd",
  "medianCwnd",
  "medianPeakCwnd",
  "medianTroughCwnd",
  "medianPeriodS",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricValues = Record<MetricName, number | null>;

export interface ShapeOptions {
  /** Drop, as a fraction of the running peak, that counts as a reduction without CA states. Default 0.15. */
  readonly minDrop?: number;
  /** Force cwnd-only detection even when CA states are present. */
  readonly ignoreCaState?: boolean;
}

export const TCP_INFINITE_SSTHRESH = 0x7fffffff;
const TCP_CA_CWR = 2;

/** A typed error naming what is wrong with a trace and where. */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceError";
  }
}

/** Checks order and values; throws TraceError naming the first bad sample. */
export function validateTrace(trace: readonly CwndSample[]): void {
  if (trace.length === 0) throw new TraceError("trace is empty");
  let prev = -Infinity;
  trace.forEach((s, i) => {
    if (!Number.isFinite(s.tS)) throw new TraceError(`sample ${i}: tS is ${s.tS}, not a finite number`);
    if (s.tS < prev) throw new TraceError(`sample ${i}: tS ${s.tS} goes back in time (previous ${prev})`);
    if (!Number.isFinite(s.cwnd) || s.cwnd < 0) throw new TraceError(`sample ${i}: cwnd ${s.cwnd} is not a non-negative number`);
    if (s.ssthresh !== undefined && Number.isNaN(s.ssthresh)) throw new TraceError(`sample ${i}: ssthresh is NaN`);
    prev = s.tS;
  });
}

export function isInfiniteSsthresh(v: number | undefined): boolean {
  return v === undefined || !Number.isFinite(v) || v >= TCP_INFINITE_SSTHRESH;
}

/** Median of plain values (mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Time-weighted median of cwnd over [fromS, toS]: each sample holds its value
 * until the next sample (a step function), the last one until `toS`.
 */
export function timeWeightedMedian(trace: readonly CwndSample[], fromS: number, toS: number): number {
  const pieces: Array<[value: number, weight: number]> = [];
  for (let i = 0; i < trace.length; i++) {
    const s = trace[i] as CwndSample;
    const next = i + 1 < trace.length ? (trace[i + 1] as CwndSample).tS : toS;
    const a = Math.max(s.tS, fromS);
    const b = Math.min(next, toS);
    if (b > a) pieces.push([s.cwnd, b - a]);
  }
  if (pieces.length === 0) {
    // Window inside one sample's hold time, or before the trace: the value in force.
    let v = (trace[0] as CwndSample).cwnd;
    for (const s of trace) if (s.tS <= fromS) v = s.cwnd;
    return v;
  }
  pieces.sort((x, y) => x[0] - y[0]);
  const total = pieces.reduce((acc, p) => acc + p[1], 0);
  // A tie (the lower half's weight is exactly half, up to float rounding of the
  // sample times) takes the midpoint of the two middle values, so the median
  // does not depend on where the time origin is.
  const eps = total * 1e-9;
  let acc = 0;
  for (let i = 0; i < pieces.length; i++) {
    const [v, w] = pieces[i] as [number, number];
    acc += w;
    if (Math.abs(acc - total / 2) <= eps && i + 1 < pieces.length) return (v + (pieces[i + 1] as [number, number])[0]) / 2;
    if (acc >= total / 2) return v;
  }
  return (pieces[pieces.length - 1] as [number, number])[0];
}

/**
 * Time-weighted quantile `q` (0..1) of cwnd over [fromS, toS], the samples
 * held as a step function: the smallest value at or below which at least
 * `q` of the time is spent.
 */
export function timeWeightedQuantile(trace: readonly CwndSample[], fromS: number, toS: number, q: number): number {
  const pieces: Array<[value: number, weight: number]> = [];
  for (let i = 0; i < trace.length; i++) {
    const s = trace[i] as CwndSample;
    const a = Math.max(s.tS, fromS);
    const b = Math.min(i + 1 < trace.length ? (trace[i + 1] as CwndSample).tS : toS, toS);
    if (b > a) pieces.push([s.cwnd, b - a]);
  }
  if (pieces.length === 0) return timeWeightedMedian(trace, fromS, toS);
  pieces.sort((x, y) => x[0] - y[0]);
  const total = pieces.reduce((acc, p) => acc + p[1], 0);
  let acc = 0;
  for (const [v, w] of pieces) {
    acc += w;
    if (acc >= q * total * (1 - 1e-12)) return v;
  }
  return (pieces[pieces.length - 1] as [number, number])[0];
}

function hasCaStates(trace: readonly CwndSample[]): boolean {
  return trace.every((s) => s.caState !== undefined);
}

/** Reductions from CA state transitions: Open/Disorder -> CWR/Recovery/Loss. */
function reductionsFromStates(trace: readonly CwndSample[]): Reduction[] {
  const out: Reduction[] = [];
  let i = 1;
  while (i < trace.length) {
    const prev = trace[i - 1] as CwndSample;
    const cur = trace[i] as CwndSample;
    if ((prev.caState as number) < TCP_CA_CWR && (cur.caState as number) >= TCP_CA_CWR) {
      const before = Math.max(prev.cwnd, cur.cwnd);
      let j = i;
      while (j < trace.length && ((trace[j] as CwndSample).caState as number) >= TCP_CA_CWR) j++;
      // The episode ends when the state falls back below CWR; its trough is the cwnd it leaves with.
      const after = j < trace.length ? (trace[j] as CwndSample).cwnd : (trace[trace.length - 1] as CwndSample).cwnd;
      out.push({ tS: cur.tS, cwndBefore: before, cwndAfter: after });
      i = j + 1;
    } else i++;
  }
  return out;
}

/** Reductions from cwnd alone: a drop of minDrop below the running peak, re-armed after the trough. */
function reductionsFromCwnd(trace: readonly CwndSample[], minDrop: number): Reduction[] {
  const out: Reduction[] = [];
  let peak = trace[0] as CwndSample;
  let falling = false;
  let trough = peak;
  let pending: { tS: number; cwndBefore: number } | null = null;
  for (let i = 1; i < trace.length; i++) {
    const s = trace[i] as CwndSample;
    if (!falling) {
      if (s.cwnd >= peak.cwnd) peak = s;
      else if (s.cwnd <= peak.cwnd * (1 - minDrop)) {
        falling = true;
        trough = s;
        pending = { tS: peak.tS, cwndBefore: peak.cwnd };
      }
    } else {
      if (s.cwnd < trough.cwnd) trough = s;
      else if (s.cwnd >= trough.cwnd + Math.max(2, Math.ceil(0.05 * trough.cwnd))) {
        out.push({ ...(pending as { tS: number; cwndBefore: number }), cwndAfter: trough.cwnd });
        falling = false;
        pending = null;
        peak = s;
      }
    }
  }
  if (pending !== null) out.push({ ...pending, cwndAfter: trough.cwnd });
  return out;
}

/** Finds where slow start ends; `reductions` disambiguates a loss exit from a HyStart exit. */
function findSlowStartEnd(
  trace: readonly CwndSample[],
  reductions: readonly Reduction[],
): { end: SlowStartEnd; reduction: Reduction | undefined } | null {
  const withSsthresh = trace.some((s) => s.ssthresh !== undefined);
  if (withSsthresh) {
    for (let i = 0; i < trace.length; i++) {
      const s = trace[i] as CwndSample;
      if (isInfiniteSsthresh(s.ssthresh)) continue;
      const prevCwnd = i > 0 ? (trace[i - 1] as CwndSample).cwnd : s.cwnd;
      const prevT = i > 0 ? (trace[i - 1] as CwndSample).tS : s.tS;
      const c0 = Math.max(prevCwnd, s.cwnd);
      // A loss exit: the next reduction peaks at no more than the cwnd slow start ended with (cwnd did
      // not grow in between); after a HyStart exit cwnd grows in congestion avoidance before any loss.
      const next = reductions.find((r) => r.tS >= prevT);
      const byLoss = s.caState !== undefined ? s.caState >= TCP_CA_CWR : next !== undefined && next.cwndBefore <= c0;
      const reduction = byLoss ? next : undefined;
      return { end: { tS: s.tS, cwnd: reduction !== undefined ? Math.max(reduction.cwndBefore, c0) : c0, byLoss }, reduction };
    }
    return null;
  }
  const first = reductions[0];
  return first === undefined ? null : { end: { tS: first.tS, cwnd: first.cwndBefore, byLoss: true }, reduction: first };
}

/** Computes the per-cycle shape of a cwnd trajectory. */
export function cycleShape(trace: readonly CwndSample[], opts: ShapeOptions = {}): CycleShape {
  validateTrace(trace);
  const minDrop = opts.minDrop ?? 0.15;
  if (!(minDrop > 0 && minDrop < 1)) throw new TraceError(`minDrop ${minDrop} must lie in (0, 1)`);
  const reductions =
    hasCaStates(trace) && opts.ignoreCaState !== true ? reductionsFromStates(trace) : reductionsFromCwnd(trace, minDrop);
  const found = findSlowStartEnd(trace, reductions);
  const ssEnd = found?.end ?? null;
  // Cycles are the reductions after slow start; the one that ended it (a loss exit) is not a cycle.
  const ssReduction = found?.reduction;
  const cycleReductions =
    ssEnd === null ? [] : reductions.filter((r) => (ssReduction !== undefined ? r.tS > ssReduction.tS : r.tS >= ssEnd.tS));
  const periodsS: number[] = [];
  for (let i = 1; i < cycleReductions.length; i++) {
    periodsS.push((cycleReductions[i] as Reduction).tS - (cycleReductions[i - 1] as Reduction).tS);
  }
  const startS = (trace[0] as CwndSample).tS;
  const endS = (trace[trace.length - 1] as CwndSample).tS;
  let fromS = ssEnd?.tS ?? startS;
  let toS = endS;
  if (cycleReductions.length >= 2) {
    fromS = (cycleReductions[0] as Reduction).tS;
    toS = (cycleReductions[cycleReductions.length - 1] as Reduction).tS;
  }
  return {
    durationS: endS - startS,
    slowStartEnd: ssEnd,
    reductions,
    cycleReductions,
    periodsS,
    medianCwnd: timeWeightedMedian(trace, fromS, toS),
    p10Cwnd: timeWeightedQuantile(trace, fromS, toS, 0.1),
    p90Cwnd: timeWeightedQuantile(trace, fromS, toS, 0.9),
    medianPeakCwnd: median(cycleReductions.map((r) => r.cwndBefore)),
    medianTroughCwnd: median(cycleReductions.map((r) => r.cwndAfter)),
    medianPeriodS: median(periodsS),
  };
}

/** The scalar metrics of a shape, in METRIC_NAMES order. */
export function metricValues(shape: CycleShape): MetricValues {
  return {
    slowStartEndS: shape.slowStartEnd?.tS ?? null,
    slowStartEndCwnd: shape.slowStartEnd?.cwnd ?? null,
    medianCwnd: shape.medianCwnd,
    medianPeakCwnd: shape.medianPeakCwnd,
    medianTroughCwnd: shape.medianTroughCwnd,
    medianPeriodS: shape.medianPeriodS,
  };
}

/** Spread of one metric over repeated runs. */
export interface MetricSpread {
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly sd: number;
  /** (max - min) / median: the relative run-to-run range. */
  readonly relRange: number;
}

/** Summarises values of one metric over runs (nulls, i.e. runs where it is undefined, are dropped). */
export function spreadOf(values: readonly (number | null)[]): MetricSpread | null {
  const v = values.filter((x): x is number => x !== null);
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  const med = median(v) as number;
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { n: v.length, median: med, mean, min, max, sd, relRange: med === 0 ? 0 : (max - min) / med };
}

/**
 * The band a metric may lie in: the measured Linux range widened on each side
 * by `rel` of the reference median (and at least `abs`, in the metric's unit).
 */
export interface Tolerance {
  readonly rel: number;
  readonly abs: number;
}

export interface MetricCheck {
  readonly metric: MetricName;
  readonly value: number | null;
  readonly refMedian: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly ok: boolean;
  readonly note?: string;
}

export interface Comparison {
  readonly ok: boolean;
  readonly checks: readonly MetricCheck[];
}

/**
 * Compares metric values with a reference spread. A metric passes when it
 * lies in [min - w, max + w], w = max(abs, rel * |median|). A metric that
 * the reference never observed (null spread) passes only when the value is
 * null too; one observed in the reference but missing from the value fails.
 */
export function compareMetrics(
  values: MetricValues,
  reference: Readonly<Record<MetricName, MetricSpread | null>>,
  tolerances: Readonly<Record<MetricName, Tolerance>>,
): Comparison {
  const checks: MetricCheck[] = METRIC_NAMES.map((metric) => {
    const value = values[metric];
    const ref = reference[metric];
    if (ref === null) {
      return { metric, value, refMedian: null, low: null, high: null, ok: value === null, note: "not observed on Linux" };
    }
    const tol = tolerances[metric];
    const w = Math.max(tol.abs, tol.rel * Math.abs(ref.median));
    const low = ref.min - w;
    const high = ref.max + w;
    if (value === null) return { metric, value, refMedian: ref.median, low, high, ok: false, note: "missing in the trace" };
    return { metric, value, refMedian: ref.median, low, high, ok: value >= low && value <= high };
  });
  return { ok: checks.every((c) => c.ok), checks };
}

/** A fixed-width table of a comparison, for test and CLI output. */
export function formatComparison(c: Comparison): string {
  const fmt = (v: number | null): string => (v === null ? "-" : Number.isInteger(v) ? String(v) : v.toFixed(3));
  const rows = c.checks.map(
    (k) => `${k.ok ? "ok  " : "FAIL"} ${k.metric.padEnd(17)} ${fmt(k.value).padStart(9)}  ref ${fmt(k.refMedian).padStart(9)}  band [${fmt(k.low)}, ${fmt(k.high)}]${k.note ? `  (${k.note})` : ""}`,
  );
  return rows.join("\n");
}
