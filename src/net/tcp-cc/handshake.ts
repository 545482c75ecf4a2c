/**
 * @fileoverview The client's tcp_sock through the emulated kernel's loopback
 * three-way handshake (connect(2) to 127.0.0.1), field by field as Linux
 * 6.18 leaves it for the congestion control: what its hooks on the SYN-ACK
 * (pkts_acked, in_ack_event) and its init() at tcp_init_transfer read.
 * Checked per field against this machine's kernel by
 * test/parity/fields-suite-linux.test.ts (test/fixtures/fields.bpf.c).
 *
 * - The SYN (tcp_connect_init, tcp_connect): snd_una = ISN, snd_nxt = ISN + 1,
 *   one packet out, mss_cache from the loopback MTU (tcp_sync_mss, no window
 *   yet), tcp_mstamp and delivered_mstamp the send time (tcp_rate_skb_sent,
 *   nothing in flight); no data, so lsndtime stays 0 (tcp_event_data_sent
 *   only stamps data); sk_gso_max_size from the loopback device
 *   (sk_setup_caps).
 * - The SYN-ACK's ACK processing (tcp_ack): the peer's window becomes
 *   max_window and mss_cache is bounded to half of it
 *   (tcp_ack_update_window → tcp_sync_mss → tcp_bound_to_half_wnd); the SYN
 *   leaves the retransmit queue (snd_una = snd_nxt, packets_out 0,
 *   delivered 1); its RTT is the first sample (tcp_ack_update_rtt: rtt_min,
 *   then tcp_rtt_estimator's first-sample branch: srtt_us = 8m, mdev_us =
 *   2m, rttvar_us = mdev_max_us = max(2m, tcp_rto_min), rtt_seq = snd_nxt);
 *   the rate sample ends the app-limited bubble (tcp_rate_gen: delivered is
 *   after app_limited = ~0U); the stack's pacing rate follows
 *   (tcp_update_pacing_rate) unless the CA has cong_control.
 * - tcp_rcv_synsent_state_process: rcv_nxt = the peer's ISN + 1; then
 *   tcp_finish_connect → tcp_init_transfer (snd_cwnd, snd_cwnd_stamp, init).
 *
 * The model's loopback has no clock of its own: the handshake takes
 * {@link LOOPBACK_RTT_US} and happens at the kernel's current time. ISNs are
 * a keyed hash of the ports (secure_tcp_seq's role, without its clock).
 *
 * @see net/ipv4/tcp_output.c tcp_connect_init, tcp_connect; net/ipv4/tcp_input.c tcp_ack, tcp_rcv_synsent_state_process (v6.18)
 */
import { tcpUpdatePacingRate } from "../../uapi/tcp-pacing.js";
import { jhash } from "./jhash.js";
import type { TcpSock } from "./sock.js";

/** The round trip of the model's loopback handshake, µs (Linux on this machine measures 3 to 15). */
export const LOOPBACK_RTT_US = 10;
/**
 * lo's MSS: its 65536-byte MTU capped at IPV4_MAX_PMTU (65535) less the IPv4
 * and TCP headers (ipv4_default_advmss), less the timestamp option (12).
 */
export const LOOPBACK_MSS = 65535 - 20 - 20 - 12;
/**
 * The window of the peer's SYN-ACK: 65535 (no scaling in a SYN) rounded down
 * to a multiple of the MSS it advertises (tcp_select_initial_window), one MSS.
 */
export const LOOPBACK_SYNACK_WINDOW = LOOPBACK_MSS;
/** sk_gso_max_size on lo: the device's 65536 less MAX_TCP_HEADER + 1 (sk_setup_caps; x86-64 Linux 6.18). */
export const LOOPBACK_GSO_MAX_SIZE = 65343;
/** tcp_rto_min (200 ms), µs. */
const TCP_RTO_MIN_US = 200_000;
/** The model's stand-in for net_secret. */
const ISN_SECRET = 0x5eed1e55;

/** The initial sequence number of a connection between two local ports. */
export function loopbackIsn(localPort: number, remotePort: number): number {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, ((localPort & 0xffff) << 16) | (remotePort & 0xffff), true);
  return jhash(key, 4, ISN_SECRET);
}

/** The SYN leaves (tcp_connect_init, tcp_connect): the fields the SYN-ACK's hooks then read. */
export function synSent(sk: TcpSock, isn: number, nowUs: number): void {
  sk.snd_una = isn;
  sk.snd_nxt = (isn + 1) >>> 0;
  sk.packets_out = 1;
  sk.mss_cache = LOOPBACK_MSS;
  sk.max_window = 0;
  sk.lsndtime = 0;
  sk.sk_gso_max_size = LOOPBACK_GSO_MAX_SIZE;
  sk.tcp_mstamp = nowUs;
  sk.delivered_mstamp = nowUs;
}

/**
 * tcp_ack of the SYN-ACK up to its congestion-control hooks: the window, the
 * SYN delivered, the handshake's RTT sample and the rate sample.
 */
export function synAckAcked(sk: TcpSock, nowUs: number): void {
  sk.max_window = LOOPBACK_SYNACK_WINDOW;
  sk.mss_cache = Math.min(sk.mss_cache, sk.max_window >>> 1);
  sk.snd_una = sk.snd_nxt;
  sk.packets_out = 0;
  sk.delivered = (sk.delivered + 1) >>> 0;
  sk.tcp_mstamp = nowUs;
  sk.delivered_mstamp = nowUs;
  const m = LOOPBACK_RTT_US;
  sk.updateRttMin(m);
  sk.srtt_us = m << 3;
  sk.mdev_us = m << 1;
  sk.rttvar_us = Math.max(m << 1, TCP_RTO_MIN_US);
  sk.mdev_max_us = sk.rttvar_us;
  sk.rtt_seq = sk.snd_nxt;
  sk.app_limited = 0;
}

/** After the hooks: the stack's pacing rate (no cong_control), then rcv_nxt from the SYN-ACK's sequence. */
export function synAckDone(sk: TcpSock, peerIsn: number): void {
  if (sk.ca.cong_control === undefined) tcpUpdatePacingRate(sk);
  sk.rcv_nxt = (peerIsn + 1) >>> 0;
}
