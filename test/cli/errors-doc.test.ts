/**
 * @fileoverview docs/errors.md cannot drift: every row of its table is a
 * case run here (the CLI in-process on the emulated kernel and the real
 * testbed, or the library API), and what the code prints must be the row's
 * message exactly, on one line, with the row's exit status and no stack
 * trace. Every case here has a row and every row a case.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { FIXTURES } from "../obj/helpers.js";
import { probeLinux } from "../../src/testbed/linux/netns.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DOC = join(ROOT, "docs", "errors.md");

/** A row of the table: case id, exit status ("1", "0", or "throws" for the API), message with `<tmp>` and `<fixtures>` placeholders. */
interface Row {
  readonly id: string;
  readonly exit: string;
  readonly message: string;
}

/** The table rows: `| \`id\` | command | exit | \`message\` |`. */
function rows(md: string): Row[] {
  const out: Row[] = [];
  // The section "## The messages" up to the next heading: later tables (the machine-dependent answers of
  // run --linux) are checked where the machine can give them, in test/cli/run-linux.test.ts.
  const lines = md.split("\n");
  const from = lines.indexOf("## The messages");
  const to = lines.findIndex((l, i) => i > from && l.startsWith("#"));
  for (const line of lines.slice(from, to < 0 ? undefined : to)) {
    const m = /^\| `([a-z0-9-]+)` \|.*\| (\d|throws) \| `(.+)` \|$/.exec(line);
    if (m !== null) out.push({ id: m[1] as string, exit: m[2] as string, message: m[3] as string });
  }
  return out;
}

/** What a case produced: exit status (or "throws") and the one line it printed or threw. */
interface Outcome {
  readonly exit: string;
  readonly text: string;
}

const SCENARIO = (body: string): string => `name: e\nduration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\n${body}`;
const FLOW_A = "flows:\n  - { id: a, algorithm: reno }\n";

/** Runs the CLI with `argv`. */
async function cli(argv: string[]): Promise<Outcome> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { exit: String(code), text: io.err() };
}

/** Writes scenario <tmp>/s.yaml with `body`; returns its path. */
function scenarioFile(tmp: string, body: string): string {
  writeFileSync(join(tmp, "s.yaml"), SCENARIO(body));
  return join(tmp, "s.yaml");
}

/** Runs scenario `body` with output in <tmp>/o (or `out`). */
async function runScenario(tmp: string, body: string, out = join(tmp, "o")): Promise<Outcome> {
  return cli(["run", scenarioFile(tmp, body), "--out", out, "--no-progress"]);
}

function throws(f: () => unknown): Outcome {
  try {
    f();
  } catch (e) {
    return { exit: "throws", text: `${(e as Error).message}\n` };
  }
  return { exit: "returned", text: "" };
}

/** A run folder <tmp>/<name> holding one flow `id`'s samples (t in ms, cwnd, bytes acked), as `structops run` writes flows.csv. */
function runFolder(tmp: string, name: string, id: string, rows: readonly (readonly [number, number, number])[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const head = "t_ns,flow,cc,cwnd,ssthresh,ca_state,srtt_us,rtt_us,inflight,delivery_rate_bps,bytes_acked,retrans,pacing_rate,delivered_bytes";
  const line = ([ms, cwnd, acked]: readonly [number, number, number]): string => `${ms * 1e6},${id},reno,${cwnd},2147483647,Open,20000,20000,${cwnd},0,${acked},0,0,${acked}`;
  writeFileSync(join(dir, "flows.csv"), `${[head, ...rows.map(line)].join("\n")}\n`);
  return dir;
}

/** Two runs of flow `a`: B delivered half as much as A in the same second. */
function twoRuns(tmp: string): [string, string] {
  return [runFolder(tmp, "A", "a", [[0, 10, 0], [1000, 20, 2_000_000]]), runFolder(tmp, "B", "a", [[0, 10, 0], [1000, 20, 1_000_000]])];
}

/**
 * `structops run --linux` as a user other than root. As root, the CLI runs
 * in this process with process.getuid() answering 65534 (nobody) for the
 * duration of the call: switching the real user (setpriv) would make the
 * checkout unreadable wherever its directory is private (a mktemp clone is
 * 0700, and access(2) drops capabilities for a non-root real uid).
 */
async function runLinuxAsNobody(tmp: string): Promise<Outcome> {
  const file = scenarioFile(tmp, FLOW_A);
  const argv = ["run", "--linux", file, "--out", join(tmp, "o"), "--no-progress"];
  if (process.getuid?.() !== 0) return cli(argv);
  const real = process.getuid;
  process.getuid = () => 65534;
  try {
    return await cli(argv);
  } finally {
    process.getuid = real;
  }
}

const objects = (line: string): string => `objects:\n  - ${line}\n${FLOW_A}`;
const inc = `{ name: inc, path: ${join(FIXTURES, "incompl.model.bpf.o")} }`;

/** Every case of the table, by id. Each gets a fresh temp dir with a regular file `file` in it. */
const CASES: Record<string, (tmp: string) => Promise<Outcome> | Outcome> = {
  "run-out-file": (t) => runScenario(t, FLOW_A, join(t, "file")),
  "run-out-through-file": (t) => runScenario(t, FLOW_A, join(t, "file", "out")),
  "run-out-procfs": (t) => runScenario(t, FLOW_A, "/proc/structops"),
  "run-out-sysfs": (t) => runScenario(t, FLOW_A, "/sys/kernel/structops"),
  "run-out-file-is-dir": (t) => {
    mkdirSync(join(t, "o", "flows.csv"), { recursive: true });
    return runScenario(t, FLOW_A);
  },
  "demo-out-file": (t) => cli(["demo", "--out", join(t, "file")]),
  "demo-out-procfs": () => cli(["demo", "--out", "/proc/x"]),
  "object-missing": (t) => runScenario(t, objects("{ name: x, path: missing.bpf.o }")),
  "object-directory": (t) => runScenario(t, objects("{ name: x, path: . }")),
  "object-not-elf": (t) => runScenario(t, objects("{ name: x, path: file }")),
  "object-refused-by-verifier": (t) => runScenario(t, objects(`{ name: x, path: ${join(FIXTURES, "nogpl.model.bpf.o")} }`)),
  "object-unknown-map": (t) => runScenario(t, objects(`{ name: x, path: ${join(FIXTURES, "update.model.bpf.o")}, maps: [ca_update_1, nosuch] }`)),
  "attach-missing-ops": (t) => runScenario(t, `objects:\n  - ${inc}\n${FLOW_A}actions:\n  - { at: 0.5s, do: attach, map: inc, link: l }\n`),
  "flow-unknown-cc": (t) => runScenario(t, "flows:\n  - { id: a, algorithm: vegas }\n"),
  "default-cc-unknown": (t) => runScenario(t, `default_cc: vegas\n${FLOW_A}`),
  "setsockopt-unknown-cc": (t) => runScenario(t, `${FLOW_A}actions:\n  - { at: 0.5s, do: setsockopt, algorithm: vegas, flows: [a] }\n`),
  "default-action-unknown-cc": (t) => runScenario(t, `${FLOW_A}actions:\n  - { at: 0.5s, do: default, algorithm: vegas }\n`),
  "scenario-missing": (t) => cli(["run", join(t, "nope.yaml"), "--no-progress"]),
  "scenario-directory": (t) => cli(["run", t, "--no-progress"]),
  "scenario-fifo": (t) => {
    execFileSync("mkfifo", [join(t, "f.yaml")]);
    return cli(["run", join(t, "f.yaml"), "--no-progress"]);
  },
  "scenario-too-large": (t) => {
    writeFileSync(join(t, "big.yaml"), `# ${"x".repeat(2 * 1024 * 1024)}\n`);
    return cli(["run", join(t, "big.yaml"), "--no-progress"]);
  },
  "scenario-unknown-field": (t) => runScenario(t, `${FLOW_A}nosuch: 1\n`),
  "object-device": (t) => runScenario(t, objects("{ name: x, path: /dev/zero }")),
  "scenario-watchdog-late": (t) => {
    writeFileSync(join(t, "s.yaml"), `name: e\nduration: 1s\ntopology:\n  bottleneck:\n    rate: 100mbit\n    delay: 5ms\n    shaper: { kind: tbf, watchdog_late: { histogram: [[20us, 9], [10us, 1]] } }\n${FLOW_A}`);
    return cli(["run", join(t, "s.yaml"), "--out", join(t, "o"), "--no-progress"]);
  },
  "run-over-event-budget": (t) => {
    writeFileSync(join(t, "s.yaml"), "name: e\nduration: 1000s\ntopology:\n  bottleneck: { rate: 1gbit, delay: 5ms }\nflows:\n  - { id: a, algorithm: reno, count: 100 }\n");
    return cli(["run", join(t, "s.yaml"), "--out", join(t, "o"), "--no-progress", "--max-output", "1099511627776"]);
  },
  "inspect-missing": (t) => cli(["object", "show", join(t, "nope.o")]),
  "inspect-not-elf": (t) => cli(["object", "show", join(t, "file")]),
  "inspect-unknown-program": () => cli(["object", "dump", join(FIXTURES, "reno.model.bpf.o"), "nosuch"]),
  "inspect-no-kernel": () => cli(["struct_ops", "list"]),
  "run-linux-refused": (t) => cli(["run", "--linux", scenarioFile(t, "flows:\n  - { id: a, algorithm: reno, ecn: true }\n"), "--out", join(t, "o"), "--no-progress"]),
  "run-linux-not-root": (t) => runLinuxAsNobody(t),
  "run-linux-no-tool": async (t) => {
    // Nothing on PATH: the probe finds no `ip` (a machine without iproute2).
    const path = process.env.PATH;
    process.env.PATH = join(t, "empty");
    try {
      return await cli(["run", "--linux", scenarioFile(t, FLOW_A), "--out", join(t, "o"), "--no-progress"]);
    } finally {
      process.env.PATH = path;
    }
  },
  "compare-bad-tolerance": (t) => cli(["compare", t, t, "--tolerance", "medianCwnd=two"]),
  "compare-unknown-metric": (t) => cli(["compare", t, t, "--tolerance", "cwnd=2%"]),
  "compare-no-folder": (t) => cli(["compare", join(t, "nope"), t]),
  "compare-not-a-run": (t) => cli(["compare", t, t]),
  "compare-no-common-flow": (t) => {
    const a = runFolder(t, "A", "a", [[0, 10, 0], [1000, 20, 2_000_000]]);
    return cli(["compare", a, runFolder(t, "B", "b", [[0, 10, 0], [1000, 20, 2_000_000]]), "--out", join(t, "c.html")]);
  },
  "compare-past-tolerance": (t) => cli(["compare", ...twoRuns(t), "--out", join(t, "c.html"), "--tolerance", "goodputMbps=10%"]),
  "api-open-missing": (t) => throws(() => BpfObject.open(join(t, "nope.bpf.o"))),
  "api-open-directory": (t) => throws(() => BpfObject.open(t)),
  "api-unknown-map": () => throws(() => BpfObject.open(join(FIXTURES, "update.model.bpf.o")).map("nosuch")),
  "api-unknown-program": () => throws(() => BpfObject.open(join(FIXTURES, "reno.model.bpf.o")).program("nosuch")),
  "api-attach-unknown-map": () => {
    const obj = BpfObject.open(join(FIXTURES, "update.model.bpf.o"));
    obj.load(new EmulatedKernel().process());
    return throws(() => obj.attachStructOps("nosuch"));
  },
  "api-attach-missing-ops": () => {
    const obj = BpfObject.open(join(FIXTURES, "incompl.model.bpf.o"));
    obj.load(new EmulatedKernel().process());
    return throws(() => obj.attachStructOps("fx_incompl"));
  },
};

/** Cases that get past the Linux testbed's root check: run only as root (elsewhere the message is run-linux-not-root's). */
const ROOT_ONLY = new Set(["run-linux-no-tool"]);

/** Runs each row's case; every row that differs is named in one failure, with what the code printed. */
async function checkRows(table: readonly Row[]): Promise<void> {
  const wrong: string[] = [];
  for (const row of table) {
    const tmp = mkdtempSync(join(tmpdir(), "structops-errdoc-"));
    try {
      writeFileSync(join(tmp, "file"), "not a directory, not an ELF file\n");
      const run = CASES[row.id];
      assert.ok(run !== undefined);
      const got = await run(tmp);
      const expected = row.message.replaceAll("<tmp>", tmp).replaceAll("<fixtures>", FIXTURES);
      assert.doesNotMatch(got.text, /^\s+at |internal error/m, `${row.id}: no stack trace`);
      if (got.text !== `${expected}\n` || got.exit !== row.exit) wrong.push(`${row.id}: exit ${got.exit} (row: ${row.exit}), printed: ${got.text.replaceAll(tmp, "<tmp>")}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  assert.equal(wrong.length, 0, `rows whose message (one line) or exit status differ:\n${wrong.join("\n")}`);
}

test("docs/errors.md: every row's message is what the code prints, on one line, with its exit status and no stack", async () => {
  const table = rows(readFileSync(DOC, "utf8"));
  assert.deepEqual(table.map((r) => r.id).sort(), Object.keys(CASES).sort(), "the table's rows and the tested cases are the same");
  await checkRows(table.filter((r) => !ROOT_ONLY.has(r.id)));
});

test("docs/errors.md: the rows of run --linux past its root check", async (t) => {
  if (process.getuid?.() !== 0 || !probeLinux().ok) return t.skip("needs root and the Linux testbed");
  await checkRows(rows(readFileSync(DOC, "utf8")).filter((r) => ROOT_ONLY.has(r.id)));
});
