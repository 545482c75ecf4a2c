/**
 * @fileoverview The project's own congestion control against Linux (issue
 * #19, "Done when" 2): test/fixtures/probe.bpf.c's fx_probe, which sets
 * snd_cwnd_stamp, computes a pacing rate bounded by sk_max_pacing_rate and
 * does its own proportional rate reduction from prr_out, runs in the
 * model's testbed on the 20 Mbit/s / 40 ms / 1 BDP path with zero faults,
 * and its cwnd trajectory lies within the recorded spread of the same
 * object on this machine's Linux 6.18 (reference/own-ca-20mbit-40ms-1bdp.json,
 * recorded by own-ca-record.ts) widened by the tolerances docs/fidelity.md
 * justifies (reference.ts TOLERANCES).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareMetrics, cycleShape, formatComparison, metricValues } from "./metrics.js";
import { TOLERANCES } from "./reference.js";
import { OWN_CA, OWN_CA_CONFIG, ownCaSpread } from "./own-ca.js";
import { runProbeModel } from "../parity/probe-fields.js";

test("the committed Linux reference of fx_probe: the issue's path, enough runs, each with cycles", () => {
  const { ref, runs } = ownCaSpread();
  assert.deepEqual(ref.config, OWN_CA_CONFIG);
  assert.match(ref.machine.kernel, /^Linux 6\.18/);
  assert.ok(runs.length >= 5, `${runs.length} runs`);
  for (const r of runs) assert.ok(r.medianPeakCwnd !== null && r.medianTroughCwnd !== null, "each run has reductions");
  // Each recorded run lies within the spread of all of them (the comparison accepts Linux itself).
  const { spread } = ownCaSpread();
  for (const r of runs) assert.ok(compareMetrics(r, spread, TOLERANCES).ok);
});

test(`fx_probe in the model: no fault, and the cwnd trajectory within the Linux spread of the same object (${OWN_CA_CONFIG.name}, ${OWN_CA_CONFIG.seconds} s)`, (t) => {
  const model = runProbeModel(OWN_CA_CONFIG, OWN_CA_CONFIG.seconds);
  assert.deepEqual(model.faults, [], "zero faults");
  const values = metricValues(cycleShape(model.trace));
  const c = compareMetrics(values, ownCaSpread().spread, TOLERANCES);
  for (const line of formatComparison(c).split("\n")) t.diagnostic(line);
  assert.ok(c.ok, `${OWN_CA} model vs Linux:\n${formatComparison(c)}`);
});
