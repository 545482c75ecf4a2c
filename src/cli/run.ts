/**
 * @fileoverview `structops run <scenario>`: validates the scenario (errors
 * name the field and its line), runs it on the testbed, writes the traces,
 * the summary and the report, and prints what the actions did and the
 * summary table. Exit status 0 after a run, 1 for a bad scenario or a run
 * that could not start, 3 for a run in which a program faulted.
 */
import { join } from "node:path";
import { formatSummary } from "../report/summary.js";
import type { CliIo } from "./io.js";
import { describeFailure } from "./errors.js";
import { loadScenarioFile } from "./scenario/load.js";
import { MAX_SCENARIO_BYTES } from "./scenario/limits.js";
import type { Scenario, TraceFormat } from "./scenario/types.js";
import { progressBar } from "./run/progress.js";
import { faultLine, runScenario } from "./run/run-scenario.js";
import type { EngineChoice, RunScenarioOptions, ScenarioRun, TestbedRunner } from "./run/run-scenario.js";
import { loadTestbed } from "./run/testbed.js";

/** Options of `structops run` as commander parses them. */
export interface RunCliOptions {
  readonly seed?: number;
  readonly engine: EngineChoice;
  readonly out?: string;
  readonly format?: TraceFormat;
  readonly progress: boolean;
  /** Budget of simulator events (--max-events). */
  readonly maxEvents?: number;
  /** Budget of trace bytes (--max-output). */
  readonly maxOutput?: number;
  /** Largest input file read (--max-input-size). */
  readonly maxInputSize?: number;
  /** Run on this machine's kernel (--linux). */
  readonly linux?: boolean;
}

/** Formats what happened for the terminal: the header, the actions, the summary, the files. */
export function formatRun(run: ScenarioRun): string {
  const s = run.scenario;
  const lines = [
    run.engine === "linux"
      ? `structops run --linux: ${s.name} (seed ${run.seed} for the delay line's losses, ${s.durationNs / 1e9} s on this machine's kernel, ${run.summary.flows.length} flows)`
      : `structops run: ${s.name} (seed ${run.seed}, engine ${run.engine}, ${s.durationNs / 1e9} s simulated, ${run.summary.flows.length} flows, ${run.result.events} events)`,
  ];
  if (run.outcomes.length > 0) {
    lines.push("", "actions:");
    for (const o of run.outcomes) lines.push(`  ${(o.tNs / 1e9).toFixed(3).padStart(8)} s  ${o.ok ? "" : "FAILED "}${o.label}: ${o.detail}`);
  }
  if (run.progFaults.length > 0) {
    lines.push("", "program faults (each fault ended that run and the hook saw 0):");
    for (const f of run.progFaults) lines.push(`  ${faultLine(f)}`);
  }
  lines.push("", formatSummary(run.summary).trimEnd());
  if (run.explanation !== undefined) lines.push("", run.explanation);
  lines.push("", `wrote ${run.files.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** Runs a loaded scenario with CLI error handling; the shared part of `run` and `demo`. */
export async function runWithIo(
  scenario: Scenario, file: string, opts: Omit<RunScenarioOptions, "runTestbed" | "progress"> & { progress: boolean; runTestbed?: TestbedRunner }, io: CliIo,
): Promise<ScenarioRun | number> {
  const runner = opts.runTestbed ?? (await loadTestbed());
  if (typeof runner === "string") {
    io.stderr(`structops: ${runner}\n`);
    return 1;
  }
  try {
    return runScenario(scenario, file, { ...opts, runTestbed: runner, progress: progressBar(io.progress, scenario.name, opts.progress) });
  } catch (e) {
    // A flow whose socket calls fail is the scenario's: name the flow's line. Other user errors are one line; a bug shows its stack.
    if (e instanceof Error && e.name === "FlowError") {
      const id = (e as Error & { flow?: unknown }).flow;
      const f = scenario.flows.find((x) => x.id === id);
      if (f !== undefined) {
        io.stderr(`structops: ${scenario.source.file}:${f.pos.line}:${f.pos.col}: ${e.message}\n`);
        return 1;
      }
    }
    io.stderr(`${describeFailure(e)}\n`);
    return 1;
  }
}

/** Exit status of a run in which a BPF program faulted. */
export const RUN_FAULTED_EXIT = 3;

/** `structops run --linux`: the scenario on this machine's kernel; returns the exit status. */
async function runLinuxMain(scenario: Scenario, file: string, o: RunCliOptions, io: CliIo): Promise<number> {
  const { runLinuxScenario } = await import("./run/linux-run.js");
  let run;
  try {
    run = await runLinuxScenario(scenario, file, {
      outDir: o.out ?? join("structops-out", `${scenario.name}-linux`),
      progress: progressBar(io.progress, scenario.name, o.progress),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.format !== undefined ? { format: o.format } : {}),
      ...(o.maxInputSize !== undefined ? { maxInputBytes: o.maxInputSize } : {}),
    });
  } catch (e) {
    // A flow whose sender failed is the scenario's: name the flow's line.
    const id = (e as Error & { flow?: unknown }).flow;
    const f = scenario.flows.find((x) => x.id === id);
    if (f !== undefined) {
      io.stderr(`structops: ${scenario.source.file}:${f.pos.line}:${f.pos.col}: ${(e as Error).message}\n`);
      return 1;
    }
    if (e instanceof Error && (e.name === "ScenarioError" || e.name === "TestbedError")) {
      io.stderr(`${e.message.replace(/^/gm, "structops: ")}\n`);
      return 1;
    }
    io.stderr(`${describeFailure(e)}\n`);
    return 1;
  }
  io.stdout(formatRun(run));
  for (const f of run.outcomes.filter((x) => !x.ok)) io.stderr(`structops: action at ${f.tNs / 1e9} s failed: ${f.label}: ${f.detail}\n`);
  return 0;
}

/** `structops run`: returns the exit status. */
export async function runMain(file: string, o: RunCliOptions, io: CliIo, runTestbed?: TestbedRunner): Promise<number> {
  let scenario: Scenario;
  try {
    scenario = loadScenarioFile(file, o.maxInputSize ?? MAX_SCENARIO_BYTES);
  } catch (e) {
    io.stderr(`${(e as Error).message.replace(/^/gm, "structops: ")}\n`);
    return 1;
  }
  if (o.linux === true) return runLinuxMain(scenario, file, o, io);
  const run = await runWithIo(scenario, file, {
    outDir: o.out ?? join("structops-out", scenario.name),
    engine: o.engine,
    progress: o.progress,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(runTestbed !== undefined ? { runTestbed } : {}),
    limits: {
      ...(o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}),
      ...(o.maxOutput !== undefined ? { maxOutputBytes: o.maxOutput } : {}),
      ...(o.maxInputSize !== undefined ? { maxInputBytes: o.maxInputSize } : {}),
    },
  }, io);
  if (typeof run === "number") return run;
  io.stdout(formatRun(run));
  for (const f of run.outcomes.filter((x) => !x.ok)) io.stderr(`structops: action at ${f.tNs / 1e9} s failed: ${f.label}: ${f.detail}\n`);
  for (const f of run.progFaults) io.stderr(`structops: ${faultLine(f)}\n`);
  return run.progFaults.length > 0 ? RUN_FAULTED_EXIT : 0;
}
