/**
 * @fileoverview `structops compare`'s arithmetic: the fidelity metrics of
 * each flow of two runs (the cycle shape of fidelity-metrics.ts over the
 * flow's samples, plus its goodput and smoothed RTT), their differences, and
 * the tolerances a CI job sets on them. Pure: collectors in, rows out.
 *
 * Per flow (its samples from its first one on, time 0 at its start):
 * - cwnd: time-weighted median and 10th/90th percentiles over whole cycles
 *   (fidelity-metrics.ts: first to last cycle reduction, or slow-start end
 *   to the end of the trace with fewer than two cycles);
 * - period: the median time between reductions after slow start;
 * - cwnd at reduction: the median cwnd just before each (the cycle's peak)
 *   and the trough it settled on;
 * - slow-start exit: its time and cwnd;
 * - goodput: bytes delivered between the first and the last sample × 8
 *   over that time;
 * - srtt: the median of the samples' smoothed RTT.
 */
import type { FlowSeries, RunCollector } from "./collect.js";
import { cycleShape, median } from "./fidelity-metrics.js";
import type { CwndSample } from "./fidelity-metrics.js";

/** The metrics compared, in table order, with their unit. */
export const COMPARE_METRICS = [
  { key: "medianCwnd", title: "median cwnd", unit: "packets" },
  { key: "p10Cwnd", title: "p10 cwnd", unit: "packets" },
  { key: "p90Cwnd", title: "p90 cwnd", unit: "packets" },
  { key: "medianPeriodS", title: "period between reductions", unit: "s" },
  { key: "medianPeakCwnd", title: "cwnd at reduction (peak)", unit: "packets" },
  { key: "medianTroughCwnd", title: "cwnd after reduction (trough)", unit: "packets" },
  { key: "reductions", title: "reductions", unit: "" },
  { key: "slowStartEndS", title: "slow-start exit time", unit: "s" },
  { key: "slowStartEndCwnd", title: "slow-start exit cwnd", unit: "packets" },
  { key: "goodputMbps", title: "goodput", unit: "Mbit/s" },
  { key: "srttMs", title: "median srtt", unit: "ms" },
] as const;

export type CompareMetric = (typeof COMPARE_METRICS)[number]["key"];
export type FlowMetrics = Record<CompareMetric, number | null>;

/** A tolerance: an absolute difference in the metric's unit, or relative to run A's value. */
export interface CompareTolerance {
  readonly value: number;
  readonly relative: boolean;
}

/** One metric of one flow in both runs. */
export interface CompareRow {
  readonly flow: string;
  readonly metric: CompareMetric;
  readonly a: number | null;
  readonly b: number | null;
  /** b - a. */
  readonly diff: number | null;
  /** (b - a) / |a|. */
  readonly relDiff: number | null;
  readonly tolerance?: CompareTolerance;
  /** Within the tolerance (true without one). */
  readonly ok: boolean;
}

/** The metrics of one flow's samples. */
export function flowMetrics(s: FlowSeries): FlowMetrics | null {
  if (s.t.length < 2) return null;
  const t0 = s.t[0] as number;
  const trace: CwndSample[] = s.t.map((t, i) => ({ tS: (t - t0) / 1e9, cwnd: s.cwnd[i] as number, ssthresh: s.ssthresh[i] as number, caState: s.caState[i] as number }));
  const shape = cycleShape(trace);
  const last = s.t.length - 1;
  const spanS = ((s.t[last] as number) - t0) / 1e9;
  const srtt = s.srttUs.filter((x) => x > 0);
  return {
    medianCwnd: shape.medianCwnd, p10Cwnd: shape.p10Cwnd, p90Cwnd: shape.p90Cwnd, medianPeriodS: shape.medianPeriodS,
    medianPeakCwnd: shape.medianPeakCwnd, medianTroughCwnd: shape.medianTroughCwnd, reductions: shape.cycleReductions.length,
    slowStartEndS: shape.slowStartEnd?.tS ?? null, slowStartEndCwnd: shape.slowStartEnd?.cwnd ?? null,
    goodputMbps: spanS > 0 ? (((s.deliveredBytes[last] as number) - (s.deliveredBytes[0] as number)) * 8) / spanS / 1e6 : null,
    srttMs: srtt.length === 0 ? null : (median(srtt) as number) / 1000,
  };
}

/** Whether `b` is within `tol` of `a`; a metric one run has and the other lacks is not. */
export function withinTolerance(a: number | null, b: number | null, tol: CompareTolerance): boolean {
  if (a === null || b === null) return a === b;
  const d = Math.abs(b - a);
  return tol.relative ? d <= tol.value * Math.abs(a) + 1e-12 : d <= tol.value + 1e-12;
}

/**
 * Compares every flow the two runs share (by id, in run A's order).
 * @param tolerances per metric, or under `all` for every metric without its own
 */
export function compareCollectors(a: RunCollector, b: RunCollector, tolerances: ReadonlyMap<string, CompareTolerance> = new Map()): { rows: CompareRow[]; onlyA: string[]; onlyB: string[] } {
  const rows: CompareRow[] = [];
  const shared = [...a.flows.keys()].filter((id) => b.flows.has(id));
  for (const id of shared) {
    const ma = flowMetrics(a.flows.get(id) as FlowSeries);
    const mb = flowMetrics(b.flows.get(id) as FlowSeries);
    for (const { key } of COMPARE_METRICS) {
      const va = ma?.[key] ?? null;
      const vb = mb?.[key] ?? null;
      const diff = va === null || vb === null ? null : vb - va;
      const tol = tolerances.get(key) ?? tolerances.get("all");
      rows.push({
        flow: id, metric: key, a: va, b: vb, diff, relDiff: diff === null || va === 0 || va === null ? null : diff / Math.abs(va),
        ...(tol !== undefined ? { tolerance: tol } : {}), ok: tol === undefined || withinTolerance(va, vb, tol),
      });
    }
  }
  return { rows, onlyA: [...a.flows.keys()].filter((id) => !b.flows.has(id)), onlyB: [...b.flows.keys()].filter((id) => !a.flows.has(id)) };
}

/** Parses `metric=value` or `metric=value%` (metric a COMPARE_METRICS key or `all`); throws a RangeError saying what is accepted. */
export function parseTolerance(spec: string): [string, CompareTolerance] {
  const m = /^([A-Za-z0-9]+)=([0-9]*\.?[0-9]+)(%?)$/.exec(spec.trim());
  const names = ["all", ...COMPARE_METRICS.map((x) => x.key)];
  if (m === null) throw new RangeError(`--tolerance '${spec}': expected METRIC=VALUE or METRIC=VALUE% (METRIC one of ${names.join(", ")})`);
  const [, name, v, pct] = m as unknown as [string, string, string, string];
  if (!names.includes(name)) throw new RangeError(`--tolerance '${spec}': unknown metric '${name}' (one of ${names.join(", ")})`);
  return [name, { value: pct === "%" ? Number(v) / 100 : Number(v), relative: pct === "%" }];
}

/** A number for tables: integers as they are, others with 3 significant decimals. */
export function fmtMetric(v: number | null): string {
  if (v === null) return "-";
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3);
}

/** A tolerance as written: `2%` or `1.5`. */
export function fmtTolerance(t: CompareTolerance | undefined): string {
  return t === undefined ? "" : t.relative ? `${Number((t.value * 100).toFixed(6))}%` : String(t.value);
}
