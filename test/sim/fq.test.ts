/**
 * @fileoverview The sender's fq qdisc (FlowSpec.qdisc "fq", src/sim/tcp/fq.ts)
 * against TCP's internal pacing: sch_fq's fq_enqueue switching every socket
 * to SK_PACING_FQ (net/sched/sch_fq.c), departures at the EDT stamp
 * (skb->tstamp = tcp_wstamp_ns, tcp_update_skb_after_send), the send time
 * being that stamp (__tcp_transmit_skb's skb_mstamp_ns), and TCP Small
 * Queues' limit (tcp_small_queue_check in net/ipv4/tcp_output.c).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { MS, SEC } from "../../src/sim/index.js";
import type { FlowSummary } from "../../src/sim/api.js";
import { tcp_reno_ssthresh, tcp_reno_undo_cwnd } from "../../src/net/tcp-cc/tcp-cong.js";
import { FqSocketQueue, SKB_TRUESIZE_OVERHEAD } from "../../src/sim/tcp/fq.js";
import type { Packet } from "../../src/sim/net/packet.js";
import { oneFlowSim } from "./helpers.js";

/** A CA that never asks for pacing (sk_pacing_status stays SK_PACING_NONE) but sets a 1 Mbit/s pacing rate and a large window. */
function slowRateCa(ek: EmulatedKernel): void {
  const r = ek.tcp.registry.register({
    name: "slowrate",
    flags: 0,
    key: 0,
    ssthresh: tcp_reno_ssthresh,
    undo_cwnd: tcp_reno_undo_cwnd,
    cong_control: (sk) => {
      sk.snd_cwnd = 100;
      sk.sk_pacing_rate = 125_000;
    },
  });
  assert.equal(r, 0);
}

function run(qdisc: "none" | "fq", cc: string, ek = new EmulatedKernel(), delayedAck = true): FlowSummary {
  const { sim } = oneFlowSim({ ek, flow: { cc, qdisc, delayedAck }, durationNs: 4 * SEC });
  return sim.run().flows[0] as FlowSummary;
}

test("fq paces a CA that never asked for pacing (fq_enqueue sets SK_PACING_FQ); internal pacing leaves it unpaced", () => {
  const ekA = new EmulatedKernel();
  slowRateCa(ekA);
  const internal = run("none", "slowrate", ekA);
  const ekB = new EmulatedKernel();
  slowRateCa(ekB);
  const fq = run("fq", "slowrate", ekB);
  // 10 Mbit/s bottleneck, a 100-packet window: unpaced, the link is the limit.
  assert.ok(internal.throughputBps > 8e6, `internal ${internal.throughputBps}`);
  // Under fq every packet after the first ten leaves at its EDT stamp, 1448 B at 125000 B/s apart: ~1 Mbit/s.
  assert.ok(fq.throughputBps > 0.9e6 && fq.throughputBps < 1.1e6, `fq ${fq.throughputBps}`);
});

test("fq: a packet's send time is its departure stamp, so the qdisc's wait is not in the RTT (skb_mstamp_ns = tcp_wstamp_ns)", () => {
  const ek = new EmulatedKernel();
  slowRateCa(ek);
  const fq = run("fq", "slowrate", ek, false);
  // 1 Mbit/s through a 10 Mbit/s path, every segment ACKed at once: no queue anywhere, so every sample is the
  // base RTT plus the bottleneck's serialization, although TCP hands packets to fq up to TSQ's limit ahead of time.
  // Counted from the moment TCP queued them, samples would carry the qdisc's wait, a packet time at the
  // pacing rate (11.6 ms) or more. (The first ten segments leave unpaced and queue at the bottleneck: the
  // top 3 % of samples.)
  assert.ok(fq.rttUs.p90 - fq.rttUs.min < 1000, `RTT ${fq.rttUs.min}-${fq.rttUs.p90} µs`);
});

test("fq with bbr behaves as bbr's internal pacing where both pace at the same rate (same goodput within 1 %)", () => {
  const a = run("none", "bbr");
  const b = run("fq", "bbr");
  assert.ok(Math.abs(a.throughputBps - b.throughputBps) / a.throughputBps < 0.01, `${a.throughputBps} vs ${b.throughputBps}`);
});

test("tcp_small_queue_check: limit max(2 truesize, rate >> shift) << factor; the last segment out is never held", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2e9 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 2, max: 1000 }), fc.constantFrom(0 as const, 1 as const), (rate, queued, out, factor) => {
      const q = new FqSocketQueue();
      const truesize = 1448 + SKB_TRUESIZE_OVERHEAD;
      for (let i = 0; i < queued; i++) q.enqueue({} as Packet, i, truesize);
      const limit = Math.max(2 * truesize, Math.floor(rate / 1024)) * (factor === 1 ? 2 : 1);
      assert.equal(q.smallQueueCheck(rate, 10, truesize, out, factor), queued * truesize > limit);
      assert.equal(q.throttled, queued * truesize > limit);
      assert.equal(new FqSocketQueue().smallQueueCheck(rate, 10, truesize, 1, 0), false);
    }),
    { numRuns: 200 },
  );
});

test("fq releases a socket's packets at their stamps, in order, and frees their truesize as they leave", () => {
  const q = new FqSocketQueue();
  const p = [{ seg: 1 }, { seg: 2 }, { seg: 3 }] as unknown as Packet[];
  q.enqueue(p[0] as Packet, 5 * MS, 100);
  q.enqueue(p[1] as Packet, 6 * MS, 100);
  q.enqueue(p[2] as Packet, 9 * MS, 100);
  assert.equal(q.dequeueDue(4 * MS), null);
  assert.equal(q.dequeueDue(6 * MS), p[0]);
  assert.equal(q.dequeueDue(6 * MS), p[1]);
  assert.equal(q.dequeueDue(6 * MS), null);
  assert.equal(q.wmemBytes, 100);
  assert.equal(q.nextDue(), 9 * MS);
});
