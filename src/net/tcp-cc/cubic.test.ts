/**
 * @fileoverview Tests of the built-in cubic (cubic.ts) against RFC 9438 and
 * Linux's fixed-point rules. Where the integer algorithm is deterministic the
 * expected values are exact; where the RFC states real-valued formulas the
 * test evaluates them in floating point and checks the fixed-point result
 * lies within the rounding Linux's units imply (1/1024 s, 1/1024 for β,
 * C = 410/1024 for 0.4).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CA_EVENT_LOSS,
  CA_EVENT_TX_START,
  HZ,
  ICSK_CA_PRIV_SIZE,
  TCP_CA_Loss,
  TCP_CA_Recovery,
} from "./ca-types.js";
import {
  BICTCP_OFF,
  BICTCP_SIZE,
  beta_scale,
  bictcp_update,
  createCubicTcp,
  cube_factor,
  cube_rtt_scale,
  cubictcp_acked,
  cubictcp_cong_avoid,
  cubictcp_cwnd_event,
  cubictcp_init,
  cubictcp_recalc_ssthresh,
  cubictcp_state,
  hystart_ack_delay,
  inet_csk_ca,
  usecs_to_jiffies,
} from "./cubic.js";
import { tcp_reno_undo_cwnd } from "./tcp-cong.js";
import { TestSock, type TestSockInit } from "../../../test/net/tcp-cc/test-sock.js";

const C_RFC = 0.4;
const BETA_RFC = 0.7;

function cubicSock(init: TestSockInit = {}): TestSock {
  const sk = new TestSock(init);
  cubictcp_init(sk);
  return sk;
}

test("struct bictcp layout: Linux's field order and offsets, 60 bytes inside icsk_ca_priv", () => {
  assert.deepEqual(Object.entries(BICTCP_OFF), [
    ["cnt", 0], ["last_max_cwnd", 4], ["last_cwnd", 8], ["last_time", 12], ["bic_origin_point", 16], ["bic_K", 20],
    ["delay_min", 24], ["epoch_start", 28], ["ack_cnt", 32], ["tcp_cwnd", 36], ["unused", 40], ["sample_cnt", 42],
    ["found", 43], ["round_start", 44], ["end_seq", 48], ["last_ack", 52], ["curr_rtt", 56],
  ]);
  assert.equal(BICTCP_SIZE, 60);
  assert.ok(BICTCP_SIZE <= ICSK_CA_PRIV_SIZE);
});

test("init: zeroed state and a HyStart round starting now (raw little-endian bytes)", () => {
  const sk = new TestSock({ tcp_mstamp: 2 ** 32 + 5000, snd_nxt: 0xabcdef01 });
  for (let i = 0; i < ICSK_CA_PRIV_SIZE; i++) sk.caPriv.setUint8(i, 0x5a);
  cubictcp_init(sk);
  const dv = sk.caPriv;
  for (let off = 0; off < 40; off++) assert.equal(dv.getUint8(off), 0, `byte ${off}`);
  assert.equal(dv.getUint16(40, true), 0x5a5a, "unused is not touched");
  assert.equal(dv.getUint8(42), 0, "sample_cnt");
  assert.equal(dv.getUint8(43), 0, "found");
  assert.equal(dv.getUint32(44, true), 5000, "round_start = tcp_mstamp truncated to u32");
  assert.equal(dv.getUint32(48, true), 0xabcdef01, "end_seq = snd_nxt");
  assert.equal(dv.getUint32(52, true), 5000, "last_ack");
  assert.equal(dv.getUint32(56, true), 0xffffffff, "curr_rtt = ~0");
  assert.equal(sk.snd_ssthresh, 0x7fffffff, "initial_ssthresh 0 leaves ssthresh alone");
});

test('RFC 9438 constants: "C SHOULD be set to 0.4", "β_cubic SHOULD be set to 0.7", α_cubic = 3(1-β)/(1+β)', () => {
  assert.equal(cube_rtt_scale, 410);
  assert.ok(Math.abs(cube_rtt_scale / 1024 - C_RFC) < 0.001);
  assert.ok(Math.abs(717 / 1024 - BETA_RFC) < 0.001);
  assert.equal(cube_factor, 2681735677n);
  assert.equal(cube_factor, (1n << 40n) / 410n);
  // W_est grows by one packet per beta_scale/8 windows ACKed: 1 / (15/8) ≈ α_cubic.
  assert.equal(beta_scale, 15);
  const alpha = (3 * (1 - BETA_RFC)) / (1 + BETA_RFC);
  assert.ok(Math.abs(8 / beta_scale - alpha) < 0.01, `${8 / beta_scale} vs ${alpha}`);
});

test('RFC 9438 §4.6 multiplicative decrease "ssthresh = flight_size * β_cubic" (Linux uses cwnd, as §4.6 notes some do: max(cwnd * 717 / 1024, 2))', () => {
  for (let cwnd = 1; cwnd <= 5000; cwnd++) {
    const sk = cubicSock({ snd_cwnd: cwnd });
    const ss = cubictcp_recalc_ssthresh(sk);
    assert.equal(ss, Math.max(Math.floor((cwnd * 717) / 1024), 2), `cwnd ${cwnd}`);
    assert.ok(ss >= 2);
    if (cwnd >= 3) assert.ok(Math.abs(ss - cwnd * BETA_RFC) < 1 + cwnd * 0.0003, `cwnd ${cwnd}: ${ss}`);
    const ca = inet_csk_ca(sk);
    assert.equal(ca.last_max_cwnd, cwnd, "W_max = cwnd when not below the previous W_max");
    assert.equal(ca.epoch_start, 0, "the congestion event ends the epoch");
  }
  // u32 product: cwnd * 717 wraps as in C.
  assert.equal(cubictcp_recalc_ssthresh(cubicSock({ snd_cwnd: 0x01000000 })), ((0x01000000 * 717) % 2 ** 32) >>> 10);
});

test('RFC 9438 §4.7 fast convergence "W_max = cwnd * (1 + β_cubic) / 2" when cwnd < W_max', () => {
  for (const [wmax, cwnd] of [[100, 80], [1000, 999], [50, 2], [7000, 4321]] as const) {
    const sk = cubicSock({ snd_cwnd: cwnd });
    inet_csk_ca(sk).last_max_cwnd = wmax;
    cubictcp_recalc_ssthresh(sk);
    const got = inet_csk_ca(sk).last_max_cwnd;
    assert.equal(got, Math.floor((cwnd * (1024 + 717)) / 2048), `W_max ${wmax}, cwnd ${cwnd}`);
    assert.ok(Math.abs(got - (cwnd * (1 + BETA_RFC)) / 2) <= 1 + cwnd * 0.0002);
  }
});

/** State in congestion avoidance right after a loss at W_max, with cwnd = β·W_max and delay_min set. */
function afterLoss(wmax: number, delayMinUs: number): TestSock {
  const sk = cubicSock({ snd_cwnd: wmax });
  sk.setTimeUs(10_000_000);
  const ss = cubictcp_recalc_ssthresh(sk);
  sk.snd_ssthresh = ss;
  sk.snd_cwnd = ss;
  inet_csk_ca(sk).delay_min = delayMinUs;
  return sk;
}

test('RFC 9438 §4.2 "K = cubic_root((W_max - cwnd_epoch) / C)" (= cubic_root(W_max * (1 - β_cubic) / C) after a β reduction), in 1/1024 s', () => {
  for (const wmax of [20, 100, 1000, 10000, 100000]) {
    const sk = afterLoss(wmax, 100_000);
    const cwnd = sk.snd_cwnd;
    bictcp_update(inet_csk_ca(sk), cwnd, 1, sk.jiffies32);
    const ca = inet_csk_ca(sk);
    assert.equal(ca.epoch_start, sk.jiffies32, "a new epoch starts on the first ACK after the loss");
    assert.equal(ca.bic_origin_point, wmax);
    const kRfc = Math.cbrt(((wmax - cwnd) * 1024) / cube_rtt_scale); // (W_max - cwnd) / C with Linux's C
    assert.ok(Math.abs(ca.bic_K / 1024 - kRfc) <= kRfc * 0.002 + 1 / 1024, `W_max ${wmax}: K ${ca.bic_K / 1024} vs ${kRfc}`);
    // With the RFC's exact C and β the value differs only by the fixed-point β and C.
    const kIdeal = Math.cbrt((wmax * (1 - BETA_RFC)) / C_RFC);
    assert.ok(Math.abs(ca.bic_K / 1024 - kIdeal) <= kIdeal * 0.01 + 0.01, `W_max ${wmax}: ${ca.bic_K / 1024} vs ideal ${kIdeal}`);
  }
});

test('RFC 9438 §4.2 "W_cubic(t) = C*(t-K)^3 + W_max", evaluated one min RTT ahead, sets cnt (concave and convex regions)', () => {
  const wmax = 1000;
  const rttUs = 100_000;
  const sk = afterLoss(wmax, rttUs);
  const cwnd = sk.snd_cwnd; // 700
  const start = sk.jiffies32;
  bictcp_update(inet_csk_ca(sk), cwnd, 1, start);
  const K = inet_csk_ca(sk).bic_K;
  // Independent fixed-point restatement with BigInt: t in 1/1024 s, C = 410 / 2^40 per unit^3.
  const expectCnt = (elapsedJiffies: number): number => {
    const t = ((BigInt(elapsedJiffies) + BigInt(Math.ceil(rttUs / (1e6 / HZ)))) << 10n) / BigInt(HZ);
    const k = BigInt(K);
    const offs = t < k ? k - t : t - k;
    const delta = (410n * offs ** 3n) >> 40n;
    const target = Number(t < k ? BigInt(wmax) - delta : BigInt(wmax) + delta);
    return Math.max(target > cwnd ? Math.floor(cwnd / (target - cwnd)) : 100 * cwnd, 2);
  };
  for (const seconds of [0.5, 2, 4, 6, 8, 8.9, 9.2, 10, 11, 12, 14, 20]) {
    const el = Math.round(seconds * HZ);
    const now = (start + el) >>> 0;
    const ca = inet_csk_ca(sk);
    bictcp_update(ca, cwnd, 1, now);
    assert.equal(ca.cnt, expectCnt(el), `t = ${seconds} s`);
    // RFC math in floating point: the target cwnd one RTT ahead, and the ACK count that reaches it in one window.
    const tt = el / HZ + rttUs / 1e6;
    const targetRfc = C_RFC * (tt - Math.cbrt((wmax * (1 - BETA_RFC)) / C_RFC)) ** 3 + wmax;
    if (targetRfc > cwnd * 1.02 && targetRfc < cwnd * 1.5) {
      const cntRfc = cwnd / (targetRfc - cwnd);
      assert.ok(Math.abs(ca.cnt - cntRfc) <= 0.06 * cntRfc + 1, `t = ${seconds} s: cnt ${ca.cnt} vs RFC ${cntRfc}`);
    }
    if (targetRfc < cwnd * 0.98) assert.equal(ca.cnt, 100 * cwnd, `t = ${seconds} s: below cwnd, very slow growth`);
  }
});

test('RFC 9438 §4.2 "target = 1.5 * cwnd" at most: cnt never drops below 2', () => {
  const sk = afterLoss(1000, 100_000);
  const start = sk.jiffies32;
  bictcp_update(inet_csk_ca(sk), sk.snd_cwnd, 1, start);
  const ca = inet_csk_ca(sk);
  bictcp_update(ca, sk.snd_cwnd, 1, (start + 60 * HZ) >>> 0);
  assert.equal(ca.cnt, 2, "a minute past K the curve would more than double the window");
});

test("before the first loss (W_max unknown) cnt is capped at 20: at least 5% growth per RTT", () => {
  const sk = cubicSock({ snd_cwnd: 50, snd_ssthresh: 40 });
  const ca = inet_csk_ca(sk);
  ca.delay_min = 20_000;
  bictcp_update(ca, 50, 1, sk.jiffies32);
  assert.equal(ca.last_max_cwnd, 0);
  assert.equal(ca.bic_K, 0);
  assert.equal(ca.bic_origin_point, 50);
  assert.equal(ca.cnt, 20);
});

test('RFC 9438 §4.3 Reno-friendly region: "W_est = W_est + α_cubic * segments_acked / cwnd" and cwnd follows W_est when ahead', () => {
  const sk = cubicSock({ snd_cwnd: 100, snd_ssthresh: 50 });
  const ca = inet_csk_ca(sk);
  ca.last_max_cwnd = 100; // a loss happened at 100: origin = cwnd, K = 0, cubic curve flat near 0
  ca.delay_min = 10_000;
  bictcp_update(ca, 100, 562, sk.jiffies32);
  // Exact: one W_est packet per (100 * 15) >> 3 = 187 packets ACKed; the loop stops at ack_cnt <= 187.
  assert.equal(ca.tcp_cwnd, 103);
  assert.equal(ca.ack_cnt, 562 - 3 * 187);
  assert.equal(ca.cnt, Math.floor(100 / 3), "cwnd / (W_est - cwnd)");
  const wEst = 100 + (((3 * (1 - BETA_RFC)) / (1 + BETA_RFC)) * 562) / 100;
  assert.ok(Math.abs(ca.tcp_cwnd - wEst) < 1, `W_est ${ca.tcp_cwnd} vs RFC ${wEst}`);
  // An exact multiple of the period: the C loop leaves a full period in ack_cnt.
  const sk2 = cubicSock({ snd_cwnd: 100, snd_ssthresh: 50 });
  const ca2 = inet_csk_ca(sk2);
  ca2.last_max_cwnd = 100;
  bictcp_update(ca2, 100, 2 * 187, sk2.jiffies32);
  assert.deepEqual([ca2.tcp_cwnd, ca2.ack_cnt], [101, 187]);
});

test("bictcp_update: cnt is kept for HZ/32 jiffies at the same cwnd, recomputed at most once per jiffy", () => {
  const sk = afterLoss(1000, 100_000);
  const start = sk.jiffies32;
  const ca = inet_csk_ca(sk);
  bictcp_update(ca, 700, 1, start);
  const last = ca.last_time;
  ca.cnt = 12345;
  bictcp_update(ca, 700, 1, (start + Math.trunc(HZ / 32)) >>> 0);
  assert.equal(ca.cnt, 12345, "same cwnd within HZ/32: nothing recomputed");
  assert.equal(ca.last_time, last);
  bictcp_update(ca, 701, 1, start);
  assert.equal(ca.last_time, last, "same jiffy: the curve is not re-evaluated");
  assert.equal(ca.cnt, 12345);
  bictcp_update(ca, 701, 1, (start + 1) >>> 0);
  assert.notEqual(ca.cnt, 12345);
  assert.equal(ca.last_cwnd, 701);
});

test("cong_avoid: slow start below ssthresh (RFC 9438 §4.10), leftover ACKs then follow the curve", () => {
  const sk = cubicSock({ snd_cwnd: 10, snd_ssthresh: 12 });
  sk.setTimeUs(1_000_000);
  cubictcp_cong_avoid(sk, 0, 1);
  assert.equal(sk.snd_cwnd, 11);
  assert.equal(inet_csk_ca(sk).epoch_start, 0, "no cubic epoch in slow start");
  cubictcp_cong_avoid(sk, 0, 3);
  assert.equal(sk.snd_cwnd, 12);
  assert.equal(inet_csk_ca(sk).epoch_start, sk.jiffies32, "the 2 leftover packets started an epoch");
  assert.equal(sk.snd_cwnd_cnt, 2);
  const idle = cubicSock({ snd_cwnd: 10, is_cwnd_limited: 0, max_packets_out: 4 });
  cubictcp_cong_avoid(idle, 0, 5);
  assert.equal(idle.snd_cwnd, 10, "not cwnd-limited: no growth");
});

test('RFC 9438 §4.8 timeout: "ssthresh ... using β_cubic", and TCP_CA_Loss forgets the curve and restarts HyStart', () => {
  const sk = cubicSock({ snd_cwnd: 200, snd_nxt: 777 });
  const ca = inet_csk_ca(sk);
  for (let off = 0; off < 60; off++) sk.caPriv.setUint8(off, 0x11);
  sk.tcp_mstamp = 123456;
  assert.equal(cubictcp_recalc_ssthresh(sk), 140);
  cubictcp_cwnd_event(sk, CA_EVENT_LOSS);
  cubictcp_state(sk, TCP_CA_Loss);
  for (let off = 0; off < 40; off++) assert.equal(sk.caPriv.getUint8(off), 0, `byte ${off}`);
  assert.equal(sk.caPriv.getUint16(40, true), 0x1111, "unused untouched");
  assert.deepEqual([ca.sample_cnt, ca.found, ca.round_start, ca.end_seq, ca.last_ack, ca.curr_rtt], [0, 0, 123456, 777, 123456, 0xffffffff]);
  // Other states leave the state alone.
  ca.cnt = 9;
  cubictcp_state(sk, TCP_CA_Recovery);
  assert.equal(ca.cnt, 9);
});

test("RFC 9438 §4.9 spurious congestion event: undo restores the window before it, max(cwnd, prior_cwnd)", () => {
  const cubic = createCubicTcp();
  assert.equal(cubic.undo_cwnd, tcp_reno_undo_cwnd);
  assert.equal(cubic.undo_cwnd?.(new TestSock({ snd_cwnd: 70, prior_cwnd: 100 })), 100);
  assert.equal(cubic.undo_cwnd?.(new TestSock({ snd_cwnd: 120, prior_cwnd: 100 })), 120);
});

test("RFC 9438 §5.8 application-limited: CA_EVENT_TX_START shifts the epoch by the idle time, never past now", () => {
  const mk = (epoch: number, lsnd: number, now: number): number => {
    const sk = cubicSock({ lsndtime: lsnd });
    sk.jiffies32 = now;
    inet_csk_ca(sk).epoch_start = epoch;
    cubictcp_cwnd_event(sk, CA_EVENT_TX_START);
    return inet_csk_ca(sk).epoch_start;
  };
  assert.equal(mk(1000, 1500, 2500), 2000, "shifted by the 1000 idle jiffies");
  assert.equal(mk(2400, 1500, 2500), 2500, "an epoch begun after the last send is capped at now");
  assert.equal(mk(0, 1500, 2500), 0, "no epoch: nothing to shift");
  assert.equal(mk(1000, 2600, 2500), 1000, "no idle time");
  assert.equal(mk(0xfffffff0, 0xfffffff8, 0x10), 0x8, "across the u32 wrap of jiffies");
  const sk = cubicSock({ lsndtime: 0 });
  inet_csk_ca(sk).epoch_start = 5;
  cubictcp_cwnd_event(sk, CA_EVENT_LOSS);
  assert.equal(inet_csk_ca(sk).epoch_start, 5, "other events are ignored");
});

test("pkts_acked: delay_min is the minimum RTT sample; no sample, and the first second of an epoch, are ignored", () => {
  const sk = cubicSock({ snd_cwnd: 10, snd_ssthresh: 5 });
  const ca = inet_csk_ca(sk);
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: -1, in_flight: 0 });
  assert.equal(ca.delay_min, 0);
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: 30_000, in_flight: 0 });
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: 40_000, in_flight: 0 });
  assert.equal(ca.delay_min, 30_000);
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: 0, in_flight: 0 });
  assert.equal(ca.delay_min, 1, "a zero sample counts as 1 µs");
  ca.delay_min = 30_000;
  ca.epoch_start = sk.jiffies32;
  sk.jiffies32 = (sk.jiffies32 + HZ - 1) >>> 0;
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: 100, in_flight: 0 });
  assert.equal(ca.delay_min, 30_000, "samples within HZ of the epoch start follow a recovery and are dropped");
  sk.jiffies32 = (sk.jiffies32 + 1) >>> 0;
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: 100, in_flight: 0 });
  assert.equal(ca.delay_min, 100);
});

test("usecs_to_jiffies (HZ 250): rounds up; beyond jiffies_to_usecs(MAX_JIFFY_OFFSET) it saturates", () => {
  assert.deepEqual([0, 1, 3999, 4000, 4001, 100_000].map(usecs_to_jiffies), [0n, 1n, 1n, 1n, 2n, 25n]);
  assert.equal(usecs_to_jiffies(4294959296), 1073740n);
  assert.equal(usecs_to_jiffies(4294959297), (1n << 62n) - 2n);
});

test("hystart_ack_delay: min(1 ms, 4 GSO packets at the pacing rate), 0 without a rate", () => {
  assert.equal(hystart_ack_delay(new TestSock({ sk_pacing_rate: 0 })), 0);
  assert.equal(hystart_ack_delay(new TestSock({ sk_pacing_rate: 12_500_000, sk_gso_max_size: 65536 })), 1000);
  assert.equal(hystart_ack_delay(new TestSock({ sk_pacing_rate: 300_000_000, sk_gso_max_size: 65536 })), 873);
  assert.equal(hystart_ack_delay(new TestSock({ sk_pacing_rate: 2 ** 40, sk_gso_max_size: 64000 })), 0);
  const noGso: { sk_gso_max_size?: number } = new TestSock({ sk_pacing_rate: 300_000_000 });
  delete noGso.sk_gso_max_size;
  assert.equal(hystart_ack_delay(noGso as TestSock), 873, "an absent gso size reads as 65536");
});

test("cubic ops: name, flags 0, Linux's hooks", () => {
  const cubic = createCubicTcp();
  assert.equal(cubic.name, "cubic");
  assert.equal(cubic.flags, 0);
  for (const hook of ["init", "ssthresh", "cong_avoid", "set_state", "undo_cwnd", "cwnd_event", "pkts_acked"] as const) {
    assert.equal(typeof cubic[hook], "function", hook);
  }
  assert.equal(cubic.in_ack_event, undefined);
  assert.equal(cubic.cong_control, undefined);
  assert.notEqual(createCubicTcp(), cubic);
});
