/**
 * @fileoverview Tests of the loss-regime analysis tools (docs/fidelity.md,
 * "The loss regime"): RTT samples recovered from a sampled smoothed RTT
 * (rtt-samples.ts, the inverse of `tcp_rtt_estimator`, net/ipv4/tcp_input.c)
 * and the entries into Recovery/Loss a replay is paired on (loss-episodes.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { episodes } from "./loss-episodes.js";
import type { CwndSample } from "./metrics.js";
import { rttSamples } from "./rtt-samples.js";

/** tcp_rtt_estimator's srtt update on the x8 value (no rttvar): srtt_us += m - (srtt_us >> 3). */
function estimate(samplesUs: readonly number[]): CwndSample[] {
  let srtt8 = 0;
  return samplesUs.map((m, i) => {
    srtt8 = srtt8 === 0 ? m << 3 : srtt8 + m - (srtt8 >> 3);
    return { tS: i * 0.001, cwnd: 10, rttUs: srtt8 >> 3 };
  });
}

test("rttSamples recovers each sample that moved tcpi_rtt (srtt_us >> 3) to within 7 µs, and the handshake's first", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 30_000, max: 90_000 }), { minLength: 2, maxLength: 200 }), (ms) => {
      const trace = estimate(ms);
      const { handshakeUs, samples } = rttSamples(trace, 0);
      assert.equal(handshakeUs, ms[0]);
      // The samples that changed the visible value, in order.
      const moved = ms.filter((_, i) => i > 0 && trace[i]?.rttUs !== trace[i - 1]?.rttUs);
      assert.equal(samples.length, moved.length);
      samples.forEach((s, i) => assert.ok(Math.abs(s - (moved[i] as number)) <= 7, `sample ${i}: ${s} for ${moved[i]}`));
    }),
  );
});

test("rttSamples keeps only samples from the given time on", () => {
  const trace = estimate([40_000, 50_000, 60_000, 70_000]);
  assert.equal(rttSamples(trace, 0.002).samples.length, 2);
});

test("episodes: each entry into Recovery (3) or Loss (4) with the cwnd before it and the ssthresh it set", () => {
  const s = (tS: number, cwnd: number, ssthresh: number, caState: number): CwndSample => ({ tS, cwnd, ssthresh, caState });
  const trace = [s(0, 10, 1e9, 0), s(1, 20, 1e9, 1), s(2, 18, 10, 3), s(3, 10, 10, 0), s(4, 12, 10, 3), s(5, 11, 10, 4), s(6, 1, 5, 4), s(7, 2, 5, 0), s(8, 1, 2, 4)];
  assert.deepEqual(episodes(trace), [
    { tS: 2, cwndBefore: 20, ssthresh: 10, state: 3 },
    { tS: 4, cwndBefore: 10, ssthresh: 10, state: 3 },
    { tS: 8, cwndBefore: 2, ssthresh: 2, state: 4 },
  ]);
});
