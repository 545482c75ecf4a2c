/**
 * @fileoverview The congestion-control part of the model's kernel BTF:
 * `struct tcp_congestion_ops` and its struct_ops value type, the argument
 * types of its hooks (`struct ack_sample`, `struct rate_sample`,
 * `union tcp_cc_info`, `enum tcp_ca_event`), the CC enums, and the kfuncs a
 * BPF congestion control may call (net/ipv4/bpf_tcp_ca.c, tcp_cubic.c,
 * tcp_dctcp.c, tcp_bbr.c).
 *
 * `struct tcp_congestion_ops` (include/net/tcp.h) and
 * `struct bpf_struct_ops_tcp_congestion_ops` (the BPF_STRUCT_OPS_TYPE value of
 * kernel/bpf/bpf_struct_ops.c) are laid out exactly as Linux 6.18 lays them
 * out on x86-64: 18 members, `name` at 88, `key` at 128, `release` at 144,
 * `____cacheline_aligned_in_smp` (64) so 192 bytes, and `data` at 64 of a
 * 256-byte value. The member index is the struct_ops program's
 * `expected_attach_type`.
 *
 * Kfuncs are encoded as the kernel's BTF has them: FUNC with static linkage,
 * a FUNC_PROTO with the C parameter names, and a `bpf_kfunc` DECL_TAG. A
 * kernel's vmlinux BTF describes only the code built into it, so an
 * algorithm's kfuncs are there only when it is built in (a
 * `CONFIG_TCP_CONG_<NAME>=n` kernel has no `dctcp_*` FUNC at all, and libbpf
 * finds no such symbol); the reno helpers of bpf_tcp_ca.c always are.
 */
import { BTF_FUNC_STATIC, BTF_KIND_STRUCT } from "../../uapi/btf.js";
import type { BtfBuilder } from "./builder.js";
import { layoutStruct, layoutUnion } from "./layout.js";
import type { VmlinuxBase } from "./vmlinux-base.js";

/** The cacheline size behind `____cacheline_aligned_in_smp` on x86-64. */
export const SMP_CACHE_BYTES = 64;

/** enum tcp_ca_event (include/net/tcp.h). */
const TCP_CA_EVENT = ["CA_EVENT_TX_START", "CA_EVENT_CWND_RESTART", "CA_EVENT_COMPLETE_CWR", "CA_EVENT_LOSS", "CA_EVENT_ECN_NO_CE", "CA_EVENT_ECN_IS_CE"];
/** enum tcp_ca_state (include/uapi/linux/tcp.h). */
const TCP_CA_STATE = ["TCP_CA_Open", "TCP_CA_Disorder", "TCP_CA_CWR", "TCP_CA_Recovery", "TCP_CA_Loss"];
/** enum bpf_struct_ops_state (include/linux/bpf.h since 6.9). */
const BPF_STRUCT_OPS_STATE = ["BPF_STRUCT_OPS_STATE_INIT", "BPF_STRUCT_OPS_STATE_INUSE", "BPF_STRUCT_OPS_STATE_TOBEFREE", "BPF_STRUCT_OPS_STATE_READY"];

function seq(names: readonly string[]): { name: string; val: number }[] {
  return names.map((name, val) => ({ name, val }));
}

/** Adds the CC types. `sock` and `tcp_sock` are declared ids (defined by the socket part). */
export function addTcpCcTypes(b: BtfBuilder, t: VmlinuxBase, sock: number, tcp_sock: number) {
  const tcp_ca_event = b.enum("tcp_ca_event", seq(TCP_CA_EVENT));
  const tcp_ca_state = b.enum("tcp_ca_state", seq(TCP_CA_STATE));
  b.enum("tcp_ca_ack_event_flags", [
    { name: "CA_ACK_SLOWPATH", val: 1 },
    { name: "CA_ACK_WIN_UPDATE", val: 2 },
    { name: "CA_ACK_ECE", val: 4 },
  ]);
  const bpf_struct_ops_state = b.enum("bpf_struct_ops_state", seq(BPF_STRUCT_OPS_STATE));

  const ack_sample = layoutStruct(b, "ack_sample", [
    { name: "pkts_acked", type: t.u32 },
    { name: "rtt_us", type: t.s32 },
    { name: "in_flight", type: t.u32 },
  ]);
  const rate_sample = layoutStruct(b, "rate_sample", [
    { name: "prior_mstamp", type: t.u64 },
    { name: "prior_delivered", type: t.u32 },
    { name: "prior_delivered_ce", type: t.u32 },
    { name: "delivered", type: t.s32 },
    { name: "delivered_ce", type: t.s32 },
    { name: "interval_us", type: t.long_int },
    { name: "snd_interval_us", type: t.u32 },
    { name: "rcv_interval_us", type: t.u32 },
    { name: "rtt_us", type: t.long_int },
    { name: "losses", type: t.int },
    { name: "acked_sacked", type: t.u32 },
    { name: "prior_in_flight", type: t.u32 },
    { name: "last_end_seq", type: t.u32 },
    { name: "is_app_limited", type: t.bool },
    { name: "is_retrans", type: t.bool },
    { name: "is_ack_delayed", type: t.bool },
  ]);
  const minmax_sample = layoutStruct(b, "minmax_sample", [
    { name: "t", type: t.u32 },
    { name: "v", type: t.u32 },
  ]);
  const minmax = layoutStruct(b, "minmax", [{ name: "s", type: b.array(minmax_sample, t.int, 3) }]);

  // union tcp_cc_info (include/uapi/linux/inet_diag.h): what get_info fills.
  const tcpvegas_info = layoutStruct(b, "tcpvegas_info", [
    { name: "tcpv_enabled", type: t.__u32 },
    { name: "tcpv_rttcnt", type: t.__u32 },
    { name: "tcpv_rtt", type: t.__u32 },
    { name: "tcpv_minrtt", type: t.__u32 },
  ]);
  const tcp_dctcp_info = layoutStruct(b, "tcp_dctcp_info", [
    { name: "dctcp_enabled", type: t.__u16 },
    { name: "dctcp_ce_state", type: t.__u16 },
    { name: "dctcp_alpha", type: t.__u32 },
    { name: "dctcp_ab_ecn", type: t.__u32 },
    { name: "dctcp_ab_tot", type: t.__u32 },
  ]);
  const tcp_bbr_info = layoutStruct(b, "tcp_bbr_info", [
    { name: "bbr_bw_lo", type: t.__u32 },
    { name: "bbr_bw_hi", type: t.__u32 },
    { name: "bbr_min_rtt", type: t.__u32 },
    { name: "bbr_pacing_gain", type: t.__u32 },
    { name: "bbr_cwnd_gain", type: t.__u32 },
  ]);
  const tcp_cc_info = layoutUnion(b, "tcp_cc_info", [
    { name: "vegas", type: tcpvegas_info },
    { name: "dctcp", type: tcp_dctcp_info },
    { name: "bbr", type: tcp_bbr_info },
  ]);

  // Hook prototypes: unnamed parameters, as pahole emits function-pointer members.
  const sk = b.ptr(sock);
  const anon = (...types: number[]) => types.map((type) => ({ name: "", type }));
  const fp = (ret: number, ...params: number[]) => b.ptr(b.funcProto(ret, anon(...params)));
  const constAckSample = b.ptr(b.const(ack_sample));
  const constRateSample = b.ptr(b.const(rate_sample));

  const tcp_congestion_ops = b.declare(BTF_KIND_STRUCT, "tcp_congestion_ops");
  layoutStruct(
    b,
    tcp_congestion_ops,
    [
      // The hooks called on every ACK come first, within the first cache line.
      { name: "ssthresh", type: fp(t.u32, sk) },
      { name: "cong_avoid", type: fp(0, sk, t.u32, t.u32) },
      { name: "set_state", type: fp(0, sk, t.u8) },
      { name: "cwnd_event", type: fp(0, sk, tcp_ca_event) },
      { name: "in_ack_event", type: fp(0, sk, t.u32) },
      { name: "pkts_acked", type: fp(0, sk, constAckSample) },
      { name: "min_tso_segs", type: fp(t.u32, sk) },
      { name: "cong_control", type: fp(0, sk, t.u32, t.int, constRateSample) },
      { name: "undo_cwnd", type: fp(t.u32, sk) },
      { name: "sndbuf_expand", type: fp(t.u32, sk) },
      { name: "get_info", type: fp(t.size_t, sk, t.u32, b.ptr(t.int), b.ptr(tcp_cc_info)) },
      { name: "name", type: b.array(t.char, t.int, 16) },
      { name: "owner", type: b.ptr(t.module) },
      { name: "list", type: t.list_head },
      { name: "key", type: t.u32 },
      { name: "flags", type: t.u32 },
      { name: "init", type: fp(0, sk) },
      { name: "release", type: fp(0, sk) },
    ],
    { align: SMP_CACHE_BYTES },
  );

  const bpf_struct_ops_common_value = layoutStruct(b, "bpf_struct_ops_common_value", [
    { name: "refcnt", type: t.refcount_t },
    { name: "state", type: bpf_struct_ops_state },
  ]);
  // struct bpf_struct_ops_value: the generic view, `data[]` cacheline aligned.
  layoutStruct(b, "bpf_struct_ops_value", [
    { name: "common", type: bpf_struct_ops_common_value },
    { name: "data", type: b.array(t.char, t.int, 0), align: SMP_CACHE_BYTES },
  ]);
  const bpf_struct_ops_tcp_congestion_ops = layoutStruct(b, "bpf_struct_ops_tcp_congestion_ops", [
    { name: "common", type: bpf_struct_ops_common_value },
    { name: "data", type: tcp_congestion_ops },
  ]);

  return {
    sk,
    tcp_ca_event,
    tcp_ca_state,
    bpf_struct_ops_state,
    ack_sample,
    rate_sample,
    minmax,
    tcp_cc_info,
    tcp_congestion_ops,
    bpf_struct_ops_common_value,
    bpf_struct_ops_tcp_congestion_ops,
    tcp_sock,
  } as const;
}

/** Ids of the CC types, as returned by {@link addTcpCcTypes}. */
export type VmlinuxTcpCc = ReturnType<typeof addTcpCcTypes>;

/** A kfunc of the model's kernel: name, return type, named parameters. */
interface KfuncDecl {
  readonly name: string;
  readonly ret: number;
  readonly params: readonly { readonly name: string; readonly type: number }[];
}

/**
 * The kfunc sets the model registers for BPF_PROG_TYPE_STRUCT_OPS, by the
 * kernel file that registers them (`BTF_KFUNCS_START(...)` sets).
 */
export const TCP_CA_KFUNC_SETS: Readonly<Record<string, readonly string[]>> = {
  "net/ipv4/bpf_tcp_ca.c": ["tcp_reno_ssthresh", "tcp_reno_cong_avoid", "tcp_reno_undo_cwnd", "tcp_slow_start", "tcp_cong_avoid_ai"],
  "net/ipv4/tcp_cubic.c": ["cubictcp_init", "cubictcp_recalc_ssthresh", "cubictcp_cong_avoid", "cubictcp_state", "cubictcp_cwnd_event", "cubictcp_acked"],
  "net/ipv4/tcp_dctcp.c": ["dctcp_init", "dctcp_update_alpha", "dctcp_cwnd_event", "dctcp_ssthresh", "dctcp_cwnd_undo", "dctcp_state"],
  "net/ipv4/tcp_bbr.c": ["bbr_init", "bbr_main", "bbr_sndbuf_expand", "bbr_undo_cwnd", "bbr_cwnd_event", "bbr_ssthresh", "bbr_min_tso_segs", "bbr_set_state"],
};

/** The kfunc set every kernel has (the reno helpers, registered by bpf_tcp_ca.c's initcall). */
export const TCP_CA_BASE_KFUNC_SET = "net/ipv4/bpf_tcp_ca.c";

/**
 * Adds the kfuncs of {@link TCP_CA_BASE_KFUNC_SET} and of each file of
 * `builtinFiles` (keys of {@link TCP_CA_KFUNC_SETS}: the built-in
 * algorithms' kernel files), and `tcp_init_sock`, a function of every
 * kernel that is in no kfunc set (what a program calling a non-kfunc
 * refers to). Returns name → FUNC id.
 */
export function addTcpCcKfuncs(b: BtfBuilder, t: VmlinuxBase, cc: VmlinuxTcpCc, builtinFiles: readonly string[]): Map<string, number> {
  const wanted = new Set([TCP_CA_BASE_KFUNC_SET, ...builtinFiles].flatMap((f) => TCP_CA_KFUNC_SETS[f] ?? []));
  const sk = { name: "sk", type: cc.sk };
  const tp = { name: "tp", type: b.ptr(cc.tcp_sock) };
  const u32 = (name: string) => ({ name, type: t.u32 });
  const newState = { name: "new_state", type: t.u8 };
  const sample = { name: "sample", type: b.ptr(b.const(cc.ack_sample)) };
  const rs = { name: "rs", type: b.ptr(b.const(cc.rate_sample)) };
  const event = (name: string) => ({ name, type: cc.tcp_ca_event });
  const decls: KfuncDecl[] = [
    { name: "tcp_reno_ssthresh", ret: t.u32, params: [sk] },
    { name: "tcp_reno_cong_avoid", ret: 0, params: [sk, u32("ack"), u32("acked")] },
    { name: "tcp_reno_undo_cwnd", ret: t.u32, params: [sk] },
    { name: "tcp_slow_start", ret: t.u32, params: [tp, u32("acked")] },
    { name: "tcp_cong_avoid_ai", ret: 0, params: [tp, u32("w"), u32("acked")] },
    { name: "cubictcp_init", ret: 0, params: [sk] },
    { name: "cubictcp_recalc_ssthresh", ret: t.u32, params: [sk] },
    { name: "cubictcp_cong_avoid", ret: 0, params: [sk, u32("ack"), u32("acked")] },
    { name: "cubictcp_state", ret: 0, params: [sk, newState] },
    { name: "cubictcp_cwnd_event", ret: 0, params: [sk, event("event")] },
    { name: "cubictcp_acked", ret: 0, params: [sk, sample] },
    { name: "dctcp_init", ret: 0, params: [sk] },
    { name: "dctcp_update_alpha", ret: 0, params: [sk, u32("flags")] },
    { name: "dctcp_cwnd_event", ret: 0, params: [sk, event("ev")] },
    { name: "dctcp_ssthresh", ret: t.u32, params: [sk] },
    { name: "dctcp_cwnd_undo", ret: t.u32, params: [sk] },
    { name: "dctcp_state", ret: 0, params: [sk, newState] },
    { name: "bbr_init", ret: 0, params: [sk] },
    { name: "bbr_main", ret: 0, params: [sk, u32("ack"), { name: "flag", type: t.int }, rs] },
    { name: "bbr_sndbuf_expand", ret: t.u32, params: [sk] },
    { name: "bbr_undo_cwnd", ret: t.u32, params: [sk] },
    { name: "bbr_cwnd_event", ret: 0, params: [sk, event("event")] },
    { name: "bbr_ssthresh", ret: t.u32, params: [sk] },
    { name: "bbr_min_tso_segs", ret: t.u32, params: [sk] },
    { name: "bbr_set_state", ret: 0, params: [sk, newState] },
  ];
  const ids = new Map<string, number>();
  b.func("tcp_init_sock", b.funcProto(0, [sk]), BTF_FUNC_STATIC);
  for (const d of decls) {
    if (!wanted.has(d.name)) continue;
    const id = b.func(d.name, b.funcProto(d.ret, d.params), BTF_FUNC_STATIC);
    b.declTag("bpf_kfunc", id, -1);
    ids.set(d.name, id);
  }
  return ids;
}
