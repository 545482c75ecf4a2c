/**
 * @fileoverview Unit and property tests of the cwnd-trajectory metrics
 * (metrics.ts) on synthetic sawtooths of known shape, and of the reference
 * trace encoding and comparison (reference.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareMetrics,
  cycleShape,
  median,
  metricValues,
  spreadOf,
  timeWeightedMedian,
  TraceError,
  validateTrace,
  METRIC_NAMES,
} from "./metrics.js";
import type { CwndSample, MetricName, MetricSpread, Tolerance } from "./metrics.js";
import { decodeTrace, encodeTrace, spreadOfRuns } from "./reference.js";
import { sawtooth } from "./synth.js";

const reno = { peak: 40, rttS: 0.05, beta: 0.5, durationS: 8, dtS: 0.001 };

test("reno-like sawtooth: slow-start end, peaks, troughs, period and median cwnd", () => {
  const s = cycleShape(sawtooth(reno));
  assert.ok(s.slowStartEnd !== null);
  assert.equal(s.slowStartEnd.byLoss, true);
  assert.equal(s.slowStartEnd.cwnd, 40);
  // 10 -> 40 doubling per 50 ms RTT: two RTTs.
  assert.ok(Math.abs(s.slowStartEnd.tS - 0.1) < 0.003, `slow start ends at ${s.slowStartEnd.tS}`);
  assert.ok(s.cycleReductions.length >= 6);
  assert.ok(s.cycleReductions.every((r) => r.cwndBefore === 40 && r.cwndAfter === 20));
  // 20 -> 40 at one segment per RTT plus one RTT of recovery.
  assert.ok(s.medianPeriodS !== null && Math.abs(s.medianPeriodS - 1.05) < 0.003, `period ${s.medianPeriodS}`);
  assert.ok(Math.abs(s.medianCwnd - 30) <= 1, `median cwnd ${s.medianCwnd}`);
  assert.equal(s.reductions.length, s.cycleReductions.length + 1, "the slow-start exit is not a cycle");
});

test("cubic-like sawtooth with a HyStart exit: slow start ends without a reduction", () => {
  const s = cycleShape(sawtooth({ ...reno, beta: 0.7, hystartAt: 25 }));
  assert.ok(s.slowStartEnd !== null);
  assert.equal(s.slowStartEnd.byLoss, false);
  assert.equal(s.slowStartEnd.cwnd, 25);
  assert.equal(s.reductions.length, s.cycleReductions.length, "every loss is a cycle");
  assert.ok(s.cycleReductions.every((r) => r.cwndBefore === 40 && r.cwndAfter === 28));
  // 28 -> 40 at one per RTT (12 RTTs) plus the recovery RTT.
  assert.ok(s.medianPeriodS !== null && Math.abs(s.medianPeriodS - 0.65) < 0.003, `period ${s.medianPeriodS}`);
});

test("cwnd-only detection (no CA states) finds the same cycles as the state-based one", () => {
  const trace = sawtooth(reno);
  const byState = cycleShape(trace);
  const byCwnd = cycleShape(trace.map(({ tS, cwnd, ssthresh }) => ({ tS, cwnd, ...(ssthresh !== undefined ? { ssthresh } : {}) })));
  assert.equal(byCwnd.cycleReductions.length, byState.cycleReductions.length);
  assert.deepEqual(
    byCwnd.cycleReductions.map((r) => [r.cwndBefore, r.cwndAfter]),
    byState.cycleReductions.map((r) => [r.cwndBefore, r.cwndAfter]),
  );
  assert.ok(Math.abs((byCwnd.medianPeriodS as number) - (byState.medianPeriodS as number)) < 0.003);
  const bare = cycleShape(trace.map(({ tS, cwnd }) => ({ tS, cwnd })));
  assert.ok(bare.slowStartEnd !== null && bare.slowStartEnd.cwnd === 40, "without ssthresh the first reduction ends slow start");
});

test("a change-only (event-driven) trace gives the same metrics as the 1 ms poll", () => {
  for (const spec of [reno, { ...reno, beta: 0.7, hystartAt: 25 }]) {
    const polled = sawtooth(spec);
    const events = decodeTrace(encodeTrace(polled));
    assert.ok(events.length < polled.length / 5);
    const a = metricValues(cycleShape(polled));
    const b = metricValues(cycleShape(events));
    for (const m of METRIC_NAMES) {
      const x = a[m];
      const y = b[m];
      assert.ok(x !== null && y !== null && Math.abs(x - y) <= 1e-3 * Math.max(1, Math.abs(x)), `${m}: ${x} vs ${y}`);
    }
  }
});

test("encodeTrace/decodeTrace keep every change at 0.1 ms resolution", () => {
  const t: CwndSample[] = [
    { tS: 0, cwnd: 10, ssthresh: 0x7fffffff, caState: 0 },
    { tS: 0.00123, cwnd: 10, ssthresh: 0x7fffffff, caState: 0 },
    { tS: 0.5, cwnd: 20, ssthresh: 10, caState: 3 },
    { tS: 0.75, cwnd: 20, ssthresh: 10, caState: 3 },
  ];
  assert.deepEqual(encodeTrace(t), [0, 10, -1, 0, 5000, 20, 10, 3, 2500, 20, 10, 3]);
  assert.deepEqual(decodeTrace(encodeTrace(t)), [t[0], t[2], t[3]]);
  assert.throws(() => decodeTrace([1, 2, 3]), RangeError);
});

test("time-weighted median weighs each value by how long it holds", () => {
  const t: CwndSample[] = [{ tS: 0, cwnd: 1 }];
  for (let i = 0; i < 50; i++) t.push({ tS: 0.9 + i * 0.002, cwnd: 100 });
  assert.equal(timeWeightedMedian(t, 0, 1), 1);
  assert.equal(median(t.map((s) => s.cwnd)), 100, "the unweighted median would say 100");
  assert.equal(timeWeightedMedian(t, 0.95, 1), 100);
  assert.equal(median([]), null);
  assert.equal(median([3, 1, 2, 10]), 2.5);
});

test("bad traces give a TraceError naming the sample", () => {
  assert.throws(() => validateTrace([]), (e: unknown) => e instanceof TraceError && /empty/.test(e.message));
  assert.throws(
    () => validateTrace([{ tS: 1, cwnd: 1 }, { tS: 0.5, cwnd: 2 }]),
    (e: unknown) => e instanceof TraceError && /sample 1: tS 0.5 goes back/.test(e.message),
  );
  assert.throws(() => cycleShape([{ tS: 0, cwnd: Number.NaN }]), (e: unknown) => e instanceof TraceError && /sample 0: cwnd/.test(e.message));
  assert.throws(() => cycleShape(sawtooth(reno), { minDrop: 1.5 }), TraceError);
});

test("a flow that never leaves slow start has no cycles", () => {
  const s = cycleShape(sawtooth({ ...reno, peak: 1e9, durationS: 0.2 }));
  assert.equal(s.slowStartEnd, null);
  assert.equal(s.reductions.length, 0);
  assert.equal(s.medianPeriodS, null);
  assert.equal(s.medianPeakCwnd, null);
});

test("spreadOf and compareMetrics: the band is the Linux range widened by max(abs, rel * median)", () => {
  const sp = spreadOf([10, 12, null, 11]) as MetricSpread;
  assert.deepEqual([sp.n, sp.median, sp.min, sp.max, sp.mean], [3, 11, 10, 12, 11]);
  assert.ok(Math.abs(sp.sd - 1) < 1e-12);
  assert.equal(spreadOf([null]), null);

  const ref = {} as Record<MetricName, MetricSpread | null>;
  const tol = {} as Record<MetricName, Tolerance>;
  const vals = {} as Record<MetricName, number | null>;
  for (const m of METRIC_NAMES) {
    ref[m] = sp;
    tol[m] = { rel: 0.1, abs: 0.5 };
    vals[m] = 13;
  }
  vals.medianPeriodS = 13.2; // above 12 + 1.1
  vals.slowStartEndS = null;
  ref.medianTroughCwnd = null;
  vals.medianTroughCwnd = null;
  const c = compareMetrics(vals, ref, tol);
  const by = Object.fromEntries(c.checks.map((k) => [k.metric, k]));
  assert.equal(c.ok, false);
  assert.equal(by.medianCwnd?.ok, true);
  assert.equal(by.medianCwnd?.high, 12 + 1.1);
  assert.equal(by.medianPeriodS?.ok, false);
  assert.equal(by.slowStartEndS?.ok, false, "observed on Linux, missing in the trace");
  assert.equal(by.medianTroughCwnd?.ok, true, "absent on both sides");
});

test("property: the shape does not depend on the time origin or on the poll interval", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 16, max: 120 }),
      fc.integer({ min: 10, max: 80 }),
      fc.constantFrom(0.5, 0.7),
      fc.double({ min: 0, max: 100, noNaN: true }),
      (peak, rttMs, beta, t0S) => {
        const spec = { peak, rttS: rttMs / 1000, beta, durationS: 3 * (peak * (1 - beta) + 2) * (rttMs / 1000) + 0.5, dtS: 0.001 };
        const a = cycleShape(sawtooth(spec));
        const b = cycleShape(sawtooth({ ...spec, t0S }));
        assert.equal(b.cycleReductions.length, a.cycleReductions.length);
        assert.equal(b.medianCwnd, a.medianCwnd);
        assert.equal(b.medianPeakCwnd, a.medianPeakCwnd);
        if (a.medianPeriodS !== null) assert.ok(Math.abs((b.medianPeriodS as number) - a.medianPeriodS) < 1e-6);
        // The period is the additive-increase climb plus one recovery RTT, whatever the sampling.
        const expected = (peak - Math.max(2, Math.floor(peak * beta)) + 1) * spec.rttS;
        for (const s of [a, cycleShape(sawtooth({ ...spec, dtS: 0.004 }))]) {
          if (s.medianPeriodS !== null) assert.ok(Math.abs(s.medianPeriodS - expected) < 0.01 + spec.rttS * 0.05, `${s.medianPeriodS} vs ${expected}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test("spreadOfRuns: one spread per metric, nulls dropped", () => {
  const a = metricValues(cycleShape(sawtooth(reno)));
  const b = metricValues(cycleShape(sawtooth({ ...reno, peak: 44 })));
  const s = spreadOfRuns([a, b]);
  assert.equal(s.medianPeakCwnd?.min, 40);
  assert.equal(s.medianPeakCwnd?.max, 44);
  assert.equal(s.medianPeakCwnd?.n, 2);
});
