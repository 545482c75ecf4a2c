/**
 * @fileoverview Where the TCP socket fields live in the model's memory: byte
 * offsets inside `struct tcp_sock`, derived from the model's own BTF so that a
 * BPF program (through CO-RE) and the TypeScript side agree to the byte.
 */

/** u32 fields of tcp_sock a congestion control reads or writes, by Linux name. */
export const TCP_SOCK_U32_FIELDS = [
  "snd_cwnd",
  "snd_ssthresh",
  "snd_cwnd_cnt",
  "snd_cwnd_clamp",
  "prior_cwnd",
  "prior_ssthresh",
  "snd_una",
  "snd_nxt",
  "srtt_us",
  "mss_cache",
  "packets_out",
  "sacked_out",
  "lost_out",
  "retrans_out",
  "delivered",
  "delivered_ce",
  "max_packets_out",
  // Read by congestion control and kept by the testbed's TCP (additive).
  "lsndtime",
  "sk_pacing_status",
  "sk_gso_max_size",
  // The receiving side's next expected sequence (DCTCP's CE state machine reads it).
  "rcv_nxt",
  // Read or written by built-in BBR and internal pacing (additive).
  "app_limited",
  "lost",
  // Loss recovery and RTT state the testbed keeps current (docs/tcp-sock-fields.md).
  "reordering",
  "prr_out",
  "high_seq",
  "snd_cwnd_stamp",
  "mdev_us",
  // RTT estimator, undo, retransmission and rate-sample state (docs/tcp-sock-fields.md).
  "mdev_max_us",
  "rttvar_us",
  "rtt_seq",
  "undo_marker",
  "undo_retrans",
  "retrans_stamp",
  "total_retrans",
  "rate_delivered",
  "rate_interval_us",
  // The largest window the peer offered (tcp_ack_update_window); bounds mss_cache to half of it (tcp_bound_to_half_wnd).
  "max_window",
] as const;

/** A u32 field name of {@link TCP_SOCK_U32_FIELDS}. */
export type TcpSockU32Field = (typeof TCP_SOCK_U32_FIELDS)[number];

/** Offsets and sizes the socket accessors use. */
export interface TcpSockLayout {
  /** sizeof(struct tcp_sock). */
  readonly size: number;
  readonly u32: Readonly<Record<TcpSockU32Field, number>>;
  /** tcp_sock.tcp_mstamp (u64). */
  readonly tcp_mstamp: number;
  /** tcp_sock.is_cwnd_limited: byte offset and bit (a 1-bit bitfield or a u8). */
  readonly is_cwnd_limited: { readonly byte: number; readonly bit: number; readonly bits: number };
  /** inet_connection_sock.icsk_ca_state: byte offset, bit offset and width (5). */
  readonly icsk_ca_state: { readonly byte: number; readonly bit: number; readonly bits: number };
  /** inet_connection_sock.icsk_ca_priv. */
  readonly icsk_ca_priv: number;
  /** sock.sk_pacing_rate (unsigned long). */
  readonly sk_pacing_rate: number;
  /** inet_connection_sock.icsk_ack.pending (u8, ICSK_ACK_*); absent in older layouts. */
  readonly icsk_ack_pending?: number;
  /** tcp_sock.delivered_mstamp, tcp_clock_cache, tcp_wstamp_ns and sock.sk_max_pacing_rate (u64s). */
  readonly delivered_mstamp: number;
  readonly tcp_clock_cache: number;
  readonly tcp_wstamp_ns: number;
  readonly sk_max_pacing_rate: number;
  /** sock.sk_pacing_shift (u8). */
  readonly sk_pacing_shift: number;
  /** tcp_sock.rtt_min.s[0].v (u32): tcp_min_rtt(). */
  readonly rtt_min: number;
  /**
   * sock_common / inet_sock: skc_state (u8), skc_family (u16), skc_num (the
   * local port, host order), skc_dport and inet_sport (ports, network order).
   */
  readonly skc: { readonly state: number; readonly family: number; readonly num: number; readonly dport: number; readonly inet_sport: number };
  /** tcp_sock.ecn_flags (u8); absent in older layouts. */
  readonly ecn_flags?: number;
  /** The fields a BPF congestion control may write, exactly (bpf_tcp_ca_btf_struct_access's list, offsets in tcp_sock). */
  readonly writeFields: readonly { readonly name: string; readonly offset: number; readonly size: number; readonly range?: boolean }[];
  /** Byte ranges a BPF congestion control may write (granule aligned). */
  readonly writable: readonly { readonly offset: number; readonly size: number }[];
}
