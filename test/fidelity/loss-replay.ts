/**
 * @fileoverview The loss regime against Linux (issue #14): the scenario
 * `scenarios/20mbit-40ms-1bdp-loss1.yaml` run through the CLI path, once with
 * Linux's own drop pattern replayed (each recorded run's delay-line seed ->
 * `drops: { segments }`) and once with the testbed's own draws, compared
 * with the recorded Linux runs of `20mbit-40ms-1bdp-loss1`.
 *
 *   npx tsx test/fidelity/loss-replay.ts [--algorithm reno] [--seeds 5] [--noise-seeds 6] [--access "{ rate: 10gbit, noise: 200us }"]
 *
 * With `--noise-seeds N` the replays are repeated with the scenario's seeds
 * 1..N (the seed draws only the hosts' `noise` when the drops are replayed)
 * and the mean |dcwnd| over the recorded runs is printed for each; with N
 * of 2 or more, also the model against itself (each run's replays with two
 * noise seeds, every pair): what Linux's same-seed repeat measures for Linux.
 * `--access` replaces the scenario's `access` line (another model of the
 * hosts' per-packet cost) in the replays and the testbed's own draws.
 */
import { parseArgs } from "node:util";
import { configByName, MSS_BYTES } from "./configs.js";
import type { Algorithm } from "./configs.js";
import { delayLineDropList } from "./delay-line-drops.js";
import { decodeTrace, loadReference } from "./reference.js";
import type { RecordedRun } from "./reference.js";
import type { CwndSample } from "./metrics.js";
import { flowSamples, runYaml, scenarioText, withDrops } from "./yaml-run.js";
import type { FlowSampleRecord } from "../../src/sim/api.js";

export const LOSS_CONFIG = "20mbit-40ms-1bdp-loss1";
const FLOW = "fid";

/** Value of a step trajectory at each ms of [0, seconds). */
function perMs(trace: readonly CwndSample[], seconds: number): number[] {
  const out: number[] = [];
  let i = 0;
  for (let ms = 0; ms < seconds * 1000; ms++) {
    while (i + 1 < trace.length && (trace[i + 1] as CwndSample).tS <= ms / 1000) i++;
    out.push((trace[i] as CwndSample).cwnd);
  }
  return out;
}

/** Mean absolute difference of two cwnd trajectories, per ms, in packets. */
export function meanAbsCwndDiff(a: readonly CwndSample[], b: readonly CwndSample[], seconds: number): number {
  const x = perMs(a, seconds);
  const y = perMs(b, seconds);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs((x[i] as number) - (y[i] as number));
  return s / x.length;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] as number);
}

/** What one run gives for the loss comparison. */
export interface LossFigures {
  readonly trace: CwndSample[];
  readonly medianCwnd: number;
  readonly srttMedianUs: number;
  readonly goodputMbps: number;
}

export function figuresOf(samples: readonly FlowSampleRecord[], seconds: number): LossFigures {
  const t0 = samples[0]?.t ?? 0;
  // rttUs: the smoothed RTT, as TCP_INFO's tcpi_rtt in Linux's trace rows.
  const trace = samples.map((s) => ({ tS: (s.t - t0) / 1e9, cwnd: s.cwnd, ssthresh: s.ssthresh, caState: s.caState, rttUs: s.srttUs }));
  const last = samples[samples.length - 1];
  return {
    trace,
    medianCwnd: median(trace.map((s) => s.cwnd)),
    srttMedianUs: median(samples.filter((s) => s.t - t0 >= 1e9).map((s) => s.srttUs)),
    goodputMbps: ((last?.bytesAcked ?? 0) * 8) / seconds / 1e6,
  };
}

export function linuxFigures(run: RecordedRun, seconds: number): LossFigures {
  const trace = decodeTrace(run.trace);
  return {
    trace,
    medianCwnd: median(perMs(trace, seconds)),
    srttMedianUs: run.srttMedianUs ?? NaN,
    goodputMbps: run.goodputMbps,
  };
}

/** The loss scenario's text for `algorithm`, its `access` line replaced by `access` when given. */
export function lossScenario(algorithm: Algorithm, access?: string): string {
  const text = scenarioText("20mbit-40ms-1bdp-loss1.yaml").replace("algorithm: reno", `algorithm: ${algorithm}`);
  if (access === undefined) return text;
  if (!/access: \{[^}\n]*\}/.test(text)) throw new RangeError("the loss scenario has no one-line 'access'");
  return text.replace(/access: \{[^}\n]*\}/, `access: ${access}`);
}

/** Runs the loss scenario with Linux run `run`'s drop pattern replayed. */
export function replayRun(run: RecordedRun, algorithm: Algorithm, noiseSeed?: number, access?: string): LossFigures {
  const cfg = configByName(LOSS_CONFIG);
  const segs = Math.ceil(((run.goodputMbps * 1e6 * cfg.seconds) / 8 / MSS_BYTES) * 1.5) + 1000;
  // By sequence number when the recording has the delay line's dropped sequence numbers (robust to a
  // different retransmission count shifting indices), else by transmission index from its seed.
  const base = lossScenario(algorithm, access).replace("loss: 1%", "loss: 0");
  const text = run.dropSeqs !== undefined
    ? withDrops(base, FLOW, "seqs", run.dropSeqs.map(([seq]) => seq))
    : withDrops(base, FLOW, "segments", delayLineDropList(run.seed, cfg.lossRate, segs).segments);
  const { records } = runYaml(text, "replay.yaml", noiseSeed);
  return figuresOf(flowSamples(records, FLOW), cfg.seconds);
}

/** Runs the loss scenario with the testbed's own draws, seed `seed`. */
export function ownDrawsRun(seed: number, algorithm: Algorithm, access?: string): LossFigures {
  const cfg = configByName(LOSS_CONFIG);
  const text = lossScenario(algorithm, access);
  const { records } = runYaml(text, "20mbit-40ms-1bdp-loss1.yaml", seed);
  return figuresOf(flowSamples(records, FLOW), cfg.seconds);
}

function main(): void {
  const { values } = parseArgs({ options: { algorithm: { type: "string", default: "reno" }, seeds: { type: "string", default: "5" }, "noise-seeds": { type: "string", default: "0" }, access: { type: "string" } } });
  const access = values.access;
  const algorithm = values.algorithm as Algorithm;
  const cfg = configByName(LOSS_CONFIG);
  const runs = loadReference(LOSS_CONFIG).algorithms[algorithm]?.runs ?? [];
  const f = (x: number, d = 2): string => x.toFixed(d);
  console.log("replay of Linux's drops: seed | mean |dcwnd| | median cwnd sim/linux | srtt ms sim/linux | goodput Mbit/s sim/linux");
  for (const run of runs) {
    const lx = linuxFigures(run, cfg.seconds);
    const sim = replayRun(run, algorithm, undefined, access);
    console.log(`${run.seed} | ${f(meanAbsCwndDiff(sim.trace, lx.trace, cfg.seconds))} | ${sim.medianCwnd}/${lx.medianCwnd} | ${f(sim.srttMedianUs / 1000)}/${f(lx.srttMedianUs / 1000)} | ${f(sim.goodputMbps, 3)}/${f(lx.goodputMbps, 3)}`);
  }
  const noiseSeeds = Number(values["noise-seeds"]);
  if (noiseSeeds > 0) console.log("replay, noise seed | mean |dcwnd| per run | mean");
  // Each run's replays, by noise seed, kept for the model's distance from itself.
  const replays = runs.map(() => [] as CwndSample[][]);
  for (let ns = 1; ns <= noiseSeeds; ns++) {
    const d = runs.map((run, i) => {
      const trace = replayRun(run, algorithm, ns, access).trace;
      (replays[i] as CwndSample[][]).push(trace);
      return meanAbsCwndDiff(trace, linuxFigures(run, cfg.seconds).trace, cfg.seconds);
    });
    console.log(`${ns} | ${d.map((x) => f(x)).join(" ")} | ${f(d.reduce((a, b) => a + b, 0) / d.length)}`);
  }
  if (noiseSeeds > 1) {
    // The model against itself: the same drops, two noise seeds (every pair), as Linux's repeat is the same
    // drops with other timing.
    const self = replays.map((traces) => {
      const d: number[] = [];
      for (let a = 0; a < traces.length; a++) for (let b = a + 1; b < traces.length; b++) d.push(meanAbsCwndDiff(traces[a] as CwndSample[], traces[b] as CwndSample[], cfg.seconds));
      return d.reduce((x, y) => x + y, 0) / d.length;
    });
    console.log(`model against itself, mean over noise-seed pairs | ${self.map((x) => f(x)).join(" ")} | ${f(self.reduce((a, b) => a + b, 0) / self.length)}`);
  }
  console.log("own draws: seed | median cwnd | srtt ms | goodput Mbit/s");
  for (let s = 1; s <= Number(values.seeds); s++) {
    const sim = ownDrawsRun(s, algorithm, access);
    console.log(`${s} | ${sim.medianCwnd} | ${f(sim.srttMedianUs / 1000)} | ${f(sim.goodputMbps, 3)}`);
  }
}

if (process.argv[1]?.endsWith("loss-replay.ts")) main();
