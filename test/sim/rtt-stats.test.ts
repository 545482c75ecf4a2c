/**
 * @fileoverview A flow's RTT statistics: count, min, max and mean exact, and
 * each percentile the upper bound of its 1 %-wide log bucket (clamped to
 * [min, max]), as the summary and report give them, whatever span the
 * samples cover (the histogram holds only the buckets reached); and the
 * same statistics when the samples of many flows go through an RttLog (added
 * in batches grouped by flow) instead of one at a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { RttLog, RttStats } from "../../src/sim/tcp/rtt-stats.js";

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

test("RttLog: each flow's statistics are those of adding its samples one at a time, across batches and flushes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 400 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3_000_000 }), fc.nat(200)), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 0, max: 0xffff }),
      (flows, samples, seed) => {
        const direct = Array.from({ length: flows }, () => new RttStats());
        const logged = Array.from({ length: flows }, () => new RttStats());
        const log = new RttLog();
        logged.forEach((st, i) => log.own(i, st));
        // Repeat the samples past the log's capacity (65,536) so it flushes on its own too, and flush at random points.
        let x = seed;
        const rounds = Math.ceil(70_000 / samples.length);
        for (let round = 0; round < rounds; round++) {
          for (const [f, us, flushAt] of samples) {
            const i = (f + round) % flows;
            direct[i]?.add(us);
            log.add(i, us);
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            if (flushAt === 0 && x % 7 === 0) log.flush();
          }
        }
        log.flush();
        for (let i = 0; i < flows; i++) {
          const a = direct[i] as RttStats;
          const b = logged[i] as RttStats;
          assert.deepEqual([b.count, b.min, b.max, b.mean], [a.count, a.min, a.max, a.mean], `flow ${i}`);
          for (const q of [0.01, 0.5, 0.9, 0.99, 1]) assert.equal(b.quantile(q), a.quantile(q), `flow ${i} q ${q}`);
        }
      },
    ),
    { numRuns: 20 },
  );
});
