/**
 * @fileoverview Tests of cubic's HyStart (Ha & Rhee, "Hybrid Slow Start"), the
 * slow-start exit Linux's cubic runs before any loss: a round-trip "round"
 * ends when snd_una passes the snd_nxt recorded at its start; within a round
 * from hystart_low_window (16) packets on, slow start ends (ssthresh = cwnd)
 * when (a) ACKs arriving at most 2 ms apart keep coming for more than half the
 * minimum RTT since the round began (ACK train: the pipe is full), or (b) the
 * round's minimum RTT over at least 8 samples exceeds delay_min by
 * clamp(delay_min / 8, 4 ms, 16 ms) (delay increase: a queue is building).
 * Expected values are worked out by hand from those rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SK_PACING_FQ, TCP_CA_Loss, TCP_INFINITE_SSTHRESH } from "./ca-types.js";
import { cubictcp_acked, cubictcp_init, cubictcp_state, inet_csk_ca } from "./cubic.js";
import { TestSock, type TestSockInit } from "../../../test/net/tcp-cc/test-sock.js";

const T0 = 50_000_000;
const MSS = 1000;

/** A socket in initial slow start at time T0 with `cwnd` packets just sent. */
function slowStart(cwnd: number, init: TestSockInit = {}): TestSock {
  const sk = new TestSock({ snd_cwnd: cwnd, snd_una: 1, snd_nxt: 1 + cwnd * MSS, ...init });
  sk.setTimeUs(T0);
  cubictcp_init(sk);
  return sk;
}

/** One ACK of one packet at time `us` with RTT sample `rtt`; cwnd is not grown, to keep the scripts readable. */
function ack(sk: TestSock, us: number, rtt: number): void {
  sk.setTimeUs(us);
  sk.snd_una = (sk.snd_una + MSS) >>> 0;
  cubictcp_acked(sk, { pkts_acked: 1, rtt_us: rtt, in_flight: 0 });
}

test("HyStart delay increase: 8 samples at the base RTT, then a round whose minimum RTT is 15 ms over 10 ms ends slow start", () => {
  const sk = slowStart(20);
  // Round 1 (until snd_una passes 1 + 20 * MSS): RTT 10 ms, ACKs 3 ms apart (no ACK train).
  let t = T0;
  for (let i = 0; i < 20; i++) ack(sk, (t += 3000), 10_000);
  const ca = inet_csk_ca(sk);
  assert.equal(ca.delay_min, 10_000);
  assert.equal(ca.found, 0, "RTT 10 ms is the baseline");
  // Round 2 starts on the next ACK: threshold = 10 ms + clamp(10 ms / 8, 4 ms, 16 ms) = 14 ms.
  sk.snd_nxt = (sk.snd_una + 40 * MSS) >>> 0;
  for (let i = 1; i <= 8; i++) {
    ack(sk, (t += 3000), 15_000);
    assert.equal(ca.sample_cnt, i, "the first 8 samples of a round only count");
    assert.equal(sk.snd_ssthresh, TCP_INFINITE_SSTHRESH);
  }
  ack(sk, (t += 3000), 15_000);
  assert.equal(ca.found, 1);
  assert.equal(sk.snd_ssthresh, 20, "ssthresh = cwnd: slow start ends here");
});

test("HyStart delay increase: a round minimum of exactly delay_min + threshold (14 ms) does not trigger; one sample at base RTT in the round holds it off", () => {
  const sk = slowStart(20);
  let t = T0;
  for (let i = 0; i < 20; i++) ack(sk, (t += 3000), 10_000);
  sk.snd_nxt = (sk.snd_una + 40 * MSS) >>> 0;
  for (let i = 0; i < 12; i++) ack(sk, (t += 3000), 14_000);
  assert.equal(inet_csk_ca(sk).found, 0);
  ack(sk, (t += 3000), 10_500);
  for (let i = 0; i < 10; i++) ack(sk, (t += 3000), 30_000);
  assert.equal(inet_csk_ca(sk).found, 0, "the round's minimum is 10.5 ms");
  assert.equal(sk.snd_ssthresh, TCP_INFINITE_SSTHRESH);
});

test("HyStart delay threshold is clamped: at delay_min 200 ms it is 16 ms, not 25 ms", () => {
  const sk = slowStart(20);
  let t = T0;
  for (let i = 0; i < 20; i++) ack(sk, (t += 3000), 200_000);
  sk.snd_nxt = (sk.snd_una + 40 * MSS) >>> 0;
  for (let i = 0; i < 9; i++) ack(sk, (t += 3000), 216_001);
  assert.equal(inet_csk_ca(sk).found, 1);
});

test("HyStart ACK train: ACKs 1 ms apart for more than delay_min / 2 since the round began end slow start", () => {
  // Round from T0 to snd_una > 1 + 40 * MSS; delay_min 20 ms, so the train must span more than 10 ms.
  const sk = slowStart(40);
  const ca = inet_csk_ca(sk);
  for (let k = 1; k <= 10; k++) {
    ack(sk, T0 + 1000 * k, 20_000);
    assert.equal(ca.found, 0, `${k} ms into the round`);
    assert.equal(ca.last_ack >>> 0, (T0 + 1000 * k) >>> 0, "each close ACK extends the train");
  }
  ack(sk, T0 + 11_000, 20_000);
  assert.equal(ca.found, 1, "11 ms > 10 ms");
  assert.equal(sk.snd_ssthresh, 40);
});

test("HyStart ACK train with pacing (sk_pacing_status FQ): the threshold is the full delay_min plus the TSO allowance", () => {
  // 12.5 MB/s pacing: allowance min(1000, 65536 * 4e6 / 12.5e6) = 1000 µs; threshold 20 ms + 1 ms = 21 ms.
  const sk = slowStart(40, { sk_pacing_status: SK_PACING_FQ, sk_pacing_rate: 12_500_000 });
  for (let k = 1; k <= 21; k++) ack(sk, T0 + 1000 * k, 20_000);
  assert.equal(inet_csk_ca(sk).found, 0);
  ack(sk, T0 + 22_000, 20_000);
  assert.equal(inet_csk_ca(sk).found, 1);
});

test("HyStart ACK train: a gap over hystart_ack_delta_us (2 ms) breaks the train; exactly 2 ms does not", () => {
  const sk = slowStart(40);
  ack(sk, T0 + 2000, 20_000);
  assert.equal(inet_csk_ca(sk).last_ack >>> 0, (T0 + 2000) >>> 0, "2 ms apart still counts");
  ack(sk, T0 + 4001, 20_000);
  assert.equal(inet_csk_ca(sk).last_ack >>> 0, (T0 + 2000) >>> 0, "2.001 ms apart does not");
  for (let k = 5; k <= 15; k++) ack(sk, T0 + 1000 * k, 20_000);
  assert.equal(inet_csk_ca(sk).found, 0, "the train never resumes within this round");
});

test("HyStart waits for hystart_low_window (16) packets, but rounds advance below it (Linux 6.16+)", () => {
  const sk = slowStart(15);
  const ca = inet_csk_ca(sk);
  const firstEnd = ca.end_seq;
  for (let k = 1; k <= 15; k++) ack(sk, T0 + 1000 * k, 20_000);
  assert.equal(ca.found, 0, "cwnd 15: no detection despite an 15 ms train");
  sk.snd_nxt = (sk.snd_una + 30 * MSS) >>> 0;
  ack(sk, T0 + 16_000, 20_000);
  assert.notEqual(ca.end_seq, firstEnd, "snd_una passed the round's end: a new round began");
  assert.equal(ca.end_seq, sk.snd_nxt);
  assert.equal(ca.round_start >>> 0, (T0 + 16_000) >>> 0);
  assert.equal(ca.sample_cnt, 0);
});

test("HyStart runs only in slow start and only until it fires; TCP_CA_Loss re-arms it", () => {
  const sk = slowStart(40);
  for (let k = 1; k <= 11; k++) ack(sk, T0 + 1000 * k, 20_000);
  const ca = inet_csk_ca(sk);
  assert.equal(ca.found, 1);
  const frozen = sk.privHex(60);
  sk.snd_cwnd = 41;
  ack(sk, T0 + 12_000, 20_000);
  assert.equal(sk.snd_ssthresh, 40, "found: HyStart no longer updates");
  assert.equal(sk.privHex(60), frozen);
  cubictcp_state(sk, TCP_CA_Loss);
  assert.equal(ca.found, 0);
  // Above ssthresh (not in slow start) only delay_min is tracked, even when not found.
  sk.snd_ssthresh = 10;
  const hystartBytes = (): string => sk.privHex(60).slice(2 * 40);
  const before = hystartBytes();
  ack(sk, T0 + 13_000, 20_000);
  assert.equal(hystartBytes(), before);
  assert.equal(ca.delay_min, 20_000);
});

test("HyStart ACK train compares the elapsed round time as unsigned: a round older than 2^31 µs fires at once", () => {
  const sk = slowStart(40);
  // 2^31 + 1 µs later, with snd_una still inside the round: (s32) elapsed is negative,
  // ACK spacing (s32) negative too, so the train test passes and C's unsigned compare fires.
  ack(sk, T0 + 2 ** 31 + 1, 20_000);
  assert.equal(inet_csk_ca(sk).found, 1);
  assert.equal(sk.snd_ssthresh, 40);
});
