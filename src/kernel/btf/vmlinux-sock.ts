/**
 * @fileoverview The socket part of the model's kernel BTF: `struct
 * sock_common`, `struct sock`, `struct inet_sock`, `struct
 * inet_connection_sock` and `struct tcp_sock`, with Linux 6.18's member names
 * and types (include/net/sock.h, inet_sock.h, inet_connection_sock.h,
 * include/linux/tcp.h) and the fields BPF congestion controls read.
 *
 * Each struct embeds the previous one at offset 0 (`tcp_sk(sk)` is a cast).
 * Field order and padding are the model's own: the kernel memory's permission
 * shadow works in 8-byte granules, so every field a BPF congestion control
 * may write (`bpf_tcp_ca_btf_struct_access`, net/ipv4/bpf_tcp_ca.c) sits in
 * granules that hold no read-only field. CO-RE relocations make programs
 * independent of that order, as they are on Linux.
 *
 * Key invariant: the writable fields listed in vmlinux.ts occupy whole
 * granules shared only with each other or with padding (checked by tests).
 */
import { BTF_KIND_STRUCT } from "../../uapi/btf.js";
import { GRANULE } from "../mem/memory.js";
import type { BtfBuilder } from "./builder.js";
import { layoutStruct, layoutUnion } from "./layout.js";
import type { LayoutItem } from "./layout.js";
import type { VmlinuxBase } from "./vmlinux-base.js";

/** Close the current granule: the next field starts a fresh one. */
const GRANULE_BREAK: LayoutItem = { alignTo: GRANULE };

const TCP_STATES = [
  "TCP_ESTABLISHED",
  "TCP_SYN_SENT",
  "TCP_SYN_RECV",
  "TCP_FIN_WAIT1",
  "TCP_FIN_WAIT2",
  "TCP_TIME_WAIT",
  "TCP_CLOSE",
  "TCP_CLOSE_WAIT",
  "TCP_LAST_ACK",
  "TCP_LISTEN",
  "TCP_CLOSING",
  "TCP_NEW_SYN_RECV",
  "TCP_BOUND_INACTIVE",
  "TCP_MAX_STATES",
];

/** Ids of the socket structs, declared up front so other types can point at them. */
export interface SockDecls {
  readonly sock_common: number;
  readonly sock: number;
  readonly inet_sock: number;
  readonly inet_connection_sock: number;
  readonly tcp_sock: number;
}

/** Declares the socket structs (defined later by {@link defineSockTypes}). */
export function declareSockTypes(b: BtfBuilder): SockDecls {
  return {
    sock_common: b.declare(BTF_KIND_STRUCT, "sock_common"),
    sock: b.declare(BTF_KIND_STRUCT, "sock"),
    inet_sock: b.declare(BTF_KIND_STRUCT, "inet_sock"),
    inet_connection_sock: b.declare(BTF_KIND_STRUCT, "inet_connection_sock"),
    tcp_sock: b.declare(BTF_KIND_STRUCT, "tcp_sock"),
  };
}

/** What the socket part needs from the CC part. */
export interface SockDeps {
  readonly tcp_congestion_ops: number;
  readonly minmax: number;
}

/** Defines the socket structs. */
export function defineSockTypes(b: BtfBuilder, t: VmlinuxBase, d: SockDecls, cc: SockDeps): void {
  const arr = (type: number, n: number): number => b.array(type, t.int, n);
  const anonStruct = (items: LayoutItem[]): number => layoutStruct(b, "", items);
  const u8bits = (name: string, bits: number): LayoutItem => ({ name, type: t.u8, bits });

  // The enums CC programs compare socket fields with.
  b.enum("sk_pacing", ["SK_PACING_NONE", "SK_PACING_NEEDED", "SK_PACING_FQ"].map((name, val) => ({ name, val })));
  b.enum(
    "inet_csk_ack_state_t",
    ["ICSK_ACK_SCHED", "ICSK_ACK_TIMER", "ICSK_ACK_PUSHED", "ICSK_ACK_PUSHED2", "ICSK_ACK_NOW", "ICSK_ACK_NOMEM"].map((name, i) => ({ name, val: 1 << i })),
  );
  // The anonymous enum of TCP states (include/net/tcp_states.h), from TCP_ESTABLISHED = 1.
  b.enum("", TCP_STATES.map((name, i) => ({ name, val: i + 1 })));

  // struct in6_addr (include/uapi/linux/in6.h)
  const in6_addr = layoutStruct(b, "in6_addr", [
    {
      name: "in6_u",
      type: layoutUnion(b, "", [
        { name: "u6_addr8", type: arr(t.__u8, 16) },
        { name: "u6_addr16", type: arr(t.__be16, 8) },
        { name: "u6_addr32", type: arr(t.__be32, 4) },
      ]),
    },
  ]);

  layoutStruct(b, d.sock_common, [
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_addrpair", type: t.__addrpair },
        { name: "", type: anonStruct([{ name: "skc_daddr", type: t.__be32 }, { name: "skc_rcv_saddr", type: t.__be32 }]) },
      ]),
    },
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_hash", type: t.unsigned_int },
        { name: "skc_u16hashes", type: arr(t.__u16, 2) },
      ]),
    },
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_portpair", type: t.__portpair },
        { name: "", type: anonStruct([{ name: "skc_dport", type: t.__be16 }, { name: "skc_num", type: t.__u16 }]) },
      ]),
    },
    { name: "skc_family", type: t.short_unsigned_int },
    { name: "skc_state", type: b.volatile(t.unsigned_char) },
    { name: "skc_reuse", type: t.unsigned_char, bits: 4 },
    { name: "skc_reuseport", type: t.unsigned_char, bits: 1 },
    { name: "skc_ipv6only", type: t.unsigned_char, bits: 1 },
    { name: "skc_net_refcnt", type: t.unsigned_char, bits: 1 },
    { name: "skc_bound_dev_if", type: t.int },
    { name: "skc_prot", type: b.ptr(b.fwd("proto")) },
    { name: "skc_v6_daddr", type: in6_addr },
    { name: "skc_v6_rcv_saddr", type: in6_addr },
    { name: "skc_cookie", type: t.atomic64_t },
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_flags", type: t.long_unsigned_int },
        { name: "skc_listener", type: b.ptr(d.sock) },
      ]),
    },
    { name: "skc_tx_queue_mapping", type: t.short_unsigned_int },
    { name: "skc_rx_queue_mapping", type: t.short_unsigned_int },
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_incoming_cpu", type: t.int },
        { name: "skc_rcv_wnd", type: t.u32 },
        { name: "skc_tw_rcv_nxt", type: t.u32 },
      ]),
    },
    { name: "skc_refcnt", type: t.refcount_t },
    {
      name: "",
      type: layoutUnion(b, "", [
        { name: "skc_rxhash", type: t.u32 },
        { name: "skc_window_clamp", type: t.u32 },
        { name: "skc_tw_snd_nxt", type: t.u32 },
      ]),
    },
  ]);

  layoutStruct(b, d.sock, [
    { name: "__sk_common", type: d.sock_common },
    // Writable by BPF CC (sk_pacing_rate, sk_pacing_status): granules of their own.
    GRANULE_BREAK,
    { name: "sk_pacing_rate", type: t.long_unsigned_int },
    { name: "sk_pacing_status", type: t.u32 },
    GRANULE_BREAK,
    { name: "sk_max_pacing_rate", type: t.long_unsigned_int },
    { name: "sk_drops", type: t.atomic_t },
    { name: "sk_peek_off", type: t.__s32 },
    { name: "sk_rcvbuf", type: t.int },
    { name: "sk_rcvlowat", type: t.int },
    { name: "sk_rcvtimeo", type: t.long_int },
    { name: "sk_userlocks", type: t.u8 },
    { name: "sk_err", type: t.int },
    { name: "sk_err_soft", type: t.int },
    { name: "sk_forward_alloc", type: t.int },
    { name: "sk_reserved_mem", type: t.u32 },
    { name: "sk_tsflags", type: t.u32 },
    { name: "sk_write_pending", type: t.int },
    { name: "sk_wmem_queued", type: t.int },
    { name: "sk_omem_alloc", type: t.atomic_t },
    { name: "sk_wmem_alloc", type: t.refcount_t },
    { name: "sk_tsq_flags", type: t.long_unsigned_int },
    { name: "sk_dst_pending_confirm", type: t.u32 },
    { name: "sk_sndtimeo", type: t.long_int },
    { name: "sk_priority", type: t.u32 },
    { name: "sk_mark", type: t.u32 },
    { name: "sk_protocol", type: t.u16 },
    { name: "sk_type", type: t.u16 },
    { name: "sk_route_caps", type: t.netdev_features_t },
    { name: "sk_gso_type", type: t.u16 },
    { name: "sk_gso_max_segs", type: t.u16 },
    { name: "sk_gso_max_size", type: t.unsigned_int },
    { name: "sk_allocation", type: t.gfp_t },
    { name: "sk_txhash", type: t.u32 },
    { name: "sk_sndbuf", type: t.int },
    { name: "sk_pacing_shift", type: t.u8 },
    { name: "sk_use_task_frag", type: t.bool },
    u8bits("sk_gso_disabled", 1),
    u8bits("sk_kern_sock", 1),
    u8bits("sk_no_check_tx", 1),
    u8bits("sk_no_check_rx", 1),
    { name: "sk_shutdown", type: t.u8 },
    { name: "sk_lingertime", type: t.long_unsigned_int },
    { name: "sk_ack_backlog", type: t.u32 },
    { name: "sk_max_ack_backlog", type: t.u32 },
    { name: "sk_ino", type: t.long_unsigned_int },
    { name: "sk_stamp", type: t.ktime_t },
    { name: "sk_disconnects", type: t.int },
    { name: "sk_clockid", type: t.u8 },
    u8bits("sk_txtime_deadline_mode", 1),
    u8bits("sk_txtime_report_errors", 1),
    u8bits("sk_txtime_unused", 6),
    { name: "sk_bpf_cb_flags", type: t.u8 },
    { name: "sk_user_data", type: b.ptr(0) },
    { name: "sk_socket", type: b.ptr(b.fwd("socket")) },
  ]);

  layoutStruct(b, d.inet_sock, [
    { name: "sk", type: d.sock },
    { name: "pinet6", type: b.ptr(b.fwd("ipv6_pinfo")) },
    { name: "inet_flags", type: t.long_unsigned_int },
    { name: "inet_saddr", type: t.__be32 },
    { name: "uc_ttl", type: t.__s16 },
    { name: "inet_sport", type: t.__be16 },
    { name: "inet_id", type: t.atomic_t },
    { name: "tos", type: t.__u8 },
    { name: "min_ttl", type: t.__u8 },
    { name: "mc_ttl", type: t.__u8 },
    { name: "pmtudisc", type: t.__u8 },
    { name: "rcv_tos", type: t.__u8 },
    { name: "convert_csum", type: t.__u8 },
    { name: "uc_index", type: t.int },
    { name: "mc_index", type: t.int },
    { name: "mc_addr", type: t.__be32 },
    { name: "local_port_range", type: t.u32 },
  ]);

  // icsk_ack: `pending` (BPF-writable) alone in the first granule.
  const icsk_ack = anonStruct([
    { name: "pending", type: t.__u8 },
    GRANULE_BREAK,
    { name: "quick", type: t.__u8 },
    { name: "pingpong", type: t.__u8 },
    { name: "retry", type: t.__u8 },
    { name: "ato", type: t.__u32, bits: 8 },
    { name: "lrcv_flowlabel", type: t.__u32, bits: 20 },
    { name: "dst_quick_ack", type: t.__u32, bits: 1 },
    { name: "unused", type: t.__u32, bits: 3 },
    { name: "lrcvtime", type: t.__u32 },
    { name: "last_seg_size", type: t.__u16 },
    { name: "rcv_mss", type: t.__u16 },
  ]);
  const icsk_mtup = anonStruct([
    { name: "search_high", type: t.int },
    { name: "search_low", type: t.int },
    { name: "probe_size", type: t.u32, bits: 31 },
    { name: "enabled", type: t.u32, bits: 1 },
    { name: "probe_timestamp", type: t.u32 },
  ]);
  layoutStruct(b, d.inet_connection_sock, [
    { name: "icsk_inet", type: d.inet_sock },
    { name: "icsk_rto", type: t.__u32 },
    { name: "icsk_rto_min", type: t.__u32 },
    { name: "icsk_rto_max", type: t.u32 },
    { name: "icsk_delack_max", type: t.__u32 },
    { name: "icsk_pmtu_cookie", type: t.__u32 },
    { name: "icsk_ca_ops", type: b.ptr(b.const(cc.tcp_congestion_ops)) },
    { name: "icsk_ulp_data", type: b.ptr(0) },
    { name: "icsk_ca_state", type: t.__u8, bits: 5 },
    { name: "icsk_ca_initialized", type: t.__u8, bits: 1 },
    { name: "icsk_ca_setsockopt", type: t.__u8, bits: 1 },
    { name: "icsk_ca_dst_locked", type: t.__u8, bits: 1 },
    { name: "icsk_retransmits", type: t.__u8 },
    { name: "icsk_pending", type: t.__u8 },
    { name: "icsk_backoff", type: t.__u8 },
    { name: "icsk_syn_retries", type: t.__u8 },
    { name: "icsk_probes_out", type: t.__u8 },
    { name: "icsk_ext_hdr_len", type: t.__u16 },
    { name: "icsk_ack", type: icsk_ack, align: GRANULE },
    { name: "icsk_mtup", type: icsk_mtup },
    { name: "icsk_probes_tstamp", type: t.u32 },
    { name: "icsk_user_timeout", type: t.u32 },
    // Writable by BPF CC: 13 u64, whole granules.
    { name: "icsk_ca_priv", type: arr(t.u64, 13), align: GRANULE },
  ]);

  const stampedSeq = (first: LayoutItem): number => anonStruct([first, { name: "seq", type: t.u32 }, { name: "time", type: t.u64 }]);
  const tcp_rack = layoutStruct(b, "tcp_rack", [
    { name: "mstamp", type: t.u64 },
    { name: "rtt_us", type: t.u32 },
    { name: "end_seq", type: t.u32 },
    { name: "last_delivered", type: t.u32 },
    { name: "reo_wnd_steps", type: t.u8 },
    u8bits("reo_wnd_persist", 5),
    u8bits("dsack_seen", 1),
    u8bits("advanced", 1),
  ]);
  const u16bits = (name: string, bits: number): LayoutItem => ({ name, type: t.u16, bits });
  const tcp_options_received = layoutStruct(b, "tcp_options_received", [
    { name: "ts_recent_stamp", type: t.int },
    { name: "ts_recent", type: t.u32 },
    { name: "rcv_tsval", type: t.u32 },
    { name: "rcv_tsecr", type: t.u32 },
    u16bits("saw_tstamp", 1),
    u16bits("tstamp_ok", 1),
    u16bits("dsack", 1),
    u16bits("wscale_ok", 1),
    u16bits("sack_ok", 3),
    u16bits("smc_ok", 1),
    u16bits("snd_wscale", 4),
    u16bits("rcv_wscale", 4),
    u8bits("accecn", 6),
    u8bits("saw_unknown", 1),
    u8bits("unused", 1),
    { name: "num_sacks", type: t.u8 },
    { name: "user_mss", type: t.u16 },
    { name: "mss_clamp", type: t.u16 },
  ]);
  const tcp_sack_block = layoutStruct(b, "tcp_sack_block", [
    { name: "start_seq", type: t.u32 },
    { name: "end_seq", type: t.u32 },
  ]);
  const u32s = (...names: string[]): LayoutItem[] => names.map((name) => ({ name, type: t.u32 }));

  layoutStruct(b, d.tcp_sock, [
    { name: "inet_conn", type: d.inet_connection_sock },
    // Writable by BPF CC: snd_cwnd, snd_ssthresh, snd_cwnd_cnt, app_limited, snd_cwnd_stamp (since 6.10), ecn_flags.
    GRANULE_BREAK,
    ...u32s("snd_cwnd", "snd_ssthresh", "snd_cwnd_cnt", "app_limited", "snd_cwnd_stamp"),
    { name: "ecn_flags", type: t.u8 },
    GRANULE_BREAK,
    ...u32s("max_window", "rcv_ssthresh", "reordering", "notsent_lowat"),
    { name: "gso_segs", type: t.u16 },
    ...u32s("tsoffset", "snd_wnd", "mss_cache", "prr_out", "lost_out", "sacked_out"),
    { name: "tcp_header_len", type: t.u16 },
    { name: "scaling_ratio", type: t.u8 },
    u8bits("repair", 1),
    u8bits("tcp_usec_ts", 1),
    u8bits("is_sack_reneg", 1),
    u8bits("is_cwnd_limited", 1),
    u8bits("recvmsg_inq", 1),
    ...u32s("copied_seq", "snd_wl1", "tlp_high_seq", "rttvar_us", "retrans_out"),
    { name: "advmss", type: t.u16 },
    { name: "urg_data", type: t.u16 },
    ...u32s("lost"),
    { name: "rtt_min", type: cc.minmax },
    ...u32s("segs_out", "data_segs_out"),
    { name: "bytes_sent", type: t.u64 },
    ...u32s("snd_sml"),
    { name: "chrono_type", type: t.u8 },
    ...u32s("chrono_start"),
    { name: "chrono_stat", type: arr(t.u32, 3) },
    ...u32s("write_seq", "pushed_seq", "lsndtime", "mdev_us", "rtt_seq"),
    { name: "tcp_wstamp_ns", type: t.u64 },
    { name: "tsorted_sent_queue", type: t.list_head },
    u8bits("nonagle", 4),
    u8bits("rate_app_limited", 1),
    { name: "pred_flags", type: t.__be32 },
    { name: "tcp_clock_cache", type: t.u64 },
    { name: "tcp_mstamp", type: t.u64 },
    ...u32s("rcv_nxt", "snd_nxt", "snd_una", "window_clamp", "srtt_us", "packets_out", "snd_up"),
    ...u32s("delivered", "delivered_ce", "received_ce", "rcv_wnd", "rcv_tstamp"),
    { name: "rx_opt", type: tcp_options_received },
    { name: "bytes_received", type: t.u64 },
    ...u32s("segs_in", "data_segs_in", "rcv_wup", "max_packets_out", "cwnd_usage_seq"),
    ...u32s("rate_delivered", "rate_interval_us", "rcv_rtt_last_tsecr"),
    { name: "first_tx_mstamp", type: t.u64 },
    { name: "delivered_mstamp", type: t.u64 },
    { name: "bytes_acked", type: t.u64 },
    { name: "rcv_rtt_est", type: stampedSeq({ name: "rtt_us", type: t.u32 }) },
    { name: "rcvq_space", type: stampedSeq({ name: "space", type: t.int }) },
    ...u32s("dsack_dups", "compressed_ack_rcv_nxt"),
    { name: "rack", type: tcp_rack },
    { name: "compressed_ack", type: t.u8 },
    u8bits("dup_ack_counter", 2),
    u8bits("tlp_retrans", 1),
    u8bits("syn_ect_snt", 2),
    u8bits("syn_ect_rcv", 2),
    u8bits("thin_lto", 1),
    u8bits("fastopen_connect", 1),
    u8bits("fastopen_no_cookie", 1),
    u8bits("fastopen_client_fail", 2),
    u8bits("frto", 1),
    { name: "repair_queue", type: t.u8 },
    { name: "keepalive_probes", type: t.u8 },
    ...u32s("tcp_tx_delay", "mdev_max_us", "reord_seen"),
    ...u32s("snd_cwnd_clamp", "snd_cwnd_used", "prior_cwnd", "prr_delivered", "last_oow_ack_time"),
    { name: "duplicate_sack", type: arr(tcp_sack_block, 1) },
    { name: "selective_acks", type: arr(tcp_sack_block, 4) },
    { name: "recv_sack_cache", type: arr(tcp_sack_block, 4) },
    ...u32s("prior_ssthresh", "high_seq", "retrans_stamp", "undo_marker"),
    { name: "undo_retrans", type: t.int },
    ...u32s("mtu_info"),
    { name: "bytes_retrans", type: t.u64 },
    ...u32s("total_retrans", "rto_stamp"),
    { name: "total_rto", type: t.u16 },
    { name: "total_rto_recoveries", type: t.u16 },
    ...u32s("total_rto_time", "urg_seq"),
    { name: "keepalive_time", type: t.unsigned_int },
    { name: "keepalive_intvl", type: t.unsigned_int },
    { name: "linger2", type: t.int },
    { name: "bpf_sock_ops_cb_flags", type: t.u8 },
    u8bits("bpf_chg_cc_inprogress", 1),
    { name: "timeout_rehash", type: t.u16 },
    ...u32s("rcv_ooopack"),
    { name: "mtu_probe", type: anonStruct(u32s("probe_seq_start", "probe_seq_end")) },
    ...u32s("plb_rehash"),
    { name: "is_mptcp", type: t.bool },
  ]);
}
