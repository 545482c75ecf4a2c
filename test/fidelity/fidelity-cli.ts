/**
 * @fileoverview Command line for the Linux side of the fidelity comparison
 * (issue #5). Needs root and network namespaces (see linux-testbed.ts).
 *
 *   npx tsx test/fidelity/fidelity-cli.ts commands [--config NAME]
 *       print the ip/tc commands that build the topology (no root needed)
 *   npx tsx test/fidelity/fidelity-cli.ts run --config NAME --cc reno [--seconds S] [--seed N] [--csv FILE]
 *       one flow; prints its cycle shape, writes the TCP_INFO CSV if asked
 *   npx tsx test/fidelity/fidelity-cli.ts record [--config NAME] [--runs N] [--cc reno,cubic]
 *       N runs of reno and cubic per configuration; writes reference/<config>.json
 *   npx tsx test/fidelity/fidelity-cli.ts summary [--md]
 *       the run-to-run spread of every metric in the recorded references
 *   npx tsx test/fidelity/fidelity-cli.ts model --config NAME --cc cubic [--runs N]
 *       the configuration's scenario file through `structops run`'s code with seeds 1..N (no root
 *       needed): each seed's metrics, then the median over seeds beside Linux's median over its runs
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { ALGORITHMS, CONFIGS, configByName } from "./configs.js";
import type { Algorithm, FidelityConfig } from "./configs.js";
import { buildTools, probeLinux, runLinuxFlow, topologyCommands, delayRouteCommands } from "./linux-testbed.js";
import type { LinuxRun, Tools } from "./linux-testbed.js";
import { cycleShape, metricValues, METRIC_NAMES, spreadOf } from "./metrics.js";
import type { MetricValues } from "./metrics.js";
import { encodeTrace, referencePath, referenceSpread } from "./reference.js";
import { runYaml, scenarioText } from "./yaml-run.js";
import { simTrace } from "./sim-adapter.js";
import type { AlgorithmReference, MachineInfo, RecordedRun, ReferenceFile } from "./reference.js";

/** The record of one run kept in a reference file. */
export function recordRun(run: LinuxRun, seed: number): RecordedRun {
  const last = run.rows[run.rows.length - 1];
  return {
    seed,
    totalRetrans: last?.totalRetrans ?? 0,
    goodputMbps: Math.round((((last?.bytesAcked ?? 0) * 8) / run.seconds / 1e6) * 1000) / 1000,
    bottleneckDrops: run.bottleneck.drops,
    delayLineLateMeanUs: run.delayLine.lateMeanUs,
    delayLineLateMaxUs: run.delayLine.lateMaxUs,
    ...(run.delayLine.dropSeqs !== undefined ? { dropSeqs: run.delayLine.dropSeqs } : {}),
    ...(run.delayLine.lateHist !== undefined ? { delayLineLateHist: run.delayLine.lateHist } : {}),
    srttMedianUs: medianOf(run.rows.filter((r) => r.tUs >= 1e6).map((r) => r.rttUs)),
    trace: encodeTrace(run.trace),
  };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
}

function fmtMetrics(m: MetricValues): string {
  return METRIC_NAMES.map((k) => `${k}=${m[k] === null ? "-" : Number((m[k] as number).toFixed(3))}`).join(" ");
}

export function machineInfo(): MachineInfo {
  const uname = spawnSync("uname", ["-srvm"], { encoding: "utf8" }).stdout.trim();
  return {
    kernel: uname,
    cpu: cpus()[0]?.model ?? "unknown",
    cpus: cpus().length,
    recordedAt: new Date().toISOString().slice(0, 10),
    note: process.env.FIDELITY_NOTE ?? "shared 2-vCPU VM; other jobs ran at the same time",
  };
}

async function record(tools: Tools, cfg: FidelityConfig, runs: number, algos: readonly Algorithm[]): Promise<ReferenceFile> {
  const algorithms: Partial<Record<Algorithm, AlgorithmReference>> = {};
  for (const cc of algos) {
    const recorded: RecordedRun[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runLinuxFlow(tools, cfg, cc, { seed: i + 1 });
      const rec = recordRun(r, i + 1);
      recorded.push(rec);
      console.log(`${cfg.name} ${cc} run ${i + 1}/${runs}: ${fmtMetrics(metricValues(cycleShape(r.trace)))} retrans=${rec.totalRetrans} goodput=${rec.goodputMbps}Mbit/s late=${rec.delayLineLateMeanUs}/${rec.delayLineLateMaxUs}us`);
    }
    algorithms[cc] = { runs: recorded };
  }
  return { config: cfg, machine: machineInfo(), algorithms };
}

/** Prints the spread of every metric of every recorded configuration (no root needed); `md`: as a markdown table. */
function summary(md: boolean): void {
  const f = (v: number): string => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));
  if (md) {
    console.log("| configuration | cc | runs | metric | median | min | max | sd | range / median |");
    console.log("|---|---|---|---|---|---|---|---|---|");
  }
  for (const cfg of CONFIGS) {
    for (const cc of ALGORITHMS) {
      let s;
      try {
        s = referenceSpread(cfg.name, cc);
      } catch (e) {
        console.log(`${cfg.name} ${cc}: ${(e as Error).message}`);
        continue;
      }
      if (!md) console.log(`${cfg.name} ${cc} (${s.runs.length} runs)`);
      for (const m of METRIC_NAMES) {
        const sp = s.spread[m];
        if (md) {
          const cells = sp === null ? ["-", "-", "-", "-", "-"] : [f(sp.median), f(sp.min), f(sp.max), f(sp.sd), `${(sp.relRange * 100).toFixed(1)} %`];
          console.log(`| ${cfg.name} | ${cc} | ${s.runs.length} | ${m} | ${cells.join(" | ")} |`);
        } else if (sp === null) console.log(`  ${m.padEnd(17)} -`);
        else {
          console.log(`  ${m.padEnd(17)} median ${f(sp.median).padStart(7)}  min ${f(sp.min).padStart(7)}  max ${f(sp.max).padStart(7)}  sd ${f(sp.sd).padStart(6)}  range/median ${(sp.relRange * 100).toFixed(1)}%`);
        }
      }
    }
  }
}

/**
 * The model's side of the spread: the configuration's scenario file (as `structops run` reads it, with
 * `algorithm` set to `cc`) with seeds 1..runs, each seed's metrics, and the medians over the seeds against
 * the medians over Linux's recorded runs. A single run's period varies by several per cent in both, so
 * medians over many seeds and runs are what can be compared at 2 % (docs/fidelity.md).
 */
function model(cfg: FidelityConfig, cc: Algorithm, runs: number): void {
  const file = `${cfg.name}.yaml`;
  const text = scenarioText(file).replace("algorithm: reno", `algorithm: ${cc}`);
  const per: MetricValues[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const { records } = runYaml(text, file, seed);
    const v = metricValues(cycleShape(simTrace(records)));
    per.push(v);
    console.log(`seed ${seed}: ${METRIC_NAMES.map((m) => `${m}=${v[m] === null ? "-" : Number((v[m] as number).toFixed(4))}`).join(" ")}`);
  }
  const linux = referenceSpread(cfg.name, cc);
  console.log(`${cfg.name} ${cc}: median over ${runs} seeds against Linux's median over ${linux.runs.length} runs`);
  for (const m of METRIC_NAMES) {
    const ours = spreadOf(per.map((v) => v[m]));
    const theirs = linux.spread[m];
    if (ours === null || theirs === null) continue;
    const rel = theirs.median === 0 ? 0 : (ours.median / theirs.median - 1) * 100;
    console.log(`  ${m.padEnd(17)} model ${ours.median.toFixed(3).padStart(9)}  Linux ${theirs.median.toFixed(3).padStart(9)}  ${rel >= 0 ? "+" : ""}${rel.toFixed(1)} %`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: "string" },
      cc: { type: "string" },
      seconds: { type: "string" },
      seed: { type: "string" },
      csv: { type: "string" },
      runs: { type: "string" },
      md: { type: "boolean" },
    },
  });
  const cmd = positionals[0];
  if (cmd === "commands") {
    const cfg = configByName(values.config ?? (CONFIGS[0] as FidelityConfig).name);
    const n = { sender: "fid-s", router: "fid-m", receiver: "fid-r" };
    for (const c of topologyCommands(n, cfg)) console.log(c.join(" "));
    console.log(`# delayline --netns /run/netns/fid-m --dev dl0 --fwd-delay-us ${(cfg.rttMs * 500) | 0} --rev-delay-us ${(cfg.rttMs * 500) | 0} --rev-net 10.201.1.0/24 &`);
    for (const c of delayRouteCommands(n)) console.log(c.join(" "));
    return;
  }
  if (cmd === "summary") {
    summary(values.md === true);
    return;
  }
  if (cmd === "model") {
    const runs = Number(values.runs ?? "10");
    if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, not '${values.runs}'`);
    model(configByName(values.config ?? (CONFIGS[0] as FidelityConfig).name), (values.cc ?? "cubic") as Algorithm, runs);
    return;
  }
  if (cmd !== "run" && cmd !== "record") {
    console.error("usage: fidelity-cli.ts commands|run|record|summary|model [--config NAME] [--cc reno|cubic] [--seconds S] [--csv FILE] [--runs N]");
    process.exit(2);
  }
  const probe = probeLinux();
  if (!probe.ok) {
    console.error(`fidelity: cannot run the Linux side here: ${probe.reason}`);
    process.exit(1);
  }
  const tools = buildTools();
  try {
    if (cmd === "run") {
      const cfg = configByName(values.config ?? (CONFIGS[0] as FidelityConfig).name);
      const cc = values.cc ?? "reno";
      const r = await runLinuxFlow(tools, cfg, cc, {
        ...(values.seconds !== undefined ? { seconds: Number(values.seconds) } : {}),
        ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
      });
      if (values.csv !== undefined) {
        writeFileSync(values.csv, ["tS,cwnd,ssthresh,caState,rttUs", ...r.rows.map((x) => `${x.tUs / 1e6},${x.cwnd},${x.ssthresh},${x.caState},${x.rttUs}`)].join("\n") + "\n");
      }
      const shape = cycleShape(r.trace);
      console.log(fmtMetrics(metricValues(shape)));
      console.log(JSON.stringify({ bottleneck: r.bottleneck, delayLine: r.delayLine }));
      console.log("reductions:", shape.reductions.map((x) => `${x.tS.toFixed(3)}s ${x.cwndBefore}->${x.cwndAfter}`).join("  "));
      return;
    }
    const runs = Number(values.runs ?? "5");
    const cfgs = values.config !== undefined ? [configByName(values.config)] : CONFIGS;
    const algos = values.cc !== undefined ? (values.cc.split(",") as Algorithm[]) : ALGORITHMS;
    for (const cfg of cfgs) {
      const ref = await record(tools, cfg, runs, algos);
      let merged = ref;
      if (values.cc !== undefined) {
        // Recording a subset of algorithms keeps the others already on file.
        try {
          const old = JSON.parse(readFileSync(referencePath(cfg.name), "utf8")) as ReferenceFile;
          const algorithms: Partial<Record<Algorithm, AlgorithmReference>> = { ...old.algorithms, ...ref.algorithms };
          // An algorithm re-recorded keeps its earlier same-seed repeats (they measure Linux against itself).
          for (const cc of algos) {
            const repeats = old.algorithms[cc]?.repeats;
            const fresh = ref.algorithms[cc];
            if (repeats !== undefined && fresh !== undefined) algorithms[cc] = { ...fresh, repeats };
          }
          merged = { ...old, ...ref, algorithms };
        } catch {
          /* no previous file */
        }
      }
      writeFileSync(referencePath(cfg.name), JSON.stringify(merged) + "\n");
      console.log(`wrote ${referencePath(cfg.name)}`);
    }
  } finally {
    tools.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`fidelity: ${(e as Error).message}`);
    process.exit(1);
  });
}
