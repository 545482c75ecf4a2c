/**
 * BBR fidelity (issue #13): the simulator's built-in bbr against Linux 6.18's
 * tcp_bbr.c recorded over the Linux testbed (test/fidelity/reference/bbr-*.json,
 * 5 runs each), on the metrics of bbr-metrics.ts; and, where this machine can
 * build network namespaces and has bbr, a fresh Linux run against the same band.
 * The model's path has the testbed's delay-line lateness on its ACKs (the
 * reference's own recorded mean; sim-adapter.ts, PathNoise).
 * Tolerances: docs/fidelity.md, "BBR".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BBR_CONFIGS, bbrMetrics, compareBbr, formatBbrChecks, probeRttEpisodes } from "./bbr-metrics.js";
import type { BbrSample } from "./bbr-metrics.js";
import { compareBbrWithReference, linuxBbrTrace, loadBbrReference } from "./bbr-fidelity.js";
import { buildTools, checkLiveRuns, delayLineNote, probeLinux, runLinuxFlow } from "./linux-testbed.js";

/**
 * Simulated metrics outside Linux's band, by "config/metric", with what was
 * measured (docs/fidelity.md lists them). The list is exact: every other metric
 * must match, and each listed one must still miss, so a fix shows up as a
 * failure asking to remove it from here and from the docs.
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

function diagnose(t: { diagnostic(msg: string): void }, title: string, table: string): void {
  t.diagnostic(title);
  for (const line of table.split("\n")) t.diagnostic(`  ${line}`);
}

test("bbr metrics: STARTUP exit at the first finite ssthresh; PROBE_RTT episodes of cwnd <= 4 for >= 50 ms", () => {
  const tr: BbrSample[] = [];
  for (let ms = 0; ms <= 12000; ms++) {
    const tS = ms / 1000;
    const probing = (tS >= 10 && tS < 10.2) || (tS >= 3 && tS < 3.01);
    tr.push({ tS, cwnd: tS < 0.4 ? 10 + ms : probing ? 4 : 140, ssthresh: tS < 0.4 ? 0x7fffffff : 80, srttUs: 44000, pacingRate: 2_400_000, bytesAcked: ms * 2400 });
  }
  const eps = probeRttEpisodes(tr);
  assert.equal(eps.length, 1, "a 10 ms dip is not a PROBE_RTT");
  const m = bbrMetrics(tr, BBR_CONFIGS[0] as (typeof BBR_CONFIGS)[number], 12);
  assert.equal(m.startupExitS, 0.4);
  assert.equal(m.startupExitRounds, 10);
  assert.equal(m.startupExitCwnd, 140);
  assert.equal(m.probeBwCwnd, 140);
  assert.equal(m.probeBwPacingMbps, 19.2);
  assert.equal(m.probeRttFirstS, 10);
  assert.equal(m.probeRttPeriodS, null);
  assert.equal(m.probeRttDepth, 4);
  assert.equal(m.queueDelayMs, 4);
  assert.equal(m.goodputMbps, 19.2);
  // A model value inside Linux's [min, max] widened by half the range or the floor passes; outside fails.
  const lin = [m, { ...m, probeBwCwnd: 150 }];
  assert.ok(compareBbr({ ...m, probeBwCwnd: 154 }, lin).every((c) => c.ok));
  assert.equal(compareBbr({ ...m, probeBwCwnd: 160 }, lin).find((c) => c.metric === "probeBwCwnd")?.ok, false);
});

for (const cfg of BBR_CONFIGS) {
  test(`simulated built-in bbr within Linux's run-to-run band (${cfg.name})`, async (t) => {
    const { checks, noise } = compareBbrWithReference(cfg);
    diagnose(t, `${cfg.name} bbr (simulated, seed 1, ACKs ${noise.ackLateNs / 1000} µs late on average) against ${loadBbrReference(cfg.name).runs.length} Linux runs:`, formatBbrChecks(checks));
    const failures: string[] = [];
    for (const c of checks) {
      const key = `${cfg.name}/${c.metric}`;
      const gap = KNOWN_GAPS[key];
      if (gap !== undefined) {
        t.diagnostic(`known gap ${key}: ${gap}`);
        if (c.ok) failures.push(`${key} now matches Linux (${c.value} in [${c.low}, ${c.high}]): remove it from KNOWN_GAPS and docs/fidelity.md`);
        continue;
      }
      if (!c.ok) failures.push(`${key}: ${c.value}, Linux band [${c.low}, ${c.high}] from ${c.linux.join(" ")}`);
    }
    assert.equal(failures.length, 0, failures.join("\n"));
  });
}

test("Linux's bbr on this machine still falls in the recorded band (20 Mbit/s, 40 ms, 1 BDP), where namespaces work", async (t) => {
  const probe = probeLinux(["bbr"]);
  if (!probe.ok) {
    t.skip(probe.reason);
    return;
  }
  const cfg = BBR_CONFIGS[0] as (typeof BBR_CONFIGS)[number];
  const tools = buildTools();
  try {
    // A real-time run on a loaded machine can be disturbed (a stall in STARTUP moves its exit): up to 3 runs,
    // each reported, the first in band passes (checkLiveRuns).
    // Timing-sensitive metrics depend on the delay line keeping time under load; the model's are checked above.
    const checked = ["startupExitCwnd", "probeBwCwnd", "probeRttDepth", "goodputMbps"];
    await checkLiveRuns(t, 3, "Linux's bbr out of the recorded band", async (attempt) => {
      const run = await runLinuxFlow(tools, cfg, "bbr", { seed: 9 });
      const m = bbrMetrics(linuxBbrTrace(run), cfg, run.seconds);
      const checks = compareBbr(m, loadBbrReference(cfg.name).runs.map((r) => r.metrics));
      diagnose(t, `fresh Linux run ${attempt}/3 against the reference (${delayLineNote(run.delayLine)}):`, formatBbrChecks(checks));
      const out = checks.filter((x) => checked.includes(x.metric) && !x.ok).map((c) => `${c.metric}: ${c.value} outside [${c.low}, ${c.high}]`);
      return out.length === 0 ? [] : [...out, delayLineNote(run.delayLine)];
    });
  } finally {
    tools.dispose();
  }
});
