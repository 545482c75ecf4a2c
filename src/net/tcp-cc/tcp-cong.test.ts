/**
 * @fileoverview Tests of the shared TCP window helpers (tcp-cong.ts) and the
 * built-in reno (reno.ts) against RFC 5681, counted in packets as Linux does,
 * with exact expected values (the integer rules are deterministic).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TCP_CONG_NON_RESTRICTED } from "./ca-types.js";
import { KernelBug } from "../../kernel/bug.js";
import { createTcpReno } from "./reno.js";
import {
  tcp_cong_avoid_ai,
  tcp_in_slow_start,
  tcp_is_cwnd_limited,
  tcp_reno_cong_avoid,
  tcp_reno_ssthresh,
  tcp_reno_undo_cwnd,
  tcp_slow_start,
  tcp_snd_cwnd_set,
} from "./tcp-cong.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";

test('RFC 5681 §3.1 "During slow start, a TCP increments cwnd by at most SMSS bytes for each ACK received" (Linux: one packet per packet ACKed)', () => {
  const sk = new TestSock({ snd_cwnd: 10, snd_ssthresh: 100 });
  assert.equal(tcp_slow_start(sk, 1), 0);
  assert.equal(sk.snd_cwnd, 11);
  // A stretch ACK of 3 packets counts as 3 ACKs.
  assert.equal(tcp_slow_start(sk, 3), 0);
  assert.equal(sk.snd_cwnd, 14);
});

test('RFC 5681 §3.1 slow start "is used when cwnd < ssthresh": growth stops at ssthresh and the rest is handed back', () => {
  const sk = new TestSock({ snd_cwnd: 98, snd_ssthresh: 100 });
  assert.equal(tcp_slow_start(sk, 5), 3);
  assert.equal(sk.snd_cwnd, 100);
  assert.equal(tcp_in_slow_start(sk), false);
  // snd_cwnd_clamp caps the window; the leftover is still computed against ssthresh.
  const clamped = new TestSock({ snd_cwnd: 98, snd_ssthresh: 100, snd_cwnd_clamp: 99 });
  assert.equal(tcp_slow_start(clamped, 5), 3);
  assert.equal(clamped.snd_cwnd, 99);
});

test("tcp_slow_start: u32 wrap-around of cwnd + acked is reproduced", () => {
  const sk = new TestSock({ snd_cwnd: 0xfffffffe, snd_ssthresh: 0xffffffff });
  // cwnd + 5 wraps to 3; acked -= (3 - cwnd) wraps back to 0.
  assert.equal(tcp_slow_start(sk, 5), 0);
  assert.equal(sk.snd_cwnd, 3);
});

test('RFC 5681 §3.1 "During congestion avoidance, cwnd is incremented by roughly 1 full-sized segment per round-trip time"', () => {
  const sk = new TestSock({ snd_cwnd: 10, snd_ssthresh: 5 });
  for (let rtt = 0; rtt < 5; rtt++) {
    const w = sk.snd_cwnd;
    for (let i = 0; i < w; i++) tcp_cong_avoid_ai(sk, sk.snd_cwnd, 1);
    assert.equal(sk.snd_cwnd, 11 + rtt, `after RTT ${rtt + 1}`);
    assert.equal(sk.snd_cwnd_cnt, 0);
  }
});

test("tcp_cong_avoid_ai: stretch ACKs give several packets at once; old credit at a larger w is applied as one packet", () => {
  const sk = new TestSock({ snd_cwnd: 10, snd_cwnd_cnt: 0 });
  tcp_cong_avoid_ai(sk, 10, 25);
  assert.deepEqual([sk.snd_cwnd, sk.snd_cwnd_cnt], [12, 5]);
  const credit = new TestSock({ snd_cwnd: 10, snd_cwnd_cnt: 15 });
  tcp_cong_avoid_ai(credit, 10, 1);
  assert.deepEqual([credit.snd_cwnd, credit.snd_cwnd_cnt], [11, 1]);
  const clamped = new TestSock({ snd_cwnd: 10, snd_cwnd_cnt: 9, snd_cwnd_clamp: 10 });
  tcp_cong_avoid_ai(clamped, 10, 1);
  assert.deepEqual([clamped.snd_cwnd, clamped.snd_cwnd_cnt], [10, 0]);
});

test("tcp_cong_avoid_ai: w == 0 is the kernel's divide error", () => {
  assert.throws(() => tcp_cong_avoid_ai(new TestSock(), 0, 1), KernelBug);
});

test("tcp_snd_cwnd_set: stores modulo 2^32 without clamping (Linux 6.x)", () => {
  const sk = new TestSock({ snd_cwnd_clamp: 5 });
  tcp_snd_cwnd_set(sk, 50);
  assert.equal(sk.snd_cwnd, 50);
  tcp_snd_cwnd_set(sk, 2 ** 32 + 7);
  assert.equal(sk.snd_cwnd, 7);
});

test("tcp_is_cwnd_limited: is_cwnd_limited, else in slow start cwnd < 2 * max_packets_out (include/net/tcp.h)", () => {
  assert.equal(tcp_is_cwnd_limited(new TestSock({ is_cwnd_limited: 1, snd_cwnd: 50, snd_ssthresh: 10 })), true);
  // Slow start, application used 9 of 10: may grow to 18.
  assert.equal(tcp_is_cwnd_limited(new TestSock({ is_cwnd_limited: 0, snd_cwnd: 10, max_packets_out: 9 })), true);
  assert.equal(tcp_is_cwnd_limited(new TestSock({ is_cwnd_limited: 0, snd_cwnd: 18, max_packets_out: 9 })), false);
  // Congestion avoidance: only is_cwnd_limited counts.
  assert.equal(tcp_is_cwnd_limited(new TestSock({ is_cwnd_limited: 0, snd_cwnd: 10, snd_ssthresh: 5, max_packets_out: 100 })), false);
  // 2 * max_packets_out is a u32 product.
  assert.equal(tcp_is_cwnd_limited(new TestSock({ is_cwnd_limited: 0, snd_cwnd: 3, max_packets_out: 0x80000001 })), false);
});

test("tcp_reno_cong_avoid: nothing when not cwnd-limited; slow start leftover goes to additive increase", () => {
  const idle = new TestSock({ is_cwnd_limited: 0, snd_cwnd: 20, snd_ssthresh: 10 });
  tcp_reno_cong_avoid(idle, 0, 5);
  assert.equal(idle.snd_cwnd, 20);
  const sk = new TestSock({ snd_cwnd: 9, snd_ssthresh: 10 });
  tcp_reno_cong_avoid(sk, 0, 3);
  assert.deepEqual([sk.snd_cwnd, sk.snd_cwnd_cnt], [10, 2]);
});

test('RFC 5681 §3.1 eq. (4) "ssthresh = max (FlightSize / 2, 2*SMSS)" (Linux: max(cwnd >> 1, 2))', () => {
  const cases: Array<[number, number]> = [[1, 2], [3, 2], [5, 2], [7, 3], [100, 50], [101, 50], [0xffffffff, 0x7fffffff]];
  for (const [cwnd, want] of cases) assert.equal(tcp_reno_ssthresh(new TestSock({ snd_cwnd: cwnd })), want, `cwnd ${cwnd}`);
});

test("tcp_reno_undo_cwnd: a spurious reduction is undone to the window before it, max(cwnd, prior_cwnd)", () => {
  assert.equal(tcp_reno_undo_cwnd(new TestSock({ snd_cwnd: 20, prior_cwnd: 40 })), 40);
  assert.equal(tcp_reno_undo_cwnd(new TestSock({ snd_cwnd: 50, prior_cwnd: 40 })), 50);
});

test("reno ops: name, TCP_CONG_NON_RESTRICTED, and the three required hooks only", () => {
  const reno = createTcpReno();
  assert.equal(reno.name, "reno");
  assert.equal(reno.flags, TCP_CONG_NON_RESTRICTED);
  assert.equal(reno.ssthresh, tcp_reno_ssthresh);
  assert.equal(reno.cong_avoid, tcp_reno_cong_avoid);
  assert.equal(reno.undo_cwnd, tcp_reno_undo_cwnd);
  assert.equal(reno.init, undefined);
  assert.equal(reno.pkts_acked, undefined);
  assert.notEqual(createTcpReno(), reno, "each kernel gets its own ops (flags are mutable)");
});

test("reno: RFC 5681 slow start doubles per RTT, a loss halves, then +1 per RTT", () => {
  const reno = createTcpReno();
  const sk = new TestSock({ snd_cwnd: 10 });
  const rtt = (): void => {
    const w = sk.snd_cwnd;
    for (let i = 0; i < w; i++) reno.cong_avoid?.(sk, 0, 1);
  };
  rtt();
  assert.equal(sk.snd_cwnd, 20);
  rtt();
  assert.equal(sk.snd_cwnd, 40);
  sk.prior_cwnd = sk.snd_cwnd;
  sk.snd_ssthresh = reno.ssthresh?.(sk) ?? 0;
  sk.snd_cwnd = sk.snd_ssthresh;
  assert.deepEqual([sk.snd_ssthresh, sk.snd_cwnd], [20, 20]);
  rtt();
  rtt();
  assert.equal(sk.snd_cwnd, 22);
  assert.equal(reno.undo_cwnd?.(sk), 40);
});
