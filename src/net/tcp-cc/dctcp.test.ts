/**
 * Tests of the built-in dctcp against the arithmetic of Linux 6.18's
 * net/ipv4/tcp_dctcp.c, computed by hand: dctcp_update_alpha (the EWMA per
 * observation window, min_not_zero decay, the 1024 cap), dctcp_ssthresh
 * (u32 product), dctcp_react_to_loss / dctcp_state / dctcp_cwnd_event
 * (CA_EVENT_LOSS), dctcp_cwnd_undo, dctcp_ece_ack_update (tcp_dctcp.h),
 * dctcp_init's fallback to dctcp-reno, dctcp_get_info, and the struct dctcp
 * layout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CA_EVENT_ECN_IS_CE, CA_EVENT_ECN_NO_CE, CA_EVENT_LOSS, ICSK_ACK_NOW, ICSK_ACK_TIMER, TCP_CA_Open, TCP_CA_Recovery,
  TCP_CONG_NEEDS_ECN, TCP_ECN_DEMAND_CWR, TCP_ECN_OK,
} from "./ca-types.js";
import {
  createDctcp, DCTCP_OFF, DCTCP_SIZE, dctcp_ca, dctcp_cwnd_event, dctcp_cwnd_undo, dctcp_get_info, dctcp_init, dctcp_ssthresh,
  dctcp_state, dctcp_update_alpha, INET_DIAG_DCTCPINFO,
} from "./dctcp.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";

const TCP_ESTABLISHED = 1;

/** A connected dctcp socket with ECN negotiated, init() run at snd_nxt `nxt`. */
function dctcpSock(nxt = 1000) {
  const ops = createDctcp();
  const sk = Object.assign(new TestSock({ snd_una: nxt, snd_nxt: nxt }), {
    ecn_flags: TCP_ECN_OK, rcv_nxt: 0, icsk_ack_pending: 0, sk_state: TCP_ESTABLISHED, icsk_ca_ops: ops, ops, sent: [] as number[],
    tcp_send_ack(this: { sent: number[]; ecn_flags: number }, rcvNxt: number) {
      // Record the ACK and whether it carries ECE (the DEMAND_CWR bit as it is when the ACK leaves).
      this.sent.push(rcvNxt, this.ecn_flags & TCP_ECN_DEMAND_CWR ? 1 : 0);
    },
  });
  dctcp_init(sk);
  return sk;
}

/** One observation window: `delivered` packets of which `ce` marked, then the ACK that ends it (snd_una reaches next_seq). */
function window(sk: TestSock, delivered: number, ce: number): number {
  sk.delivered += delivered;
  sk.delivered_ce += ce;
  sk.snd_nxt = (sk.snd_nxt + 10 * 1448) >>> 0;
  sk.snd_una = dctcp_ca(sk).next_seq;
  dctcp_update_alpha(sk, 0);
  return dctcp_ca(sk).dctcp_alpha;
}

test("struct dctcp: Linux's layout (7 u32 then struct tcp_plb_state), 36 bytes", () => {
  assert.deepEqual(
    [DCTCP_OFF.old_delivered, DCTCP_OFF.old_delivered_ce, DCTCP_OFF.prior_rcv_nxt, DCTCP_OFF.dctcp_alpha, DCTCP_OFF.next_seq, DCTCP_OFF.ce_state, DCTCP_OFF.loss_cwnd, DCTCP_OFF.plb],
    [0, 4, 8, 12, 16, 20, 24, 28],
  );
  assert.equal(DCTCP_SIZE, 36);
  const sk = dctcpSock(5000);
  assert.equal(sk.caPriv.getUint32(DCTCP_OFF.dctcp_alpha, true), 1024, "dctcp_alpha_on_init");
  assert.equal(sk.caPriv.getUint32(DCTCP_OFF.next_seq, true), 5000, "the first window ends at snd_nxt");
});

test("dctcp_update_alpha: alpha after a known marking pattern equals Linux's integer EWMA, by hand", () => {
  const sk = dctcpSock();
  // alpha -= min_not_zero(alpha, alpha >> 4); alpha += (ce << 6) / delivered, capped at 1024.
  assert.equal(window(sk, 10, 0), 960); //  1024 - 64
  assert.equal(window(sk, 10, 5), 932); //  960 - 60 = 900; 320 / 10 = 32
  assert.equal(window(sk, 20, 20), 938); // 932 - 58 = 874; 1280 / 20 = 64
  assert.equal(window(sk, 7, 3), 907); //  938 - 58 = 880; 192 / 7 = 27 (truncated)
  assert.equal(window(sk, 0, 0), 851); //  907 - 56: a window with nothing delivered still decays
  // dctcp_ssthresh: cwnd - (cwnd * alpha) >> 11 = 100 - 85100 / 2048 = 100 - 41.
  sk.snd_cwnd = 100;
  assert.equal(dctcp_ssthresh(sk), 59);
  assert.equal(dctcp_ca(sk).loss_cwnd, 100);
});

test("dctcp_update_alpha: below 16, alpha >> 4 is 0 and min_not_zero drops alpha to 0; fully marked windows cap at 1024", () => {
  const sk = dctcpSock();
  dctcp_ca(sk).dctcp_alpha = 15;
  assert.equal(window(sk, 10, 0), 0);
  assert.equal(window(sk, 10, 0), 0);
  assert.equal(window(sk, 10, 1), 6); // 0 + 64 / 10
  dctcp_ca(sk).dctcp_alpha = 1024;
  assert.equal(window(sk, 1, 1), 1024); // 1024 - 64 + 64
  assert.equal(window(sk, 3, 3), 1024);
});

test("dctcp_update_alpha: the window ends when snd_una reaches next_seq (!before), not one byte earlier", () => {
  const sk = dctcpSock(1000);
  sk.snd_nxt = 9000;
  sk.delivered = 5;
  sk.delivered_ce = 5;
  sk.snd_una = 999;
  dctcp_update_alpha(sk, 0);
  assert.equal(dctcp_ca(sk).dctcp_alpha, 1024, "snd_una before next_seq: no update");
  sk.snd_una = 1000;
  dctcp_update_alpha(sk, 0);
  assert.equal(dctcp_ca(sk).next_seq, 9000, "a new window from snd_nxt");
  assert.equal(dctcp_ca(sk).old_delivered, 5);
});

test("dctcp_ssthresh: cwnd * alpha is a u32 product, as in C (wraps at 2^32)", () => {
  const sk = dctcpSock();
  sk.snd_cwnd = 4194304; // 2^22 * 1024 = 2^32 -> 0
  assert.equal(dctcp_ssthresh(sk), 4194304);
  sk.snd_cwnd = 3;
  assert.equal(dctcp_ssthresh(sk), 2, "at least 2");
});

test("dctcp_state / CA_EVENT_LOSS: Reno's halving on entering Recovery (once) and on an RTO; dctcp_cwnd_undo", () => {
  const sk = dctcpSock();
  sk.snd_cwnd = 41;
  sk.icsk_ca_state = TCP_CA_Open;
  dctcp_state(sk, TCP_CA_Recovery);
  assert.equal(sk.snd_ssthresh, 20);
  assert.equal(dctcp_ca(sk).loss_cwnd, 41);
  sk.icsk_ca_state = TCP_CA_Recovery;
  sk.snd_cwnd = 30;
  sk.snd_ssthresh = 7;
  dctcp_state(sk, TCP_CA_Recovery);
  assert.equal(sk.snd_ssthresh, 7, "already in Recovery: nothing");
  dctcp_cwnd_event(sk, CA_EVENT_LOSS);
  assert.equal(sk.snd_ssthresh, 15);
  assert.equal(dctcp_ca(sk).loss_cwnd, 30);
  sk.snd_cwnd = 1;
  assert.equal(dctcp_cwnd_undo(sk), 30);
});

test("dctcp_ece_ack_update: ECE follows the CE state; a flip with a delayed ACK pending first ACKs prior_rcv_nxt with the old state", () => {
  const sk = dctcpSock();
  // Packet 1 (not CE), no ACK pending: nothing sent, rcv_nxt remembered.
  sk.rcv_nxt = 1448;
  dctcp_cwnd_event(sk, CA_EVENT_ECN_NO_CE);
  assert.deepEqual(sk.sent, []);
  assert.equal(sk.icsk_ack_pending, 0);
  // Packet 2 is CE while packet 1's ACK is delayed: ACK 1448 without ECE, then ACK now with ECE.
  sk.rcv_nxt = 2896;
  sk.icsk_ack_pending = ICSK_ACK_TIMER;
  dctcp_cwnd_event(sk, CA_EVENT_ECN_IS_CE);
  assert.deepEqual(sk.sent, [1448, 0]);
  assert.equal(sk.icsk_ack_pending, ICSK_ACK_TIMER | ICSK_ACK_NOW);
  assert.equal(sk.ecn_flags & TCP_ECN_DEMAND_CWR, TCP_ECN_DEMAND_CWR);
  assert.equal(dctcp_ca(sk).ce_state, 1);
  assert.equal(dctcp_ca(sk).prior_rcv_nxt, 2896);
  // Packet 3 CE again: no change of state, nothing sent.
  sk.rcv_nxt = 4344;
  sk.icsk_ack_pending = ICSK_ACK_TIMER;
  dctcp_cwnd_event(sk, CA_EVENT_ECN_IS_CE);
  assert.deepEqual(sk.sent, [1448, 0]);
  assert.equal(sk.icsk_ack_pending, ICSK_ACK_TIMER);
  // Packet 4 not CE with an ACK pending: ACK 4344 with ECE (the old state), then ECE off.
  sk.rcv_nxt = 5792;
  dctcp_cwnd_event(sk, CA_EVENT_ECN_NO_CE);
  assert.deepEqual(sk.sent, [1448, 0, 4344, 1]);
  assert.equal(sk.ecn_flags & TCP_ECN_DEMAND_CWR, 0);
  // A flip without a pending delayed ACK: no extra ACK, only ACK-now.
  sk.icsk_ack_pending = 0;
  dctcp_cwnd_event(sk, CA_EVENT_ECN_IS_CE);
  assert.deepEqual(sk.sent, [1448, 0, 4344, 1]);
  assert.equal(sk.icsk_ack_pending, ICSK_ACK_NOW);
});

test("dctcp_init: without ECN on a connected socket the socket runs dctcp-reno, whose get_info reports dctcp disabled", () => {
  const ops = createDctcp();
  assert.equal(ops.flags, TCP_CONG_NEEDS_ECN);
  const sk = Object.assign(new TestSock({ snd_cwnd: 20 }), { ecn_flags: 0, sk_state: TCP_ESTABLISHED, icsk_ca_ops: ops });
  dctcp_init(sk);
  assert.equal(sk.icsk_ca_ops.name, "dctcp-reno");
  assert.equal(sk.icsk_ca_ops.flags & TCP_CONG_NEEDS_ECN, 0, "dctcp-reno does not ask for ECN");
  assert.equal(sk.icsk_ca_ops.ssthresh?.(sk), 10, "Reno's halving");
  assert.deepEqual(dctcp_get_info(sk, 1 << (INET_DIAG_DCTCPINFO - 1))?.dctcp.dctcp_enabled, 0);
  // A listener keeps dctcp even without ECN (its children negotiate).
  const l = Object.assign(new TestSock(), { ecn_flags: 0, sk_state: 10, icsk_ca_ops: ops });
  dctcp_init(l);
  assert.equal(l.icsk_ca_ops, ops);
});

test("dctcp_get_info: alpha, CE state and the window's marked / delivered bytes (mss_cache x packets); nothing for other attributes", () => {
  const sk = dctcpSock();
  sk.mss_cache = 1448;
  sk.delivered = 12;
  sk.delivered_ce = 3;
  const info = dctcp_get_info(sk, 1 << (INET_DIAG_DCTCPINFO - 1));
  assert.deepEqual(info, { attr: INET_DIAG_DCTCPINFO, dctcp: { dctcp_enabled: 1, dctcp_ce_state: 0, dctcp_alpha: 1024, dctcp_ab_ecn: 3 * 1448, dctcp_ab_tot: 12 * 1448 } });
  assert.equal(dctcp_get_info(sk, 1 << 1)?.attr, undefined);
  assert.equal(dctcp_get_info(sk, 1 << (3 - 1))?.attr, INET_DIAG_DCTCPINFO, "asked as VEGASINFO, answered as DCTCPINFO");
});
