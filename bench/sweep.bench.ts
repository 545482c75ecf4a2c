/**
 * @fileoverview Sweep scaling and overhead (issue #12), measured in one run:
 *
 * - points per second of `structops sweep` with --jobs 2 against --jobs 1,
 *   on the same sweep of realistic points (100 Mbit/s, 20 ms, 4 cubic flows,
 *   10 simulated seconds each: about a second of CPU, so a sweep's fixed
 *   cost of about a second does not hide the scaling), each sweep in its own
 *   `node bin/structops.js` process as a user runs it;
 * - the machine's own ceiling for this workload, in the same run: one
 *   `structops run` of one point alone against two independent processes of
 *   it side by side (2 × alone / together). The simulator is memory-bound,
 *   so two cores give less than 2× even to independent processes; the sweep's
 *   speed-up is reported against 1 job and against that ceiling;
 * - the same sweeps with V8's GC on the main thread only
 *   (`node --single-threaded-gc`): V8's parallel GC threads take a share of
 *   the second core at --jobs 1 and compete with the second worker at --jobs 2
 *   (every case runs with STRUCTOPS_NO_REEXEC=1, in one node with exactly the
 *   flags given: the bin itself re-executes `sweep` with the flag);
 * - the overhead a sweep adds to each point (starting the worker, reading
 *   and resolving the sweep, writing the point's scenario, result and the
 *   sweep's table and report), split in two: the marginal cost of a point
 *   (a --jobs 1 sweep of N points minus one of 1 point, per extra point,
 *   minus a warm run of the same scenario through runScenario in this
 *   process), over such a run (a 30-simulated-second point in the full
 *   run); and the fixed cost of a sweep (reading and resolving the file,
 *   starting the worker thread and loading the testbed in it, writing the
 *   table and report), which a sweep pays once per worker; and the
 *   sweep's own work per point without threads (runPoint against
 *   runScenario, alternated in one warm thread), the figure a loaded
 *   machine disturbs least.
 *
 * Both run the compiled code (dist/, built first when missing or older
 * than the sources), as an installed package does: from the sources every
 * worker thread would first compile the tree through tsx. Besides wall
 * time, the overhead is given in CPU time of the whole process (its worker
 * threads included), which a loaded machine disturbs far less.
 *
 * `--quick` (CI) runs 2-point sweeps of 1 simulated second: it proves the
 * bench works, its figures mean nothing.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { QUICK, report } from "./harness.js";
import type * as MainModule from "../src/cli/main.js";
import type * as IoModule from "../src/cli/io.js";
import type * as LoadModule from "../src/cli/scenario/load.js";
import type * as RunModule from "../src/cli/run/run-scenario.js";
import type * as TestbedModule from "../src/cli/run/testbed.js";
import type * as PointRunModule from "../src/cli/sweep/point-run.js";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist", "cli", "sweep", "sweep.js");
if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, "src", "cli", "sweep", "sweep.ts")).mtimeMs) {
  const b = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) throw new Error("sweep bench: the build (tsc -p tsconfig.build.json) failed");
}
const dist = (p: string): string => join(root, "dist", p);
const { main } = (await import(dist("cli/main.js"))) as typeof MainModule;
const { memoryIo } = (await import(dist("cli/io.js"))) as typeof IoModule;
const { parseScenario } = (await import(dist("cli/scenario/load.js"))) as typeof LoadModule;
const { runScenario } = (await import(dist("cli/run/run-scenario.js"))) as typeof RunModule;
const { loadTestbed } = (await import(dist("cli/run/testbed.js"))) as typeof TestbedModule;
const { runPoint } = (await import(dist("cli/sweep/point-run.js"))) as typeof PointRunModule;

const SCALE_DURATION = QUICK ? "1s" : "60s";
const DURATION = QUICK ? "1s" : "30s";
const SCALE_POINTS = QUICK ? 2 : 8;
const OVERHEAD_POINTS = QUICK ? 2 : 5;

const scenarioOf = (d: string): string => `duration: ${d}
topology:
  bottleneck: { rate: 20mbit, delay: 10ms, queue: { kind: droptail, packets: 100 } }
flows:
  - { id: a, count: 2, stagger: 100ms, algorithm: cubic }
outputs: { sample: 10ms, hooks: events }
`;
/** The scaling sweep's point: a realistic one (issue #12's bar is measured on points that take about a second). */
const scalePointOf = (d: string): string => `duration: ${d}
topology:
  bottleneck: { rate: 100mbit, delay: 20ms, queue: { kind: droptail, packets: 400 } }
flows:
  - { id: a, count: 4, stagger: 100ms, algorithm: cubic }
outputs: { sample: 100ms, hooks: none }
`;
const scenario = scenarioOf(DURATION);
const sweepText = (points: number, d: string, of = scenarioOf): string => `name: bench
scenario:
${of(d).replace(/^/gm, "  ")}
axes:
  - { field: seed, range: { from: 1, to: ${points} } }
`;
const dir = mkdtempSync(join(tmpdir(), "structops-sweep-bench-"));
/** Wall and CPU seconds of one sweep. */
async function sweepSeconds(points: number, jobs: number, tag: string, d: string): Promise<{ wall: number; cpu: number }> {
  writeFileSync(join(dir, `${tag}.yaml`), sweepText(points, d));
  const c0 = process.cpuUsage();
  const io = memoryIo();
  const t0 = process.hrtime.bigint();
  const code = await main(["sweep", join(dir, `${tag}.yaml`), "--out", join(dir, tag), "--jobs", String(jobs), "--no-progress"], io);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  if (code !== 0 || !/0 failed now/.test(io.out())) throw new Error(`sweep bench: ${io.out()}${io.err()}`);
  return { wall: s, cpu: (c.user + c.system) / 1e6 };
}

const load0 = loadavg()[0] ?? 0;
const bin = join(root, "bin", "structops.js");
/** Wall seconds of `node [flags] bin/structops.js args...` in a fresh process, `copies` of them side by side (the slowest one's). */
async function processSeconds(flags: readonly string[], args: (i: number) => string[], copies = 1): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: copies }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        // STRUCTOPS_NO_REEXEC: each case runs in one node with exactly the flags given (the bin would add --single-threaded-gc).
        const c = spawn(process.execPath, [...flags, bin, ...args(i)], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, STRUCTOPS_NO_REEXEC: "1" } });
        let err = "";
        c.stderr.on("data", (b: Buffer) => (err += b.toString()));
        c.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`sweep bench: structops ${args(i).join(" ")} exited ${code}: ${err}`))));
      }),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
writeFileSync(join(dir, "scale.yaml"), sweepText(SCALE_POINTS, SCALE_DURATION, scalePointOf));
writeFileSync(join(dir, "point.yaml"), scalePointOf(SCALE_DURATION));
const sweepArgs = (jobs: number, tag: string) => (): string[] => ["sweep", join(dir, "scale.yaml"), "--out", join(dir, tag), "--jobs", String(jobs), "--no-progress"];
const runArgs = (tag: string) => (i: number): string[] => ["run", join(dir, "point.yaml"), "--out", join(dir, `${tag}-${i}`), "--no-progress"];
/** Median of an odd list. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const GC_FLAGS: readonly (readonly string[])[] = [[], ["--single-threaded-gc"]];
const ROUNDS = QUICK ? 1 : 3;
// Each round measures every configuration once, in an order reversed every other round, so a load change hits all alike.
const times = new Map<string, number[]>();
const note = (k: string, v: number): void => void times.set(k, [...(times.get(k) ?? []), v]);
for (let r = 0; r < ROUNDS; r++) {
  const steps: (() => Promise<void>)[] = [
    async () => note("alone", await processSeconds([], runArgs(`alone${r}`))),
    async () => note("pair", await processSeconds([], runArgs(`pair${r}`), 2)),
  ];
  for (const [g, flags] of GC_FLAGS.entries()) {
    steps.push(async () => note(`j1-${g}`, await processSeconds(flags, sweepArgs(1, `j1-${g}-${r}`))));
    steps.push(async () => note(`j2-${g}`, await processSeconds(flags, sweepArgs(2, `j2-${g}-${r}`))));
  }
  if (r % 2 === 1) steps.reverse();
  for (const step of steps) await step();
}
const get = (k: string): number => median(times.get(k) ?? [NaN]);
const ceiling = (2 * get("alone")) / get("pair");
const scaleRows = GC_FLAGS.flatMap((flags, g) => {
  const one = get(`j1-${g}`);
  const two = get(`j2-${g}`);
  const gc = flags.length === 0 ? "default GC" : "--single-threaded-gc";
  return [
    { case: `--jobs 1, ${gc} (${SCALE_POINTS} points of ${SCALE_DURATION}, 100 Mbit/s, 20 ms, 4 flows)`, value: SCALE_POINTS / one, unit: "points/s", note: `${one.toFixed(2)} s, median of ${ROUNDS}` },
    { case: `--jobs 2, ${gc}`, value: SCALE_POINTS / two, unit: "points/s", note: `${two.toFixed(2)} s` },
    { case: `speed-up, --jobs 2 over --jobs 1, ${gc}`, value: one / two, unit: "x", note: `${((100 * one) / two / ceiling).toFixed(0)} % of the machine's ceiling; target >= 1.8 on 2 idle cores` },
  ];
});
scaleRows.push(
  { case: "the machine's ceiling: 2 x one `structops run` alone / two side by side", value: ceiling, unit: "x", note: `${get("alone").toFixed(2)} s alone, ${get("pair").toFixed(2)} s for two` },
  { case: "--single-threaded-gc against default GC, --jobs 1 (wall)", value: get("j1-0") / get("j1-1"), unit: "x", note: "> 1: single-threaded GC is faster" },
  { case: "--single-threaded-gc against default GC, --jobs 2 (wall)", value: get("j2-0") / get("j2-1"), unit: "x", note: "> 1: single-threaded GC is faster" },
);

// Overhead: the same scenario run directly in this process, once per seed (the first run is cold, as a worker's first point is).
const runner = await loadTestbed();
if (typeof runner === "string") throw new Error(runner);
writeFileSync(join(dir, "direct.yaml"), scenario);
const s = parseScenario(readFileSync(join(dir, "direct.yaml"), "utf8"), "direct.yaml");
const direct: { wall: number; cpu: number }[] = [];
for (let seed = 1; seed <= OVERHEAD_POINTS; seed++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  runScenario(s, join(dir, "direct.yaml"), { runTestbed: runner, outDir: join(dir, `direct-${seed}`), seed, engine: "auto" });
  const c = process.cpuUsage(c0);
  direct.push({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 });
}
const sum = (xs: readonly { wall: number; cpu: number }[], k: "wall" | "cpu"): number => xs.reduce((a, x) => a + x[k], 0);
// Sweeps of 1 and N points on one worker: the difference is N - 1 points' marginal cost; what the 1-point sweep costs beyond it is fixed per sweep.
const small = await sweepSeconds(1, 1, "overhead-1", DURATION);
const large = await sweepSeconds(OVERHEAD_POINTS, 1, "overhead-n", DURATION);
const warm = direct.slice(1);
const perPoint = sum(warm, "wall") / warm.length;
const perPointCpu = sum(warm, "cpu") / warm.length;
const marginal = (large.wall - small.wall) / (OVERHEAD_POINTS - 1) - perPoint;
const marginalCpu = (large.cpu - small.cpu) / (OVERHEAD_POINTS - 1) - perPointCpu;
const fixedCpu = small.cpu - (direct[0]?.cpu ?? 0);
// The sweep's own work per point, without threads: runPoint (read scenario.yaml, run, metrics, result.json)
// against runScenario on the same scenario, alternated in this (warm) thread so load changes hit both alike.
let plainCpu = 0;
let pointCpu = 0;
for (let i = 0; i < OVERHEAD_POINTS; i++) {
  let c0 = process.cpuUsage();
  runScenario(s, join(dir, "direct.yaml"), { runTestbed: runner, outDir: join(dir, `plain-${i}`), seed: 1, engine: "auto" });
  let c = process.cpuUsage(c0);
  plainCpu += (c.user + c.system) / 1e6;
  const pdir = join(dir, `point-${i}`);
  mkdirSync(pdir);
  writeFileSync(join(pdir, "scenario.yaml"), scenario);
  c0 = process.cpuUsage();
  runPoint({ id: "bench", dir: pdir, engine: "auto", limits: {} }, runner);
  c = process.cpuUsage(c0);
  pointCpu += (c.user + c.system) / 1e6;
}
const ownCpu = (pointCpu - plainCpu) / OVERHEAD_POINTS;
const load1 = loadavg()[0] ?? 0;
rmSync(dir, { recursive: true, force: true });

report("sweep", "Sweep: points per second by --jobs, and the overhead per point", [
  ...scaleRows,
  { case: `one ${DURATION} point run directly (runScenario, warm), wall`, value: perPoint, unit: "s" },
  { case: "sweep overhead per point (--jobs 1), wall", value: marginal, unit: "s", note: `${((100 * marginal) / perPoint).toFixed(1)} % of a point; target < 5 %` },
  { case: `one ${DURATION} point run directly (warm), CPU`, value: perPointCpu, unit: "s" },
  { case: "sweep overhead per point (--jobs 1), CPU", value: marginalCpu, unit: "s", note: `${((100 * marginalCpu) / perPointCpu).toFixed(1)} % of a point's CPU time; target < 5 %` },
  { case: "the sweep's own work per point (runPoint - runScenario, one thread), CPU", value: ownCpu, unit: "s", note: `${((100 * ownCpu) / (plainCpu / OVERHEAD_POINTS)).toFixed(1)} % of a point's CPU time; target < 5 %` },
  { case: "fixed cost per sweep (plan, worker start, table, report), CPU", value: fixedCpu, unit: "s", note: "paid once per sweep and worker, not per point" },
  { case: "load average (1 min) before / after", value: load0, unit: "", note: `after: ${load1.toFixed(2)} on ${2} cores shared with other work` },
]);
