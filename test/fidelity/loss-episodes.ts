/**
 * @fileoverview Where a replay of Linux's drops leaves Linux's path (issue
 * #14, docs/fidelity.md "The loss regime"): each entry into Recovery or
 * Loss (`icsk_ca_state` 3 or 4, TCP_INFO's `tcpi_ca_state` on Linux, the
 * trace's `caState` in the model) of the model's replay is paired with
 * Linux's in order (the same drops give the same losses), and printed with
 * cwnd before it, the ssthresh it set and how much later (+) or earlier (-)
 * the model got there. The first pair whose windows differ is marked.
 *
 *   npx tsx test/fidelity/loss-episodes.ts [--seed 1] [--noise-seed 1] [--access "{ rate: 10gbit, noise: 200us }"] [--all]
 */
import { parseArgs } from "node:util";
import { configByName } from "./configs.js";
import { LOSS_CONFIG, meanAbsCwndDiff, replayRun } from "./loss-replay.js";
import { decodeTrace, loadReference } from "./reference.js";
import type { CwndSample } from "./metrics.js";

/** An entry into Recovery or Loss. */
export interface Episode {
  readonly tS: number;
  readonly cwndBefore: number;
  readonly ssthresh: number;
  readonly state: number;
}

/** The entries into Recovery (3) or Loss (4) of a trajectory. */
export function episodes(trace: readonly CwndSample[]): Episode[] {
  const out: Episode[] = [];
  let prev: CwndSample | undefined;
  for (const s of trace) {
    const st = s.caState ?? 0;
    if (st >= 3 && (prev?.caState ?? 0) < 3) out.push({ tS: s.tS, cwndBefore: prev?.cwnd ?? s.cwnd, ssthresh: s.ssthresh ?? -1, state: st });
    prev = s;
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: "string", default: "1" }, "noise-seed": { type: "string", default: "1" }, access: { type: "string" }, all: { type: "boolean" } } });
  const cfg = configByName(LOSS_CONFIG);
  const run = loadReference(LOSS_CONFIG).algorithms.reno?.runs.find((r) => r.seed === Number(values.seed));
  if (run === undefined) throw new Error(`no recorded run with seed ${values.seed}`);
  const sim = replayRun(run, "reno", Number(values["noise-seed"]), values.access);
  const lx = decodeTrace(run.trace);
  const a = episodes(sim.trace);
  const b = episodes(lx);
  console.log(`seed ${run.seed}, noise seed ${values["noise-seed"]}: mean |dcwnd| ${meanAbsCwndDiff(sim.trace, lx, cfg.seconds).toFixed(2)}; episodes model ${a.length}, Linux ${b.length}`);
  console.log("k | Linux t s | model - Linux ms | cwnd before model/Linux | ssthresh model/Linux");
  let marked = false;
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const x = a[k] as Episode;
    const y = b[k] as Episode;
    const same = x.cwndBefore === y.cwndBefore && x.ssthresh === y.ssthresh && x.state === y.state;
    const mark = !same && !marked ? "  <- first difference" : "";
    if (!same) marked = true;
    if (values.all === true || k < 40 || mark !== "") {
      console.log(`${k} | ${y.tS.toFixed(3)} | ${((x.tS - y.tS) * 1000).toFixed(1)} | ${x.cwndBefore}/${y.cwndBefore} | ${x.ssthresh}/${y.ssthresh}${x.state === 4 || y.state === 4 ? ` state ${x.state}/${y.state}` : ""}${mark}`);
    }
  }
}

if (process.argv[1]?.endsWith("loss-episodes.ts")) main();
