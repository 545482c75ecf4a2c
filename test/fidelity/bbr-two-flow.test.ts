/**
 * Two flows against Linux (issue #13): bbr vs bbr and bbr vs cubic through
 * one bottleneck, the simulator's built-ins against Linux 6.18's tcp_bbr.c
 * and tcp_cubic.c recorded over the Linux testbed
 * (test/fidelity/reference/two-*.json, 5 runs each), on each flow's share and
 * the metrics of bbr-two-flow.ts. Tolerances: docs/fidelity.md, "Two flows".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareInBand, formatBbrChecks } from "./bbr-metrics.js";
import type { BbrSample } from "./bbr-metrics.js";
import { compareTwoFlowWithReference, loadTwoFlowReference, TWO_FLOW_CONFIGS, TWO_FLOW_FLOORS, TWO_FLOW_METRICS, twoFlowMetrics } from "./bbr-two-flow.js";

const path = (TWO_FLOW_CONFIGS[0] as (typeof TWO_FLOW_CONFIGS)[number]).path;

test("two-flow metrics: the share counts each flow's bytes over the same window of a common clock", () => {
  // Flow A at 2 Mbyte/s from its start; flow B at 1 Mbyte/s, starting 0.5 s later on the common clock.
  const mk = (rate: number, cwnd: number): BbrSample[] =>
    Array.from({ length: 2501 }, (_, i) => ({ tS: i / 100, cwnd, ssthresh: 50, srttUs: 44_000, pacingRate: rate, bytesAcked: i * (rate / 100) }));
  const a = { startS: 0, trace: mk(2e6, 100) };
  const b = { startS: 0.5, trace: mk(1e6, 50) };
  const m = twoFlowMetrics(a, b, path, 25);
  // Over [3, 24.9] s of A's clock both flows run the whole window: shares 2:1.
  assert.equal(m.shareA, 0.667);
  assert.equal(m.goodputMbps, 24);
  assert.equal(m.cwndA, 100);
  assert.equal(m.cwndB, 50);
  assert.equal(m.queueDelayMs, 4);
  assert.equal(m.probeRttFirstAS, null);
  // Ignoring the offset would count B's bytes over a window shifted by 0.5 s: the same here (constant rate), so check a step.
  const bStep = { startS: 0.5, trace: b.trace.map((s) => ({ ...s, bytesAcked: s.tS < 2.6 ? 0 : (s.tS - 2.6) * 1e6 })) };
  // B's bytes start 2.6 s after its start = 3.1 s on A's clock: 0.1 s of the window is missing from B.
  assert.equal(twoFlowMetrics(a, bStep, path, 25).shareA, Math.round((43.8e6 / (43.8e6 + 21.8e6)) * 1000) / 1000);
  // The band: a share 0.1 off Linux's fails, one inside passes.
  const lin = [m, { ...m, shareA: 0.7 }];
  assert.ok(compareInBand(TWO_FLOW_METRICS, TWO_FLOW_FLOORS, { ...m, shareA: 0.69 }, lin).every((c) => c.ok));
  assert.equal(compareInBand(TWO_FLOW_METRICS, TWO_FLOW_FLOORS, { ...m, shareA: 0.8 }, lin).find((c) => c.metric === "shareA")?.ok, false);
});

for (const cfg of TWO_FLOW_CONFIGS) {
  test(`two simulated flows within Linux's run-to-run band (${cfg.name}: ${cfg.ccs.join(" vs ")})`, (t) => {
    const { checks } = compareTwoFlowWithReference(cfg);
    t.diagnostic(`${cfg.name} (simulated, seed 1) against ${loadTwoFlowReference(cfg.name).runs.length} Linux runs:`);
    for (const line of formatBbrChecks(checks).split("\n")) t.diagnostic(`  ${line}`);
    const out = checks.filter((c) => !c.ok).map((c) => `${c.metric}: ${c.value}, Linux band [${c.low}, ${c.high}] from ${c.linux.join(" ")}`);
    assert.equal(out.length, 0, out.join("\n"));
  });
}
