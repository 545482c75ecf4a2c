/**
 * @fileoverview Derives, from the model's own BTF, every layout the kernel
 * and the TCP subsystem hard-wire nowhere else: the struct_ops descriptor of
 * tcp_congestion_ops (the value layout of src/btf/struct-ops-layout.ts
 * paired with its struct_ops type), the tcp_sock field
 * offsets and writable ranges, and the rate_sample layout.
 *
 * Keeping this in one place is what makes the BTF the single source of truth
 * (ARCHITECTURE.md, "Memory model").
 */
import { BTF_KIND_PTR, BTF_KIND_STRUCT } from "../uapi/btf.js";
import { structOpsLayout } from "../btf/struct-ops-layout.js";
import type { VmlinuxBtf } from "../kernel/btf/vmlinux.js";
import type { StructOpsDesc, StructOpsType } from "../kernel/struct-ops/desc.js";
import { TCP_SOCK_U32_FIELDS } from "../net/tcp-cc/sock-layout.js";
import type { TcpSockLayout, TcpSockU32Field } from "../net/tcp-cc/sock-layout.js";
import type { TcpOpsLayout } from "../net/tcp-cc/bpf-ops.js";

function structId(btf: VmlinuxBtf, name: string): number {
  const id = btf.findByNameKind(name, BTF_KIND_STRUCT);
  if (id < 0) throw new Error(`model BTF: struct ${name} is missing`);
  return id;
}

/** The struct_ops descriptor of ops struct `name` (value type `bpf_struct_ops_<name>`). */
export function structOpsDesc(btf: VmlinuxBtf, name: string, type: StructOpsType): StructOpsDesc {
  const layout = structOpsLayout(btf, name);
  if (layout === "value type") throw new Error(`model BTF: struct bpf_struct_ops_${name} is missing`);
  if (layout === "data") throw new Error(`model BTF: bpf_struct_ops_${name} has no data member`);
  const typeId = structId(btf, name);
  return { ...layout, type, argStructs: btf.members(typeId).map((m) => argStructs(btf, m.type)) };
}

/** For a function-pointer member type: the struct each parameter points to (undefined for non-struct-pointer parameters). */
function argStructs(btf: VmlinuxBtf, t: number): (string | undefined)[] {
  const proto = btf.resolveFuncPtr(t);
  if (proto === 0) return [];
  return (btf.typeById(proto)?.params ?? []).map((p) => {
    const ptr = btf.typeById(btf.skipModifiers(p.type));
    if (ptr?.kind !== BTF_KIND_PTR) return undefined;
    const target = btf.typeById(btf.skipModifiers(ptr.type));
    return target?.kind === BTF_KIND_STRUCT ? target.name : undefined;
  });
}

/** tcp_sock field offsets for the socket accessors. */
export function tcpSockLayout(btf: VmlinuxBtf): TcpSockLayout {
  const f = (path: string): NonNullable<ReturnType<VmlinuxBtf["field"]>> => {
    const r = btf.field("tcp_sock", path);
    if (r === undefined) throw new Error(`model BTF: tcp_sock has no ${path}`);
    return r;
  };
  const u32 = {} as Record<TcpSockU32Field, number>;
  for (const n of TCP_SOCK_U32_FIELDS) u32[n] = f(n).offset;
  const bits = (path: string): { byte: number; bit: number; bits: number } => {
    const x = f(path);
    return x.bitfield_size > 0 ? { byte: x.bit_offset >> 3, bit: x.bit_offset & 7, bits: x.bitfield_size } : { byte: x.offset, bit: 0, bits: 8 * Math.min(x.size, 1) };
  };
  return {
    size: btf.resolveSize(structId(btf, "tcp_sock")),
    u32,
    tcp_mstamp: f("tcp_mstamp").offset,
    is_cwnd_limited: bits("is_cwnd_limited"),
    icsk_ca_state: bits("icsk_ca_state"),
    icsk_ca_priv: f("icsk_ca_priv").offset,
    sk_pacing_rate: f("sk_pacing_rate").offset,
    sk_max_pacing_rate: f("sk_max_pacing_rate").offset,
    ecn_flags: f("ecn_flags").offset,
    icsk_ack_pending: f("icsk_ack.pending").offset,
    delivered_mstamp: f("delivered_mstamp").offset,
    tcp_clock_cache: f("tcp_clock_cache").offset,
    tcp_wstamp_ns: f("tcp_wstamp_ns").offset,
    sk_pacing_shift: f("sk_pacing_shift").offset,
    rtt_min: f("rtt_min.s[0].v").offset,
    skc: {
      state: f("skc_state").offset,
      family: f("skc_family").offset,
      num: f("skc_num").offset,
      dport: f("skc_dport").offset,
      inet_sport: f("inet_sport").offset,
    },
    writeFields: btf.writableFields("tcp_sock"),
    writable: btf.writableRanges("tcp_sock"),
  };
}

/** tcp_congestion_ops name/flags offsets and the rate_sample layout. */
export function tcpOpsLayout(btf: VmlinuxBtf): TcpOpsLayout {
  const ops = structId(btf, "tcp_congestion_ops");
  const off = (m: string): number => {
    const r = btf.fieldOf(ops, m);
    if (r === undefined) throw new Error(`model BTF: tcp_congestion_ops has no ${m}`);
    return r.offset;
  };
  const rs = structId(btf, "rate_sample");
  const fields: Record<string, { offset: number; size: number }> = {};
  for (const m of btf.members(rs)) {
    if (m.bitfield_size === 0) fields[m.name] = { offset: m.bit_offset / 8, size: btf.resolveSize(m.type) };
  }
  return { name: off("name"), flags: off("flags"), rateSample: { size: btf.resolveSize(rs), fields } };
}
