/**
 * @fileoverview Scenarios with clang-built objects (`objects: [{ path }]`,
 * docs/scenarios.md "Objects"): the fixture objects of test/fixtures are
 * opened and loaded through the library (src/lib/object.ts), attached with
 * attachStructOps, swapped with BpfLink.updateMap and detached, while the
 * testbed's flows run on them. Checks KERNEL-SPEC.md §7.4 and §7.5 on the
 * testbed: a socket keeps the ops registered under its algorithm's name
 * when it chose it (the update fixture's own init counters say which map
 * each socket resolved the name to), and a failed update or attach is
 * reported with the kernel's errno without stopping the run. Also: the BPF
 * CUBIC fixture gives the same cwnd trajectory as the built-in cubic, sample
 * for sample, and every problem with an object is reported at its line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { loadScenarioFile } from "../../src/cli/scenario/load.js";
import { ScenarioKernel } from "../../src/cli/run/kernel-actions.js";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { runScenario } from "../../src/cli/run/run-scenario.js";
import { loadTestbed } from "../../src/cli/run/testbed.js";
import type { TestbedRunner } from "../../src/cli/run/run-scenario.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "structops-objects-"));
}

async function testbed(): Promise<TestbedRunner> {
  const r = await loadTestbed();
  assert.ok(typeof r !== "string", r as string);
  return r;
}

const cubicScenario = (algorithm: string, flavor: string): string => `name: one
seed: 4
duration: 6s
topology:
  bottleneck: { rate: 20mbit, delay: 10ms, queue: { kind: droptail, packets: 50 }, loss: 0.05% }
objects:
  - { name: bpf, path: ${join(FIXTURES, `cubic.${flavor}.bpf.o`)} }
flows:
  - { id: f, algorithm: ${algorithm}, start: 10ms }
actions:
  - { at: 0s, do: attach, map: bpf, link: l }
outputs: { sample: 10ms, hooks: events }
`;

test("a scenario attaches fx_cubic from test/fixtures/cubic.*.bpf.o and its flow follows the built-in cubic sample for sample", async () => {
  const dir = tmp();
  try {
    const flows = new Map<string, string>();
    for (const [algorithm, flavor, engine] of [["cubic", "linux", "interp"], ["fx_cubic", "linux", "interp"], ["fx_cubic", "model", "jit"]] as const) {
      const file = join(dir, `${algorithm}-${flavor}.yaml`);
      writeFileSync(file, cubicScenario(algorithm, flavor));
      const io = memoryIo();
      const out = join(dir, `${algorithm}-${flavor}`);
      assert.equal(await main(["run", file, "--out", out, "--engine", engine], io), 0, io.err());
      assert.match(io.out(), /attach bpf: BPF_LINK_CREATE: link "l" \(fd \d+\) registers "fx_cubic" as fx_cubic/);
      assert.match(io.out(), new RegExp(`^f\\s+${algorithm === "cubic" ? "cubic\\s" : "fx_cubic \\(fx_cubic\\)"}`, "m"));
      // Drop the cc column: everything else (cwnd, ssthresh, CA state, RTT, delivery rate, bytes) must agree.
      flows.set(`${algorithm}-${flavor}`, readFileSync(join(out, "flows.csv"), "utf8").split("\n").map((l) => l.split(",").filter((_, i) => i !== 2).join(",")).join("\n"));
      if (algorithm === "fx_cubic") {
        const events = readFileSync(join(out, "events.csv"), "utf8");
        assert.match(events, /^\d+,hook,f,,fx_cubic,ssthresh,/m, "the BPF program's ssthresh hook ran");
        assert.match(events, /^\d+,hook,f,,fx_cubic,(init|set_state|cwnd_event),/m);
      }
    }
    const builtin = flows.get("cubic-linux") as string;
    assert.ok(builtin.split("\n").length > 500);
    assert.ok(builtin === flows.get("fx_cubic-linux"), "BPF cubic (.linux build, interpreter) = built-in cubic");
    assert.ok(builtin === flows.get("fx_cubic-model"), "BPF cubic (.model build, JIT) = built-in cubic");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const UPDATE = `name: upd
seed: 2
duration: 3s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 40 } }
objects:
  - name: upd
    path: ${join(FIXTURES, "update.linux.bpf.o")}
    maps: [ca_update_1, ca_update_2, ca_wrong]
flows:
  - { id: a, algorithm: tcp_ca_update, start: 10ms }
  - { id: b, algorithm: tcp_ca_update, start: 20ms }
  - { id: c, algorithm: tcp_ca_update, start: 1.2s }
actions:
  - { at: 0s, do: attach, map: upd/ca_update_1, link: l }
  - { at: 1s, do: update, link: l, map: upd/ca_update_2 }
  - { at: 1.5s, do: update, link: l, map: upd/ca_wrong }
  - { at: 2s, do: setsockopt, algorithm: tcp_ca_update, flows: [a] }
  - { at: 2.5s, do: detach, link: l }
outputs: { sample: 10ms, hooks: events }
`;

test("the update fixture: BpfLink.updateMap mid-run leaves running flows on the old map, new ones get the new map (KERNEL-SPEC.md §7.5)", async () => {
  const dir = tmp();
  try {
    const file = join(dir, "upd.yaml");
    writeFileSync(file, UPDATE);
    const run = runScenario(parseScenario(UPDATE, file), file, { runTestbed: await testbed(), outDir: join(dir, "o"), engine: "interp" });
    const outcomes = run.outcomes.map((o) => `${o.tNs / 1e9} ${o.ok ? "ok" : "FAILED"} ${o.label}: ${o.detail}`);
    assert.match(outcomes[0] ?? "", /^0 ok attach upd\/ca_update_1: BPF_LINK_CREATE: link "l" \(fd \d+\) registers "tcp_ca_update" as ca_update_1$/);
    assert.equal(outcomes[1], `1 ok update l → upd/ca_update_2: BPF_LINK_UPDATE: "tcp_ca_update" now means ca_update_2; sockets that chose it before keep ca_update_1`);
    // ca_wrong registers another name: the kernel refuses the update (§4.7), the run goes on.
    assert.match(outcomes[2] ?? "", /^1\.5 FAILED update l → upd\/ca_wrong: BPF_LINK_UPDATE of link "l" to ca_wrong failed: .*EINVAL \(22\)$/);
    assert.equal(outcomes[3], `2 ok setsockopt tcp_ca_update: setsockopt(TCP_CONGESTION, "tcp_ca_update" = ca_update_2): a ok`);
    assert.equal(outcomes[4], `2.5 ok detach l: BPF_LINK_DETACH: "tcp_ca_update" is unregistered; sockets on ca_update_2 keep running it`);
    assert.deepEqual([...run.flowLabels], [["a", "tcp_ca_update (ca_update_2)"], ["b", "tcp_ca_update (ca_update_1)"], ["c", "tcp_ca_update (ca_update_2)"]]);
    // The object's own counters (.bss, read back through the library): a and b ran ca_update_1's init,
    // c and a (moved at 2 s) ca_update_2's.
    const obj = run.kernel.object("upd");
    assert.ok(obj !== undefined);
    assert.equal(obj.variable("ca1_cnt").getBigInt(), 2n);
    assert.equal(obj.variable("ca2_cnt").getBigInt(), 2n);
    for (const f of run.summary.flows) assert.ok(f.throughputBps > 1e6, `${f.id} moved data`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("problems with objects are reported at the object's or the action's line, exit status 1", async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, "junk.bpf.o"), "not an ELF file at all, just text\n");
    const run = async (objects: string, action = "{ at: 0s, do: attach, map: x, link: l }"): Promise<string> => {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, `duration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nobjects:\n${objects}\nflows:\n  - { id: a, algorithm: reno }\nactions:\n  - ${action}\n`);
      const io = memoryIo();
      assert.equal(await main(["run", file, "--out", join(dir, "o")], io), 1);
      assert.equal(io.out(), "");
      return io.err().replace(`${file}:`, "bad.yaml:");
    };
    assert.equal(await run("  - { name: x, path: missing.bpf.o }"), `structops: bad.yaml:5:5: objects[0]: cannot read BPF object ${join(dir, "missing.bpf.o")}: ENOENT (2)\n`);
    assert.equal(await run("  - { name: x, path: . }"), `structops: bad.yaml:5:5: objects[0]: cannot read BPF object ${dir}: EISDIR (21): it is a directory\n`);
    assert.equal(await run("  - { name: x, path: junk.bpf.o }"),
      `structops: bad.yaml:5:5: objects[0]: not a BPF object this loader can open: ${join(dir, "junk.bpf.o")}: ELF header @0: ELF header (64 bytes at 0) runs past the end (34 bytes)\n`);
    const upd = join(FIXTURES, "update.model.bpf.o");
    assert.equal(await run(`  - { name: x, path: ${upd}, maps: [ca_update_1, nosuch] }`),
      "structops: bad.yaml:5:5: objects[0].maps[1]: " + `${upd} has no struct_ops map 'nosuch' (it has ca_update_1, ca_update_2, ca_wrong, ca_no_link)\n`);
    assert.equal(await run(`  - { name: x, path: ${upd} }`),
      "structops: bad.yaml:9:5: actions[0].map: object 'x' has 4 struct_ops maps (ca_update_1, ca_update_2, ca_wrong, ca_no_link): name one as x/<map>\n");
    assert.match(await run(`  - { name: x, path: ${join(FIXTURES, "nogpl.linux.bpf.o")} }`),
      /^structops: bad\.yaml:5:5: objects\[0\]: cannot load .*nogpl\.linux\.bpf\.o: load program 'fx_nogpl_\w+': EINVAL \(22\): verifier: .*GPL.*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an object the kernel refuses to register fails its attach action with the errno and the run goes on (KERNEL-SPEC.md §7.2)", async () => {
  const dir = tmp();
  try {
    const file = join(dir, "inc.yaml");
    writeFileSync(file, `duration: 1s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nobjects:\n  - { name: inc, path: ${join(FIXTURES, "incompl.model.bpf.o")} }\nflows:\n  - { id: a, algorithm: cubic }\nactions:\n  - { at: 0.5s, do: attach, map: inc, link: l }\n  - { at: 0.6s, do: detach, link: l }\n`);
    const io = memoryIo();
    assert.equal(await main(["run", file, "--out", join(dir, "o")], io), 0);
    assert.match(io.out(), /FAILED attach inc: attaching fx_incompl failed: attach struct_ops map 'fx_incompl': update element: EINVAL \(22\): struct tcp_congestion_ops requires cong_avoid or cong_control; the map does not set it\n/);
    assert.match(io.out(), /FAILED detach l: link "l" is not attached/);
    assert.match(io.err(), /action at 0\.5 s failed: attach inc/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every scenario in scenarios/ finds and loads its objects, and every attach or update names one loaded map", () => {
  const dir = join(import.meta.dirname, "..", "..", "scenarios");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  assert.ok(files.includes("swap.yaml") && files.includes("bpf-cubic.yaml"));
  const withObjects: string[] = [];
  for (const f of files) {
    const scenario = loadScenarioFile(join(dir, f));
    const ek = new EmulatedKernel();
    const sk = ScenarioKernel.load(scenario, ek.process(), dirname(join(dir, f)));
    assert.equal(sk.simActions().length, scenario.actions.length, f);
    if (scenario.objects.some((o) => o.kind === "elf")) withObjects.push(f);
  }
  assert.deepEqual(withObjects, ["bpf-cubic.yaml", "swap.yaml", "transit.yaml"]);
});

test("iterate: a short transit moves the flows still on v1 after BPF_LINK_UPDATE, marks them in the report, writes iterate-<t>.txt; a program that is no iterator is an error at its line (net/ipv4/tcp_ipv4.c bpf_iter_tcp_seq_show)", async () => {
  const dir = tmp();
  try {
    const obj = join(FIXTURES, "iter_tcp.model.bpf.o");
    const head = `duration: 1.2s\ntopology:\n  bottleneck: { rate: 10mbit, delay: 5ms }\nobjects:\n  - { name: t, path: ${obj} }\n`;
    const flows = "flows:\n  - { id: old, start: 0.1s, algorithm: fx_iter_cc }\n  - { id: new, start: 0.6s, algorithm: fx_iter_cc }\n";
    const file = join(dir, "transit.yaml");
    writeFileSync(file, `${head}${flows}actions:\n  - { at: 0s, do: attach, map: t/fx_iter_v1, link: cc }\n  - { at: 0.5s, do: update, link: cc, map: t/fx_iter_v2 }\n  - { at: 0.9s, do: iterate, program: t/fx_move_cc }\n`);
    const io = memoryIo();
    assert.equal(await main(["run", file, "--out", join(dir, "o")], io), 0, io.err());
    assert.match(io.out(), /iterate t\/fx_move_cc: iterator t\/fx_move_cc over TCP sockets: moved old → fx_iter_cc \(fx_iter_v2\); of 2 running flows/);
    assert.match(io.out(), /old +fx_iter_cc \(fx_iter_v1\) → fx_iter_cc \(fx_iter_v2\) at 0\.9 s/);
    const written = readdirSync(join(dir, "o")).filter((f) => f.startsWith("iterate-"));
    assert.deepEqual(written, ["iterate-900ms.txt"]);
    const text = readFileSync(join(dir, "o", "iterate-900ms.txt"), "utf8");
    assert.match(text, /^end 1 visited 2 moved 2 failed 0$/m);
    assert.equal(text.split("\n").filter((l) => / 1$/.test(l)).length, 1, "one socket (old) ran an init when it moved");
    writeFileSync(file, `${head}${flows}actions:\n  - { at: 0.9s, do: iterate, program: t/fx_iter_v1_init }\n`);
    const bad = memoryIo();
    assert.equal(await main(["run", file, "--out", join(dir, "o2")], bad), 1);
    assert.equal(bad.err(), "structops: " + file + ":10:5: actions[0].program: object 't' has no iterator program 'fx_iter_v1_init' (its iterators: fx_move_cc)\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
