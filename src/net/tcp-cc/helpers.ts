/**
 * @fileoverview Helpers and kfuncs a BPF congestion control calls
 * (net/ipv4/bpf_tcp_ca.c, net/core/filter.c bpf_sk_setsockopt,
 * net/core/bpf_sk_storage.c), over the model's sockets.
 *
 * bpf_setsockopt(TCP_CONGESTION) switches the socket's CA from inside a hook;
 * a second switch while one is in progress (init → setsockopt → init → ...)
 * fails with EBUSY, as `bpf_chg_cc_inprogress` makes it in Linux.
 */
import { EBUSY, EFAULT, EINVAL, ENOPROTOOPT, ENOTSUPP } from "../../uapi/errno.js";
import {
  BPF_FUNC_getsockopt,
  BPF_FUNC_setsockopt,
  BPF_FUNC_sk_storage_delete,
  BPF_FUNC_sk_storage_get,
  BPF_FUNC_tcp_send_ack,
} from "../../uapi/bpf-helpers.js";
import { BPF_MAP_TYPE_SK_STORAGE } from "../../uapi/bpf-enums.js";
import { PERM_READ, PERM_WRITE } from "../../kernel/mem/memory.js";
import { errU64, mapOfPtr } from "../../kernel/helpers/base.js";
import { skStorageDelete, skStorageGet } from "../../kernel/map/sk-storage.js";
import type { BpfCallFn } from "../../kernel/prog/runner.js";
import { withNarrow } from "../../kernel/prog/runner.js";
import type { TcpCc } from "./subsystem.js";
import type { TcpSock } from "./sock.js";
import { TCP_CA_NAME_MAX } from "./ca-types.js";
import { strncmp } from "../../uapi/cstring.js";
import type { TcpCaSock, TcpCongestionOps } from "./ca-types.js";
import type { TcpCaKfuncHook } from "./tcp-cong-config.js";
import { readRateSample } from "./bpf-ops.js";
import { tcp_cong_avoid_ai, tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd, tcp_slow_start } from "./tcp-cong.js";

export const SOL_SOCKET = 1;
export const SOL_TCP = 6;
export const TCP_CONGESTION = 13;
export const SO_MAX_PACING_RATE = 47;
export const TCP_BPF_IW = 1001;
export const TCP_BPF_SNDCWND_CLAMP = 1002;

/** The shortest TCP_CONGESTION optlen bpf_setsockopt takes (sol_tcp_sockopt_congestion). */
const TCP_CC_BPF_MIN_OPTLEN = 2;
/** The CA bpf_setsockopt refuses with ENOTSUPP. */
const CDG = new TextEncoder().encode("cdg");

/** The TCP helpers a CC program may call, by helper id. */
export function makeTcpHelpers(tcc: TcpCc): Map<number, BpfCallFn> {
  const k = tcc.kernel;
  const sockOf = (p: bigint): TcpSock | undefined => tcc.sockAt(Number(p));
  const ok = (a: bigint, n: number, perm: number): boolean => a < 2n ** 32n && k.mem.canAccess(Number(a), n, perm);
  const h = new Map<number, BpfCallFn>();

  h.set(BPF_FUNC_setsockopt, (skp, level, optname, optval, optlen) => {
    const sk = sockOf(skp);
    const len = Number(optlen);
    if (sk === undefined) return errU64(EINVAL);
    if (len < 0 || len > 256 || (len > 0 && !ok(optval, len, PERM_READ))) return errU64(EFAULT);
    const bytes = k.mem.u8.slice(Number(optval), Number(optval) + len);
    if (level === BigInt(SOL_TCP) && optname === BigInt(TCP_CONGESTION)) {
      // sol_tcp_sockopt_congestion (net/core/filter.c), then do_tcp_setsockopt.
      if (len < TCP_CC_BPF_MIN_OPTLEN) return errU64(EINVAL);
      // "cdg" keeps a pointer in icsk_ca_priv that a BPF CA could overwrite; BPF may not switch to it.
      if (len >= CDG.length && strncmp(CDG, bytes, len) === 0) return errU64(ENOTSUPP);
      if (sk.bpfChgCcInprogress) return errU64(EBUSY);
      sk.bpfChgCcInprogress = true;
      try {
        return BigInt.asUintN(64, BigInt(tcc.setsockoptCongestion(sk, bytes, { capNetAdmin: true })));
      } finally {
        sk.bpfChgCcInprogress = false;
      }
    }
    const dv = new DataView(bytes.buffer);
    if (level === BigInt(SOL_TCP) && optname === BigInt(TCP_BPF_SNDCWND_CLAMP)) {
      if (len !== 4) return errU64(EINVAL);
      const v = dv.getInt32(0, true);
      if (v <= 0) return errU64(EINVAL);
      sk.snd_cwnd_clamp = v;
      sk.snd_cwnd = Math.min(sk.snd_cwnd, v);
      return 0n;
    }
    if (level === BigInt(SOL_TCP) && optname === BigInt(TCP_BPF_IW)) {
      if (len !== 4) return errU64(EINVAL);
      const v = dv.getInt32(0, true);
      // Only before any data was sent (tp->data_segs_out == 0 in Linux).
      if (v <= 0 || sk.packets_out !== 0) return errU64(EINVAL);
      sk.snd_cwnd = v;
      return 0n;
    }
    if (level === BigInt(SOL_SOCKET) && optname === BigInt(SO_MAX_PACING_RATE)) {
      if (len !== 4 && len !== 8) return errU64(EINVAL);
      return 0n;
    }
    return errU64(level === BigInt(SOL_TCP) || level === BigInt(SOL_SOCKET) ? EINVAL : ENOPROTOOPT);
  });

  h.set(BPF_FUNC_getsockopt, (skp, level, optname, optval, optlen) => {
    const sk = sockOf(skp);
    const len = Number(optlen);
    if (sk === undefined) return errU64(EINVAL);
    if (len < 0 || len > 256 || (len > 0 && !ok(optval, len, PERM_WRITE))) return errU64(EFAULT);
    if (level === BigInt(SOL_TCP) && optname === BigInt(TCP_CONGESTION)) {
      const out = new Uint8Array(len);
      out.set(new TextEncoder().encode(sk.ca.name).subarray(0, Math.min(len, TCP_CA_NAME_MAX)));
      k.mem.u8.set(out, Number(optval));
      return 0n;
    }
    // Unsupported options zero the buffer and fail, as _bpf_getsockopt does.
    if (len > 0) k.mem.u8.fill(0, Number(optval), Number(optval) + len);
    return errU64(EINVAL);
  });

  h.set(BPF_FUNC_tcp_send_ack, (skp, rcvNxt) => {
    const sk = sockOf(skp);
    if (sk === undefined) return errU64(EINVAL);
    // bpf_tcp_send_ack -> __tcp_send_ack(sk, rcv_nxt): the ACK acknowledges rcv_nxt as given.
    tcc.onSendAck?.(sk, Number(BigInt.asUintN(32, rcvNxt)));
    return 0n;
  });

  h.set(BPF_FUNC_sk_storage_get, (m, skp, value, flags) => {
    const map = mapOfPtr(k, m);
    const sk = sockOf(skp);
    if (map === undefined || map.type !== BPF_MAP_TYPE_SK_STORAGE || sk === undefined) return 0n;
    if (value !== 0n && !ok(value, map.attrs.value_size, PERM_READ)) return 0n;
    return BigInt(skStorageGet(map, sk, Number(value), Number(flags)));
  });

  h.set(BPF_FUNC_sk_storage_delete, (m, skp) => {
    const map = mapOfPtr(k, m);
    const sk = sockOf(skp);
    if (map === undefined || map.type !== BPF_MAP_TYPE_SK_STORAGE || sk === undefined) return errU64(EINVAL);
    return BigInt.asUintN(64, BigInt(skStorageDelete(map, sk)));
  });
  return h;
}

/**
 * The TCP kfuncs by BTF id, as the kernel registers them for
 * BPF_PROG_TYPE_STRUCT_OPS: bpf_tcp_ca.c's reno helpers always, and each
 * built-in's own set (cubictcp_*, dctcp_*, ...) only when that algorithm is
 * built in (`builtins`: the ops registered at boot with their kfunc lists).
 * A kfunc of a built-in runs that built-in's hook on the socket it is given.
 */
export function makeTcpKfuncs(
  tcc: TcpCc,
  btfIdOf: (name: string) => number | undefined,
  builtins: readonly { readonly ops: TcpCongestionOps; readonly kfuncs: Readonly<Record<string, TcpCaKfuncHook>> }[],
): Map<number, BpfCallFn> {
  const out = new Map<number, BpfCallFn>();
  // A kfunc receives only trusted socket pointers; the verifier guarantees it in Linux.
  const skN = (p: number | bigint): TcpCaSock => {
    const s = tcc.sockAt(Number(p));
    if (s === undefined) throw new RangeError(`kfunc called with a pointer that is not a socket: ${p}`);
    return s;
  };
  const sk = (p: bigint): TcpCaSock => skN(p);
  const u32 = (v: bigint): number => Number(BigInt.asUintN(32, v));
  const add = (name: string, fn: BpfCallFn): void => {
    const id = btfIdOf(name);
    if (id !== undefined) out.set(id, fn);
  };
  // bpf_tcp_ca.c's kfuncs take a socket and u32s and return a u32 or void: each has a narrow form
  // (no BigInt on the JIT's call: they run on every ACK), the same function on the same numbers.
  add("tcp_slow_start", withNarrow((tp, acked) => BigInt(tcp_slow_start(sk(tp), u32(acked))), {
    arity: 2, fn: (tp, acked) => tcp_slow_start(skN(tp), acked),
  }));
  add("tcp_cong_avoid_ai", withNarrow((tp, w, acked) => (tcp_cong_avoid_ai(sk(tp), u32(w), u32(acked)), 0n), {
    arity: 3, fn: (tp, w, acked) => (tcp_cong_avoid_ai(skN(tp), w, acked), 0),
  }));
  add("tcp_reno_ssthresh", withNarrow((s) => BigInt(tcp_reno_ssthresh(sk(s))), { arity: 1, fn: (s) => tcp_reno_ssthresh(skN(s)) }));
  add("tcp_reno_cong_avoid", withNarrow((s, ack, acked) => (tcp_reno_cong_avoid(sk(s), u32(ack), u32(acked)), 0n), {
    arity: 3, fn: (s, ack, acked) => (tcp_reno_cong_avoid(skN(s), ack, acked), 0),
  }));
  add("tcp_reno_undo_cwnd", withNarrow((s) => BigInt(tcp_reno_undo_cwnd(sk(s))), { arity: 1, fn: (s) => tcp_reno_undo_cwnd(skN(s)) }));
  for (const { ops, kfuncs } of builtins) {
    for (const [name, hook] of Object.entries(kfuncs)) add(name, builtinKfunc(tcc, ops, hook, sk, u32));
  }
  return out;
}

/** The kfunc that is `hook` of built-in `ops`. */
function builtinKfunc(
  tcc: TcpCc, ops: TcpCongestionOps, hook: TcpCaKfuncHook, sk: (p: bigint) => TcpCaSock, u32: (v: bigint) => number,
): BpfCallFn {
  switch (hook) {
    case "init":
      return (s) => (ops.init?.(sk(s)), 0n);
    case "ssthresh":
      return (s) => BigInt(ops.ssthresh?.(sk(s)) ?? 0);
    case "undo_cwnd":
      return (s) => BigInt(ops.undo_cwnd?.(sk(s)) ?? 0);
    case "cong_avoid":
      return (s, ack, acked) => (ops.cong_avoid?.(sk(s), u32(ack), u32(acked)), 0n);
    case "set_state":
      return (s, st) => (ops.set_state?.(sk(s), Number(st & 0xffn)), 0n);
    case "cwnd_event":
      return (s, ev) => (ops.cwnd_event?.(sk(s), u32(ev)), 0n);
    case "in_ack_event":
      return (s, flags) => (ops.in_ack_event?.(sk(s), u32(flags)), 0n);
    case "cong_control":
      return (s, ack, flag, rsp) => {
        const a = Number(rsp);
        const layout = tcc.opsLayout.rateSample;
        if (!tcc.kernel.mem.canAccess(a, layout.size, PERM_READ)) return errU64(EFAULT);
        ops.cong_control?.(sk(s), u32(ack), Number(BigInt.asIntN(32, flag)), readRateSample(tcc.kernel.mem.dv, a, layout));
        return 0n;
      };
    case "sndbuf_expand":
      return (s) => BigInt(ops.sndbuf_expand?.(sk(s)) ?? 0);
    case "min_tso_segs":
      return (s) => BigInt(ops.min_tso_segs?.(sk(s)) ?? 0);
    case "pkts_acked":
      return (s, sample) => {
        const a = Number(sample);
        if (!tcc.kernel.mem.canAccess(a, 12, PERM_READ)) return errU64(EFAULT);
        const dv = tcc.kernel.mem.dv;
        ops.pkts_acked?.(sk(s), { pkts_acked: dv.getUint32(a, true), rtt_us: dv.getInt32(a + 4, true), in_flight: dv.getUint32(a + 8, true) });
        return 0n;
      };
  }
}
