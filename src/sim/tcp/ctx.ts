/**
 * @fileoverview What the TCP mechanics need from the sender that runs them:
 * its control block, the clock, the hook trace, and the few actions that
 * touch the network and the timers. Keeps send/ack/recovery free of the
 * simulator's plumbing.
 */
import type { FqSocketQueue } from "./fq.js";
import type { HookSink } from "./hooks.js";
import type { Tcb } from "./tcb.js";

/** The sender as the mechanics see it. */
export interface SenderCtx extends HookSink {
  readonly tcb: Tcb;
  /** Simulated time (ns) of the event being processed. */
  readonly nowNs: number;
  /** The socket's queue in the sender's fq qdisc (FlowSpec.qdisc "fq"), or null without fq (TCP's internal pacing). */
  readonly fq: FqSocketQueue | null;
  /** Puts segment `seg` on the wire (new data when seg === tcb.nxt, else a retransmission). */
  xmit(seg: number, retrans: boolean): void;
  /** Arms (or clears, with -1) the retransmission timer for an absolute time, as an RTO (ICSK_TIME_RETRANS). */
  setRtoTimer(at: number): void;
  /** Arms the retransmission timer for `kind` (ICSK_TIME_*: RTO, loss probe, RACK reordering timeout), or clears it (-1). */
  setXmitTimer(kind: number, at: number): void;
  /** Arms the pacing timer: call write again at `at`. */
  setPaceTimer(at: number): void;
  /** A CA state change happened (trace). */
  caStateChanged(from: number, to: number): void;
  /** An RTT sample (µs) the sender took (statistics). */
  rttSample(us: number): void;
  /** A hook-independent event for the flow's counters ("recovery", "undo", "rto"). */
  count(what: "recovery" | "undo" | "rto"): void;
}

/** tcp_time_stamp_ms(): the TCP timestamp clock in ms. */
export function tsNow(ctx: SenderCtx): number {
  return Math.floor(ctx.nowNs / 1_000_000);
}
