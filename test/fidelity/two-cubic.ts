/**
 * @fileoverview Two cubic flows sharing a bottleneck (issue #14): the late
 * flow's share and Jain's index, on Linux (`structops run --linux` on
 * scenarios/cubic-2flows-20mbit-40ms.yaml, one run per seed) and on the
 * testbed (the same file through `structops run`, one run per seed). Linux's
 * runs are kept in reference/two-cubic-20mbit-40ms-1bdp.json as each flow's
 * bytes ACKed (tcpi_bytes_acked) on a 100 ms grid, so the figures are
 * recomputed from them.
 *
 *   npx tsx test/fidelity/two-cubic.ts record [--runs 10] [--append]   # root: run --linux per seed, writes the reference
 *   npx tsx test/fidelity/two-cubic.ts import DIR...       # the reference from run --linux folders
 *   npx tsx test/fidelity/two-cubic.ts compare             # Linux's range against the testbed's over seeds 1-10
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readRunFolder } from "../../src/cli/compare.js";
import { main as cliMain } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import type { TraceRecord } from "../../src/sim/api.js";
import { machineInfo } from "./fidelity-cli.js";
import type { MachineInfo } from "./reference.js";
import { REFERENCE_DIR } from "./reference.js";
import { SCENARIO_DIR, runYaml, scenarioText } from "./yaml-run.js";

export const TWO_CUBIC_SCENARIO = "cubic-2flows-20mbit-40ms.yaml";
export const TWO_CUBIC_REFERENCE = join(REFERENCE_DIR, "two-cubic-20mbit-40ms-1bdp.json");
/** When the late flow starts, and how long the run lasts (the scenario's `start` and `duration`). */
const LATE_START_NS = 5e9;
const DURATION_NS = 15e9;
/** The grid the reference keeps bytes ACKed on. */
const GRID_NS = 100e6;
const FLOWS = ["early", "late"] as const;

/** One flow's samples: times (ns, the run's clock) and bytes ACKed. */
export interface AckedSeries {
  readonly t: readonly number[];
  readonly bytesAcked: readonly number[];
}

/** The late flow's share of what both flows got ACKed from its start to the end, and Jain's index over the two. */
export interface TwoFlowFigures {
  readonly share: number;
  readonly jain: number;
}

/** The value in force at `t` (the last sample at or before it; 0 before the first). */
function ackedAt(s: AckedSeries, t: number): number {
  let v = 0;
  for (let i = 0; i < s.t.length && (s.t[i] as number) <= t; i++) v = s.bytesAcked[i] as number;
  return v;
}

export function twoFlowFigures(series: ReadonlyMap<string, AckedSeries>): TwoFlowFigures {
  const got = (flow: string): number => {
    const s = series.get(flow);
    if (s === undefined) throw new RangeError(`no samples of flow '${flow}'`);
    return ackedAt(s, DURATION_NS) - ackedAt(s, LATE_START_NS);
  };
  const early = got("early");
  const late = got("late");
  return { share: late / (early + late), jain: (early + late) ** 2 / (2 * (early * early + late * late)) };
}

/** The testbed's figures for `seed` (`exact`: jitter and noise set to 0). */
export function testbedFigures(seed: number, exact = false): TwoFlowFigures {
  let text = scenarioText(TWO_CUBIC_SCENARIO);
  if (exact) text = text.replace(/jitter: \S+/, "jitter: 0").replace(/noise: \S+/, "noise: 0");
  const { records } = runYaml(text, TWO_CUBIC_SCENARIO, seed);
  const series = new Map<string, { t: number[]; bytesAcked: number[] }>();
  for (const r of records as TraceRecord[]) {
    if (r.type !== "flow") continue;
    const s = series.get(r.flow) ?? { t: [], bytesAcked: [] };
    s.t.push(r.t);
    s.bytesAcked.push(r.bytesAcked);
    series.set(r.flow, s);
  }
  return twoFlowFigures(series);
}

/** One Linux run as kept: each flow's bytes ACKed at every 100 ms of the run. */
export interface TwoCubicRun {
  readonly seed: number;
  /** `uptime`'s load averages when the run started. */
  readonly load: string;
  readonly ackedOnGrid: Readonly<Record<(typeof FLOWS)[number], readonly number[]>>;
}

export interface TwoCubicReference {
  readonly scenario: string;
  readonly machine: MachineInfo;
  readonly runs: readonly TwoCubicRun[];
}

export function loadTwoCubicReference(): TwoCubicReference {
  return JSON.parse(readFileSync(TWO_CUBIC_REFERENCE, "utf8")) as TwoCubicReference;
}

/** A Linux run's figures, from its grid. */
export function linuxTwoFlowFigures(run: TwoCubicRun): TwoFlowFigures {
  const t = run.ackedOnGrid.early.map((_, i) => i * GRID_NS);
  return twoFlowFigures(new Map(FLOWS.map((f) => [f, { t, bytesAcked: run.ackedOnGrid[f] }])));
}

/** A run folder of `structops run --linux` on the scenario, as a reference run. */
function runOfFolder(dir: string, seed: number, load: string): TwoCubicRun {
  const { collector } = readRunFolder(dir);
  const grid = (f: string): number[] => {
    const s = collector.flows.get(f);
    if (s === undefined) throw new RangeError(`${dir}: no flow '${f}'`);
    return Array.from({ length: DURATION_NS / GRID_NS + 1 }, (_, i) => ackedAt(s, i * GRID_NS));
  };
  return { seed, load, ackedOnGrid: { early: grid("early"), late: grid("late") } };
}

function loadAverages(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function range(xs: readonly number[]): string {
  return `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: "string" }, load: { type: "string", multiple: true }, append: { type: "boolean" } } });
  const cmd = positionals[0];
  if (cmd === "compare") {
    const linux = loadTwoCubicReference().runs.map(linuxTwoFlowFigures);
    const sim = Array.from({ length: 10 }, (_, i) => testbedFigures(i + 1));
    console.log(`Linux (${linux.length} runs): share ${linux.map((x) => x.share.toFixed(3)).join(" ")}; range ${range(linux.map((x) => x.share))}, Jain ${range(linux.map((x) => x.jain))}`);
    console.log(`testbed (seeds 1-10): share ${sim.map((x) => x.share.toFixed(3)).join(" ")}; range ${range(sim.map((x) => x.share))}, Jain ${range(sim.map((x) => x.jain))}`);
    return;
  }
  let runs: TwoCubicRun[];
  if (cmd === "import") {
    // Folders named ...seed<N>; --load gives each one's load averages, in order.
    runs = positionals.slice(1).map((d, i) => runOfFolder(d, Number(/seed(\d+)/.exec(d)?.[1] ?? i + 1), values.load?.[i] ?? "unknown"));
  } else if (cmd === "record") {
    // --append keeps the recorded runs and continues their seeds.
    runs = values.append === true ? [...loadTwoCubicReference().runs] : [];
    const first = runs.length + 1;
    for (let seed = first; seed < first + Number(values.runs ?? "10"); seed++) {
      const out = mkdtempSync(join(tmpdir(), "structops-two-cubic-"));
      try {
        const load = loadAverages();
        const io = memoryIo();
        const code = await cliMain(["run", "--linux", join(SCENARIO_DIR, TWO_CUBIC_SCENARIO), "--seed", String(seed), "--out", join(out, "run"), "--no-progress"], io);
        if (code !== 0) throw new Error(`run --linux, seed ${seed}: exit ${code}: ${io.err()}`);
        const run = runOfFolder(join(out, "run"), seed, load);
        runs.push(run);
        const f = linuxTwoFlowFigures(run);
        console.log(`seed ${seed} (load ${load}): share ${f.share.toFixed(3)}, Jain ${f.jain.toFixed(3)}`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  } else {
    console.error("usage: two-cubic.ts record [--runs N] [--append] | import DIR... [--load L]... | compare");
    process.exit(2);
  }
  const ref: TwoCubicReference = { scenario: TWO_CUBIC_SCENARIO, machine: machineInfo(), runs };
  writeFileSync(TWO_CUBIC_REFERENCE, JSON.stringify(ref) + "\n");
  console.log(`wrote ${TWO_CUBIC_REFERENCE}`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`two-cubic: ${(e as Error).message}`);
    process.exit(1);
  });
}
