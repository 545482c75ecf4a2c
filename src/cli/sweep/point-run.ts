/**
 * @fileoverview Runs one sweep point in its folder (points/<id>/): reads its
 * scenario.yaml, runs it exactly as `structops run` would (the same runner,
 * src/cli/run/run-scenario.ts, so the folder holds the same traces, summary
 * and report), computes the point's table rows (src/sweep/metrics.ts) and
 * writes result.json last, by rename, so a result.json on disk always
 * belongs to a finished point: that is what a resumed sweep skips. A point
 * that fails gets a result.json with its error, without absolute paths, so
 * the bytes do not depend on where the sweep's folder is.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { GroupMetrics } from "../../sweep/metrics.js";
import { pointMetrics } from "../../sweep/metrics.js";
import { userMessage } from "../errors.js";
import { parseScenario } from "../scenario/load.js";
import type { EngineChoice, RunLimits, TestbedRunner } from "../run/run-scenario.js";
import { runScenario } from "../run/run-scenario.js";

/** A point to run: its folder (holding scenario.yaml), engine and limits. */
export interface PointTask {
  readonly id: string;
  readonly dir: string;
  readonly engine: EngineChoice;
  readonly limits: RunLimits;
}

/** What result.json holds. */
export interface PointResult {
  readonly id: string;
  readonly status: "ok" | "failed";
  readonly error?: string;
  readonly rows: readonly GroupMetrics[];
}

/** The file name of a point's result. */
export const RESULT_FILE = "result.json";

/** Writes a point's result.json atomically (a temporary file, then rename). */
export function writeResult(dir: string, r: PointResult): void {
  const tmp = join(dir, `.${RESULT_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(tmp, join(dir, RESULT_FILE));
}

/** A point's result.json if it is there, complete and for `id`; undefined otherwise. */
export function readResult(dir: string, id: string): PointResult | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, RESULT_FILE), "utf8")) as PointResult;
    return r.id === id && (r.status === "ok" || r.status === "failed") && Array.isArray(r.rows) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The message of a failed point, first line of a bug's stack included, with the folder's absolute path removed. */
function failureText(e: unknown, dir: string): string {
  const m = userMessage(e) ?? `internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  return m.split(resolve(dir)).join(".").split(dir).join(".").replace(/^structops: /, "");
}

/** Runs the point and writes its outputs and result.json; never throws for a failing point. */
export function runPoint(task: PointTask, runTestbed: TestbedRunner): PointResult {
  let result: PointResult;
  try {
    const file = join(task.dir, "scenario.yaml");
    const scenario = parseScenario(readFileSync(file, "utf8"), "scenario.yaml");
    const run = runScenario(scenario, file, { runTestbed, outDir: task.dir, engine: task.engine, limits: task.limits });
    const groupOf = new Map(scenario.flows.map((f) => [f.id, f.group]));
    const chain = [scenario.topology.bottleneck, ...scenario.topology.hops];
    const capacityBps = chain.some((l) => l.tracePath !== undefined) ? null : Math.min(...chain.map((l) => l.rateBps));
    result = { id: task.id, status: "ok", rows: pointMetrics({ result: run.result, collector: run.collector, groupOf, capacityBps, sampleNs: scenario.outputs.sampleNs }) };
  } catch (e) {
    result = { id: task.id, status: "failed", error: failureText(e, task.dir), rows: [] };
  }
  writeResult(task.dir, result);
  return result;
}
