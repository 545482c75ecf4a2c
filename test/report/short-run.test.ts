/**
 * @fileoverview The report's figures on a real run (test/report/short-run.ts:
 * the simulator and the emulated kernel, two flows moved from reno to cubic
 * mid-run, one started on cubic after): no algorithm's goodput exceeds the
 * link in any concurrent interval, up to a stated tolerance; the moved flows
 * show their timeline and count under both algorithms; the explanation
 * says what happened with measured figures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SHORT_CAPACITY_BPS, shortRun } from "./short-run.js";

/**
 * Tolerance of a real run whose flows share one path (docs/report.md), in
 * bits per interval: bytes delivered (ACKed or
 * SACKed) lag what crossed the link by at most two full segments per flow
 * (the receiver ACKs every second segment), and an interval's two ends can
 * each be off by that much. Nothing else: the link carries at most its rate.
 */
const slackBits = (flows: number): number => flows * 2 * 2 * 1500 * 8;

test("on a real run, no concurrent interval or algorithm gets more than the bottleneck carries", async () => {
  const { dir, run } = await shortRun();
  try {
    const s = run.summary;
    assert.equal(s.capacityBps, SHORT_CAPACITY_BPS);
    assert.deepEqual(s.intervals.map((iv) => [iv.fromNs / 1e9, iv.toNs / 1e9, iv.groups.map((g) => `${g.group}×${g.flows.length}`).join(" ")]), [
      [0, 1.5, "reno×2"], [1.5, 2, "cubic×2"], [2, 3, "cubic×3"],
    ]);
    for (const iv of s.intervals) {
      const t = (iv.toNs - iv.fromNs) / 1e9;
      const n = iv.groups.reduce((a, g) => a + g.flows.length, 0);
      assert.ok(iv.throughputBps * t <= SHORT_CAPACITY_BPS * t + slackBits(n), `${iv.fromNs}-${iv.toNs}: ${iv.throughputBps} bit/s`);
      // A saturated link: the flows got most of it (payload is 1448 of each 1500-byte packet).
      if (iv.fromNs > 0) assert.ok(iv.throughputBps > 0.85 * SHORT_CAPACITY_BPS, `${iv.fromNs}: ${iv.throughputBps}`);
    }
    for (const g of s.groups) assert.ok(g.throughputBps <= SHORT_CAPACITY_BPS, `${g.group}: ${g.throughputBps}`);
    // Over the whole run the algorithms' delivered bytes add up to at most what the link carried.
    const total = s.groups.reduce((a, g) => a + g.bytesDelivered, 0) * 8;
    assert.ok(total <= SHORT_CAPACITY_BPS * 3 + slackBits(3), `${total} bits in 3 s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a flow moved by setsockopt shows its timeline, counts under each algorithm, and the explanation gives the measured change", async () => {
  const { dir, run } = await shortRun();
  try {
    const s = run.summary;
    const same1 = s.flows.find((f) => f.id === "same.1");
    assert.deepEqual(same1?.timeline.map((e) => [e.group, e.fromNs / 1e9, e.toNs / 1e9]), [["reno", 0, 1.5], ["cubic", 1.5, 3]]);
    // β measured from the reductions inside each segment: reno halves, cubic keeps 0.7.
    assert.ok(same1 !== undefined && Math.abs((same1.timeline[0]?.beta ?? 0) - 0.5) < 0.03 && Math.abs((same1.timeline[1]?.beta ?? 0) - 0.7) < 0.03);
    assert.deepEqual(s.groups.map((g) => [g.group, g.flows, g.switched, g.activeNs / 1e9]), [["reno", 2, 2, 1.5], ["cubic", 3, 2, 1.5]]);
    const text = readFileSync(join(dir, "out", "summary.txt"), "utf8");
    assert.match(text, /^same\.1\s+reno → cubic at 1\.5 s\s/m);
    assert.match(text, /^cubic\s+3 \(2 switched\)/m);
    const html = readFileSync(join(dir, "out", "report.html"), "utf8");
    assert.match(html, /<td>same\.2<\/td><td>reno → cubic at 1\.5 s<\/td>/);
    assert.match(html, /<h3>Per concurrent interval<\/h3>/);
    const e = run.explanation ?? "";
    assert.match(e, /same\.1 and same\.2 moved from reno to cubic \(before: measured β 0\.(4[7-9]|5[0-2]), 0\.(4[7-9]|5[0-2]); after: measured β 0\.(6[7-9]|7[0-2]), 0\.(6[7-9]|7[0-2])\)/);
    assert.match(e, /late, started after it \(2 s\), got cubic/);
    assert.match(e, /Goodput before it \(0 s–1\.5 s\): reno 1\d\.\d Mbit\/s \(9\d\.\d% of capacity, 2 flows/);
    assert.ok(html.includes('<p class="explain">same.1 and same.2 started on reno (all at 0 s).'), "the report carries the paragraph");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
