/**
 * @fileoverview Runs a scenario file the way `structops run` does (parse and
 * validate the YAML, build the network, boot the emulated kernel, run the
 * testbed, write the outputs) and keeps the trace records for the fidelity
 * metrics. Only the output folder is temporary; nothing else differs from
 * the command a user types.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { runScenario } from "../../src/cli/run/run-scenario.js";
import { runTestbed } from "../../src/testbed/index.js";
import type { FlowSampleRecord, RunResult, TraceRecord } from "../../src/sim/api.js";

export const SCENARIO_DIR = join(new URL(".", import.meta.url).pathname, "scenarios");

/** A scenario file's text (from test/fidelity/scenarios/ when not a path). */
export function scenarioText(name: string): string {
  return readFileSync(name.includes("/") ? name : join(SCENARIO_DIR, name), "utf8");
}

/** Runs `text` (the file `file`) with `seed`; returns the records and the result. */
export function runYaml(text: string, file: string, seed?: number): { records: TraceRecord[]; result: RunResult } {
  const scenario = parseScenario(text, file);
  const out = mkdtempSync(join(tmpdir(), "structops-fid-"));
  const records: TraceRecord[] = [];
  try {
    const run = runScenario(scenario, join(SCENARIO_DIR, file), {
      outDir: out,
      ...(seed !== undefined ? { seed } : {}),
      runTestbed: (spec, o) => runTestbed(spec, { ...o, onRecord: (r) => (o.onRecord?.(r), records.push(r)) }),
    });
    return { records, result: run.result };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A flow's samples. */
export function flowSamples(records: readonly TraceRecord[], flow: string): FlowSampleRecord[] {
  return records.filter((r): r is FlowSampleRecord => r.type === "flow" && r.flow === flow);
}

/** Adds `drops: { <key>: [...] }` to the scenario's (single-line) flow `id`. */
export function withDrops(text: string, id: string, key: "segments" | "seqs", list: readonly number[]): string {
  const re = new RegExp(`(- \\{ id: ${id},[^}\\n]*)\\}`);
  if (!re.test(text)) throw new RangeError(`no one-line flow '${id}' in the scenario`);
  return text.replace(re, `$1, drops: { ${key}: [${list.join(", ")}] } }`);
}
