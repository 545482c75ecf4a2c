/**
 * @fileoverview The JIT's compile cost and its cache (issue #18, "compile
 * once"), in one run: every program of the CUBIC fixture
 * (test/fixtures/cubic.linux.bpf.o), loaded into the emulated kernel as a
 * user loads it (so its instructions are the relocated ones the kernel hands
 * the engine), prepared by the JIT with the compile cache emptied first
 * (cold: translated and compiled) and with the cache holding its module
 * (cached: instantiated only), against the interpreter's prepare (decoding
 * only) as the baseline of what a prepare costs besides compiling.
 *
 * What "cold" means here, in three rows:
 * - the first prepare of the fixture in this process: V8 has not compiled
 *   the translator yet (what a one-shot `structops run` pays once);
 * - the fixture compiled after the translator was warmed on *other*
 *   programs (every other fixture, for {@link WARMUP_MS}): what a
 *   long-running process (a sweep's worker, a test run) pays when a program
 *   it has not seen arrives. Rounds of the fixture follow; their median and
 *   minimum are reported, and beside them the same with the first read of
 *   each program's `runCtx`, where the JIT makes its run functions. The rounds repeat the same programs, so V8's
 *   feedback from earlier rounds helps later ones a little; the first round
 *   after the warm-up is reported beside them for that reason;
 * - the garbage the cold rounds leave is theirs: a young-generation
 *   collection runs between the phases (the warm-up, the cold rounds, the
 *   cached rounds, the interpreter's), so no phase pays for the previous
 *   one's garbage, and each pays for its own as it falls.
 *
 * Each round is timed twice: wall time (what a user waits on an idle
 * machine; on a loaded one the median includes time the process was not
 * running, the minimum much less) and CPU time of the process
 * (`process.cpuUsage`, which load disturbs less, but which includes V8's
 * helper threads: background compilation of the translator and of the Wasm
 * code, concurrent marking and parallel scavenges).
 *
 * Run: npx tsx bench/compile.bench.ts
 */
import { readFileSync, readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { EmulatedKernel } from "../src/lib/kernel.js";
import { BpfObject } from "../src/lib/object.js";
import { createRunner } from "../src/backend/engines.js";
import type { PreparedProg, ProgImage } from "../src/backend/engines.js";
import { clearModuleCache } from "../src/jit/module-cache.js";
import { QUICK, machine, report } from "./harness.js";
import type { BenchRow } from "./harness.js";

const FIXTURES = new URL("../test/fixtures/", import.meta.url);
const ROUNDS = QUICK ? 1 : 41;
/** CPU time spent compiling the other fixtures before the CUBIC rounds. */
const WARMUP_MS = QUICK ? 0 : 3000;

/** Every program of a fixture as the kernel hands it to an engine, or [] when the fixture does not load (the negative ones). */
function imagesOf(file: string): ProgImage[] {
  const kernel = new EmulatedKernel({ engine: "interp", seed: 1 });
  try {
    BpfObject.open(new Uint8Array(readFileSync(new URL(file, FIXTURES)))).load(kernel.process("bench"));
  } catch {
    return [];
  }
  return kernel.kernel.progIdr.values().map((p) => kernel.kernel.progImage(p));
}

const images = imagesOf("cubic.linux.bpf.o");
/** The warm-up's programs: every other fixture that loads (no CUBIC build among them). */
const others = readdirSync(FIXTURES).filter((f) => f.endsWith(".bpf.o") && !f.startsWith("cubic.")).sort().flatMap(imagesOf);
const jit = createRunner("jit");
const interp = createRunner("interp");

/**
 * A young-generation collection between phases (V8's gc exposed for this
 * process only), so no phase pays for the previous one's short-lived
 * garbage. Not a full collection: V8's forced full GC dropped the
 * translator's optimized code, so every translator function was optimized
 * again during the next phase's rounds (75 optimizations, medians 5-10x the
 * minimum).
 */
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as (opts?: { type: "minor" | "major" }) => void;
const youngGc = (): void => gc({ type: "minor" });
setFlagsFromString("--no-expose-gc");

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One round's times, ms. */
interface Round {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Wall and CPU ms to prepare every image, the cache emptied before each when
 * `cold`, and with `entry` the first read of each program's `runCtx` too
 * (the JIT makes a program's run functions then, jit-runner.ts); the
 * prepared programs are disposed untimed.
 */
function prepareMs(runner: typeof jit, list: readonly ProgImage[], cold: boolean, entry = false): Round {
  const made: PreparedProg[] = [];
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (const image of list) {
    if (cold) clearModuleCache();
    const p = runner.prepare(image);
    if (entry) void p.runCtx;
    made.push(p);
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = cpuMs() - c0;
  for (const p of made) p.dispose();
  return { wall, cpu };
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: readonly number[]): number => sorted(xs)[xs.length >> 1] as number;
const min = (xs: readonly number[]): number => sorted(xs)[0] as number;
const rounds = (f: () => Round): Round[] => Array.from({ length: ROUNDS }, f);
const wall = (rs: readonly Round[]): number[] => rs.map((r) => r.wall);
const cpu = (rs: readonly Round[]): number[] => rs.map((r) => r.cpu);

const first = prepareMs(jit, images, true);
const warmStart = cpuMs();
let warmRounds = 0;
do {
  prepareMs(jit, others, true);
  warmRounds++;
} while (cpuMs() - warmStart < WARMUP_MS);
youngGc();
const cold = rounds(() => prepareMs(jit, images, true));
youngGc();
const coldEntry = rounds(() => prepareMs(jit, images, true, true));
youngGc();
prepareMs(jit, images, false); // fills the cache
const cached = rounds(() => prepareMs(jit, images, false));
youngGc();
prepareMs(interp, images, false);
const base = rounds(() => prepareMs(interp, images, false));

const n = images.length;
const insns = images.reduce((a, im) => a + im.insns.length / 8, 0);
const perProg = (ms: number): number => (ms * 1000) / n;
const rows: BenchRow[] = [
  { case: `prepare on the interpreter (decode), ${n} programs of the CUBIC fixture, ${insns} insns: the baseline, wall`, value: perProg(median(wall(base))), unit: "µs/program", note: `median of ${ROUNDS} rounds; CPU ${perProg(median(cpu(base))).toFixed(1)} µs` },
  { case: "JIT, the fixture's first prepare in this process (translator not yet compiled by V8), wall", value: first.wall, unit: "ms/fixture", note: `once per process; CPU ${first.cpu.toFixed(1)} ms` },
  { case: `JIT, cache empty, translator warmed on ${others.length} other programs: first round, wall`, value: (cold[0] as Round).wall, unit: "ms/fixture", note: `after ${warmRounds} warm-up rounds; CPU ${(cold[0] as Round).cpu.toFixed(2)} ms` },
  { case: "JIT, cache empty (translate + compile + instantiate), translator warm: median, wall", value: median(wall(cold)), unit: "ms/fixture", note: `target < 3 ms; ${perProg(median(wall(cold))).toFixed(0)} µs/program; ${(median(wall(cold)) / median(wall(base))).toFixed(0)}x the interpreter's` },
  { case: "JIT, cache empty, translator warm: minimum, wall", value: min(wall(cold)), unit: "ms/fixture" },
  { case: "JIT, cache empty, translator warm: median, CPU (helper threads included)", value: median(cpu(cold)), unit: "ms/fixture", note: `min ${min(cpu(cold)).toFixed(2)} ms` },
  { case: "JIT, cache empty, prepare and the run functions made (the first read of runCtx): median, wall", value: median(wall(coldEntry)), unit: "ms/fixture", note: `min ${min(wall(coldEntry)).toFixed(2)} ms; CPU median ${median(cpu(coldEntry)).toFixed(2)} ms: what a program costs before its first run` },
  { case: "JIT, module cached (instantiate): median, wall", value: perProg(median(wall(cached))), unit: "µs/program", note: `target < 50 µs; min ${perProg(min(wall(cached))).toFixed(1)} µs; CPU median ${perProg(median(cpu(cached))).toFixed(1)} µs; ${(median(wall(cold)) / median(wall(cached))).toFixed(0)}x faster than cold` },
];
report("compile", `JIT compile: a cold prepare against a cached one, wall and CPU time (${machine()})`, rows);
