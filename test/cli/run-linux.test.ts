/**
 * @fileoverview `structops run --linux` (docs/linux-run.md): the scenario on
 * this machine's kernel through the Linux testbed (src/testbed/linux).
 *
 * - Without root: every feature the real path cannot reproduce is refused
 *   by name, at its line, before anything is created.
 * - With root and network namespaces: a short scenario with a BPF struct_ops
 *   algorithm (attached, then BPF_LINK_UPDATE), a built-in one moved by
 *   setsockopt and one on the scenario's default writes the same trace files
 *   and report as a simulated run, each flow runs the scenario's algorithm
 *   (getsockopt(TCP_CONGESTION) in every TCP_INFO sample), and the machine's
 *   congestion-control sysctls and namespaces are exactly as before; a run
 *   interrupted by SIGINT cleans up before it exits, and the namespaces of a
 *   run killed with SIGKILL are removed at the next start; an iterate action
 *   runs over the real sockets, and the report claims no move it cannot see.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { memoryIo } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/run.js";
import { main } from "../../src/cli/main.js";
import { fqRefusal, linuxNotes, linuxRefusals, linuxSpec, missingAlgorithms } from "../../src/cli/run/linux-run.js";
import { ScenarioKernel } from "../../src/cli/run/kernel-actions.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { acquireLinuxLock } from "../parity/linux-checks.js";
import { listNetns, NS_PREFIX, probeLinux, probeQdisc, removeStaleNamespaces, topologyCommands } from "../../src/testbed/linux/netns.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEMO_OBJECT = join(ROOT, "test", "fixtures", "demo.linux.bpf.o");
const RUN_OPTS = { engine: "auto", progress: false, linux: true } as const;

const SMALL = `name: linux-small
seed: 3
duration: 3s
default_cc: reno
topology:
  bottleneck: { rate: 20mbit, delay: 10ms, queue: { kind: droptail, packets: 40 } }
objects:
  - name: demo
    path: ${DEMO_OBJECT}
    maps: [demo_v1, demo_v2]
flows:
  - { id: bpf, start: 200ms, algorithm: demo_cc }
  - { id: builtin, algorithm: cubic }
  - { id: plain, start: 1s }
actions:
  - { at: 0s, do: attach, map: demo/demo_v1, link: cc }
  - { at: 1500ms, do: update, link: cc, map: demo/demo_v2 }
  - { at: 2s, do: setsockopt, algorithm: reno, flows: [builtin] }
outputs: { sample: 10ms }
`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "structops-linux-run-"));
}

/** Testbed namespaces of other processes (other tests on a shared machine come and go): not part of what this test compares. */
const OTHER_TESTBED = /^(?:sofid|structops-tb)-(\d+)-/;

/** The machine's state the run must leave as it found it. */
/**
 * The machine's congestion-control settings and our namespaces. BPF
 * congestion controls are registered machine-wide, and other test files
 * (parity, inspect) register and unregister theirs while this one runs: the
 * available list is compared without the names a struct_ops map holds (cc
 * list --linux), i.e. as the kernel's own algorithms.
 */
async function machineState(): Promise<Record<string, string>> {
  const read = (k: string): string => readFileSync(`/proc/sys/net/ipv4/${k}`, "utf8");
  const mine = (n: string): boolean => {
    const m = OTHER_TESTBED.exec(n);
    return m === null || Number(m[1]) === process.pid;
  };
  const io = memoryIo();
  assert.equal(await main(["cc", "list", "--linux", "-j"], io), 0, io.err());
  const listed = JSON.parse(io.out()) as { ops: { name: string; struct_ops_map: string | null }[] };
  const bpf = new Set(listed.ops.filter((o) => o.struct_ops_map !== null).map((o) => o.name));
  const available = read("tcp_available_congestion_control").trim().split(/\s+/).filter((n) => !bpf.has(n));
  return {
    default: read("tcp_congestion_control"), available: available.join(" "), allowed: read("tcp_allowed_congestion_control"),
    netns: listNetns().filter(mine).sort().join(" "),
  };
}

/** Our own namespaces (another process's testbed may run at the same time). */
const ours = (pid: number): string[] => listNetns().filter((n) => n.startsWith(`${NS_PREFIX}${pid}-`));

test("run --linux refuses what the real path cannot reproduce, by name and line, before anything starts", async () => {
  const dir = tmp();
  try {
    const f = join(dir, "refused.yaml");
    writeFileSync(f, `name: refused
duration: 2s
topology:
  bottleneck:
    rate: 10mbit
    delay: 5ms
    queue: { kind: red, limit: 100KB, min: 20KB, max: 60KB }
    shaper: { kind: tbf, burst: 10KB }
    reverse: { rate: 1mbit }
  hops:
    - { rate: 5mbit, delay: 1ms }
objects:
  - { name: v1, bytecode: reno, ca_name: tiny_cc, beta: 0.5 }
flows:
  - { id: a, ecn: true }
  - { id: b, drops: { segments: [5] } }
`);
    const before = ours(process.pid);
    const io = memoryIo();
    const code = await runMain(f, { ...RUN_OPTS, out: join(dir, "out") }, io);
    assert.equal(code, 1);
    const err = io.err();
    for (const [where, what] of [
      ["topology.hops", "hops"], ["topology.bottleneck.queue", "'red'"], ["topology.bottleneck.reverse.rate", "reverse.rate"],
      ["objects[0].bytecode", "bytecode"], ["flows[0].ecn", "ECN"], ["topology.bottleneck.shaper", "burst"], ["flows[1].drops", "drop list"],
    ] as const) {
      assert.match(err, new RegExp(`refused\\.yaml:\\d+:\\d+: ${where.replace(/[.[\]]/g, "\\$&")}: .*${what}`), `no refusal of ${where} in:\n${err}`);
    }
    assert.doesNotMatch(err, /internal error|\n\s+at /);
    assert.equal(existsSync(join(dir, "out")), false, "the output folder was created for a refused run");
    assert.deepEqual(ours(process.pid), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const FQ_SCENARIO = `name: fq
duration: 2s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms }
  access: { qdisc: fq }
flows:
  - { id: a, algorithm: cubic }
`;

test("run --linux: qdisc: fq is refused at its line when this kernel has no sch_fq, and becomes tc's fq on the sender's veth otherwise", () => {
  const s = parseScenario(FQ_SCENARIO, "fq.yaml");
  const issues = fqRefusal(s, { ok: false, reason: "this kernel has no sch_fq (tc qdisc add ... fq: Error: Specified qdisc kind is unknown.)" });
  assert.equal(issues.length, 1);
  assert.match(issues[0]?.path ?? "", /^topology\.access\.qdisc$/);
  assert.match(issues[0]?.message ?? "", /--linux cannot pace with fq: this kernel has no sch_fq .*use qdisc: none/);
  assert.deepEqual(fqRefusal(s, { ok: true }), []);
  const spec = linuxSpec(s, ScenarioKernel.load(s, new EmulatedKernel().process()));
  assert.equal(spec.path.senderQdisc, "fq");
  const cmds = topologyCommands({ sender: "S", router: "M", receiver: "R" }, spec.path).map((c) => c.join(" "));
  assert.ok(cmds.includes("tc -n S qdisc add dev s0 root fq"), cmds.join("\n"));
});

test("run --linux with qdisc: fq, on this machine: refused before anything starts if tc cannot add fq, else it runs", async (t) => {
  const probe = probeLinux();
  if (!probe.ok) {
    t.skip(probe.reason);
    return;
  }
  const fq = probeQdisc("fq");
  t.diagnostic(`sch_fq here: ${fq.ok ? "yes" : fq.reason}`);
  const dir = tmp();
  try {
    const f = join(dir, "fq.yaml");
    writeFileSync(f, FQ_SCENARIO);
    const before = ours(process.pid);
    const io = memoryIo();
    const code = await runMain(f, { ...RUN_OPTS, out: join(dir, "out") }, io);
    if (fq.ok) {
      assert.equal(code, 0, io.err());
    } else {
      assert.equal(code, 1);
      assert.match(io.err(), /fq\.yaml:\d+:\d+: topology\.access\.qdisc: --linux cannot pace with fq: this kernel has no sch_fq \(tc qdisc add \.\.\. fq: /);
      assert.doesNotMatch(io.err(), /\n\s+at /);
      assert.equal(existsSync(join(dir, "out")), false, "the output folder was created for a refused run");
    }
    assert.deepEqual(ours(process.pid), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run --linux accepts every bundled scenario (scenarios/), and says what an iterate action's report cannot show on Linux", () => {
  const dir = join(ROOT, "scenarios");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 6 && files.includes("transit.yaml"), files.join(" "));
  for (const f of files) {
    const s = parseScenario(readFileSync(join(dir, f), "utf8"), join(dir, f));
    assert.deepEqual(linuxRefusals(s), [], `${f} is refused`);
    const iterates = s.actions.some((a) => a.kind === "iterate");
    assert.equal(linuxNotes(s).some((n) => n.startsWith("iterate:")), iterates, `${f}: the iterate note`);
  }
});

test("run --linux refuses an algorithm this kernel lacks at its line, since it loads no module", () => {
  const s = parseScenario(`name: algos
duration: 2s
default_cc: westwood
topology:
  bottleneck: { rate: 10mbit, delay: 5ms }
flows:
  - { id: a, algorithm: vegas, count: 2 }
  - { id: b, algorithm: demo_cc }
  - { id: c }
actions:
  - { at: 1s, do: setsockopt, algorithm: cubic, flows: all }
  - { at: 1s, do: default, algorithm: htcp }
`, "algos.yaml");
  const issues = missingAlgorithms(s, ["reno", "cubic"], ["demo_cc"]);
  assert.deepEqual(issues.map((i) => [i.path, i.line]), [["flows[0].algorithm", 7], ["actions[1].algorithm", 12], ["default_cc", 3]]);
  assert.match(issues[0]?.message ?? "", /no congestion control "vegas" \(available: reno cubic; the scenario registers: demo_cc\); run --linux loads no module/);
});

test("run --linux maps the default shaper to tc's tbf as it is, and scales shaper: wire's rate and byte limit to 1514-byte frames", () => {
  const text = (shaper: string): string => `duration: 2s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, bytes: 30280 }${shaper} }\nflows:\n  - { id: a, algorithm: reno }\n`;
  const spec = (shaper: string): { rateBps: number; queue: unknown; note: boolean } => {
    const s = parseScenario(text(shaper), "s.yaml");
    const path = linuxSpec(s, ScenarioKernel.load(s, new EmulatedKernel().process())).path;
    return { rateBps: path.rateBps, queue: path.queue, note: linuxNotes(s).some((n) => n.startsWith("shaper: wire")) };
  };
  // The default and shaper: tbf are sch_tbf's own units (frames): nothing to convert, nothing to note.
  assert.deepEqual(spec(""), { rateBps: 10e6, queue: { bytes: 30280 }, note: false });
  assert.deepEqual(spec(", shaper: tbf"), spec(""));
  // wire counts 1500-byte packets: a full segment keeps its time on the wire and in the queue.
  const wire = spec(", shaper: wire");
  assert.ok(Math.abs(wire.rateBps - (10e6 * 1514) / 1500) < 1e-6);
  assert.deepEqual([wire.queue, wire.note], [{ bytes: Math.round((30280 * 1514) / 1500) }, true]);
});

test("run --linux runs a tbf shaper with watchdog_late as tc's tbf and notes that the lateness is the machine's own", () => {
  const s = parseScenario("duration: 2s\ntopology:\n  bottleneck: { rate: 100mbit, delay: 10ms, shaper: { kind: tbf, watchdog_late: { exponential: 30us } } }\nflows:\n  - { id: a }\n", "s.yaml");
  assert.deepEqual(linuxRefusals(s), []);
  assert.equal(linuxNotes(s).filter((n) => n.startsWith("shaper.watchdog_late is not applied: Linux's tbf watchdog cannot be told to be late")).length, 1);
  const plain = parseScenario("duration: 2s\ntopology:\n  bottleneck: { rate: 100mbit, delay: 10ms }\nflows:\n  - { id: a }\n", "s.yaml");
  assert.equal(linuxNotes(plain).some((n) => n.startsWith("shaper.watchdog_late")), false);
});

test("run --linux runs a link with wake as it is and notes that the delay line wakes as late as the machine makes it", () => {
  const s = parseScenario("duration: 2s\ntopology:\n  bottleneck: { rate: 100mbit, delay: 10ms, wake: { after: 1ms, late: 250us } }\nflows:\n  - { id: a }\n", "s.yaml");
  assert.deepEqual(linuxRefusals(s), []);
  assert.equal(linuxNotes(s).filter((n) => n.startsWith("wake is not applied")).length, 1);
  const plain = parseScenario("duration: 2s\ntopology:\n  bottleneck: { rate: 100mbit, delay: 10ms }\nflows:\n  - { id: a }\n", "s.yaml");
  assert.equal(linuxNotes(plain).some((n) => n.startsWith("wake")), false);
  // On the ACK direction only, of the bottleneck or of a later hop: noted as well; a lateness of 0 there is none.
  const notes = (bottleneck: string, hop: string): string[] => linuxNotes(parseScenario(`duration: 2s\ntopology:\n  bottleneck: ${bottleneck}\n  hops:\n    - ${hop}\nflows:\n  - { id: a }\n`, "s.yaml"));
  const none = "{ rate: 100mbit, delay: 10ms }";
  const ack = (late: string): string => `{ rate: 100mbit, delay: 10ms, reverse: { wake: { after: 1ms, late: ${late} } } }`;
  for (const [b, h] of [[ack("300us"), none], [none, ack("300us")]] as const) assert.equal(notes(b, h).filter((n) => n.startsWith("wake is not applied")).length, 1);
  assert.equal(notes(ack("0us"), ack("0us")).some((n) => n.startsWith("wake")), false);
});

const probe = probeLinux();

test("run --linux: the scenario's algorithms, BPF link update and setsockopt on real flows; traces and report; the machine as before", async (t) => {
  if (!probe.ok) return t.skip(`no Linux testbed here: ${probe.reason}`);
  const dir = tmp();
  // Its BPF congestion controls are registered machine-wide: not while a parity file checks the available list.
  const release = acquireLinuxLock();
  try {
    const f = join(dir, "small.yaml");
    writeFileSync(f, SMALL);
    const before = await machineState();
    const io = memoryIo();
    const code = await runMain(f, { ...RUN_OPTS, out: join(dir, "out") }, io);
    assert.equal(code, 0, io.err());
    assert.deepEqual(await machineState(), before, "congestion-control sysctls or namespaces changed");
    for (const file of ["flows.csv", "queues.csv", "events.csv", "summary.txt", "summary.json", "report.html"]) assert.ok(existsSync(join(dir, "out", file)), file);
    assert.match(io.out(), /update cc → demo\/demo_v2: BPF_LINK_UPDATE/);
    assert.match(io.out(), /setsockopt\(TCP_CONGESTION, "reno"\): builtin ok/);
    // Every sample's algorithm, as getsockopt(TCP_CONGESTION) saw it, per flow.
    const rows = readFileSync(join(dir, "out", "flows.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const ccs = (flow: string, from = 0, to = Infinity): Set<string> =>
      new Set(rows.filter((r) => r[1] === flow && Number(r[0]) >= from && Number(r[0]) < to).map((r) => r[2] as string));
    assert.deepEqual(ccs("bpf"), new Set(["demo_cc"]));
    assert.deepEqual(ccs("plain"), new Set(["reno"]), "the scenario's default_cc");
    // The action runs on a timer of this (possibly busy) process: never before its 2 s, but how late depends on the
    // machine. The flow's samples say cubic until then and reno from the setsockopt on (its cc_change event's time).
    assert.deepEqual(ccs("builtin", 0, 1.9e9), new Set(["cubic"]));
    const moved = readFileSync(join(dir, "out", "events.csv"), "utf8").trim().split("\n").map((l) => l.split(","))
      .find((r) => r[1] === "flow_event" && r[2] === "builtin" && r[5] === "cc_change");
    assert.ok(moved !== undefined && moved[4] === "reno" && Number(moved[0]) >= 1.9e9, `the builtin flow's cc_change: ${moved?.join(",")}`);
    const changeNs = Number(moved[0]);
    const seq = rows.filter((r) => r[1] === "builtin").map((r) => r[2] as string).filter((c, i, a) => i === 0 || a[i - 1] !== c);
    assert.deepEqual(seq, ["cubic", "reno"], "the builtin flow changes algorithm once");
    // flow.c stamps a sample after its getsockopt: one stamped past the setsockopt's return (plus slack for the stamp) was read after it.
    assert.deepEqual(ccs("builtin", changeNs + 50e6), new Set(["reno"]), "moved by the setsockopt action");
    const queues = readFileSync(join(dir, "out", "queues.csv"), "utf8").trim().split("\n").slice(1);
    assert.ok(queues.length > 50 && queues.every((l) => l.split(",")[1] === "bottleneck"));
    const html = readFileSync(join(dir, "out", "report.html"), "utf8");
    assert.match(html, /structops run --linux: linux-small/);
    assert.match(html, /s on Linux \d+\.\d+/);
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
});

const LONG = `name: linux-long
duration: 30s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 30 } }
flows:
  - { id: a, algorithm: reno }
`;

/** Children of the SIGINT test still running: killed and their namespaces removed when the test ends, whatever happened. */
const children: { child: ChildProcess; exited: Promise<number | null> }[] = [];

async function reapChildren(): Promise<void> {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
    await c.exited;
  }
  removeStaleNamespaces();
}

/** Starts `structops run --linux` on LONG in a child process and waits until its namespaces exist. */
async function startChild(dir: string): Promise<{ pid: number; exited: Promise<number | null> }> {
  const f = join(dir, "long.yaml");
  writeFileSync(f, LONG);
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), "run", "--linux", "--no-progress", "--out", join(dir, "out"), f], {
    stdio: ["ignore", "ignore", "pipe"], cwd: ROOT,
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (c, sig) => r(c ?? (sig === null ? null : 128))));
  const pid = child.pid as number;
  children.push({ child, exited });
  for (let i = 0; i < 600 && ours(pid).length < 3; i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(ours(pid).length, 3, `the child made no namespaces: ${stderr}`);
  return { pid, exited };
}

/** transit.yaml in three seconds: v1, BPF_LINK_UPDATE to v2, a flow on each, then the iterator. */
const TRANSIT = `name: linux-transit
duration: 3s
topology:
  bottleneck: { rate: 20mbit, delay: 10ms, queue: { kind: droptail, packets: 40 } }
objects:
  - { name: t, path: ${join(ROOT, "test", "fixtures", "iter_tcp.linux.bpf.o")}, maps: [fx_iter_v1, fx_iter_v2] }
flows:
  - { id: old, start: 100ms, algorithm: fx_iter_cc }
  - { id: new, start: 1200ms, algorithm: fx_iter_cc }
actions:
  - { at: 0s, do: attach, map: t/fx_iter_v1, link: cc }
  - { at: 1s, do: update, link: cc, map: t/fx_iter_v2 }
  - { at: 2s, do: iterate, program: t/fx_move_cc }
outputs: { sample: 10ms }
`;

test("run --linux runs an iterate action over the real sockets and says that a move under one name is not visible; the machine as before", async (t) => {
  if (!probe.ok) return t.skip(`no Linux testbed here: ${probe.reason}`);
  const dir = tmp();
  // Its BPF congestion controls are registered machine-wide: not while a parity file checks the available list.
  const release = acquireLinuxLock();
  try {
    const f = join(dir, "transit.yaml");
    writeFileSync(f, TRANSIT);
    const before = await machineState();
    const io = memoryIo();
    const code = await runMain(f, { ...RUN_OPTS, out: join(dir, "out") }, io);
    assert.equal(code, 0, io.err());
    assert.deepEqual(await machineState(), before, "congestion-control sysctls or namespaces changed");
    assert.match(io.out(), /iterate t\/fx_move_cc: iterator t\/fx_move_cc over TCP sockets: no flow changed its algorithm's name \(getsockopt\(TCP_CONGESTION\) names the algorithm: a move to another version under the same name is not visible on this kernel\); of 2 running flows/);
    // The report's paragraph claims no "kept ... until the end" for a flow the iterator may have moved.
    assert.match(io.out(), /old kept fx_iter_cc \(fx_iter_v1\) at least until 2(?:\.\d+)? s/);
    assert.match(io.out(), /ran fx_iter_cc \(fx_iter_v\d\) before it; whether it moved them to another version under the same name is not visible/);
    assert.doesNotMatch(io.out(), /kept fx_iter_cc \(fx_iter_v1\) until the end/);
    // What the iterator program itself printed (the fixture's last line counts what it visited and moved).
    const out = readdirSync(join(dir, "out")).find((n) => n.startsWith("iterate-"));
    assert.ok(out !== undefined, "the iterator's output file");
    assert.match(readFileSync(join(dir, "out", out), "utf8"), /visited \d+ moved \d+/);
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run --linux cleans up on SIGINT, and the namespaces of a run killed outright go at the next start", async (t) => {
  if (!probe.ok) return t.skip(`no Linux testbed here: ${probe.reason}`);
  const dir = tmp();
  try {
    const before = await machineState();
    const a = await startChild(dir);
    process.kill(a.pid, "SIGINT");
    assert.equal(await a.exited, 130);
    assert.deepEqual(ours(a.pid), [], "SIGINT left namespaces behind");

    const b = await startChild(dir);
    process.kill(b.pid, "SIGKILL");
    await b.exited;
    assert.equal(ours(b.pid).length, 3, "a killed run cannot clean up: its namespaces stay until the next start");
    const removed = removeStaleNamespaces();
    assert.deepEqual(removed.filter((n) => n.startsWith(`${NS_PREFIX}${b.pid}-`)).length, 3);
    assert.deepEqual(ours(b.pid), []);
    // No process of the killed run is left either (its programs die with their parent, PR_SET_PDEATHSIG).
    let left = 0;
    for (let i = 0; i < 40 && (left = spawnSync("pgrep", ["-f", `structops-tb-${b.pid}-`]).status === 0 ? 1 : 0) === 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(left, 0, "a program of the killed run is still running");
    assert.deepEqual(await machineState(), before);
  } finally {
    await reapChildren();
    rmSync(dir, { recursive: true, force: true });
  }
});
