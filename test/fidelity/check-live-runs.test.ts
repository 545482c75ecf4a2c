/**
 * @fileoverview checkLiveRuns (linux-testbed.ts), the bounded retry of the
 * tests that make a real-time Linux run: the first run without a miss
 * passes, each miss is reported, and a kernel that misses on every run
 * fails the test with every run's misses. No kernel is touched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLiveRuns } from "./linux-testbed.js";

function recorder(): { t: { diagnostic(msg: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { t: { diagnostic: (m: string) => lines.push(m) }, lines };
}

test("checkLiveRuns: the first run without a miss passes, after reporting the runs that missed", async () => {
  const { t, lines } = recorder();
  const made: number[] = [];
  await checkLiveRuns(t, 3, "off", async (n) => {
    made.push(n);
    return n === 1 ? ["startupExitCwnd: 239 outside [197, 219]"] : [];
  });
  assert.deepEqual(made, [1, 2], "no run after the one that matched");
  assert.deepEqual(lines, ["run 1/3 missed: startupExitCwnd: 239 outside [197, 219]"]);
});

test("checkLiveRuns: a miss on every run fails, naming each run's misses; an exception of a run is not retried", async () => {
  const { t, lines } = recorder();
  let made = 0;
  await assert.rejects(
    checkLiveRuns(t, 2, "Linux's bbr out of the recorded band", async (n) => {
      made++;
      return [`probeBwCwnd: ${150 + n} outside [140, 148]`, "delay line late"];
    }),
    (e: Error) => {
      assert.equal(e.message, "Linux's bbr out of the recorded band on every one of 2 runs:\n" +
        "run 1: probeBwCwnd: 151 outside [140, 148]; delay line late\nrun 2: probeBwCwnd: 152 outside [140, 148]; delay line late");
      return true;
    },
  );
  assert.equal(made, 2);
  assert.equal(lines.length, 2);
  made = 0;
  await assert.rejects(checkLiveRuns(t, 3, "x", async () => {
    made++;
    assert.fail("an invariant broken on this run");
  }), /an invariant broken on this run/);
  assert.equal(made, 1, "an assertion inside a run fails at once");
});
