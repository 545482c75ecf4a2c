/**
 * @fileoverview Running a sweep: a failing point is recorded with its error
 * and never stops the others; the progress bar draws only on a terminal and
 * counts done and failed points.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { sweepProgress } from "../../src/cli/sweep/progress.js";
import { TINY_SWEEP, sweepDir } from "./tiny.js";

test("a failing point is recorded with its error, in the table too, and the other points run", async () => {
  const dir = sweepDir(TINY_SWEEP.replace("values: [reno, cubic]", "values: [reno, nosuch_cc]").replace("range: { from: 1, to: 2 }", "values: [1]"));
  const io = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out"), "--jobs", "2"], io), 0, io.err());
  assert.match(io.out(), /4 points, 4 run, 0 already done, 2 failed now/);
  assert.match(io.err(), /point [0-9a-f]{16} \(5mbit, nosuch_cc, 1\) failed: .*nosuch_cc/);
  const rows = readFileSync(join(dir, "out", "results.csv"), "utf8").trim().split("\n").slice(1);
  assert.equal(rows.filter((r) => r.includes(",nosuch_cc,1,failed,")).length, 2);
  assert.equal(rows.filter((r) => r.includes(",reno,1,ok,")).length, 4, "two groups per successful point");
  const again = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out"), "--retry-failed"], again), 0);
  assert.match(again.out(), /4 points, 2 run, 2 already done, 2 failed now/);
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
