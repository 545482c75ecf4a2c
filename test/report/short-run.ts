/**
 * @fileoverview A short real run for report tests: the testbed (simulator
 * and emulated kernel) on a 3-second scenario where two reno flows on the
 * same path (identical RTTs: their RTT traces overlap), are moved to cubic by
 * a setsockopt action at 1.5 s, and a third flow starts on cubic after it.
 * Runs in well under a second; writes its outputs into a temporary folder.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTestbed } from "../../src/cli/run/testbed.js";
import { runScenario } from "../../src/cli/run/run-scenario.js";
import type { ScenarioRun } from "../../src/cli/run/run-scenario.js";
import { parseScenario } from "../../src/cli/scenario/load.js";

/** The bottleneck rate of the scenario, bit/s. */
export const SHORT_CAPACITY_BPS = 20e6;

export const SHORT_SCENARIO = `name: short
seed: 3
duration: 3s
default_cc: reno
topology:
  bottleneck: { rate: 20mbit, delay: 10ms, queue: { kind: droptail, packets: 60 } }
flows:
  - { id: same, count: 2, start: 0s, algorithm: reno }
  - { id: late, start: 2s, algorithm: cubic }
actions:
  - { at: 1500ms, do: setsockopt, algorithm: cubic, flows: [same] }
outputs: { sample: 10ms, hooks: events }
`;

/** Runs the short scenario into a new temporary folder (the caller removes `dir`). */
export async function shortRun(): Promise<{ dir: string; run: ScenarioRun }> {
  const runner = await loadTestbed();
  if (typeof runner === "string") throw new Error(runner);
  const dir = mkdtempSync(join(tmpdir(), "structops-short-"));
  const file = join(dir, "short.yaml");
  writeFileSync(file, SHORT_SCENARIO);
  const run = runScenario(parseScenario(SHORT_SCENARIO, file), file, { runTestbed: runner, outDir: join(dir, "out") });
  return { dir, run };
}
