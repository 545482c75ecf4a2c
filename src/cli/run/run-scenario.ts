/**
 * @fileoverview Runs a validated scenario on the testbed (src/testbed: the
 * simulator composed with an emulated kernel) and writes its outputs: trace
 * files, summary files and the HTML report. The steps are those a user would
 * take on Linux: boot, load the objects, set the default CC, then let timed
 * actions register, update and detach struct_ops links and move flows while
 * the simulated flows run.
 *
 * Outputs are byte-identical for the same scenario, seed and options: no
 * wall clock, no absolute paths, no engine name in any file (the interpreter
 * and the JIT must give the same bytes).
 */
import { basename, dirname } from "node:path";
import type { RunResult, TraceRecord } from "../../sim/api.js";
import type { TestbedOptions, TestbedSpec } from "../../testbed/api.js";
import { EmulatedKernel } from "../../lib/kernel.js";
import type { ProgFaultCount } from "../../lib/kernel.js";
import type { EngineName } from "../../lib/engine.js";
import { ENGINE_NAMES, isEngineName } from "../../lib/engine.js";
import { RunCollector } from "../../report/collect.js";
import { explainRun } from "../../report/explain.js";
import { renderReport } from "../../report/html.js";
import { formatSummary, summarize, timelineText } from "../../report/summary.js";
import type { Summary } from "../../report/summary.js";
import type { Scenario, TraceFormat } from "../scenario/types.js";
import { ccRefusal } from "../../sim/index.js";
import { availableCongestion, ScenarioKernel } from "./kernel-actions.js";
import type { ActionOutcome } from "./kernel-actions.js";
import type { Progress } from "./progress.js";
import { iterateFiles, runOutputFiles, snapshotFiles, TraceFiles, writeOutput } from "./output.js";
import { prepareOutputDir } from "../out-dir.js";
import { CliUserError } from "../errors.js";
import { simTopology } from "./topology.js";
import { estimateRun, overBudget } from "./estimate.js";
import type { RunEstimate } from "./estimate.js";
import { DEFAULT_MAX_EVENTS, DEFAULT_MAX_OUTPUT_BYTES, MAX_OBJECT_BYTES, MAX_TRACE_BYTES } from "../scenario/limits.js";

/** The testbed entry point (injected so tests can pass a fake). */
export type TestbedRunner = (spec: TestbedSpec, opts: TestbedOptions) => RunResult;

/** Engine choice on the command line. */
export type EngineChoice = "interp" | "jit" | "auto";

/** Limits of one run (defaults in ../scenario/limits.ts); the CLI's --max-events, --max-output and --max-input-size. */
export interface RunLimits {
  /** Budget of simulator events, checked against the estimate before the run. */
  readonly maxEvents?: number;
  /** Budget of trace bytes, checked against the estimate before the run. */
  readonly maxOutputBytes?: number;
  /** Largest trace or BPF object file read (default: limits.ts's per-kind limits). */
  readonly maxInputBytes?: number;
}

/** A run refused before it starts because its estimate is above the budget; the message has the figures and the options to raise it. */
export class RunBudgetError extends CliUserError {
  constructor(
    file: string,
    reasons: readonly string[],
    readonly estimate: RunEstimate,
  ) {
    super(reasons.map((r) => `${file}: ${r}`).join("\n"));
  }
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  readonly runTestbed: TestbedRunner;
  readonly outDir: string;
  readonly engine?: EngineChoice;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Overrides the scenario's trace format. */
  readonly format?: TraceFormat;
  readonly progress?: Progress;
  /** Report title (default "structops run: <name>"). */
  readonly title?: string;
  /** Budgets and input size limits (defaults: ../scenario/limits.ts). */
  readonly limits?: RunLimits;
  /** Builds the paragraph for the report from the finished run (default: explainRun's). */
  readonly explain?: (run: Omit<ScenarioRun, "files" | "explanation">) => string;
}

/** What a run produced. */
export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly seed: number;
  /** The engine of the emulated kernel's programs, or "linux" for a run on this machine's kernel (`run --linux`). */
  readonly engine: EngineName | "linux";
  readonly result: RunResult;
  readonly summary: Summary;
  readonly collector: RunCollector;
  readonly outcomes: readonly ActionOutcome[];
  /** Per flow: the algorithm name and, for scenario-registered struct_ops, the map it runs ("demo_cc (demo_v1)"). */
  readonly flowLabels: ReadonlyMap<string, string>;
  /** The scenario's objects in the kernel after the run (`object(name)` gives a loaded `path:` object, to read its globals). */
  readonly kernel: ScenarioKernel;
  readonly explanation?: string;
  /** Programs that faulted during the run (each fault ended that run with 0): empty for a clean run. */
  readonly progFaults: readonly ProgFaultCount[];
  /** Files written, in a fixed order. */
  readonly files: readonly string[];
}

/**
 * Picks the engine; "auto" falls back to the interpreter in a build without it.
 * @throws {CliUserError} when the engine does not exist in this build
 */
export function resolveEngine(choice: EngineChoice): EngineName {
  if (isEngineName(choice)) return choice;
  if (choice === "auto") return ENGINE_NAMES[0] as EngineName;
  throw new CliUserError(`engine '${choice}' is not available in this build: choose one of ${ENGINE_NAMES.join(", ")}`);
}

/** The label of algorithm `cc` picked at `tNs`: with the struct_ops map registered under it then, when the scenario registered one. */
function labelAt(sk: ScenarioKernel): (cc: string, tNs: number) => string {
  return (cc, tNs) => {
    const map = sk.mapAt(cc, tNs);
    return map === null ? cc : `${cc} (${map})`;
  };
}

/** The path's capacity: the slowest router-to-router link, or null when one follows a capacity trace. */
function capacityOf(s: Scenario): number | null {
  const chain = [s.topology.bottleneck, ...s.topology.hops];
  return chain.some((l) => l.tracePath !== undefined) ? null : Math.min(...chain.map((l) => l.rateBps));
}

/** One faulted program as the terminal and the report show it: `prog "cc_ack" (id 7): 17868 faults in 20000 runs; first: ...`. */
export function faultLine(f: ProgFaultCount): string {
  const what = f.first.message.replace(/^prog "[^"]*": /, "");
  return `prog "${f.name}" (id ${f.id}): ${f.faults} fault${f.faults === 1 ? "" : "s"} (${f.runs} runs completed); first at insn ${f.first.insn}: ${what}`;
}

/**
 * Runs `scenario` and writes its outputs to `opts.outDir`.
 * @param scenarioPath the file it came from (relative paths in it start from its folder)
 * @throws {ScenarioError} for problems found while loading objects or traces; OutputPathError for an unusable output folder
 * @throws {RunBudgetError} when the run's estimate is above its budget (opts.limits)
 */
export function runScenario(scenario: Scenario, scenarioPath: string, opts: RunScenarioOptions): ScenarioRun {
  const engine = resolveEngine(opts.engine ?? "auto");
  const seed = opts.seed ?? scenario.seed;
  const format = opts.format ?? scenario.outputs.format;
  const limits = opts.limits ?? {};
  // The network first (traces read, bounded): the estimate needs it, and a run over budget loads and creates nothing.
  const { topology, flows } = simTopology(scenario, dirname(scenarioPath), limits.maxInputBytes ?? MAX_TRACE_BYTES);
  const estimate = estimateRun(scenario, topology);
  const over = overBudget(scenario, estimate, {
    maxEvents: limits.maxEvents ?? DEFAULT_MAX_EVENTS, maxOutputBytes: limits.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  });
  if (over.length > 0) throw new RunBudgetError(scenario.source.file, over, estimate);
  // The output folder is checked (and created) before anything runs: a bad --out costs nothing.
  const snapshotTimes = scenario.actions.filter((a) => a.kind === "snapshot").map((a) => a.atNs);
  const iterateTimes = scenario.actions.filter((a) => a.kind === "iterate").map((a) => a.atNs);
  prepareOutputDir(opts.outDir, runOutputFiles(format, scenario.outputs.report, snapshotTimes, iterateTimes));
  const ek = new EmulatedKernel({ engine, seed, ...(scenario.kernel !== undefined ? { tcpCong: scenario.kernel } : {}) });
  const p = ek.process("structops-run");
  const sk = ScenarioKernel.load(scenario, p, dirname(scenarioPath), limits.maxInputBytes ?? MAX_OBJECT_BYTES);
  if (scenario.defaultCc !== undefined) {
    const r = p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", `${scenario.defaultCc}\n`);
    if (r.errno !== 0) {
      throw new CliUserError(`default_cc: net.ipv4.tcp_congestion_control = ${scenario.defaultCc} at time 0: ${ccRefusal(r.errno, scenario.defaultCc, availableCongestion(p))}`);
    }
  }
  const collector = new RunCollector();
  const traces = new TraceFiles(opts.outDir, format);
  const onRecord = (rec: TraceRecord): void => {
    traces.add(rec);
    collector.add(rec);
  };
  let result: RunResult;
  try {
    result = opts.runTestbed(
      {
        topology, flows, durationNs: scenario.durationNs, actions: sk.simActions(),
        trace: { sampleIntervalNs: scenario.outputs.sampleNs, hooks: scenario.outputs.hooks, drops: scenario.outputs.drops, caStates: true },
      },
      {
        seed, kernel: ek, process: p, onRecord,
        ...(opts.progress !== undefined ? { onProgress: (now: number, dur: number) => opts.progress?.update(now, dur) } : {}),
      },
    );
  } finally {
    traces.close();
    opts.progress?.done();
  }
  return finishRun({ scenario, seed, engine, result, collector, sk, progFaults: ek.progFaults(), traces: traces.paths, outDir: opts.outDir,
    title: opts.title ?? `structops run: ${scenario.name}`, ...(opts.explain !== undefined ? { explain: opts.explain } : {}) });
}

/** A finished run's parts, for {@link finishRun}. */
export interface FinishedRun {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly engine: ScenarioRun["engine"];
  readonly result: RunResult;
  readonly collector: RunCollector;
  readonly sk: ScenarioKernel;
  readonly progFaults: readonly ProgFaultCount[];
  /** Trace files already written. */
  readonly traces: readonly string[];
  readonly outDir: string;
  readonly title: string;
  readonly explain?: RunScenarioOptions["explain"];
  /** Lines for the report's explanation after the generated paragraph (the Linux run's notes). */
  readonly notes?: readonly string[];
  /** The kernel a `run --linux` ran on ("Linux 6.18.44"), for the report. */
  readonly realKernel?: string;
}

/**
 * Summarises a finished run (simulated or on Linux) and writes its summary,
 * snapshot and report files next to its traces.
 */
export function finishRun(r: FinishedRun): ScenarioRun {
  const { scenario, seed, engine, result, collector, sk, progFaults } = r;
  // A flow runs the map registered under its algorithm's name when it started or was last moved by a setsockopt action.
  const summary = summarize(result, collector, {
    labelAt: labelAt(sk), moves: sk.moves, actionTimes: sk.outcomes.map((o) => o.tNs),
    ...(capacityOf(scenario) !== null ? { capacityBps: capacityOf(scenario) as number } : {}),
  });
  const labels = new Map(summary.flows.map((f) => [f.id, f.group]));
  const partial = { scenario, seed, engine, result, summary, collector, outcomes: sk.outcomes, flowLabels: labels, kernel: sk, progFaults };
  const generated = r.explain?.(partial) ?? explainRun(summary, sk.outcomes, scenario.durationNs);
  const explanation = [generated, ...(r.notes ?? [])].join("\n\n");
  const files = [...r.traces];
  files.push(writeOutput(r.outDir, "summary.txt", formatSummary(summary)));
  files.push(writeOutput(r.outDir, "summary.json", `${JSON.stringify(summary, null, 2)}\n`));
  const snapNames = snapshotFiles(sk.snapshots.map((s) => s.tNs));
  sk.snapshots.forEach((s, i) => files.push(writeOutput(r.outDir, snapNames[i] as string, `${JSON.stringify(s.snapshot, null, 2)}\n`)));
  const iterNames = iterateFiles(sk.iterations.map((s) => s.tNs));
  sk.iterations.forEach((s, i) => files.push(writeOutput(r.outDir, iterNames[i] as string, s.text)));
  if (scenario.outputs.report) {
    const html = renderReport({
      title: r.title,
      scenario: {
        name: scenario.name, file: basename(scenario.source.file), text: scenario.source.text,
        ...(scenario.description !== undefined ? { description: scenario.description } : {}),
      },
      seed, durationNs: scenario.durationNs, sampleNs: scenario.outputs.sampleNs, collector, summary,
      markers: sk.outcomes.map((o) => ({ tNs: o.tNs, label: o.label, detail: o.detail, status: o.ok ? "ok" : "error" })),
      flowLabel: (id) => {
        const f = summary.flows.find((x) => x.id === id);
        return `${id}: ${f === undefined ? "?" : timelineText(f)}`;
      },
      explanation,
      progFaults: progFaults.map(faultLine),
      ...(r.realKernel !== undefined ? { realKernel: r.realKernel } : {}),
    });
    files.push(writeOutput(r.outDir, "report.html", html));
  }
  return { ...partial, files, explanation };
}
