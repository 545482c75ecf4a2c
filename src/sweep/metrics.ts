/**
 * @fileoverview The figures of one sweep point, per flow group (the `id`
 * of a scenario's flow entry, expanded by `count`): what the sweep's table
 * holds. Definitions (docs/sweep.md, "Metrics"):
 *
 * - goodput_share: the group's bytes ACKed × 8 over the time any of its
 *   flows was alive, over the bottleneck rate (null on a traced link);
 * - rtt and queueing delay percentiles (ms): nearest-rank, over the RTT
 *   sample taken at each trace sample of each of the group's flows (as the
 *   run summary's, src/report/summary.ts); queueing delay is a sample minus
 *   its own flow's smallest sample;
 * - retrans_rate: retransmitted over sent segments; loss_rate: packets the
 *   bottleneck dropped over packets it sent plus dropped (the same for every
 *   group of a point: drops are not per flow);
 * - jain: Jain's index over the group's flows' goodputs; jain_all over every
 *   flow of the point;
 * - convergence_s: for a group that starts after the first flow, the time
 *   from its start until the goodput of its flows over a window (the larger
 *   of 10 samples and 100 ms) first reaches 80 % of their fair share of the
 *   bottleneck (rate × the group's flows over the flows alive); null when
 *   that never happens or for the first group;
 * - congestion_events: fast recoveries plus retransmission timeouts.
 */
import type { RunResult } from "../sim/api.js";
import type { RunCollector } from "../report/collect.js";
import { jainIndex, percentile } from "../report/summary.js";

/** One row of the sweep table (before the point's axis columns). */
export interface GroupMetrics {
  readonly group: string;
  /** Algorithms the group's flows ran at their end, `+`-joined when they differ. */
  readonly algorithm: string;
  readonly flows: number;
  readonly goodput_share: number | null;
  readonly goodput_mbps: number;
  readonly rtt_p50_ms: number | null;
  readonly rtt_p95_ms: number | null;
  readonly rtt_p99_ms: number | null;
  readonly qdelay_p50_ms: number | null;
  readonly qdelay_p95_ms: number | null;
  readonly qdelay_p99_ms: number | null;
  readonly loss_rate: number | null;
  readonly retrans_rate: number | null;
  readonly jain: number | null;
  readonly jain_all: number | null;
  readonly convergence_s: number | null;
  readonly congestion_events: number;
}

/** The metric columns, in table order. */
export const METRIC_COLUMNS = [
  "goodput_share", "goodput_mbps", "rtt_p50_ms", "rtt_p95_ms", "rtt_p99_ms", "qdelay_p50_ms", "qdelay_p95_ms", "qdelay_p99_ms",
  "loss_rate", "retrans_rate", "jain", "jain_all", "convergence_s", "congestion_events",
] as const;

/** Convergence: a group reaches this fraction of its fair share. */
const CONVERGED_FRACTION = 0.8;
/** Convergence window: at least this long. */
const MIN_WINDOW_NS = 100_000_000;

/** Rounds to 6 significant digits, so tables do not carry float noise (and stay byte-stable). */
export function round6(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6));
}
const r6 = (x: number | null): number | null => (x === null ? null : round6(x));

function unionNs(ranges: readonly [number, number][]): number {
  const s = [...ranges].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of s) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** Nearest-rank percentiles in ms of µs samples. */
function pcts(samplesUs: number[]): [number | null, number | null, number | null] {
  if (samplesUs.length === 0) return [null, null, null];
  samplesUs.sort((a, b) => a - b);
  return [50, 95, 99].map((p) => r6(percentile(samplesUs, p) / 1000)) as [number, number, number];
}

/** Inputs of {@link pointMetrics}. */
export interface PointRun {
  readonly result: RunResult;
  readonly collector: RunCollector;
  /** Flow id → its group (the scenario's flow entry id). */
  readonly groupOf: ReadonlyMap<string, string>;
  /** Bottleneck rate, null on a traced link. */
  readonly capacityBps: number | null;
  /** Samples per second of the trace (for the convergence window). */
  readonly sampleNs: number;
}

/** When the group's goodput over the window first reaches its fair share, in seconds after its start. */
function convergence(p: PointRun, flows: readonly RunResult["flows"][number][], startNs: number): number | null {
  const cap = p.capacityBps;
  if (cap === null) return null;
  const series = flows.map((f) => p.collector.flows.get(f.id)).filter((s) => s !== undefined);
  if (series.length === 0) return null;
  const win = Math.max(MIN_WINDOW_NS, 10 * p.sampleNs);
  // Delivered bytes of a series at time tNs: its last sample at or before it.
  const at = (s: (typeof series)[number], tNs: number): number => {
    let lo = 0;
    let hi = s.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s.t[mid] as number) <= tNs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (s.deliveredBytes[lo - 1] as number);
  };
  const end = Math.max(...flows.map((f) => f.endNs));
  for (let now = startNs + win; now <= end; now += p.sampleNs) {
    const n = p.result.flows.filter((f) => f.startNs <= now && f.endNs > now).length;
    if (n === 0) continue;
    const bytes = series.reduce((sum, s) => sum + at(s, now) - at(s, now - win), 0);
    const fair = (cap * flows.length) / n;
    if ((bytes * 8e9) / win >= CONVERGED_FRACTION * fair) return round6((now - startNs) / 1e9);
  }
  return null;
}

/** The rows of one point, one per flow group in the order the groups first appear among the flows. */
export function pointMetrics(p: PointRun): GroupMetrics[] {
  const groups = new Map<string, RunResult["flows"][number][]>();
  for (const f of p.result.flows) {
    const g = p.groupOf.get(f.id) ?? f.id;
    const list = groups.get(g);
    if (list === undefined) groups.set(g, [f]);
    else list.push(f);
  }
  const firstStart = Math.min(...p.result.flows.map((f) => f.startNs));
  const bottleneck = p.result.links.find((l) => l.id === "bottleneck");
  const lossRate = bottleneck === undefined || bottleneck.packetsOut + bottleneck.drops === 0 ? null : bottleneck.drops / (bottleneck.packetsOut + bottleneck.drops);
  const jainAll = jainIndex(p.result.flows.map((f) => f.throughputBps));
  const rows: GroupMetrics[] = [];
  for (const [group, flows] of groups) {
    const bytes = flows.reduce((n, f) => n + f.bytesAcked, 0);
    const activeNs = unionNs(flows.map((f) => [f.startNs, f.endNs]));
    const goodput = activeNs > 0 ? (bytes * 8e9) / activeNs : 0;
    const rtts: number[] = [];
    const qd: number[] = [];
    for (const f of flows) {
      const s = p.collector.flows.get(f.id);
      const samples = (s?.rttUs ?? []).filter((x) => x > 0);
      if (samples.length === 0) continue;
      const base = Math.min(...samples);
      for (const x of samples) {
        rtts.push(x);
        qd.push(x - base);
      }
    }
    const sent = flows.reduce((n, f) => n + f.segsOut, 0);
    const start = Math.min(...flows.map((f) => f.startNs));
    const [r50, r95, r99] = pcts(rtts);
    const [q50, q95, q99] = pcts(qd);
    rows.push({
      group,
      algorithm: [...new Set(flows.map((f) => f.ccEnd))].join("+"),
      flows: flows.length,
      goodput_share: p.capacityBps === null ? null : r6(goodput / p.capacityBps),
      goodput_mbps: round6(goodput / 1e6),
      rtt_p50_ms: r50, rtt_p95_ms: r95, rtt_p99_ms: r99,
      qdelay_p50_ms: q50, qdelay_p95_ms: q95, qdelay_p99_ms: q99,
      loss_rate: r6(lossRate),
      retrans_rate: sent === 0 ? null : r6(flows.reduce((n, f) => n + f.retrans, 0) / sent),
      jain: r6(jainIndex(flows.map((f) => f.throughputBps))),
      jain_all: r6(jainAll),
      convergence_s: start > firstStart ? convergence(p, flows, start) : null,
      congestion_events: flows.reduce((n, f) => n + f.recoveries + f.rtos, 0),
    });
  }
  return rows;
}
