/**
 * @fileoverview The interface between the simulated TCP sender and
 * congestion control, with Linux's names: the socket fields CC code reads
 * and writes (`struct tcp_sock`, `inet_connection_sock`, `struct sock`) and
 * the hooks of `struct tcp_congestion_ops` (include/net/tcp.h).
 *
 * The simulator depends only on this file. `src/net/tcp-cc` provides objects
 * that satisfy it structurally: a socket of the emulated kernel whose fields
 * are the bytes of its `tcp_sock` in kernel memory, and whose `ca` is the
 * algorithm it runs (built-in, or a struct_ops map running BPF programs). So
 * the sender's state lives where a BPF congestion control sees it, and the
 * simulator never imports the kernel (ARCHITECTURE.md).
 */

import { ENOENT, formatErrno } from "../../uapi/errno.js";

/** What an unknown congestion-control name gets told: `no congestion control "bbr"; available: reno cubic`. */
export function ccUnknown(name: string, available?: readonly string[]): string {
  return `no congestion control "${name}"${available === undefined ? "" : `; available: ${available.length === 0 ? "(none)" : available.join(" ")}`}`;
}

/**
 * Why setting congestion control `name` failed, for a user: the errno and,
 * for an unknown name (ENOENT), what is registered.
 * @example
 * ccRefusal(-2, "bbr", ["reno", "cubic"]) // 'ENOENT (2): no congestion control "bbr"; available: reno cubic'
 */
export function ccRefusal(errno: number, name: string, available?: readonly string[]): string {
  const e = formatErrno(errno);
  return Math.abs(errno) === ENOENT ? `${e}: ${ccUnknown(name, available)}` : e;
}

export {
  TCP_CA_Open, TCP_CA_Disorder, TCP_CA_CWR, TCP_CA_Recovery, TCP_CA_Loss,
  CA_EVENT_TX_START, CA_EVENT_CWND_RESTART, CA_EVENT_COMPLETE_CWR, CA_EVENT_LOSS, CA_EVENT_ECN_NO_CE, CA_EVENT_ECN_IS_CE,
  CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, CA_ACK_ECE,
  SK_PACING_NONE, SK_PACING_NEEDED, SK_PACING_FQ,
  TCP_ECN_OK, TCP_ECN_QUEUE_CWR, TCP_ECN_DEMAND_CWR, TCP_ECN_SEEN,
  ICSK_ACK_TIMER, ICSK_ACK_NOW,
  TCP_CONG_NEEDS_ECN, TCP_INFINITE_SSTHRESH,
} from "../../uapi/tcp-cc.js";

/** struct ack_sample (pkts_acked). */
export interface CcAckSample {
  pkts_acked: number;
  rtt_us: number;
  in_flight: number;
}

/** struct rate_sample (cong_control); field names as Linux. */
export interface CcRateSample {
  prior_mstamp: bigint;
  prior_delivered: number;
  prior_delivered_ce: number;
  delivered: number;
  delivered_ce: number;
  interval_us: number;
  snd_interval_us: number;
  rcv_interval_us: number;
  rtt_us: number;
  losses: number;
  acked_sacked: number;
  prior_in_flight: number;
  last_end_seq: number;
  is_app_limited: boolean;
  is_retrans: boolean;
  is_ack_delayed: boolean;
}

/**
 * The socket fields the sender and CC share. u32 unless noted; setters store
 * modulo 2^32 as C does. `addr`, `caPriv` and `jiffies32` are what a
 * congestion control needs besides the fields (the socket's address for BPF,
 * its private area, the jiffies clock).
 */
export interface CcSock {
  readonly addr: number;
  snd_cwnd: number;
  snd_ssthresh: number;
  snd_cwnd_cnt: number;
  snd_cwnd_clamp: number;
  prior_cwnd: number;
  prior_ssthresh: number;
  snd_una: number;
  snd_nxt: number;
  srtt_us: number;
  mss_cache: number;
  packets_out: number;
  sacked_out: number;
  lost_out: number;
  retrans_out: number;
  delivered: number;
  delivered_ce: number;
  max_packets_out: number;
  is_cwnd_limited: number;
  /** µs (u64 as a number). */
  tcp_mstamp: number;
  icsk_ca_state: number;
  /** Bytes per second (u64 as a number). */
  sk_pacing_rate: number;
  sk_pacing_status?: number;
  sk_gso_max_size?: number;
  lsndtime?: number;
  /** tcp_sock.ecn_flags (TCP_ECN_*), u8; a receiver's DEMAND_CWR lives here. */
  ecn_flags?: number;
  /** tcp_sock.rcv_nxt (u32 sequence): the receiver keeps it current. */
  rcv_nxt?: number;
  /** inet_connection_sock.icsk_ack.pending (ICSK_ACK_*): the receiver's delayed-ACK timer and ACK-now requests. */
  icsk_ack_pending?: number;
  /** tcp_sock.app_limited (u32); when absent the sender keeps it in its own state. */
  app_limited?: number;
  /** tcp_sock.lost (u32). */
  lost?: number;
  /** tcp_sock.delivered_mstamp, µs. */
  delivered_mstamp?: number;
  /** tcp_sock.tcp_clock_cache, ns. */
  tcp_clock_cache?: number;
  /** tcp_sock.tcp_wstamp_ns, ns: the pacer's earliest departure time. */
  tcp_wstamp_ns?: number;
  /** sock.sk_pacing_shift (u8). */
  sk_pacing_shift?: number;
  /** sock.sk_max_pacing_rate, bytes/s. */
  sk_max_pacing_rate?: number;
  /** tcp_min_rtt() in µs. */
  rtt_min?: number;
  readonly jiffies32: number;
  readonly caPriv: DataView;
}

/** struct tcp_congestion_ops as the sender calls it; absent hooks are undefined. */
export interface CcOps {
  readonly name: string;
  readonly flags: number;
  ssthresh?(sk: CcSock): number;
  cong_avoid?(sk: CcSock, ack: number, acked: number): void;
  cong_control?(sk: CcSock, ack: number, flag: number, rs: CcRateSample): void;
  set_state?(sk: CcSock, newState: number): void;
  cwnd_event?(sk: CcSock, ev: number): void;
  in_ack_event?(sk: CcSock, flags: number): void;
  pkts_acked?(sk: CcSock, sample: CcAckSample): void;
  undo_cwnd?(sk: CcSock): number;
  min_tso_segs?(sk: CcSock): number;
  sndbuf_expand?(sk: CcSock): number;
}

/** A socket: its fields plus the algorithm it runs now (icsk_ca_ops). */
export interface CcSocket extends CcSock {
  readonly ca: CcOps;
}

/**
 * The socket factory of the network stack the simulator runs on (the
 * emulated kernel's TCP subsystem). Errors are negative errnos.
 */
export interface CcHost {
  /** Moves the stack's clock to `ns` (jiffies, ktime, tcp_mstamp sources) before hooks run. */
  setTime(ns: number): void;
  /** socket(): a socket on the netns default CA, or -errno. */
  socket(): CcSocket | number;
  /** setsockopt(TCP_CONGESTION): 0 or -errno. May run release()/init(). */
  setCongestion(sk: CcSocket, name: string): number;
  /** The registered algorithms' names (tcp_available_congestion_control), for errors. Optional. */
  availableCongestion?(): readonly string[];
  /** The connection is established: the CA's init() runs (tcp_init_transfer). */
  establish(sk: CcSocket): void;
  /** close(): release() and the reference on the CA. */
  close(sk: CcSocket): void;
  /**
   * Registers the callback for __tcp_send_ack(sk, rcv_nxt) requests a CA
   * makes (bpf_tcp_send_ack; DCTCP's receiver-side ACK on a CE change):
   * an ACK of `rcvNxt` (a u32 sequence number) leaves at once. Optional.
   */
  onSendAck?(cb: (sk: CcSocket, rcvNxt: number) => void): void;
}
