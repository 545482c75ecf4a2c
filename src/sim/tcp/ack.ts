/**
 * @fileoverview ACK processing, as tcp_ack() in net/ipv4/tcp_input.c
 * (Linux 6.x) orders it, with the hook call sites:
 *
 * 1. SACK tagging (tcp_sacktag_write_queue), D-SACK accounting for undo,
 *    ECE (FLAG_ECE), delivered / delivered_ce counts;
 * 2. tcp_clean_rtx_queue: cumulatively ACKed segments leave, RTT samples
 *    (tcp_ack_update_rtt), RACK, rate bookkeeping, then **pkts_acked**;
 * 3. **in_ack_event** (tcp_in_ack_event);
 * 4. for a dubious ACK, tcp_fastretrans_alert (the CA state machine:
 *    **ssthresh**, **set_state**, **undo_cwnd**, **cwnd_event**);
 * 5. tcp_rate_gen, then tcp_cong_control: **cong_control** when the CA has
 *    it, else PRR in CWR/Recovery or **cong_avoid** when the ACK advanced
 *    snd_una over data (tcp_may_raise_cwnd), then tcp_update_pacing_rate;
 * 6. tcp_xmit_recovery (retransmissions), then new data.
 */
import type { RateSample } from "../../uapi/tcp-cc.js";
import { CA_ACK_ECE, CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, TCP_CA_Open } from "../../uapi/tcp-cc.js";
import type { SenderCtx } from "./ctx.js";
import {
  FLAG_ACK_MAYBE_DELAYED, FLAG_ACKED, FLAG_CA_ALERT, FLAG_DATA_ACKED, FLAG_DATA_SACKED, FLAG_DSACKING_ACK, FLAG_ECE, FLAG_NOT_DUP,
  FLAG_ORIG_SACK_ACKED, FLAG_RETRANS_DATA_ACKED, FLAG_SET_XMIT_TIMER, FLAG_SLOWPATH, FLAG_SND_UNA_ADVANCED,
  FLAG_SYN_ACKED, FLAG_WIN_UPDATE,
} from "./flags.js";
import { caCongAvoid, caCongControl, caInAckEvent, caPktsAcked } from "./hooks.js";
import type { Packet } from "../net/packet.js";
import { TH_ECE } from "../net/packet.js";
import { tcpUpdatePacingRate } from "./pacing.js";
import { resetRateSample, SenderRateSample, tcpRateGen, tcpRateSkbDelivered } from "./rate.js";
import type { RateScratch } from "./rate.js";
import { REXMIT_NONE, tcpCwndReduction, tcpFastretransAlert, tcpInCwndReduction, tcpRackAdvance } from "./recovery.js";
import { tcpAckUpdateRtt } from "./rtt.js";
import { tcpProcessTlpAck, tcpSetXmitTimer } from "./loss-probe.js";
import { tcpWriteXmit, tcpXmitRetransmitQueue } from "./send.js";
import { EVER_RETRANS, LOST, SACKED_ACKED, SACKED_RETRANS, TX_TIME } from "./tcb.js";

const RETRANS_ANY = SACKED_RETRANS | EVER_RETRANS;

/** Per-ACK scratch, reused (no allocation per ACK). */
export class AckScratch {
  readonly rs = new SenderRateSample();
  readonly x: RateScratch = { priorMstampUs: 0, lastEndSeg: -1 };
  readonly flag = { v: 0 };
  readonly sample = { pkts_acked: 0, rtt_us: -1, in_flight: 0 };
  firstSackt = -1;
  lastSackt = -1;
  sackDelivered = 0;
}

/** tcp_sacktag_write_queue(): tag SACKed segments; D-SACK bookkeeping. Returns FLAG_* bits. */
function tcpSacktag(ctx: SenderCtx, p: Packet, priorUna: number, a: AckScratch): number {
  const tcb = ctx.tcb;
  let flag = 0;
  if (p.dsackStart >= 0) {
    // tcp_check_dsack: a duplicate was received; if it was one of our retransmissions, one fewer to prove spurious.
    flag |= FLAG_DSACKING_ACK;
    const e = p.dsackEnd;
    if (tcb.undo_marker >= 0 && tcb.undo_retrans > 0 && e <= priorUna && e > tcb.undo_marker) {
      tcb.undo_retrans = Math.max(0, tcb.undo_retrans - (e - p.dsackStart));
    }
  }
  const n = p.nsack;
  const cache = tcb.sackCache;
  const ncache = tcb.nSackCache;
  const now = ctx.nowNs;
  for (let b = 0; b < n; b++) {
    let s = p.sack[2 * b] as number;
    const e = Math.min(p.sack[2 * b + 1] as number, tcb.nxt);
    const start0 = s;
    for (let c = 0; c < ncache; c++) {
      if (cache[2 * c] === start0) {
        s = Math.max(s, cache[2 * c + 1] as number);
        break;
      }
    }
    if (s < tcb.una) s = tcb.una;
    for (let seg = s; seg < e; seg++) {
      const i = seg & tcb.mask;
      let f = tcb.flags[i] as number;
      if (f & SACKED_ACKED) continue;
      if (f & SACKED_RETRANS) {
        f &= ~SACKED_RETRANS;
        tcb.retrans_out = tcb.retrans_out - 1;
      }
      if (f & LOST) {
        f &= ~LOST;
        tcb.lost_out = tcb.lost_out - 1;
      }
      const tx = tcb.tx[tcb.txAt(seg) + TX_TIME] as number;
      if (!(f & RETRANS_ANY)) {
        if (a.firstSackt < 0) a.firstSackt = tx;
        a.lastSackt = tx;
        if (seg < tcb.high_seq) flag |= FLAG_ORIG_SACK_ACKED;
      }
      f |= SACKED_ACKED;
      tcb.flags[i] = f;
      tcb.sacked_out = tcb.sacked_out + 1;
      a.sackDelivered++;
      flag |= FLAG_DATA_SACKED;
      if (seg + 1 > tcb.highSacked) tcb.highSacked = seg + 1;
      tcpRackAdvance(ctx, seg, tx, (f & RETRANS_ANY) !== 0);
      tcpRateSkbDelivered(ctx, seg, a.rs, a.x);
    }
  }
  for (let b = 0; b < n; b++) {
    cache[2 * b] = p.sack[2 * b] as number;
    cache[2 * b + 1] = p.sack[2 * b + 1] as number;
  }
  tcb.nSackCache = n;
  void now;
  return flag;
}

/**
 * tcp_clean_rtx_queue(): drop segments below `ack`, take RTT samples, and
 * call pkts_acked. Returns FLAG_* bits.
 */
function tcpCleanRtxQueue(ctx: SenderCtx, ack: number, eceAck: boolean, a: AckScratch, tsecr: number): number {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  const now = ctx.nowNs;
  let flag = 0;
  let firstAckt = -1;
  let lastAckt = -1;
  let pktsAcked = 0;
  const priorSacked = tcb.sacked_out;
  const priorBytes = tcb.bytesAcked;
  let sacked = priorSacked;
  const priorLost = tcb.lost_out;
  const priorRetrans = tcb.retrans_out;
  let lost = priorLost;
  let retrans = priorRetrans;
  let newlyDelivered = 0;
  for (let s = tcb.una; s < ack; s++) {
    const i = s & tcb.mask;
    const f = tcb.flags[i] as number;
    const tx = tcb.tx[tcb.txAt(s) + TX_TIME] as number;
    if (f & RETRANS_ANY) {
      if (f & SACKED_RETRANS) retrans--;
      flag |= FLAG_RETRANS_DATA_ACKED;
    } else if (!(f & SACKED_ACKED)) {
      lastAckt = tx;
      if (firstAckt < 0) firstAckt = tx;
      if (s < tcb.high_seq) flag |= FLAG_ORIG_SACK_ACKED;
    }
    if (f & SACKED_ACKED) sacked--;
    else {
      newlyDelivered++;
      tcpRackAdvance(ctx, s, tx, (f & RETRANS_ANY) !== 0);
    }
    if (f & LOST) lost--;
    pktsAcked++;
    tcpRateSkbDelivered(ctx, s, a.rs, a.x);
  }
  if (pktsAcked > 0) {
    // Stored only when changed (each is a store into the socket's bytes): most ACKs change none of the three.
    if (sacked !== priorSacked) tcb.sacked_out = sacked;
    if (lost !== priorLost) tcb.lost_out = lost;
    if (retrans !== priorRetrans) tcb.retrans_out = retrans;
    tcb.packets_out = tcb.packets_out - pktsAcked;
    // tcp_count_delivered for the cumulatively ACKed, not previously SACKed, segments.
    tcb.delivered = tcb.delivered + newlyDelivered;
    if (eceAck) tcb.delivered_ce = tcb.delivered_ce + newlyDelivered;
    const bytes = Math.min(ack, tcb.endSeg) * tcb.mss - (ack >= tcb.endSeg && tcb.lastSegBytes > 0 ? tcb.mss - tcb.lastSegBytes : 0);
    tcb.bytesAcked = bytes;
    tcb.una = ack;
    sk.snd_una = tcb.seqOf(ack);
    if (tcb.highSacked < ack) tcb.highSacked = ack;
    flag |= FLAG_DATA_ACKED;
  }
  // An ACK that only SACKs still gives an RTT sample from the SACKed segments and calls pkts_acked (with 0).
  let seqRtt = -1;
  let caRtt = -1;
  let sackRtt = -1;
  // tcp_stamp_us_delta(tp->tcp_mstamp, tcp_skb_timestamp_us(skb)): both stamps are truncated to µs first.
  // Karn: no sample from the ACKed segments when this ACK also covers a retransmitted one.
  const nowUs = Math.floor(now / 1000);
  if (firstAckt >= 0 && !(flag & FLAG_RETRANS_DATA_ACKED)) {
    seqRtt = nowUs - Math.floor(firstAckt / 1000);
    caRtt = nowUs - Math.floor(lastAckt / 1000);
    // A lone runt segment ACKed on its own: possibly a delayed ACK (whole segments are always "fully acked" here).
    const runt = tcb.bytesAcked - priorBytes < sk.mss_cache;
    if (pktsAcked === 1 && priorSacked === 0 && runt && a.rs.prior_delivered + 1 === tcb.delivered && !(flag & (FLAG_CA_ALERT | FLAG_SYN_ACKED))) {
      flag |= FLAG_ACK_MAYBE_DELAYED;
    }
  }
  if (a.firstSackt >= 0) {
    sackRtt = nowUs - Math.floor(a.firstSackt / 1000);
    caRtt = nowUs - Math.floor(a.lastSackt / 1000);
  }
  const rttUs = tcpAckUpdateRtt(ctx, seqRtt, sackRtt, caRtt, tsecr, (flag & FLAG_ACKED) !== 0, (flag & FLAG_ACK_MAYBE_DELAYED) !== 0);
  // rs->rtt_us = ca_rtt_us: the RTT of the last (S)ACKed segment, or -1.
  a.rs.rtt_us = rttUs;
  if (rttUs >= 0) {
    tcb.lastRttUs = rttUs;
    ctx.rttSample(rttUs);
  }
  if (flag & FLAG_ACKED) flag |= FLAG_SET_XMIT_TIMER;
  // pkts_acked: tcp_clean_rtx_queue, after the RTT update.
  const sample = a.sample;
  sample.pkts_acked = pktsAcked;
  sample.rtt_us = a.rs.rtt_us;
  sample.in_flight = sk.mss_cache * (tcb.delivered - a.rs.prior_delivered);
  caPktsAcked(sk, ctx, sample);
  return flag;
}

/** tcp_in_ack_event(): FLAG_* → CA_ACK_* for in_ack_event. */
function tcpInAckEvent(ctx: SenderCtx, flag: number): void {
  const sk = ctx.tcb.sk;
  if (sk.ca.in_ack_event === undefined) return;
  let ev = 0;
  if (flag & FLAG_WIN_UPDATE) ev |= CA_ACK_WIN_UPDATE;
  if (flag & FLAG_SLOWPATH) {
    ev |= CA_ACK_SLOWPATH;
    if (flag & FLAG_ECE) ev |= CA_ACK_ECE;
  }
  caInAckEvent(sk, ctx, ev);
}

/** tcp_cong_control(). */
function tcpCongControl(ctx: SenderCtx, ack: number, ackedSacked: number, flag: number, rs: RateSample): void {
  const sk = ctx.tcb.sk;
  if (sk.ca.cong_control !== undefined) {
    // cong_control: tcp_cong_control, once per ACK, after the rate sample.
    caCongControl(sk, ctx, ack, flag, rs);
    return;
  }
  if (tcpInCwndReduction(ctx)) {
    tcpCwndReduction(ctx, ackedSacked, rs.losses, flag);
  } else if (flag & FLAG_DATA_ACKED) {
    // cong_avoid: tcp_cong_avoid via tcp_cong_control when tcp_may_raise_cwnd.
    caCongAvoid(sk, ctx, ack, ackedSacked);
    ctx.tcb.snd_cwnd_stamp = sk.jiffies32;
  }
  tcpUpdatePacingRate(ctx.tcb.sk);
}

/** Processes one ACK segment (tcp_ack), then sends what the window allows. */
export function tcpAck(ctx: SenderCtx, p: Packet, a: AckScratch): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  const ack = p.seg;
  const priorUna = tcb.una;
  if (ack > tcb.nxt) return;
  const nowUs = Math.floor(ctx.nowNs / 1000);
  let flag = 0;
  if (ack > priorUna) {
    flag |= FLAG_SND_UNA_ADVANCED;
    tcb.icsk_retransmits = 0;
  }
  resetRateSample(a.rs);
  a.x.priorMstampUs = 0;
  a.x.lastEndSeg = -1;
  a.firstSackt = -1;
  a.lastSackt = -1;
  a.sackDelivered = 0;
  a.rs.prior_in_flight = tcb.inFlight();
  const priorPackets = tcb.packets_out;
  const delivered0 = tcb.delivered;
  const lost0 = tcb.lost;
  const ece = tcb.ecnOk && (p.tcpFlags & TH_ECE) !== 0;
  if (ack < priorUna) {
    // Old ACK: only its SACK / D-SACK information counts.
    if (p.nsack > 0 || p.dsackStart >= 0) tcpSacktag(ctx, p, priorUna, a);
    return;
  }
  if (p.nsack === 0 && p.dsackStart < 0 && !ece && flag & FLAG_SND_UNA_ADVANCED) {
    // Fast path: a pure advance (the window is unchanged, so Linux flags a window update).
    flag |= FLAG_WIN_UPDATE;
  } else {
    flag |= FLAG_SLOWPATH;
    if (p.nsack > 0 || p.dsackStart >= 0) flag |= tcpSacktag(ctx, p, priorUna, a);
    if (ece) flag |= FLAG_ECE;
    if (a.sackDelivered > 0) {
      tcb.delivered = tcb.delivered + a.sackDelivered;
      if (ece) tcb.delivered_ce = tcb.delivered_ce + a.sackDelivered;
    }
  }
  const flagRef = a.flag;
  let rexmit = REXMIT_NONE;
  if (priorPackets === 0) {
    // no_queue: nothing outstanding.
    tcpInAckEvent(ctx, flag);
    if (flag & FLAG_DSACKING_ACK) {
      flagRef.v = flag;
      tcpFastretransAlert(ctx, priorUna, 0, flagRef, p.tsecr);
    }
    tcpWriteXmit(ctx);
    return;
  }
  flag |= tcpCleanRtxQueue(ctx, ack, ece, a, p.tsecr);
  // in_ack_event: tcp_ack, after tcp_clean_rtx_queue.
  tcpInAckEvent(ctx, flag);
  if (tcb.tlpHighSeq >= 0) tcpProcessTlpAck(ctx, ack, flag, p.dsackStart >= 0 && p.dsackEnd === tcb.tlpHighSeq);
  if (!(flag & FLAG_NOT_DUP) || flag & FLAG_CA_ALERT || tcb.icsk_ca_state !== TCP_CA_Open) {
    const numDupack = !(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK)) ? 1 : 0;
    flagRef.v = flag;
    rexmit = tcpFastretransAlert(ctx, priorUna, numDupack, flagRef, p.tsecr);
    flag = flagRef.v;
  }
  if (flag & FLAG_SET_XMIT_TIMER) tcpSetXmitTimer(ctx);
  const delivered = tcb.delivered - delivered0;
  const lost = tcb.lost - lost0;
  a.rs.is_ack_delayed = (flag & FLAG_ACK_MAYBE_DELAYED) !== 0;
  tcpRateGen(ctx, delivered, lost, a.rs, a.x, nowUs);
  tcpCongControl(ctx, sk.snd_una, delivered, flag, a.rs);
  // tcp_xmit_recovery, then tcp_data_snd_check.
  if (rexmit !== REXMIT_NONE) tcpXmitRetransmitQueue(ctx);
  tcpWriteXmit(ctx);
  if (tcb.packets_out === 0) ctx.setRtoTimer(-1);
}
