/**
 * @fileoverview bin/structops.js re-executing node with --single-threaded-gc
 * for sweeps (src/cli/reexec.ts): which commands go to a second node, and that the
 * second node runs with the flag, gets the argv exactly, shares stdin,
 * stdout and stderr, and that its exit status, its death by a signal and
 * the signals sent to the bin pass through; STRUCTOPS_NO_REEXEC=1 keeps
 * everything in one process. The real bin runs against a stand-in
 * dist/cli/main.js that reports what its process sees (docs/benchmarks.md
 * has what the flag buys, test/package/pack.test.ts the installed package).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GC_FLAG, NO_REEXEC_ENV, wantsSingleThreadedGc } from "../../src/cli/reexec.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** What the stand-in main writes on stdout (the "report" action). */
interface Seen {
  execArgv: string[];
  argv: string[];
  pid: number;
  ppid: number;
  stdin: string;
  /** isTTY of stdin, stdout and stderr. */
  tty: [boolean, boolean, boolean];
}

/** The stand-in for the compiled CLI: STUB_ACT picks report (default), signal (kill itself with STUB_SIGNAL) or wait (print its pid, then idle until killed). */
const STUB_MAIN = `import { readFileSync } from "node:fs";
export async function main(argv) {
  const act = process.env.STUB_ACT ?? "report";
  if (act === "signal") { process.kill(process.pid, process.env.STUB_SIGNAL); await new Promise(() => {}); }
  if (act === "wait") { process.stdout.write(process.pid + "\\n"); setInterval(() => {}, 1000); await new Promise(() => {}); }
  const stdin = process.env.STUB_STDIN === "1" ? readFileSync(0, "utf8") : "";
  const tty = [process.stdin.isTTY === true, process.stdout.isTTY === true, process.stderr.isTTY === true];
  process.stdout.write(JSON.stringify({ execArgv: process.execArgv, argv, pid: process.pid, ppid: process.ppid, stdin, tty }));
  process.stderr.write("stub stderr\\n");
  return Number(process.env.STUB_EXIT ?? 0);
}
`;

let dir = "";
let bin = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "structops-reexec-"));
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "dist", "cli"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "structops", type: "module" }));
  bin = join(dir, "bin", "structops.js");
  copyFileSync(join(ROOT, "bin", "structops.js"), bin);
  writeFileSync(join(dir, "dist", "cli", "main.js"), STUB_MAIN);
  // The bin imports dist/cli/reexec.js: here, the sources (tsx, given to both processes through execArgv).
  writeFileSync(join(dir, "dist", "cli", "reexec.js"), `export * from ${JSON.stringify(pathToFileURL(join(ROOT, "src", "cli", "reexec.ts")).href)};\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bin with `node --import tsx [nodeFlags] bin argv`; `env` is added to this process's (less the opt-out). */
function runBin(argv: readonly string[], env: Record<string, string> = {}, nodeFlags: readonly string[] = [], input = ""): SpawnSyncReturns<string> {
  const base = { ...process.env };
  delete base[NO_REEXEC_ENV];
  const r = spawnSync(process.execPath, ["--import", "tsx", ...nodeFlags, bin, ...argv], { cwd: ROOT, env: { ...base, ...env }, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

const seen = (r: SpawnSyncReturns<string>): Seen => JSON.parse(r.stdout) as Seen;
const flagCount = (s: Seen): number => s.execArgv.filter((a) => a === GC_FLAG).length;

test("a sweep goes to a second node; run, demo, help, version, inspection and sweep merge do not", () => {
  const want = (...argv: string[]): boolean => wantsSingleThreadedGc(argv, [], {});
  for (const argv of [["sweep", "s.yaml"], ["sweep", "s.yaml", "--jobs", "1", "--shard", "0/2"], ["sweep", "s.yaml", "--", "--help"]]) {
    assert.equal(want(...argv), true, argv.join(" "));
  }
  for (const argv of [[], ["--version"], ["-V"], ["--help"], ["help"], ["help", "sweep"], ["sweep", "--help"], ["sweep", "s.yaml", "-h"], ["sweep", "merge", "a", "b", "--out", "c"], ["run", "a.yaml"], ["run", "a.yaml", "--linux"], ["demo"], ["inspect", "object", "show", "x.o"], ["compare", "a", "b"], ["tour"], ["conformance", "00"]]) {
    assert.equal(want(...argv), false, argv.join(" "));
  }
  assert.equal(wantsSingleThreadedGc(["sweep", "s.yaml"], [], { [NO_REEXEC_ENV]: "1" }), false, "opted out");
  assert.equal(wantsSingleThreadedGc(["sweep", "s.yaml"], [], { [NO_REEXEC_ENV]: "0" }), true, "0 is not an opt-out");
  for (const flag of [GC_FLAG, "--single_threaded_gc", "--no-single-threaded-gc", "--single-threaded", "--inspect-brk"]) {
    assert.equal(wantsSingleThreadedGc(["sweep", "s.yaml"], ["--import", "tsx", flag], {}), false, `node already started with ${flag}`);
  }
});

test("the second node runs with --single-threaded-gc (once), this node's own options, the argv exactly, stdin, stdout and stderr, and its exit status", () => {
  const argv = ["sweep", "a b.yaml", "", "--jobs", "1", "ünï\tcode", "--", "--help", "*"];
  const r = runBin(argv, { STUB_EXIT: "7", STUB_STDIN: "1" }, [], "piped in\n");
  assert.equal(r.status, 7);
  const s = seen(r);
  assert.deepEqual(s.argv, argv);
  assert.equal(flagCount(s), 1);
  assert.deepEqual(s.execArgv, ["--import", "tsx", GC_FLAG]);
  assert.notEqual(s.pid, r.pid, "a second process");
  assert.equal(s.ppid, r.pid, "started by the bin");
  assert.equal(s.stdin, "piped in\n");
  assert.deepEqual(s.tty, [false, false, false]);
  assert.equal(r.stderr, "stub stderr\n");
});

const script = spawnSync("script", ["--version"], { encoding: "utf8" });
const noScript = script.error === undefined && script.status === 0 ? undefined : "util-linux `script` is not installed (no pseudo-terminal to run under)";

test("in a terminal (script -qec), the second node's stdin, stdout and stderr are that terminal (progress bars and colour decide on it)", noScript === undefined ? {} : { skip: noScript }, () => {
  const base = { ...process.env };
  delete base[NO_REEXEC_ENV];
  const cmd = [process.execPath, "--import", "tsx", bin, "sweep", "s.yaml"].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env: base, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout);
  const s = JSON.parse(/\{.*\}/.exec(r.stdout)?.[0] ?? "null") as Seen;
  assert.equal(flagCount(s), 1, "re-executed");
  assert.deepEqual(s.tty, [true, true, true]);
});

test("one process, without the flag, for other commands and with STRUCTOPS_NO_REEXEC=1; one process, flag kept, when node already has it", () => {
  for (const [argv, env] of [[["run", "a.yaml"], {}], [["sweep", "s.yaml"], { [NO_REEXEC_ENV]: "1" }]] as const) {
    const r = runBin(argv, env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(seen(r).pid, r.pid, argv.join(" "));
    assert.equal(flagCount(seen(r)), 0);
  }
  const r = runBin(["sweep", "s.yaml"], {}, [GC_FLAG]);
  assert.equal(seen(r).pid, r.pid);
  assert.equal(flagCount(seen(r)), 1);
});

test("a second node killed by a signal ends the bin with the same signal", () => {
  const r = runBin(["sweep", "s.yaml"], { STUB_ACT: "signal", STUB_SIGNAL: "SIGTERM" });
  assert.equal(r.signal, "SIGTERM");
});

/** Starts the bin on a `sweep` whose second node waits; resolves with the bin and the second node's pid. */
async function waiting(): Promise<{ parent: ReturnType<typeof spawn>; childPid: number; done: Promise<[number | null, NodeJS.Signals | null]> }> {
  const base: NodeJS.ProcessEnv = { ...process.env, STUB_ACT: "wait" };
  delete base[NO_REEXEC_ENV];
  const parent = spawn(process.execPath, ["--import", "tsx", bin, "sweep", "s.yaml"], { cwd: ROOT, env: base, stdio: ["ignore", "pipe", "inherit"] });
  const done = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once("exit", (code, signal) => resolve([code, signal])));
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = "";
    parent.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.endsWith("\n")) resolve(Number(out));
    });
    void done.then(() => reject(new Error(`the bin exited before its child started: ${out}`)));
  });
  return { parent, childPid, done };
}

/** Whether a process is gone, polled for up to 10 s; one still there is killed (SIGKILL) so that a failing test ends. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, "SIGKILL");
  return false;
}

test("SIGINT and SIGTERM sent to the bin reach the second node, and the bin ends with the same signal", async () => {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const { parent, childPid, done } = await waiting();
    assert.notEqual(childPid, parent.pid);
    parent.kill(sig);
    const ended = await done;
    assert.ok(await gone(childPid), `the second node outlived ${sig}`);
    assert.deepEqual(ended, [null, sig]);
  }
});

test("the second node exits when the bin is killed outright (SIGKILL)", async () => {
  const { parent, childPid, done } = await waiting();
  parent.kill("SIGKILL");
  await done;
  assert.ok(await gone(childPid), "the second node outlived its bin");
});
