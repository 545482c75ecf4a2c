/**
 * @fileoverview Calls into the socket's congestion control, one function
 * per `tcp_congestion_ops` hook, as the inline helpers of include/net/tcp.h
 * and net/ipv4/tcp_cong.c do (tcp_ca_event, tcp_set_ca_state, ...), with
 * an optional trace of each call. The algorithm is read from the socket at
 * every call, so a setsockopt(TCP_CONGESTION) in the middle of a run takes
 * effect at the next hook, as in Linux.
 *
 * ssthresh() and undo_cwnd() are called unconditionally, as Linux does: the
 * registry admits no algorithm without them (tcp_validate_congestion_control).
 */
import type { AckSample, RateSample, TcpCcSocket, TcpCongestionOps } from "../../uapi/tcp-cc.js";
import type { CcHookName } from "../api.js";

/** Trace levels of hook calls. */
export const HOOKS_NONE = 0;
export const HOOKS_EVENTS = 1;
export const HOOKS_ALL = 2;

/** Receives hook calls when tracing is on. */
export interface HookSink {
  readonly hookLevel: number;
  hook(name: CcHookName, ca: string, args: readonly number[], ret: number | undefined, cwnd: number): void;
}

/** tcp_set_ca_state(): set_state() then icsk_ca_state. */
export function tcpSetCaState(sk: TcpCcSocket, t: HookSink, state: number, onChange?: (from: number, to: number) => void): void {
  const ca = sk.ca;
  if (ca.set_state !== undefined) {
    ca.set_state(sk, state);
    if (t.hookLevel >= HOOKS_EVENTS) t.hook("set_state", ca.name, [state], undefined, sk.snd_cwnd);
  }
  const prev = sk.icsk_ca_state;
  sk.icsk_ca_state = state;
  if (prev !== state) onChange?.(prev, state);
}

/** tcp_ca_event(): cwnd_event() if the CA has it. */
export function tcpCaEvent(sk: TcpCcSocket, t: HookSink, ev: number): void {
  const ca = sk.ca;
  if (ca.cwnd_event !== undefined) {
    ca.cwnd_event(sk, ev);
    if (t.hookLevel >= HOOKS_EVENTS) t.hook("cwnd_event", ca.name, [ev], undefined, sk.snd_cwnd);
  }
}

/** A registered algorithm lacks a hook tcp_validate_congestion_control requires: the stack the simulator runs on is broken. */
function unvalidated(ca: TcpCongestionOps, hook: string): Error {
  return new Error(`congestion control "${ca.name}" has no ${hook}(), which registration requires (tcp_validate_congestion_control)`);
}

/** icsk_ca_ops->ssthresh(sk). */
export function caSsthresh(sk: TcpCcSocket, t: HookSink): number {
  const ca = sk.ca;
  if (ca.ssthresh === undefined) throw unvalidated(ca, "ssthresh");
  const r = ca.ssthresh(sk) >>> 0;
  if (t.hookLevel >= HOOKS_EVENTS) t.hook("ssthresh", ca.name, [], r, sk.snd_cwnd);
  return r;
}

/** icsk_ca_ops->undo_cwnd(sk). */
export function caUndoCwnd(sk: TcpCcSocket, t: HookSink): number {
  const ca = sk.ca;
  if (ca.undo_cwnd === undefined) throw unvalidated(ca, "undo_cwnd");
  const r = ca.undo_cwnd(sk) >>> 0;
  if (t.hookLevel >= HOOKS_EVENTS) t.hook("undo_cwnd", ca.name, [], r, sk.snd_cwnd);
  return r;
}

/** tcp_cong_avoid(): cong_avoid(sk, ack, acked). */
export function caCongAvoid(sk: TcpCcSocket, t: HookSink, ack: number, acked: number): void {
  const ca = sk.ca;
  if (ca.cong_avoid === undefined) return;
  ca.cong_avoid(sk, ack, acked);
  if (t.hookLevel >= HOOKS_ALL) t.hook("cong_avoid", ca.name, [ack, acked], undefined, sk.snd_cwnd);
}

/** cong_control(sk, ack, flag, rs). */
export function caCongControl(sk: TcpCcSocket, t: HookSink, ack: number, flag: number, rs: RateSample): void {
  const ca = sk.ca;
  if (ca.cong_control === undefined) return;
  ca.cong_control(sk, ack, flag, rs);
  if (t.hookLevel >= HOOKS_ALL) t.hook("cong_control", ca.name, [ack, flag, rs.delivered, rs.interval_us], undefined, sk.snd_cwnd);
}

/** tcp_in_ack_event(): in_ack_event(sk, flags). */
export function caInAckEvent(sk: TcpCcSocket, t: HookSink, flags: number): void {
  const ca = sk.ca;
  if (ca.in_ack_event === undefined) return;
  ca.in_ack_event(sk, flags);
  if (t.hookLevel >= HOOKS_ALL) t.hook("in_ack_event", ca.name, [flags], undefined, sk.snd_cwnd);
}

/** pkts_acked(sk, sample). */
export function caPktsAcked(sk: TcpCcSocket, t: HookSink, sample: AckSample): void {
  const ca = sk.ca;
  if (ca.pkts_acked === undefined) return;
  ca.pkts_acked(sk, sample);
  if (t.hookLevel >= HOOKS_ALL) t.hook("pkts_acked", ca.name, [sample.pkts_acked, sample.rtt_us, sample.in_flight], undefined, sk.snd_cwnd);
}
