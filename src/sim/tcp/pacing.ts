/**
 * @fileoverview Pacing as the TCP stack does it (net/ipv4/tcp_output.c,
 * tcp_input.c), for the sender of the testbed:
 *
 * - the pacing rate every socket gets when its CA does not set one itself
 *   (tcp_update_pacing_rate: cwnd × mss / srtt, at 200 % in slow start and
 *   120 % after, net.ipv4.tcp_pacing_ss_ratio / tcp_pacing_ca_ratio);
 * - earliest departure time (EDT): each packet moves tcp_wstamp_ns on by its
 *   length at sk_pacing_rate (tcp_update_skb_after_send), the first ten data
 *   segments excepted, with up to half a packet's time of credit when the
 *   sender was late;
 * - internal pacing, used when the CA asks for pacing (SK_PACING_NEEDED) and
 *   no qdisc paces: the per-socket pacing timer holds the next packet until
 *   tcp_wstamp_ns (tcp_pacing_check). Under an fq qdisc (SK_PACING_FQ) TCP
 *   does not hold packets; the qdisc releases each at its EDT stamp.
 */
import { SK_PACING_NEEDED } from "../../uapi/tcp-cc.js";
import type { SenderCtx } from "./ctx.js";

import { PACING_RATE_UNLIMITED } from "../../uapi/tcp-pacing.js";

export { PACING_RATE_UNLIMITED, TCP_PACING_CA_RATIO, TCP_PACING_SS_RATIO, tcpUpdatePacingRate } from "../../uapi/tcp-pacing.js";

/** Data segments sent before pacing applies (tcp_update_skb_after_send: data_segs_out >= 10, as sch_fq's initial quantum). */
const PACING_AFTER_SEGS = 10;

/** tcp_needs_internal_pacing(): the CA asked for pacing and no qdisc (fq) took it over. */
export function tcpNeedsInternalPacing(ctx: SenderCtx): boolean {
  return (ctx.tcb.sk.sk_pacing_status ?? 0) === SK_PACING_NEEDED;
}

/** tcp_pacing_check(): true (and the pacing timer armed for tcp_wstamp_ns) when the pacer holds the next packet. */
export function tcpPacingCheck(ctx: SenderCtx): boolean {
  const tcb = ctx.tcb;
  if (!tcpNeedsInternalPacing(ctx)) return false;
  const wstamp = tcb.paceNext;
  if (wstamp <= ctx.nowNs) return false;
  ctx.setPaceTimer(wstamp);
  return true;
}

/**
 * __tcp_transmit_skb's EDT stamp: tcp_wstamp_ns moves up to now (the clock
 * cache) if it is behind. Returns the prior tcp_wstamp_ns.
 */
export function tcpWstampBeforeSend(ctx: SenderCtx): number {
  const tcb = ctx.tcb;
  const prior = tcb.paceNext;
  if (prior < ctx.nowNs) tcb.paceNext = ctx.nowNs;
  return prior;
}

/**
 * tcp_update_skb_after_send(): with pacing (internal or fq), tcp_wstamp_ns
 * advances by the packet's payload time at sk_pacing_rate, less up to half of
 * it as credit for time the sender was late (prior stamp behind the clock).
 */
export function tcpUpdateAfterSend(ctx: SenderCtx, payloadBytes: number, priorWstamp: number): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  if ((sk.sk_pacing_status ?? 0) === 0) return;
  const rate = sk.sk_pacing_rate;
  if (rate !== 0 && rate < PACING_RATE_UNLIMITED && tcb.segsOut >= PACING_AFTER_SEGS) {
    let lenNs = Math.floor((payloadBytes * 1e9) / rate);
    const credit = tcb.paceNext - priorWstamp;
    lenNs -= Math.min(Math.floor(lenNs / 2), credit);
    tcb.paceNext = tcb.paceNext + lenNs;
  }
}

