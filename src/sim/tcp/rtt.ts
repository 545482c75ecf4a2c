/**
 * @fileoverview RTT estimation and the retransmission timeout, as Linux's
 * tcp_rtt_estimator() / tcp_set_rto() / tcp_rearm_rto() (net/ipv4/
 * tcp_input.c): RFC 6298 smoothing with Linux's twist that the variance
 * term is at least the minimum RTO (200 ms) and is only decayed once per
 * round trip, so RTO = srtt + max(4·mdev, 200 ms), in whole jiffies,
 * capped at 120 s; exponential backoff on each timeout.
 */
import type { SenderCtx } from "./ctx.js";
import { tsNow } from "./ctx.js";
import { ICSK_TIME_LOSS_PROBE, ICSK_TIME_REO_TIMEOUT, TX_TIME } from "./tcb.js";

/** TCP_RTO_MIN (200 ms) in µs. */
export const TCP_RTO_MIN_US = 200_000;
/** TCP_RTO_MAX (120 s) in ns. */
export const TCP_RTO_MAX_NS = 120_000_000_000;
/** TCP_TIMEOUT_INIT (1 s) in ns. */
export const TCP_TIMEOUT_INIT_NS = 1_000_000_000;
/** One jiffy at HZ=250, ns. */
export const JIFFY_NS = 4_000_000;

/** usecs_to_jiffies() rounded up, back in ns. */
export function usToJiffyNs(us: number): number {
  return Math.ceil((us * 1000) / JIFFY_NS) * JIFFY_NS;
}

/** tcp_rtt_estimator(): folds one RTT sample (µs) into srtt_us / mdev / rttvar. */
export function tcpRttEstimator(ctx: SenderCtx, mrttUs: number): void {
  const tcb = ctx.tcb;
  let m = mrttUs;
  let srtt = tcb.srtt_us;
  if (srtt !== 0) {
    m -= srtt >>> 3;
    srtt += m;
    if (m < 0) {
      m = -m;
      m -= tcb.mdev_us >>> 2;
      if (m > 0) m >>= 3;
    } else {
      m -= tcb.mdev_us >>> 2;
    }
    tcb.mdev_us += m;
    if (tcb.mdev_us > tcb.mdev_max_us) {
      tcb.mdev_max_us = tcb.mdev_us;
      if (tcb.mdev_max_us > tcb.rttvar_us) tcb.rttvar_us = tcb.mdev_max_us;
    }
    // Once per window of data: decay rttvar towards the window's largest mdev.
    if (tcb.una > tcb.rtt_seq) {
      if (tcb.mdev_max_us < tcb.rttvar_us) tcb.rttvar_us -= (tcb.rttvar_us - tcb.mdev_max_us) >> 2;
      tcb.rtt_seq = tcb.nxt;
      tcb.mdev_max_us = TCP_RTO_MIN_US;
    }
  } else {
    srtt = m << 3;
    tcb.mdev_us = m << 1;
    tcb.rttvar_us = Math.max(tcb.mdev_us, TCP_RTO_MIN_US);
    tcb.mdev_max_us = tcb.rttvar_us;
    tcb.rtt_seq = tcb.nxt;
  }
  tcb.srtt_us = Math.max(1, srtt);
}

/** tcp_set_rto(): icsk_rto from srtt and rttvar, bounded by TCP_RTO_MAX. */
export function tcpSetRto(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  const us = (tcb.srtt_us >>> 3) + tcb.rttvar_us;
  tcb.rtoNs = Math.min(usToJiffyNs(us), TCP_RTO_MAX_NS);
}

/**
 * tcp_ack_update_rtt(): an RTT sample from cumulatively ACKed segments
 * (seq_rtt) or else from SACKed ones, or else, when the ACK ACKed something,
 * from its echoed timestamp (`tsecr` in ms, 0 for none; tcp_rtt_tsopt_us:
 * whole ms, at least 1); updates min_rtt (tcp_update_rtt_min, which skips a
 * possibly delayed ACK's sample above the minimum), srtt and the RTO and
 * clears the backoff. Returns ca_rtt_us, what the rate sample's rtt_us gets,
 * when a sample was taken, else -1 (a ca_rtt_us comes with a seq or SACK
 * RTT, so there is none without a sample). Plain arguments and a number
 * back: it runs on every ACK, and allocates nothing.
 */
export function tcpAckUpdateRtt(ctx: SenderCtx, seqRttUs: number, sackRttUs: number, caRttUs: number, tsecr = 0, acked = false, maybeDelayed = false): number {
  const tcb = ctx.tcb;
  let rtt = seqRttUs >= 0 ? seqRttUs : sackRttUs;
  let ca = caRttUs;
  if (rtt < 0 && acked && tsecr !== 0) {
    rtt = ca = Math.max(1, tsNow(ctx) - tsecr) * 1000;
  }
  if (rtt < 0) return -1;
  if (ca < 0) ca = rtt;
  // tcp_update_rtt_min: a possibly delayed ACK's sample above the minimum is skipped; the others go
  // into the socket's windowed minimum (300 s), a sample of 0 as one jiffy.
  if (!(maybeDelayed && tcb.minRttUs !== 0 && ca > tcb.minRttUs)) {
    const us = ca > 0 ? ca : JIFFY_NS / 1000;
    const sk = tcb.sk;
    if (sk.updateRttMin !== undefined) tcb.minRttUs = sk.updateRttMin(us);
    else if (tcb.minRttUs === 0 || us < tcb.minRttUs) tcb.minRttUs = sk.rtt_min = us;
  }
  tcpRttEstimator(ctx, rtt);
  tcpSetRto(ctx);
  tcb.icsk_backoff = 0;
  return ca;
}

/**
 * tcp_rearm_rto(): clear the timer when nothing is outstanding, else an RTO;
 * when the timer was a loss probe or a RACK reordering timeout, the RTO
 * counts from the head segment's transmission (tcp_rto_delta_us), not now.
 */
export function tcpRearmRto(ctx: SenderCtx): void {
  const tcb = ctx.tcb;
  if (tcb.packets_out === 0) {
    ctx.setRtoTimer(-1);
    return;
  }
  let rto = tcb.rtoNs;
  if (tcb.xmitKind === ICSK_TIME_REO_TIMEOUT || tcb.xmitKind === ICSK_TIME_LOSS_PROBE) rto = usToJiffyNs(Math.max(Math.floor(tcpRtoDeltaNs(ctx) / 1000), 1));
  ctx.setRtoTimer(ctx.nowNs + rto);
}

/** tcp_rto_delta_us() in ns: how far in the future the head segment's RTO is. */
export function tcpRtoDeltaNs(ctx: SenderCtx): number {
  const tcb = ctx.tcb;
  return (tcb.tx[tcb.txAt(tcb.una) + TX_TIME] as number) + tcb.rtoNs - ctx.nowNs;
}
