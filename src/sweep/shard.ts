/**
 * @fileoverview Shards: a deterministic share of a sweep's points for one
 * of n processes, and where the share's index comes from on the batch
 * engines people run. Points are ordered by id and shard i takes every n-th
 * one from position i, so shards differ in size by at most one point and a
 * point's shard depends only on the set of ids.
 *
 * Index sources (docs/sweep.md): `--shard i/n`; with `--shard auto` (or
 * `auto/n`), JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs), then
 * SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (Slurm job arrays, count
 * SLURM_ARRAY_TASK_COUNT), then STRUCTOPS_SHARD_INDEX (CI matrices, count
 * STRUCTOPS_SHARD_COUNT).
 */

/** Shard `index` of `count` (0 ≤ index < count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Most shards: far more than any sweep has points worth splitting. */
export const MAX_SHARDS = 100_000;

const uint = (s: string | undefined): number | undefined => (s !== undefined && /^\d{1,9}$/.test(s.trim()) ? Number(s.trim()) : undefined);

/**
 * Parses `i/n`, `auto` or `auto/n`, taking what `auto` leaves open from `env`.
 * @returns the shard, or a message naming what is missing or wrong
 */
export function parseShard(spec: string, env: Readonly<Record<string, string | undefined>>): Shard | string {
  const m = /^(auto|\d{1,9})(?:\/(\d{1,9}))?$/.exec(spec.trim());
  if (m === null) return `--shard must be i/n (0 ≤ i < n), auto or auto/n: got '${spec}'`;
  let index: number | undefined;
  let count = uint(m[2]);
  let from = "--shard";
  if (m[1] === "auto") {
    const slurmId = uint(env["SLURM_ARRAY_TASK_ID"]);
    if (uint(env["JOB_COMPLETION_INDEX"]) !== undefined) {
      index = uint(env["JOB_COMPLETION_INDEX"]);
      from = "JOB_COMPLETION_INDEX";
      count ??= uint(env["STRUCTOPS_SHARD_COUNT"]);
    } else if (slurmId !== undefined) {
      index = slurmId - (uint(env["SLURM_ARRAY_TASK_MIN"]) ?? 0);
      from = "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN";
      count ??= uint(env["SLURM_ARRAY_TASK_COUNT"]);
    } else if (uint(env["STRUCTOPS_SHARD_INDEX"]) !== undefined) {
      index = uint(env["STRUCTOPS_SHARD_INDEX"]);
      from = "STRUCTOPS_SHARD_INDEX";
      count ??= uint(env["STRUCTOPS_SHARD_COUNT"]);
    } else {
      return "--shard auto found no shard index in the environment: set JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm job array) or STRUCTOPS_SHARD_INDEX";
    }
    if (count === undefined) return `--shard auto took the index from ${from} but found no shard count: give --shard auto/n or set STRUCTOPS_SHARD_COUNT`;
  } else index = Number(m[1]);
  if (count === undefined) return `--shard must be i/n (0 ≤ i < n), auto or auto/n: got '${spec}'`;
  if (count < 1 || count > MAX_SHARDS) return `the shard count must be in [1, ${MAX_SHARDS}]: got ${count}`;
  if (index === undefined || index < 0 || index >= count) return `the shard index (from ${from}) must be in [0, ${count - 1}]: got ${index ?? "nothing"}`;
  return { index, count };
}

/** The ids of shard `s`: sorted, every count-th from position index. */
export function shardIds(ids: readonly string[], s: Shard): Set<string> {
  const sorted = [...ids].sort();
  return new Set(sorted.filter((_, i) => i % s.count === s.index));
}
