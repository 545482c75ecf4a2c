/**
 * @fileoverview `structops demo`: the main job out of the box. On the
 * emulated kernel it loads two versions of one BPF congestion control
 * ("demo_cc": Reno with β = 0.5, then with β = 0.7), registers version 1
 * through a bpf_link, starts flows over a 20 Mbit/s bottleneck, swaps the
 * name to version 2 mid-run with BPF_LINK_UPDATE, starts more flows, and
 * writes the report. Then it explains in one paragraph which flows ran which
 * version and why, with the β each flow's ssthresh hook actually applied as
 * the evidence.
 *
 * The demo's scenario is the YAML below (also written next to the report),
 * so what the demo does is exactly what `structops run` would do with it.
 */
import { join } from "node:path";
import type { CliIo } from "./io.js";
import { formatRun, runWithIo } from "./run.js";
import { parseScenario } from "./scenario/load.js";
import type { EngineChoice, ScenarioRun, TestbedRunner } from "./run/run-scenario.js";
import { writeOutput } from "./run/output.js";

/** The demo's scenario (docs/scenarios.md describes the format). */
export const DEMO_SCENARIO = `# structops demo: a live swap of a BPF congestion control under running flows.
name: demo
description: >-
  Version 1 of demo_cc (Reno, beta 0.5) is registered through a bpf_link; two
  flows start on it. At 10 s BPF_LINK_UPDATE swaps the name to version 2
  (Reno, beta 0.7); two more flows start after the swap.
seed: 1
duration: 20s

topology:
  bottleneck:
    rate: 20mbit
    delay: 10ms
    queue: { kind: droptail, packets: 60 }

objects:
  - name: demo_v1
    bytecode: reno
    ca_name: demo_cc
    beta: 0.5
  - name: demo_v2
    bytecode: reno
    ca_name: demo_cc
    beta: 0.7

flows:
  - id: old
    count: 2
    start: 100ms
    stagger: 300ms
    algorithm: demo_cc
  - id: new
    count: 2
    start: 11s
    stagger: 300ms
    algorithm: demo_cc

actions:
  - { at: 0s, do: attach, map: demo_v1, link: cc }
  - { at: 10s, do: update, link: cc, map: demo_v2 }

outputs:
  format: csv
  sample: 10ms
  hooks: events
`;

const list = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1] as string}`;
const secs = (ns: number): string => `${Number((ns / 1e9).toFixed(2))} s`;

/** The paragraph: who runs what, and why, from the run's own records. */
export function explainDemo(run: Omit<ScenarioRun, "files" | "explanation">): string {
  const byMap = new Map<string, string[]>();
  for (const f of run.summary.flows) {
    const label = run.flowLabels.get(f.id) ?? f.ccEnd;
    const m = /\((.*)\)$/.exec(label);
    const key = m?.[1] ?? label;
    byMap.set(key, [...(byMap.get(key) ?? []), f.id]);
  }
  const beta = (ids: readonly string[]): string => {
    const bs = ids.map((id) => run.summary.flows.find((f) => f.id === id)?.beta).filter((b): b is number => typeof b === "number");
    return bs.length === 0 ? "no loss yet, so no reduction was measured" : `measured β ${bs.map((b) => b.toFixed(2)).join(", ")}`;
  };
  const attach = run.outcomes.find((o) => o.label.startsWith("attach") && o.ok);
  const update = run.outcomes.find((o) => o.label.startsWith("update") && o.ok);
  const v1 = byMap.get("demo_v1") ?? [];
  const v2 = byMap.get("demo_v2") ?? [];
  const startOf = (id: string): number => run.summary.flows.find((f) => f.id === id)?.startNs ?? 0;
  if (attach === undefined || update === undefined) {
    return `The swap did not happen as planned: ${run.outcomes.map((o) => `${o.label}: ${o.detail}`).join("; ")}.`;
  }
  return [
    `At ${secs(attach.tNs)} a bpf_link registered version 1 of demo_cc (struct_ops map demo_v1: Reno with β = 0.5), and ${list(v1)}`,
    `picked demo_cc with setsockopt(TCP_CONGESTION) when they started (${list(v1.map((id) => secs(startOf(id))))}), so each of their sockets`,
    `took a reference on demo_v1's ops. At ${secs(update.tNs)} BPF_LINK_UPDATE put demo_v2 (Reno with β = 0.7) behind the same link and the same name:`,
    `the kernel only changes what the name demo_cc means for sockets that choose it from then on, and never touches a socket's ops under it,`,
    `so ${list(v1)} kept running version 1 until the end (${beta(v1)}), while ${list(v2)}, started after the swap`,
    `(${list(v2.map((id) => secs(startOf(id))))}), got version 2 (${beta(v2)}). To move the old flows too, a scenario adds a setsockopt action;`,
    `the link's old map is freed once its last socket lets go.`,
  ].join(" ");
}

/** Options of `structops demo` as commander parses them. */
export interface DemoCliOptions {
  readonly out: string;
  readonly seed?: number;
  readonly engine: EngineChoice;
  readonly progress: boolean;
}

/** `structops demo`: returns the exit status. */
export async function demoMain(o: DemoCliOptions, io: CliIo, runTestbed?: TestbedRunner): Promise<number> {
  const scenario = parseScenario(DEMO_SCENARIO, "demo.yaml");
  const run = await runWithIo(scenario, join(o.out, "demo.yaml"), {
    outDir: o.out,
    engine: o.engine,
    progress: o.progress,
    title: "structops demo: a live BPF congestion-control swap",
    explain: explainDemo,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(runTestbed !== undefined ? { runTestbed } : {}),
  }, io);
  if (typeof run === "number") return run;
  const scenarioFile = writeOutput(o.out, "demo.yaml", DEMO_SCENARIO);
  io.stdout(formatRun({ ...run, files: [...run.files, scenarioFile] }));
  io.stdout(`\nopen ${join(o.out, "report.html")} in a browser to see the plots.\n`);
  return 0;
}
