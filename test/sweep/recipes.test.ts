/**
 * @fileoverview The batch-engine recipes in examples/recipes/, run locally:
 * each recipe's own shard command (the Kubernetes Job's container command,
 * the Slurm script, the GitHub Actions matrix job's step) runs once per
 * shard as a separate process, with the variables that engine sets
 * (JOB_COMPLETION_INDEX; SLURM_ARRAY_TASK_ID/MIN/COUNT; the matrix's
 * STRUCTOPS_SHARD_INDEX/COUNT), and `structops` on PATH running this
 * checkout; then the recipe's merge command, and the merged folder must equal
 * a one-machine run byte for byte. The sweep is the tests' small one, put
 * where the recipes expect the example sweep.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { EXIT_POINTS_FAILED } from "../../src/cli/sweep/sweep.js";
import { ROOT, TSX, TINY_SWEEP, sweepDir, treeHashes } from "./tiny.js";

const SMALL = TINY_SWEEP.replace("range: { from: 1, to: 2 }", "values: [1]");
const dir = sweepDir(SMALL);
const bin = join(dir, "bin");
mkdirSync(bin);
writeFileSync(join(bin, "structops"), `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${join(ROOT, "src/cli/main.ts")}" "$@"\n`);
chmodSync(join(bin, "structops"), 0o755);
mkdirSync(join(dir, "examples", "sweeps"), { recursive: true });
writeFileSync(join(dir, "examples", "sweeps", "bpf-vs-builtin.yaml"), SMALL);
const recipe = (f: string): string => readFileSync(join(ROOT, "examples", "recipes", f), "utf8");

function sh(script: string, env: Record<string, string>, shell = "sh"): void {
  const r = spawnSync(shell, ["-c", script], { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", PATH: `${bin}:${process.env["PATH"] ?? ""}`, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, `${script}\n${r.stdout}\n${r.stderr}`);
}

let reference: Map<string, string>;
test.before(async () => {
  const io = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "one-machine"), "--jobs", "2"], io), 0, io.err());
  reference = treeHashes(join(dir, "one-machine"));
  assert.equal([...reference.keys()].filter((k) => k.endsWith("result.json")).length, 4);
});

test("Kubernetes Indexed Job: each index's container command, then the merge, equals a one-machine run", () => {
  const job = parse(recipe("kubernetes-indexed-job.yaml")) as {
    spec: { completionMode: string; completions: number; podFailurePolicy?: { rules: { action: string; onExitCodes: { values: number[] } }[] }; template: { spec: { containers: { command: string[]; env: { name: string; value: string }[] }[] } } };
  };
  assert.equal(job.spec.completionMode, "Indexed");
  // A shard whose points failed exits 3; the Job does not retry that index.
  const rule = job.spec.podFailurePolicy?.rules.find((r) => r.action === "FailIndex");
  assert.deepEqual(rule?.onExitCodes.values, [EXIT_POINTS_FAILED]);
  const c = job.spec.template.spec.containers[0];
  assert.ok(c !== undefined && c.command[0] === "sh" && c.command[1] === "-c");
  const out = join(dir, "k8s");
  for (let i = 0; i < job.spec.completions; i++) sh(c.command[2] as string, { JOB_COMPLETION_INDEX: String(i), OUT: out });
  const shards = Array.from({ length: job.spec.completions }, (_, i) => join(out, `shard-${i}`));
  sh(`structops sweep merge ${shards.join(" ")} --out ${join(out, "merged")}`, {});
  assert.match(recipe("kubernetes-indexed-job.yaml"), /structops sweep merge \/results\/shard-0 \/results\/shard-1 \/results\/shard-2 --out \/results\/merged/);
  assert.deepEqual(treeHashes(join(out, "merged")), reference);
});

test("Slurm job array: the batch script per array task, then the merge, equals a one-machine run", () => {
  const text = recipe("slurm-sweep.sh");
  const m = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(text);
  assert.ok(m !== null);
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  for (let id = lo; id <= hi; id++) {
    sh(`bash ${join(ROOT, "examples", "recipes", "slurm-sweep.sh")}`, {
      SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(lo), SLURM_ARRAY_TASK_COUNT: String(hi - lo + 1), SLURM_CPUS_PER_TASK: "1", OUT: "slurm",
    });
  }
  const merge = /--wrap '([^']+)'/.exec(text)?.[1];
  assert.ok(merge !== undefined);
  sh(merge.replace(/results\//g, "slurm/"), {});
  assert.deepEqual(treeHashes(join(dir, "slurm", "merged")), reference);
});

test("GitHub Actions matrix: the shard job's step per matrix entry, then the merge job's step, equals a one-machine run", () => {
  interface Step { name?: string; run?: string }
  const wf = parse(recipe("github-actions-sweep.yml")) as {
    env: Record<string, string>;
    jobs: { shard: { strategy: { matrix: { shard: number[] } }; env: Record<string, string | number>; steps: Step[] }; merge: { steps: Step[] } };
  };
  const run = wf.jobs.shard.steps.find((s) => s.name === "sweep")?.run;
  const merge = wf.jobs.merge.steps.find((s) => s.name === "merge")?.run;
  assert.ok(run !== undefined && merge !== undefined);
  mkdirSync(join(dir, "gha"));
  for (const shard of wf.jobs.shard.strategy.matrix.shard) {
    const env = Object.fromEntries(Object.entries(wf.jobs.shard.env).map(([k, v]) => [k, String(v).replace("${{ matrix.shard }}", String(shard))]));
    sh(`cd gha && ${run}`, { ...env, SWEEP: "../sweep.yaml" }, "bash");
  }
  sh(`cd gha && ${merge}`, {}, "bash");
  assert.deepEqual(treeHashes(join(dir, "gha", "results", "merged")), reference);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
