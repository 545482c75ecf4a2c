/**
 * @fileoverview The timers that recover a tail without waiting for an RTO,
 * as Linux 6.18 runs them on the retransmission timer (icsk_pending):
 *
 * - the tail loss probe (RFC 8985 §7; net/ipv4/tcp_output.c
 *   tcp_schedule_loss_probe / tcp_send_loss_probe, tcp_input.c
 *   tcp_process_tlp_ack): in Open or CWR with data out, a probe is armed
 *   2·srtt (+2 jiffies, or +TCP_RTO_MIN with a single segment out) after
 *   each transmission or ACK, never later than the RTO; when it fires it
 *   sends one new segment (even past cwnd) or retransmits the last one, and
 *   an ACK beyond it that shows the probe repaired a loss costs a CWR
 *   reduction;
 * - RACK's reordering timer (RFC 8985 §6.3; tcp_recovery.c
 *   tcp_rack_mark_lost / tcp_rack_reo_timeout): segments RACK cannot call
 *   lost yet are marked when their RTT plus the reordering window has
 *   passed, 2 jiffies late at the earliest, without waiting for an ACK.
 *
 * Arming both timers is in xmit-timer.ts (send and recovery arm them); the
 * handlers and the ACK processing are here.
 */
import type { SenderCtx } from "./ctx.js";
import { TCP_CA_CWR, TCP_CA_Recovery } from "../../uapi/tcp-cc.js";
import { FLAG_DATA_SACKED, FLAG_NOT_DUP, FLAG_SND_UNA_ADVANCED } from "./flags.js";
import { tcpCwndReduction, tcpEndCwndReduction, tcpEnterRecovery, tcpInitCwndReduction, tcpRackMarkLost, setState, tcpTryKeepOpen } from "./recovery.js";
import { tcpRearmRto } from "./rtt.js";
import { tcpProbeRetransmit, tcpWriteXmit, tcpXmitRetransmitQueue } from "./send.js";
import { ICSK_TIME_RETRANS } from "./tcb.js";
import { tcpScheduleLossProbe } from "./xmit-timer.js";

/** tcp_set_xmit_timer(): a loss probe if one may be armed, else the RTO. */
export function tcpSetXmitTimer(ctx: SenderCtx): void {
  if (!tcpScheduleLossProbe(ctx, true)) tcpRearmRto(ctx);
}

/**
 * tcp_send_loss_probe(): the probe timer fired. One probe at a time: new
 * data if the application has some (tcp_write_xmit with push_one = 2), else
 * the last segment again; then the RTO, from now once a probe went out.
 */
export function tcpSendLossProbe(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  if (tcb.tlpHighSeq < 0) {
    tcb.tlpRetrans = false;
    let sent = false;
    if (tcb.nxt < tcb.endSeg && !tcb.appStopped) {
      const before = tcb.packets_out;
      tcpWriteXmit(ctx, 2);
      sent = tcb.packets_out > before;
    } else if (tcb.nxt > tcb.una) {
      tcpProbeRetransmit(ctx, tcb.nxt - 1);
      tcb.tlpRetrans = true;
      sent = true;
    }
    if (sent) {
      // Record snd_nxt for loss detection; the RTO restarts from now (icsk_pending cleared).
      tcb.tlpHighSeq = tcb.nxt;
      tcb.xmitKind = 0;
    }
  }
  tcpRearmRto(ctx);
}

/**
 * tcp_process_tlp_ack(): an ACK at or beyond the probe. A probe of new data,
 * a D-SACK of the probe or a pure duplicate ACK mean nothing was lost; an
 * ACK beyond the probe means it repaired a loss: a CWR reduction, at once
 * completed (tcp_init_cwnd_reduction, CWR, tcp_end_cwnd_reduction).
 */
export function tcpProcessTlpAck(ctx: SenderCtx, ack: number, flag: number, dsackOfProbe: boolean): void {
  const tcb = ctx.tcb;
  if (ack < tcb.tlpHighSeq) return;
  if (!tcb.tlpRetrans || dsackOfProbe) {
    tcb.tlpHighSeq = -1;
  } else if (ack > tcb.tlpHighSeq) {
    tcpInitCwndReduction(ctx);
    setState(ctx, TCP_CA_CWR);
    tcpEndCwndReduction(ctx);
    tcpTryKeepOpen(ctx);
  } else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
    tcb.tlpHighSeq = -1;
  }
}

/**
 * tcp_rack_reo_timeout(): the reordering timer fired: RACK marks what has
 * waited long enough; new losses start recovery (with one PRR step when the
 * CA has no cong_control) and are retransmitted; then the RTO, counted from
 * the head's transmission.
 */
export function tcpRackReoTimeout(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const sk = tcb.sk;
  const lost0 = tcb.lost;
  const priorInflight = tcb.inFlight();
  tcpRackMarkLost(ctx);
  if (priorInflight !== tcb.inFlight()) {
    if (tcb.icsk_ca_state !== TCP_CA_Recovery) {
      tcpEnterRecovery(ctx, false);
      if (sk.ca.cong_control === undefined) tcpCwndReduction(ctx, 1, tcb.lost - lost0, 0);
    }
    tcpXmitRetransmitQueue(ctx);
  }
  if (tcb.xmitKind !== ICSK_TIME_RETRANS) tcpRearmRto(ctx);
}
