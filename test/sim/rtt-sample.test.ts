/**
 * RTT samples in µs as Linux takes them: tcp_clean_rtx_queue() computes
 * seq_rtt_us and ca_rtt_us with tcp_stamp_us_delta(tp->tcp_mstamp,
 * tcp_skb_timestamp_us(skb)), a difference of two stamps each already
 * truncated to µs (net/ipv4/tcp_input.c, include/net/tcp.h). bbr's min_rtt
 * filter matches samples to the µs, so the truncation decides which samples
 * refresh it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { oneFlowSim, recordingCa } from "./helpers.js";

const SEC = 1_000_000_000;

test("tcp_stamp_us_delta: an RTT sample is now_us - tx_us, both truncated to µs first (not the ns difference truncated)", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  // The first segment leaves at 999 ns (µs stamp 0), so its sample is floor(t_ack / 1000).
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 1448, startNs: 999 }, durationNs: SEC });
  box.sim = o.sim;
  o.sim.run();
  const first = log.find((c) => c.hook === "pkts_acked");
  assert.ok(first !== undefined, "the segment was ACKed");
  const tAck = first.t;
  assert.notEqual(Math.floor(tAck / 1000), Math.floor((tAck - 999) / 1000), "the scenario separates the two arithmetics");
  assert.equal(first.args[1], Math.floor(tAck / 1000) - Math.floor(999 / 1000));
});
