/**
 * @fileoverview The sending side, as net/ipv4/tcp_output.c: tcp_write_xmit
 * (new data while in-flight < cwnd, with internal pacing when the CA asks
 * for it through sk_pacing_status = SK_PACING_NEEDED), the lost-segment
 * retransmission queue (tcp_xmit_retransmit_queue), tcp_event_data_sent
 * (CA_EVENT_TX_START), the idle restart (tcp_cwnd_restart,
 * CA_EVENT_CWND_RESTART) and cwnd validation (is_cwnd_limited,
 * max_packets_out).
 *
 * Under an fq qdisc (fq.ts) packets are stamped with their departure time
 * and TCP Small Queues bounds how far ahead the writer runs.
 *
 * One packet per segment: no TSO/GSO bursts.
 */
import { CA_EVENT_CWND_RESTART, CA_EVENT_TX_START } from "../../uapi/tcp-cc.js";
import type { SenderCtx } from "./ctx.js";
import { tsNow } from "./ctx.js";
import { tcpCaEvent } from "./hooks.js";
import { tcpInCwndReduction } from "./recovery.js";
import { tcpRateSkbSent } from "./rate.js";
import { EVER_RETRANS, ICSK_TIME_LOSS_PROBE, LOST, SACKED_ACKED, SACKED_RETRANS, TX_TIME } from "./tcb.js";
import { JIFFY_NS, tcpRearmRto } from "./rtt.js";
import { tcpScheduleLossProbe } from "./xmit-timer.js";
import { tcpPacingCheck, tcpUpdateAfterSend, tcpWstampBeforeSend } from "./pacing.js";
import { SK_PACING_SHIFT, SKB_TRUESIZE_OVERHEAD } from "./fq.js";

/**
 * tcp_small_queue_check() under fq (fq.ts): whether TSQ stops the writer
 * before segment `seg` (factor 1 for a retransmission). Without fq nothing
 * waits in a qdisc and it never stops.
 */
function tcpSmallQueueCheck(ctx: SenderCtx, seg: number, factor: 0 | 1): boolean {
  const fq = ctx.fq;
  if (fq === null) return false;
  const sk = ctx.tcb.sk;
  return fq.smallQueueCheck(sk.sk_pacing_rate, sk.sk_pacing_shift ?? SK_PACING_SHIFT, ctx.tcb.segBytes(seg) + SKB_TRUESIZE_OVERHEAD, ctx.tcb.packets_out, factor);
}

/** tcp_event_data_sent(): TX_START when nothing was in flight; lsndtime. */
function tcpEventDataSent(ctx: SenderCtx): void {
  const sk = ctx.tcb.sk;
  // cwnd_event(CA_EVENT_TX_START): tcp_event_data_sent, first packet after idle.
  if (ctx.tcb.inFlight() === 0) tcpCaEvent(sk, ctx, CA_EVENT_TX_START);
  sk.lsndtime = sk.jiffies32;
  ctx.tcb.lsndtimeNs = ctx.nowNs;
}

/**
 * tcp_slow_start_after_idle_check() → tcp_cwnd_restart(): after an idle
 * period longer than the RTO, cwnd shrinks (halved per RTO idle, not below
 * the initial window) and CA_EVENT_CWND_RESTART is signalled.
 */
function tcpSlowStartAfterIdleCheck(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  if (tcb.packets_out !== 0 || sk.ca.cong_control !== undefined || tcb.lsndtimeNs < 0) return;
  let delta = Math.floor((ctx.nowNs - tcb.lsndtimeNs) / JIFFY_NS) * JIFFY_NS;
  if (delta <= tcb.rtoNs) return;
  // cwnd_event(CA_EVENT_CWND_RESTART): tcp_cwnd_restart.
  tcpCaEvent(sk, ctx, CA_EVENT_CWND_RESTART);
  const c0 = sk.snd_cwnd;
  sk.snd_ssthresh = Math.max(sk.snd_ssthresh, (c0 >>> 1) + (c0 >>> 2));
  const restart = Math.min(10, c0);
  let cwnd = c0;
  while ((delta -= tcb.rtoNs) > 0 && cwnd > restart) cwnd >>>= 1;
  sk.snd_cwnd = Math.max(cwnd, restart);
  tcb.snd_cwnd_stamp = sk.jiffies32;
  tcb.snd_cwnd_used = 0;
}

/** tcp_cwnd_validate(): track whether the window was used (is_cwnd_limited, max_packets_out). */
function tcpCwndValidate(ctx: SenderCtx, isCwndLimited: boolean): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  if (tcb.una >= tcb.cwnd_usage_seq || isCwndLimited || (sk.is_cwnd_limited === 0 && tcb.packets_out > sk.max_packets_out)) {
    sk.is_cwnd_limited = isCwndLimited ? 1 : 0;
    sk.max_packets_out = tcb.packets_out;
    tcb.cwnd_usage_seq = tcb.nxt;
  }
}

/** Sends segment `seg` (new or retransmitted): timestamps, rate snapshot, the wire. */
function transmitSeg(ctx: SenderCtx, seg: number, retrans: boolean): void {
  const tcb = ctx.tcb;
  tcpEventDataSent(ctx);
  // skb_mstamp_ns: under fq the packet's EDT stamp (it leaves the qdisc then); otherwise now.
  const stampNs = ctx.fq === null ? ctx.nowNs : Math.max(tcb.paceNext, ctx.nowNs);
  tcpRateSkbSent(ctx, seg, Math.floor(stampNs / 1000));
  tcb.tx[tcb.txAt(seg) + TX_TIME] = stampNs;
  tcb.segsOut++;
  const priorWstamp = tcpWstampBeforeSend(ctx);
  ctx.xmit(seg, retrans);
  tcpUpdateAfterSend(ctx, tcb.segBytes(seg), priorWstamp);
}

/**
 * tcp_xmit_retransmit_queue(): retransmit segments marked lost, in
 * sequence order, while in-flight < cwnd. Returns segments sent.
 */
export function tcpXmitRetransmitQueue(ctx: SenderCtx): number {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  let sent = 0;
  if (tcb.rtxHint < tcb.una) tcb.rtxHint = tcb.una;
  for (let s = tcb.rtxHint; s < tcb.nxt; s++) {
    const i = s & tcb.mask;
    const f = tcb.flags[i] as number;
    if (!(f & LOST) || f & (SACKED_RETRANS | SACKED_ACKED)) {
      if (s === tcb.rtxHint) tcb.rtxHint = s + 1;
      continue;
    }
    if (tcb.inFlight() >= sk.snd_cwnd) break;
    if (tcpPacingCheck(ctx)) break;
    if (tcpSmallQueueCheck(ctx, s, 1)) break;
    tcpRetransmitSkb(ctx, s, f);
    if (s === tcb.una) ctx.setRtoTimer(ctx.nowNs + tcb.rtoNs);
    if (tcpInCwndReduction(ctx)) tcb.prr_out++;
    sent++;
  }
  return sent;
}

/**
 * Retransmits segment `s` (scoreboard flags `f`) and does tcp_retransmit_skb's
 * bookkeeping: TCPCB_RETRANS, retrans_out, total_retrans, retrans_stamp of
 * the episode's first retransmission, undo_retrans (from -1 to 1); and
 * queues it for lost-retransmit detection.
 */
function tcpRetransmitSkb(ctx: SenderCtx, s: number, f: number): void {
  const tcb = ctx.tcb;
  tcb.flags[s & tcb.mask] = f | SACKED_RETRANS | EVER_RETRANS;
  tcb.retrans_out = tcb.retrans_out + 1;
  tcb.retrans++;
  tcb.total_retrans++;
  if (tcb.retrans_stamp === 0) tcb.retrans_stamp = tsNow(ctx);
  if (tcb.undo_retrans < 0) tcb.undo_retrans = 0;
  tcb.undo_retrans++;
  transmitSeg(ctx, s, true);
  tcb.rtxFifo.push(s);
  tcb.rtxFifoTimes.push(ctx.nowNs);
}

/** Retransmits the head unconditionally (tcp_retransmit_skb of the RTO handler). */
export function tcpRetransmitHead(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const s = tcb.una;
  if (s >= tcb.nxt) return;
  const f = tcb.flags[s & tcb.mask] as number;
  if (f & SACKED_RETRANS) return;
  tcpRetransmitSkb(ctx, s, f);
  if (tcb.rtxHint === s) tcb.rtxHint = s + 1;
}

/**
 * __tcp_retransmit_skb() of the loss probe (tcp_send_loss_probe): segment
 * `seg` goes out again without being counted in retrans_out (it is not
 * marked lost), as Linux's probe of the last segment.
 */
export function tcpProbeRetransmit(ctx: SenderCtx, seg: number): void {
  const tcb = ctx.tcb;
  const i = seg & tcb.mask;
  tcb.flags[i] = (tcb.flags[i] as number) | EVER_RETRANS;
  tcb.retrans++;
  if (tcb.retrans_stamp === 0) tcb.retrans_stamp = tsNow(ctx);
  if (tcb.undo_retrans < 0) tcb.undo_retrans = 0;
  tcb.undo_retrans++;
  transmitSeg(ctx, seg, true);
}

/**
 * tcp_write_xmit(): new segments while the window allows (and the pacer),
 * then cwnd validation and PRR accounting, and a loss probe armed for the
 * tail (tcp_schedule_loss_probe). `pushOne` 2 is the loss probe's call:
 * one segment even when cwnd is full, and no probe scheduled. Returns
 * segments sent.
 */
export function tcpWriteXmit(ctx: SenderCtx, pushOne = 0): number {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  let sent = 0;
  let cwndLimited = false;
  if (tcb.nxt < tcb.endSeg && !tcb.appStopped) tcpSlowStartAfterIdleCheck(ctx);
  while (tcb.nxt < tcb.endSeg && !tcb.appStopped) {
    if (tcb.inFlight() >= sk.snd_cwnd && !(pushOne === 2 && sent === 0)) {
      cwndLimited = true;
      break;
    }
    if (tcpPacingCheck(ctx)) break;
    if (tcpSmallQueueCheck(ctx, tcb.nxt, 0)) break;
    const seg = tcb.nxt;
    if (seg - tcb.una >= tcb.cap) tcb.ensure(seg - tcb.una + 1);
    tcb.flags[seg & tcb.mask] = 0;
    const priorPackets = tcb.packets_out;
    transmitSeg(ctx, seg, false);
    if (tcb.queueCwr) tcb.queueCwr = false;
    // tcp_event_new_data_sent.
    tcb.nxt = seg + 1;
    sk.snd_nxt = tcb.seqOf(tcb.nxt);
    tcb.packets_out = priorPackets + 1;
    // tcp_event_new_data_sent: the RTO starts with the first segment out, or replaces a pending loss probe.
    if (priorPackets === 0 || tcb.xmitKind === ICSK_TIME_LOSS_PROBE) tcpRearmRto(ctx);
    sent++;
    if (pushOne !== 0) break;
  }
  // tcp_rate_check_app_limited: the application has nothing more to send.
  if ((tcb.nxt >= tcb.endSeg || tcb.appStopped) && tcb.inFlight() < sk.snd_cwnd && tcb.lost_out <= tcb.retrans_out) {
    tcb.app_limited = tcb.delivered + tcb.inFlight() || 1;
  }
  cwndLimited ||= tcb.inFlight() >= sk.snd_cwnd;
  if (sent > 0 || cwndLimited) tcpCwndValidate(ctx, cwndLimited);
  if (sent > 0 && tcpInCwndReduction(ctx)) tcb.prr_out += sent;
  // One loss probe per tail loss episode.
  if (sent > 0 && pushOne !== 2) tcpScheduleLossProbe(ctx, false);
  return sent;
}
