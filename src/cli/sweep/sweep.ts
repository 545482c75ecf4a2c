/**
 * @fileoverview `structops sweep FILE` and `structops sweep merge DIR...`
 * (docs/sweep.md). `sweep` reads and checks the file (nothing runs when it
 * is refused), writes the manifest, inputs and point scenarios, runs the
 * points that have no result yet (its shard's only, with --shard) on a pool
 * of worker threads, and, when the folder holds every point, writes the
 * table and the comparison report. `merge` gathers shard folders of one
 * sweep into one folder and writes the same files a one-machine run would.
 * Exit status: 0 when every point of the run's shard (of the merged
 * folder, for merge) succeeded; 3 when one or more failed (each is recorded
 * with its error, counted and listed, the others still run and the table
 * and report are still written); 1 for a refused file or folder; 2 for usage.
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import type { Shard } from "../../sweep/shard.js";
import { parseShard, shardIds } from "../../sweep/shard.js";
import type { PointOutcome } from "../../sweep/table.js";
import type { CliIo } from "../io.js";
import { CliUserError, describeFailure, userMessage } from "../errors.js";
import type { RunLimits } from "../run/run-scenario.js";
import { claimFolder, copyTree, manifestOf, outcomes, readManifest, writePoints, writeResults } from "./folder.js";
import type { SweepManifest } from "./folder.js";
import { loadSweepFile } from "./plan.js";
import { readResult } from "./point-run.js";
import type { PointTask } from "./point-run.js";
import { runPool } from "./pool.js";
import { sweepProgress } from "./progress.js";

/** Options of `structops sweep` as commander parses them. */
export interface SweepCliOptions {
  readonly out?: string;
  readonly jobs?: number;
  readonly shard?: string;
  readonly maxPoints?: number;
  readonly retryFailed?: boolean;
  readonly progress: boolean;
  readonly maxEvents?: number;
  readonly maxOutput?: number;
  readonly maxInputSize?: number;
}

/** Exit status of a sweep or merge in which one or more points failed (as `structops run`'s 3 for a faulting program). */
export const EXIT_POINTS_FAILED = 3;

/** Most worker threads: each holds a kernel and a simulator (tens of MB). */
export const MAX_JOBS = 256;

/** The default number of worker threads: the cores this process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** `structops sweep FILE`: returns the exit status. */
export async function sweepMain(file: string, o: SweepCliOptions, io: CliIo, version: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  try {
    const shard: Shard | null = o.shard === undefined ? null : (() => {
      const s = parseShard(o.shard, env);
      if (typeof s === "string") throw new CliUserError(s);
      return s;
    })();
    const plan = loadSweepFile(file, { version, ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}), ...(o.maxInputSize !== undefined ? { maxInputBytes: o.maxInputSize } : {}) });
    const out = o.out ?? join("structops-sweep", plan.name);
    const mine = shard === null ? new Set(plan.points.map((p) => p.id)) : shardIds(plan.points.map((p) => p.id), shard);
    const manifest = manifestOf(plan, version, shard);
    claimFolder(out, manifest);
    writePoints(out, plan, mine);
    const limits: RunLimits = {
      ...(o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}),
      ...(o.maxOutput !== undefined ? { maxOutputBytes: o.maxOutput } : {}),
      ...(o.maxInputSize !== undefined ? { maxInputBytes: o.maxInputSize } : {}),
    };
    const todo: PointTask[] = [];
    let skipped = 0;
    for (const p of plan.points) {
      if (!mine.has(p.id)) continue;
      const dir = join(out, "points", p.id);
      const r = readResult(dir, p.id);
      if (r !== undefined && !(r.status === "failed" && o.retryFailed === true)) skipped++;
      else todo.push({ id: p.id, dir: resolve(dir), engine: p.engine, limits });
    }
    const jobs = o.jobs ?? defaultJobs();
    if (jobs > MAX_JOBS) throw new CliUserError(`--jobs ${jobs} is above ${MAX_JOBS}: each worker thread holds a whole testbed`);
    const bar = sweepProgress(io.progress, plan.name, todo.length, o.progress);
    let failed = 0;
    await runPool(todo, jobs, (d) => {
      if (d.status === "failed") failed++;
      bar.point(d.status === "failed");
    });
    bar.done();
    const shardText = shard === null ? "" : ` (shard ${shard.index}/${shard.count})`;
    io.stdout(`structops sweep: ${plan.name}${shardText}: ${mine.size} points, ${todo.length} run, ${skipped} already done, ${failed} failed now, ${jobs} jobs\n`);
    const done = finish(out, manifest, io);
    if (done !== 0) return done;
    // The shard's own points decide (a shard does not answer for the others' failures).
    const failedMine = [...mine].filter((id) => readResult(join(out, "points", id), id)?.status === "failed").length;
    if (failedMine > 0 && shard !== null) io.stderr(`structops: ${failedMine} of this shard's ${mine.size} points failed\n`);
    return failedMine > 0 ? EXIT_POINTS_FAILED : 0;
  } catch (e) {
    // A user error of several lines (every problem of a sweep file) gets the prefix on each; a bug's stack is printed as is.
    io.stderr(`${userMessage(e) !== undefined ? (userMessage(e) as string).replace(/^/gm, "structops: ") : describeFailure(e)}\n`);
    return 1;
  }
}

/**
 * Writes the results when the folder holds every point; prints what was
 * written or what is missing. 0, or EXIT_POINTS_FAILED when the folder
 * holds failed points.
 */
function finish(out: string, m: SweepManifest, io: CliIo): number {
  const all = outcomes(out, m);
  const missing = all.filter((x) => x === undefined).length;
  if (missing > 0) {
    io.stdout(`${out} holds ${all.length - missing} of ${all.length} points: merge the shards' folders with structops sweep merge\n`);
    return 0;
  }
  const points = all as PointOutcome[];
  const failed = points.filter((p) => p.status === "failed");
  for (const f of failed.slice(0, 10)) io.stderr(`structops: point ${f.id} (${f.labels.join(", ")}) failed: ${f.error ?? ""}\n`);
  if (failed.length > 10) io.stderr(`structops: ... and ${failed.length - 10} more failed points (results.csv lists them)\n`);
  io.stdout(`wrote ${writeResults(out, m, points).join(", ")}${failed.length > 0 ? ` (${failed.length} points failed)` : ""}\n`);
  return failed.length > 0 ? EXIT_POINTS_FAILED : 0;
}

/** `structops sweep merge DIR... --out OUT`: returns the exit status. */
export function mergeMain(dirs: readonly string[], o: { out: string }, io: CliIo): number {
  try {
    const ms = dirs.map((d) => ({ dir: d, m: readManifest(d) }));
    const first = ms[0];
    if (first === undefined) throw new CliUserError("merge needs at least one folder");
    for (const x of ms) {
      if (x.m.sweep !== first.m.sweep) {
        throw new CliUserError(`${x.dir} is a shard of another sweep (${x.m.name}, id ${x.m.sweep}) than ${first.dir} (${first.m.name}, id ${first.m.sweep}): merge only the shards of one sweep`);
      }
    }
    const whole: SweepManifest = { ...first.m, shard: null };
    if (existsSync(join(o.out, "sweep.json")) && readManifest(o.out).sweep !== whole.sweep) {
      throw new CliUserError(`${o.out} holds another sweep (id ${readManifest(o.out).sweep}): choose another --out`);
    }
    for (const x of ms) if (resolve(x.dir) !== resolve(o.out)) {
      if (existsSync(join(x.dir, "inputs"))) copyTree(join(x.dir, "inputs"), join(o.out, "inputs"));
      for (const p of x.m.points) {
        const src = join(x.dir, "points", p.id);
        if (readResult(src, p.id) !== undefined) copyTree(src, join(o.out, "points", p.id));
      }
    }
    claimFolder(o.out, whole);
    const all = outcomes(o.out, whole);
    const missing = whole.points.filter((_, i) => all[i] === undefined);
    if (missing.length > 0) {
      const count = first.m.shard?.count;
      const have = new Set(ms.map((x) => x.m.shard?.index));
      const absent = count === undefined ? [] : [...Array(count).keys()].filter((i) => !have.has(i));
      throw new CliUserError(`${missing.length} of ${whole.points.length} points have no result in these folders (${missing.slice(0, 3).map((p) => p.id).join(", ")}${missing.length > 3 ? ", ..." : ""})${absent.length > 0 ? `: shards ${absent.join(", ")} of ${count} are not among them` : ": rerun the shards that hold them (a rerun computes only what is missing)"}`);
    }
    return finish(o.out, whole, io);
  } catch (e) {
    io.stderr(`${describeFailure(e)}\n`);
    return 1;
  }
}
