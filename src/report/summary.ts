/**
 * @fileoverview The end-of-run summary: per flow and per algorithm
 * throughput, RTT percentiles, loss and Jain's fairness index, as a data
 * structure (for the report and summary files) and as a text table (for the
 * terminal).
 *
 * Definitions:
 * - throughput: the simulator's goodput, bytes ACKed × 8 over the flow's
 *   lifetime (FlowSummary.throughputBps);
 * - RTT percentiles: nearest-rank percentiles (the smallest sample with at
 *   least p% of samples at or below it) of the latest RTT sample taken at
 *   each trace sample of the flow, i.e. over time rather than per ACK;
 * - loss: retransmitted segments over segments sent (what a sender sees as
 *   loss; it counts spurious retransmits too);
 * - Jain's fairness index (Jain, Chiu, Hawe 1984): (Σx)² / (n·Σx²) over the
 *   flows' throughputs, 1 when equal, 1/n when one flow takes everything.
 */
import type { RunResult } from "../sim/api.js";
import type { RunCollector } from "./collect.js";

/** One flow's line of the summary. */
export interface FlowRow {
  readonly id: string;
  /** The algorithm group the flow belongs to (name, plus the version when known). */
  readonly group: string;
  readonly ccStart: string;
  readonly ccEnd: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly bytesAcked: number;
  readonly throughputBps: number;
  readonly rttMs: Percentiles | null;
  /** Retransmitted / sent segments, in [0, 1]. */
  readonly loss: number;
  readonly rtos: number;
  /** Mean ssthresh/cwnd the flow's `ssthresh` hook returned (its β), null without hook records. */
  readonly beta: number | null;
  readonly completed: boolean;
}

/** RTT percentiles in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** One algorithm group's line. */
export interface GroupRow {
  readonly group: string;
  readonly flows: number;
  /** Sum of the flows' throughputs. */
  readonly throughputBps: number;
  readonly meanThroughputBps: number;
  readonly rttMs: Percentiles | null;
  readonly loss: number;
  readonly jain: number | null;
}

/** The whole summary. */
export interface Summary {
  readonly flows: readonly FlowRow[];
  readonly groups: readonly GroupRow[];
  /** Jain's index over every flow. */
  readonly jain: number | null;
  readonly links: RunResult["links"];
  readonly events: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** Jain's fairness index of `xs`; null for no flows or all-zero throughput. */
export function jainIndex(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? null : (s * s) / (xs.length * s2);
}

function pct(samplesUs: readonly number[]): Percentiles | null {
  const v = samplesUs.filter((x) => x >= 0).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return { p50: percentile(v, 50) / 1000, p95: percentile(v, 95) / 1000, p99: percentile(v, 99) / 1000 };
}

/**
 * Builds the summary of a run.
 * @param groupOf the group label of a flow (default: its algorithm at the end)
 */
export function summarize(result: RunResult, col: RunCollector, groupOf?: (flowId: string, ccEnd: string) => string): Summary {
  const flows: FlowRow[] = result.flows.map((f) => {
    const s = col.flows.get(f.id);
    const red = col.reductions.get(f.id);
    return {
      id: f.id,
      group: groupOf === undefined ? f.ccEnd : groupOf(f.id, f.ccEnd),
      ccStart: f.ccStart,
      ccEnd: f.ccEnd,
      startNs: f.startNs,
      endNs: f.endNs,
      bytesAcked: f.bytesAcked,
      throughputBps: f.throughputBps,
      rttMs: pct(s?.rttUs ?? []),
      loss: f.segsOut > 0 ? f.retrans / f.segsOut : 0,
      rtos: f.rtos,
      beta: red !== undefined && red.count > 0 ? red.sumRatio / red.count : null,
      completed: f.completed,
    };
  });
  const names: string[] = [];
  for (const f of flows) if (!names.includes(f.group)) names.push(f.group);
  const groups: GroupRow[] = names.map((g) => {
    const members = flows.filter((f) => f.group === g);
    const ids = new Set(members.map((f) => f.id));
    const rtts: number[] = [];
    for (const [id, s] of col.flows) if (ids.has(id)) rtts.push(...s.rttUs);
    const src = result.flows.filter((f) => ids.has(f.id));
    const sent = src.reduce((a, f) => a + f.segsOut, 0);
    const total = members.reduce((a, f) => a + f.throughputBps, 0);
    return {
      group: g,
      flows: members.length,
      throughputBps: total,
      meanThroughputBps: total / members.length,
      rttMs: pct(rtts),
      loss: sent > 0 ? src.reduce((a, f) => a + f.retrans, 0) / sent : 0,
      jain: jainIndex(members.map((f) => f.throughputBps)),
    };
  });
  return { flows, groups, jain: jainIndex(flows.map((f) => f.throughputBps)), links: result.links, events: result.events };
}

const mbit = (bps: number): string => (bps / 1e6).toFixed(2);
const ms = (p: Percentiles | null, k: keyof Percentiles): string => (p === null ? "-" : p[k].toFixed(1));
const fix = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));

function table(head: readonly string[], rows: readonly (readonly string[])[], leftCols: number): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i < leftCols ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

/** The summary as aligned text tables (flows, then algorithms), for a terminal. */
export function formatSummary(s: Summary): string {
  const flowRows = s.flows.map((f) => [
    f.id, f.ccStart === f.ccEnd ? f.group : `${f.ccStart} → ${f.group}`, (f.startNs / 1e9).toFixed(2), (f.endNs / 1e9).toFixed(2), mbit(f.throughputBps),
    ms(f.rttMs, "p50"), ms(f.rttMs, "p95"), ms(f.rttMs, "p99"), (f.loss * 100).toFixed(2), String(f.rtos), fix(f.beta, 2),
  ]);
  const groupRows = s.groups.map((g) => [
    g.group, String(g.flows), mbit(g.throughputBps), mbit(g.meanThroughputBps), ms(g.rttMs, "p50"), ms(g.rttMs, "p95"),
    ms(g.rttMs, "p99"), (g.loss * 100).toFixed(2), fix(g.jain, 3),
  ]);
  return [
    table(["flow", "algorithm", "start s", "end s", "Mbit/s", "rtt p50 ms", "p95", "p99", "loss %", "RTOs", "beta"], flowRows, 2),
    "",
    table(["algorithm", "flows", "Mbit/s", "per flow", "rtt p50 ms", "p95", "p99", "loss %", "Jain"], groupRows, 1),
    "",
    `Jain's fairness index over all ${s.flows.length} flows: ${fix(s.jain, 3)}`,
  ].join("\n") + "\n";
}
