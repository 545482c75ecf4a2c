/**
 * @fileoverview The end-of-run summary: per flow, per algorithm and per
 * concurrent interval goodput, RTT percentiles, loss, β and Jain's fairness
 * index, as a data structure (for the report and summary files) and as text
 * tables (for the terminal). docs/report.md states every definition.
 *
 * - A flow's figures are over its own lifetime (start to end).
 * - An algorithm's figures are over its segments (src/report/segments.ts): a
 *   flow that changed algorithm counts under each algorithm for the time it
 *   ran it. Its goodput is the bytes its segments got ACKed over the time
 *   at least one of them was active, so it can never exceed what the link
 *   carried in that time; its share of capacity divides that by the
 *   bottleneck rate.
 * - Per concurrent interval (the set of (flow, algorithm) pairs constant
 *   within it), each algorithm's goodput over the interval.
 * - RTT percentiles: nearest-rank percentiles (the smallest sample with at
 *   least p% of samples at or below it) of the latest RTT sample taken at
 *   each trace sample, i.e. over time rather than per ACK;
 * - loss: retransmitted segments over segments sent;
 * - Jain's fairness index (Jain, Chiu, Hawe 1984): (Σx)² / (n·Σx²), 1 when
 *   equal, 1/n when one takes everything.
 */
import type { RunResult } from "../sim/api.js";
import type { RunCollector } from "./collect.js";
import { bytesIn, concurrentIntervals, cumulative, flowSegments, unionLength } from "./segments.js";
import type { IntervalRow, Pick, Segment } from "./segments.js";

/** One segment of a flow's timeline, with what it got. */
export interface TimelineEntry {
  readonly group: string;
  readonly fromNs: number;
  readonly toNs: number;
  /** Bytes delivered (ACKed or SACKed) in the segment. */
  readonly bytesDelivered: number;
  /** Mean ssthresh/cwnd of the reductions in the segment, null without any. */
  readonly beta: number | null;
}

/** One flow's line of the summary. */
export interface FlowRow {
  readonly id: string;
  /** The algorithm group the flow belongs to at its end (name, plus the version when known). */
  readonly group: string;
  readonly ccStart: string;
  readonly ccEnd: string;
  /** One entry per algorithm the flow ran, in time order. */
  readonly timeline: readonly TimelineEntry[];
  readonly startNs: number;
  readonly endNs: number;
  readonly bytesAcked: number;
  /** Bytes ACKed × 8 over the flow's lifetime. */
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

/** One algorithm group's line, over its segments. */
export interface GroupRow {
  readonly group: string;
  /** Flows that ran it at some time. */
  readonly flows: number;
  /** Of those, flows that also ran another algorithm. */
  readonly switched: number;
  /** Length of the union of its segments: the time at least one of its flows ran it. */
  readonly activeNs: number;
  /** Bytes its flows got delivered (ACKed or SACKed) while running it. */
  readonly bytesDelivered: number;
  /** Goodput while active: bytesDelivered × 8 over activeNs. */
  readonly throughputBps: number;
  /** throughputBps over the bottleneck rate, null when the rate is not known. */
  readonly capacityShare: number | null;
  /** Its bytes over the bytes of every flow in the same time. */
  readonly trafficShare: number;
  /** Mean over its segments of each segment's goodput. */
  readonly meanThroughputBps: number;
  readonly rttMs: Percentiles | null;
  readonly loss: number;
  readonly beta: number | null;
  /** Jain's index over its segments' goodputs. */
  readonly jain: number | null;
}

/** One concurrent interval's line: each group's goodput in it. */
export interface IntervalSummary {
  readonly fromNs: number;
  readonly toNs: number;
  readonly groups: readonly { readonly group: string; readonly flows: readonly string[]; readonly throughputBps: number; readonly capacityShare: number | null }[];
  readonly throughputBps: number;
}

/** The whole summary. */
export interface Summary {
  /** The bottleneck rate the shares are of, null when unknown (a capacity trace gives its mean). */
  readonly capacityBps: number | null;
  readonly flows: readonly FlowRow[];
  readonly groups: readonly GroupRow[];
  readonly intervals: readonly IntervalSummary[];
  /** Jain's index over every flow. */
  readonly jain: number | null;
  readonly links: RunResult["links"];
  readonly events: number;
}

/** How to label and cut the run. */
export interface SummaryOptions {
  /** The group label of algorithm `cc` picked at `tNs` (default: `cc`). */
  readonly labelAt?: (cc: string, tNs: number) => string;
  /** Picks the trace does not record as cc_change (a setsockopt to the name a flow already runs). */
  readonly moves?: readonly { readonly tNs: number; readonly flow: string; readonly cc: string }[];
  /** Bottleneck rate in bit/s. */
  readonly capacityBps?: number;
  /** Times of the scenario's actions: interval boundaries. */
  readonly actionTimes?: readonly number[];
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

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length);

/** Each flow's algorithm picks, labelled: its start, every cc_change, and the extra moves. */
export function picksOf(col: RunCollector, opts: SummaryOptions): Pick[] {
  const label = opts.labelAt ?? ((cc: string): string => cc);
  return [
    ...col.flowEvents.filter((e) => e.event === "start" || e.event === "cc_change").map((e) => ({ tNs: e.t, flow: e.flow, group: label(e.cc, e.t) })),
    ...(opts.moves ?? []).map((m) => ({ tNs: m.tNs, flow: m.flow, group: label(m.cc, m.tNs) })),
  ].sort((a, b) => a.tNs - b.tNs);
}

/** Builds the summary of a run. */
export function summarize(result: RunResult, col: RunCollector, opts: SummaryOptions = {}): Summary {
  const label = opts.labelAt ?? ((cc: string): string => cc);
  const segments = flowSegments(result.flows, picksOf(col, opts), (id) => {
    const f = result.flows.find((x) => x.id === id);
    return label(f?.ccStart ?? "?", f?.startNs ?? 0);
  });
  const byFlow = new Map(result.flows.map((f) => {
    const s = col.flows.get(f.id);
    const t = [...(s?.t ?? [])];
    const v = [...(s?.deliveredBytes ?? [])];
    // The flow's final count at its end, when that is after its last sample (bytes ACKed by then, if more).
    if (t.length === 0 || (t[t.length - 1] as number) < f.endNs) {
      t.push(f.endNs);
      v.push(Math.max(v[v.length - 1] ?? 0, f.bytesAcked));
    }
    return [f.id, { f, s, bytes: cumulative(t, v), retrans: cumulative(s?.t ?? [], s?.retrans ?? []) }] as const;
  }));
  const bytesAt = (flow: string, tNs: number): number => byFlow.get(flow)?.bytes(tNs) ?? 0;
  const segOf = (flow: string): Segment[] => segments.filter((s) => s.flow === flow);
  const redIn = (flow: string, a: number, b: number): number[] =>
    (col.reductions.get(flow)?.at ?? []).filter((r) => r.t >= a && r.t < b).map((r) => r.ratio);
  const cap = opts.capacityBps ?? null;

  const flows: FlowRow[] = result.flows.map((f) => {
    const s = col.flows.get(f.id);
    const red = col.reductions.get(f.id);
    const timeline = segOf(f.id).map((g) => ({
      group: g.group, fromNs: g.fromNs, toNs: g.toNs, bytesDelivered: bytesAt(f.id, g.toNs) - bytesAt(f.id, g.fromNs),
      beta: mean(redIn(f.id, g.fromNs, g.toNs === f.endNs ? Infinity : g.toNs)),
    }));
    return {
      id: f.id,
      group: timeline[timeline.length - 1]?.group ?? f.ccEnd,
      ccStart: f.ccStart,
      ccEnd: f.ccEnd,
      timeline,
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
  for (const s of segments) if (!names.includes(s.group)) names.push(s.group);
  const groups: GroupRow[] = names.map((g) => {
    const members = segments.filter((s) => s.group === g);
    const ids = [...new Set(members.map((s) => s.flow))];
    const activeNs = unionLength(members);
    const bytes = bytesIn(members, bytesAt, -Infinity, Infinity);
    // Every flow's bytes in the same time: the members' segments' ranges, once each.
    const allBytes = unionRanges(members).reduce((a, [x, y]) => a + bytesIn(segments, bytesAt, x, y), 0);
    const segRates = members.filter((s) => s.toNs > s.fromNs).map((s) => ((bytesAt(s.flow, s.toNs) - bytesAt(s.flow, s.fromNs)) * 8 * 1e9) / (s.toNs - s.fromNs));
    const rtts: number[] = [];
    let retrans = 0;
    let sent = 0;
    const ratios: number[] = [];
    for (const m of members) {
      const e = byFlow.get(m.flow);
      if (e === undefined) continue;
      const whole = m.fromNs === e.f.startNs && m.toNs === e.f.endNs;
      const st = e.s?.t ?? [];
      st.forEach((t, i) => {
        if (t >= m.fromNs && (t < m.toNs || (whole && t <= m.toNs))) rtts.push(e.s?.rttUs[i] as number);
      });
      const b = bytesAt(m.flow, m.toNs) - bytesAt(m.flow, m.fromNs);
      // A whole flow: its own counts. A segment: its retransmissions, and its share of the segments sent by its share of the bytes.
      retrans += whole ? e.f.retrans : e.retrans(m.toNs) - e.retrans(m.fromNs);
      const total = e.bytes(e.f.endNs);
      sent += whole ? e.f.segsOut : total > 0 ? (e.f.segsOut * b) / total : 0;
      ratios.push(...redIn(m.flow, m.fromNs, m.toNs === e.f.endNs ? Infinity : m.toNs));
    }
    const bps = activeNs > 0 ? (bytes * 8 * 1e9) / activeNs : 0;
    return {
      group: g,
      flows: ids.length,
      switched: ids.filter((id) => segOf(id).some((s) => s.group !== g)).length,
      activeNs,
      bytesDelivered: bytes,
      throughputBps: bps,
      capacityShare: cap === null ? null : bps / cap,
      trafficShare: allBytes > 0 ? bytes / allBytes : 0,
      meanThroughputBps: mean(segRates) ?? 0,
      rttMs: pct(rtts),
      loss: sent > 0 ? Math.min(1, retrans / sent) : 0,
      beta: mean(ratios),
      jain: jainIndex(segRates),
    };
  });

  const intervals: IntervalSummary[] = concurrentIntervals(segments, bytesAt, result.durationNs, opts.actionTimes).map((r: IntervalRow) => ({
    fromNs: r.fromNs,
    toNs: r.toNs,
    groups: r.groups.map((g) => ({ group: g.group, flows: g.flows, throughputBps: g.bps, capacityShare: cap === null ? null : g.bps / cap })),
    throughputBps: r.totalBps,
  }));
  return { capacityBps: cap, flows, groups, intervals, jain: jainIndex(flows.map((f) => f.throughputBps)), links: result.links, events: result.events };
}

/** The union of segments' ranges as disjoint [from, to] pairs in time order. */
function unionRanges(segments: readonly Segment[]): [number, number][] {
  const rs = segments.map((s) => [s.fromNs, s.toNs] as [number, number]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

const mbit = (bps: number): string => (bps / 1e6).toFixed(2);
const ms = (p: Percentiles | null, k: keyof Percentiles): string => (p === null ? "-" : p[k].toFixed(1));
const fix = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));

function table(head: readonly string[], rows: readonly (readonly string[])[], left: readonly number[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (left.includes(i) ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

const secs = (ns: number): string => `${Number((ns / 1e9).toFixed(2))} s`;
const share = (x: number | null): string => (x === null ? "-" : (x * 100).toFixed(1));

/** A flow's algorithm timeline in words: "reno", or "reno → cubic at 10 s". */
export function timelineText(f: Pick2<FlowRow, "timeline" | "group">): string {
  const [first, ...rest] = f.timeline;
  if (first === undefined) return f.group;
  return [first.group, ...rest.map((e) => `→ ${e.group} at ${secs(e.fromNs)}`)].join(" ");
}
type Pick2<T, K extends keyof T> = { readonly [P in K]: T[P] };

/** A flow's β: one figure, or one per segment ("0.49 → 0.69") when it changed algorithm. */
export function betaText(f: Pick2<FlowRow, "timeline" | "beta">): string {
  if (f.timeline.length <= 1) return fix(f.beta, 2);
  return f.timeline.map((e) => fix(e.beta, 2)).join(" → ");
}

/** The one-line statement of how the per-algorithm and per-interval figures are computed. */
export function definitionText(): string {
  return "Per algorithm, a flow counts for the time it ran that algorithm; Mbit/s is the bytes those flows got delivered (ACKed or SACKed)"
    + " while running it over the time at least one of them ran it (goodput while active): each byte counted once, over the time it was shared,"
    + " so it stays within the link's rate (docs/report.md gives the bound)";
}

/** The summary as aligned text tables (flows, algorithms, concurrent intervals), for a terminal. */
export function formatSummary(s: Summary): string {
  const flowRows = s.flows.map((f) => [
    f.id, timelineText(f), (f.startNs / 1e9).toFixed(2), (f.endNs / 1e9).toFixed(2), mbit(f.throughputBps),
    ms(f.rttMs, "p50"), ms(f.rttMs, "p95"), ms(f.rttMs, "p99"), (f.loss * 100).toFixed(2), String(f.rtos), betaText(f),
  ]);
  const groupRows = s.groups.map((g) => [
    g.group, g.switched > 0 ? `${g.flows} (${g.switched} switched)` : String(g.flows), (g.activeNs / 1e9).toFixed(2), mbit(g.throughputBps),
    share(g.capacityShare), share(g.trafficShare), mbit(g.meanThroughputBps), ms(g.rttMs, "p50"), ms(g.rttMs, "p95"),
    ms(g.rttMs, "p99"), (g.loss * 100).toFixed(2), fix(g.beta, 2), fix(g.jain, 3),
  ]);
  const intervalRows = s.intervals.map((iv) => [
    (iv.fromNs / 1e9).toFixed(2), (iv.toNs / 1e9).toFixed(2),
    mbit(iv.throughputBps),
    iv.groups.map((g) => `${g.group} ×${g.flows.length} ${mbit(g.throughputBps)}${g.capacityShare === null ? "" : ` (${share(g.capacityShare)}%)`}`).join(", "),
  ]);
  const cap = s.capacityBps === null ? "" : ` of the ${mbit(s.capacityBps)} Mbit/s bottleneck`;
  return [
    table(["flow", "algorithm", "start s", "end s", "Mbit/s", "rtt p50 ms", "p95", "p99", "loss %", "RTOs", "beta"], flowRows, [0, 1]),
    "",
    table(["algorithm", "flows", "active s", "Mbit/s", "% cap", "% traffic", "per flow", "rtt p50 ms", "p95", "p99", "loss %", "beta", "Jain"], groupRows, [0]),
    `(${definitionText()}; % cap is that${cap}, % traffic its part of all bytes delivered in that time.)`,
    "",
    table(["from s", "to s", "Mbit/s", "per algorithm: flows, Mbit/s (% cap)"], intervalRows, [3]),
    "",
    `Jain's fairness index over all ${s.flows.length} flows: ${fix(s.jain, 3)}`,
  ].join("\n") + "\n";
}
