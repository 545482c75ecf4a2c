/**
 * @fileoverview The sweep's outputs do not depend on how it is run: the same
 * sweep run with --jobs 1, with --jobs 2, and as 3 shards (each its own
 * process, the index from STRUCTOPS_SHARD_INDEX) merged, gives byte-identical
 * folders: manifest, every point's files, the table and the report. And a
 * sweep killed half-way recomputes only the points without a result.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { ROOT, TSX, cli, sweepDir, treeHashes } from "./tiny.js";

const dir = sweepDir();

async function sweep(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(["sweep", join(dir, "sweep.yaml"), ...args], io);
  return { code, out: io.out(), err: io.err() };
}

test("--jobs 1, --jobs 2 and 3 shards merged give byte-identical folders", async () => {
  const one = await sweep(["--out", join(dir, "j1"), "--jobs", "1"]);
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, /8 points, 8 run, 0 already done, 0 failed now, 1 jobs/);
  const two = await sweep(["--out", join(dir, "j2"), "--jobs", "2"]);
  assert.equal(two.code, 0, two.err);
  for (const i of [0, 1, 2]) {
    const r = cli(["sweep", "sweep.yaml", "--out", `s${i}`, "--shard", "auto/3", "--jobs", "1"], dir, { STRUCTOPS_SHARD_INDEX: String(i) });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`shard ${i}/3\\): [23] points`));
    assert.ok(!existsSync(join(dir, `s${i}`, "results.csv")), "a shard alone writes no table");
  }
  const m = cli(["sweep", "merge", "s0", "s1", "s2", "--out", "merged"], dir);
  assert.equal(m.status, 0, m.stderr);
  const a = treeHashes(join(dir, "j1"));
  assert.ok(a.has("results.csv") && a.has("report.html") && a.has("sweep.json"));
  assert.equal([...a.keys()].filter((k) => k.endsWith("result.json")).length, 8);
  assert.deepEqual(treeHashes(join(dir, "j2")), a, "--jobs 2 differs from --jobs 1");
  assert.deepEqual(treeHashes(join(dir, "merged")), a, "3 shards merged differ from one machine");
});

test("merge refuses a shard of another sweep and names the missing shards", async () => {
  const other = sweepDir((await import("./tiny.js")).TINY_SWEEP.replace("20mbit", "30mbit"));
  const r = cli(["sweep", "sweep.yaml", "--out", "x0", "--shard", "0/3", "--jobs", "1"], other);
  assert.equal(r.status, 0, r.stderr);
  const bad = cli(["sweep", "merge", "s0", join(other, "x0"), "--out", "bad"], dir);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /x0 is a shard of another sweep \(tiny, id [0-9a-f]{16}\) than s0/);
  const partial = cli(["sweep", "merge", "s0", "s2", "--out", "partial"], dir);
  assert.equal(partial.status, 1);
  assert.match(partial.stderr, /points have no result in these folders .*: shards 1 of 3 are not among them/);
  rmSync(other, { recursive: true, force: true });
});

test("a sweep killed half-way and rerun computes only the missing points", async () => {
  const out = join(dir, "killed");
  // A real kill: the sweep runs in its own process, killed once some points have results.
  const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src/cli/main.ts"), "sweep", "sweep.yaml", "--out", "killed", "--jobs", "1"], { cwd: dir, stdio: "ignore" });
  const results = (): number => (existsSync(join(out, "points")) ? readdirSync(join(out, "points")).filter((p) => existsSync(join(out, "points", p, "result.json"))).length : 0);
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (results() >= 3 || child.exitCode !== null) {
        clearInterval(poll);
        child.kill("SIGKILL");
        resolve();
      }
    }, 20);
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
  const done = results();
  const again = await sweep(["--out", out, "--jobs", "2"]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, new RegExp(`8 points, ${8 - done} run, ${done} already done, 0 failed now`));
  assert.deepEqual(treeHashes(out), treeHashes(join(dir, "j1")), "the resumed folder differs from an uninterrupted run");
  const third = await sweep(["--out", out]);
  assert.match(third.out, /8 points, 0 run, 8 already done/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
