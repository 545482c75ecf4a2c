/**
 * @fileoverview Who ran what, when, and how many bytes it got: each flow's
 * timeline of algorithm segments (a flow that changed algorithm mid-run has
 * one segment per algorithm), the concurrent intervals of a run (between
 * consecutive flow starts, ends, algorithm changes and actions, the set of
 * (flow, algorithm) pairs is constant), and bytes ACKed over any interval.
 *
 * Bytes over an interval come from each flow's cumulative bytes-ACKed
 * samples, linearly interpolated between samples. Every flow is sampled on
 * the same grid, so the sum of the flows' interpolants is the interpolant of
 * the total: if the total grows by at most C·Δt between samples, the bytes
 * any set of flows gets over any interval [a, b] are at most C·(b − a): the
 * arithmetic never adds to what the counters say. How closely the counters
 * follow the link (bytes delivered, not bytes ACKed) is in docs/report.md.
 */

/** A stretch of one flow on one algorithm group. */
export interface Segment {
  readonly flow: string;
  /** The group label (algorithm name, plus the struct_ops map when known). */
  readonly group: string;
  readonly fromNs: number;
  readonly toNs: number;
}

/** When a flow picked an algorithm: its start, a setsockopt, or a cc_change record. */
export interface Pick {
  readonly tNs: number;
  readonly flow: string;
  readonly group: string;
}

/** A flow's lifetime, as the run result gives it. */
export interface FlowSpan {
  readonly id: string;
  readonly startNs: number;
  readonly endNs: number;
}

/**
 * Each flow's segments, in flow order then time: a new segment starts at
 * every pick that changes the flow's group; picks outside the flow's life
 * are ignored, and the first segment starts at the flow's start.
 * @param firstGroup the flow's group at its start, when no pick is at or before it
 */
export function flowSegments(flows: readonly FlowSpan[], picks: readonly Pick[], firstGroup: (flow: string) => string): Segment[] {
  const out: Segment[] = [];
  const sorted = [...picks].sort((a, b) => a.tNs - b.tNs);
  for (const f of flows) {
    let group = firstGroup(f.id);
    let from = f.startNs;
    for (const p of sorted) {
      if (p.flow !== f.id) continue;
      if (p.tNs <= f.startNs) {
        group = p.group;
        continue;
      }
      if (p.tNs >= f.endNs || p.group === group) continue;
      out.push({ flow: f.id, group, fromNs: from, toNs: p.tNs });
      group = p.group;
      from = p.tNs;
    }
    out.push({ flow: f.id, group, fromNs: from, toNs: Math.max(from, f.endNs) });
  }
  return out;
}

/** A flow's cumulative counter as a function of time: linear between samples, 0 before the first, the last value after. */
export function cumulative(t: readonly number[], v: readonly number[]): (tNs: number) => number {
  return (x: number): number => {
    const n = t.length;
    if (n === 0 || x <= (t[0] as number)) return n === 0 ? 0 : x < (t[0] as number) ? 0 : (v[0] as number);
    if (x >= (t[n - 1] as number)) return v[n - 1] as number;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((t[mid] as number) <= x) lo = mid;
      else hi = mid;
    }
    const t0 = t[lo] as number;
    const t1 = t[hi] as number;
    const v0 = v[lo] as number;
    return v0 + (((v[hi] as number) - v0) * (x - t0)) / (t1 - t0);
  };
}

/** Bytes each of `segments` got over [a, b] (its overlap with the segment), by the flows' cumulative functions. */
export function bytesIn(segments: readonly Segment[], bytesAt: (flow: string, tNs: number) => number, a: number, b: number): number {
  let sum = 0;
  for (const s of segments) {
    const lo = Math.max(a, s.fromNs);
    const hi = Math.min(b, s.toNs);
    if (hi > lo) sum += bytesAt(s.flow, hi) - bytesAt(s.flow, lo);
  }
  return sum;
}

/** Total length of the union of the segments' time ranges. */
export function unionLength(segments: readonly Segment[]): number {
  const rs = segments.map((s) => [s.fromNs, s.toNs] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const [a, b] of rs) {
    if (a > curB) {
      if (curB > curA) total += curB - curA;
      [curA, curB] = [a, b];
    } else if (b > curB) curB = b;
  }
  if (curB > curA) total += curB - curA;
  return total;
}

/** One concurrent interval: the flows of each group active during all of it, and what they got. */
export interface IntervalRow {
  readonly fromNs: number;
  readonly toNs: number;
  readonly groups: readonly { readonly group: string; readonly flows: readonly string[]; readonly bytes: number; readonly bps: number }[];
  readonly totalBps: number;
}

/**
 * The concurrent intervals of a run: boundaries at every segment start and
 * end and at `extraBoundaries` (action times) inside [0, durationNs].
 * Intervals with no active flow are left out.
 */
export function concurrentIntervals(
  segments: readonly Segment[], bytesAt: (flow: string, tNs: number) => number, durationNs: number, extraBoundaries: readonly number[] = [],
): IntervalRow[] {
  const cuts = new Set<number>([0, durationNs]);
  for (const s of segments) cuts.add(s.fromNs).add(s.toNs);
  for (const t of extraBoundaries) cuts.add(t);
  const ts = [...cuts].filter((t) => t >= 0 && t <= durationNs).sort((a, b) => a - b);
  const groupOrder: string[] = [];
  for (const s of segments) if (!groupOrder.includes(s.group)) groupOrder.push(s.group);
  const rows: IntervalRow[] = [];
  for (let i = 0; i + 1 < ts.length; i++) {
    const a = ts[i] as number;
    const b = ts[i + 1] as number;
    const active = segments.filter((s) => s.fromNs <= a && s.toNs >= b && s.toNs > s.fromNs);
    if (active.length === 0) continue;
    const groups = groupOrder
      .map((g) => {
        const members = active.filter((s) => s.group === g);
        const bytes = bytesIn(members, bytesAt, a, b);
        return { group: g, flows: members.map((s) => s.flow), bytes, bps: (bytes * 8 * 1e9) / (b - a) };
      })
      .filter((g) => g.flows.length > 0);
    rows.push({ fromNs: a, toNs: b, groups, totalBps: groups.reduce((x, g) => x + g.bps, 0) });
  }
  return rows;
}
