/**
 * @fileoverview The path's round trip as TCP measures it, Linux against the
 * model, for the hosts' per-packet cost in the loss scenario
 * (`test/fidelity/scenarios/20mbit-40ms-1bdp-loss1.yaml`, docs/fidelity.md
 * "The loss regime"). Both sides are read the same way: the smoothed RTT
 * every millisecond (TCP_INFO's `tcpi_rtt` on Linux, the trace's `srttUs`
 * in the model; both `srtt_us >> 3`), and each change turned back into the
 * sample that made it (`tcp_rtt_estimator`, net/ipv4/tcp_input.c:
 * srtt' = srtt + (sample - srtt) / 8, so sample = 8 srtt' - 7 srtt, to
 * 8 µs). The first value is the handshake's sample.
 *
 *   npx tsx test/fidelity/rtt-samples.ts [--linux] [--seeds 5] [--noise-seeds 3] [--access "{ rate: 10gbit, noise: 200us }"]
 *
 * `--linux` runs reno on the Linux testbed (root; run it with `nice -n -10`
 * on an idle machine) with the delay line's seeds 1..N; otherwise the model
 * replays the recorded runs' drops with the scenario's noise seeds 1..M and
 * the given `access` line. Printed: quantiles of the samples after 1 s.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { configByName } from "./configs.js";
import { buildTools, probeLinux, runLinuxFlow } from "./linux-testbed.js";
import { LOSS_CONFIG, replayRun } from "./loss-replay.js";
import type { CwndSample } from "./metrics.js";
import { loadReference } from "./reference.js";

/**
 * RTT samples (µs) recovered from a trace's smoothed RTT (`rttUs`, srtt_us >> 3),
 * those from `fromS` seconds on; the first srtt is the handshake's sample.
 */
export function rttSamples(trace: readonly CwndSample[], fromS: number): { handshakeUs: number; samples: number[] } {
  const samples: number[] = [];
  let prev = 0;
  let handshakeUs = NaN;
  for (const { tS, rttUs } of trace) {
    const srtt = rttUs ?? 0;
    if (srtt > 0 && prev === 0) handshakeUs = srtt;
    else if (srtt !== prev && prev > 0 && tS >= fromS) samples.push(8 * srtt - 7 * prev);
    prev = srtt;
  }
  return { handshakeUs, samples };
}

const QS = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95] as const;

function quantiles(xs: readonly number[]): number[] {
  const s = [...xs].sort((a, b) => a - b);
  return QS.map((q) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
}

function line(label: string, handshakeUs: number, samples: readonly number[]): string {
  const above = samples.filter((x) => x >= 44000).length / Math.max(1, samples.length);
  return `${label} | ${(handshakeUs / 1000).toFixed(3)} | ${samples.length} | ${quantiles(samples).map((x) => (x / 1000).toFixed(3)).join(" ")} | ${(above * 100).toFixed(1)} %`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { linux: { type: "boolean" }, seeds: { type: "string", default: "5" }, "noise-seeds": { type: "string", default: "3" }, access: { type: "string" } } });
  const cfg = configByName(LOSS_CONFIG);
  const header = `run | handshake ms | samples after 1 s | p${QS.map((q) => q * 100).join(" p")} ms | samples >= 44 ms`;
  const pooled: number[] = [];
  if (values.linux === true) {
    const probe = probeLinux(["reno"]);
    if (!probe.ok) throw new Error(`cannot run the Linux side here: ${probe.reason}`);
    const tools = buildTools();
    console.log(header);
    try {
      for (let seed = 1; seed <= Number(values.seeds); seed++) {
        const load = loadavg().map((x) => x.toFixed(1)).join(" ");
        const run = await runLinuxFlow(tools, cfg, "reno", { seed });
        const r = rttSamples(run.trace, 1);
        pooled.push(...r.samples);
        console.log(`${line(`linux seed ${seed}`, r.handshakeUs, r.samples)} | load ${load}; delay line late mean ${run.delayLine.lateMeanUs} µs, packets ${JSON.stringify(run.delayLine.lateHist?.packets ?? [])} over ${JSON.stringify(run.delayLine.lateHist?.edgesUs ?? [])} µs`);
      }
    } finally {
      tools.dispose();
    }
  } else {
    const runs = loadReference(LOSS_CONFIG).algorithms.reno?.runs ?? [];
    console.log(header);
    for (let ns = 1; ns <= Number(values["noise-seeds"]); ns++) {
      for (const run of runs) {
        const r = rttSamples(replayRun(run, "reno", ns, values.access).trace, 1);
        pooled.push(...r.samples);
        console.log(line(`model run ${run.seed} noise ${ns}`, r.handshakeUs, r.samples));
      }
    }
  }
  console.log(line("pooled", NaN, pooled));
}

if (process.argv[1]?.endsWith("rtt-samples.ts")) {
  main().catch((e: unknown) => {
    console.error(`rtt-samples: ${(e as Error).message}`);
    process.exit(1);
  });
}
