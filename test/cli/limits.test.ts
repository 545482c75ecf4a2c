/**
 * @fileoverview Hostile and oversized inputs to `structops run` (issue #16):
 * each gets a clear error naming the file or the field and its line:column,
 * or runs to completion where it is valid. Cases where memory matters run
 * the CLI in a child process (test/cli/limits-child.ts), which reports the
 * time `main` took and the process's peak RSS (VmHWM); the acceptance
 * criterion is a bounded answer (under 2 s of `main`'s CPU time, under
 * 300 MB peak RSS), so these tests assert those bounds as safety limits,
 * not as benchmarks. The other cases run in-process.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryIo } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/run.js";
import { main } from "../../src/cli/main.js";
import { ScenarioError } from "../../src/cli/scenario/errors.js";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { readBoundedFile, InputFileError } from "../../src/cli/bounded-read.js";
import type { TestbedRunner } from "../../src/cli/run/run-scenario.js";

const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "structops-limits-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** CPU time of `main` (wall time on a shared machine measures the other processes too), and a generous wall-clock safety limit. */
const MAX_CPU_MS = 2000;
const MAX_WALL_MS = 10_000;
const MAX_RSS_KIB = 300 * 1024;

interface ChildResult {
  readonly code: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly hwmKiB: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Time and peak RSS of each child, printed after the tests (the figures issue #16 asks for). */
const measured: string[] = [];
after(() => {
  for (const m of measured) console.log(m);
});

/** Runs `structops <args>` in a child process; a hang is cut at 60 s (and fails the test). */
function cli(...args: string[]): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "test", "cli", "limits-child.ts"), ...args], {
    cwd: root, encoding: "utf8", timeout: 60_000, maxBuffer: 16 << 20,
  });
  assert.equal(r.signal, null, `the CLI was killed (${String(r.signal)}): it blocked or ran away\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  assert.notEqual(line, "", `no report from the child: ${r.stderr}`);
  const res = JSON.parse(line) as ChildResult;
  measured.push(`limits: ${args.filter((a) => a !== "--no-progress" && !a.includes("/o")).map((a) => a.replace(/^.*\//, "")).join(" ")}: exit ${res.code}, main ${res.ms.toFixed(0)} ms (${res.cpuMs.toFixed(0)} ms CPU), peak RSS ${(res.hwmKiB / 1024).toFixed(0)} MiB`);
  return res;
}

/** Asserts a refused input: exit 1, the message, and the time and memory bounds. */
function refused(r: ChildResult, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, "no stack trace");
  assert.ok(r.cpuMs < MAX_CPU_MS, `main took ${r.cpuMs.toFixed(0)} ms of CPU`);
  assert.ok(r.ms < MAX_WALL_MS, `main took ${r.ms.toFixed(0)} ms`);
  assert.ok(r.hwmKiB > 0 && r.hwmKiB < MAX_RSS_KIB, `peak RSS ${r.hwmKiB} KiB`);
}

function scenario(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const link = (extra = ""): string => `duration: 2s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms${extra} }\nflows:\n  - { id: a }\n`;

function mkfifo(name: string): string {
  const p = join(dir, name);
  const r = spawnSync("mkfifo", [p]);
  assert.equal(r.status, 0, "mkfifo");
  return p;
}

/** The issues of a scenario that must fail, as `line:col path: message`. */
function issues(text: string): string[] {
  try {
    parseScenario(text, "t.yaml");
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
  return assert.fail("the scenario was accepted");
}

test("/dev/zero as a trace or an object is refused as a character device, not read", () => {
  const f = scenario("zero.yaml", link(", trace: /dev/zero"));
  refused(cli("run", f, "--out", join(dir, "o"), "--no-progress"), /zero\.yaml:3:50: topology\.bottleneck\.trace: cannot read mahimahi trace \/dev\/zero: it is a character device, not a regular file/);
  const o = scenario("zero-obj.yaml", `${link()}objects:\n  - { name: o, path: /dev/zero }\n`);
  refused(cli("run", o, "--out", join(dir, "o"), "--no-progress"), /zero-obj\.yaml:7:5: objects\[0\]: cannot read BPF object \/dev\/zero: it is a character device/);
});

test("a FIFO as the scenario, a trace or an object is refused without blocking", () => {
  const fifo = mkfifo("pipe");
  refused(cli("run", fifo, "--no-progress"), /cannot read scenario .*pipe: it is a FIFO \(named pipe\), not a regular file/);
  const t = scenario("fifo-trace.yaml", link(", trace: pipe"));
  refused(cli("run", t, "--out", join(dir, "o"), "--no-progress"), /fifo-trace\.yaml:3:50: topology\.bottleneck\.trace: cannot read mahimahi trace pipe: it is a FIFO/);
  const o = scenario("fifo-obj.yaml", `${link()}objects:\n  - { name: o, path: pipe }\n`);
  refused(cli("run", o, "--out", join(dir, "o"), "--no-progress"), /fifo-obj\.yaml:7:5: objects\[0\]: cannot read BPF object \/.*\/pipe: it is a FIFO/);
});

test("a directory as the scenario or the trace is refused", () => {
  mkdirSync(join(dir, "adir"));
  refused(cli("run", join(dir, "adir"), "--no-progress"), /cannot read scenario .*adir: EISDIR \(21\): it is a directory/);
  const t = scenario("dir-trace.yaml", link(", trace: adir"));
  refused(cli("run", t, "--out", join(dir, "o"), "--no-progress"), /dir-trace\.yaml:3:50: topology\.bottleneck\.trace: cannot read mahimahi trace adir: EISDIR \(21\): it is a directory/);
});

test("2000 unknown top-level keys: every one reported with its line, the listing capped, in linear time", () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `junk_${i}: 1`).join("\n");
  const f = scenario("2k.yaml", `${link()}${keys}\n`);
  const r = cli("run", f, "--no-progress");
  refused(r, /2k\.yaml:6:1: junk_0: unknown field 'junk_0'; known fields: name, description/);
  assert.match(r.stderr, /2k\.yaml:55:1: junk_49: unknown field/);
  assert.match(r.stderr, /\.\.\. and 1950 more problems \(2000 in all\)/);
});

test("16k unknown top-level keys stop at the document's line limit, before YAML parsing", () => {
  const keys = Array.from({ length: 16_384 }, (_, i) => `junk_${i}: 1`).join("\n");
  const f = scenario("16k.yaml", `${link()}${keys}\n`);
  refused(cli("run", f, "--no-progress"), /16k\.yaml:10000:\d+: the document has more than 10000 lines and commas/);
});

test("100k unknown keys stop at the document's line limit, before YAML parsing", () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join("\n");
  const f = scenario("100k.yaml", `${link()}${keys}\n`);
  refused(cli("run", f, "--no-progress"), /100k\.yaml:10000:\d+: the document has more than 10000 lines and commas/);
});

test("an alias bomb stops at the node limit instead of expanding", () => {
  let text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]\n`;
  const f = scenario("bomb.yaml", text);
  refused(cli("run", f, "--no-progress"), /bomb\.yaml:\d+:\d+: the document has more than 50000 nodes/);
});

test("a 50 MB description is refused by the scenario size limit before it is read", () => {
  const f = scenario("big.yaml", `${link()}description: "${"x".repeat(50 << 20)}"\n`);
  const r = cli("run", f, "--no-progress");
  refused(r, /scenario .*big\.yaml is 50 MiB, above the limit of 1 MiB \(1048576 bytes\): raise the limit with --max-input-size/);
  // Raised, the file is read and the description's own limit names its line.
  const g = scenario("big2.yaml", `${link()}description: "${"x".repeat(1 << 20)}"\n`);
  const raised = cli("run", g, "--no-progress", "--max-input-size", "2MiB");
  assert.equal(raised.code, 1);
  assert.match(raised.stderr, /big2\.yaml:6:14: description: must be a text of at most 2000 characters/);
});

test("1000 flows at 10 Gbit/s are refused with the estimate, before anything runs", () => {
  const f = scenario("big-run.yaml", "duration: 20s\ntopology:\n  bottleneck: { rate: 10gbit, delay: 5ms }\nflows:\n  - { id: a, count: 1000 }\n");
  const r = cli("run", f, "--out", join(dir, "o"), "--no-progress");
  refused(r, /big-run\.yaml: the run is estimated at [\d.]+M simulator events \(1000 flows over a 10 Gbit\/s path for 20s, about 16\.7M packets\), above the budget of 50M: raise it with --max-events \d+/);
});

test("--max-events and --max-output raise the budget", async () => {
  const f = scenario("raise.yaml", "duration: 20s\ntopology:\n  bottleneck: { rate: 10gbit, delay: 5ms }\nflows:\n  - { id: a, count: 1000 }\n");
  const reached: TestbedRunner = () => {
    throw new Error("reached the testbed");
  };
  const io = memoryIo();
  assert.equal(await runMain(f, { engine: "interp", out: join(dir, "o"), progress: false }, io, reached), 1);
  assert.match(io.err(), /above the budget/);
  const io2 = memoryIo();
  assert.equal(await runMain(f, { engine: "interp", out: join(dir, "o"), progress: false, maxEvents: 1e9, maxOutput: 4 * 2 ** 30 }, io2, reached), 1);
  assert.doesNotMatch(io2.err(), /above the budget/);
  assert.match(io2.err(), /reached the testbed/);
  // Output alone: many flows sampled every 100us at a low rate.
  const g = scenario("raise-out.yaml", "duration: 600s\ntopology:\n  bottleneck: { rate: 1mbit, delay: 5ms }\nflows:\n  - { id: a, count: 1000 }\noutputs: { sample: 100us }\n");
  const io3 = memoryIo();
  assert.equal(await runMain(g, { engine: "interp", out: join(dir, "o"), progress: false }, io3, reached), 1);
  assert.match(io3.err(), /raise-out\.yaml: the run is estimated to write [\d.]+ GiB of traces \(1000 flows over a 1 Mbit\/s path for 600s, about 50k packets, a sample every 100us, hooks: events\), above the budget of 512 MiB: raise it with --max-output \d+/);
  assert.doesNotMatch(io3.err(), /simulator events/);
  const help = memoryIo();
  await main(["run", "--help"], help);
  assert.match(help.out(), /--max-events <n>[^]*--max-output <size>[^]*--max-input-size <size>/);
  for (const bad of [["--max-events", "0"], ["--max-output", "lots"], ["--max-input-size", "-1"]]) {
    const u = memoryIo();
    assert.equal(await main(["run", f, ...bad], u), 2, bad.join(" "));
    assert.match(u.err(), new RegExp(`option '${bad[0]} <`));
  }
});

test("durations, times and rates beyond the stated bounds are field errors with their line", () => {
  const days = issues("duration: 8640000s\ntopology:\n  bottleneck: { rate: 9000tbit, delay: 5ms }\nflows:\n  - { id: a, start: 0s, duration: 2000min }\n");
  assert.deepEqual(days, [
    "1:11 duration: must be a duration of at most 86400s (1 day, the longest run): current value is \"8640000s\"",
    "3:23 topology.bottleneck.rate: must be a rate of at most 1000 Gbit/s: current value is \"9000tbit\"",
    "5:35 flows[0].duration: must be a duration of at most 86400s (1 day, the longest run): current value is \"2000min\"",
  ]);
  const at = issues("duration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - { id: a }\nactions:\n  - { at: 9e15, do: default, algorithm: reno }\n  - { at: 2000000s, do: default, algorithm: reno }\n");
  assert.deepEqual(at, [
    "7:11 actions[0].at: must be a duration below 104 days: current value is 9000000000000000",
    "8:11 actions[1].at: must be a duration of at most 86400s (1 day, the longest run): current value is \"2000000s\"",
  ]);
});

test("every copy of a staggered flow group must start before the group's stop", () => {
  assert.deepEqual(issues("duration: 20s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - { id: g, count: 3, start: 1s, stagger: 2s, stop: 4s }\n"), [
    "5:44 flows[0].stagger: starts a flow at 5s, not before the group's stop (4s): start + stagger × (count - 1) must be before stop",
  ]);
  assert.doesNotThrow(() => parseScenario("duration: 20s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - { id: g, count: 3, start: 1s, stagger: 1s, stop: 4s }\n", "t.yaml"));
});

test("an unresolved alias, a duplicate key and a field reached through an alias are located where they are written", () => {
  assert.deepEqual(issues("duration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - *nope\n"), [
    "5:5 : alias *nope names no anchor &nope defined before it",
  ]);
  assert.deepEqual(issues("duration: 1s\nduration: 2s\n"), ["2:1 : duplicate key 'duration' (first at 1:1)"]);
  // The second flow is the first again: its duplicate id is reported at the alias, not at the anchor.
  assert.deepEqual(issues("duration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nflows:\n  - &f { id: a }\n  - *f\n"), [
    "6:5 flows[1].id: 'a' names another flow already",
  ]);
});

test("huge and hostile mahimahi traces: a period beyond the longest run, an oversized file", async () => {
  writeFileSync(join(dir, "huge.trace"), `${"1\n".repeat(500)}99999999999999999999\n`);
  const f = scenario("huge-trace.yaml", link(", trace: huge.trace"));
  const io = memoryIo();
  assert.equal(await runMain(f, { engine: "interp", out: join(dir, "o"), progress: false }, io), 1);
  assert.match(io.err(), /huge-trace\.yaml:3:50: topology\.bottleneck\.trace: huge\.trace: the last timestamp \(the trace's period\) is 100000000000000000000 ms, above the limit of 86400000 ms/);
  const io2 = memoryIo();
  assert.equal(await runMain(f, { engine: "interp", out: join(dir, "o"), progress: false, maxInputSize: 500 }, io2), 1);
  assert.match(io2.err(), /huge-trace\.yaml:3:50: topology\.bottleneck\.trace: mahimahi trace huge\.trace is 1021 bytes, above the limit of 500 bytes \(500 bytes\): raise the limit with --max-input-size/);
});

test("readBoundedFile() reads a regular file within its limit and names the file and limit otherwise", () => {
  const p = join(dir, "ten");
  writeFileSync(p, "0123456789");
  assert.equal(readBoundedFile(p, { what: "test file", maxBytes: 10 }).toString(), "0123456789");
  assert.throws(() => readBoundedFile(p, { what: "test file", maxBytes: 9 }), (e: unknown) => e instanceof InputFileError && /test file .*ten is 10 bytes, above the limit of 9 bytes/.test(e.message));
  assert.throws(() => readBoundedFile(join(dir, "missing"), { what: "test file", maxBytes: 9 }), (e: unknown) => e instanceof InputFileError && e.code === "ENOENT");
});

test("a drop-tail queue without a limit holds the documented 1000 packets (the next test runs one)", () => {
  const s = parseScenario(link(", queue: { kind: droptail }"), "t.yaml");
  assert.deepEqual(s.topology.bottleneck.queue, { kind: "droptail", packets: 1000 });
  // A null limit is no limit (fuzz: test/fuzz/corpus/scenario/droptail-null-limit.json reached the simulator without one).
  const n = parseScenario(link(", queue: { kind: droptail, packets: ~, bytes: ~ }"), "t.yaml");
  assert.deepEqual(n.topology.bottleneck.queue, { kind: "droptail", packets: 1000 });
});

test("at 0 s, an attach action runs before a flow that starts then and selects the algorithm it registers (real testbed)", async () => {
  const f = scenario("t0.yaml", [
    "duration: 300ms",
    "topology:",
    "  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail } }",
    "objects:",
    "  - { name: v1, bytecode: reno, ca_name: zero_cc }",
    "flows:",
    "  - { id: a, algorithm: zero_cc, start: 0s }",
    "actions:",
    "  - { at: 0s, do: attach, map: v1, link: l }",
    "outputs: { report: false }",
    "",
  ].join("\n"));
  const io = memoryIo();
  const code = await runMain(f, { engine: "interp", out: join(dir, "t0-out"), progress: false }, io);
  assert.equal(code, 0, io.err());
  assert.doesNotMatch(io.out() + io.err(), /FAILED|ENOENT/);
  assert.match(io.out(), /a: zero_cc \(v1\)|zero_cc \(v1\)/);
});

test("the estimate counts a flow's size: a short transfer on a fast link for a long run is within budget", async () => {
  const reached: TestbedRunner = () => {
    throw new Error("reached the testbed");
  };
  const sized = scenario("sized.yaml", "duration: 1000s\ntopology:\n  bottleneck: { rate: 100gbit, delay: 5ms }\nflows:\n  - { id: a, size: 10MB }\noutputs: { sample: 1s }\n");
  const io = memoryIo();
  await runMain(sized, { engine: "interp", out: join(dir, "o"), progress: false }, io, reached);
  assert.match(io.err(), /reached the testbed/);
  const unsized = scenario("unsized.yaml", "duration: 1000s\ntopology:\n  bottleneck: { rate: 100gbit, delay: 5ms }\nflows:\n  - { id: a }\noutputs: { sample: 1s }\n");
  const io2 = memoryIo();
  assert.equal(await runMain(unsized, { engine: "interp", out: join(dir, "o"), progress: false }, io2, reached), 1);
  assert.match(io2.err(), /unsized\.yaml: the run is estimated at [\d.]+G simulator events \(1 flow over a 100 Gbit\/s path for 1000s, about 8\.33G packets\)/);
});

test("deep nesting is refused before YAML parsing, at the line and column where it passes the limit", () => {
  assert.deepEqual(issues(`a: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`), ["1:68 : lists and mappings nest more than 64 levels deep: a scenario nests a few levels"]);
  assert.deepEqual(issues(`${"- ".repeat(100_000)}x\n`), ["1:129 : a line holds more than 64 '- ', '? ' or ': ' indicators, each a level of nesting: a scenario nests a few levels"]);
  assert.deepEqual(issues(`${"a: ".repeat(100_000)}x\n`), ["1:194 : a line holds more than 64 '- ', '? ' or ': ' indicators, each a level of nesting: a scenario nests a few levels"]);
  let stairs = "";
  for (let i = 0; i < 300; i++) stairs += `${" ".repeat(i)}a:\n`;
  assert.deepEqual(issues(stairs), ["258:257 : a line is indented more than 256 columns: a scenario nests a few levels"]);
});
