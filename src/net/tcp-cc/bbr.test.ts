/**
 * Tests of the built-in BBR against net/ipv4/tcp_bbr.c (6.18): its integer
 * arithmetic (gains, pacing rate, BDP, quantization budget), the gain
 * cycle, the STARTUP exit, PROBE_RTT, the long-term (policer) estimate and
 * struct bbr's byte layout. Expected values are worked out by hand from the
 * kernel's formulas, step by step in the comments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BBR_DRAIN,
  BBR_OFF,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_SIZE,
  BBR_STARTUP,
  BBR_UNIT,
  BW_UNIT,
  bbr_bdp,
  bbr_bw_to_pacing_rate,
  bbr_check_full_bw_reached,
  bbr_drain_gain,
  bbr_high_gain,
  bbr_init,
  bbr_lt_bw_interval_done,
  bbr_main,
  bbr_min_tso_segs,
  bbr_quantization_budget,
  bbr_rate_bytes_per_sec,
  bbr_ssthresh,
  bbr_tso_segs_goal,
  bbr_undo_cwnd,
  bbr_update_gains,
  bbr_update_min_rtt,
  createBbrTcp,
  xorshift32,
  get_random_u32_below,
  inet_csk_ca,
} from "./bbr.js";
import { HZ, SK_PACING_NEEDED, TCP_CONG_NON_RESTRICTED, type RateSample } from "./ca-types.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";
import { minmax_reset } from "./minmax.js";

function rs(over: Partial<RateSample> = {}): RateSample {
  return {
    prior_mstamp: 0n, prior_delivered: 0, prior_delivered_ce: 0, delivered: 0, delivered_ce: 0, interval_us: 0,
    snd_interval_us: 0, rcv_interval_us: 0, rtt_us: -1, losses: 0, acked_sacked: 0, prior_in_flight: 0, last_end_seq: 0,
    is_app_limited: false, is_retrans: false, is_ack_delayed: false, ...over,
  };
}

/** A socket with BBR initialised after a 40 ms handshake RTT. */
function bbrSock(): TestSock {
  const sk = new TestSock({ srtt_us: 40000 << 3, rtt_min: 40000, mss_cache: 1448, sk_pacing_shift: 10 });
  bbr_init(sk);
  return sk;
}

test("tcp_bbr.c constants: high_gain = 256*2885/1000+1 = 739, drain_gain = 256000/2885 = 88, BW_UNIT = 2^24", () => {
  assert.equal(bbr_high_gain, 739);
  assert.equal(bbr_drain_gain, 88);
  assert.equal(BW_UNIT, 16777216);
  assert.equal(BBR_UNIT, 256);
});

test("bbr_rate_bytes_per_sec: rate*mss*gain>>8 * 990000 >> 24, in that order (1 % pacing margin)", () => {
  // 1 packet/µs (1 << 24), gain 1.0: 1448 * 990000 = 1433520000 bytes/s.
  assert.equal(bbr_rate_bytes_per_sec(1448, 1 << 24, 256), 1433520000);
  // 12345 * 1448 = 17875560; * 320 = 5720179200; >> 8 = 22344450; * 990000 = 22121005500000; >> 24 = 1318514.
  assert.equal(bbr_rate_bytes_per_sec(1448, 12345, 320), 1318514);
  // The u64 product wraps as C's: 2^32-1 pkts/µs << 24 at mss 65535 and gain 1023 overflows 2^64 after * 990000.
  const big = (((((2n ** 32n - 1n) * 65535n * 1023n) >> 8n) * 990000n) & (2n ** 64n - 1n)) >> 24n;
  assert.equal(bbr_rate_bytes_per_sec(65535, 2 ** 32 - 1, 1023), Number(big));
});

test("bbr_init / bbr_init_pacing_rate_from_rtt: high_gain * init_cwnd / srtt, and SK_PACING_NEEDED", () => {
  const sk = bbrSock();
  // bw = 10 << 24 / 40000 = 4194 (do_div truncates); 4194 * 1448 * 739 >> 8 = 17530788; * 990000 >> 24 = 1034467.
  assert.equal(sk.sk_pacing_rate, 1034467);
  assert.equal(sk.sk_pacing_status, SK_PACING_NEEDED);
  const bbr = inet_csk_ca(sk);
  assert.equal(bbr.mode, BBR_STARTUP);
  assert.equal(bbr.has_seen_rtt, 1);
  assert.equal(bbr.min_rtt_us, 40000);
  assert.equal(sk.snd_ssthresh, 0x7fffffff);
  // No RTT yet: 1 ms nominal RTT, 10 << 24 / 1000 = 167772; * 1448 * 739 >> 8 = 701283...; the rate only has to match the formula.
  const cold = new TestSock({ srtt_us: 0, mss_cache: 1448 });
  bbr_init(cold);
  assert.equal(cold.sk_pacing_rate, bbr_rate_bytes_per_sec(1448, Math.floor((10 * BW_UNIT) / 1000), 739));
  assert.equal(inet_csk_ca(cold).has_seen_rtt, 0);
  assert.equal(inet_csk_ca(cold).min_rtt_us, 0xffffffff, "tcp_min_rtt() of a socket without samples is ~0U");
});

test("bbr_bw_to_pacing_rate is capped by sk_max_pacing_rate", () => {
  const sk = bbrSock();
  sk.sk_max_pacing_rate = 125000;
  assert.equal(bbr_bw_to_pacing_rate(sk, 1 << 24, 256), 125000);
});

test("bbr_bdp: ceil(bw * min_rtt * gain / 256 / 2^24); TCP_INIT_CWND without an RTT sample", () => {
  const sk = bbrSock();
  // 1 pkt/µs for 40000 µs at gain 2: 80000 packets exactly.
  assert.equal(bbr_bdp(sk, 1 << 24, 512), 80000);
  // bw 3 (3/2^24 pkt/µs), min_rtt 1 µs: (3*1*256 >> 8) = 3, rounded up to 1 packet.
  inet_csk_ca(sk).min_rtt_us = 1;
  assert.equal(bbr_bdp(sk, 3, 256), 1);
  inet_csk_ca(sk).min_rtt_us = 0xffffffff;
  assert.equal(bbr_bdp(sk, 1 << 24, 256), 10);
});

test("bbr_tso_segs_goal / bbr_min_tso_segs / bbr_quantization_budget: 3 skbs of pacing_rate >> 10, even, +2 in the 5/4 phase", () => {
  const sk = bbrSock();
  sk.sk_pacing_rate = 2389197;
  // 2389197 >> 10 = 2333 bytes, / 1448 = 1 segment, raised to min_tso_segs = 2 (rate >= 1200000/8).
  assert.equal(bbr_min_tso_segs(sk), 2);
  assert.equal(bbr_tso_segs_goal(sk), 2);
  // 71 + 3*2 = 77, rounded up to even 78.
  assert.equal(bbr_quantization_budget(sk, 71), 78);
  const bbr = inet_csk_ca(sk);
  bbr.mode = BBR_PROBE_BW;
  bbr.cycle_idx = 0;
  assert.equal(bbr_quantization_budget(sk, 71), 80);
  // Below 1.2 Mbit/s (150000 bytes/s) one segment per skb.
  sk.sk_pacing_rate = 149999;
  assert.equal(bbr_min_tso_segs(sk), 1);
  // At 1 Gbit/s the budget is capped at 65536-1-MAX_TCP_HEADER(192) = 65343 bytes: 45 segments of 1448.
  sk.sk_pacing_rate = 125_000_000;
  assert.equal(bbr_tso_segs_goal(sk), 45);
});

test("bbr_update_gains: STARTUP 739/739, DRAIN 88/739, PROBE_BW cycle 320,192,256x6 with cwnd 512, PROBE_RTT 256/256", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  const gains = (): [number, number] => [bbr.pacing_gain, bbr.cwnd_gain];
  bbr.mode = BBR_STARTUP;
  bbr_update_gains(sk);
  assert.deepEqual(gains(), [739, 739]);
  bbr.mode = BBR_DRAIN;
  bbr_update_gains(sk);
  assert.deepEqual(gains(), [88, 739]);
  bbr.mode = BBR_PROBE_BW;
  const cycle: number[] = [];
  for (let i = 0; i < 8; i++) {
    bbr.cycle_idx = i;
    bbr_update_gains(sk);
    cycle.push(bbr.pacing_gain);
    assert.equal(bbr.cwnd_gain, 512);
  }
  assert.deepEqual(cycle, [320, 192, 256, 256, 256, 256, 256, 256]);
  bbr.lt_use_bw = 1;
  bbr.cycle_idx = 0;
  bbr_update_gains(sk);
  assert.equal(bbr.pacing_gain, 256, "a policed flow paces at 1.0");
  bbr.mode = BBR_PROBE_RTT;
  bbr_update_gains(sk);
  assert.deepEqual(gains(), [256, 256]);
});

test("get_random_u32_below (Lemire): floor(7 * r / 2^32); bbr_reset_probe_bw_mode never starts in the 3/4 phase", () => {
  const seq = (...xs: number[]) => () => xs.shift() as number;
  // 7 * 0xffffffff = 0x6_fffffff9: low word >= 7, no rejection, high word 6.
  assert.equal(get_random_u32_below(7, seq(0xffffffff)), 6);
  assert.equal(get_random_u32_below(7, seq(0x80000000)), 3);
  // 0 gives low word 0 < (2^32 - 7) % 7 = 4: rejected, the next draw decides.
  assert.equal(get_random_u32_below(7, seq(0, 0x40000000)), 1);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffffff }), (r) => {
      const sk = bbrSock();
      const from = (): (() => number) => {
        const d = [r];
        return () => d.shift() ?? 0x80000000;
      };
      const ops = createBbrTcp(from());
      const bbr = inet_csk_ca(sk);
      bbr.full_bw_reached = 1;
      bbr.mode = BBR_DRAIN;
      minmax_reset(bbr.bw, 0, 1 << 20);
      sk.packets_out = 0;
      // Inflight 0 <= BDP: DRAIN ends, PROBE_BW starts at phase (7 - rand7 + 1) & 7.
      ops.cong_control?.(sk, 0, 0, rs({ delivered: 1, interval_us: 1000, acked_sacked: 1, prior_delivered: 0 }));
      assert.equal(bbr.mode, BBR_PROBE_BW);
      const expected = (8 - 1 - get_random_u32_below(7, from()) + 1) & 7;
      assert.equal(bbr.cycle_idx, expected);
      assert.notEqual(bbr.cycle_idx, 1);
    }),
    { numRuns: 50 },
  );
});

test("bbr_check_full_bw_reached: STARTUP is full after 3 rounds with less than 25 % growth (full_bw * 320 >> 8)", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  const round = (bw: number): void => {
    minmax_reset(bbr.bw, 0, bw);
    bbr.round_start = 1;
    bbr_check_full_bw_reached(sk, rs());
  };
  round(1000);
  assert.equal(bbr.full_bw, 1000);
  round(1250); // 1000 * 320 >> 8 = 1250: growth of exactly 25 % counts
  assert.equal(bbr.full_bw, 1250);
  assert.equal(bbr.full_bw_cnt, 0);
  round(1562); // threshold 1250 * 320 >> 8 = 1562: counts as growth
  assert.equal(bbr.full_bw_cnt, 0);
  round(1952); // threshold 1952.5 -> 1952: counts
  round(2000); // threshold 1952*320>>8 = 2440: no growth, 1
  round(2400); // 2
  assert.equal(bbr.full_bw_reached, 0);
  // An app-limited sample does not count.
  minmax_reset(bbr.bw, 0, 2400);
  bbr.round_start = 1;
  bbr_check_full_bw_reached(sk, rs({ is_app_limited: true }));
  assert.equal(bbr.full_bw_cnt, 2);
  round(2430); // 3: full
  assert.equal(bbr.full_bw_reached, 1);
});

test("bbr_main in STARTUP: cwnd grows by acked, pacing rate follows 739/256 of the max bw; the drain to PROBE_BW sets ssthresh to the BDP", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  const ops = createBbrTcp(xorshift32(7));
  sk.delivered = 10;
  sk.setTimeUs(40000);
  sk.delivered_mstamp = 40000;
  // 10 packets over 40 ms: bw = 10 << 24 / 40000 = 4194.
  ops.cong_control?.(sk, 0, 0, rs({ delivered: 10, interval_us: 40000, acked_sacked: 10, prior_delivered: 0, rtt_us: 40000 }));
  assert.equal(bbr.rtt_cnt, 1);
  assert.equal(bbr.bw.v(0), 4194);
  assert.equal(sk.snd_cwnd, 20);
  // The pacing rate never falls in STARTUP: bw 4194 at gain 739 is the same as the initial rate.
  assert.equal(sk.sk_pacing_rate, 1034467);
  // Pretend three flat rounds: full, DRAIN, and with nothing in flight at once PROBE_BW at phase (7 - rand7 + 1) & 7.
  bbr.full_bw = 4194;
  bbr.full_bw_cnt = 2;
  sk.delivered = 30;
  sk.packets_out = 0;
  ops.cong_control?.(sk, 0, 0, rs({ delivered: 10, interval_us: 40000, acked_sacked: 10, prior_delivered: 20, rtt_us: 40000 }));
  assert.equal(bbr.full_bw_reached, 1);
  // BDP = ceil(4194 * 40000 / 2^24) = 10, + 3 * tso goal(2) = 16 (even).
  assert.equal(sk.snd_ssthresh, 16);
  assert.equal(bbr.mode, BBR_PROBE_BW);
  const idx = (8 - get_random_u32_below(7, xorshift32(7))) & 7;
  assert.equal(bbr.cycle_idx, idx);
  assert.equal(bbr.pacing_gain, [320, 192, 256, 256, 256, 256, 256, 256][idx]);
});

test("bbr_update_min_rtt: after 10 s without a lower RTT, PROBE_RTT caps cwnd at 4 for 200 ms and a round, then restores it", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  const ops = createBbrTcp(xorshift32(7));
  bbr.full_bw_reached = 1;
  bbr.mode = BBR_PROBE_BW;
  minmax_reset(bbr.bw, 0, 4194);
  sk.snd_cwnd = 40;
  const t0 = 10 * 1e6 + 4000;
  sk.setTimeUs(t0 + 8000); // 10 s + 3 jiffies after min_rtt_stamp: expired
  sk.packets_out = 30;
  sk.delivered = 1000;
  ops.cong_control?.(sk, 0, 0, rs({ delivered: 1, interval_us: 40000, acked_sacked: 1, prior_delivered: 0, rtt_us: 45000 }));
  assert.equal(bbr.mode, BBR_PROBE_RTT);
  assert.equal(bbr.prior_cwnd, 40);
  assert.equal(sk.snd_cwnd, 4);
  assert.equal(bbr.min_rtt_us, 45000, "an expired filter takes the new sample");
  assert.equal(sk.app_limited, 1030, "PROBE_RTT marks delivery app-limited up to delivered + inflight");
  // Inflight falls to 4: the 200 ms (50 jiffies at HZ=250) timer starts.
  sk.packets_out = 4;
  const j = sk.jiffies32;
  bbr_update_min_rtt(sk, rs({ delivered: 1, rtt_us: 40100 }));
  assert.equal(bbr.probe_rtt_done_stamp, (j + (200 * HZ) / 1000) >>> 0);
  // 200 ms later and a round later: back to PROBE_BW with cwnd restored.
  sk.setTimeUs(t0 + 8000 + 204000);
  bbr.round_start = 1;
  bbr_update_min_rtt(sk, rs({ delivered: 1, rtt_us: 40100 }));
  assert.equal(bbr.mode, BBR_PROBE_BW);
  assert.equal(sk.snd_cwnd, 40);
  assert.equal(bbr.min_rtt_stamp, sk.jiffies32);
});

test("bbr_update_min_rtt: a sample equal to min_rtt does not postpone PROBE_RTT, only a lower one does (tcp_bbr.c since 5.10: '<')", () => {
  // Linux commit "tcp: only postpone PROBE_RTT if RTT is < current min_rtt estimate": whole-ms timestamp
  // samples of retransmissions (tcp_rtt_tsopt_us) equal a whole-ms min_rtt again and again.
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  bbr.min_rtt_us = 40000;
  bbr.min_rtt_stamp = sk.jiffies32;
  const stamp = bbr.min_rtt_stamp;
  sk.setTimeUs(sk.tcp_mstamp + 1_000_000);
  bbr_update_min_rtt(sk, rs({ delivered: 1, rtt_us: 40000 }));
  assert.equal(bbr.min_rtt_stamp, stamp, "an equal sample leaves the stamp");
  bbr_update_min_rtt(sk, rs({ delivered: 1, rtt_us: 39999 }));
  assert.equal(bbr.min_rtt_us, 39999);
  assert.equal(bbr.min_rtt_stamp, sk.jiffies32, "a lower sample refreshes it");
});

test("bbr_lt_bw_interval_done: a second interval within 1/8 of the first means a policer: use their average at gain 1", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  bbr_lt_bw_interval_done(sk, 8000);
  assert.equal(bbr.lt_bw, 8000);
  assert.equal(bbr.lt_use_bw, 0);
  // |7500 - 8000| * 256 = 128000 > 32 * 8000 = 256000? no: 128000 <= 256000, consistent.
  bbr_lt_bw_interval_done(sk, 7500);
  assert.equal(bbr.lt_use_bw, 1);
  assert.equal(bbr.lt_bw, (7500 + 8000) >> 1);
  assert.equal(bbr.pacing_gain, 256);
  // Inconsistent (diff*256 > lt_bw*32 and > 500 bytes/s): the new bw just replaces lt_bw.
  const sk2 = bbrSock();
  bbr_lt_bw_interval_done(sk2, 8000);
  bbr_lt_bw_interval_done(sk2, 4000);
  assert.equal(inet_csk_ca(sk2).lt_use_bw, 0);
  assert.equal(inet_csk_ca(sk2).lt_bw, 4000);
});

test("bbr_ssthresh saves cwnd and keeps ssthresh; bbr_undo_cwnd resets full-pipe detection and keeps cwnd", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  sk.snd_cwnd = 57;
  sk.snd_ssthresh = 99;
  assert.equal(bbr_ssthresh(sk), 99);
  assert.equal(bbr.prior_cwnd, 57);
  bbr.full_bw = 5;
  bbr.full_bw_cnt = 2;
  assert.equal(bbr_undo_cwnd(sk), 57);
  assert.equal(bbr.full_bw, 0);
  assert.equal(bbr.full_bw_cnt, 0);
});

test("struct bbr: 104 bytes with GCC's little-endian bitfield layout (checked against this machine's BTF of struct bbr)", () => {
  const sk = new TestSock();
  const bbr = inet_csk_ca(sk);
  assert.equal(BBR_SIZE, 104);
  bbr.mode = BBR_PROBE_RTT; // bits 0-2 of the word at 56
  bbr.round_start = 1; // bit 7
  bbr.lt_rtt_cnt = 0x7f; // bits 24-30
  bbr.lt_use_bw = 1; // bit 31
  assert.equal(sk.caPriv.getUint32(BBR_OFF.bits0, true), (3 | (1 << 7) | (0x7f << 24) | (1 << 31)) >>> 0);
  bbr.pacing_gain = 739; // bits 0-9 of the word at 76
  bbr.cwnd_gain = 512; // bits 10-19
  bbr.cycle_idx = 5; // bits 23-25
  assert.equal(sk.caPriv.getUint32(BBR_OFF.bits1, true), (739 | (512 << 10) | (5 << 23)) >>> 0);
  bbr.ack_epoch_acked = 0xfffff;
  bbr.extra_acked_win_idx = 1; // bit 25 of the word at 100
  assert.equal(sk.caPriv.getUint32(BBR_OFF.bits2, true), (0xfffff | (1 << 25)) >>> 0);
  // Stores truncate to the field width, as C does.
  bbr.cycle_idx = 9;
  assert.equal(bbr.cycle_idx, 1);
  bbr.setExtraAcked(1, 0x12345);
  assert.equal(sk.caPriv.getUint16(98, true), 0x2345);
  assert.deepEqual([BBR_OFF.bw, BBR_OFF.cycle_mstamp, BBR_OFF.ack_epoch_mstamp, BBR_OFF.extra_acked], [12, 48, 88, 96]);
});

test("createBbrTcp: name, TCP_CONG_NON_RESTRICTED, the hooks tcp_bbr_cong_ops has", () => {
  const ops = createBbrTcp();
  assert.equal(ops.name, "bbr");
  assert.equal(ops.flags, TCP_CONG_NON_RESTRICTED);
  for (const h of ["init", "cong_control", "sndbuf_expand", "undo_cwnd", "cwnd_event", "ssthresh", "min_tso_segs", "set_state"] as const) {
    assert.equal(typeof ops[h], "function", h);
  }
  assert.equal(ops.cong_avoid, undefined);
  assert.equal(ops.sndbuf_expand?.(new TestSock()), 3);
});

test("bbr_main property: cwnd stays within [4, target] once the pipe is full, and PROBE_RTT never exceeds 4", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ delivered: fc.integer({ min: 1, max: 50 }), interval: fc.integer({ min: 1000, max: 80000 }), losses: fc.integer({ min: 0, max: 3 }), inflight: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 40 }),
      (acks) => {
        const sk = bbrSock();
        const ops = createBbrTcp(xorshift32(12345));
        let t = 0;
        for (const a of acks) {
          t += a.interval;
          sk.setTimeUs(t);
          sk.delivered_mstamp = t;
          const prior = sk.delivered;
          sk.delivered += a.delivered;
          sk.packets_out = a.inflight;
          ops.cong_control?.(sk, 0, 0, rs({ delivered: a.delivered, interval_us: a.interval, acked_sacked: a.delivered, prior_delivered: prior, losses: a.losses, rtt_us: 40000 }));
          const bbr = inet_csk_ca(sk);
          assert.ok(sk.snd_cwnd >= 1);
          if (bbr.mode === BBR_PROBE_RTT) assert.ok(sk.snd_cwnd <= 4);
          assert.ok(sk.sk_pacing_rate > 0);
        }
      },
    ),
    { numRuns: 100 },
  );
});

test("bbr_main with a loss sample after the pipe is full: cwnd = max(cwnd - losses, 1) before the target applies", () => {
  const sk = bbrSock();
  const bbr = inet_csk_ca(sk);
  bbr.full_bw_reached = 1;
  bbr.mode = BBR_PROBE_BW;
  bbr.cycle_idx = 2;
  minmax_reset(bbr.bw, 0, 1 << 20);
  sk.snd_cwnd = 100;
  sk.delivered = 100;
  sk.setTimeUs(1000);
  bbr_main(sk, 0, 0, rs({ delivered: 5, interval_us: 40000, acked_sacked: 5, prior_delivered: 100, losses: 10, rtt_us: 40000 }));
  // target = ceil(2^20 * 40000 * 512 / 256 / 2^24) = 5000 (+ budget): cwnd = min(100 - 10 + 5, target) = 95.
  assert.equal(sk.snd_cwnd, 95);
});
