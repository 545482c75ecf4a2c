/**
 * @fileoverview Records the Linux reference of the project's own congestion
 * control (issue #19): test/fixtures/probe.bpf.c's fx_probe (Reno with its
 * own proportional rate reduction from prr_out, snd_cwnd_stamp and a pacing
 * rate bounded by sk_max_pacing_rate) registered on this machine's Linux
 * through the Linux backend, N runs over the fidelity testbed's
 * 20 Mbit/s / 40 ms / 1 BDP path, written to
 * reference/own-ca-20mbit-40ms-1bdp.json in the format of the other
 * references. Needs root and network namespaces.
 *
 *   npx tsx test/fidelity/own-ca-record.ts [--runs 5]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildTools, probeLinux } from "./linux-testbed.js";
import { machineInfo, recordRun } from "./fidelity-cli.js";
import { OWN_CA, OWN_CA_CONFIG, ownCaReferencePath } from "./own-ca.js";
import type { OwnCaReference } from "./own-ca.js";
import { runProbeLinux } from "../parity/probe-fields.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const probe = probeLinux();
if (!probe.ok) {
  console.error(`cannot record: ${probe.reason}`);
  process.exit(1);
}
const tools = buildTools();
try {
  const runs = [];
  for (let seed = 1; seed <= Number(values.runs); seed++) {
    const r = await runProbeLinux(tools, OWN_CA_CONFIG, OWN_CA_CONFIG.seconds, seed);
    runs.push(recordRun(r.linux, seed));
    console.log(`run ${seed}: ${r.linux.rows.length} samples, max cwnd ${Math.max(...r.trace.map((s) => s.cwnd))}`);
  }
  const ref: OwnCaReference = { config: OWN_CA_CONFIG, machine: machineInfo(), algorithms: { [OWN_CA]: { runs } } };
  writeFileSync(ownCaReferencePath(), `${JSON.stringify(ref)}\n`);
  console.log(`wrote ${ownCaReferencePath()}`);
} finally {
  tools.dispose();
}
