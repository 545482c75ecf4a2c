/**
 * @fileoverview Loss detection and recovery, and the congestion-window
 * reductions around them, following net/ipv4/tcp_input.c and
 * net/ipv4/tcp_recovery.c (Linux 6.x, SACK connections):
 *
 * - loss detection by RACK (tcp_rack_detect_loss): a segment is lost once a
 *   segment sent after it was delivered and an RTT (plus a reordering window
 *   of min_rtt/4, zero once three segments are SACKed or in recovery) has
 *   passed since it was sent;
 * - the CA state machine of tcp_fastretrans_alert (Open, Disorder, CWR,
 *   Recovery, Loss) with set_state on every transition;
 * - PRR (RFC 6937) in tcp_cwnd_reduction, ssthresh() at the start of a
 *   reduction (tcp_init_cwnd_reduction), COMPLETE_CWR at its end;
 * - undo (tcp_undo_cwnd_reduction calling undo_cwnd) when D-SACKs show every
 *   retransmission was unnecessary or a timestamp echo shows the original
 *   arrived (tcp_packet_delayed);
 * - RTO recovery (tcp_enter_loss): ssthresh(), CA_EVENT_LOSS, cwnd =
 *   in-flight + 1, every un-SACKed segment marked lost.
 */
import {
  CA_EVENT_COMPLETE_CWR, CA_EVENT_LOSS, TCP_CA_CWR, TCP_CA_Disorder, TCP_CA_Loss, TCP_CA_Open, TCP_CA_Recovery,
  TCP_INFINITE_SSTHRESH,
} from "../../uapi/tcp-cc.js";
import type { SenderCtx } from "./ctx.js";
import { FLAG_ECE, FLAG_LOST_RETRANS, FLAG_SET_XMIT_TIMER, FLAG_SND_UNA_ADVANCED } from "./flags.js";
import { caSsthresh, caUndoCwnd, tcpCaEvent, tcpSetCaState } from "./hooks.js";
import { EVER_RETRANS, LOST, SACKED_ACKED, SACKED_RETRANS, TX_TIME } from "./tcb.js";
import { tcpRackArmReoTimer } from "./xmit-timer.js";

/** rexmit decisions of tcp_ack (REXMIT_*). */
export const REXMIT_NONE = 0;
export const REXMIT_LOST = 1;

/** tcp_set_ca_state() for the sender, with the trace record. */
export function setState(ctx: SenderCtx, s: number): void {
  tcpSetCaState(ctx.tcb.sk, ctx, s, (a, b) => ctx.caStateChanged(a, b));
  ctx.tcb.icsk_ca_state = ctx.tcb.sk.icsk_ca_state;
}

/** tcp_in_cwnd_reduction(): CWR or Recovery. */
export function tcpInCwndReduction(ctx: SenderCtx): boolean {
  const s = ctx.tcb.icsk_ca_state;
  return s === TCP_CA_CWR || s === TCP_CA_Recovery;
}

/** tcp_current_ssthresh(). */
function tcpCurrentSsthresh(ctx: SenderCtx): number {
  const sk = ctx.tcb.sk;
  if (tcpInCwndReduction(ctx)) return sk.snd_ssthresh;
  const c = sk.snd_cwnd;
  return Math.max(sk.snd_ssthresh, (c >>> 1) + (c >>> 2));
}

/** tcp_init_cwnd_reduction(): remember the window, ask the CA for ssthresh, start PRR. */
export function tcpInitCwndReduction(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  tcb.high_seq = tcb.nxt;
  tcb.tlpHighSeq = -1;
  sk.snd_cwnd_cnt = 0;
  sk.prior_cwnd = sk.snd_cwnd;
  tcb.prr_delivered = 0;
  tcb.prr_out = 0;
  // ssthresh: called from tcp_init_cwnd_reduction (tcp_enter_cwr, tcp_enter_recovery).
  sk.snd_ssthresh = caSsthresh(sk, ctx);
  if (tcb.ecnOk) tcb.queueCwr = true; // tcp_ecn_queue_cwr
}

/**
 * tcp_cwnd_reduction(): Proportional Rate Reduction (RFC 6937): while in
 * flight is above ssthresh, send prr_delivered·ssthresh/prior_cwnd − prr_out;
 * below it, slow-start back up (at most ssthresh − in_flight).
 */
export function tcpCwndReduction(ctx: SenderCtx, newlyAckedSacked: number, newlyLost: number, flag: number): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  if (newlyAckedSacked <= 0 || sk.prior_cwnd === 0) return;
  const inflight = tcb.inFlight();
  const delta = sk.snd_ssthresh - inflight;
  tcb.prr_delivered += newlyAckedSacked;
  let sndcnt: number;
  if (delta < 0) {
    const dividend = sk.snd_ssthresh * tcb.prr_delivered + sk.prior_cwnd - 1;
    sndcnt = Math.floor(dividend / sk.prior_cwnd) - tcb.prr_out;
  } else {
    sndcnt = Math.max(tcb.prr_delivered - tcb.prr_out, newlyAckedSacked);
    if (flag & FLAG_SND_UNA_ADVANCED && newlyLost === 0) sndcnt++;
    sndcnt = Math.min(delta, sndcnt);
  }
  // Force a fast retransmit upon entering fast recovery.
  sndcnt = Math.max(sndcnt, tcb.prr_out !== 0 ? 0 : 1);
  sk.snd_cwnd = inflight + sndcnt;
}

/** tcp_end_cwnd_reduction(): cwnd = ssthresh after CWR/Recovery (unless undone); COMPLETE_CWR. */
export function tcpEndCwndReduction(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  if (sk.ca.cong_control !== undefined) return;
  if (sk.snd_ssthresh < TCP_INFINITE_SSTHRESH && (tcb.icsk_ca_state === TCP_CA_CWR || tcb.undo_marker >= 0)) {
    sk.snd_cwnd = sk.snd_ssthresh;
    tcb.snd_cwnd_stamp = sk.jiffies32;
  }
  // cwnd_event(CA_EVENT_COMPLETE_CWR): tcp_end_cwnd_reduction.
  tcpCaEvent(sk, ctx, CA_EVENT_COMPLETE_CWR);
}

/** tcp_enter_cwr(): an ECN echo (or local congestion) starts a reduction without loss. */
export function tcpEnterCwr(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  sk.prior_ssthresh = 0;
  if (tcb.icsk_ca_state < TCP_CA_CWR) {
    tcb.undo_marker = -1;
    tcpInitCwndReduction(ctx);
    setState(ctx, TCP_CA_CWR);
  }
}

/** tcp_any_retrans_done(). */
function tcpAnyRetransDone(ctx: SenderCtx): boolean {
  const tcb = ctx.tcb;
  if (tcb.retrans_out !== 0) return true;
  return tcb.una < tcb.nxt && ((tcb.flags[tcb.una & tcb.mask] as number) & EVER_RETRANS) !== 0;
}

/** tcp_try_keep_open(): Open, or Disorder while SACKed/lost/retransmitted segments are out. */
export function tcpTryKeepOpen(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  let state = TCP_CA_Open;
  if (tcb.sacked_out + tcb.lost_out !== 0 || tcb.retrans_out !== 0) state = TCP_CA_Disorder;
  if (tcb.icsk_ca_state !== state) {
    setState(ctx, state);
    ctx.tcb.high_seq = ctx.tcb.nxt;
  }
}

/** tcp_try_to_open(). */
export function tcpTryToOpen(ctx: SenderCtx, flag: number): void {
  if (!tcpAnyRetransDone(ctx)) ctx.tcb.retrans_stamp = 0;
  if (flag & FLAG_ECE) tcpEnterCwr(ctx);
  if (ctx.tcb.icsk_ca_state !== TCP_CA_CWR) tcpTryKeepOpen(ctx);
}

/** tcp_init_undo(): remember where this episode starts, for a later undo. */
function tcpInitUndo(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  tcb.undo_marker = tcb.una;
  tcb.undo_retrans = tcb.retrans_out !== 0 ? tcb.retrans_out : -1;
}

/** tcp_enter_recovery(): fast recovery starts. */
export function tcpEnterRecovery(ctx: SenderCtx, eceAck: boolean): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  ctx.count("recovery");
  sk.prior_ssthresh = 0;
  tcpInitUndo(ctx);
  if (!tcpInCwndReduction(ctx)) {
    if (!eceAck) sk.prior_ssthresh = tcpCurrentSsthresh(ctx);
    tcpInitCwndReduction(ctx);
  }
  // set_state(TCP_CA_Recovery): tcp_enter_recovery, after ssthresh.
  setState(ctx, TCP_CA_Recovery);
}

/** Marks segment `seg` lost (tcp_mark_skb_lost). */
export function tcpMarkSkbLost(ctx: SenderCtx, seg: number): void {
  const tcb = ctx.tcb;
  const i = seg & tcb.mask;
  const f = tcb.flags[i] as number;
  if (f & SACKED_ACKED) return;
  if (f & LOST) {
    if (f & SACKED_RETRANS) {
      tcb.flags[i] = f & ~SACKED_RETRANS;
      tcb.retrans_out = tcb.retrans_out - 1;
      tcb.lost++;
    }
  } else {
    tcb.lost_out = tcb.lost_out + 1;
    tcb.flags[i] = f | LOST;
    tcb.lost++;
  }
  if (seg < tcb.rtxHint) tcb.rtxHint = seg;
}

/** tcp_rack_reo_wnd(): 0 once recovery is under way or three segments are SACKed, else min_rtt/4 (ns). */
function rackReoWndNs(ctx: SenderCtx): number {
  const tcb = ctx.tcb;
  if (tcb.icsk_ca_state >= TCP_CA_Recovery || tcb.sacked_out >= tcb.reordering) return 0;
  return Math.min(Math.floor(tcb.minRttUs / 4), tcb.srtt_us >>> 3) * 1000;
}

/** tcp_rack_advance(): segment `seg` (sent at `txNs`) was delivered. */
export function tcpRackAdvance(ctx: SenderCtx, seg: number, txNs: number, retransmitted: boolean): void {
  const tcb = ctx.tcb;
  const rttUs = (ctx.nowNs - txNs) / 1000;
  // An ambiguous (retransmitted) delivery faster than min_rtt may be the original's: ignore it.
  if (retransmitted && rttUs < tcb.minRttUs) return;
  tcb.rackRttUs = rttUs;
  if (txNs > tcb.rackXmitNs || (txNs === tcb.rackXmitNs && seg > tcb.rackSeg)) {
    tcb.rackXmitNs = txNs;
    tcb.rackSeg = seg;
  }
}

/**
 * tcp_rack_mark_lost() / tcp_rack_detect_loss(): marks every segment sent
 * before the most recently sent delivered one, and older than RACK's RTT
 * plus the reordering window, lost. Returns whether any was marked.
 */
export function tcpRackMarkLost(ctx: SenderCtx): boolean {
  const tcb = ctx.tcb;
  rackReoRemainingNs = 0;
  if (tcb.rackXmitNs < 0) return false;
  const limit = tcb.rackRttUs * 1000 + rackReoWndNs(ctx);
  const now = ctx.nowNs;
  let marked = false;
  // Never-retransmitted segments are in send order = sequence order.
  let s = Math.max(tcb.rackScan, tcb.una);
  for (; s < tcb.nxt; s++) {
    const i = s & tcb.mask;
    const f = tcb.flags[i] as number;
    if (f & (SACKED_ACKED | EVER_RETRANS | LOST)) continue;
    const t = tcb.tx[tcb.txAt(s) + TX_TIME] as number;
    if (!(t < tcb.rackXmitNs || (t === tcb.rackXmitNs && s < tcb.rackSeg))) break;
    if (now - t < limit) {
      // Not yet: the longest wait among the segments sent before RACK's (the last of them) arms the reordering timer.
      for (let w = s; w < tcb.nxt; w++) {
        const fw = tcb.flags[w & tcb.mask] as number;
        if (fw & (SACKED_ACKED | EVER_RETRANS | LOST)) continue;
        const tw = tcb.tx[tcb.txAt(w) + TX_TIME] as number;
        if (!(tw < tcb.rackXmitNs || (tw === tcb.rackXmitNs && w < tcb.rackSeg))) break;
        rackReoRemainingNs = Math.max(rackReoRemainingNs, tw + limit - now);
      }
      break;
    }
    tcpMarkSkbLost(ctx, s);
    marked = true;
  }
  tcb.rackScan = s;
  // Retransmissions, in the order they were sent.
  const fifo = tcb.rtxFifo;
  const times = tcb.rtxFifoTimes;
  while (tcb.rtxFifoHead < fifo.length) {
    const seg = fifo[tcb.rtxFifoHead] as number;
    const t = times[tcb.rtxFifoHead] as number;
    const i = seg & tcb.mask;
    const f = tcb.flags[i] as number;
    if (seg < tcb.una || (tcb.tx[tcb.txAt(seg) + TX_TIME] as number) !== t || !(f & SACKED_RETRANS) || (f & SACKED_ACKED)) {
      tcb.rtxFifoHead++;
      continue;
    }
    if (!(t < tcb.rackXmitNs || (t === tcb.rackXmitNs && seg < tcb.rackSeg))) break;
    if (now - t < limit) {
      rackReoRemainingNs = Math.max(rackReoRemainingNs, t + limit - now);
      break;
    }
    tcpMarkSkbLost(ctx, seg);
    marked = true;
    tcb.rtxFifoHead++;
  }
  if (tcb.rtxFifoHead > 4096 && tcb.rtxFifoHead * 2 > fifo.length) {
    fifo.splice(0, tcb.rtxFifoHead);
    times.splice(0, tcb.rtxFifoHead);
    tcb.rtxFifoHead = 0;
  }
  return marked;
}

/** How long the last tcpRackMarkLost() found a segment still within RACK's window (ns), 0 when none. */
let rackReoRemainingNs = 0;

/**
 * tcp_identify_packet_loss(): RACK; flags a lost retransmission. A segment
 * RACK must still wait for arms the reordering timer (tcp_rack_mark_lost),
 * which this ACK's timer update then leaves alone.
 */
function tcpIdentifyPacketLoss(ctx: SenderCtx, flag: { v: number }): void {
  const tcb = ctx.tcb;
  if (tcb.una >= tcb.nxt) return;
  const priorRetrans = tcb.retrans_out;
  tcpRackMarkLost(ctx);
  if (rackReoRemainingNs > 0) {
    tcpRackArmReoTimer(ctx, rackReoRemainingNs);
    flag.v &= ~FLAG_SET_XMIT_TIMER;
  }
  if (priorRetrans > tcb.retrans_out) flag.v |= FLAG_LOST_RETRANS;
}

/** tcp_packet_delayed(): the ACK echoes a timestamp older than our first retransmission. */
function tcpPacketDelayed(ctx: SenderCtx, tsecr: number): boolean {
  const tcb = ctx.tcb;
  return tcb.retrans_stamp !== 0 && tsecr !== 0 && tsecr < tcb.retrans_stamp;
}

/** tcp_may_undo(). */
function tcpMayUndo(ctx: SenderCtx, tsecr: number): boolean {
  const tcb = ctx.tcb;
  return tcb.undo_marker >= 0 && (tcb.undo_retrans === 0 || tcpPacketDelayed(ctx, tsecr));
}

/** tcp_undo_cwnd_reduction(): restore the window through undo_cwnd() and ssthresh from prior_ssthresh. */
export function tcpUndoCwndReduction(ctx: SenderCtx, unmarkLoss: boolean): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  ctx.count("undo");
  if (unmarkLoss) {
    for (let s = tcb.una; s < tcb.nxt; s++) {
      const i = s & tcb.mask;
      tcb.flags[i] = (tcb.flags[i] as number) & ~LOST;
    }
    tcb.lost_out = 0;
    tcb.rackScan = tcb.una;
    tcb.rtxHint = tcb.una;
  }
  if (sk.prior_ssthresh !== 0) {
    // undo_cwnd: tcp_undo_cwnd_reduction.
    sk.snd_cwnd = caUndoCwnd(sk, ctx);
    if (sk.prior_ssthresh > sk.snd_ssthresh) {
      sk.snd_ssthresh = sk.prior_ssthresh;
      tcb.queueCwr = false; // tcp_ecn_withdraw_cwr
    }
  }
  tcb.snd_cwnd_stamp = sk.jiffies32;
  tcb.undo_marker = -1;
}

/** tcp_try_undo_recovery(): at the end of Recovery/Loss. Returns true to hold the state (never for SACK). */
function tcpTryUndoRecovery(ctx: SenderCtx, tsecr: number): boolean {
  if (tcpMayUndo(ctx, tsecr)) tcpUndoCwndReduction(ctx, false);
  setState(ctx, TCP_CA_Open);
  return false;
}

/** tcp_try_undo_dsack(): D-SACKs covered every retransmission. */
function tcpTryUndoDsack(ctx: SenderCtx): boolean {
  const tcb = ctx.tcb;
  if (tcb.undo_marker >= 0 && tcb.undo_retrans === 0) {
    tcpUndoCwndReduction(ctx, false);
    return true;
  }
  return false;
}

/** tcp_try_undo_partial(): a hole was filled by a delayed original during recovery. */
function tcpTryUndoPartial(ctx: SenderCtx, tsecr: number): boolean {
  const tcb = ctx.tcb;
  if (tcb.undo_marker >= 0 && tcpPacketDelayed(ctx, tsecr)) {
    if (tcb.retrans_out !== 0) return true;
    if (!tcpAnyRetransDone(ctx)) tcb.retrans_stamp = 0;
    tcpUndoCwndReduction(ctx, true);
    tcpTryKeepOpen(ctx);
  }
  return false;
}

/** tcp_try_undo_loss(): the RTO was spurious (timestamps or D-SACK). */
function tcpTryUndoLoss(ctx: SenderCtx, tsecr: number): boolean {
  if (tcpMayUndo(ctx, tsecr)) {
    tcpUndoCwndReduction(ctx, true);
    ctx.tcb.icsk_retransmits = 0;
    setState(ctx, TCP_CA_Open);
    return true;
  }
  return false;
}

/** tcp_time_to_recover() with RACK: some segment is marked lost. */
function tcpTimeToRecover(ctx: SenderCtx): boolean {
  return ctx.tcb.lost_out !== 0;
}

/**
 * tcp_fastretrans_alert(): the CA state machine for a dubious ACK
 * (duplicate, SACK, ECE, D-SACK, or any ACK outside Open). Returns the
 * rexmit decision; `flag.v` may gain FLAG_LOST_RETRANS.
 */
export function tcpFastretransAlert(ctx: SenderCtx, priorUna: number, numDupack: number, flag: { v: number }, tsecr: number): number {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  const eceAck = (flag.v & FLAG_ECE) !== 0;
  if (tcb.packets_out === 0 && tcb.sacked_out !== 0) tcb.sacked_out = 0;
  // A. ECE: the reduction is required, no undo.
  if (eceAck) sk.prior_ssthresh = 0;
  // D. State exit when high_seq is ACKed.
  if (tcb.icsk_ca_state === TCP_CA_Open) {
    tcb.retrans_stamp = 0;
  } else if (tcb.una >= tcb.high_seq) {
    switch (tcb.icsk_ca_state) {
      case TCP_CA_CWR:
        // Hold CWR until something above high_seq is ACKed (the CWR bit reached the receiver).
        if (tcb.una !== tcb.high_seq) {
          tcpEndCwndReduction(ctx);
          setState(ctx, TCP_CA_Open);
        }
        break;
      case TCP_CA_Recovery:
        if (tcpTryUndoRecovery(ctx, tsecr)) return REXMIT_NONE;
        tcpEndCwndReduction(ctx);
        break;
    }
  }
  // E. Process the state.
  switch (tcb.icsk_ca_state) {
    case TCP_CA_Recovery: {
      if (flag.v & FLAG_SND_UNA_ADVANCED) {
        if (tcpTryUndoPartial(ctx, tsecr)) return REXMIT_NONE;
      }
      if (tcpTryUndoDsack(ctx)) tcpTryToOpen(ctx, flag.v);
      tcpIdentifyPacketLoss(ctx, flag);
      if (tcb.icsk_ca_state !== TCP_CA_Recovery) {
        if (!tcpTimeToRecover(ctx)) return REXMIT_NONE;
        tcpEnterRecovery(ctx, eceAck);
      }
      break;
    }
    case TCP_CA_Loss: {
      tcpProcessLoss(ctx, flag.v, tsecr);
      tcpIdentifyPacketLoss(ctx, flag);
      if (!((tcb.icsk_ca_state as number) === TCP_CA_Open || flag.v & FLAG_LOST_RETRANS)) return REXMIT_LOST;
      return openOrDisorder(ctx, flag, eceAck);
    }
    default:
      return openOrDisorder(ctx, flag, eceAck);
  }
  void priorUna;
  void numDupack;
  return REXMIT_LOST;
}

function openOrDisorder(ctx: SenderCtx, flag: { v: number }, eceAck: boolean): number {
  const tcb = ctx.tcb;
  if (tcb.icsk_ca_state <= TCP_CA_Disorder) tcpTryUndoDsack(ctx);
  tcpIdentifyPacketLoss(ctx, flag);
  if (!tcpTimeToRecover(ctx)) {
    tcpTryToOpen(ctx, flag.v);
    return REXMIT_NONE;
  }
  tcpEnterRecovery(ctx, eceAck);
  return REXMIT_LOST;
}

/** tcp_process_loss() without F-RTO: undo if spurious, leave Loss once high_seq is ACKed. */
function tcpProcessLoss(ctx: SenderCtx, flag: number, tsecr: number): void {
  const tcb = ctx.tcb;
  const recovered = tcb.una >= tcb.high_seq;
  if (flag & FLAG_SND_UNA_ADVANCED && tcpTryUndoLoss(ctx, tsecr)) return;
  if (recovered) tcpTryUndoRecovery(ctx, tsecr);
}

/**
 * tcp_enter_loss(): the retransmission timer expired. Marks un-SACKed
 * segments lost, asks ssthresh() (unless already reduced in this window),
 * signals CA_EVENT_LOSS, sets cwnd to in-flight + 1 and enters Loss.
 */
export function tcpEnterLoss(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  // tcp_timeout_mark_lost.
  for (let s = tcb.una; s < tcb.nxt; s++) tcpMarkSkbLost(ctx, s);
  tcb.rtxHint = tcb.una;
  const st = tcb.icsk_ca_state;
  if (st <= TCP_CA_Disorder || tcb.high_seq <= tcb.una || (st === TCP_CA_Loss && tcb.icsk_retransmits === 0)) {
    sk.prior_ssthresh = tcpCurrentSsthresh(ctx);
    sk.prior_cwnd = sk.snd_cwnd;
    // ssthresh then cwnd_event(CA_EVENT_LOSS): tcp_enter_loss.
    sk.snd_ssthresh = caSsthresh(sk, ctx);
    tcpCaEvent(sk, ctx, CA_EVENT_LOSS);
    tcpInitUndo(ctx);
  }
  sk.snd_cwnd = tcb.inFlight() + 1;
  sk.snd_cwnd_cnt = 0;
  tcb.snd_cwnd_stamp = sk.jiffies32;
  // set_state(TCP_CA_Loss): tcp_enter_loss.
  setState(ctx, TCP_CA_Loss);
  tcb.high_seq = tcb.nxt;
  if (tcb.ecnOk) tcb.queueCwr = true;
}
