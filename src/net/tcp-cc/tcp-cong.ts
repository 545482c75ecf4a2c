/**
 * @fileoverview The TCP window helpers congestion-control code shares, and
 * that a BPF congestion control calls as kfuncs: slow start, additive
 * increase, and the Reno ssthresh / cong_avoid / undo_cwnd hooks. Models
 * net/ipv4/tcp_cong.c and the inline helpers of include/net/tcp.h (Linux 6.x).
 *
 * Semantics follow RFC 5681 counted in packets, as Linux counts cwnd: slow
 * start adds one packet per packet ACKed (up to ssthresh), congestion
 * avoidance adds one packet per window of packets ACKed.
 *
 * Invariant: every value written to the socket is a u32, computed with C's
 * wrap-around; the cwnd clamp (`snd_cwnd_clamp`) is applied by slow start and
 * additive increase themselves (Linux 6.x `tcp_snd_cwnd_set()` only stores,
 * warning once if the value is 0 or has bit 31 set).
 */
import type { TcpCaSock } from "./ca-types.js";
import { KernelBug } from "../../kernel/bug.js";
import { mulU32, u32 } from "./u32.js";

/** tcp_snd_cwnd(): the congestion window in packets. */
export function tcp_snd_cwnd(tp: TcpCaSock): number {
  return tp.snd_cwnd;
}

/**
 * tcp_snd_cwnd_set(): stores the congestion window. No clamping here, as in
 * Linux; the kernel only warns (once) when `(int)val <= 0`, which this model
 * does not report.
 */
export function tcp_snd_cwnd_set(tp: TcpCaSock, val: number): void {
  tp.snd_cwnd = u32(val);
}

/** tcp_in_slow_start(): cwnd is below ssthresh (u32 comparison). */
export function tcp_in_slow_start(tp: TcpCaSock): boolean {
  return tcp_snd_cwnd(tp) < tp.snd_ssthresh;
}

/**
 * tcp_is_cwnd_limited(): may the window grow on this ACK? True when the
 * sender was cwnd-limited in the last window (`is_cwnd_limited`); in slow
 * start also while cwnd is below twice the most packets ever in flight in
 * that window (`2 * max_packets_out`, a u32 product), so an application that
 * used half the window still doubles it.
 */
export function tcp_is_cwnd_limited(sk: TcpCaSock): boolean {
  if (sk.is_cwnd_limited !== 0) return true;
  if (tcp_in_slow_start(sk)) return tcp_snd_cwnd(sk) < mulU32(2, sk.max_packets_out);
  return false;
}

/**
 * tcp_slow_start(): grows cwnd by `acked` packets but not past ssthresh
 * (and not past `snd_cwnd_clamp`), and returns the ACKed packets left over
 * once ssthresh is reached, for congestion avoidance to use.
 *
 * @returns leftover acked (u32)
 */
export function tcp_slow_start(tp: TcpCaSock, acked: number): number {
  const cwnd = Math.min(u32(tcp_snd_cwnd(tp) + acked), tp.snd_ssthresh);
  const left = u32(acked - u32(cwnd - tcp_snd_cwnd(tp)));
  tcp_snd_cwnd_set(tp, Math.min(cwnd, tp.snd_cwnd_clamp));
  return left;
}

/**
 * tcp_cong_avoid_ai(): additive increase of one packet per `w` packets
 * ACKed, counted in `snd_cwnd_cnt`. A count already at or over `w` (credit
 * earned while `w` was larger) is turned into a single packet first; the
 * result is clamped to `snd_cwnd_clamp`.
 *
 * @throws KernelBug when `w` is 0: the kernel divides by `w` and oopses.
 */
export function tcp_cong_avoid_ai(tp: TcpCaSock, w: number, acked: number): void {
  w = u32(w);
  if (w === 0) throw new KernelBug("tcp_cong_avoid_ai: divide error (w == 0)");
  if (tp.snd_cwnd_cnt >= w) {
    tp.snd_cwnd_cnt = 0;
    tcp_snd_cwnd_set(tp, tcp_snd_cwnd(tp) + 1);
  }
  tp.snd_cwnd_cnt = u32(tp.snd_cwnd_cnt + acked);
  if (tp.snd_cwnd_cnt >= w) {
    const delta = Math.floor(tp.snd_cwnd_cnt / w);
    tp.snd_cwnd_cnt = u32(tp.snd_cwnd_cnt - mulU32(delta, w));
    tcp_snd_cwnd_set(tp, tcp_snd_cwnd(tp) + delta);
  }
  tcp_snd_cwnd_set(tp, Math.min(tcp_snd_cwnd(tp), tp.snd_cwnd_clamp));
}

/**
 * tcp_reno_cong_avoid(): Reno's window growth on an ACK of `acked` packets:
 * nothing unless cwnd-limited; slow start below ssthresh; the leftover (or
 * all of `acked` above ssthresh) goes to additive increase with w = cwnd.
 */
export function tcp_reno_cong_avoid(sk: TcpCaSock, _ack: number, acked: number): void {
  if (!tcp_is_cwnd_limited(sk)) return;
  if (tcp_in_slow_start(sk)) {
    acked = tcp_slow_start(sk, acked);
    if (acked === 0) return;
  }
  tcp_cong_avoid_ai(sk, tcp_snd_cwnd(sk), acked);
}

/** tcp_reno_ssthresh(): half the window, at least 2 packets (`max(cwnd >> 1, 2)`). */
export function tcp_reno_ssthresh(sk: TcpCaSock): number {
  return Math.max(tcp_snd_cwnd(sk) >>> 1, 2);
}

/** tcp_reno_undo_cwnd(): the window to restore after a spurious reduction: `max(cwnd, prior_cwnd)`. */
export function tcp_reno_undo_cwnd(sk: TcpCaSock): number {
  return Math.max(tcp_snd_cwnd(sk), sk.prior_cwnd);
}
