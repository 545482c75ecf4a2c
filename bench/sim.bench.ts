/**
 * @fileoverview Simulator benchmarks: scheduler events per second (insert +
 * dispatch through the binary heap), and simulated seconds per wall second
 * for 10 flows over a 1 Gb/s, 50 ms dumbbell bottleneck with built-in cubic,
 * with built-in bbr (paced by the TCP stack's internal pacing timer, issue #13),
 * and with BPF cubic (test/fixtures/cubic.linux.bpf.o, opened, loaded and
 * attached through the library as a user would) on the interpreter and on the
 * JIT, in the same run. Issue #5's target: the JIT case faster than real time.
 * `SIM_BENCH_SECONDS` sets the simulated duration (default 60; `--quick`, what CI runs, uses 1);
 * `SIM_BENCH_CASES=built-in` runs only the cases whose label contains that text
 * (`scale`: only the scale cases: 10, 1000 and 10,000 flows, events per CPU
 * second in steady state, that is in a window of simulated time after the flows'
 * start, slow start and first losses (`SIM_BENCH_SCALE_WARM_SECONDS`, default 3, not
 * timed, then `SIM_BENCH_SCALE_SECONDS`, default 5, timed), each case after a full
 * GC and after one untimed 10-flow case that warms the process up; the whole run's
 * rate with set-up beside it; then the same sizes with the event mix held (N flows on
 * N Mb/s, after at least the same untimed 3 s and 400,000 events, windows of about the
 * same number of events per size), and the set-up of such dumbbells; about 80 s of CPU in all).
 *
 * Run: npx tsx bench/sim.bench.ts
 */
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Scheduler } from "../src/sim/scheduler.js";
import type { EventHandler } from "../src/sim/scheduler.js";
import { runTestbed } from "../src/testbed/index.js";
import { dumbbell, MS, SEC } from "../src/sim/index.js";
import { EmulatedKernel } from "../src/lib/kernel.js";
import { Simulation } from "../src/sim/run.js";
import { TcpCcSimHost } from "../src/net/tcp-cc/sim-host.js";
import type { EngineName } from "../src/lib/engine.js";
import { BpfObject } from "../src/lib/object.js";
import { QUICK, report } from "./harness.js";
import type { BenchRow } from "./harness.js";

// A full garbage collection before each scale case (V8's gc(), exposed at run time: the flag needs no restart).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const CUBIC_OBJECT = new URL("../test/fixtures/cubic.linux.bpf.o", import.meta.url);

function schedulerBench(n: number): number {
  const s = new Scheduler();
  let x = 12345;
  // Steady state: each event schedules one more at a pseudo-random later time (a "hold" model, ~1000 pending).
  let left = n;
  const h: EventHandler = {
    onEvent: () => {
      if (left-- <= 0) return;
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      s.after(1 + (x % 100_000), h, 0);
    },
  };
  for (let i = 0; i < 1000; i++) s.at(i, h, 0);
  const t0 = performance.now();
  s.run();
  return (s.dispatched / (performance.now() - t0)) * 1000;
}

/** How a case picks its congestion control: a built-in by name, or the BPF cubic fixture on an engine. */
type CcCase = { readonly builtin: string } | { readonly bpf: EngineName };

function dumbbellBench(seconds: number, cc: CcCase): { simPerWall: number; events: number; wallS: number; util: number } {
  const topo = dumbbell({ pairs: 10, bottleneck: { rateBps: 1e9, delayNs: 25 * MS, queue: { kind: "droptail", packets: 4000 } } });
  let kernel: EmulatedKernel | undefined;
  let name = "builtin" in cc ? cc.builtin : "fx_cubic";
  if ("bpf" in cc) {
    // Setup (open, load, attach) is outside the timed part: the figure is the simulation's speed.
    kernel = new EmulatedKernel({ engine: cc.bpf, seed: 1 });
    const obj = BpfObject.open(new Uint8Array(readFileSync(CUBIC_OBJECT)));
    obj.load(kernel.process("bench"));
    obj.attachStructOps("fx_cubic"); // the link stays open for the run: fx_cubic stays registered
    name = "fx_cubic";
  }
  const flows = Array.from({ length: 10 }, (_, i) => ({ id: `f${i}`, from: `s${i}`, to: `r${i}`, startNs: i * 10 * MS, cc: name }));
  const t0 = performance.now();
  const r = runTestbed(
    { topology: topo, flows, durationNs: seconds * SEC, trace: { sampleIntervalNs: 100 * MS } },
    { seed: 1, onRecord: () => {}, ...(kernel !== undefined ? { kernel } : {}) },
  );
  const wallS = (performance.now() - t0) / 1000;
  const bn = r.links.find((l) => l.id === "bottleneck");
  if (r.flows.some((f) => f.ccEnd !== name)) throw new Error(`a flow did not run ${name}: ${r.flows.map((f) => f.ccEnd).join(", ")}`);
  return { simPerWall: seconds / wallS, events: r.events, wallS, util: bn?.utilization ?? 0 };
}

const seconds = QUICK ? 1 : Number(process.env["SIM_BENCH_SECONDS"] ?? 60);
const evs = schedulerBench(QUICK ? 200_000 : 5_000_000);
const rows: BenchRow[] = [{ case: "scheduler (hold model, ~1000 pending)", value: evs / 1e6, unit: "M events/s" }];
const cases: readonly [string, CcCase][] = [
  ["built-in cubic", { builtin: "cubic" }],
  ["built-in bbr", { builtin: "bbr" }],
  ["BPF cubic (fixture object), interpreter", { bpf: "interp" }],
  ["BPF cubic (fixture object), JIT", { bpf: "jit" }],
];
/**
 * Issue #18's scale cases: N flows (all built-in cubic, started within the
 * first 100 ms) on the same 1 Gb/s, 50 ms dumbbell. The figure is the cost
 * of an event in steady state: events dispatched per CPU second in a window
 * of the run, `seconds` simulated seconds after `warmS` simulated seconds
 * that are not timed (flows' starts and slow start, the first losses and
 * recoveries, and V8 optimizing the code paths this size takes). Set-up
 * (topology, routes, flows) is its own row; the whole run's rate, set-up
 * and start included, is given beside. Every case starts after a full
 * garbage collection, so none pays for the previous case's heap.
 */
function scaleBench(n: number, warmS: number, seconds: number, heldMix = false): { evPerS: number; evPerSWhole: number; events: number; cpuS: number } {
  const bottleneck = heldMix ? { rateBps: n * 1e6, delayNs: 25 * MS, queue: { kind: "droptail" as const, packets: 4 * n } } : { rateBps: 1e9, delayNs: 25 * MS, queue: { kind: "droptail" as const, packets: 4000 } };
  const topo = dumbbell({ pairs: n, bottleneck });
  const flows = Array.from({ length: n }, (_, i) => ({ id: `f${i}`, from: `s${i}`, to: `r${i}`, startNs: Math.floor((i * 100 * MS) / n), cc: "cubic" }));
  const cpu = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  gc();
  const c0 = cpu();
  const sim = new Simulation({ topology: topo, flows, durationNs: Math.round((warmS + seconds) * SEC), trace: { sampleIntervalNs: 100 * MS } }, new TcpCcSimHost(new EmulatedKernel().tcp), { seed: 1, onRecord: () => {} });
  sim.advance(Math.round(warmS * SEC));
  const e1 = sim.sched.dispatched;
  const c1 = cpu();
  const r = sim.run();
  const c2 = cpu();
  return { evPerS: (r.events - e1) / (c2 - c1), evPerSWhole: r.events / (c2 - c0), events: r.events - e1, cpuS: c2 - c1 };
}

/** CPU milliseconds of a run whose flows all start after its end: kernel boot, topology, routes, flows. */
function setupMs(n: number): number {
  const c0 = process.cpuUsage();
  const topo = dumbbell({ pairs: n, bottleneck: { rateBps: 1e9, delayNs: 25 * MS, queue: { kind: "droptail", packets: 4000 } } });
  const flows = Array.from({ length: n }, (_, i) => ({ id: `f${i}`, from: `s${i}`, to: `r${i}`, startNs: SEC, cc: "cubic" }));
  runTestbed({ topology: topo, flows, durationNs: 1, trace: { sampleIntervalNs: 100 * MS } }, { seed: 1, onRecord: () => {} });
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const only = process.env["SIM_BENCH_CASES"];
/** Events each held-mix scale case times, and at least as many events before its window (its durations follow). */
const HELD_EVENTS = 1_500_000;
const HELD_WARM_EVENTS = 400_000;
if (only === undefined || "scale".includes(only)) {
  const sizes = QUICK ? [10, 100] : [10, 1000, 10_000];
  const scaleSeconds = QUICK ? 0.2 : Number(process.env["SIM_BENCH_SCALE_SECONDS"] ?? 5);
  const warmSeconds = QUICK ? 0.2 : Number(process.env["SIM_BENCH_SCALE_WARM_SECONDS"] ?? 3);
  // Warm-up of the process: one untimed 10-flow case through its first losses and recoveries (about 2 M
  // events), so that the first timed case does not pay for V8 compiling what every case runs.
  scaleBench(10, warmSeconds, scaleSeconds);
  const base = scaleBench(sizes[0] as number, warmSeconds, scaleSeconds);
  const win = `${scaleSeconds} s after ${warmSeconds} s`;
  rows.push({ case: `${sizes[0]} flows (scale baseline), 1 Gb/s, built-in cubic, ${win}`, value: base.evPerS / 1e6, unit: "M events/s (CPU)", note: `${(base.events / 1e6).toFixed(2)} M events in ${base.cpuS.toFixed(2)} s CPU; whole run with set-up ${(base.evPerSWhole / 1e6).toFixed(3)} M/s` });
  for (const n of sizes.slice(1)) {
    const c = scaleBench(n, warmSeconds, scaleSeconds);
    rows.push({ case: `${n} flows, same link, ${win}`, value: c.evPerS / 1e6, unit: "M events/s (CPU)", note: `${(c.evPerS / base.evPerS).toFixed(2)}x the ${sizes[0]}-flow rate (target >= 0.75); ${(c.events / 1e6).toFixed(2)} M events; whole run with set-up ${(c.evPerSWhole / 1e6).toFixed(3)} M/s, ${(c.evPerSWhole / base.evPerSWhole).toFixed(2)}x` });
  }
  // The same sizes with the event mix held (docs/sim.md, "What an event costs"): N flows on an N Mb/s
  // bottleneck with 4 packets of queue per flow, so every flow has the same share, window and losses at
  // every N, and what changes is only how many flows' state the events touch. Every flow goes through
  // the same phases at the same simulated times whatever N (start, slow start, the first losses and
  // cubic's first epoch, about 2 s for an 8-packet window), so every size is timed after at least the
  // same untimed simulated time as the cases above; and after at least HELD_WARM_EVENTS events, which is
  // what V8 takes to settle on this mix's own code paths (RTOs and tiny windows: the first 80,000 events
  // of 10 held-mix flows ran at a tenth of the later rate). The window's length is chosen for about the
  // same number of events per size (~320 per flow per simulated second), at least 0.5 s.
  const heldSeconds = (n: number, ev: number): number => (QUICK ? 0.5 : Math.max(0.5, Math.round((10 * ev) / (320 * n)) / 10));
  const heldWarm = (n: number): number => (QUICK ? 0.2 : Math.max(warmSeconds, heldSeconds(n, HELD_WARM_EVENTS)));
  const held = (n: number): { evPerS: number; events: number } => scaleBench(n, heldWarm(n), heldSeconds(n, HELD_EVENTS), true);
  const hwin = (n: number): string => `${heldSeconds(n, HELD_EVENTS)} s after ${heldWarm(n)} s`;
  const heldBase = held(sizes[0] as number);
  rows.push({ case: `${sizes[0]} flows on ${sizes[0]} Mb/s, 4 packets of queue per flow (held-mix baseline), ${hwin(sizes[0] as number)}`, value: heldBase.evPerS / 1e6, unit: "M events/s (CPU)", note: `${(heldBase.events / 1e6).toFixed(2)} M events` });
  for (const n of sizes.slice(1)) {
    const c = held(n);
    rows.push({ case: `${n} flows on ${n} Mb/s, same mix, ${hwin(n)}`, value: c.evPerS / 1e6, unit: "M events/s (CPU)", note: `${(c.evPerS / heldBase.evPerS).toFixed(2)}x the ${sizes[0]}-flow held-mix rate; ${(c.events / 1e6).toFixed(2)} M events` });
  }
  const s10 = setupMs(10);
  for (const n of sizes.slice(1)) {
    const ms = setupMs(n);
    rows.push({ case: `set-up of a ${n}-flow dumbbell (kernel boot, topology, routes, flows), CPU`, value: ms, unit: "ms", note: `${(ms / s10).toFixed(1)}x a 10-flow set-up (${s10.toFixed(0)} ms, mostly the kernel's boot); target < 1000 ms at 10,000` });
  }
}
/** Simulated s per wall s of built-in cubic in this run: the baseline the other cases are given against. */
let cubicSimPerWall: number | undefined;
for (const [label, cc] of cases) {
  if (only !== undefined && !label.includes(only)) continue;
  const c = dumbbellBench(seconds, cc);
  if (label === "built-in cubic") cubicSimPerWall = c.simPerWall;
  const vsCubic = cubicSimPerWall !== undefined && label !== "built-in cubic" ? `${(c.simPerWall / cubicSimPerWall).toFixed(2)}x built-in cubic in this run; ` : "";
  rows.push({
    case: `10 flows, 1 Gb/s, 50 ms RTT, ${seconds} s, ${label}`,
    value: c.simPerWall,
    unit: "simulated s per wall s",
    note: `${vsCubic}${c.wallS.toFixed(1)} s wall, ${(c.events / 1e6).toFixed(1)} M events, ${(c.events / c.wallS / 1e6).toFixed(2)} M events/s, bottleneck utilization ${(c.util * 100).toFixed(1)} %`,
  });
}
report("sim", "Simulator", rows);
