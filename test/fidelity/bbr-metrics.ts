/**
 * @fileoverview BBR's fidelity comparison (issue #13): the bottleneck
 * configurations, the metrics BBR is judged on, computed the same way from a
 * Linux TCP_INFO trace and from the simulator's flow samples, and the band a
 * simulated value must fall in.
 *
 * Metrics (one flow; units in the names):
 * - startupExitS / startupExitCwnd: when STARTUP ends. tcp_bbr.c sets
 *   snd_ssthresh (infinite until then) to the BDP when it enters DRAIN, so
 *   the first finite ssthresh marks the exit; the cwnd is the sample's.
 *   startupExitRounds expresses the time in base RTTs.
 * - probeBwCwnd / probeBwPacingMbps: medians over PROBE_BW (from 2 s after
 *   the exit to the end, PROBE_RTT dips excluded). Six of the eight gain
 *   phases pace at 1.0, so the pacing median is the bandwidth estimate.
 * - probeRttFirstS, probeRttPeriodS, probeRttDepth, probeRttMs: the PROBE_RTT
 *   episodes (cwnd ≤ 4 for at least 50 ms, merged across gaps under 20 ms):
 *   when the first starts, the mean gap between starts, the lowest cwnd, the
 *   mean length.
 * - goodputMbps: bytes ACKed over the run.
 * - queueDelayMs: the median of srtt minus the propagation delay, in PROBE_BW.
 */
import type { FidelityConfig } from "./configs.js";
import { bdpPackets } from "./configs.js";
import { median } from "./metrics.js";

/** The BBR configurations of issue #13. */
export const BBR_CONFIGS: readonly FidelityConfig[] = [
  {
    name: "bbr-20mbit-40ms-1bdp",
    rateBps: 20e6,
    rttMs: 40,
    queuePackets: Math.round(bdpPackets(20e6, 40)),
    lossRate: 0,
    seconds: 25,
    description: "20 Mbit/s, 40 ms, drop-tail of 1 BDP (66 packets): two PROBE_RTTs in 25 s",
  },
  {
    name: "bbr-100mbit-20ms-0.5bdp",
    rateBps: 100e6,
    rttMs: 20,
    queuePackets: Math.round(bdpPackets(100e6, 20) / 2),
    lossRate: 0,
    seconds: 25,
    description: "100 Mbit/s, 20 ms, drop-tail of 0.5 BDP (83 packets)",
  },
  {
    name: "bbr-20mbit-40ms-0.1bdp",
    rateBps: 20e6,
    rttMs: 40,
    queuePackets: Math.round(bdpPackets(20e6, 40) / 10),
    lossRate: 0,
    seconds: 25,
    description: "20 Mbit/s, 40 ms, a shallow drop-tail of 0.1 BDP (7 packets): STARTUP overflows it",
  },
];

/** One sample of a BBR flow (Linux TCP_INFO or a simulator flow record). */
export interface BbrSample {
  readonly tS: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  /** Smoothed RTT (srtt, µs); 0 before a sample. */
  readonly srttUs: number;
  /** sk_pacing_rate, bytes/s. */
  readonly pacingRate: number;
  /** Cumulative bytes ACKed. */
  readonly bytesAcked: number;
}

export const BBR_METRICS = [
  "startupExitS",
  "startupExitRounds",
  "startupExitCwnd",
  "probeBwCwnd",
  "probeBwPacingMbps",
  "probeRttFirstS",
  "probeRttPeriodS",
  "probeRttDepth",
  "probeRttMs",
  "goodputMbps",
  "queueDelayMs",
] as const;
export type BbrMetric = (typeof BBR_METRICS)[number];
export type BbrMetrics = Record<BbrMetric, number | null>;

const INFINITE_SSTHRESH = 0x7fffffff;

/** PROBE_RTT episodes: [start, end] seconds of cwnd ≤ 4 lasting ≥ 50 ms (gaps < 20 ms merged). */
export function probeRttEpisodes(trace: readonly BbrSample[]): { start: number; end: number; minCwnd: number }[] {
  const eps: { start: number; end: number; minCwnd: number }[] = [];
  let cur: { start: number; end: number; minCwnd: number } | undefined;
  for (const s of trace) {
    if (s.cwnd <= 4 && s.tS > 0.5) {
      if (cur !== undefined && s.tS - cur.end < 0.02) {
        cur.end = s.tS;
        cur.minCwnd = Math.min(cur.minCwnd, s.cwnd);
      } else {
        if (cur !== undefined) eps.push(cur);
        cur = { start: s.tS, end: s.tS, minCwnd: s.cwnd };
      }
    }
  }
  if (cur !== undefined) eps.push(cur);
  return eps.filter((e) => e.end - e.start >= 0.05);
}

/** The metrics of one BBR flow's trace over `seconds` on configuration `cfg`. */
export function bbrMetrics(trace: readonly BbrSample[], cfg: FidelityConfig, seconds: number): BbrMetrics {
  const exit = trace.find((s) => s.ssthresh !== INFINITE_SSTHRESH && s.ssthresh !== 0 && s.ssthresh < INFINITE_SSTHRESH);
  const eps = probeRttEpisodes(trace);
  const inEp = (t: number): boolean => eps.some((e) => t >= e.start - 0.01 && t <= e.end + 0.25);
  const from = exit === undefined ? Infinity : exit.tS + 2;
  const steady = trace.filter((s) => s.tS >= from && !inEp(s.tS));
  const last = trace[trace.length - 1];
  const rnd = (x: number | null, d = 3): number | null => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
  return {
    startupExitS: rnd(exit?.tS ?? null),
    startupExitRounds: rnd(exit === undefined ? null : (exit.tS * 1000) / cfg.rttMs, 1),
    startupExitCwnd: exit?.cwnd ?? null,
    probeBwCwnd: median(steady.map((s) => s.cwnd)),
    probeBwPacingMbps: rnd(median(steady.map((s) => (s.pacingRate * 8) / 1e6))),
    probeRttFirstS: rnd(eps[0]?.start ?? null),
    probeRttPeriodS: rnd(eps.length < 2 ? null : ((eps[eps.length - 1] as { start: number }).start - (eps[0] as { start: number }).start) / (eps.length - 1)),
    probeRttDepth: eps.length === 0 ? null : Math.min(...eps.map((e) => e.minCwnd)),
    probeRttMs: rnd(eps.length === 0 ? null : (eps.reduce((a, e) => a + (e.end - e.start), 0) / eps.length) * 1000, 1),
    goodputMbps: rnd(last === undefined ? null : (last.bytesAcked * 8) / seconds / 1e6),
    queueDelayMs: rnd(
      (() => {
        const m = median(steady.filter((s) => s.srttUs > 0).map((s) => s.srttUs / 1000 - cfg.rttMs));
        return m === null ? null : Math.max(0, m);
      })(),
    ),
  };
}

/**
 * The band a simulated value must fall in: Linux's [min, max] over its runs,
 * widened on each side by the larger of half its range and a floor that
 * covers what the TCP_INFO poll and rounding cannot resolve (see
 * docs/fidelity.md, "BBR").
 */
export const BBR_FLOORS: Readonly<Record<BbrMetric, number>> = {
  startupExitS: 0.05,
  startupExitRounds: 1.5,
  startupExitCwnd: 10,
  probeBwCwnd: 4,
  probeBwPacingMbps: 0.5,
  probeRttFirstS: 0.1,
  probeRttPeriodS: 0.3,
  probeRttDepth: 0,
  probeRttMs: 30,
  goodputMbps: 0.5,
  queueDelayMs: 2,
};

export interface BbrCheck {
  readonly metric: string;
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly linux: readonly (number | null)[];
  readonly ok: boolean;
}

/**
 * Checks each of `metrics` of one simulated run against Linux's runs: inside
 * Linux's [min, max] widened on each side by the larger of half the range and
 * the metric's floor. A metric Linux never produced must be absent in the
 * model too; one some runs lack (e.g. a second PROBE_RTT) may be absent.
 */
export function compareInBand<K extends string>(
  metrics: readonly K[],
  floors: Readonly<Record<K, number>>,
  sim: Readonly<Record<K, number | null>>,
  linux: readonly Readonly<Record<K, number | null>>[],
): BbrCheck[] {
  return metrics.map((metric) => {
    const vals = linux.map((m) => m[metric]);
    const nums = vals.filter((v): v is number => v !== null);
    const value = sim[metric];
    if (nums.length === 0) return { metric, value, low: null, high: null, linux: vals, ok: value === null };
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const pad = Math.max((hi - lo) / 2, floors[metric]);
    const low = Math.round((lo - pad) * 1000) / 1000;
    const high = Math.round((hi + pad) * 1000) / 1000;
    const ok = value === null ? nums.length < vals.length : value >= low && value <= high;
    return { metric, value, low, high, linux: vals, ok };
  });
}

/** Compares one simulated run's metrics with Linux's runs (compareInBand over BBR_METRICS with BBR_FLOORS). */
export function compareBbr(sim: BbrMetrics, linux: readonly BbrMetrics[]): BbrCheck[] {
  return compareInBand(BBR_METRICS, BBR_FLOORS, sim, linux);
}

/** A table of checks, one line each. */
export function formatBbrChecks(checks: readonly BbrCheck[]): string {
  return checks
    .map((c) => `${c.ok ? "ok  " : "OUT "} ${c.metric.padEnd(18)} model ${String(c.value).padStart(9)}  band [${c.low}, ${c.high}]  linux ${c.linux.join(" ")}`)
    .join("\n");
}
