/**
 * @fileoverview What a real testbed adds to a path, in the simulator: delay
 * jitter drawn from the seed (`jitterNs`, uniform or exponential, order-preserving
 * like a delay line or a host's backlog), per-packet L2 overhead (`overheadBytes`: sch_tbf and
 * bfifo count the Ethernet header, net/sched/sch_tbf.c qdisc_pkt_len), and a
 * replayed drop list per flow (`dropList`: by transmission index or by
 * sequence number).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LinkDir } from "../../src/sim/net/link.js";
import { Rng } from "../../src/sim/rng.js";
import { SEC, US } from "../../src/sim/index.js";
import type { DropRecord, FlowSummary, LinkDirSpec } from "../../src/sim/api.js";
import { oneFlowSim } from "./helpers.js";

function dir(extra: Partial<LinkDirSpec>, seed = 1): LinkDir {
  return new LinkDir("l", 0, "a", "b", { rateBps: 12e6, delayNs: 1000 * US, queue: { kind: "droptail", packets: 1000 }, ...extra }, new Rng(seed));
}

test("jitter: arrivals stay in order, within [delay, delay + jitter) of an unjittered link, and follow the seed", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffff }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }), (seed, gaps) => {
      const j = dir({ jitterNs: 200 * US }, seed);
      const exact = dir({});
      let t = 0;
      let prev = -1;
      for (const g of gaps) {
        t += g * US;
        const a = j.transmit(t, 1500, false);
        const e = exact.transmit(t, 1500, false);
        assert.ok(a >= prev, "reordered");
        assert.ok(a >= e && a < Math.max(e + 200 * US, prev + 1), `arrival ${a} for ${e}`);
        prev = a;
      }
    }),
    { numRuns: 50 },
  );
  const seq = (seed: number): number[] => {
    const l = dir({ jitterNs: 100 * US }, seed);
    return [0, 5, 10, 15].map((ms) => l.transmit(ms * 1000 * US, 1500, false));
  };
  assert.deepEqual(seq(3), seq(3));
  assert.notDeepEqual(seq(3), seq(4));
  assert.throws(() => dir({ jitterNs: -1 }), /'jitterNs' must be an integer ≥ 0/);
});

test("exponential jitter: mean jitterNs (the delay line's lateness), a long tail, order kept, refused kinds named", () => {
  // Packets 10 ms apart never wait for one another: each extra delay is its own draw.
  const l = dir({ jitterNs: 60 * US, jitterKind: "exponential" }, 7);
  const exact = dir({});
  const extra: number[] = [];
  for (let i = 0; i < 4000; i++) extra.push(l.transmit(i * 10_000 * US, 1500, false) - exact.transmit(i * 10_000 * US, 1500, false));
  const mean = extra.reduce((a, b) => a + b, 0) / extra.length;
  assert.ok(Math.abs(mean - 60 * US) < 4 * US, `mean ${mean}`);
  // P(X > 3 mean) = e^-3 = 5 %: a tail a uniform draw of the same mean never has.
  const tail = extra.filter((x) => x > 180 * US).length / extra.length;
  assert.ok(tail > 0.03 && tail < 0.07, `tail ${tail}`);
  assert.ok(extra.every((x) => x >= 0));
  const burst = dir({ jitterNs: 60 * US, jitterKind: "exponential" }, 9);
  let prev = -1;
  for (let i = 0; i < 200; i++) {
    const a = burst.transmit(i * 50 * US, 100, false);
    assert.ok(a >= prev, "reordered");
    prev = a;
  }
  assert.throws(() => dir({ jitterNs: 1, jitterKind: "normal" as never }), /'jitterKind' must be 'uniform' or 'exponential'/);
});

test("jitter 0 is exact: the same records as a link without the field, whatever the seed's other draws", () => {
  const run = (b: Partial<LinkDirSpec>): string => {
    const { sim, records } = oneFlowSim({ bottleneck: { lossRate: 0.01, ...b }, durationNs: 2 * SEC });
    sim.run();
    return JSON.stringify(records);
  };
  assert.equal(run({ jitterNs: 0 }), run({}));
});

test("overheadBytes: a token bucket and a byte limit count the L2 header, as sch_tbf and bfifo do", () => {
  // 1500 + 14 bytes at 12 Mbit/s: 1009.333 us per packet instead of 1000.
  const l = dir({ delayNs: 0, tokenBucketBytes: 1514, overheadBytes: 14 });
  assert.deepEqual([0, 0, 0].map(() => l.transmit(0, 1500, false)), [0, 1_009_334, 2_018_668]);
  const b = dir({ delayNs: 0, tokenBucketBytes: 1514, overheadBytes: 14, queue: { kind: "droptail", bytes: 3028 } });
  assert.deepEqual([0, 0, 0, 0].map(() => b.transmit(0, 1500, false)).map((x) => x >= 0), [true, true, true, false]);
  assert.throws(() => dir({ overheadBytes: 1.5 }), /'overheadBytes' must be an integer/);
});

function dropped(dropList: { segments?: number[]; seqs?: number[] }): { drops: DropRecord[]; flow: FlowSummary } {
  const { sim, records } = oneFlowSim({ flow: { dropList }, durationNs: 2 * SEC, drops: true });
  const r = sim.run();
  return { drops: records.filter((x): x is DropRecord => x.type === "drop"), flow: r.flows[0] as FlowSummary };
}

test("dropList: the listed transmissions and first transmissions of the listed sequence numbers are lost, nothing else", () => {
  const byIndex = dropped({ segments: [5, 6, 40] });
  // Transmissions 5 and 6 are data segments 4 and 5; two retransmissions (4 and 5) went out before
  // the 40th transmission, so it carries segment 37.
  assert.deepEqual(byIndex.drops.map((d) => [d.reason, d.seg]), [["loss", 4], ["loss", 5], ["loss", 37]]);
  assert.ok(byIndex.flow.retrans >= 3);
  const bySeq = dropped({ seqs: [0, 1448 * 100 + 7] });
  // The segment holding byte 0 and the one holding byte 144807, once each: their retransmissions get through.
  assert.deepEqual(bySeq.drops.map((d) => d.seg), [0, 100]);
  assert.equal(bySeq.flow.rtos + bySeq.flow.recoveries > 0, true);
});
