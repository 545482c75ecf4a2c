/**
 * @fileoverview Hook order and arguments on scripted cases, against
 * Linux's rules (net/ipv4/tcp_input.c): one loss → fast retransmit and
 * Recovery (ssthresh before set_state(Recovery), PRR, COMPLETE_CWR and
 * Open at the end); an RTO → ssthresh, CA_EVENT_LOSS, Loss, cwnd = 1;
 * a spurious RTO → undo_cwnd and Open; ECN marks → CWR, no loss.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { MS, SEC } from "../../src/sim/index.js";
import {
  CA_EVENT_COMPLETE_CWR, CA_EVENT_LOSS, CA_EVENT_TX_START, TCP_CA_CWR, TCP_CA_Disorder, TCP_CA_Loss, TCP_CA_Open, TCP_CA_Recovery,
  TCP_CONG_NEEDS_ECN,
} from "../../src/uapi/tcp-cc.js";
import { dropSegsOnce, oneFlowSim, recordingCa } from "./helpers.js";
import type { HookCall } from "./helpers.js";

const idx = (log: HookCall[], pred: (c: HookCall) => boolean, from = 0): number => log.findIndex((c, i) => i >= from && pred(c));

test("a single loss: ssthresh, then set_state(Recovery), PRR, then set_state(Open) and COMPLETE_CWR with cwnd = ssthresh", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 400 * 1448 }, durationNs: 5 * SEC });
  box.sim = o.sim;
  dropSegsOnce(o.sim, [60]);
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed, "flow completes");
  assert.equal(f.retrans, 1);
  assert.equal(f.rtos, 0);
  assert.equal(f.recoveries, 1);
  assert.equal(log[0]?.hook, "init");
  assert.equal(log[1]?.hook, "cwnd_event");
  assert.deepEqual(log[1]?.args, [CA_EVENT_TX_START]);
  const ss = idx(log, (c) => c.hook === "ssthresh");
  assert.ok(ss > 0);
  const before = log[ss] as HookCall;
  const rec = log[ss + 1] as HookCall;
  assert.equal(rec.hook, "set_state", "set_state right after ssthresh (tcp_enter_recovery)");
  assert.deepEqual(rec.args, [TCP_CA_Recovery]);
  assert.equal(rec.ssthresh, Math.max(before.cwnd >>> 1, 2), "ssthresh = reno's half of the window");
  // No cong_avoid during recovery (PRR runs instead).
  const open = idx(log, (c) => c.hook === "set_state" && c.args[0] === TCP_CA_Open, ss);
  assert.ok(open > ss);
  assert.equal(idx(log.slice(ss, open), (c) => c.hook === "cong_avoid"), -1);
  const done = log[open + 1] as HookCall;
  assert.equal(done.hook, "cwnd_event");
  assert.deepEqual(done.args, [CA_EVENT_COMPLETE_CWR]);
  // cwnd was set to ssthresh just before COMPLETE_CWR (tcp_end_cwnd_reduction).
  assert.equal(done.cwnd, done.ssthresh);
  assert.equal(idx(log, (c) => c.hook === "undo_cwnd"), -1, "a real loss is not undone");
  assert.equal(log[log.length - 1]?.hook, "release");
  const states = o.records.filter((x) => x.type === "ca_state").map((x) => (x.type === "ca_state" ? x.to : -1));
  // Disorder on the first SACK, Recovery once RACK marks the hole lost (three SACKed above it), Open at the end.
  assert.deepEqual(states, [TCP_CA_Disorder, TCP_CA_Recovery, TCP_CA_Open]);
  // pkts_acked precedes in_ack_event on the same ACK (tcp_clean_rtx_queue, then tcp_in_ack_event).
  const pa = idx(log, (c) => c.hook === "pkts_acked");
  assert.equal(log[pa + 1]?.hook, "in_ack_event");
});

test("a tail loss of the whole window: RTO → ssthresh, CA_EVENT_LOSS, set_state(Loss) with cwnd 1", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 20 * 1448 }, durationNs: 5 * SEC });
  box.sim = o.sim;
  // Segments 10..19 (the second flight) all lost, and the tail loss probe (segment 19 again) too:
  // no SACK can arrive, only the retransmission timer recovers.
  const pending = new Map([10, 11, 12, 13, 14, 15, 16, 17, 18].map((s) => [s, 1]));
  pending.set(19, 2);
  o.sim.net.dropFilter = (link, p) => {
    const n = pending.get(p.seg) ?? 0;
    if (link.id !== "bottleneck" || !p.isData || n === 0) return false;
    pending.set(p.seg, n - 1);
    return true;
  };
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed);
  assert.equal(f.rtos, 1);
  const ss = idx(log, (c) => c.hook === "ssthresh");
  assert.equal(log[ss + 1]?.hook, "cwnd_event");
  assert.deepEqual(log[ss + 1]?.args, [CA_EVENT_LOSS]);
  const loss = log[ss + 2] as HookCall;
  assert.equal(loss.hook, "set_state");
  assert.deepEqual(loss.args, [TCP_CA_Loss]);
  assert.equal(loss.cwnd, 1, "cwnd = in flight (0 after marking all lost) + 1");
  // The timeout fired one RTO (≥ 200 ms) after the last send.
  assert.ok(loss.t >= 200 * MS);
  const open = idx(log, (c) => c.hook === "set_state" && c.args[0] === TCP_CA_Open, ss);
  assert.ok(open > ss, "Loss ends in Open once high_seq is ACKed");
});

test("a tail loss of the whole window: the loss probe (tcp_send_loss_probe) retransmits the last segment, its SACK starts recovery, no RTO", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 20 * 1448 }, durationNs: 5 * SEC });
  box.sim = o.sim;
  dropSegsOnce(o.sim, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed);
  assert.equal(f.rtos, 0);
  assert.equal(f.recoveries, 1);
  // 10 lost segments, the probe of segment 19 and the nine RACK then marks lost: 10 retransmissions.
  assert.equal(f.retrans, 10);
  const rec = log.find((c) => c.hook === "set_state" && c.args[0] === TCP_CA_Recovery) as HookCall;
  // The probe fired 2 srtt + 2 jiffies after the last send (~20 ms RTT: well before an RTO of >= 200 ms).
  assert.ok(rec.t > 60 * MS && rec.t < 150 * MS, `recovery at ${rec.t}`);
  assert.equal(log.some((c) => c.hook === "set_state" && c.args[0] === TCP_CA_Loss), false);
});

test("RACK's reordering timer (tcp_rack_reo_timeout): a loss followed by one SACK is recovered when the window passes, before a probe or an RTO", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  const o = oneFlowSim({ ek, flow: { cc: "rec", bytes: 12 * 1448 }, durationNs: 5 * SEC });
  box.sim = o.sim;
  // Segment 10 is lost; 11, sent just after it, is SACKed: RACK waits min_rtt/4 (fewer than 3 SACKs) with no ACK to come.
  dropSegsOnce(o.sim, [10]);
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed);
  assert.deepEqual([f.rtos, f.recoveries, f.retrans], [0, 1, 1]);
  const rec = log.find((c) => c.hook === "set_state" && c.args[0] === TCP_CA_Recovery) as HookCall;
  // The SACK arrives ~41 ms in; the timer fires within the window (~5 ms) rounded up to jiffies plus 2 jiffies;
  // the loss probe would have fired 2 srtt + 8 ms after the last send (~21 ms), at ~70 ms.
  assert.ok(rec.t > 45 * MS && rec.t < 62 * MS, `recovery at ${rec.t}`);
  // inet_csk_reset_xmit_timer arms a timer_list at jiffies + when: it fires on a jiffy tick (HZ=250), not `when` after now.
  assert.equal(rec.t % (4 * MS), 0, `the reordering timer fired at ${rec.t}, off the jiffy grid`);
});

test("a spurious RTO (a capacity gap delays everything): timestamps prove it and undo_cwnd restores the window", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0);
  // 12 Mb/s (one 1500-byte opportunity per ms) for 1 s, then nothing for 600 ms, repeated.
  const opps: number[] = [];
  for (let ms = 1; ms <= 1000; ms++) opps.push(ms);
  opps.push(1600);
  const o = oneFlowSim({ ek, bottleneck: { trace: { opportunitiesMs: opps }, queue: { kind: "droptail", packets: 50 } }, flow: { cc: "rec", bytes: 3000 * 1448 }, durationNs: 10 * SEC });
  box.sim = o.sim;
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed);
  assert.ok(f.rtos >= 1, "the gap causes a timeout");
  const loss = idx(log, (c) => c.hook === "set_state" && c.args[0] === TCP_CA_Loss);
  assert.ok(loss >= 0);
  const undo = idx(log, (c) => c.hook === "undo_cwnd", loss);
  assert.ok(undo > loss, "undo_cwnd after the spurious RTO");
  assert.equal(log[undo + 1]?.hook, "set_state");
  assert.deepEqual(log[undo + 1]?.args, [TCP_CA_Open], "tcp_try_undo_loss reopens");
  assert.ok(f.undos >= 1);
});

test("ECN marks: ssthresh then set_state(CWR), no retransmission, COMPLETE_CWR and Open; the receiver CA sees ECN_IS_CE", () => {
  const ek = new EmulatedKernel();
  const box: { sim?: ReturnType<typeof oneFlowSim>["sim"] } = {};
  const log = recordingCa(ek, () => box.sim?.sched.now ?? 0, TCP_CONG_NEEDS_ECN);
  const o = oneFlowSim({ ek, bottleneck: { queue: { kind: "step", markPackets: 20, packets: 1000 } }, flow: { cc: "rec", bytes: 600 * 1448, ecn: true }, durationNs: 10 * SEC });
  box.sim = o.sim;
  const r = o.sim.run();
  const f = r.flows[0];
  assert.ok(f !== undefined && f.completed);
  assert.equal(f.retrans, 0, "marks instead of drops");
  const link = r.links.find((l) => l.id === "bottleneck");
  assert.ok(link !== undefined && link.marks > 0 && link.drops === 0);
  const ss = idx(log, (c) => c.hook === "ssthresh");
  assert.ok(ss >= 0);
  assert.equal(log[ss + 1]?.hook, "set_state");
  assert.deepEqual(log[ss + 1]?.args, [TCP_CA_CWR]);
  const done = idx(log, (c) => c.hook === "cwnd_event" && c.args[0] === CA_EVENT_COMPLETE_CWR, ss);
  assert.ok(done > ss);
  assert.equal(log[done - 1]?.hook === "set_state" || log[done + 1]?.hook === "set_state", true);
  assert.ok(log.some((c) => c.hook === "cwnd_event" && c.args[0] === 5), "CA_EVENT_ECN_IS_CE on the receiving socket");
  assert.ok(log.some((c) => c.hook === "cwnd_event" && c.args[0] === 4), "CA_EVENT_ECN_NO_CE on the receiving socket");
  assert.equal(idx(log, (c) => c.hook === "set_state" && c.args[0] === TCP_CA_Recovery), -1);
});
