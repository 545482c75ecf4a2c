/**
 * @fileoverview The suite passes whether or not it runs in a terminal: a
 * small part of it (tests that compare a child process's output) runs again
 * with FORCE_COLOR=1, which `node --test` sets for its children under a
 * terminal, and under a real pseudo-terminal through `script -qec`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
/** Tests that compare what a child process prints (the first, under a pseudo-terminal too). */
const FILES = ["test/jit/entry.test.ts", "src/cli/conformance.test.ts"];

/** The environment of a top-level test run: without this run's own test-runner context. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete e["NODE_TEST_CONTEXT"];
  delete e["NO_COLOR"];
  delete e["NODE_DISABLE_COLORS"];
  // Node's tty colour depth is 2 colours whenever CI is set (tty.getColorDepth), so a user's terminal is one without it.
  delete e["CI"];
  return e;
}

test("the output-comparing tests pass with FORCE_COLOR=1", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...FILES], { cwd: root, encoding: "utf8", env: env({ FORCE_COLOR: "1" }), timeout: 240_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  // What made entry.test.ts fail in a terminal: under FORCE_COLOR a child's console.log colours numbers.
  const probe = spawnSync(process.execPath, ["-e", "console.log(42)"], { encoding: "utf8", env: env({ FORCE_COLOR: "1" }) });
  assert.match(probe.stdout, /\x1b\[33m42/, "FORCE_COLOR=1 colours a child's output (else this test proves nothing)");
});

const script = spawnSync("script", ["--version"], { encoding: "utf8" });
const noScript = script.error === undefined && script.status === 0 ? undefined : "util-linux `script` is not installed (no pseudo-terminal to run under)";

test("the output-comparing tests pass under a pseudo-terminal (script -qec)", noScript === undefined ? {} : { skip: noScript }, () => {
  const cmd = [process.execPath, "--import", "tsx", "--test", ...FILES.slice(0, 1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: root, encoding: "utf8", env: env({ TERM: "xterm-256color" }), timeout: 240_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\x1b\[/, "the run saw a terminal (coloured output)");
});
