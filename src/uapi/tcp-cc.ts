/**
 * @fileoverview The numbers of TCP congestion control that programs and
 * algorithms see: CA states (include/uapi/linux/tcp.h `enum tcp_ca_state`),
 * CA events and ACK event flags, tcp_congestion_ops flags and limits
 * (include/net/tcp.h), pacing states (include/net/sock.h `enum sk_pacing`)
 * and `tcp_sock.ecn_flags` bits. One definition, shared by the kernel model's
 * TCP subsystem (src/net/tcp-cc) and the testbed (src/sim), which may not
 * import each other.
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
