/**
 * @fileoverview How `structops run` and `demo` fail: a bad output folder is
 * refused before the testbed runs (nothing is simulated or written); a bug
 * (an exception that is not a user error) is reported with its stack and the
 * request to report it, exit status 1, never a crash of the process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryIo } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/run.js";
import { demoMain } from "../../src/cli/demo.js";
import { BUG_REPORT } from "../../src/cli/errors.js";
import type { TestbedRunner } from "../../src/cli/run/run-scenario.js";

const SCENARIO = "name: e\nduration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - { id: a, algorithm: reno }\n";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "structops-clierr-"));
}

/** A testbed that must not be reached. */
const unreachable: TestbedRunner = () => assert.fail("the testbed ran although the output folder is unusable");

test("run and demo refuse an unusable output folder before the testbed runs, and write nothing", async () => {
  const dir = tmp();
  try {
    const file = join(dir, "s.yaml");
    writeFileSync(file, SCENARIO);
    const taken = join(dir, "taken");
    writeFileSync(taken, "x");
    for (const out of [taken, join(taken, "sub"), "/proc/structops-x"]) {
      const io = memoryIo();
      assert.equal(await runMain(file, { engine: "auto", out, progress: false }, io, unreachable), 1);
      assert.match(io.err(), /^structops: cannot write output to .*\n$/);
      const demo = memoryIo();
      assert.equal(await demoMain({ out, engine: "auto", progress: false }, demo, unreachable), 1);
      assert.equal(demo.err(), io.err(), "the same one line for demo");
      assert.equal(io.out() + demo.out(), "");
    }
    assert.deepEqual(readdirSync(dir).sort(), ["s.yaml", "taken"], "nothing written");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bug during a run is reported with its stack and the request to report it, exit status 1", async () => {
  const dir = tmp();
  try {
    const file = join(dir, "s.yaml");
    writeFileSync(file, SCENARIO);
    const buggy: TestbedRunner = () => {
      throw new Error("simulated bug");
    };
    const io = memoryIo();
    assert.equal(await runMain(file, { engine: "auto", out: join(dir, "o"), progress: false }, io, buggy), 1);
    assert.match(io.err(), /^structops: internal error: Error: simulated bug\n\s+at /);
    assert.ok(io.err().endsWith(`\n${BUG_REPORT}\n`), io.err());
    // A bug inside a timed action is not turned into a failed action: it stops the run and is reported the same way.
    const inAction: TestbedRunner = (spec, opts) => {
      const a = spec.actions?.[0];
      assert.ok(a !== undefined);
      const ctx = { sim: { nowNs: 0, runningFlows: () => { throw new TypeError("x.y is not a function"); } } };
      a.run(ctx as never);
      void opts;
      return assert.fail("unreachable");
    };
    writeFileSync(file, `${SCENARIO}actions:\n  - { at: 0s, do: setsockopt, algorithm: cubic, flows: all }\n`);
    const io2 = memoryIo();
    assert.equal(await runMain(file, { engine: "auto", out: join(dir, "o2"), progress: false }, io2, inAction), 1);
    assert.equal(existsSync(join(dir, "o2", "report.html")), false);
    assert.match(io2.err(), /^structops: internal error: TypeError: x\.y is not a function\n\s+at /);
    assert.ok(io2.err().endsWith(`\n${BUG_REPORT}\n`), io2.err());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
