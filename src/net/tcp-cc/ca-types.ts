/**
 * @fileoverview The TCP congestion-control hook interface as the kernel
 * model's TCP subsystem imports it: `TcpCongestionOps` (include/net/tcp.h
 * `struct tcp_congestion_ops`), the socket view `TcpCaSock` that built-in
 * algorithms and kfuncs work on, the ack and rate samples, and the constants.
 * They are declared once, in src/uapi/tcp-cc.ts, the leaf module the
 * simulator imports too; this module re-exports them for src/net/tcp-cc and
 * adds the model kernel's HZ.
 */

export {
  TCP_CA_Open, TCP_CA_Disorder, TCP_CA_CWR, TCP_CA_Recovery, TCP_CA_Loss,
  CA_EVENT_TX_START, CA_EVENT_CWND_RESTART, CA_EVENT_COMPLETE_CWR, CA_EVENT_LOSS, CA_EVENT_ECN_NO_CE, CA_EVENT_ECN_IS_CE,
  CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, CA_ACK_ECE,
  SK_PACING_NONE, SK_PACING_NEEDED, SK_PACING_FQ,
  TCP_CONG_NON_RESTRICTED, TCP_CONG_NEEDS_ECN, TCP_CONG_MASK,
  TCP_CA_NAME_MAX, TCP_INFINITE_SSTHRESH, ICSK_CA_PRIV_SIZE,
  TCP_ECN_OK, TCP_ECN_QUEUE_CWR, TCP_ECN_DEMAND_CWR, TCP_ECN_SEEN,
  ICSK_ACK_SCHED, ICSK_ACK_TIMER, ICSK_ACK_NOW,
} from "../../uapi/tcp-cc.js";

export type { AckSample, RateSample, TcpCaSock, TcpCongestionOps, TcpCcInfo, TcpCcSocket, TcpCcHost } from "../../uapi/tcp-cc.js";

/** The model kernel's CONFIG_HZ: 250, as Debian's and most distribution kernels (reported through .kconfig). */
export const HZ = 250;
