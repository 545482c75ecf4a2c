/**
 * @fileoverview Tests of the model's vmlinux BTF: the struct_ops layouts equal
 * Linux 6.18's, sockets embed each other at offset 0, every field BPF CC
 * programs read exists with Linux's type, writable fields obey the 8-byte
 * granule rule, and the kfuncs are encoded as the kernel encodes them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BTF_FUNC_STATIC,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_INT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
} from "../../uapi/btf.js";
import { ENOENT } from "../../uapi/errno.js";
import { GRANULE } from "../mem/memory.js";
import { Btf } from "../../btf/btf.js";
import { BPF_TCP_CA_WRITABLE, buildVmlinuxBtf, getVmlinuxBtf } from "./vmlinux.js";
import type { VmlinuxBtf } from "./vmlinux.js";
import { TCP_CA_KFUNC_SETS } from "./vmlinux-tcp-cc.js";

const k = getVmlinuxBtf();

function structId(name: string): number {
  const id = k.findByNameKind(name, BTF_KIND_STRUCT);
  assert.ok(id > 0, `struct ${name} exists`);
  return id;
}

/*
 * Read from Linux 6.18's BTF (`bpftool btf dump file /sys/kernel/btf/vmlinux
 * format raw`, x86-64): STRUCT 'tcp_congestion_ops' size=192 vlen=18, member
 * bits_offset below / 8; STRUCT 'bpf_struct_ops_tcp_congestion_ops' size=256
 * with 'common' at 0 and 'data' at bits 512; STRUCT
 * 'bpf_struct_ops_common_value' size=8 ('refcnt' 0, 'state' bits 32).
 */
const LINUX_6_18_TCP_CONGESTION_OPS: readonly [string, number, string][] = [
  ["ssthresh", 0, "u32 (struct sock *) *"],
  ["cong_avoid", 8, "void (struct sock *, u32, u32) *"],
  ["set_state", 16, "void (struct sock *, u8) *"],
  ["cwnd_event", 24, "void (struct sock *, enum tcp_ca_event) *"],
  ["in_ack_event", 32, "void (struct sock *, u32) *"],
  ["pkts_acked", 40, "void (struct sock *, const struct ack_sample *) *"],
  ["min_tso_segs", 48, "u32 (struct sock *) *"],
  ["cong_control", 56, "void (struct sock *, u32, int, const struct rate_sample *) *"],
  ["undo_cwnd", 64, "u32 (struct sock *) *"],
  ["sndbuf_expand", 72, "u32 (struct sock *) *"],
  ["get_info", 80, "size_t (struct sock *, u32, int *, union tcp_cc_info *) *"],
  ["name", 88, "char[16]"],
  ["owner", 104, "struct module *"],
  ["list", 112, "struct list_head"],
  ["key", 128, "u32"],
  ["flags", 132, "u32"],
  ["init", 136, "void (struct sock *) *"],
  ["release", 144, "void (struct sock *) *"],
];

test("tcp_congestion_ops matches Linux 6.18 member by member", () => {
  const id = structId("tcp_congestion_ops");
  const members = k.members(id);
  assert.equal(k.typeById(id)?.size, 192);
  assert.equal(members.length, 18);
  for (const [i, [name, offset, type]] of LINUX_6_18_TCP_CONGESTION_OPS.entries()) {
    const m = members[i];
    assert.ok(m !== undefined);
    assert.equal(m.name, name, `member ${i}`);
    assert.equal(m.bit_offset, offset * 8, name);
    assert.equal(m.bitfield_size, 0, name);
    assert.equal(k.cTypeName(m.type), type, name);
    // The member index is the program's expected_attach_type.
    assert.equal(k.memberIndex(id, name), i);
  }
  const funcPtrs = members.filter((m) => k.isFuncPtr(m.type)).map((m) => m.name);
  assert.deepEqual(funcPtrs, LINUX_6_18_TCP_CONGESTION_OPS.filter(([, , t]) => t.endsWith(") *")).map(([n]) => n));
  assert.equal(k.typeById(k.resolveFuncPtr(members[0]?.type ?? 0))?.kind, BTF_KIND_FUNC_PROTO);
  assert.equal(k.memberIndex(id, "cong_control"), 7);
});

test("bpf_struct_ops_tcp_congestion_ops has Linux 6.18's size and data offset", () => {
  assert.equal(k.sizeOf("bpf_struct_ops_tcp_congestion_ops"), 256);
  assert.equal(k.offsetOf("bpf_struct_ops_tcp_congestion_ops", "common"), 0);
  assert.equal(k.offsetOf("bpf_struct_ops_tcp_congestion_ops", "data"), 64);
  assert.equal(k.offsetOf("bpf_struct_ops_tcp_congestion_ops", "common.state"), 4);
  assert.equal(k.offsetOf("bpf_struct_ops_tcp_congestion_ops", "data.name"), 64 + 88);
  assert.equal(k.sizeOf("bpf_struct_ops_common_value"), 8);
  assert.equal(k.cTypeName(k.field("bpf_struct_ops_common_value", "refcnt")?.type ?? 0), "refcount_t");
  assert.equal(k.cTypeName(k.field("bpf_struct_ops_common_value", "state")?.type ?? 0), "enum bpf_struct_ops_state");
  assert.equal(k.sizeOf("bpf_struct_ops_value"), 64);
  const st = k.typeById(k.findByNameKind("bpf_struct_ops_state", BTF_KIND_ENUM));
  assert.deepEqual(
    st?.enums.map((e) => [e.name, e.val]),
    [
      ["BPF_STRUCT_OPS_STATE_INIT", 0n],
      ["BPF_STRUCT_OPS_STATE_INUSE", 1n],
      ["BPF_STRUCT_OPS_STATE_TOBEFREE", 2n],
      ["BPF_STRUCT_OPS_STATE_READY", 3n],
    ],
  );
});

test("hook argument types have Linux 6.18's sizes", () => {
  // Linux 6.18 BTF: ack_sample 12, rate_sample 72, minmax 24, tcp_cc_info 20, list_head 16.
  assert.equal(k.sizeOf("ack_sample"), 12);
  assert.equal(k.sizeOf("rate_sample"), 72);
  assert.equal(k.offsetOf("rate_sample", "is_ack_delayed"), 66);
  assert.equal(k.offsetOf("rate_sample", "rtt_us"), 40);
  assert.equal(k.sizeOf("minmax"), 24);
  assert.equal(k.sizeOf("tcp_cc_info"), 20);
  assert.equal(k.typeById(k.findByNameKind("tcp_cc_info", BTF_KIND_UNION))?.members.length, 3);
  assert.equal(k.sizeOf("list_head"), 16);
  const ev = k.typeById(k.findByNameKind("tcp_ca_event", BTF_KIND_ENUM));
  assert.equal(ev?.enums.find((e) => e.name === "CA_EVENT_ECN_IS_CE")?.val, 5n);
  const st = k.typeById(k.findByNameKind("tcp_ca_state", BTF_KIND_ENUM));
  assert.equal(st?.enums.find((e) => e.name === "TCP_CA_Loss")?.val, 4n);
});

test("base types carry Linux's names and encodings", () => {
  const ints: [string, number, boolean][] = [
    ["char", 1, false],
    ["unsigned char", 1, false],
    ["signed char", 1, true],
    ["short int", 2, true],
    ["short unsigned int", 2, false],
    ["int", 4, true],
    ["unsigned int", 4, false],
    ["long int", 8, true],
    ["long unsigned int", 8, false],
    ["long long int", 8, true],
    ["long long unsigned int", 8, false],
    ["_Bool", 1, false],
  ];
  for (const [name, size, signed] of ints) {
    const t = k.typeById(k.findByNameKind(name, BTF_KIND_INT));
    assert.equal(t?.size, size, name);
    assert.equal(((t?.int_encoding ?? 0) & BTF_INT_SIGNED) !== 0, signed, name);
  }
  const typedefs: [string, number][] = [
    ["__u8", 1],
    ["__u16", 2],
    ["__u32", 4],
    ["__u64", 8],
    ["__s8", 1],
    ["__s16", 2],
    ["__s32", 4],
    ["__s64", 8],
    ["u8", 1],
    ["u16", 2],
    ["u32", 4],
    ["u64", 8],
    ["s32", 4],
    ["s64", 8],
    ["bool", 1],
    ["size_t", 8],
    ["refcount_t", 4],
  ];
  for (const [name, size] of typedefs) {
    const id = k.findByNameKind(name, BTF_KIND_TYPEDEF);
    assert.ok(id > 0, name);
    assert.equal(k.resolveSize(id), size, name);
  }
  assert.ok(k.findByNameKind("bpf_map", BTF_KIND_STRUCT) > 0);
});

test("tcp_sk(sk) is a cast: sock, inet_sock and inet_connection_sock sit at offset 0", () => {
  assert.equal(k.offsetOf("tcp_sock", "inet_conn"), 0);
  assert.equal(k.offsetOf("inet_connection_sock", "icsk_inet"), 0);
  assert.equal(k.offsetOf("inet_sock", "sk"), 0);
  assert.equal(k.offsetOf("sock", "__sk_common"), 0);
  assert.equal(k.offsetOf("tcp_sock", "inet_conn.icsk_inet.sk.__sk_common"), 0);
  // Base-struct lookup: offsetof(struct X, m) applied to a tcp_sock.
  assert.equal(k.offsetOf("tcp_sock", "icsk_ca_priv"), k.offsetOf("inet_connection_sock", "icsk_ca_priv"));
  assert.equal(k.offsetOf("tcp_sock", "sk_pacing_rate"), k.offsetOf("sock", "sk_pacing_rate"));
  assert.equal(k.offsetOf("tcp_sock", "inet_conn.icsk_ca_priv"), k.offsetOf("tcp_sock", "icsk_ca_priv"));
  // Anonymous unions of sock_common are transparent, as in C.
  assert.equal(k.offsetOf("sock", "__sk_common.skc_num"), 14);
  assert.equal(k.offsetOf("sock", "__sk_common.skc_daddr"), 0);
  assert.ok(k.sizeOf("tcp_sock") > k.sizeOf("inet_connection_sock"));
  assert.equal(k.sizeOf("tcp_sock") % 8, 0);
});

/** Fields BPF CC programs read (kernel selftests bpf_cubic.c, bpf_dctcp.c, bpf_cc_cubic.c, tcp_ca_write_sk_pacing.c, BBR/Vegas-style code), with their C type. */
const CC_READS: readonly [string, string, number?][] = [
  ["snd_cwnd", "u32"],
  ["snd_ssthresh", "u32"],
  ["snd_cwnd_cnt", "u32"],
  ["snd_cwnd_clamp", "u32"],
  ["snd_cwnd_used", "u32"],
  ["snd_cwnd_stamp", "u32"],
  ["prior_cwnd", "u32"],
  ["prior_ssthresh", "u32"],
  ["srtt_us", "u32"],
  ["mdev_us", "u32"],
  ["rttvar_us", "u32"],
  ["mss_cache", "u32"],
  ["packets_out", "u32"],
  ["sacked_out", "u32"],
  ["lost_out", "u32"],
  ["retrans_out", "u32"],
  ["delivered", "u32"],
  ["delivered_ce", "u32"],
  ["snd_una", "u32"],
  ["snd_nxt", "u32"],
  ["rcv_nxt", "u32"],
  ["tcp_mstamp", "u64"],
  ["is_cwnd_limited", "u8", 1],
  ["max_packets_out", "u32"],
  ["lsndtime", "u32"],
  ["app_limited", "u32"],
  ["rate_delivered", "u32"],
  ["rate_interval_us", "u32"],
  ["ecn_flags", "u8"],
  ["tlp_high_seq", "u32"],
  ["undo_marker", "u32"],
  ["undo_retrans", "int"],
  ["high_seq", "u32"],
  ["retrans_stamp", "u32"],
  ["bytes_acked", "u64"],
  ["bytes_received", "u64"],
  ["segs_in", "u32"],
  ["data_segs_out", "u32"],
  ["prr_delivered", "u32"],
  ["prr_out", "u32"],
  ["reordering", "u32"],
  ["delivered_mstamp", "u64"],
  ["rack.mstamp", "u64"],
  ["rtt_min.s[0].v", "u32"],
  ["sk_pacing_rate", "long unsigned int"],
  ["sk_max_pacing_rate", "long unsigned int"],
  ["sk_pacing_status", "u32"],
  ["sk_pacing_shift", "u8"],
  ["sk_gso_max_size", "unsigned int"],
  ["__sk_common.skc_state", "volatile unsigned char"],
  ["__sk_common.skc_family", "short unsigned int"],
  ["icsk_ca_ops", "const struct tcp_congestion_ops *"],
  ["icsk_ca_state", "__u8", 5],
  ["icsk_ca_initialized", "__u8", 1],
  ["icsk_ca_setsockopt", "__u8", 1],
  ["icsk_ca_dst_locked", "__u8", 1],
  ["icsk_retransmits", "__u8"],
  ["icsk_pending", "__u8"],
  ["icsk_backoff", "__u8"],
  ["icsk_ack.pending", "__u8"],
  ["icsk_ack.quick", "__u8"],
  ["icsk_ca_priv", "u64[13]"],
];

test("every field BPF CC programs read exists in tcp_sock with Linux's type", () => {
  for (const [path, type, bits] of CC_READS) {
    const f = k.field("tcp_sock", path);
    assert.ok(f !== undefined, path);
    assert.equal(k.cTypeName(f.type), type, path);
    assert.equal(f.bitfield_size, bits ?? 0, path);
  }
  assert.equal(k.field("tcp_sock", "undo_retrans")?.signed, true);
  assert.equal(k.field("tcp_sock", "snd_cwnd")?.signed, false);
  assert.equal(k.field("rate_sample", "rtt_us")?.signed, true);
  assert.equal(k.field("tcp_sock", "no_such_field"), undefined);
  assert.throws(() => k.offsetOf("tcp_sock", "no_such_field"), RangeError);
});

interface Leaf {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/** Every scalar/array leaf of an aggregate with its byte range (bitfields: the bytes their bits touch). */
function leaves(kb: VmlinuxBtf, id: number, bitBase: number, path: string, out: Leaf[]): Leaf[] {
  for (const m of kb.members(id)) {
    const bit = bitBase + m.bit_offset;
    const p = m.name === "" ? path : path === "" ? m.name : `${path}.${m.name}`;
    const t = kb.typeById(kb.skipModifiers(m.type));
    if (m.bitfield_size === 0 && (t?.kind === BTF_KIND_STRUCT || t?.kind === BTF_KIND_UNION)) {
      leaves(kb, m.type, bit, p, out);
      continue;
    }
    const bits = m.bitfield_size !== 0 ? m.bitfield_size : kb.resolveSize(m.type) * 8;
    out.push({ path: p, start: Math.floor(bit / 8), end: Math.ceil((bit + bits) / 8) });
  }
  return out;
}

test("writable tcp_sock fields fill whole granules that no read-only field shares", () => {
  const fields = k.writableFields("tcp_sock");
  assert.deepEqual(
    fields.map((f) => f.name),
    BPF_TCP_CA_WRITABLE.map((w) => `${w.struct}.${w.member}`),
  );
  const ranges = k.writableRanges("tcp_sock");
  for (const r of ranges) {
    assert.equal(r.offset % GRANULE, 0);
    assert.equal(r.size % GRANULE, 0);
  }
  const inRanges = (off: number) => ranges.some((r) => off >= r.offset && off < r.offset + r.size);
  for (const f of fields) for (let b = f.offset; b < f.offset + f.size; b++) assert.ok(inRanges(b), `${f.name} byte ${b} is writable`);
  const isWritable = (l: Leaf) => fields.some((f) => l.start >= f.offset && l.end <= f.offset + f.size);
  const all = leaves(k, structId("tcp_sock"), 0, "", []);
  assert.ok(all.length > 150);
  let writableLeaves = 0;
  for (const l of all) {
    if (isWritable(l)) {
      writableLeaves++;
      continue;
    }
    for (let b = l.start; b < l.end; b++) assert.ok(!inRanges(b), `read-only ${l.path} (byte ${b}) shares a writable granule`);
  }
  assert.equal(writableLeaves, fields.length);
  // The exact write list and sizes of bpf_tcp_ca_btf_struct_access.
  const size = (n: string) => fields.find((f) => f.name === n)?.size;
  assert.equal(size("sock.sk_pacing_rate"), 8);
  assert.equal(size("sock.sk_pacing_status"), 4);
  assert.equal(size("inet_connection_sock.icsk_ca_priv"), 104);
  assert.equal(size("inet_connection_sock.icsk_ack.pending"), 1);
  assert.equal(size("tcp_sock.ecn_flags"), 1);
  assert.equal(k.offsetOf("inet_connection_sock", "icsk_ca_priv") % GRANULE, 0);
});

test("writableRanges() is empty for every struct but tcp_sock", () => {
  assert.deepEqual(k.writableRanges("sock"), []);
  assert.deepEqual(k.writableRanges("inet_connection_sock"), []);
  assert.deepEqual(k.writableRanges("tcp_congestion_ops"), []);
});

test("kfuncs are FUNCs with static linkage, Linux's parameter names and a bpf_kfunc tag", () => {
  const all = Object.values(TCP_CA_KFUNC_SETS).flat();
  assert.deepEqual([...k.kfuncNames].sort(), [...all].sort());
  for (const name of all) {
    const id = k.kfuncId(name);
    const fn = k.typeById(id);
    assert.equal(fn?.kind, BTF_KIND_FUNC, name);
    assert.equal(fn?.name, name);
    assert.equal(fn?.linkage, BTF_FUNC_STATIC, name);
    assert.ok(k.isKfunc(id));
    assert.ok(k.types.some((t) => t.kind === BTF_KIND_DECL_TAG && t.name === "bpf_kfunc" && t.type === id && t.component_idx === -1), name);
  }
  const proto = (name: string) => {
    const p = k.typeById(k.typeById(k.kfuncId(name))?.type ?? 0);
    assert.equal(p?.kind, BTF_KIND_FUNC_PROTO);
    return `${k.cTypeName(p?.type ?? 0)} ${name}(${(p?.params ?? []).map((a) => `${k.cTypeName(a.type)} ${a.name}`).join(", ")})`;
  };
  assert.equal(proto("tcp_slow_start"), "u32 tcp_slow_start(struct tcp_sock * tp, u32 acked)");
  assert.equal(proto("tcp_cong_avoid_ai"), "void tcp_cong_avoid_ai(struct tcp_sock * tp, u32 w, u32 acked)");
  assert.equal(proto("tcp_reno_ssthresh"), "u32 tcp_reno_ssthresh(struct sock * sk)");
  assert.equal(proto("tcp_reno_cong_avoid"), "void tcp_reno_cong_avoid(struct sock * sk, u32 ack, u32 acked)");
  assert.equal(proto("tcp_reno_undo_cwnd"), "u32 tcp_reno_undo_cwnd(struct sock * sk)");
  assert.equal(proto("cubictcp_acked"), "void cubictcp_acked(struct sock * sk, const struct ack_sample * sample)");
  assert.equal(proto("bbr_main"), "void bbr_main(struct sock * sk, u32 ack, int flag, const struct rate_sample * rs)");
  assert.equal(proto("dctcp_state"), "void dctcp_state(struct sock * sk, u8 new_state)");
  assert.equal(k.kfuncId("bpf_ktime_get_ns"), -ENOENT);
  assert.equal(k.kfuncId("tcp_congestion_ops"), -ENOENT);
});

test("getVmlinuxBtf() is memoised and its bytes are a stable copy", () => {
  assert.equal(getVmlinuxBtf(), k);
  const a = k.bytes;
  a[0] = 0;
  assert.deepEqual(k.bytes, buildVmlinuxBtf());
  assert.equal(k.bytes.length, k.byteLength);
  const again = new Btf(k.bytes);
  assert.equal(again.nrTypes, k.nrTypes);
  assert.equal(k.typeById(k.findByNameKind("tcp_sock", BTF_KIND_STRUCT))?.kind, BTF_KIND_STRUCT);
  assert.equal(k.typeById(k.field("tcp_sock", "icsk_ca_priv")?.type ?? 0)?.kind, BTF_KIND_ARRAY);
});
