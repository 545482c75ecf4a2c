/**
 * @fileoverview The `tcp` BPF iterator target (net/ipv4/tcp_ipv4.c
 * bpf_iter_tcp_*): an `iter/tcp` program runs once per TCP socket of the
 * reader's network namespace, with `struct bpf_iter__tcp` (meta,
 * sk_common, uid) as its context, and may call bpf_setsockopt and
 * bpf_getsockopt on the socket (bpf_iter_tcp_get_func_proto) besides the
 * tracing helpers and the socket casts (bpf_skc_to_tcp_sock and friends).
 *
 * The visiting order is the kernel's: the listening hash (lhash2, 16384
 * buckets on the 6.18 machine the project probes) bucket by bucket, then the
 * established hash (262144 buckets), newest socket first within a bucket
 * (sockets are added at a chain's head). Bucket indexes are Linux's hash
 * functions, ipv4_portaddr_hash for listeners and inet_ehashfn for
 * connections, seeded with the model's fixed secrets: Linux draws
 * inet_ehash_secret at boot and net->hash_mix per namespace, so the order
 * of established sockets differs between Linux boots, and between Linux and
 * the model; listeners always come first.
 *
 * Each full socket is locked while the program runs (lock_sock_fast in
 * bpf_iter_tcp_seq_show), which is what lets bpf_setsockopt change it; a
 * socket closed meanwhile is skipped (sk_unhashed). Sockets that are bound
 * but neither listening nor connected are in no hash the iterator walks.
 *
 * @see net/ipv4/tcp_ipv4.c bpf_iter_tcp_batch, bpf_iter_tcp_seq_show, bpf_iter_tcp_get_func_proto (v6.18)
 */
import {
  BPF_FUNC_getsockopt, BPF_FUNC_setsockopt, BPF_FUNC_skc_to_tcp6_sock, BPF_FUNC_skc_to_tcp_request_sock, BPF_FUNC_skc_to_tcp_sock,
  BPF_FUNC_skc_to_tcp_timewait_sock,
} from "../../uapi/bpf-helpers.js";
import type { VmlinuxBtf } from "../../kernel/btf/vmlinux.js";
import type { BpfCallFn } from "../../kernel/prog/runner.js";
import type { NetNs } from "../../kernel/netns.js";
import type { BpfIterTarget, IterObject } from "../../kernel/iter/target.js";
import { jhash } from "./jhash.js";
import { TCP_ESTABLISHED, TCP_LISTEN, TCP_SYN_SENT } from "./sock.js";
import type { TcpSock } from "./sock.js";
import type { TcpCc } from "./subsystem.js";

const AF_INET = 2;
/** 127.0.0.1 as the u32 a little-endian load of its network-order bytes gives. */
const LOOPBACK_BE32 = 0x0100007f;
/** Bucket counts of the 6.18 machine the project probes (dmesg at boot). */
const LHASH2_MASK = 16384 - 1;
const EHASH_MASK = 262144 - 1;
/** The model's inet_ehash_secret (Linux: random at first use). */
const INET_EHASH_SECRET = 0x5eed_7c90;

const htons = (p: number): number => ((p & 0xff) << 8) | (p >>> 8);

function words(...w: number[]): Uint8Array {
  const b = new Uint8Array(4 * w.length);
  const dv = new DataView(b.buffer);
  w.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  return b;
}

/** net_hash_mix: the model's per-namespace mix (Linux: random per namespace). */
const hashMix = (net: NetNs): number => Math.imul(net.inum, 0x9e3779b1) >>> 0;

/** ipv4_portaddr_hash(net, 127.0.0.1, port) & lhash2_mask: jhash_1word(addr, mix) ^ port. */
function listenBucket(sk: TcpSock): number {
  return ((jhash(words(LOOPBACK_BE32), 4, hashMix(sk.net)) ^ sk.port) >>> 0) & LHASH2_MASK;
}

/** inet_ehashfn(net, laddr, lport, faddr, fport) & ehash_mask: jhash_3words(laddr, faddr, lport << 16 | fport, secret + mix). */
function establishedBucket(sk: TcpSock): number {
  const fport = htons(sk.peer?.port ?? 0);
  const init = (INET_EHASH_SECRET + hashMix(sk.net)) >>> 0;
  return jhash(words(LOOPBACK_BE32, LOOPBACK_BE32, ((sk.port << 16) | fport) >>> 0), 12, init) & EHASH_MASK;
}

/** Offsets of the sock_common fields the iterator's programs read, in the model's BTF. */
interface SkcOffsets {
  readonly family: number;
  readonly state: number;
  readonly num: number;
  readonly dport: number;
  readonly daddr: number;
  readonly rcvSaddr: number;
}

/** The `tcp` iterator target over `tcc`'s sockets; `btf` is the model's vmlinux BTF. */
export function tcpIterTarget(tcc: TcpCc, btf: Pick<VmlinuxBtf, "offsetOf">, helpers: ReadonlyMap<number, BpfCallFn>): BpfIterTarget {
  const o: SkcOffsets = {
    family: btf.offsetOf("sock_common", "skc_family"),
    state: btf.offsetOf("sock_common", "skc_state"),
    num: btf.offsetOf("sock_common", "skc_num"),
    dport: btf.offsetOf("sock_common", "skc_dport"),
    daddr: btf.offsetOf("sock_common", "skc_daddr"),
    rcvSaddr: btf.offsetOf("sock_common", "skc_rcv_saddr"),
  };
  const mem = tcc.kernel.mem;
  // sock_common as the program reads it: the model keeps these in TcpSock fields and writes them before each run.
  const refresh = (sk: TcpSock): void => {
    const dv = mem.dv;
    dv.setUint16(sk.addr + o.family, AF_INET, true);
    dv.setUint8(sk.addr + o.state, sk.state);
    dv.setUint16(sk.addr + o.num, sk.port, true);
    dv.setUint16(sk.addr + o.dport, htons(sk.peer?.port ?? 0), true);
    dv.setUint32(sk.addr + o.daddr, sk.peer === null ? 0 : LOOPBACK_BE32, true);
    dv.setUint32(sk.addr + o.rcvSaddr, LOOPBACK_BE32, true);
  };
  const object = (sk: TcpSock): IterObject => ({
    addr: sk.addr,
    // sock_i_uid: the model's sockets belong to root.
    scalars: [0n],
    live: () => !sk.closed && hashed(sk),
    locked: (show) => {
      refresh(sk);
      return show();
    },
  });
  const skc = (p: bigint): TcpSock | undefined => tcc.sockAt(Number(p));
  const protos = new Map<number, BpfCallFn>([
    [BPF_FUNC_setsockopt, helpers.get(BPF_FUNC_setsockopt) as BpfCallFn],
    [BPF_FUNC_getsockopt, helpers.get(BPF_FUNC_getsockopt) as BpfCallFn],
    // bpf_skc_to_tcp_sock: a full TCP socket is its own tcp_sock; the model has no IPv6, request or timewait sockets.
    [BPF_FUNC_skc_to_tcp_sock, (p) => (skc(p) === undefined ? 0n : p)],
    [BPF_FUNC_skc_to_tcp6_sock, () => 0n],
    [BPF_FUNC_skc_to_tcp_timewait_sock, () => 0n],
    [BPF_FUNC_skc_to_tcp_request_sock, () => 0n],
  ]);
  return {
    target: "tcp",
    args: [
      { name: "meta", struct: "bpf_iter_meta" },
      { name: "sk_common", struct: "sock_common", orNull: true },
      { name: "uid" },
    ],
    objects(net: NetNs): readonly IterObject[] {
      // tcp_sockets in creation order; a chain's head is its newest socket, hence the reverse.
      const socks = [...tcc.sockets].filter((sk) => sk.net === net && hashed(sk)).reverse();
      const listening = socks.filter((sk) => sk.state === TCP_LISTEN).map((sk) => ({ sk, b: listenBucket(sk) }));
      const established = socks.filter((sk) => sk.state !== TCP_LISTEN).map((sk) => ({ sk, b: establishedBucket(sk) }));
      const byBucket = (a: { b: number }, b: { b: number }): number => a.b - b.b;
      return [...listening.sort(byBucket), ...established.sort(byBucket)].map(({ sk }) => object(sk));
    },
    funcProto(id: number): BpfCallFn | null {
      return protos.get(id) ?? null;
    },
  };
}

/** In a hash the iterator walks: listening, or connected (SYN_SENT or ESTABLISHED) with a port. */
function hashed(sk: TcpSock): boolean {
  if (sk.closed || sk.port === 0) return false;
  return sk.state === TCP_LISTEN || sk.state === TCP_ESTABLISHED || sk.state === TCP_SYN_SENT;
}
