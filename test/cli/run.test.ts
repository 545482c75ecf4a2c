/**
 * @fileoverview End-to-end tests of `structops run` and `structops demo` on
 * the real testbed (src/testbed: the simulator with the emulated kernel):
 * exit status, files written, the summary on stdout, byte-identical outputs
 * for the same scenario and seed (and across engines), a different seed
 * giving different traces, errors naming the line, and the commander CLI
 * (help, usage errors, the conformance plugin's raw arguments). The CLI
 * plumbing is also run once on test/cli/fake-testbed.ts, which checks the
 * kernel actions independently of the packet simulator.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/run.js";
import { progressBar } from "../../src/cli/run/progress.js";
import { fakeTestbed } from "./fake-testbed.js";
import { CHROMIUM, launchChromium, renderedPlots } from "../report/chromium.js";

const TINY = `name: tiny
seed: 3
duration: 3s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 30 }, loss: 0.1% }
objects:
  - { name: v1, bytecode: reno, ca_name: tiny_cc, beta: 0.5 }
  - { name: v2, bytecode: reno, ca_name: tiny_cc, beta: 0.7 }
flows:
  - { id: a, algorithm: tiny_cc, start: 10ms }
  - { id: b, algorithm: cubic, start: 20ms }
  - { id: c, algorithm: tiny_cc, start: 1.6s }
actions:
  - { at: 0s, do: attach, map: v1, link: l }
  - { at: 1.5s, do: update, link: l, map: v2 }
  - { at: 2s, do: setsockopt, algorithm: reno, flows: [b] }
  - { at: 2.5s, do: detach, link: l }
outputs: { sample: 10ms, hooks: events }
`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "structops-cli-"));
}

function scenarioFile(dir: string, text = TINY, name = "tiny.yaml"): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function readAll(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

test("`structops run` writes traces, summary and report, and prints the actions and the summary", async () => {
  const dir = tmp();
  try {
    const io = memoryIo();
    const out = join(dir, "out");
    const code = await main(["run", scenarioFile(dir), "--out", out, "--engine", "interp"], io);
    assert.equal(io.err(), "");
    assert.equal(code, 0);
    assert.deepEqual([...readAll(out).keys()], ["events.csv", "flows.csv", "queues.csv", "report.html", "summary.json", "summary.txt"]);
    const stdout = io.out();
    assert.match(stdout, /^structops run: tiny \(seed 3, engine interp, 3 s simulated, 3 flows, \d+ events\)/);
    assert.match(stdout, /BPF_LINK_UPDATE: "tiny_cc" now means v2; sockets that chose it before keep v1/);
    assert.match(stdout, /setsockopt\(TCP_CONGESTION, "reno"\): b ok/);
    assert.match(stdout, /BPF_LINK_DETACH: "tiny_cc" is unregistered/);
    // Flow a chose tiny_cc under v1, c under v2; b moved from cubic to reno.
    assert.match(stdout, /^a\s+tiny_cc \(v1\)/m);
    assert.match(stdout, /^b\s+cubic → reno\s/m);
    assert.match(stdout, /^c\s+tiny_cc \(v2\)/m);
    assert.match(stdout, /Jain's fairness index over all 3 flows: [01]\.\d{3}/);
    const flows = readFileSync(join(out, "flows.csv"), "utf8").split("\n");
    assert.equal(flows[0], "t_ns,flow,cc,cwnd,ssthresh,ca_state,srtt_us,rtt_us,inflight,delivery_rate_bps,bytes_acked,retrans,pacing_rate,delivered_bytes");
    assert.ok(flows.length > 500, "samples every 10 ms for 3 flows");
    const events = readFileSync(join(out, "events.csv"), "utf8");
    assert.match(events, /^1500000000,action,,,,update l → v2: done,/m);
    assert.match(events, /,flow_event,b,,reno,cc_change,,,,cubic$/m);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { flows: { id: string; group: string }[] };
    assert.deepEqual(summary.flows.map((f) => [f.id, f.group]), [["a", "tiny_cc (v1)"], ["b", "reno"], ["c", "tiny_cc (v2)"]]);
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /^<!doctype html>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** TINY with real clang-built objects: the demo's two versions and the BPF CUBIC fixture, loaded through src/lib. */
const TINY_ELF = `name: tiny-elf
seed: 3
duration: 3s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 30 }, loss: 0.1% }
objects:
  - { name: demo, path: demo.linux.bpf.o }
  - { name: cub, path: cubic.model.bpf.o }
flows:
  - { id: a, algorithm: demo_cc, start: 10ms }
  - { id: b, algorithm: fx_cubic, start: 20ms }
  - { id: c, algorithm: demo_cc, start: 1.6s }
actions:
  - { at: 0s, do: attach, map: demo/demo_v1, link: l }
  - { at: 0s, do: attach, map: cub, link: k }
  - { at: 1.5s, do: update, link: l, map: demo/demo_v2 }
  - { at: 2s, do: setsockopt, algorithm: demo_cc, flows: [b] }
  - { at: 2.5s, do: detach, link: l }
outputs: { sample: 10ms, hooks: all }
`;

test("`structops run` gives byte-identical outputs for the same scenario and seed, on every engine, with bytecode and with clang-built objects", async () => {
  const dir = tmp();
  try {
    for (const o of ["demo.linux.bpf.o", "cubic.model.bpf.o"]) copyFileSync(join(import.meta.dirname, "..", "fixtures", o), join(dir, o));
    for (const [name, text] of [["tiny.yaml", TINY], ["tiny-elf.yaml", TINY_ELF]] as const) {
      const file = scenarioFile(dir, text, name);
      const outs: Map<string, Buffer>[] = [];
      for (const [i, engine] of ["interp", "interp", "jit", "auto"].entries()) {
        const io = memoryIo();
        const out = join(dir, `${name}-out${i}`);
        assert.equal(await main(["run", file, "--out", out, "--engine", engine, "--format", "jsonl"], io), 0, io.err());
        assert.equal(io.err(), "", `${name} on ${engine}: no failed action`);
        outs.push(readAll(out));
      }
      const first = outs[0] as Map<string, Buffer>;
      assert.deepEqual([...first.keys()], ["events.jsonl", "flows.jsonl", "queues.jsonl", "report.html", "summary.json", "summary.txt"]);
      for (const other of outs.slice(1)) {
        for (const [f, bytes] of first) assert.ok(bytes.equals(other.get(f) as Buffer), `${name}: ${f} differs`);
      }
      const io = memoryIo();
      assert.equal(await main(["run", file, "--out", join(dir, `${name}-seed9`), "--seed", "9", "--format", "jsonl"], io), 0);
      assert.ok(!(readAll(join(dir, `${name}-seed9`)).get("flows.jsonl") as Buffer).equals(first.get("flows.jsonl") as Buffer), "another seed, other traces");
      if (name === "tiny-elf.yaml") {
        const summary = JSON.parse((first.get("summary.json") as Buffer).toString("utf8")) as { flows: { id: string; group: string }[] };
        assert.deepEqual(summary.flows.map((f) => [f.id, f.group]), [["a", "demo_cc (demo_v1)"], ["b", "demo_cc (demo_v2)"], ["c", "demo_cc (demo_v2)"]]);
        const events = (first.get("events.jsonl") as Buffer).toString("utf8");
        assert.match(events, /"type":"hook","t":\d+,"flow":"b","cc":"fx_cubic","hook":"cong_avoid"/, "per-ACK hooks of the BPF cubic are traced");
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`structops run`: a bottleneck without `shaper` runs the tbf model (as `shaper: tbf`, byte for byte); `shaper: wire` is the serializing link", async () => {
  const dir = tmp();
  try {
    const plain = "seed: 1\nduration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 10ms, queue: { kind: droptail, packets: 20 } }\nflows:\n  - { id: a, algorithm: reno }\n";
    const outs = new Map<string, Map<string, Buffer>>();
    for (const [name, shaper] of [["default", ""], ["tbf", ", shaper: tbf"], ["wire", ", shaper: wire"]] as const) {
      const file = scenarioFile(dir, plain.replace("packets: 20 }", `packets: 20 }${shaper}`), "s.yaml");
      const io = memoryIo();
      assert.equal(await main(["run", file, "--out", join(dir, name), "--format", "jsonl"], io), 0, io.err());
      outs.set(name, readAll(join(dir, name)));
    }
    const [def, tbf, wire] = ["default", "tbf", "wire"].map((n) => outs.get(n) as Map<string, Buffer>) as [Map<string, Buffer>, Map<string, Buffer>, Map<string, Buffer>];
    // report.html quotes the scenario's text, which differs by the shaper line.
    assert.deepEqual([...def.keys()], [...tbf.keys()]);
    for (const [f, bytes] of def) if (f !== "report.html") assert.ok(bytes.equals(tbf.get(f) as Buffer), `${f}: the default differs from shaper: tbf`);
    assert.ok(!(def.get("flows.jsonl") as Buffer).equals(wire.get("flows.jsonl") as Buffer), "shaper: wire is another model");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`structops run` reports a bad scenario with file, line, column and field, exit status 1", async () => {
  const dir = tmp();
  try {
    const io = memoryIo();
    const file = scenarioFile(dir, TINY.replace("rate: 10mbit", "rate: fast"));
    assert.equal(await main(["run", file, "--out", join(dir, "o")], io), 1);
    assert.equal(io.err(), `structops: ${file}:5:23: topology.bottleneck.rate: must be a rate such as "100mbit", "1gbit" or a number of bits per second: current value is "fast"\n`);
    assert.equal(existsSync(join(dir, "o")), false, "nothing written");
    const missing = memoryIo();
    assert.equal(await main(["run", join(dir, "nope.yaml")], missing), 1);
    assert.match(missing.err(), /cannot read scenario .*nope\.yaml: ENOENT/);
    const elf = memoryIo();
    const withElf = scenarioFile(dir, `${TINY}`.replace("  - { name: v2, bytecode: reno, ca_name: tiny_cc, beta: 0.7 }", "  - { name: v2, path: missing.bpf.o }"), "elf.yaml");
    assert.equal(await main(["run", withElf, "--out", join(dir, "e")], elf), 1);
    assert.match(elf.err(), /elf\.yaml:8:5: objects\[1\]: /);
    const cc = memoryIo();
    const unknownCc = scenarioFile(dir, TINY.replace("algorithm: cubic", "algorithm: nosuch"), "cc.yaml");
    assert.equal(await main(["run", unknownCc, "--out", join(dir, "c")], cc), 1);
    assert.equal(cc.err(), `structops: ${unknownCc}:11:5: flow 'b': setsockopt(TCP_CONGESTION, "nosuch"): ENOENT (2): no congestion control "nosuch"; available: reno bbr cubic tiny_cc\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`structops run` reports a failing action in the output and on stderr and still finishes", async () => {
  const dir = tmp();
  try {
    const io = memoryIo();
    const text = TINY.replace("  - { at: 2.5s, do: detach, link: l }", "  - { at: 2.5s, do: default, algorithm: nosuch }");
    assert.equal(await main(["run", scenarioFile(dir, text), "--out", join(dir, "o")], io), 0);
    assert.match(io.out(), /FAILED default nosuch: net\.ipv4\.tcp_congestion_control = nosuch: ENOENT \(2\): no congestion control "nosuch"; available: reno bbr cubic tiny_cc\n/);
    assert.match(io.err(), /action at 2\.5 s failed: default nosuch/);
    assert.match(readFileSync(join(dir, "o", "report.html"), "utf8"), /<tr class="error"><td>2\.5<\/td><td>default nosuch<\/td>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the run plumbing works on the fake testbed too (kernel actions without the packet simulator)", async () => {
  const dir = tmp();
  try {
    const io = memoryIo();
    const code = await runMain(scenarioFile(dir), { engine: "interp", out: join(dir, "o"), progress: false }, io, fakeTestbed);
    assert.equal(code, 0, io.err());
    assert.match(io.out(), /^a\s+tiny_cc \(v1\)/m);
    assert.match(io.out(), /^c\s+tiny_cc \(v2\)/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`structops demo` swaps versions under running flows, explains it and writes a report that renders in Chromium", async (t) => {
  const dir = tmp();
  try {
    const io = memoryIo();
    assert.equal(await main(["demo", "--out", dir], io), 0, io.err());
    const out = io.out();
    assert.match(out, /attach demo\/demo_v1: BPF_LINK_CREATE: link "cc" \(fd \d+\) registers "demo_cc" as demo_v1/);
    assert.match(out, /update cc → demo\/demo_v2: BPF_LINK_UPDATE: "demo_cc" now means demo_v2; sockets that chose it before keep demo_v1/);
    // β measured from the ssthresh hook records of the C programs: cwnd >> 1 in version 1, cwnd * 7 / 10 in version 2.
    assert.match(out, /old\.1 and old\.2 kept demo_cc \(demo_v1\) until the end \(measured β 0\.(4[5-9]|50), 0\.(4[5-9]|50)\)/);
    assert.match(out, /new\.1 and new\.2, started after it \(11 s and 11\.3 s\), got demo_cc \(demo_v2\) \(measured β 0\.(6[5-9]|70), 0\.(6[5-9]|70)\)/);
    assert.match(out, /demo_v1's init ran for 2 sockets and demo_v2's for 2 sockets/);
    // After the swap, with all four flows running, version 2 (gentler decrease, faster increase) takes the larger share.
    const rates = /After it \(11\.3 s–20 s\): demo_cc \(demo_v1\) ([\d.]+) Mbit\/s \([\d.]+% of capacity, 2 flows, [\d.]+ each\) and demo_cc \(demo_v2\) ([\d.]+) Mbit\/s/.exec(out);
    assert.ok(rates !== null && Number(rates[2]) > Number(rates[1]), "version 2 takes the larger share after the swap");
    assert.ok(rates !== null && Number(rates[1]) + Number(rates[2]) <= 20, "the two versions together get no more than the 20 Mbit/s link");
    for (const f of ["report.html", "demo.yaml", "demo.bpf.o"]) assert.ok(existsSync(join(dir, f)), f);
    assert.ok(readFileSync(join(dir, "demo.bpf.o")).equals(readFileSync(join(import.meta.dirname, "..", "fixtures", "demo.linux.bpf.o"))));
    assert.ok(out.endsWith(`\nThe report is ${join(dir, "report.html")}: open it in a browser to see the plots.\n`), "the output ends with where the report is");
    // The files next to the report repeat the demo with `structops run`: same traces.
    const again = memoryIo();
    assert.equal(await main(["run", join(dir, "demo.yaml"), "--out", join(dir, "again")], again), 0, again.err());
    for (const f of ["flows.csv", "events.csv", "queues.csv", "summary.json"]) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(dir, "again", f))), f);
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (apt-get install chromium): the demo report was not opened in a browser`);
      return;
    }
    const browser = await launchChromium();
    try {
      const r = await renderedPlots(browser, join(dir, "report.html"));
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.plots.map((p) => [p.id, p.series.length]), [["cwnd", 4], ["throughput", 4], ["rtt", 4], ["queue", 1]]);
      for (const p of r.plots) for (const n of p.series) assert.ok(n > 100, `${p.id} has data`);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("main() prints help, rejects unknown commands and bad options with status 2", async () => {
  const help = memoryIo();
  assert.equal(await main(["help"], help), 0);
  assert.match(help.out(), /Usage: structops/);
  for (const c of ["tour", "conformance", "run", "demo"]) assert.match(help.out(), new RegExp(`\\n  ${c}\\b`));
  const none = memoryIo();
  assert.equal(await main([], none), 2);
  const bad = memoryIo();
  assert.equal(await main(["fly"], bad), 2);
  assert.match(bad.err(), /unknown command 'fly'/);
  const seed = memoryIo();
  assert.equal(await main(["run", "x.yaml", "--seed", "-1"], seed), 2);
  assert.match(seed.err(), /--seed <n>' argument '-1' is invalid/);
  const engine = memoryIo();
  assert.equal(await main(["run", "x.yaml", "--engine", "gpu"], engine), 2);
  assert.match(engine.err(), /Allowed choices are interp, jit, auto/);
  const runHelp = memoryIo();
  assert.equal(await main(["run", "--help"], runHelp), 0);
  assert.match(runHelp.out(), /--format <format>/);
});

test("main() passes the conformance plugin's arguments through untouched", async () => {
  // mov r0, r2; exit: prints the memory length.
  const prog = "bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00";
  const io = memoryIo(prog);
  assert.equal(await main(["conformance", "00 01 02", "--engine", "interp", "--xyz"], io), 0);
  assert.equal(io.out(), "3\n");
  assert.equal(io.err(), "conformance: ignoring unknown option --xyz\n");
  const h = memoryIo("");
  assert.equal(await main(["conformance", "--help"], h), 0);
  assert.match(h.out(), /^usage: structops conformance/);
});

test("progressBar() draws only on a terminal and erases itself", () => {
  let s = "";
  const bar = progressBar({ isTTY: true, columns: 80, write: (x: string) => (s += x) }, "run");
  bar.update(0, 10);
  bar.update(5, 10);
  bar.update(5, 10);
  bar.done();
  assert.match(s, /^\rrun \[\.+\]   0% 0\.0\/0\.0 s\rrun \[#+\.+\]  50%/);
  assert.ok(s.endsWith("\r\x1b[2K"));
  let none = "";
  const quiet = progressBar({ isTTY: false, write: (x: string) => (none += x) }, "run");
  quiet.update(5, 10);
  quiet.done();
  const off = progressBar({ isTTY: true, write: (x: string) => (none += x) }, "run", false);
  off.update(5, 10);
  assert.equal(none, "");
});

test("`structops run` reads a mahimahi trace relative to the scenario and reports a bad one at the trace field", async () => {
  const dir = tmp();
  try {
    // Two 1500-byte opportunities per ms: 24 Mbit/s.
    writeFileSync(join(dir, "link.trace"), `${Array.from({ length: 200 }, (_, i) => String(1 + (i >> 1))).join("\n")}\n`);
    writeFileSync(join(dir, "bad.trace"), "1\n2\nx\n");
    const text = "duration: 2s\ntopology:\n  bottleneck: { delay: 10ms, trace: link.trace }\nflows:\n  - { id: a, algorithm: cubic }\n";
    const io = memoryIo();
    assert.equal(await main(["run", scenarioFile(dir, text, "t.yaml"), "--out", join(dir, "o")], io), 0, io.err());
    const mbit = Number(/^a\s+cubic\s+\S+\s+\S+\s+(\S+)/m.exec(io.out())?.[1]);
    assert.ok(mbit > 12 && mbit <= 24, `goodput ${mbit} Mbit/s within the trace's 24 Mbit/s`);
    const bad = memoryIo();
    const badFile = scenarioFile(dir, text.replace("link.trace", "bad.trace"), "b.yaml");
    assert.equal(await main(["run", badFile, "--out", join(dir, "b")], bad), 1);
    assert.equal(bad.err(), `structops: ${badFile}:3:37: topology.bottleneck.trace: bad.trace: mahimahi trace line 3: 'x' is not a non-negative integer ms timestamp\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
