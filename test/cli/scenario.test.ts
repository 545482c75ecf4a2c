/**
 * @fileoverview Tests of the scenario format (docs/scenarios.md): units,
 * the bundled example scenarios, error messages that name the field path and
 * its line:column, cross-reference checks, and a property test that no input
 * (random documents, random text, random values at every field) makes the
 * loader crash: it returns a scenario or throws a ScenarioError whose issues
 * all point into the file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { ScenarioError } from "../../src/cli/scenario/errors.js";
import { parseDuration, parseProbability, parseRate, parseSize } from "../../src/cli/scenario/units.js";
import { DEMO_SCENARIO } from "../../src/cli/demo.js";
import { simTopology } from "../../src/cli/run/topology.js";
import type { LinkDir } from "../../src/sim/net/link.js";
import { Topology } from "../../src/sim/net/topology.js";
import { Rng } from "../../src/sim/rng.js";

const root = join(import.meta.dirname, "..", "..");

/** The issues of a scenario that must fail, as `line:col path: message` strings. */
function issues(text: string, file = "t.yaml"): string[] {
  try {
    parseScenario(text, file);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${String(e)}`);
    return e.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
  assert.fail("the scenario was accepted");
}

const BASE = `duration: 5s
topology:
  bottleneck:
    rate: 10mbit
    delay: 10ms
flows:
  - id: a
    algorithm: reno
`;

test("parseDuration(), parseRate(), parseSize() and parseProbability() convert units and say what they expect", () => {
  assert.equal(parseDuration("200ms"), 200_000_000);
  assert.equal(parseDuration("1.5s"), 1_500_000_000);
  assert.equal(parseDuration(2), 2_000_000_000);
  assert.equal(parseDuration("10us"), 10_000);
  assert.equal(parseDuration("1min"), 60_000_000_000);
  assert.match(String(parseDuration("soon")), /a duration such as/);
  assert.match(String(parseDuration(-1)), /≥ 0/);
  assert.equal(parseRate("100mbit"), 100e6);
  assert.equal(parseRate("1Gbit/s"), 1e9);
  assert.equal(parseRate("10Mbps"), 10e6);
  assert.equal(parseRate(5e6), 5e6);
  assert.match(String(parseRate("fast")), /a rate such as/);
  assert.match(String(parseRate(0)), /> 0/);
  assert.equal(parseSize("64KiB"), 65536);
  assert.equal(parseSize("10MB"), 10e6);
  assert.equal(parseSize(1500), 1500);
  assert.equal(parseProbability("1%"), 0.01);
  assert.equal(parseProbability(0.5), 0.5);
  assert.match(String(parseProbability(2)), /a probability/);
});

test("parseScenario() accepts every scenario in scenarios/ and the demo's", () => {
  const files = readdirSync(join(root, "scenarios")).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  assert.ok(files.length >= 2, "scenarios/ holds the examples");
  for (const f of files) {
    const s = parseScenario(readFileSync(join(root, "scenarios", f), "utf8"), f);
    assert.ok(s.flows.length > 0, f);
  }
  const demo = parseScenario(DEMO_SCENARIO, "demo.yaml");
  assert.deepEqual(demo.flows.map((f) => f.id), ["old.1", "old.2", "new.1", "new.2"]);
  assert.deepEqual(demo.actions.map((a) => a.kind), ["attach", "update"]);
});

test("parseScenario() fills defaults and expands count with stagger", () => {
  const s = parseScenario(`${BASE}  - id: b\n    count: 3\n    start: 1s\n    stagger: 100ms\n    duration: 2s\n`, "x.yaml");
  assert.equal(s.name, "x");
  assert.equal(s.seed, 1);
  assert.deepEqual(s.outputs, { format: "csv", sampleNs: 10_000_000, hooks: "events", drops: false, report: true });
  assert.deepEqual(s.flows.map((f) => [f.id, f.startNs, f.stopNs]), [
    ["a", 0, undefined], ["b.1", 1e9, 3e9], ["b.2", 1.1e9, 3.1e9], ["b.3", 1.2e9, 3.2e9],
  ]);
});

test("parseScenario() reads JSON with the same line numbers", () => {
  const json = `{\n  "duration": "5s",\n  "topology": {"bottleneck": {"rate": "10mbit", "delay": "fast"}},\n  "flows": [{"id": "a"}]\n}\n`;
  assert.deepEqual(issues(json, "s.json"), [
    '3:58 topology.bottleneck.delay: must be a duration such as "200ms", "1.5s" or a number of seconds: current value is "fast"',
  ]);
});

test("parseScenario() names the field and line of a bad value, a missing field and an unknown field", () => {
  assert.deepEqual(issues(BASE.replace("rate: 10mbit", "rate: 10 apples")), [
    '4:11 topology.bottleneck.rate: must be a rate such as "100mbit", "1gbit" or a number of bits per second: current value is "10 apples"',
  ]);
  assert.deepEqual(issues(BASE.replace("    delay: 10ms\n", "")), [
    "4:5 topology.bottleneck.delay: is required: the one-way propagation delay, e.g. 20ms",
  ]);
  assert.deepEqual(issues(BASE.replace("    algorithm: reno", "    algoritm: reno")), [
    "8:5 flows[0].algoritm: unknown field 'algoritm' (did you mean 'algorithm'?)",
  ]);
  assert.deepEqual(issues(BASE.replace("duration: 5s", "")), [
    "2:1 duration: is required: how long the run lasts in simulated time, e.g. 20s",
  ]);
});

test("parseScenario() reports syntax errors and duplicate keys with their line", () => {
  assert.match(issues("duration: [5s\n")[0] ?? "", /^2:1 : syntax: /);
  assert.match(issues(`${BASE}duration: 6s\n`)[0] ?? "", /^9:1 : duplicate key 'duration' \(first at 1:1\)$/);
  assert.deepEqual(issues(""), ["1:1 : the file is empty: a scenario needs at least duration, topology and flows"]);
  assert.deepEqual(issues("- 1\n- 2\n"), [
    "1:1 : must be a mapping with fields name, description, seed, duration, default_cc, kernel, topology, flows, objects, actions, outputs: current value is a list [1,2]",
  ]);
});

test("parseScenario() checks queues field by field", () => {
  const red = BASE.replace("delay: 10ms", "delay: 10ms\n    queue: { kind: red, min: 30KB, max: 20KB, limit: 10KB, packets: 5 }");
  assert.deepEqual(issues(red), [
    "6:41 topology.bottleneck.queue.max: must be above min (30000 bytes): current value is 20000 bytes",
    "6:54 topology.bottleneck.queue.limit: must be at least max (20000 bytes): current value is 10000 bytes",
    "6:60 topology.bottleneck.queue.packets: is not a field of a red queue (its fields: limit, min, max, max_p, wlog, ecn)",
  ]);
  const step = BASE.replace("delay: 10ms", "delay: 10ms\n    queue: { kind: step, packets: 100 }");
  assert.deepEqual(issues(step), ["6:12 topology.bottleneck.queue.mark_packets: is required for a step queue (or mark_bytes): the marking threshold K"]);
  const kind = BASE.replace("delay: 10ms", "delay: 10ms\n    queue: { kind: codel }");
  assert.deepEqual(issues(kind), ['6:20 topology.bottleneck.queue.kind: must be one of droptail, red, step: current value is "codel"']);
});

test("parseScenario() checks actions against objects, links and flows in time order", () => {
  const text = `${BASE}objects:
  - { name: v1, bytecode: reno, ca_name: cc1 }
actions:
  - { at: 1s, do: update, link: main, map: v1 }
  - { at: 2s, do: attach, map: v1, link: main }
  - { at: 3s, do: attach, map: v2, link: other }
  - { at: 4s, do: detach, link: main }
  - { at: 4.5s, do: detach, link: main }
  - { at: 5s, do: setsockopt, algorithm: cc1, flows: [a, zz] }
  - { at: 9s, do: default, algorithm: cc1 }
  - { at: 1s, do: explode }
`;
  assert.deepEqual(issues(text), [
    "12:33 actions[0].link: 'main' is not attached at 1s: an earlier action must attach it (do: attach, link: main)",
    "14:32 actions[2].map: names no object: 'v2' is not in objects (v1)",
    "16:35 actions[4].link: 'main' was detached at 4s, before this detach at 4.5s",
    "17:58 actions[5].flows[1]: must be a flow id or group id from flows: current value is \"zz\"",
    "18:11 actions[6].at: is after the end of the run (5s): current value is 9s",
    '19:19 actions[7].do: must be one of attach, update, detach, setsockopt, default, snapshot, iterate: current value is "explode"',
  ]);
  const iter = `${BASE}objects:\n  - { name: v1, bytecode: reno, ca_name: cc1 }\nactions:\n  - { at: 1s, do: iterate, program: v1/walk }\n  - { at: 2s, do: iterate, program: nothing }\n  - { at: 3s, do: iterate, program: v1/walk, link: x }\n`;
  assert.deepEqual(issues(iter), [
    "12:37 actions[0].program: names no ELF object: 'v1' is not a path: object in objects (none are declared)",
    '13:37 actions[1].program: must be object/program: an iter/ program of an ELF object: current value is "nothing"',
    "14:37 actions[2].program: names no ELF object: 'v1' is not a path: object in objects (none are declared)",
    "14:46 actions[2].link: is not a field of a 'iterate' action (its fields: program)",
  ]);
});

test("parseScenario() checks flows: unique ids, stop after start, start within the run", () => {
  const text = `${BASE}  - { id: a, start: 1s }
  - { id: c, start: 2s, stop: 1s }
  - { id: d, start: 1s, stop: 2s, duration: 1s }
  - { id: e, count: 3, start: 4s, stagger: 1s }
`;
  assert.deepEqual(issues(text), [
    "9:11 flows[1].id: 'a' names another flow already",
    "10:31 flows[2].stop: must be after start (2s): current value is 1s",
    "11:35 flows[3].duration: cannot be given with 'stop': give one of them",
    "12:44 flows[4].stagger: starts a flow at 6s, not before the end of the run (5s)",
  ]);
});

test("parseScenario() reads a flow's write size (where PSH falls) and says what it expects", () => {
  const flows = (w: string): string => BASE.replace("  - id: a\n    algorithm: reno\n", `  - { id: a, algorithm: reno, write: ${w} }\n`);
  const sim = simTopology(parseScenario(flows("1MiB"), "t.yaml"), ".");
  assert.equal(sim.flows[0]?.writeBytes, 1 << 20);
  // Absent: the simulator's default (the testbed writer's 64 KiB) applies.
  assert.equal(simTopology(parseScenario(BASE, "t.yaml"), ".").flows[0]?.writeBytes, undefined);
  assert.deepEqual(issues(flows("0")), ["7:38 flows[0].write: must be a size > 0: current value is 0"]);
  assert.deepEqual(issues(flows("32MiB")), [
    "7:38 flows[0].write: must be at most 16777216 bytes (16MiB, the testbed writer's largest buffer): current value is 33554432 bytes",
  ]);
});

test("parseScenario() checks objects: a file or a bundled algorithm, names fit the kernel's limits", () => {
  const text = `${BASE}objects:
  - { name: a_very_long_object_name, bytecode: reno, ca_name: x }
  - { name: ok, bytecode: cubic, ca_name: y }
  - { name: f, path: x.bpf.o, bytecode: reno }
  - { name: g }
  - { name: h, bytecode: reno, ca_name: this_name_is_too_long_for_linux }
`;
  assert.deepEqual(issues(text), [
    '10:13 objects[0].name: must be a name of 1-15 letters, digits or \'_\' (it names the struct_ops map): current value is "a_very_long_object_name"',
    '11:27 objects[1].bytecode: must be one of reno: current value is "cubic"',
    "12:31 objects[2].bytecode: cannot be given with 'path': an object is either a file or a bundled algorithm",
    "13:5 objects[3].path: is required: the .bpf.o file to load (or 'bytecode' for a bundled algorithm)",
    '14:41 objects[4].ca_name: must be a congestion-control name of 1-15 characters (TCP_CA_NAME_MAX): current value is "this_name_is_too_long_for_linux"',
  ]);
});

// Property tests: no input crashes the loader, and every issue points into the file.

function checkOutcome(text: string): void {
  try {
    parseScenario(text, "p.yaml");
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    assert.ok(e.issues.length > 0);
    const lines = text.split("\n").length;
    for (const i of e.issues) {
      assert.ok(Number.isInteger(i.line) && i.line >= 1 && i.line <= lines + 1, `line ${i.line} of ${lines}: ${i.message}`);
      assert.ok(Number.isInteger(i.col) && i.col >= 1, `col ${i.col}`);
      assert.equal(typeof i.path, "string");
      assert.ok(i.message.length > 0);
    }
  }
}

/** All paths to values in a JSON-like tree. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i] as string | number] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

test("parseScenario() never crashes on random values at any field of a valid scenario (property)", async () => {
  const { parse } = await import("yaml");
  const doc = parse(readFileSync(join(root, "scenarios", "swap.yaml"), "utf8")) as unknown;
  const all = paths(doc);
  fc.assert(
    fc.property(fc.nat(all.length - 1), fc.jsonValue({ maxDepth: 3 }), (i, v) => {
      checkOutcome(stringify(setAt(doc, all[i] as (string | number)[], v)));
    }),
    { numRuns: 400, seed: 5 },
  );
});

test("parseScenario() never crashes on random text or random documents (property)", () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => checkOutcome(s)), { numRuns: 300, seed: 7 });
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => checkOutcome(stringify(v))), { numRuns: 300, seed: 8 });
  fc.assert(
    fc.property(fc.array(fc.constantFrom("duration: 1s\n", "topology:\n", "  bottleneck: {rate: 1, delay: 0}\n", "flows:\n", "  - id: a\n", "  - count: 1000\n", "    count: 2\n", "&a x: *a\n", "\t", "- ", ": ", "{", "[", "\"", "#", "!!binary AA\n", "objects: [{name: v, bytecode: reno, ca_name: v}]\n", "actions: [{at: 0, do: attach, map: v}]\n"), { maxLength: 20 }), (parts) =>
      checkOutcome(parts.join(""))),
    { numRuns: 500, seed: 9 },
  );
});

test("kernel: the built-ins (reno is implied) and CONFIG_DEFAULT_TCP_CONG; unknown or unbuilt names are errors at their line", () => {
  const s = parseScenario(`kernel:\n  builtin: [dctcp, cubic, dctcp]\n  default: dctcp\n${BASE}`, "t.yaml");
  assert.deepEqual(s.kernel, { builtin: ["dctcp", "cubic"], default: "dctcp" });
  assert.deepEqual(parseScenario(`kernel: { builtin: [dctcp] }\n${BASE}`, "t.yaml").kernel, { builtin: ["dctcp"], default: "reno" }, "no cubic: Kconfig's default falls to reno");
  assert.deepEqual(parseScenario(`kernel: { builtin: [cubic, dctcp] }\n${BASE}`, "t.yaml").kernel, { builtin: ["cubic", "dctcp"], default: "cubic" });
  assert.equal(parseScenario(BASE, "t.yaml").kernel, undefined);
  assert.deepEqual(issues(`kernel:\n  builtin: [cubic, bbr2]\n${BASE}`), [
    '2:20 kernel.builtin[1]: must name a congestion control the model implements (reno bbr cubic dctcp): current value is "bbr2"',
  ]);
  assert.deepEqual(issues(`kernel:\n  builtin: [cubic]\n  default: dctcp\n${BASE}`), [
    '3:12 kernel.default: must be reno or a built-in congestion control (reno cubic): current value is "dctcp"',
  ]);
  assert.match(issues(`kernel: { default: reno }\n${BASE}`)[0] ?? "", /kernel\.builtin: is required/);
});

test("topology.access.qdisc: fq puts every sender on sch_fq (FlowSpec.qdisc); none or absent is TCP's internal pacing; other values named", async () => {
  const { simTopology } = await import("../../src/cli/run/topology.js");
  const fq = simTopology(parseScenario(BASE.replace("topology:", "topology:\n  access: { qdisc: fq }"), "t.yaml"), ".");
  assert.ok(fq.flows.length > 0 && fq.flows.every((f) => f.qdisc === "fq"));
  for (const text of [BASE, BASE.replace("topology:", "topology:\n  access: { qdisc: none }")]) {
    assert.ok(simTopology(parseScenario(text, "t.yaml"), ".").flows.every((f) => f.qdisc === undefined));
  }
  assert.deepEqual(issues(BASE.replace("topology:", "topology:\n  access: { qdisc: cake }")), [
    '3:20 topology.access.qdisc: must be one of none, fq: current value is "cake"',
  ]);
});

test("shaper, jitter, noise and drops: parsed into the simulator's terms, bad values named at their line", async () => {
  const { simTopology } = await import("../../src/cli/run/topology.js");
  const text = BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: tbf\n    jitter: 50us\n    queue: { kind: droptail, bytes: 30280 }")
    .replace("topology:", "topology:\n  access: { noise: 20us }")
    .concat("    drops: { segments: [3, 9], seqs: [0] }\n");
  const s = parseScenario(text, "t.yaml");
  const { topology, flows } = simTopology(s, ".");
  const bn = topology.links.find((l) => l.id === "bottleneck");
  // tc-tbf's defaults here: a two-frame bucket (2 x 1514 bytes), frames counted with their Ethernet header.
  assert.equal(bn?.tokenBucketBytes, 3028);
  assert.equal(bn?.overheadBytes, 14);
  assert.equal(bn?.jitterNs, 50_000);
  assert.ok(topology.links.filter((l) => l.id !== "bottleneck").every((l) => l.jitterNs === 20_000));
  assert.deepEqual(flows[0]?.dropList, { segments: [3, 9], seqs: [0] });
  // Without them: the bottleneck is tc-tbf with the same defaults (the default shaper), no jitter, no drop list.
  const plain = simTopology(parseScenario(BASE, "t.yaml"), ".");
  const plainBn = plain.topology.links.find((l) => l.id === "bottleneck");
  assert.deepEqual([plainBn?.tokenBucketBytes, plainBn?.overheadBytes], [3028, 14]);
  assert.ok(plain.topology.links.every((l) => l.jitterNs === undefined));
  assert.ok(plain.topology.links.filter((l) => l.id !== "bottleneck").every((l) => l.tokenBucketBytes === undefined), "access links are not shaped");
  assert.equal(plain.flows[0]?.dropList, undefined);
  // shaper: wire is the serializing link: no token bucket, no L2 overhead.
  const wire = simTopology(parseScenario(BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: wire"), "t.yaml"), ".");
  assert.ok(wire.topology.links.every((l) => l.tokenBucketBytes === undefined && l.overheadBytes === undefined));
  // A link whose capacity follows a trace has no default shaper; asking for tbf there is an error.
  const traced = BASE.replace("rate: 10mbit", "trace: up.trace");
  assert.equal(parseScenario(traced, "t.yaml").topology.bottleneck.shaper, undefined);
  assert.deepEqual(issues(traced.replace("delay: 10ms", "delay: 10ms\n    shaper: tbf")), [
    "6:13 topology.bottleneck.shaper: cannot be tbf on a link whose capacity follows a 'trace'",
  ]);
  const custom = parseScenario(BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: { kind: tbf, burst: 10KB, overhead: 0 }"), "t.yaml");
  assert.deepEqual(custom.topology.bottleneck.shaper, { kind: "tbf", burstBytes: 10_000, overheadBytes: 0 });

  assert.deepEqual(issues(BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: htb")), [
    '6:13 topology.bottleneck.shaper: must be how the link enforces its rate: wire (serialization) or tbf (a token bucket with a fifo child, as tc-tbf): current value is "htb"',
  ]);
  assert.deepEqual(issues(BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: { kind: tbf, burst: 1000 }")), [
    "6:33 topology.bottleneck.shaper.burst: must hold at least one full frame (1514 bytes with overhead 14): a smaller bucket drops every full-sized segment, as sch_tbf does: current value is 1000 bytes",
  ]);
  assert.deepEqual(issues(BASE.replace("delay: 10ms", "delay: 10ms\n    jitter: lots")), [
    '6:13 topology.bottleneck.jitter: must be a duration such as "200ms", "1.5s" or a number of seconds: current value is "lots"',
  ]);
  assert.deepEqual(issues(`${BASE}    drops: { segments: [0, x] }\n`), [
    "9:25 flows[0].drops.segments[0]: must be a 1-based index among the data segments the flow sends, retransmissions included (an integer ≥ 1): current value is 0",
    '9:28 flows[0].drops.segments[1]: must be a 1-based index among the data segments the flow sends, retransmissions included (an integer ≥ 1): current value is "x"',
  ]);
  assert.deepEqual(issues(`${BASE}    drops: {}\n`), ["9:12 flows[0].drops: must give 'segments' or 'seqs' (or both): the data segments to lose"]);
});

test("wake: a link that sleeps after idle and wakes late, on both directions of the simulator's link; 0 is no wake-up; bad values named", () => {
  const wake = (v: string): string => BASE.replace("delay: 10ms", `delay: 10ms\n    wake: ${v}`);
  const of = (v: string): unknown => parseScenario(wake(v), "t.yaml").topology.bottleneck.wake;
  assert.deepEqual(of("{ after: 1ms, late: 250us }"), { idleNs: 1_000_000, late: { kind: "constant", ns: 250_000 } });
  assert.deepEqual(of("{ after: 2ms, late: { exponential: 100us } }"), { idleNs: 2_000_000, late: { kind: "exponential", meanNs: 100_000 } });
  // A lateness of 0 is the link without it.
  assert.equal(of("{ after: 1ms, late: 0us }"), undefined);
  const sim = simTopology(parseScenario(wake("{ after: 1ms, late: 250us }"), "t.yaml"), ".");
  assert.deepEqual(sim.topology.links[0]?.wake, { idleNs: 1_000_000, late: { kind: "constant", ns: 250_000 } });
  assert.equal(sim.topology.links[0]?.reverse?.wake, undefined, "the reverse direction inherits the forward one's");
  // The ACK direction may wake differently.
  const both = parseScenario(wake("{ after: 1ms, late: 210us }\n    reverse: { wake: { after: 1ms, late: 300us } }"), "t.yaml");
  assert.deepEqual(simTopology(both, ".").topology.links[0]?.reverse?.wake, { idleNs: 1_000_000, late: { kind: "constant", ns: 300_000 } });
  // A lateness of 0 on the ACK direction is no wake-up there (not the forward direction's): its delay stays after
  // its queue, and the forward direction's element is its own.
  const fwdOnly = simTopology(parseScenario(wake("{ after: 1ms, late: 210us }\n    reverse: { wake: { after: 1ms, late: 0us } }"), "t.yaml"), ".");
  const [fwd, rev] = new Topology(fwdOnly.topology, new Rng(1)).dirs as [LinkDir, LinkDir];
  assert.deepEqual([fwd.delayFirst, rev.delayFirst, rev.wakeElement], [true, false, null]);
  assert.deepEqual(issues(wake("{ after: 0s, late: 250us }")), ["6:20 topology.bottleneck.wake.after: must be above 0"]);
  assert.deepEqual(issues(wake("{ after: 1ms }")), ["6:11 topology.bottleneck.wake: needs 'late': how late the element wakes after a sleep, e.g. 250us or { histogram: [...] }"]);
  assert.deepEqual(issues(wake("{ after: 1ms, late: soon }")), [
    '6:31 topology.bottleneck.wake.late: must be a duration such as "200ms", "1.5s" or a number of seconds: current value is "soon"',
  ]);
});

test("shaper.watchdog_late: tbf's watchdog lateness as a duration, uniform, exponential or histogram; 0 is the exact watchdog; bad values named at their line", () => {
  const late = (v: string): string => BASE.replace("delay: 10ms", `delay: 10ms\n    shaper: { kind: tbf, watchdog_late: ${v} }`);
  const shaper = (v: string): unknown => parseScenario(late(v), "t.yaml").topology.bottleneck.shaper;
  const tbf = { kind: "tbf", burstBytes: 3028, overheadBytes: 14 };
  assert.deepEqual(shaper("20us"), { ...tbf, watchdogLate: { kind: "constant", ns: 20_000 } });
  assert.deepEqual(shaper("{ uniform: 1ms }"), { ...tbf, watchdogLate: { kind: "uniform", maxNs: 1_000_000 } });
  assert.deepEqual(shaper("{ exponential: 40us }"), { ...tbf, watchdogLate: { kind: "exponential", meanNs: 40_000 } });
  assert.deepEqual(shaper("{ histogram: [[20us, 90], [150us, 9.5], [1ms, 0.5]] }"), {
    ...tbf, watchdogLate: { kind: "histogram", edgesNs: [20_000, 150_000, 1_000_000], weights: [90, 9.5, 0.5] },
  });
  // 0 is the watchdog on time: the same scenario as without the field.
  assert.deepEqual(shaper("0us"), tbf);
  assert.deepEqual(shaper("{ exponential: 0s }"), tbf);
  // The simulator gets it on the bottleneck's token bucket.
  const sim = simTopology(parseScenario(late("{ uniform: 1ms }"), "t.yaml"), ".");
  assert.deepEqual(sim.topology.links[0]?.watchdogLate, { kind: "uniform", maxNs: 1_000_000 });

  assert.deepEqual(issues(late("soon")), [
    '6:41 topology.bottleneck.shaper.watchdog_late: must be a duration such as "200ms", "1.5s" or a number of seconds: current value is "soon"',
  ]);
  assert.deepEqual(issues(late("{ uniform: 1ms, exponential: 1ms }")), [
    "6:41 topology.bottleneck.shaper.watchdog_late: must give exactly one of uniform, exponential, histogram (a timer's lateness: a duration, { uniform: D }, { exponential: D } or { histogram: [[UPTO, WEIGHT], ...] }): current value gives uniform, exponential",
  ]);
  assert.deepEqual(issues(late("{ normal: 1ms }")), [
    "6:43 topology.bottleneck.shaper.watchdog_late.normal: unknown field 'normal'; known fields: uniform, exponential, histogram",
  ]);
  assert.deepEqual(issues(late("{ exponential: 2s }")), [
    "6:56 topology.bottleneck.shaper.watchdog_late.exponential: must be at most 1s (a timer that late is a stalled host): current value is 2s",
  ]);
  assert.deepEqual(issues(late("{ histogram: [[20us, 1], [10us, 1], [30us, -1], 5] }")), [
    "6:67 topology.bottleneck.shaper.watchdog_late.histogram[1][0]: must be above the previous bin's edge (20us): current value is 10us",
    "6:84 topology.bottleneck.shaper.watchdog_late.histogram[2][1]: must be a weight: a number ≥ 0 (a count or a fraction): current value is -1",
    "6:89 topology.bottleneck.shaper.watchdog_late.histogram[3]: must be a bin [UPTO, WEIGHT]: the bin's upper edge (a duration above the previous one) and its weight (a count or a fraction): current value is 5",
  ]);
  assert.deepEqual(issues(late("{ histogram: [[20us, 0]] }")), ["6:54 topology.bottleneck.shaper.watchdog_late.histogram: must have a bin of weight > 0"]);
  assert.deepEqual(issues(BASE.replace("delay: 10ms", "delay: 10ms\n    shaper: { kind: wire, watchdog_late: 1ms }")), [
    "6:27 topology.bottleneck.shaper.watchdog_late: belongs to a tbf shaper",
  ]);
});
