/**
 * @fileoverview The struct_ops type `tcp_congestion_ops` (net/ipv4/bpf_tcp_ca.c):
 * how BPF congestion control plugs into the kernel's struct_ops core.
 *
 * init_member copies `name` (BPF object-name rules) and `flags` (within
 * TCP_CONG_MASK) into kdata; reg/unreg/update/validate map to the registry's
 * tcp_register/unregister/update/validate_congestion_control; get_func_proto
 * lists the helpers these programs may call (no bpf_setsockopt or
 * bpf_getsockopt from `release`); the kfunc set is the TCP helpers CC code
 * calls. Members without a CFI stub (`get_info`) cannot be implemented.
 * btf_struct_access is Linux's write list, checked at load.
 *
 * @see net/ipv4/bpf_tcp_ca.c bpf_tcp_ca_init_member (v6.18)
 */
import { EINVAL } from "../../uapi/errno.js";
import {
  BPF_FUNC_getsockopt,
  BPF_FUNC_ktime_get_coarse_ns,
  BPF_FUNC_setsockopt,
  BPF_FUNC_sk_storage_delete,
  BPF_FUNC_sk_storage_get,
  BPF_FUNC_tcp_send_ack,
} from "../../uapi/bpf-helpers.js";
import type { BpfCallFn } from "../../kernel/prog/runner.js";
import type { StructOpsMember, StructOpsType } from "../../kernel/struct-ops/desc.js";
import type { StructOpsKdata } from "../../kernel/struct-ops/kdata.js";
import type { BpfLink } from "../../kernel/link/core.js";
import type { Dmesg } from "../../kernel/bug.js";
import { TCP_CONG_MASK } from "./ca-types.js";
import type { TcpCongestionOps } from "./ca-types.js";
import { tcpValidateCongestionControl } from "./registry.js";

/** Members a BPF program may implement: every function member but get_info. */
export const TCP_CA_IMPLEMENTABLE: ReadonlySet<string> = new Set([
  "ssthresh", "cong_avoid", "set_state", "cwnd_event", "in_ack_event", "pkts_acked",
  "min_tso_segs", "cong_control", "undo_cwnd", "sndbuf_expand", "init", "release",
]);

/** The kdata of a tcp_congestion_ops map: its adapter is the TcpCongestionOps that runs its programs. */
export type TcpCaKdata = StructOpsKdata<TcpCongestionOps>;

/** What the struct_ops type needs from the TCP subsystem. */
export interface TcpStructOpsHost {
  /** The TcpCongestionOps for a kdata (built on first use after init_member). */
  opsOf(kdata: TcpCaKdata): TcpCongestionOps;
  register(ca: TcpCongestionOps): number;
  unregister(ca: TcpCongestionOps): void;
  update(next: TcpCongestionOps, old: TcpCongestionOps): number;
  /** Helper implementations specific to TCP CC programs, by helper id. */
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  /** The kernel's base helpers (map helpers, clocks). */
  readonly baseHelpers: ReadonlyMap<number, BpfCallFn>;
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  /** The fields a program may write (offset in tcp_sock, size): bpf_tcp_ca_btf_struct_access's list. */
  readonly writeFields: readonly { readonly offset: number; readonly size: number; readonly range?: boolean }[];
  /** Member index of `release` (programs there may not call set/getsockopt). */
  readonly releaseIndex: number;
  readonly dmesg: Dmesg;
}

/** bpf_obj_name_cpy's rule: 1-15 chars of [A-Za-z0-9_.] then NUL within 16 bytes. */
function validCaName(b: Uint8Array): boolean {
  const end = b.indexOf(0);
  if (end <= 0) return false;
  for (let i = 0; i < end; i++) {
    const c = b[i] as number;
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e;
    if (!ok) return false;
  }
  return true;
}

/** Builds the struct_ops type of tcp_congestion_ops over a TCP subsystem. */
export function tcpCongestionOpsType(host: TcpStructOpsHost): StructOpsType<TcpCongestionOps> {
  return {
    name: "tcp_congestion_ops",
    implementable: TCP_CA_IMPLEMENTABLE,
    // bpf_tcp_ca_btf_struct_access: a `struct sock *` argument is promoted to
    // tcp_sock (bpf_tcp_ca_is_valid_access); a store must start at a listed
    // field (anywhere inside a range one: icsk_ca_priv) and end within it.
    // Every other struct is read-only.
    btfStructAccess(struct: string, off: number, size: number): string | null {
      if (struct !== "sock" && struct !== "tcp_sock") return "only read is supported";
      const f = host.writeFields.find((w) => w.offset === off || (w.range === true && off > w.offset && off < w.offset + w.size));
      if (f === undefined) return `no write support to tcp_sock at off ${off}`;
      const end = f.offset + f.size;
      return off + size > end ? `write access at off ${off} with size ${size} beyond the member of tcp_sock ended at ${end}` : null;
    },
    initMember(m: StructOpsMember, udata: Uint8Array, kdata: TcpCaKdata): number {
      if (m.name === "flags") {
        const flags = new DataView(udata.buffer, udata.byteOffset).getUint32(m.offset, true);
        if (flags & ~TCP_CONG_MASK) return -EINVAL;
        kdata.data.set(udata.subarray(m.offset, m.offset + 4), m.offset);
        return 1;
      }
      if (m.name === "name") {
        const name = udata.subarray(m.offset, m.offset + m.size);
        if (!validCaName(name)) return -EINVAL;
        kdata.data.set(name, m.offset);
        return 1;
      }
      return 0;
    },
    reg(kdata: TcpCaKdata, _link: BpfLink | null): number {
      return host.register(host.opsOf(kdata));
    },
    unreg(kdata: TcpCaKdata, _link: BpfLink | null): void {
      host.unregister(host.opsOf(kdata));
    },
    update(next: TcpCaKdata, old: TcpCaKdata, _link: BpfLink): number {
      return host.update(host.opsOf(next), host.opsOf(old));
    },
    validate(kdata: TcpCaKdata): number {
      return tcpValidateCongestionControl(host.opsOf(kdata), host.dmesg);
    },
    getFuncProto(id: number, memberIndex: number): BpfCallFn | null {
      switch (id) {
        case BPF_FUNC_tcp_send_ack:
        case BPF_FUNC_sk_storage_get:
        case BPF_FUNC_sk_storage_delete:
        case BPF_FUNC_ktime_get_coarse_ns:
          return host.helpers.get(id) ?? null;
        case BPF_FUNC_setsockopt:
        case BPF_FUNC_getsockopt:
          // release() retires the CA; it may not change socket state any more.
          return memberIndex === host.releaseIndex ? null : (host.helpers.get(id) ?? null);
        default:
          return host.baseHelpers.get(id) ?? null;
      }
    },
    get kfuncs() {
      return host.kfuncs;
    },
  };
}
