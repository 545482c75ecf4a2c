/**
 * @fileoverview Properties of the per-algorithm and per-interval figures
 * (src/report/segments.ts, summary.ts): on random runs whose flows share a
 * link of capacity C (the total bytes delivered grow by at most C·Δt between
 * samples), with random starts, ends and algorithm changes, no algorithm's
 * goodput over any interval, over its active time or in any concurrent
 * interval exceeds C; the segments partition every flow's bytes; and a
 * flow that switched counts under each algorithm for the time it ran it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { RunResult, TraceRecord } from "../../src/sim/api.js";
import { RunCollector } from "../../src/report/collect.js";
import { bytesIn, cumulative, flowSegments } from "../../src/report/segments.js";
import { summarize, timelineText } from "../../src/report/summary.js";

const SAMPLE = 10_000_000;
/** Relative slack for floating-point sums only: the bound is exact in real arithmetic. */
const EPS = 1e-9;

interface FlowPlan {
  readonly start: number;
  readonly life: number;
  readonly switches: readonly { at: number; cc: string }[];
  readonly weight: number;
}

const CCS = ["reno", "cubic", "dctcp"];

const planArb = fc.record({
  steps: fc.integer({ min: 5, max: 60 }),
  capacityBps: fc.integer({ min: 1, max: 100 }).map((m) => m * 1e6),
  flows: fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: 40 }),
      life: fc.integer({ min: 1, max: 60 }),
      first: fc.constantFrom(...CCS),
      switches: fc.array(fc.record({ at: fc.integer({ min: 1, max: 59 }), cc: fc.constantFrom(...CCS), offGrid: fc.integer({ min: 0, max: SAMPLE - 1 }) }), { maxLength: 3 }),
      weight: fc.integer({ min: 0, max: 10 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  // Mostly a saturated link, as in a congestion-control experiment; sometimes an idle step.
  fill: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  jitter: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
  intervals: fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 600 })), { minLength: 1, maxLength: 8 }),
});

type Plan = typeof planArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * A run on a shared link: at each sample step the link delivers at most C·Δt
 * bytes (fill × jitter of it), split between the running flows by weight.
 * Algorithm changes are cc_change records at random times, on or off the grid.
 */
function build(p: Plan): { result: RunResult; col: RunCollector; plans: FlowPlan[]; moves: { tNs: number; flow: string; cc: string }[] } {
  const col = new RunCollector();
  const dur = p.steps * SAMPLE;
  const plans = p.flows.map((f) => {
    const start = Math.min(f.start, p.steps - 1) * SAMPLE;
    const end = Math.min(p.steps, f.start + f.life) * SAMPLE;
    const switches = f.switches
      .map((s) => ({ at: start + s.at * SAMPLE - s.offGrid, cc: s.cc }))
      .filter((s) => s.at > start && s.at < end)
      .sort((a, b) => a.at - b.at);
    return { ...f, start, end, switches };
  });
  const bytes = plans.map(() => 0);
  const cc = plans.map((f) => f.first);
  const recs: TraceRecord[] = [];
  // A setsockopt to the algorithm a flow already runs: no cc_change record, and no new segment.
  const moves: { tNs: number; flow: string; cc: string }[] = [];
  plans.forEach((f, i) => recs.push({ type: "flow_event", t: f.start, flow: `f${i}`, event: "start", cc: f.first }));
  for (let k = 0; k <= p.steps; k++) {
    const t = k * SAMPLE;
    const running = plans.map((f, i) => (f.start < t && t <= f.end ? i : -1)).filter((i) => i >= 0);
    const j = p.jitter[k % 60] as number;
    const budget = Math.floor((p.capacityBps / 8) * (SAMPLE / 1e9) * p.fill * (j >= 0.3 ? 1 : j / 0.3));
    const w = running.reduce((a, i) => a + (plans[i]?.weight ?? 0), 0);
    for (const i of running) bytes[i] = (bytes[i] as number) + (w === 0 ? 0 : Math.floor((budget * (plans[i]?.weight ?? 0)) / w));
    plans.forEach((f, i) => {
      for (const s of f.switches) {
        if (s.at > t - SAMPLE && s.at <= t) {
          if (s.cc === cc[i]) moves.push({ tNs: s.at, flow: `f${i}`, cc: s.cc });
          else recs.push({ type: "flow_event", t: s.at, flow: `f${i}`, event: "cc_change", cc: s.cc, prevCc: cc[i] as string });
          cc[i] = s.cc;
        }
      }
      if (f.start <= t && t <= f.end) {
        recs.push({
          type: "flow", t, flow: `f${i}`, cc: cc[i] as string, cwnd: 10, ssthresh: 10, caState: 0, srttUs: 1000, rttUs: 1000, inflight: 1,
          deliveryRateBps: 0, bytesAcked: bytes[i] as number, retrans: 0, pacingRate: 0, deliveredBytes: bytes[i] as number,
        });
      }
    });
  }
  recs.sort((a, b) => a.t - b.t);
  for (const r of recs) col.add(r);
  const result: RunResult = {
    seed: 1, durationNs: dur, events: recs.length, links: [],
    flows: plans.map((f, i) => ({
      id: `f${i}`, from: "s", to: "r", ccStart: f.first, ccEnd: cc[i] as string, startNs: f.start, endNs: f.end, bytesAcked: bytes[i] as number,
      throughputBps: f.end > f.start ? ((bytes[i] as number) * 8e9) / (f.end - f.start) : 0, segsOut: 100, retrans: 1, rtos: 0, recoveries: 0, undos: 0,
      rttUs: { min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1, count: 1 }, completed: false,
    })),
  };
  return { result, col, moves, plans: plans.map((f) => ({ start: f.start, life: f.end - f.start, switches: f.switches, weight: f.weight })) };
}

test("property: no algorithm's goodput over any interval, its active time or any concurrent interval exceeds the link's capacity", () => {
  fc.assert(
    fc.property(planArb, (p) => {
      const { result, col, moves } = build(p);
      const cap = p.capacityBps;
      const s = summarize(result, col, { capacityBps: cap, moves });
      for (const g of s.groups) {
        assert.ok(g.throughputBps <= cap * (1 + EPS), `${g.group}: ${g.throughputBps} > ${cap}`);
        assert.ok(g.capacityShare !== null && g.capacityShare <= 1 + EPS);
      }
      for (const iv of s.intervals) {
        assert.ok(iv.throughputBps <= cap * (1 + EPS), `interval ${iv.fromNs}-${iv.toNs}: ${iv.throughputBps} > ${cap}`);
        for (const g of iv.groups) assert.ok(g.throughputBps <= iv.throughputBps * (1 + EPS) + 1e-6);
      }
      // Any interval at all, for any algorithm: the same bound.
      const segs = flowSegments(result.flows, col.flowEvents.filter((e) => e.event !== "end").map((e) => ({ tNs: e.t, flow: e.flow, group: e.cc })), (id) =>
        result.flows.find((f) => f.id === id)?.ccStart ?? "?");
      const fns = new Map([...col.flows].map(([id, f]) => [id, cumulative(f.t, f.deliveredBytes)]));
      const at = (flow: string, t: number): number => fns.get(flow)?.(t) ?? 0;
      for (const [x, len] of p.intervals) {
        const a = x * (SAMPLE / 10);
        const b = a + len * (SAMPLE / 10);
        for (const cc of CCS) {
          const bps = (bytesIn(segs.filter((q) => q.group === cc), at, a, b) * 8e9) / (b - a);
          assert.ok(bps <= cap * (1 + EPS), `${cc} over [${a}, ${b}]: ${bps} > ${cap}`);
        }
      }
    }),
    { numRuns: 150, seed: 1107 },
  );
});

test("property: the segments partition each flow's bytes, and a flow that switched counts under each algorithm it ran", () => {
  fc.assert(
    fc.property(planArb, (p) => {
      const { result, col, moves } = build(p);
      const s = summarize(result, col, { capacityBps: p.capacityBps, moves });
      for (const f of s.flows) {
        const fr = result.flows.find((x) => x.id === f.id);
        assert.ok(fr !== undefined);
        assert.equal(f.timeline[0]?.fromNs, fr.startNs);
        assert.equal(f.timeline[f.timeline.length - 1]?.toNs, fr.endNs);
        for (let i = 1; i < f.timeline.length; i++) {
          assert.equal(f.timeline[i]?.fromNs, f.timeline[i - 1]?.toNs, "segments are contiguous");
          assert.notEqual(f.timeline[i]?.group, f.timeline[i - 1]?.group, "a new segment only for a new algorithm");
        }
        const sum = f.timeline.reduce((a, e) => a + e.bytesDelivered, 0);
        assert.ok(Math.abs(sum - fr.bytesAcked) <= 1e-6 * Math.max(1, fr.bytesAcked), `${f.id}: ${sum} vs ${fr.bytesAcked}`);
        assert.equal(timelineText(f).split(" → ").length, f.timeline.length);
      }
      // Each algorithm's bytes are the bytes of the segments on it, and all of them add up to every flow's bytes.
      const total = s.groups.reduce((a, g) => a + g.bytesDelivered, 0);
      const flowsTotal = result.flows.reduce((a, f) => a + f.bytesAcked, 0);
      assert.ok(Math.abs(total - flowsTotal) <= 1e-6 * Math.max(1, flowsTotal));
      for (const g of s.groups) {
        const members = s.flows.filter((f) => f.timeline.some((e) => e.group === g.group));
        assert.equal(g.flows, members.length);
        assert.equal(g.switched, members.filter((f) => f.timeline.some((e) => e.group !== g.group)).length);
      }
    }),
    { numRuns: 150, seed: 1108 },
  );
});
