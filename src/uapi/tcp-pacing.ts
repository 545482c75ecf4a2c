/**
 * @fileoverview The pacing rate the TCP stack gives a socket whose congestion
 * control does not set one itself (net/ipv4/tcp_input.c
 * tcp_update_pacing_rate, Linux 6.18). It lives here, beside the hook
 * interface of ./tcp-cc.ts, because both users may import only `uapi` in
 * common: the testbed's sender (src/sim/tcp, after every ACK) and the
 * emulated kernel's loopback handshake (src/net/tcp-cc/handshake.ts, on the
 * SYN-ACK).
 */
import type { TcpCaSock } from "./tcp-cc.js";

/** net.ipv4.tcp_pacing_ss_ratio default (percent). */
export const TCP_PACING_SS_RATIO = 200;
/** net.ipv4.tcp_pacing_ca_ratio default (percent). */
export const TCP_PACING_CA_RATIO = 120;
/** ~0UL: a pacing rate that means "unlimited" (sk_max_pacing_rate's default). */
export const PACING_RATE_UNLIMITED = 2 ** 64;

/**
 * tcp_update_pacing_rate(): sk_pacing_rate = mss × (USEC_PER_SEC / 100 << 3)
 * × ratio × max(cwnd, packets_out) / srtt_us (srtt_us holds 8 × srtt), u64
 * integer arithmetic, capped by sk_max_pacing_rate.
 */
export function tcpUpdatePacingRate(sk: TcpCaSock): void {
  // Each field read once: the socket's fields are accessors into kernel memory, and this runs on every ACK.
  const cwnd = sk.snd_cwnd;
  const srtt = sk.srtt_us;
  const ratio = cwnd < sk.snd_ssthresh >>> 1 ? TCP_PACING_SS_RATIO : TCP_PACING_CA_RATIO;
  const pkts = Math.max(cwnd, sk.packets_out);
  let rate: number;
  const a = sk.mss_cache * ((1_000_000 / 100) * 8) * ratio;
  if (a * pkts <= Number.MAX_SAFE_INTEGER) {
    rate = a * pkts;
    if (srtt !== 0) rate = Math.floor(rate / srtt);
  } else {
    let r = BigInt.asUintN(64, BigInt(a) * BigInt(pkts));
    if (srtt !== 0) r /= BigInt(srtt);
    rate = Number(r);
  }
  sk.sk_pacing_rate = Math.min(rate, sk.sk_max_pacing_rate ?? PACING_RATE_UNLIMITED);
}
