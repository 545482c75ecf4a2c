/**
 * @fileoverview The receiver's buffer autotuning (src/sim/tcp/rcv-space.ts)
 * against figures Linux 6.18 reported on the fidelity testbed (tcp_rcvbuf_grow
 * tracepoint and the windows the receiver advertised, tcpdump, MSS 1448, wscale
 * 10), and the ACK pattern it gives the receiver in slow start: one ACK per
 * segment while the window opens (tcp_grow_window: quick |= 1), then every
 * second segment once the quick ACKs run out, per segment again when DRS
 * raises the window clamp. Linux functions: tcp_measure_rcv_mss,
 * tcp_grow_window, tcp_rcv_space_adjust, tcp_rcvbuf_grow, tcp_incr_quickack,
 * tcp_dec_quickack_mode, tcp_rcv_rtt_measure_ts, tcp_rcv_rtt_update
 * (net/ipv4/tcp_input.c), tcp_recvmsg_locked (net/ipv4/tcp.c).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RcvSpace, rxTruesize } from "../../src/sim/tcp/rcv-space.js";
import { READER_WAKE_NS, TcpReceiver } from "../../src/sim/tcp/receiver.js";
import { Packet } from "../../src/sim/net/packet.js";
import { runTestbed } from "../../src/testbed/index.js";
import { MS } from "../../src/sim/index.js";
import type { HookRecord, SimSpec, TraceRecord } from "../../src/sim/api.js";

const MSS = 1448;

test("a full segment's truesize and the scaling ratio Linux measured (160/256)", () => {
  assert.equal(rxTruesize(MSS), 2304);
  const s = new RcvSpace(MSS, 0);
  assert.equal(s.rcvWnd, 65160, "SYN-ACK window: 64 KB rounded down to the MSS");
  assert.equal(s.windowClamp, 64088, "tcp_init_buffer_space reserves one segment");
  s.measureRcvMss(MSS);
  assert.equal(s.scalingRatio, 160);
  assert.equal(s.windowClamp, 81920, "tcp_set_window_clamp(tcp_win_from_space(131072))");
  assert.equal(s.rcvSsthresh, 65160);
  assert.equal(s.quickacks(16), 16);
});

test("rcv_ssthresh grows by two segments per segment up to min(window_clamp, tcp_space) = 80480, as advertised by Linux", () => {
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  const seen: number[] = [];
  for (let i = 0; i < 8; i++) {
    s.growWindow(MSS, rxTruesize(MSS));
    seen.push(Math.ceil(s.rcvSsthresh / 1024));
  }
  // Linux's ACKs carried windows 67, 70, 73, 75, 78, 79, 79, ... (x 1024).
  assert.deepEqual(seen, [67, 70, 73, 75, 78, 79, 79, 79]);
  assert.equal(s.rcvSsthresh, 80480);
});

test("DRS: tcp_rcvbuf_grow with the tracepoint's inputs gives its outputs", () => {
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  s.rttMeasureTs(0, MSS, 20, true);
  // copied=28960 over space=14480: rcvbuf 131072 -> 278016, window_clamp 81920 -> 173760.
  s.spaceAdjust(0, 0, 20_000, 0);
  s.spaceAdjust(28960, 0, 45_000, 0);
  assert.equal(s.rcvbuf, 278016);
  assert.equal(s.windowClamp, 173760);
  // copied=39096 over space=28960: 212681 < 278016, unchanged.
  s.spaceAdjust(28960 + 39096, 0, 70_000, 0);
  assert.equal(s.rcvbuf, 278016);
  // The room now ends at tcp_space() with one segment queued: 172320 (tracepoint's rcv_ssthresh).
  for (let i = 0; i < 40; i++) s.growWindow(MSS, rxTruesize(MSS));
  assert.equal(s.rcvSsthresh, 172320);
});

test("tcp_rcv_rtt_update: a smaller sample replaces the estimate, a larger one is averaged in only with the receive queue empty, a zero delta is no sample", () => {
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  s.rttMeasureTs(1000, MSS, 1040, true);
  assert.equal(s.rttUs8 >> 3, 40000);
  // 41 ms with the queue empty: 40000 - 40000/8 + 41000 (x8), the 40125 the tcp_rcvbuf_grow tracepoint showed.
  s.rttMeasureTs(1001, MSS, 1042, true);
  assert.equal(s.rttUs8 >> 3, 40125);
  // A larger sample while unread data is queued is skipped.
  s.rttMeasureTs(1002, MSS, 1050, false);
  assert.equal(s.rttUs8 >> 3, 40125);
  // A smaller one is taken whole, queue or not.
  s.rttMeasureTs(1003, MSS, 1043, false);
  assert.equal(s.rttUs8 >> 3, 40000);
  // Same echo again, or a zero delta: no sample.
  s.rttMeasureTs(1003, MSS, 1100, true);
  s.rttMeasureTs(1100, MSS, 1100, true);
  assert.equal(s.rttUs8 >> 3, 40000);
});

test("tcp_rcv_space_adjust subtracts the bytes still queued (copied -= inq); tcp_rcvbuf_grow rounds as the kernel does", () => {
  // Traced on the testbed (20 ms RTT): time=20417 rtt_us=20000 copied=28960 inq=1448 space=14480; the next
  // event showed rcvbuf=246505 window_clamp=154065.
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  s.rttMeasureTs(0, MSS, 20, true);
  s.spaceAdjust(28960, 1448, 20_417, 0);
  assert.equal(s.rcvbuf, 246505);
  assert.equal(s.windowClamp, 154065);
  // With everything read the same RTT would have given 2 * 28960 * 3 = 173760 (rcvbuf 278016).
  const t = new RcvSpace(MSS, 0);
  t.measureRcvMss(MSS);
  t.rttMeasureTs(0, MSS, 20, true);
  t.spaceAdjust(28960, 0, 20_417, 0);
  assert.equal(t.rcvbuf, 278016);
});

test("after a hole is filled the reader's first copy sees the batch as queued: no growth there, the batch counts in the next RTT (tcp_recvmsg_locked, one check per skb)", () => {
  // Seed 1 on the testbed, 40 ms: space 59368 (41 segments); the retransmission fills a hole with 93 segments
  // behind it; the first copy finds 11 segments read since the measurement began and 93 queued; 40 ms later
  // the tracepoint showed copied=198376 inq=1448 space=59368, and rcv_wnd then peaked at 2220032 (2219041
  // rounded up to the 1024-byte window scale).
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  s.rttMeasureTs(0, MSS, 40, true);
  s.spaceAdjust(14480, 0, 40_000, 0);
  s.rcvbufGrow(59368, 0);
  const rcvbuf = s.rcvbuf;
  let copied = 14480 + 11 * MSS;
  s.spaceAdjust(copied, 93 * MSS, 100_000, 0);
  assert.equal(s.rcvbuf, rcvbuf, "no growth while the batch is still queued");
  for (let i = 0; i < 93; i++) s.spaceAdjust((copied += MSS), (92 - i) * MSS, 100_000, 0);
  assert.equal(s.rcvbuf, rcvbuf, "the rest of the batch is in the same RTT");
  copied += 137 * MSS - 93 * MSS;
  s.spaceAdjust(copied, MSS, 140_054, 0);
  assert.equal(s.windowClamp, 2219041);
});

test("tcp_rcv_space_adjust's growth adds the out-of-order span, as tcp_rcvbuf_grow does on every path", () => {
  // Linux 6.18, bbr-20mbit-40ms-0.1bdp, the tcp_rcvbuf_grow tracepoint: after the first step (space 52128, sk_rcvbuf
  // 1034217) a measurement of 78192 bytes left the buffer as it was; the next read copied=165072 inq=1448 with
  // space=78192 and ooo=49232, and the tracepoint's next line showed rcvbuf=1746521 window_clamp=1091575 (without the
  // span: 1667750 and 1042343).
  const s = new RcvSpace(MSS, 0);
  s.measureRcvMss(MSS);
  s.rttMeasureTs(0, MSS, 40, true);
  s.spaceAdjust(14480, 0, 40_000, 0);
  s.spaceAdjust(14480 + 52128, 0, 80_000, 0);
  assert.equal(s.rcvbuf, 1034217);
  s.spaceAdjust(14480 + 52128 + 78192, 0, 160_000, 0);
  assert.equal(s.rcvbuf, 1034217);
  s.spaceAdjust(14480 + 52128 + 78192 + 165072, 1448, 204_000, 49232);
  assert.equal(s.rcvbuf, 1746521);
  assert.equal(s.windowClamp, 1091575);
});

/** A receiver with a fake host; `seg(n, tsecr)` delivers segment n of a full MSS. */
function receiverRig(): { rx: TcpReceiver; at: (t: number) => void; seg: (n: number, tsecr: number) => void } {
  let now = 0;
  const rx = new TcpReceiver(
    {
      get nowNs() {
        return now;
      },
      newAck: () => new Packet(),
      sendAck: () => {},
      setDelackTimer: () => {},
      setCompSackTimer: () => {},
      setReadTimer: () => {},
      seqOf: (s) => s * MSS,
    },
    true, null, { hookLevel: 0, hook: () => {} }, MSS, 0, 40 * MS,
  );
  const seg = (n: number, tsecr: number): void => {
    const p = new Packet();
    p.seg = n;
    p.payload = MSS;
    p.size = MSS + 52;
    p.tsecr = tsecr;
    rx.receive(p);
  };
  return { rx, at: (t) => (now = t), seg };
}

/** The first flight (10 segments from 0.3 ms, 0.6 ms apart), then the second flight's first two segments `gapNs` apart. */
function firstCheck(gapNs: number): RcvSpace {
  const r = receiverRig();
  for (let i = 0; i < 10; i++) {
    r.at(300_000 + i * 600_000);
    r.seg(i, 0);
  }
  r.at(40_900_000);
  r.seg(10, 1);
  r.at(40_900_000 + gapNs);
  r.seg(11, 1);
  // A later segment makes the woken reader run (it runs lazily, at the next arrival).
  r.at(41_500_000);
  r.seg(12, 1);
  return r.rx.space;
}

test("the reader wakes READER_WAKE_NS after a segment: a pair closer than that is read together and the first DRS check counts one segment less", () => {
  // The first check falls on the second flight's first segment (time 40.9 ms >= the 40 ms estimate).
  // Read alone, 11 segments (15928 bytes) beat the initial 14480 and the buffer grows, as traced on seed 1
  // (time=40891 copied=15928 inq=0); read with its pair queued behind it, 10 segments do not.
  const alone = firstCheck(READER_WAKE_NS + 20_000);
  assert.equal(alone.space, 15928, "read alone: rcvq_space.space becomes 11 segments");
  // 2 * 15928 plus twice the growth is below tcp_rmem[1]: sk_rcvbuf itself stays (the trace's next event: rcvbuf=131072).
  assert.equal(alone.rcvbuf, 131072);
  const paired = firstCheck(READER_WAKE_NS - 20_000);
  assert.equal(paired.space, 14480, "read with its pair queued: 10 segments, no growth");
});

/** pkts_acked's count per ACK over the first 80 ms of a 12 Mbit/s, 20 ms flow with the given write size. */
function ackedPerAck(writeBytes: number): number[] {
  const spec: SimSpec = {
    topology: {
      nodes: ["a", "b"],
      links: [{ id: "l", a: "a", b: "b", rateBps: 1500 * 8 * 1000, tokenBucketBytes: 3000, delayNs: 10 * MS, queue: { kind: "droptail", packets: 1000 } }],
    },
    flows: [{ id: "f", from: "a", to: "b", startNs: 0, cc: "cubic", writeBytes }],
    durationNs: 80 * MS,
    trace: { hooks: "all" },
  };
  const acked: number[] = [];
  runTestbed(spec, {
    seed: 1,
    onRecord: (r: TraceRecord) => {
      if (r.type === "hook" && (r as HookRecord).hook === "pkts_acked") acked.push((r as HookRecord).args[0] as number);
    },
  });
  return acked;
}

test("receiver: one ACK per segment while the window opens and the quick ACKs last, then every second segment", () => {
  // No PSH (writeBytes 0): segments 1-6 grow the window (quick stays at 16), then 16 quick ACKs: 22 single-segment ACKs.
  const acked = ackedPerAck(0);
  assert.deepEqual(acked.slice(0, 22), new Array(22).fill(1));
  assert.equal(acked[22], 2, `ACK 23 covers two segments: ${acked.slice(0, 30).join(",")}`);
  // One receiver RTT after the first measurement DRS opens the window again: single-segment ACKs resume.
  const firstPair = acked.indexOf(2);
  assert.ok(acked.slice(firstPair).includes(1), `no single-segment ACK after the first pair: ${acked.join(",")}`);
  // 64 KB writes: forced_push marks the 23rd segment (32580 bytes in), which the reader's read ACKs alone, as
  // Linux's receiver did on the testbed (traced: 22 quick ACKs, the 23rd segment ACKed after its read, then pairs).
  const pushed = ackedPerAck(65536);
  assert.deepEqual(pushed.slice(0, 24), [...new Array(23).fill(1), 2], `64 KB writes: ${pushed.slice(0, 30).join(",")}`);
});
