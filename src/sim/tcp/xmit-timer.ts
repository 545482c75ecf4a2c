/**
 * @fileoverview Arming the retransmission timer for the tail loss probe and
 * for RACK's reordering timeout (net/ipv4/tcp_output.c
 * tcp_schedule_loss_probe; tcp_recovery.c tcp_rack_mark_lost): what the
 * sending and loss-detection paths call; the timers' handlers are in
 * loss-probe.ts.
 */
import type { SenderCtx } from "./ctx.js";
import { TCP_CA_CWR, TCP_CA_Open } from "../../uapi/tcp-cc.js";
import { JIFFY_NS, TCP_RTO_MIN_US, TCP_TIMEOUT_INIT_NS, tcpRtoDeltaNs, usToJiffyNs } from "./rtt.js";
import { ICSK_TIME_LOSS_PROBE, ICSK_TIME_REO_TIMEOUT } from "./tcb.js";

/** TCP_TIMEOUT_MIN: 2 jiffies. */
const TCP_TIMEOUT_MIN_NS = 2 * JIFFY_NS;

/**
 * tcp_schedule_loss_probe(): arms the probe timer (replacing the RTO) in
 * Open or CWR with data out. `advancingRto`: the RTO is being restarted by
 * this ACK, so the bound is a whole RTO rather than what remains of it.
 * Returns whether a probe was armed.
 */
export function tcpScheduleLossProbe(ctx: SenderCtx, advancingRto: boolean): boolean {
  const tcb = ctx.tcb;
  if (tcb.packets_out === 0 || (tcb.icsk_ca_state !== TCP_CA_Open && tcb.icsk_ca_state !== TCP_CA_CWR)) return false;
  let timeout: number;
  if (tcb.srtt_us !== 0) {
    timeout = usToJiffyNs(tcb.srtt_us >>> 2) + (tcb.packets_out === 1 ? TCP_RTO_MIN_US * 1000 : TCP_TIMEOUT_MIN_NS);
  } else timeout = TCP_TIMEOUT_INIT_NS;
  const rtoDelta = advancingRto ? tcb.rtoNs : tcpRtoDeltaNs(ctx);
  if (rtoDelta > 0) timeout = Math.min(timeout, usToJiffyNs(Math.floor(rtoDelta / 1000)));
  ctx.setXmitTimer(ICSK_TIME_LOSS_PROBE, ctx.nowNs + timeout);
  return true;
}

/** Arms RACK's reordering timer for a segment that may be declared lost `remainingNs` from now (tcp_rack_mark_lost). */
export function tcpRackArmReoTimer(ctx: SenderCtx, remainingNs: number): void {
  const timeout = Math.min(usToJiffyNs(Math.ceil(remainingNs / 1000)) + TCP_TIMEOUT_MIN_NS, ctx.tcb.rtoNs);
  ctx.setXmitTimer(ICSK_TIME_REO_TIMEOUT, ctx.nowNs + timeout);
}

