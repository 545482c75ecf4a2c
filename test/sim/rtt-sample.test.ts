/**
 * RTT samples in µs as Linux takes them: tcp_clean_rtx_queue() computes
 * seq_rtt_us and ca_rtt_us with tcp_stamp_us_delta(tp->tcp_mstamp,
 * tcp_skb_timestamp_us(skb)), a difference of two stamps each already
 * truncated to µs (net/ipv4/tcp_input.c, include/net/tcp.h). bbr's min_rtt
 * filter matches samples to the µs, so the truncation decides which samples
 * refresh it. An ACK whose newly ACKed segments give no sample (Karn's rule:
 * some were retransmitted; or all were SACKed before) falls back on the
 * echoed timestamp (tcp_ack_update_rtt, tcp_rtt_tsopt_us); an ACK of one lone
 * runt segment is flagged as possibly delayed (FLAG_ACK_MAYBE_DELAYED).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { TCP_CA_Recovery } from "../../src/uapi/tcp-cc.js";
import type { TcpCongestionOps } from "../../src/net/tcp-cc/ca-types.js";
import { tcp_reno_ssthresh, tcp_reno_undo_cwnd } from "../../src/net/tcp-cc/tcp-cong.js";
import { dropSegsOnce, oneFlowSim, recordingCa } from "./helpers.js";

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

test("tcp_ack_update_rtt: an ACK whose newly ACKed segments give no sample (retransmitted or SACKed before) takes the echoed timestamp's RTT, in whole ms (tcp_rtt_tsopt_us)", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 200 * 1448 }, durationNs: 3 * SEC });
  box.sim = o.sim;
  dropSegsOnce(o.sim, [60]);
  o.sim.run();
  const rec = log.findIndex((c) => c.hook === "set_state" && c.args[0] === TCP_CA_Recovery);
  assert.ok(rec > 0, "the drop started a recovery");
  // The retransmission fills the hole: one ACK covers it and the segments SACKed meanwhile.
  const fill = log.slice(rec).find((c) => c.hook === "pkts_acked" && (c.args[0] as number) > 1);
  assert.ok(fill !== undefined, "a cumulative ACK over the SACKed segments");
  const rtt = fill.args[1] as number;
  assert.ok(rtt >= 20_000 && rtt % 1000 === 0, `a TSecr sample of whole ms at least the 20 ms base RTT, got ${rtt}`);
});

test("FLAG_ACK_MAYBE_DELAYED: the ACK of a lone runt segment (nothing else in flight) marks the rate sample is_ack_delayed; a full segment's does not (tcp_clean_rtx_queue, tcp_ack)", () => {
  const ek = new EmulatedKernel();
  let seen: { delayed: boolean; acked: number }[] = [];
  const ops: TcpCongestionOps = {
    name: "rsrec",
    flags: 0,
    key: 0,
    ssthresh: (sk) => tcp_reno_ssthresh(sk),
    undo_cwnd: (sk) => tcp_reno_undo_cwnd(sk),
    cong_control: (_sk, _ack, _flag, rs) => {
      seen.push({ delayed: rs.is_ack_delayed, acked: rs.acked_sacked });
    },
  };
  assert.equal(ek.tcp.registry.register(ops), 0);
  const run = (bytes: number): { delayed: boolean; acked: number }[] => {
    seen = [];
    oneFlowSim({ ek, flow: { cc: "rsrec", bytes }, durationNs: SEC }).sim.run();
    return seen;
  };
  // A 100-byte request: one runt segment, ACKed alone (a health-check-like exchange).
  assert.deepEqual(run(100), [{ delayed: true, acked: 1 }]);
  // One full-sized segment: not a runt.
  assert.deepEqual(run(1448), [{ delayed: false, acked: 1 }]);
  // A runt sent behind 20 full segments is not alone in its round trip: prior_delivered + 1 != delivered.
  assert.ok(run(20 * 1448 + 100).every((s) => !s.delayed));
});
