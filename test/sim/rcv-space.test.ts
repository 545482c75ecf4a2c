/**
 * @fileoverview The receiver's buffer autotuning (src/sim/tcp/rcv-space.ts)
 * against figures Linux 6.18 reported on the fidelity testbed (tcp_rcvbuf_grow
 * tracepoint and the windows the receiver advertised, tcpdump, MSS 1448, wscale
 * 10), and the ACK pattern it gives the receiver in slow start: one ACK per
 * segment while the window opens (tcp_grow_window: quick |= 1), then every
 * second segment once the quick ACKs run out, per segment again when DRS
 * raises the window clamp. Linux functions: tcp_measure_rcv_mss,
 * tcp_grow_window, tcp_rcv_space_adjust, tcp_rcvbuf_grow, tcp_incr_quickack,
 * tcp_dec_quickack_mode (net/ipv4/tcp_input.c).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RcvSpace, rxTruesize } from "../../src/sim/tcp/rcv-space.js";
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
  s.rttMeasureTs(0, MSS, 20);
  // copied=28960 over space=14480: rcvbuf 131072 -> 278016, window_clamp 81920 -> 173760.
  s.spaceAdjust(0, 20_000);
  s.spaceAdjust(28960, 45_000);
  assert.equal(s.rcvbuf, 278016);
  assert.equal(s.windowClamp, 173760);
  // copied=39096 over space=28960: 212681 < 278016, unchanged.
  s.spaceAdjust(28960 + 39096, 70_000);
  assert.equal(s.rcvbuf, 278016);
  // The room now ends at tcp_space() with one segment queued: 172320 (tracepoint's rcv_ssthresh).
  for (let i = 0; i < 40; i++) s.growWindow(MSS, rxTruesize(MSS));
  assert.equal(s.rcvSsthresh, 172320);
});

test("receiver: one ACK per segment while the window opens and the quick ACKs last, then every second segment", () => {
  const spec: SimSpec = {
    topology: {
      nodes: ["a", "b"],
      links: [{ id: "l", a: "a", b: "b", rateBps: 1500 * 8 * 1000, tokenBucketBytes: 3000, delayNs: 10 * MS, queue: { kind: "droptail", packets: 1000 } }],
    },
    flows: [{ id: "f", from: "a", to: "b", startNs: 0, cc: "cubic" }],
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
  // Segments 1-6 grow the window (quick stays at 16), then 16 quick ACKs: 22 single-segment ACKs.
  assert.deepEqual(acked.slice(0, 22), new Array(22).fill(1));
  assert.equal(acked[22], 2, `ACK 23 covers two segments: ${acked.slice(0, 30).join(",")}`);
  // One receiver RTT after the first measurement DRS opens the window again: single-segment ACKs resume.
  const firstPair = acked.indexOf(2);
  assert.ok(acked.slice(firstPair).includes(1), `no single-segment ACK after the first pair: ${acked.join(",")}`);
});
