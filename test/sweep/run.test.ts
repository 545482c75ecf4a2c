/**
 * @fileoverview Running a sweep: a failing point is recorded with its error
 * and never stops the others, and the exit status (3) says so, per shard
 * and after a merge; the progress bar draws only on a terminal and counts
 * done and failed points.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { sweepProgress } from "../../src/cli/sweep/progress.js";
import { EXIT_POINTS_FAILED } from "../../src/cli/sweep/sweep.js";
import { TINY_SWEEP, sweepDir } from "./tiny.js";

const FAILING = TINY_SWEEP.replace("values: [reno, cubic]", "values: [reno, nosuch_cc]").replace("range: { from: 1, to: 2 }", "values: [1]");

test("a failing point is recorded with its error, in the table too, the other points run, and the sweep exits 3", async () => {
  const dir = sweepDir(FAILING);
  const io = memoryIo();
  assert.equal(EXIT_POINTS_FAILED, 3);
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out"), "--jobs", "2"], io), EXIT_POINTS_FAILED, io.err());
  assert.match(io.out(), /4 points, 4 run, 0 already done, 2 failed now/);
  assert.match(io.err(), /point [0-9a-f]{16} \(5mbit, nosuch_cc, 1\) failed: .*nosuch_cc/);
  const rows = readFileSync(join(dir, "out", "results.csv"), "utf8").trim().split("\n").slice(1);
  assert.equal(rows.filter((r) => r.includes(",nosuch_cc,1,failed,")).length, 2);
  assert.equal(rows.filter((r) => r.includes(",reno,1,ok,")).length, 4, "two groups per successful point");
  const again = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out"), "--retry-failed"], again), EXIT_POINTS_FAILED);
  assert.match(again.out(), /4 points, 2 run, 2 already done, 2 failed now/);
  const rerun = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out")], rerun), EXIT_POINTS_FAILED, "a rerun that skips the failed points still reports them");
  assert.match(rerun.out(), /4 points, 0 run, 4 already done, 0 failed now/);
  rmSync(dir, { recursive: true, force: true });
});

test("with --shard, the exit status is 3 exactly when the shard's own points failed; merge exits 3 when the whole holds failed points", async () => {
  const dir = sweepDir(FAILING);
  const shards = [0, 1, 2, 3].map((i) => join(dir, `shard-${i}`));
  let failedShards = 0;
  for (const [i, out] of shards.entries()) {
    const io = memoryIo();
    const code = await main(["sweep", join(dir, "sweep.yaml"), "--shard", `${i}/4`, "--out", out, "--jobs", "1"], io);
    const failedHere = /, (\d+) failed now,/.exec(io.out())?.[1];
    assert.ok(failedHere !== undefined, io.out());
    assert.equal(code, Number(failedHere) > 0 ? EXIT_POINTS_FAILED : 0, `shard ${i}: ${io.out()}${io.err()}`);
    if (code !== 0) failedShards++;
  }
  assert.ok(failedShards >= 1 && failedShards <= 2, `the 2 failing points fall in 1 or 2 of the 4 shards, not ${failedShards}`);
  const merged = memoryIo();
  assert.equal(await main(["sweep", "merge", ...shards, "--out", join(dir, "merged")], merged), EXIT_POINTS_FAILED, merged.err());
  assert.match(merged.out(), /\(2 points failed\)/);
  rmSync(dir, { recursive: true, force: true });
});

test("the progress bar draws done, failed and an estimate on a terminal, and nothing on a pipe", () => {
  let drawn = "";
  let t = 0;
  const bar = sweepProgress({ isTTY: true, columns: 100, write: (s: string) => void (drawn += s) }, "grid", 4, true, () => t);
  t = 2000;
  bar.point(false);
  t = 4000;
  bar.point(true);
  assert.match(drawn, /grid \[#+\.+\] 2\/4 done, 1 failed, ETA 4s$/);
  bar.done();
  assert.ok(drawn.endsWith("\r\x1b[2K"));
  let piped = "";
  const none = sweepProgress({ isTTY: false, write: (s: string) => void (piped += s) }, "grid", 4);
  none.point(true);
  none.done();
  assert.equal(piped, "");
});
