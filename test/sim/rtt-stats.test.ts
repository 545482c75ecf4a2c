/**
 * @fileoverview A flow's RTT statistics: count, min, max and mean exact, and
 * each percentile the upper bound of its 1 %-wide log bucket (clamped to
 * [min, max]), as the summary and report give them, whatever span the
 * samples cover (the histogram holds only the buckets reached).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { RttStats } from "../../src/sim/tcp/rtt-stats.js";

const GROWTH = Math.log(1.01);
const bucket = (us: number): number => (us <= 1 ? 0 : Math.min(2199, Math.ceil(Math.log(us) / GROWTH)));

/** The reference: sort the samples, take the ceil(q·n)-th, report its bucket's bound within [min, max]. */
function refQuantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => bucket(a) - bucket(b));
  const b = bucket(s[Math.ceil(q * s.length) - 1] as number);
  return Math.min(Math.max(...xs), Math.max(Math.min(...xs), Math.round(Math.exp(b * GROWTH))));
}

test("RttStats: exact count/min/max/mean, and percentiles as the bucket bound of the ceil(q·n)-th sample", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 10_000_000 })), { minLength: 1, maxLength: 300 }),
      (xs) => {
        const st = new RttStats();
        for (const x of xs) st.add(x);
        assert.equal(st.count, xs.length);
        assert.equal(st.min, Math.min(...xs));
        assert.equal(st.max, Math.max(...xs));
        assert.ok(Math.abs(st.mean - xs.reduce((a, x) => a + x, 0) / xs.length) < 1e-6 * Math.max(1, st.mean));
        for (const q of [0.01, 0.5, 0.9, 0.99, 1]) assert.equal(st.quantile(q), refQuantile(xs, q), `q ${q}`);
      },
    ),
  );
});

test("RttStats: no samples reads as zeros", () => {
  const st = new RttStats();
  assert.equal(st.quantile(0.5), 0);
  assert.equal(st.mean, 0);
});
