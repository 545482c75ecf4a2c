/**
 * @fileoverview Delivery-rate estimation as net/ipv4/tcp_rate.c
 * (draft-cheng-iccrg-delivery-rate-estimation): each segment records, when
 * sent, the connection's delivered count and timestamps; when it is
 * delivered (ACKed or SACKed) the most recently sent delivered segment
 * fixes the sample's starting point; tcp_rate_gen() then makes the sample
 * that cong_control() receives: delivered over max(send phase, ACK phase).
 */
import type { RateSample } from "../../uapi/tcp-cc.js";
import type { SenderCtx } from "./ctx.js";
import { APP_LIMITED, RATE_DONE, SACKED_ACKED, SACKED_RETRANS, EVER_RETRANS, TX_DEL_MSTAMP, TX_DELIVERED, TX_DELIVERED_CE, TX_FIRST_TX, TX_TIME } from "./tcb.js";

/**
 * The sender's rate sample (rs = { .prior_delivered = 0 }), one reused for
 * every ACK. prior_mstamp, a u64 of struct rate_sample, is kept as a number
 * of µs and made a bigint only when read (cong_control: a BPF program's
 * rate_sample, BBR), not on every ACK.
 */
export class SenderRateSample implements RateSample {
  /** prior_mstamp in µs. */
  priorMstampUs = 0;
  get prior_mstamp(): bigint {
    return BigInt(this.priorMstampUs);
  }
  set prior_mstamp(v: bigint) {
    this.priorMstampUs = Number(v);
  }
  prior_delivered = 0;
  prior_delivered_ce = 0;
  delivered = 0;
  delivered_ce = 0;
  interval_us = 0;
  snd_interval_us = 0;
  rcv_interval_us = 0;
  rtt_us = -1;
  losses = 0;
  acked_sacked = 0;
  prior_in_flight = 0;
  last_end_seq = 0;
  is_app_limited = false;
  is_retrans = false;
  is_ack_delayed = false;
}

/** Resets a reused sample. */
export function resetRateSample(rs: SenderRateSample): void {
  rs.priorMstampUs = 0;
  rs.prior_delivered = 0;
  rs.prior_delivered_ce = 0;
  rs.delivered = 0;
  rs.delivered_ce = 0;
  rs.interval_us = 0;
  rs.snd_interval_us = 0;
  rs.rcv_interval_us = 0;
  rs.rtt_us = -1;
  rs.losses = 0;
  rs.acked_sacked = 0;
  rs.prior_in_flight = 0;
  rs.last_end_seq = 0;
  rs.is_app_limited = false;
  rs.is_retrans = false;
  rs.is_ack_delayed = false;
}

/** The rate sample's µs prior_mstamp kept as a number alongside the bigint field. */
export interface RateScratch {
  priorMstampUs: number;
  lastEndSeg: number;
}

/** tcp_rate_skb_sent(): snapshot the connection's delivery state into segment `seg`. */
export function tcpRateSkbSent(ctx: SenderCtx, seg: number, nowUs: number): void {
  const tcb = ctx.tcb;
  if (tcb.packets_out === 0) {
    tcb.first_tx_mstamp = nowUs;
    tcb.delivered_mstamp = nowUs;
  }
  const i = seg & tcb.mask;
  const r = tcb.txAt(seg);
  tcb.tx[r + TX_FIRST_TX] = tcb.first_tx_mstamp;
  tcb.tx[r + TX_DEL_MSTAMP] = tcb.delivered_mstamp;
  tcb.tx[r + TX_DELIVERED] = tcb.delivered;
  tcb.tx[r + TX_DELIVERED_CE] = tcb.delivered_ce;
  let f = (tcb.flags[i] as number) & ~(APP_LIMITED | RATE_DONE);
  if (tcb.app_limited !== 0) f |= APP_LIMITED;
  tcb.flags[i] = f;
}

/** tcp_rate_skb_delivered(): segment `seg` was ACKed or SACKed. */
export function tcpRateSkbDelivered(ctx: SenderCtx, seg: number, rs: RateSample, x: RateScratch): void {
  const tcb = ctx.tcb;
  const i = seg & tcb.mask;
  const f = tcb.flags[i] as number;
  if (f & RATE_DONE) return;
  const r = tcb.txAt(seg);
  const txUs = Math.floor((tcb.tx[r + TX_TIME] as number) / 1000);
  // Is this the most recently sent of the delivered segments? (tcp_skb_sent_after)
  if (rs.prior_delivered === 0 || txUs > tcb.first_tx_mstamp || (txUs === tcb.first_tx_mstamp && seg > x.lastEndSeg)) {
    rs.prior_delivered_ce = tcb.tx[r + TX_DELIVERED_CE] as number;
    rs.prior_delivered = tcb.tx[r + TX_DELIVERED] as number;
    x.priorMstampUs = tcb.tx[r + TX_DEL_MSTAMP] as number;
    rs.is_app_limited = (f & APP_LIMITED) !== 0;
    rs.is_retrans = (f & (SACKED_RETRANS | EVER_RETRANS)) !== 0;
    x.lastEndSeg = seg;
    rs.last_end_seq = tcb.seqOf(seg + 1);
    tcb.first_tx_mstamp = txUs;
    rs.interval_us = txUs - (tcb.tx[r + TX_FIRST_TX] as number);
  }
  if (f & SACKED_ACKED) tcb.flags[i] = f | RATE_DONE;
}

/** tcp_rate_gen(): completes the sample for this ACK. */
export function tcpRateGen(ctx: SenderCtx, delivered: number, lost: number, rs: SenderRateSample, x: RateScratch, nowUs: number): void {
  const tcb = ctx.tcb;
  // after(delivered, app_limited) in u32 sequence space: tcp_init_sock's ~0U is passed by the first sample.
  if (tcb.app_limited !== 0 && ((tcb.delivered - tcb.app_limited) | 0) > 0) tcb.app_limited = 0;
  if (delivered !== 0) tcb.delivered_mstamp = nowUs;
  rs.acked_sacked = delivered;
  rs.losses = lost;
  rs.priorMstampUs = x.priorMstampUs;
  if (x.priorMstampUs === 0) {
    rs.delivered = -1;
    rs.interval_us = -1;
    return;
  }
  rs.delivered = tcb.delivered - rs.prior_delivered;
  rs.delivered_ce = tcb.delivered_ce - rs.prior_delivered_ce;
  const sndUs = rs.interval_us;
  const ackUs = nowUs - x.priorMstampUs;
  rs.interval_us = Math.max(sndUs, ackUs);
  rs.snd_interval_us = sndUs;
  rs.rcv_interval_us = ackUs;
  if (rs.interval_us < tcb.minRttUs) {
    rs.interval_us = -1;
    return;
  }
  if (!rs.is_app_limited || rs.delivered * tcb.rate_interval_us >= tcb.rate_delivered * rs.interval_us) {
    tcb.rate_delivered = rs.delivered;
    tcb.rate_interval_us = rs.interval_us;
  }
  if (rs.interval_us > 0) tcb.lastRateBps = (rs.delivered * tcb.mss * 8 * 1e6) / rs.interval_us;
}
