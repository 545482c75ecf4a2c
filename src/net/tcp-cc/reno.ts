/**
 * @fileoverview The built-in "reno" congestion control (net/ipv4/tcp_cong.c,
 * `tcp_reno`): RFC 5681 slow start and congestion avoidance in packets,
 * ssthresh = max(cwnd / 2, 2), undo to the window before the reduction.
 *
 * Reno is the kernel's fallback and is usable without CAP_NET_ADMIN, so it
 * carries TCP_CONG_NON_RESTRICTED. It keeps no private state.
 */
import { TCP_CONG_NON_RESTRICTED, type TcpCongestionOps } from "./ca-types.js";
import { tcpCaKey } from "./jhash.js";
import { tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd } from "./tcp-cong.js";

/** Name of the built-in Reno. */
export const TCP_RENO_NAME = "reno";

/**
 * Creates the "reno" ops. A fresh object per call, since `flags` is mutable
 * (net.ipv4.tcp_allowed_congestion_control edits it) and each emulated kernel
 * needs its own. `key` is precomputed as registration would set it.
 */
export function createTcpReno(): TcpCongestionOps {
  return {
    name: TCP_RENO_NAME,
    flags: TCP_CONG_NON_RESTRICTED,
    key: tcpCaKey(TCP_RENO_NAME),
    ssthresh: tcp_reno_ssthresh,
    cong_avoid: tcp_reno_cong_avoid,
    undo_cwnd: tcp_reno_undo_cwnd,
  };
}
