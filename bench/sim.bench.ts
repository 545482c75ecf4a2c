/**
 * @fileoverview Simulator benchmarks: scheduler events per second (insert +
 * dispatch through the binary heap), and simulated seconds per wall second
 * for 10 flows over a 1 Gb/s, 50 ms dumbbell bottleneck with built-in cubic.
 * `SIM_BENCH_SECONDS` sets the simulated duration (default 60; `--quick`, what CI runs, uses 1).
 *
 * Run: npx tsx bench/sim.bench.ts
 */
import { Scheduler } from "../src/sim/scheduler.js";
import type { EventHandler } from "../src/sim/scheduler.js";
import { runTestbed } from "../src/testbed/index.js";
import { dumbbell, MS, SEC } from "../src/sim/index.js";
import { QUICK, report } from "./harness.js";

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

function dumbbellBench(seconds: number, cc: string): { simPerWall: number; events: number; wallS: number; util: number } {
  const topo = dumbbell({ pairs: 10, bottleneck: { rateBps: 1e9, delayNs: 25 * MS, queue: { kind: "droptail", packets: 4000 } } });
  const flows = Array.from({ length: 10 }, (_, i) => ({ id: `f${i}`, from: `s${i}`, to: `r${i}`, startNs: i * 10 * MS, cc }));
  const t0 = performance.now();
  const r = runTestbed({ topology: topo, flows, durationNs: seconds * SEC, trace: { sampleIntervalNs: 100 * MS } }, { seed: 1, onRecord: () => {} });
  const wallS = (performance.now() - t0) / 1000;
  const bn = r.links.find((l) => l.id === "bottleneck");
  return { simPerWall: seconds / wallS, events: r.events, wallS, util: bn?.utilization ?? 0 };
}

const seconds = QUICK ? 1 : Number(process.env["SIM_BENCH_SECONDS"] ?? 60);
const evs = schedulerBench(QUICK ? 200_000 : 5_000_000);
const c = dumbbellBench(seconds, "cubic");
report("sim", "Simulator", [
  { case: "scheduler (hold model, ~1000 pending)", value: evs / 1e6, unit: "M events/s" },
  {
    case: `10 flows, 1 Gb/s, 50 ms RTT, ${seconds} s, built-in cubic`,
    value: c.simPerWall,
    unit: "simulated s per wall s",
    note: `${c.wallS.toFixed(1)} s wall, ${(c.events / 1e6).toFixed(1)} M events, ${(c.events / c.wallS / 1e6).toFixed(2)} M events/s, bottleneck utilization ${(c.util * 100).toFixed(1)} %`,
  },
]);
