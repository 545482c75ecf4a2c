/**
 * @fileoverview Sweep files: the points they expand to (product, zip,
 * exclude, ranges, buffers in BDPs, built-in and BPF algorithms), stable
 * ids, and bad files refused with the field and line, before anything runs
 * (no output folder is created).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { loadSweepFile } from "../../src/cli/sweep/plan.js";
import { builtinAlgorithms } from "../../src/cli/sweep/algorithms.js";
import { expandPoints, productSize } from "../../src/sweep/expand.js";
import type { Axis } from "../../src/sweep/expand.js";
import { parseShard, shardIds } from "../../src/sweep/shard.js";
import { ROOT, sweepDir, TINY_SWEEP } from "./tiny.js";

const dir = sweepDir();
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

/** Runs `structops sweep` on `text`; returns the exit code and stderr, and checks that nothing was written. */
async function refused(text: string, extra: string[] = []): Promise<string> {
  const file = write("bad.yaml", text);
  const io = memoryIo();
  const out = join(dir, "bad-out");
  const code = await main(["sweep", file, "--out", out, ...extra], io);
  assert.equal(code, 1, io.out());
  assert.ok(!existsSync(out), "a refused sweep must not create its folder");
  return io.err();
}

const BASE = TINY_SWEEP.slice(0, TINY_SWEEP.indexOf("axes:"));

test("bad sweep files are refused with the field and its line, and nothing runs", async () => {
  assert.match(await refused(`${BASE}axes:\n  - { field: topology.bottlenek.rate, values: [5mbit] }\n`),
    /bad\.yaml:11:14: axes\[0\]\.field: topology\.bottlenek: unknown field 'bottlenek' \(did you mean 'bottleneck'\?\)/);
  assert.match(await refused(`${BASE}axes:\n  - field: topology.bottleneck.rate\n    values: [5mbit, fast]\n`),
    /bad\.yaml:12:21: axes\[0\]\.values\[1\]: topology\.bottleneck\.rate: must be a rate such as "100mbit"/);
  assert.match(await refused(`${BASE}axes:\n  - field: topology.bottleneck.delay\n    values: []\n`),
    /bad\.yaml:12:13: axes\[0\]\.values: must list at least one value: an empty axis gives no point/);
  const big = `${BASE}axes:\n  - { field: seed, range: { from: 1, to: 40 } }\n  - { field: topology.bottleneck.rate, range: { from: 1mbit, to: 30mbit, steps: 30 } }\n`;
  assert.match(await refused(big), /bad\.yaml:10:1: axes: the sweep has 1200 points \(seed 40 × rate 30\), above the limit of 1000: raise it with --max-points \(at most 1000000/);
  assert.match(await refused(`${BASE}axes:\n  - { field: "flows[5].algorithm", values: [reno] }\n`), /axes\[0\]\.field: field flows\[5\]\.algorithm: flows has 2 items, so \[5\] is past its end/);
  assert.match(await refused(`${BASE}axes:\n  - { field: seed, values: [1, 2] }\nzip: [[seed, rate]]\n`), /bad\.yaml:12:14: zip\[0\]\[1\]: names no axis: rate is not one of seed/);
  assert.match(await refused(`${BASE}axes:\n  - { field: seed, values: [1, 2] }\nexclude: [{ seed: 3 }]\n`), /bad\.yaml:12:19: exclude\[0\]\.seed: names no value of axis 'seed': 3 is not one of 1, 2/);
  assert.match(await refused(`${BASE}axes:\n  - { field: topology.bottleneck.rate, bdp: [1] }\n`), /axes\[0\]\.field: must be a queue \(topology\.bottleneck\.queue\) or its packets/);
});

test("--max-points lets a large sweep through", () => {
  const file = write("big.yaml", `${BASE}axes:\n  - { field: seed, range: { from: 1, to: 1100 } }\n`);
  assert.equal(loadSweepFile(file, { version: "t", maxPoints: 2000 }).points.length, 1100);
});

test("zip, exclude, ranges and BDP buffers resolve each point's scenario", () => {
  const file = write("z.yaml", `${BASE}axes:
  - { name: rate, field: topology.bottleneck.rate, values: [10mbit, 100mbit] }
  - { name: rtt, field: topology.bottleneck.delay, values: [5ms, 50ms] }
  - { name: buf, field: topology.bottleneck.queue, bdp: [1, 2] }
  - { name: cc, field: "flows[*].algorithm", values: [builtin, { bpf: ${ROOT}assets/demo.linux.bpf.o, map: demo_v2 }] }
zip: [[rate, rtt]]
exclude: [{ rate: 100mbit, buf: 2 }]
`);
  const plan = loadSweepFile(file, { version: "t" });
  const algs = builtinAlgorithms();
  assert.ok(algs.includes("reno") && algs.includes("cubic"), algs.join(" "));
  assert.equal(plan.points.length, (2 * 2 - 1) * (algs.length + 1));
  assert.deepEqual(plan.axes.map((a) => a.labels.length), [2, 2, 2, algs.length + 1]);
  const p = plan.points.find((x) => x.labels.join() === "100mbit,50ms,1,demo_cc");
  assert.ok(p !== undefined);
  // 100 Mbit/s × 100 ms = 1.25 MB = 826 frames of 1514 bytes (the default tbf shaper's rate counts frames).
  assert.match(p.text, /queue:\n\s+kind: droptail\n\s+packets: 826\n/);
  assert.match(p.text, /- name: sweep_cc\n\s+path: \.\.\/\.\.\/inputs\/[0-9a-f]{12}-demo\.linux\.bpf\.o\n\s+maps:\n\s+- demo_v2/);
  assert.match(p.text, /algorithm: demo_cc/);
  assert.ok(!plan.points.some((x) => x.labels[0] === "100mbit" && x.labels[2] === "2"));
  assert.ok(!plan.points.some((x) => x.labels[0] === "10mbit" && x.labels[1] === "50ms"), "zipped axes advance together");
  // The BDP follows the point's shaper: shaper: wire's rate counts 1500-byte packets, 833 of them.
  const sh = loadSweepFile(write("sh.yaml", `${BASE}axes:
  - { name: rate, field: topology.bottleneck.rate, values: [100mbit] }
  - { name: rtt, field: topology.bottleneck.delay, values: [50ms] }
  - { name: shaper, field: topology.bottleneck.shaper, values: [tbf, wire] }
  - { name: buf, field: topology.bottleneck.queue, bdp: [1] }
`), { version: "t" });
  assert.deepEqual(sh.points.map((x) => [x.labels[2], /packets: (\d+)\n/.exec(x.text)?.[1]]), [["tbf", "826"], ["wire", "833"]]);
  // Ids depend on content and version only.
  assert.deepEqual(loadSweepFile(file, { version: "t" }).points.map((x) => x.id), plan.points.map((x) => x.id));
  assert.notDeepEqual(loadSweepFile(file, { version: "u" }).points.map((x) => x.id), plan.points.map((x) => x.id));
  assert.equal(new Set(plan.points.map((x) => x.id)).size, plan.points.length);
  assert.ok(readFileSync(file, "utf8").length > 0);
});

test("the product has every combination once, zip groups in step, minus the excluded (property)", () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (lens, zip) => {
    const axes: Axis[] = lens.map((n, i) => ({ name: `a${i}`, values: Array.from({ length: n }, (_, k) => ({ label: String(k), value: k })) }));
    const zips = zip && lens.length >= 2 && lens[0] === lens[1] ? [["a0", "a1"]] : [];
    const pts = expandPoints(axes, zips, [{ a0: "0" }]);
    const all = expandPoints(axes, zips, []);
    assert.equal(all.length, productSize(axes, zips));
    assert.equal(new Set(all.map((p) => p.join())).size, all.length);
    if (zips.length > 0) assert.ok(all.every((p) => p[0] === p[1]));
    assert.equal(pts.length, all.filter((p) => p[0] !== 0).length);
  }));
});

test("--shard takes i/n, or the index from Kubernetes, Slurm or a CI matrix", () => {
  assert.deepEqual(parseShard("1/3", {}), { index: 1, count: 3 });
  assert.deepEqual(parseShard("auto/4", { JOB_COMPLETION_INDEX: "3" }), { index: 3, count: 4 });
  assert.deepEqual(parseShard("auto", { JOB_COMPLETION_INDEX: "0", STRUCTOPS_SHARD_COUNT: "2" }), { index: 0, count: 2 });
  assert.deepEqual(parseShard("auto", { SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_MIN: "5", SLURM_ARRAY_TASK_COUNT: "3" }), { index: 2, count: 3 });
  assert.deepEqual(parseShard("auto", { STRUCTOPS_SHARD_INDEX: "1", STRUCTOPS_SHARD_COUNT: "2" }), { index: 1, count: 2 });
  assert.match(parseShard("3/3", {}) as string, /index \(from --shard\) must be in \[0, 2\]: got 3/);
  assert.match(parseShard("auto", {}) as string, /found no shard index in the environment/);
  assert.match(parseShard("auto", { JOB_COMPLETION_INDEX: "1" }) as string, /found no shard count: give --shard auto\/n or set STRUCTOPS_SHARD_COUNT/);
  assert.match(parseShard("x", {}) as string, /--shard must be i\/n/);
});

test("shards partition the points, differ in size by at most one, and depend only on the ids (property)", () => {
  fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{16}$/), { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (ids, n) => {
    const shards = Array.from({ length: n }, (_, i) => shardIds(ids, { index: i, count: n }));
    assert.equal(shards.reduce((s, x) => s + x.size, 0), ids.length);
    assert.equal(new Set(shards.flatMap((s) => [...s])).size, ids.length);
    const sizes = shards.map((s) => s.size);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    assert.deepEqual(shardIds([...ids].reverse(), { index: 0, count: n }), shards[0]);
  }));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
