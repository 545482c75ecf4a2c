/**
 * @fileoverview Determinism: the same spec and seed give the same trace,
 * byte for byte (ARCHITECTURE.md, Determinism), for random seeds and
 * random loss; different seeds give different traces when loss is random.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { runTestbed } from "../../src/testbed/index.js";
import { dumbbell, formatRecord, MS, SEC } from "../../src/sim/index.js";
import type { TestbedSpec } from "../../src/testbed/index.js";
import { Simulation } from "../../src/sim/run.js";
import { TcpCcSimHost } from "../../src/net/tcp-cc/sim-host.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";

function spec(loss: number): TestbedSpec {
  return {
    topology: dumbbell({ pairs: 2, bottleneck: { rateBps: 20e6, delayNs: 5 * MS, lossRate: loss, queue: { kind: "red", limitBytes: 200_000, minBytes: 30_000, maxBytes: 90_000, ecn: true } } }),
    flows: [
      { id: "a", from: "s0", to: "r0", startNs: 0, cc: "reno", ecn: true },
      { id: "b", from: "s1", to: "r1", startNs: 50 * MS, cc: "cubic" },
    ],
    durationNs: 2 * SEC,
    trace: { sampleIntervalNs: 20 * MS, hooks: "events", drops: true },
  };
}

function digest(seed: number, loss: number): string {
  const h = createHash("sha256");
  runTestbed(spec(loss), { seed, onRecord: (r) => h.update(formatRecord(r) + "\n") });
  return h.digest("hex");
}

test("runTestbed() gives byte-identical traces for the same seed (property over seeds and loss rates)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0.001, 0.01), (seed, loss) => {
      assert.equal(digest(seed, loss), digest(seed, loss));
    }),
    { numRuns: 6 },
  );
});

test("runTestbed() traces depend on the seed when loss is random", () => {
  assert.notEqual(digest(1, 0.01), digest(2, 0.01));
});

test("Simulation.advance() then run() dispatches the same events, in the same order, as one run()", () => {
  const one = (stops: readonly number[]): { trace: string; events: number; result: string } => {
    const h = createHash("sha256");
    const s = spec(0.01);
    const sim = new Simulation(s, new TcpCcSimHost(new EmulatedKernel().tcp), { seed: 7, onRecord: (r) => h.update(formatRecord(r) + "\n") });
    let last = 0;
    for (const t of stops) {
      sim.advance(t);
      // Nothing due after the stop has run yet, and everything due before it has.
      assert.ok(sim.sched.dispatched >= last);
      last = sim.sched.dispatched;
    }
    const r = sim.run();
    return { trace: h.digest("hex"), events: r.events, result: JSON.stringify(r) };
  };
  const whole = one([]);
  const split = one([1, 300 * MS, 300 * MS, 1234567891, 5 * SEC]);
  assert.equal(split.events, whole.events);
  assert.equal(split.trace, whole.trace);
  assert.equal(split.result, whole.result);
});
