/**
 * @fileoverview The JIT's compile cost and its cache (issue #18, "compile
 * once"), in one run: every program of the CUBIC fixture
 * (test/fixtures/cubic.linux.bpf.o), loaded into the emulated kernel as a
 * user loads it (so its instructions are the relocated ones the kernel hands
 * the engine), prepared by the JIT with the compile cache emptied first
 * (cold: translated and compiled) and with the cache holding its module
 * (cached: instantiated only), against the interpreter's prepare (decoding
 * only) as the baseline of what a prepare costs besides compiling. Medians
 * over rounds, each program prepared in turn.
 *
 * Run: npx tsx bench/compile.bench.ts
 */
import { readFileSync } from "node:fs";
import { EmulatedKernel } from "../src/lib/kernel.js";
import { BpfObject } from "../src/lib/object.js";
import { createRunner } from "../src/backend/engines.js";
import type { ProgImage } from "../src/backend/engines.js";
import { clearModuleCache } from "../src/jit/module-cache.js";
import { QUICK, report } from "./harness.js";
import type { BenchRow } from "./harness.js";

const CUBIC = new Uint8Array(readFileSync(new URL("../test/fixtures/cubic.linux.bpf.o", import.meta.url)));
const ROUNDS = QUICK ? 1 : 21;

const kernel = new EmulatedKernel({ engine: "interp", seed: 1 });
BpfObject.open(CUBIC).load(kernel.process("bench"));
const images: ProgImage[] = kernel.kernel.progIdr.values().map((p) => kernel.kernel.progImage(p));
const jit = createRunner("jit");
const interp = createRunner("interp");

/** Microseconds to prepare every image, the cache emptied before each when `cold`, else holding its module. */
function prepareUs(runner: typeof jit, cold: boolean): number {
  let ns = 0;
  for (const image of images) {
    if (cold) clearModuleCache();
    else runner.prepare(image); // cached from here on, whatever ran before
    const t0 = process.hrtime.bigint();
    runner.prepare(image);
    ns += Number(process.hrtime.bigint() - t0);
  }
  return ns / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const cold: number[] = [];
const cached: number[] = [];
const base: number[] = [];
// The first round warms V8 (the translator's own code), not counted.
for (let r = 0; r <= ROUNDS; r++) {
  const c = prepareUs(jit, true);
  const w = prepareUs(jit, false);
  const b = prepareUs(interp, false);
  if (r === 0 && !QUICK) continue;
  cold.push(c);
  cached.push(w);
  base.push(b);
}
const n = images.length;
const insns = images.reduce((a, im) => a + im.insns.length / 8, 0);
const rows: BenchRow[] = [
  { case: `prepare on the interpreter (decode), ${n} programs of the CUBIC fixture, ${insns} insns: the baseline`, value: median(base) / n, unit: "µs/program", note: `median of ${cold.length} rounds` },
  { case: "prepare on the JIT, cache empty (translate + compile + instantiate)", value: median(cold) / n, unit: "µs/program", note: `${(median(cold) / 1000).toFixed(2)} ms for the whole fixture; ${(median(cold) / median(base)).toFixed(0)}x the interpreter's` },
  { case: "prepare on the JIT, module cached (instantiate)", value: median(cached) / n, unit: "µs/program", note: `${(median(cold) / median(cached)).toFixed(1)}x faster than cold; ${(median(cached) / median(base)).toFixed(1)}x the interpreter's` },
];
report("compile", "JIT compile: a cold prepare against a cached one", rows);
