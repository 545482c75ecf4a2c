/**
 * @fileoverview Synthetic cwnd trajectories with a known shape, for the unit
 * tests of metrics.ts: an idealised AIMD sawtooth over one drop-tail
 * bottleneck (slow start doubling per RTT, a one-RTT recovery episode on
 * each loss, additive increase of one segment per RTT), sampled on a fixed
 * grid like TCP_INFO polling. Not a TCP model; only a ruler for the metrics.
 */
import type { CwndSample } from "./metrics.js";

export interface SawtoothSpec {
  /** cwnd at which a loss happens (BDP + queue). */
  readonly peak: number;
  readonly rttS: number;
  /** Multiplicative decrease: ssthresh = floor(peak * beta). */
  readonly beta: number;
  readonly durationS: number;
  readonly dtS: number;
  readonly initialCwnd?: number;
  /** When set, slow start ends without loss at this cwnd (ssthresh = cwnd, state stays Open). */
  readonly hystartAt?: number;
  /** Time origin of the trace. */
  readonly t0S?: number;
}

const INF = 0x7fffffff;

/** Samples the sawtooth every dtS; CA states 0 (Open) and 3 (Recovery). */
export function sawtooth(spec: SawtoothSpec): CwndSample[] {
  const out: CwndSample[] = [];
  let cwnd = spec.initialCwnd ?? 10;
  let ssthresh = INF;
  let state = 0;
  let recoveryUntil = 0;
  let exact = cwnd;
  const t0 = spec.t0S ?? 0;
  for (let t = 0; t <= spec.durationS + 1e-9; t += spec.dtS) {
    if (state === 3 && t >= recoveryUntil) {
      state = 0;
      cwnd = ssthresh;
      exact = cwnd;
    }
    if (state === 0) {
      if (cwnd >= spec.peak) {
        // Loss: the sample at entry still shows the peak, like a TCP_INFO poll right at entry.
        ssthresh = Math.max(2, Math.floor(cwnd * spec.beta));
        state = 3;
        recoveryUntil = t + spec.rttS;
      } else if (ssthresh === INF) {
        exact *= Math.pow(2, spec.dtS / spec.rttS);
        if (spec.hystartAt !== undefined && exact >= spec.hystartAt) {
          exact = spec.hystartAt;
          ssthresh = spec.hystartAt;
        }
      } else {
        exact += spec.dtS / spec.rttS;
      }
      if (state === 0) cwnd = Math.min(spec.peak, Math.floor(exact));
    } else {
      // PRR-like: cwnd walks down from the peak to ssthresh over the recovery RTT.
      const left = (recoveryUntil - t) / spec.rttS;
      cwnd = Math.max(ssthresh, Math.round(ssthresh + (cwnd - ssthresh) * left));
    }
    out.push({ tS: t0 + Math.round(t * 1e6) / 1e6, cwnd, ssthresh, caState: state });
  }
  return out;
}
