/**
 * @fileoverview `structops demo`: the main job out of the box. On the
 * emulated kernel it opens a clang-built BPF object (test/fixtures/demo.bpf.c,
 * built against Linux 6.18's vmlinux.h) through the library, registers
 * version 1 of its congestion control "demo_cc" with attachStructOps (a
 * bpf_link), starts flows over a 20 Mbit/s bottleneck, swaps the name to
 * version 2 mid-run with BpfLink.updateMap (BPF_LINK_UPDATE), starts more
 * flows, and writes the report. Then it explains in one paragraph which flows
 * ran which version and why, with two pieces of evidence measured in the
 * run: the β each flow's ssthresh hook applied, and the object's own
 * per-version init counters (.bss globals read back through the library).
 *
 * The demo's scenario is the YAML below, written next to the report with a
 * copy of the object, so `structops run <out>/demo.yaml` repeats it exactly.
 */
import { readFileSync } from "node:fs";
import { errnoValue, formatErrno } from "../uapi/errno.js";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { explainRun } from "../report/explain.js";
import type { CliIo } from "./io.js";
import { formatRun, runWithIo } from "./run.js";
import { parseScenario } from "./scenario/load.js";
import type { EngineChoice, ScenarioRun, TestbedRunner } from "./run/run-scenario.js";
import { runOutputFiles, writeOutput } from "./run/output.js";
import { describeFailure } from "./errors.js";
import { prepareOutputDir } from "./out-dir.js";

/**
 * The bundled object: two `.struct_ops.link` maps, demo_v1 and demo_v2, both
 * named "demo_cc". assets/ ships in the package; test/fixtures/build.sh
 * writes this copy and test/fixtures/fixtures.test.ts checks it is the fixture.
 */
export const DEMO_OBJECT = fileURLToPath(new URL("../../assets/demo.linux.bpf.o", import.meta.url));

/** The demo's scenario (docs/scenarios.md describes the format). */
export const DEMO_SCENARIO = `# structops demo: a live swap of a BPF congestion control under running flows.
name: demo
description: >-
  demo.bpf.o holds two versions of one congestion control, both named
  demo_cc: demo_v1 (Reno: beta 1/2, +1 packet per RTT) and demo_v2 (beta
  0.7, +2 packets per RTT). Version 1 is registered through a bpf_link; two
  flows start on it. At 10 s BPF_LINK_UPDATE swaps the link to version 2;
  two more flows start after the swap.
seed: 1
duration: 20s

topology:
  bottleneck:
    rate: 20mbit
    delay: 10ms
    queue: { kind: droptail, packets: 60 }

objects:
  - name: demo
    path: demo.bpf.o   # test/fixtures/demo.bpf.c built by clang against Linux 6.18's vmlinux.h

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
  - { at: 0s, do: attach, map: demo/demo_v1, link: cc }
  - { at: 10s, do: update, link: cc, map: demo/demo_v2 }

outputs:
  format: csv
  sample: 10ms
  hooks: events
`;


/** A .bss counter of the demo object after the run, or undefined when the object is not there. */
function counter(run: Omit<ScenarioRun, "files" | "explanation">, name: string): bigint | undefined {
  try {
    return run.kernel.object("demo")?.variable(name).getBigInt();
  } catch {
    return undefined;
  }
}

/** The paragraph: the run's own explanation (explainRun), plus the object's per-version counters. */
export function explainDemo(run: Omit<ScenarioRun, "files" | "explanation">): string {
  const c1 = counter(run, "demo_v1_inits");
  const c2 = counter(run, "demo_v2_inits");
  const sockets = (n: bigint): string => `${n} socket${n === 1n ? "" : "s"}`;
  return [
    explainRun(run.summary, run.outcomes, run.scenario.durationNs),
    ...(c1 !== undefined && c2 !== undefined
      ? [`The object's own counters agree: demo_v1's init ran for ${sockets(c1)} and demo_v2's for ${sockets(c2)} (.bss demo_v1_inits, demo_v2_inits).`]
      : []),
    "To move the old flows to version 2 too, a scenario adds a setsockopt action; demo_v1's ops stay alive as long as a socket still runs them.",
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
  let object: Uint8Array;
  try {
    object = readFileSync(DEMO_OBJECT);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const errno = code === undefined ? undefined : errnoValue(code);
    io.stderr(`structops: the demo's BPF object cannot be read (${errno === undefined ? (e as Error).message : formatErrno(errno)}): ${DEMO_OBJECT}; rebuild it with test/fixtures/build.sh (in a checkout) or reinstall the package\n`);
    return 1;
  }
  // The scenario and its object go next to the report first: the scenario names the object relative to itself.
  // The folder is checked for every file of the run before anything is written.
  let objectFile: string;
  let scenarioFile: string;
  try {
    prepareOutputDir(o.out, ["demo.bpf.o", "demo.yaml", ...runOutputFiles("csv", true)]);
    objectFile = writeOutput(o.out, "demo.bpf.o", object);
    scenarioFile = writeOutput(o.out, "demo.yaml", DEMO_SCENARIO);
  } catch (e) {
    io.stderr(`${describeFailure(e)}\n`);
    return 1;
  }
  const scenario = parseScenario(DEMO_SCENARIO, scenarioFile);
  const run = await runWithIo(scenario, scenarioFile, {
    outDir: o.out,
    engine: o.engine,
    progress: o.progress,
    title: "structops demo: a live BPF congestion-control swap",
    explain: explainDemo,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(runTestbed !== undefined ? { runTestbed } : {}),
  }, io);
  if (typeof run === "number") return run;
  io.stdout(formatRun({ ...run, files: [...run.files, scenarioFile, objectFile] }));
  io.stdout(`\nThe report is ${resolve(o.out, "report.html")}: open it in a browser to see the plots.\n`);
  return 0;
}
