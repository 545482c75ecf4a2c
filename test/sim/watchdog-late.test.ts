/**
 * @fileoverview The token bucket's late watchdog (`watchdogLate`,
 * src/sim/net/lateness.ts): when a packet waits for tokens, Linux sch_tbf's
 * `tbf_dequeue` arms `qdisc_watchdog_schedule_ns` for the moment the bucket
 * holds it, and the packet leaves when that hrtimer has fired. A late firing
 * delays the packet; the bucket keeps filling meanwhile but only up to its
 * depth (`tbf_dequeue`: toks = min(toks, buffer)), so lateness beyond what the
 * bucket can hold is capacity lost. Packets that find tokens leave on time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LinkDir, LINK_DROPPED } from "../../src/sim/net/link.js";
import { LatenessSampler } from "../../src/sim/net/lateness.js";
import { Rng } from "../../src/sim/rng.js";
import type { LatenessSpec, LinkDirSpec } from "../../src/sim/api.js";

const US = 1000;
/** 1500-byte packets at 12 Mbit/s: 1 ms each. */
const RATE = 12e6;

function link(extra: Partial<LinkDirSpec>, seed = 1): LinkDir {
  return new LinkDir("l", 0, "a", "b", { rateBps: RATE, delayNs: 0, queue: { kind: "droptail", packets: 100 }, tokenBucketBytes: 3000, ...extra }, new Rng(seed));
}

test("late watchdog: a packet waiting for tokens leaves that much later; one that finds tokens leaves at once", () => {
  const l = link({ watchdogLate: { kind: "constant", ns: 300 * US } });
  // Two leave at once from the full bucket; the third waits for tokens (1 ms) and the watchdog is 0.3 ms late.
  const out = [0, 0, 0].map(() => l.transmit(0, 1500, false));
  assert.deepEqual(out, [0, 0, 1300 * US]);
  // 0.3 ms of tokens accrued meanwhile: the next waits 0.7 ms for the rest, then 0.3 ms for the watchdog again.
  assert.equal(l.transmit(0, 1500, false), 2300 * US);
});

test("late watchdog: the bucket caps what accrues while it is late, so the time beyond is lost", () => {
  // 1.5 ms late with a two-packet bucket: the bucket holds 2 ms of tokens at most.
  const l = link({ watchdogLate: { kind: "constant", ns: 1500 * US } });
  const out = [0, 0, 0, 0, 0].map(() => l.transmit(0, 1500, false));
  // #3 waits 1 ms + 1.5 ms: 2.5 ms of tokens accrued, capped at 2 ms, 1 ms left after it, so #4 leaves with it
  // and #5 waits 1 ms + 1.5 ms again.
  assert.deepEqual(out, [0, 0, 2500 * US, 2500 * US, 5000 * US]);
  // Without lateness the five leave at 0, 0, 1, 2, 3 ms: 0.5 ms of the link's time is lost per late firing.
  const exact = link({});
  assert.deepEqual([0, 0, 0, 0, 0].map(() => exact.transmit(0, 1500, false)), [0, 0, 1000 * US, 2000 * US, 3000 * US]);
});

test("late watchdog: absent or 0 gives the exact bucket and draws nothing", () => {
  for (const late of [undefined, { kind: "constant", ns: 0 }, { kind: "uniform", maxNs: 0 }, { kind: "exponential", meanNs: 0 }] as const) {
    const l = link({ ...(late !== undefined ? { watchdogLate: late } : {}), lossRate: 0.3 });
    const ref = link({ lossRate: 0.3 });
    const times = Array.from({ length: 200 }, (_, i) => i * 400 * US);
    assert.deepEqual(times.map((t) => l.transmit(t, 1500, false)), times.map((t) => ref.transmit(t, 1500, false)));
  }
});

test("late watchdog: needs a token bucket; malformed distributions are named", () => {
  assert.throws(() => link({ tokenBucketBytes: undefined as unknown as number, watchdogLate: { kind: "constant", ns: 1 } }), /'watchdogLate' needs a token bucket/);
  assert.throws(() => link({ watchdogLate: { kind: "uniform", maxNs: -1 } }), /link 'l': 'watchdogLate': 'maxNs' must be an integer ≥ 0/);
  assert.throws(() => link({ watchdogLate: { kind: "histogram", edgesNs: [10, 5], weights: [1, 1] } }), /'edgesNs\[1\]' must be above the previous edge \(10 ns\)/);
  assert.throws(() => link({ watchdogLate: { kind: "histogram", edgesNs: [10], weights: [0] } }), /needs a weight > 0/);
  assert.throws(() => link({ watchdogLate: { kind: "histogram", edgesNs: [10, 20], weights: [1] } }), /as many 'edgesNs' as 'weights'/);
});

test("lateness draws: inside their distribution's support, and a histogram's bins drawn in proportion to their weights", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 1e7 }), (seed, scale) => {
      const rng = new Rng(seed);
      const u = new LatenessSampler({ kind: "uniform", maxNs: scale }, "t");
      const e = new LatenessSampler({ kind: "exponential", meanNs: scale }, "t");
      const h = new LatenessSampler({ kind: "histogram", edgesNs: [scale, 2 * scale, 4 * scale], weights: [1, 0, 3] }, "t");
      for (let i = 0; i < 50; i++) {
        const a = u.draw(rng);
        assert.ok(Number.isInteger(a) && a >= 0 && a < scale);
        const b = e.draw(rng);
        assert.ok(Number.isInteger(b) && b >= 0);
        const c = h.draw(rng);
        // The empty bin [scale, 2 scale) is never drawn.
        assert.ok(Number.isInteger(c) && c >= 0 && c < 4 * scale && (c < scale || c >= 2 * scale), `${c}`);
      }
    }),
  );
  const rng = new Rng(7);
  const spec: LatenessSpec = { kind: "histogram", edgesNs: [100, 200, 300], weights: [6, 3, 1] };
  const h = new LatenessSampler(spec, "t");
  const n = 20000;
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[Math.floor(h.draw(rng) / 100)]! += 1;
  // Binomial sd at n = 20000 is under 0.004 of n: 0.02 is five of them.
  counts.forEach((c, i) => assert.ok(Math.abs(c / n - (spec.weights[i] as number) / 10) < 0.02, `bin ${i}: ${c}`));
  let sum = 0;
  const ex = new LatenessSampler({ kind: "exponential", meanNs: 1000 }, "t");
  for (let i = 0; i < n; i++) sum += ex.draw(rng);
  assert.ok(Math.abs(sum / n - 1000) < 40, `exponential mean ${sum / n}`);
});

test("late watchdog: the same seed gives the same departures, another seed others", () => {
  const spec: LatenessSpec = { kind: "exponential", meanNs: 200 * US };
  const run = (seed: number): number[] => {
    const l = link({ watchdogLate: spec }, seed);
    return Array.from({ length: 50 }, () => l.transmit(0, 1500, false)).filter((t) => t !== LINK_DROPPED);
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});
