/**
 * @fileoverview The tcp_sock fields a congestion control reads that the
 * testbed's sender keeps live (docs/tcp-sock-fields.md), on a scripted
 * single loss, each checked against the kernel function that sets it:
 * tcp_init_undo (undo_marker = snd_una, undo_retrans = retrans_out ?: -1),
 * tcp_retransmit_skb (total_retrans, retrans_stamp, undo_retrans), the
 * recovery exit's tcp_any_retrans_done check (retrans_stamp back to 0),
 * tcp_rtt_estimator (mdev_max_us and rttvar_us at least tcp_rto_min,
 * rtt_seq = snd_nxt at a sample) and tcp_rate_gen (rate_delivered,
 * rate_interval_us of the kept sample).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { SEC } from "../../src/sim/index.js";
import type { TcpCaSock } from "../../src/uapi/tcp-cc.js";
import { TCP_CA_Open, TCP_CA_Recovery } from "../../src/uapi/tcp-cc.js";
import { tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd } from "../../src/net/tcp-cc/tcp-cong.js";
import { dropSegsOnce, oneFlowSim } from "./helpers.js";

const FIELDS = [
  "snd_una", "snd_nxt", "undo_marker", "undo_retrans", "retrans_stamp", "total_retrans", "mdev_max_us", "rttvar_us", "rtt_seq", "rate_delivered",
  "rate_interval_us",
] as const;
type Seen = Record<(typeof FIELDS)[number], number> & { hook: string };

/** TCP_RTO_MIN in µs (HZ / 5). */
const TCP_RTO_MIN_US = 200_000;

test("undo, retransmission, RTT-estimator and rate-sample fields are live in tcp_sock at every hook of a single-loss recovery", () => {
  const ek = new EmulatedKernel();
  const seen: Seen[] = [];
  const rec = (hook: string, sk: TcpCaSock): void => {
    const row = { hook } as Seen;
    for (const f of FIELDS) {
      const v = sk[f];
      assert.ok(v !== undefined, `the model's tcp_sock has ${f}`);
      row[f] = v;
    }
    seen.push(row);
  };
  assert.equal(ek.tcp.registry.register({
    name: "fields", flags: 0, key: 0,
    init: (sk) => rec("init", sk),
    ssthresh: (sk) => (rec("ssthresh", sk), tcp_reno_ssthresh(sk)),
    cong_avoid: (sk, ack, acked) => (rec("cong_avoid", sk), tcp_reno_cong_avoid(sk, ack, acked)),
    set_state: (sk, s) => rec(`set_state ${s}`, sk),
    undo_cwnd: (sk) => tcp_reno_undo_cwnd(sk),
    release: (sk) => rec("release", sk),
  }), 0);
  const o = oneFlowSim({ ek, flow: { cc: "fields", bytes: 400 * 1448 }, durationNs: 5 * SEC });
  dropSegsOnce(o.sim, [60]);
  const f = o.sim.run().flows[0];
  assert.ok(f !== undefined && f.completed && f.retrans === 1);

  const at = (hook: string): Seen => {
    const r = seen.find((x) => x.hook === hook);
    assert.ok(r !== undefined, hook);
    return r;
  };
  const ss = at("ssthresh");
  const before = seen.slice(0, seen.indexOf(ss));
  assert.ok(before.every((r) => r.undo_marker === 0 && r.total_retrans === 0 && r.retrans_stamp === 0), "no undo state, no retransmission before the loss");
  // tcp_enter_recovery: tcp_init_undo before the ssthresh hook; nothing retransmitted yet, so undo_retrans is -1 (an int read as u32).
  assert.equal(ss.undo_marker, ss.snd_una, "undo_marker = snd_una (tcp_init_undo)");
  assert.equal(ss.undo_retrans, 0xffffffff, "undo_retrans = retrans_out ?: -1");
  assert.equal(at(`set_state ${TCP_CA_Recovery}`).total_retrans, 0, "the retransmission follows set_state(Recovery)");
  const open = at(`set_state ${TCP_CA_Open}`);
  const end = at("release");
  // tcp_retransmit_skb: one retransmission, stamped in ms; undo_retrans counts it.
  assert.equal(open.total_retrans, 1);
  assert.equal(end.total_retrans, f.retrans);
  assert.equal(open.undo_retrans, 1);
  assert.ok(open.retrans_stamp > 0, "retrans_stamp: the first retransmission's timestamp");
  assert.equal(end.retrans_stamp, 0, "cleared once no retransmission is in flight (tcp_any_retrans_done)");
  // tcp_rtt_estimator: mdev_max_us and rttvar_us never below tcp_rto_min; rtt_seq is a byte sequence the sender has sent.
  for (const r of seen) {
    assert.ok(r.mdev_max_us >= TCP_RTO_MIN_US && r.rttvar_us >= TCP_RTO_MIN_US, `${r.hook}: ${r.mdev_max_us} ${r.rttvar_us}`);
    assert.ok(r.rtt_seq <= r.snd_nxt, `${r.hook}: rtt_seq ${r.rtt_seq} <= snd_nxt ${r.snd_nxt}`);
  }
  assert.equal(end.rtt_seq, end.snd_nxt, "the last sample set rtt_seq = snd_nxt");
  // tcp_rate_gen keeps the sample: packets delivered over its interval, about a window over an RTT.
  assert.ok(open.rate_delivered > 0 && open.rate_interval_us > 0);
  assert.ok(open.rate_interval_us >= 20_000 && open.rate_interval_us < 1_000_000, `rate_interval_us ${open.rate_interval_us} about an RTT (20 ms path)`);
});
