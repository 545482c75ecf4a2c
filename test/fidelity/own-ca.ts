/**
 * @fileoverview The project's own congestion control against Linux (issue
 * #19): test/fixtures/probe.bpf.c's fx_probe on the 20 Mbit/s / 40 ms /
 * 1 BDP path, shortened to 15 s (slow start and two to three cycles). The
 * Linux side is recorded by own-ca-record.ts into
 * reference/own-ca-20mbit-40ms-1bdp.json; the model's run is compared with
 * it through the cycle-shape metrics and tolerances of reference.ts
 * (docs/fidelity.md, "Tolerance").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configByName } from "./configs.js";
import type { FidelityConfig } from "./configs.js";
import { cycleShape, metricValues } from "./metrics.js";
import type { MetricName, MetricSpread, MetricValues } from "./metrics.js";
import { decodeTrace, REFERENCE_DIR, spreadOfRuns } from "./reference.js";
import type { AlgorithmReference, MachineInfo } from "./reference.js";

/** The struct_ops name of the own congestion control. */
export const OWN_CA = "fx_probe";

/** The path (20 Mbit/s, 40 ms, 1 BDP drop-tail queue), 15 s long. */
export const OWN_CA_CONFIG: FidelityConfig = { ...configByName("20mbit-40ms-1bdp"), seconds: 15 };

/** A recorded reference of the own CA (the shape of the other reference files, keyed by its name). */
export interface OwnCaReference {
  readonly config: FidelityConfig;
  readonly machine: MachineInfo;
  readonly algorithms: Readonly<Record<string, AlgorithmReference>>;
}

export function ownCaReferencePath(): string {
  return join(REFERENCE_DIR, `own-ca-${OWN_CA_CONFIG.name}.json`);
}

/** The committed reference: each run's metric values and their spread. */
export function ownCaSpread(): { ref: OwnCaReference; runs: MetricValues[]; spread: Record<MetricName, MetricSpread | null> } {
  const ref = JSON.parse(readFileSync(ownCaReferencePath(), "utf8")) as OwnCaReference;
  const runs = (ref.algorithms[OWN_CA]?.runs ?? []).map((r) => metricValues(cycleShape(decodeTrace(r.trace))));
  return { ref, runs, spread: spreadOfRuns(runs) };
}
