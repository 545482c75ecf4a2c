/**
 * @fileoverview A sweep's output folder (docs/sweep.md, "Output"):
 *
 *   sweep.json          the manifest: sweep id, axes, every point (id, labels), the shard
 *   inputs/<hash>-<f>   BPF objects and traces the points load, by content
 *   points/<id>/        scenario.yaml, the run's files, result.json
 *   results.csv, results.jsonl, report.html   when the folder holds every point
 *
 * A shard's folder holds its own points and the whole manifest, so `merge`
 * can tell which points are missing and which folders belong to another
 * sweep. Every file's bytes depend only on the sweep, never on the folder,
 * the machine, the number of jobs or the shards.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderComparison } from "../../sweep/compare-html.js";
import type { Shard } from "../../sweep/shard.js";
import type { PointOutcome } from "../../sweep/table.js";
import { tableCsv, tableJsonl } from "../../sweep/table.js";
import { CliUserError } from "../errors.js";
import type { SweepPlan } from "./plan.js";
import { readResult } from "./point-run.js";

/** The manifest, sweep.json. */
export interface SweepManifest {
  readonly format: "structops-sweep/1";
  readonly structops: string;
  readonly name: string;
  readonly sweep: string;
  readonly axes: SweepPlan["axes"];
  readonly heatmap: SweepPlan["heatmap"];
  readonly seedAxis: string | null;
  readonly points: readonly { readonly id: string; readonly labels: readonly string[]; readonly report: boolean }[];
  readonly shard: Shard | null;
}

export const MANIFEST = "sweep.json";

/** The manifest of `plan` for `shard` (null: the whole sweep). */
export function manifestOf(plan: SweepPlan, version: string, shard: Shard | null): SweepManifest {
  return {
    format: "structops-sweep/1", structops: version, name: plan.name, sweep: plan.sweepId, axes: plan.axes, heatmap: plan.heatmap,
    seedAxis: plan.seedAxis, points: plan.points.map((p) => ({ id: p.id, labels: p.labels, report: p.report })), shard,
  };
}

/** Reads a folder's manifest. @throws {CliUserError} when it is missing or not a sweep's */
export function readManifest(dir: string): SweepManifest {
  const file = join(dir, MANIFEST);
  let m: SweepManifest;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as SweepManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliUserError(`${dir} is not a sweep's output folder: ${code === "ENOENT" ? `it has no ${MANIFEST}` : `${MANIFEST} cannot be read (${(e as Error).message.split("\n")[0] ?? ""})`}`);
  }
  if (m?.format !== "structops-sweep/1" || !Array.isArray(m.points)) throw new CliUserError(`${file} is not a structops sweep manifest (format structops-sweep/1)`);
  return m;
}

/**
 * Checks `dir` for a sweep and writes the manifest: a folder holding another sweep is refused
 * (its results would mix), one holding this sweep is resumed.
 */
export function claimFolder(dir: string, m: SweepManifest): void {
  if (existsSync(join(dir, MANIFEST))) {
    const old = readManifest(dir);
    if (old.sweep !== m.sweep) {
      throw new CliUserError(`${dir} holds another sweep (${old.name}, id ${old.sweep}; this one is ${m.name}, id ${m.sweep}): choose another --out or remove the folder`);
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

/** Writes the inputs the points load and each given point's scenario.yaml. */
export function writePoints(dir: string, plan: SweepPlan, ids: ReadonlySet<string>): void {
  if (plan.inputs.size > 0) mkdirSync(join(dir, "inputs"), { recursive: true });
  for (const [name, bytes] of plan.inputs) writeFileSync(join(dir, "inputs", name), bytes);
  for (const p of plan.points) {
    if (!ids.has(p.id)) continue;
    mkdirSync(join(dir, "points", p.id), { recursive: true });
    writeFileSync(join(dir, "points", p.id, "scenario.yaml"), p.text);
  }
}

/** The outcomes of every point of `m` from the results in `dir`; undefined entries are missing. */
export function outcomes(dir: string, m: SweepManifest): (PointOutcome | undefined)[] {
  return m.points.map((p) => {
    const r = readResult(join(dir, "points", p.id), p.id);
    if (r === undefined) return undefined;
    return { id: p.id, labels: p.labels, status: r.status, rows: r.rows, ...(r.error !== undefined ? { error: r.error } : {}) };
  });
}

/** Writes the table and the comparison report of a complete sweep; returns the files written. */
export function writeResults(dir: string, m: SweepManifest, points: readonly PointOutcome[]): string[] {
  const names = m.axes.map((a) => a.name);
  const report = new Map(m.points.map((p) => [p.id, p.report]));
  const files = [join(dir, "results.csv"), join(dir, "results.jsonl"), join(dir, "report.html")];
  writeFileSync(files[0] as string, tableCsv(names, points));
  writeFileSync(files[1] as string, tableJsonl(names, points));
  writeFileSync(files[2] as string, renderComparison({
    name: m.name, sweepId: m.sweep, axes: m.axes, points, heatmap: m.heatmap,
    ...(m.seedAxis !== null ? { seedAxis: m.seedAxis } : {}),
    pointHref: (id) => `points/${id}/${report.get(id) === false ? "summary.txt" : "report.html"}`,
  }));
  return files;
}

/** Copies a folder tree (files only), skipping files already there with the same bytes. */
export function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, e.name);
    const b = join(to, e.name);
    if (e.isDirectory()) copyTree(a, b);
    else if (e.isFile() && !e.name.startsWith(".")) copyFileSync(a, b);
  }
}
