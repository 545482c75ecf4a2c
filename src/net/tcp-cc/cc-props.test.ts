/**
 * @fileoverview Property-based tests (fast-check) of reno, cubic and the
 * shared window helpers: random hook sequences keep the window sane, and the
 * helpers' u32 arithmetic matches a separately written BigInt model on the
 * whole u32 range.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CA_EVENT_COMPLETE_CWR,
  CA_EVENT_LOSS,
  CA_EVENT_TX_START,
  ICSK_CA_PRIV_SIZE,
  TCP_CA_Loss,
  TCP_CA_Open,
  TCP_CA_Recovery,
  type TcpCongestionOps,
} from "./ca-types.js";
import { createCubicTcp, cubictcp_recalc_ssthresh, inet_csk_ca } from "./cubic.js";
import { createTcpReno } from "./reno.js";
import { tcp_cong_avoid_ai, tcp_slow_start } from "./tcp-cong.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";

type Cmd =
  | { k: "ack"; dt: number; acked: number; rtt: number; limited: boolean; mpoPct: number }
  | { k: "loss" }
  | { k: "rto" }
  | { k: "undo" }
  | { k: "open" }
  | { k: "idle"; gap: number; back: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant("ack" as const),
      dt: fc.integer({ min: 0, max: 50_000 }),
      acked: fc.integer({ min: 0, max: 8 }),
      rtt: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 400_000 })),
      limited: fc.boolean(),
      mpoPct: fc.integer({ min: 0, max: 150 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "loss" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "rto" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "undo" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "open" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("idle" as const), gap: fc.integer({ min: 0, max: 5_000_000 }), back: fc.integer({ min: 0, max: 50 }) }),
  },
);

const U32_FIELDS = ["snd_cwnd", "snd_ssthresh", "snd_cwnd_cnt", "snd_cwnd_clamp", "prior_cwnd", "snd_una", "snd_nxt"] as const;

/** Applies one command as the TCP stack would call the hooks; returns whether ssthresh was just set by a loss. */
function apply(ops: TcpCongestionOps, sk: TestSock, c: Cmd, clock: { t: number }): boolean {
  const setState = (st: number): void => {
    ops.set_state?.(sk, st);
    sk.icsk_ca_state = st;
  };
  switch (c.k) {
    case "ack": {
      clock.t += c.dt;
      sk.setTimeUs(clock.t);
      sk.snd_una = (sk.snd_una + c.acked * 1000) >>> 0;
      sk.snd_nxt = (sk.snd_una + sk.snd_cwnd * 1000) >>> 0;
      sk.is_cwnd_limited = c.limited ? 1 : 0;
      sk.max_packets_out = Math.floor((sk.snd_cwnd * c.mpoPct) / 100);
      ops.pkts_acked?.(sk, { pkts_acked: c.acked, rtt_us: c.rtt, in_flight: 0 });
      if (sk.icsk_ca_state === TCP_CA_Open || sk.icsk_ca_state === TCP_CA_Loss) ops.cong_avoid?.(sk, sk.snd_una, c.acked);
      return false;
    }
    case "loss": {
      if (sk.icsk_ca_state !== TCP_CA_Open) return false;
      const ss = ops.ssthresh?.(sk) ?? 0;
      sk.prior_cwnd = sk.snd_cwnd;
      sk.snd_ssthresh = ss;
      setState(TCP_CA_Recovery);
      sk.snd_cwnd = ss;
      return true;
    }
    case "rto": {
      sk.prior_cwnd = sk.snd_cwnd;
      sk.snd_ssthresh = ops.ssthresh?.(sk) ?? 0;
      ops.cwnd_event?.(sk, CA_EVENT_LOSS);
      sk.snd_cwnd = 1;
      setState(TCP_CA_Loss);
      return true;
    }
    case "undo": {
      if (sk.icsk_ca_state === TCP_CA_Open) return false;
      sk.snd_cwnd = ops.undo_cwnd?.(sk) ?? 0;
      setState(TCP_CA_Open);
      return false;
    }
    case "open": {
      const wasRecovery = sk.icsk_ca_state === TCP_CA_Recovery;
      setState(TCP_CA_Open);
      if (wasRecovery) ops.cwnd_event?.(sk, CA_EVENT_COMPLETE_CWR);
      return false;
    }
    case "idle": {
      sk.lsndtime = (sk.jiffies32 - c.back) >>> 0;
      clock.t += c.gap;
      sk.setTimeUs(clock.t);
      ops.cwnd_event?.(sk, CA_EVENT_TX_START);
      return false;
    }
  }
}

for (const make of [createTcpReno, createCubicTcp]) {
  const name = make().name;
  test(`${name}: after any hook sequence cwnd is in [1, snd_cwnd_clamp], ssthresh >= 2 after a loss, fields stay u32`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 0xffffffff }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.oneof(fc.constant(0x7fffffff), fc.integer({ min: 2, max: 100_000 })),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(cmd, { maxLength: 200, size: "max" }),
        (clamp, cwnd0, ssthresh0, t0, cmds) => {
          const ops = make();
          const sk = new TestSock({ snd_cwnd: Math.min(cwnd0, clamp), snd_cwnd_clamp: clamp, snd_ssthresh: ssthresh0 });
          const clock = { t: t0 };
          sk.setTimeUs(t0);
          ops.init?.(sk);
          for (const c of cmds) {
            const lossJustSet = apply(ops, sk, c, clock);
            assert.ok(sk.snd_cwnd >= 1, `cwnd ${sk.snd_cwnd} after ${c.k}`);
            assert.ok(sk.snd_cwnd <= clamp, `cwnd ${sk.snd_cwnd} > clamp ${clamp} after ${c.k}`);
            if (lossJustSet) assert.ok(sk.snd_ssthresh >= 2, `ssthresh ${sk.snd_ssthresh}`);
            for (const f of U32_FIELDS) assert.ok(Number.isInteger(sk[f]) && sk[f] >= 0 && sk[f] <= 0xffffffff, f);
            for (let i = 60; i < ICSK_CA_PRIV_SIZE; i++) assert.equal(sk.caPriv.getUint8(i), 0, "bytes past struct bictcp untouched");
            if (name === "cubic") {
              const ca = inet_csk_ca(sk);
              assert.ok(ca.found <= 1 && ca.sample_cnt <= 8);
              if (sk.icsk_ca_state === TCP_CA_Open && sk.snd_cwnd >= sk.snd_ssthresh && ca.epoch_start !== 0) assert.ok(ca.cnt >= 2);
            } else {
              for (let i = 0; i < 60; i++) assert.equal(sk.caPriv.getUint8(i), 0, "reno keeps no private state");
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
}

test("cubic: ssthresh >= 2 and W_max <= cwnd for any u32 cwnd (RFC 9438 §4.6, §4.7)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (cwnd, wmax) => {
      const sk = new TestSock({ snd_cwnd: cwnd });
      inet_csk_ca(sk).last_max_cwnd = wmax;
      const ss = cubictcp_recalc_ssthresh(sk);
      assert.ok(ss >= 2 && ss <= 0xffffffff);
      // Exact C semantics: u32 products.
      assert.equal(ss, Math.max(Number(((BigInt(cwnd) * 717n) & 0xffffffffn) / 1024n), 2));
      if (cwnd < 0x100000) assert.ok(inet_csk_ca(sk).last_max_cwnd <= cwnd);
    }),
    { numRuns: 2000 },
  );
});

/** tcp_slow_start / tcp_cong_avoid_ai restated over BigInt with explicit mod-2^32 steps. */
function refSlowStart(cwnd: bigint, ssthresh: bigint, clamp: bigint, acked: bigint): [bigint, bigint] {
  const M = 0xffffffffn;
  const sum = (cwnd + acked) & M;
  const w = sum < ssthresh ? sum : ssthresh;
  const left = (acked - ((w - cwnd) & M)) & M;
  return [w < clamp ? w : clamp, left];
}
function refAi(cwnd: bigint, cnt: bigint, clamp: bigint, w: bigint, acked: bigint): [bigint, bigint] {
  const M = 0xffffffffn;
  if (cnt >= w) {
    cnt = 0n;
    cwnd = (cwnd + 1n) & M;
  }
  cnt = (cnt + acked) & M;
  if (cnt >= w) {
    const d = cnt / w;
    cnt = (cnt - ((d * w) & M)) & M;
    cwnd = (cwnd + d) & M;
  }
  return [cwnd < clamp ? cwnd : clamp, cnt];
}

test("tcp_slow_start and tcp_cong_avoid_ai match a BigInt model over the whole u32 range", () => {
  const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xfffffff0, max: 0xffffffff }), fc.integer({ min: 0, max: 64 }));
  fc.assert(
    fc.property(u32, u32, u32, u32, (cwnd, ssthresh, clamp, acked) => {
      const sk = new TestSock({ snd_cwnd: cwnd, snd_ssthresh: ssthresh, snd_cwnd_clamp: clamp });
      const left = tcp_slow_start(sk, acked);
      const [wantCwnd, wantLeft] = refSlowStart(BigInt(cwnd), BigInt(ssthresh), BigInt(clamp), BigInt(acked));
      assert.deepEqual([BigInt(sk.snd_cwnd), BigInt(left)], [wantCwnd, wantLeft]);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(u32, u32, u32, u32.filter((w) => w > 0), u32, (cwnd, cnt, clamp, w, acked) => {
      const sk = new TestSock({ snd_cwnd: cwnd, snd_cwnd_cnt: cnt, snd_cwnd_clamp: clamp });
      tcp_cong_avoid_ai(sk, w, acked);
      const [wantCwnd, wantCnt] = refAi(BigInt(cwnd), BigInt(cnt), BigInt(clamp), BigInt(w), BigInt(acked));
      assert.deepEqual([BigInt(sk.snd_cwnd), BigInt(sk.snd_cwnd_cnt)], [wantCwnd, wantCnt]);
    }),
    { numRuns: 3000 },
  );
});
