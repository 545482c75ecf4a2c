/**
 * @fileoverview TCP congestion control as programs, algorithms and the TCP
 * stack see it: the numbers (CA states, include/uapi/linux/tcp.h
 * `enum tcp_ca_state`; CA events and ACK event flags, tcp_congestion_ops
 * flags and limits, include/net/tcp.h; pacing states, include/net/sock.h
 * `enum sk_pacing`; `tcp_sock.ecn_flags` bits) and the one hook interface,
 * named after `struct tcp_congestion_ops`, with the socket view algorithms
 * work on (`TcpCaSock`) and the ack and rate samples.
 *
 * One definition, a leaf of types and constants, shared by the kernel
 * model's TCP subsystem (src/net/tcp-cc, through ca-types.ts) and the
 * simulated TCP sender (src/sim/tcp), which may not import each other. A
 * registered congestion control is a {@link TcpCongestionOps}: a built-in
 * written in TypeScript or an adapter over a struct_ops map's kdata whose
 * hooks run BPF programs. Both take the same {@link TcpCaSock}, whose fields
 * live in the emulated kernel's memory at the offsets of the model's
 * `struct tcp_sock`, so a BPF program, a TypeScript algorithm and the
 * simulator see and change the same bytes.
 */

/** enum tcp_ca_state. */
export const TCP_CA_Open = 0;
export const TCP_CA_Disorder = 1;
export const TCP_CA_CWR = 2;
export const TCP_CA_Recovery = 3;
export const TCP_CA_Loss = 4;

/** enum tcp_ca_event. */
export const CA_EVENT_TX_START = 0;
export const CA_EVENT_CWND_RESTART = 1;
export const CA_EVENT_COMPLETE_CWR = 2;
export const CA_EVENT_LOSS = 3;
export const CA_EVENT_ECN_NO_CE = 4;
export const CA_EVENT_ECN_IS_CE = 5;

/** enum tcp_ca_ack_event_flags (in_ack_event). */
export const CA_ACK_SLOWPATH = 1 << 0;
export const CA_ACK_WIN_UPDATE = 1 << 1;
export const CA_ACK_ECE = 1 << 2;

/** enum sk_pacing: values of `sk_pacing_status`. */
export const SK_PACING_NONE = 0;
export const SK_PACING_NEEDED = 1;
export const SK_PACING_FQ = 2;

/** tcp_sock.ecn_flags bits. */
export const TCP_ECN_OK = 1;
export const TCP_ECN_QUEUE_CWR = 2;
export const TCP_ECN_DEMAND_CWR = 4;
export const TCP_ECN_SEEN = 8;

/** enum inet_csk_ack_state_t: bits of `inet_connection_sock.icsk_ack.pending`. */
export const ICSK_ACK_SCHED = 1;
export const ICSK_ACK_TIMER = 2;
export const ICSK_ACK_PUSHED = 4;
export const ICSK_ACK_PUSHED2 = 8;
export const ICSK_ACK_NOW = 16;

/** tcp_congestion_ops.flags bits. */
export const TCP_CONG_NON_RESTRICTED = 0x1;
export const TCP_CONG_NEEDS_ECN = 0x2;
/** Bits a registered CA may set (Linux 6.18: NON_RESTRICTED | NEEDS_ECN). */
export const TCP_CONG_MASK = TCP_CONG_NON_RESTRICTED | TCP_CONG_NEEDS_ECN;

/** TCP_CA_NAME_MAX: name buffer size including the NUL. */
export const TCP_CA_NAME_MAX = 16;
/** TCP_INFINITE_SSTHRESH: ssthresh before the first loss. */
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;
/** TCP_CA_PRIV_SIZE: bytes of `icsk_ca_priv` (13 u64). */
export const ICSK_CA_PRIV_SIZE = 104;

/** struct ack_sample, passed to pkts_acked. */
export interface AckSample {
  pkts_acked: number;
  /** RTT sample in µs, or -1 when the ACK gave none. */
  rtt_us: number;
  in_flight: number;
}

/** struct rate_sample, passed to cong_control (the fields CC code reads). */
export interface RateSample {
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
 * The socket as congestion control sees it: `struct tcp_sock` and the
 * `inet_connection_sock` fields CC code touches, plus the clocks. Numeric
 * fields are u32 unless noted; setters store modulo 2^32 as the kernel does.
 */
export interface TcpCaSock {
  /** Address of the socket (`struct sock *`) in the kernel memory; what a BPF hook receives. */
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
  /** tcp_sock.is_cwnd_limited (0 or 1). */
  is_cwnd_limited: number;
  /** tcp_sock.tcp_mstamp: µs timestamp of the latest ACK processing (u64 as a number). */
  tcp_mstamp: number;
  /** inet_connection_sock.icsk_ca_state (enum tcp_ca_state). */
  icsk_ca_state: number;
  /** sk_pacing_rate in bytes per second (u64 as a number). */
  sk_pacing_rate: number;
  /**
   * sock.sk_pacing_status (enum sk_pacing, u8); cubic's HyStart ACK-train
   * threshold reads it. Optional (test doubles leave it out): absent reads as SK_PACING_NONE.
   */
  sk_pacing_status?: number;
  /**
   * sock.sk_gso_max_size in bytes (u32); cubic's HyStart ACK-delay allowance
   * reads it. Optional (test doubles leave it out): absent reads as GSO_LEGACY_MAX_SIZE (65536).
   */
  sk_gso_max_size?: number;
  /**
   * tcp_sock.lsndtime: tcp_jiffies32 when data was last sent (u32); cubic's
   * CA_EVENT_TX_START reads it. Optional (test doubles leave it out): absent reads as the current
   * jiffies (no idle time, so cubic shifts nothing).
   */
  lsndtime?: number;
  /** tcp_sock.ecn_flags (TCP_ECN_*), u8; a receiver's DEMAND_CWR lives here. Optional: absent reads as 0 (no ECN). */
  ecn_flags?: number;
  /** tcp_sock.rcv_nxt: the next sequence number the receiving side expects (u32); the simulated receiver keeps it current. Optional: absent reads as 0. */
  rcv_nxt?: number;
  /** inet_connection_sock.icsk_ack.pending (ICSK_ACK_*, u8): the receiver's delayed-ACK timer and ACK-now requests. Optional: absent reads as 0. */
  icsk_ack_pending?: number;
  /** sock.sk_state (TCP_ESTABLISHED, TCP_CLOSE, TCP_LISTEN...). Optional: absent reads as TCP_ESTABLISHED. */
  readonly sk_state?: number;
  /**
   * inet_connection_sock.icsk_ca_ops: the algorithm the socket runs. A CA may
   * replace it with a sibling of its own module (dctcp_init falls back to
   * "dctcp-reno"). Optional: test doubles without it cannot fall back.
   */
  icsk_ca_ops?: TcpCongestionOps;
  /**
   * __tcp_send_ack(sk, rcv_nxt): sends an ACK for `rcv_nxt` now (DCTCP's ACK
   * for the data before a CE change). Optional: absent, nothing is sent.
   */
  tcp_send_ack?(rcv_nxt: number): void;
  /**
   * tcp_sock.app_limited: the delivered count at which the current
   * application-limited phase ends, 0 when not limited (u32). BBR writes it in
   * PROBE_RTT. Optional: absent reads as 0.
   */
  app_limited?: number;
  /** tcp_sock.lost: segments ever marked lost (u32). Optional: absent reads as 0. */
  lost?: number;
  /** tcp_sock fields the sender mirrors its recovery and RTT state into (docs/tcp-sock-fields.md). Optional: absent on sockets without them. */
  high_seq?: number;
  prr_out?: number;
  reordering?: number;
  mdev_us?: number;
  snd_cwnd_stamp?: number;
  mdev_max_us?: number;
  rttvar_us?: number;
  rtt_seq?: number;
  undo_marker?: number;
  /** tcp_sock.undo_retrans: an int; -1 (no retransmission to undo) reads as 0xffffffff through this u32 view. */
  undo_retrans?: number;
  retrans_stamp?: number;
  total_retrans?: number;
  rate_delivered?: number;
  rate_interval_us?: number;
  /** tcp_sock.delivered_mstamp: µs time of the latest delivery (u64 as a number). Optional: absent reads as tcp_mstamp. */
  delivered_mstamp?: number;
  /** tcp_sock.tcp_clock_cache: ns clock of this ACK's processing (u64 as a number). Optional: absent reads as tcp_mstamp * 1000. */
  tcp_clock_cache?: number;
  /** tcp_sock.tcp_wstamp_ns: the pacer's earliest departure time, ns (u64 as a number). Optional: absent reads as tcp_clock_cache. */
  tcp_wstamp_ns?: number;
  /** sock.sk_pacing_shift (u8): the TSO budget is sk_pacing_rate >> shift bytes. Optional: absent reads as 10. */
  sk_pacing_shift?: number;
  /** sock.sk_max_pacing_rate, bytes/s (unsigned long as a number). Optional: absent reads as ~0UL. */
  sk_max_pacing_rate?: number;
  /** tcp_min_rtt(): tcp_sock.rtt_min.s[0].v in µs (u32). Optional: absent reads as ~0U (no sample). */
  rtt_min?: number;
  /**
   * tcp_update_rtt_min()'s filter step: folds an RTT sample (µs) into
   * tcp_sock.rtt_min, Linux's windowed minimum over net.ipv4.tcp_min_rtt_wlen
   * (300 s), and returns tcp_min_rtt(). Optional: a socket without it keeps
   * the smallest sample in `rtt_min`.
   */
  updateRttMin?(rttUs: number): number;
  /** tcp_jiffies32 of the emulated kernel (u32). */
  readonly jiffies32: number;
  /** The `icsk_ca_priv` bytes ({@link ICSK_CA_PRIV_SIZE} long): a CA's private state. */
  readonly caPriv: DataView;
}

/**
 * A congestion-control algorithm as the TCP stack calls it. Hook names follow
 * `tcp_congestion_ops`; absent hooks are undefined, as NULL members are.
 */
export interface TcpCongestionOps {
  readonly name: string;
  /** tcp_congestion_ops.flags (TCP_CONG_*). */
  flags: number;
  /** jhash key of the name (set at registration). */
  key: number;
  ssthresh?(sk: TcpCaSock): number;
  cong_avoid?(sk: TcpCaSock, ack: number, acked: number): void;
  set_state?(sk: TcpCaSock, newState: number): void;
  cwnd_event?(sk: TcpCaSock, ev: number): void;
  in_ack_event?(sk: TcpCaSock, flags: number): void;
  pkts_acked?(sk: TcpCaSock, sample: AckSample): void;
  min_tso_segs?(sk: TcpCaSock): number;
  cong_control?(sk: TcpCaSock, ack: number, flag: number, rs: RateSample): void;
  undo_cwnd?(sk: TcpCaSock): number;
  sndbuf_expand?(sk: TcpCaSock): number;
  /**
   * get_info(sk, ext, &attr, info): fills the union tcp_cc_info for
   * INET_DIAG; the model returns the struct as an object and its attribute.
   */
  get_info?(sk: TcpCaSock, ext: number): TcpCcInfo | undefined;
  init?(sk: TcpCaSock): void;
  release?(sk: TcpCaSock): void;
}

/** What get_info reports: the INET_DIAG attribute and the member of union tcp_cc_info it filled. */
export type TcpCcInfo = {
  /** INET_DIAG_DCTCPINFO. */
  readonly attr: number;
  readonly dctcp: {
    readonly dctcp_enabled: number;
    readonly dctcp_ce_state: number;
    readonly dctcp_alpha: number;
    readonly dctcp_ab_ecn: number;
    readonly dctcp_ab_tot: number;
  };
};

/** A socket with the algorithm it runs now (`icsk_ca_ops`): what the TCP stack calls hooks on. */
export interface TcpCcSocket extends TcpCaSock {
  readonly ca: TcpCongestionOps;
}

/**
 * The network stack a simulated TCP sender runs on: socket calls of the
 * emulated kernel's TCP subsystem (src/net/tcp-cc/sim-host.ts implements it).
 * Errors are negative errnos.
 */
export interface TcpCcHost {
  /** Moves the stack's clock to `ns` (jiffies, ktime, tcp_mstamp sources) before hooks run. */
  setTime(ns: number): void;
  /** socket(): a socket on the netns default CA, or -errno. */
  socket(): TcpCcSocket | number;
  /** setsockopt(TCP_CONGESTION): 0 or -errno. May run release()/init(). */
  setCongestion(sk: TcpCcSocket, name: string): number;
  /** The registered algorithms' names (tcp_available_congestion_control), for errors. Optional. */
  availableCongestion?(): readonly string[];
  /** The connection is established: the CA's init() runs (tcp_init_transfer). */
  establish(sk: TcpCcSocket): void;
  /** close(): release() and the reference on the CA. */
  close(sk: TcpCcSocket): void;
  /**
   * Registers the callback for __tcp_send_ack(sk, rcv_nxt) requests a CA
   * makes (bpf_tcp_send_ack; DCTCP's receiver-side ACK on a CE change):
   * an ACK of `rcvNxt` (a u32 sequence number) leaves at once. Optional.
   */
  onSendAck?(cb: (sk: TcpCcSocket, rcvNxt: number) => void): void;
}
