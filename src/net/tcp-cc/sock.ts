/**
 * @fileoverview A TCP socket of the emulated kernel, as congestion control
 * sees it: a `struct tcp_sock` in the kernel's shared memory, readable by BPF
 * programs and writable only where Linux lets a BPF congestion control write
 * (bpf_tcp_ca_btf_struct_access), plus the socket's hold on its CA ops.
 *
 * The accessors read and write the very bytes a BPF program sees; nothing is
 * copied at the hook boundary. `icsk_ca_ops` is the algorithm the socket runs;
 * the socket holds a reference on it (for a BPF CA, a reference on its
 * struct_ops map), so unregistering or replacing the name never changes the
 * algorithm of an existing socket.
 *
 * @see net/ipv4/tcp_cong.c tcp_assign_congestion_control (v6.18)
 */
import { PERM_READ, PERM_RW } from "../../kernel/mem/memory.js";
import type { KernelMemory } from "../../kernel/mem/memory.js";
import type { BpfMap } from "../../kernel/map/core.js";
import type { NetNs } from "../../kernel/netns.js";
import { HZ, ICSK_CA_PRIV_SIZE, TCP_INFINITE_SSTHRESH } from "./ca-types.js";
import { Minmax, minmax_reset, minmax_running_min } from "./minmax.js";
import type { TcpCaSock, TcpCongestionOps } from "./ca-types.js";
import { TCP_SOCK_U32_FIELDS } from "./sock-layout.js";
import type { TcpSockLayout, TcpSockU32Field } from "./sock-layout.js";

/** net.ipv4.tcp_min_rtt_wlen's default: the window of tcp_sock.rtt_min, in seconds. */
const TCP_MIN_RTT_WLEN_S = 300;

/** TCP states the model distinguishes (include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_CLOSE = 7;
export const TCP_LISTEN = 10;

/** AF_INET: every socket of the model is IPv4. */
const AF_INET = 2;

/** TCP_INIT_CWND (include/net/tcp.h). */
export const TCP_INIT_CWND = 10;
/** ~0UL as a number: sk_max_pacing_rate when nothing limits it (reads back as 2^64). */
export const SK_MAX_PACING_RATE_UNLIMITED = 2 ** 64;

/** net.ipv4.tcp_reordering's default (TCP_FASTRETRANS_THRESH). */
export const TCP_REORDERING_DEFAULT = 3;
/** jiffies_to_usecs(TCP_TIMEOUT_INIT): 1 s, tcp_init_sock's mdev_us. */
export const TCP_TIMEOUT_INIT_US = 1_000_000;
/**
 * snd_cwnd_clamp of a fresh socket: what this machine's Linux 6.18 reads at a
 * connection's first congestion-control hook (1048576, whatever
 * net.ipv4.tcp_wmem and tcp_rmem; test/parity/fields-suite-linux.test.ts).
 * Kernels before it set ~0U in tcp_init_sock.
 */
export const TCP_SND_CWND_CLAMP = 1 << 20;
/** TCP_MSS_DEFAULT. */
export const TCP_MSS_DEFAULT = 536;

/**
 * Each layout's u32 offsets as an array in TCP_SOCK_U32_FIELDS order: an
 * accessor indexes it with its own constant, a monomorphic load (the keyed
 * load by name was megamorphic: every accessor shares one feedback slot).
 */
const U32_OFFSETS = new WeakMap<TcpSockLayout, Int32Array>();
function u32Offsets(layout: TcpSockLayout): Int32Array {
  let o = U32_OFFSETS.get(layout);
  if (o === undefined) {
    o = Int32Array.from(TCP_SOCK_U32_FIELDS, (n) => layout.u32[n]);
    U32_OFFSETS.set(layout, o);
  }
  return o;
}

function defineU32(proto: object, i: number): void {
  Object.defineProperty(proto, TCP_SOCK_U32_FIELDS[i] as TcpSockU32Field, {
    get(this: TcpSock) {
      return this.mem.dv.getUint32(this.addr + (this.u32Off[i] as number), true);
    },
    set(this: TcpSock, v: number) {
      this.mem.dv.setUint32(this.addr + (this.u32Off[i] as number), v >>> 0, true);
    },
    enumerable: true,
  });
}

/** A socket's tcp_sock in kernel memory with its congestion-control state. */
export class TcpSock implements TcpCaSock {
  declare snd_cwnd: number;
  declare snd_ssthresh: number;
  declare snd_cwnd_cnt: number;
  declare snd_cwnd_clamp: number;
  declare prior_cwnd: number;
  declare prior_ssthresh: number;
  declare snd_una: number;
  declare snd_nxt: number;
  declare srtt_us: number;
  declare mss_cache: number;
  declare packets_out: number;
  declare sacked_out: number;
  declare lost_out: number;
  declare retrans_out: number;
  declare delivered: number;
  declare delivered_ce: number;
  declare max_packets_out: number;
  declare lsndtime: number;
  declare sk_pacing_status: number;
  declare sk_gso_max_size: number;
  declare rcv_nxt: number;
  declare app_limited: number;
  declare lost: number;
  declare reordering: number;
  declare prr_out: number;
  declare high_seq: number;
  declare snd_cwnd_stamp: number;
  declare mdev_us: number;
  declare mdev_max_us: number;
  declare rttvar_us: number;
  declare rtt_seq: number;
  declare undo_marker: number;
  declare undo_retrans: number;
  declare retrans_stamp: number;
  declare total_retrans: number;
  declare rate_delivered: number;
  declare rate_interval_us: number;
  declare max_window: number;

  /** The algorithm this socket runs (icsk_ca_ops); holds a reference. */
  ca: TcpCongestionOps;
  /** icsk_ca_initialized: init() ran for the current ops. */
  caInitialized = false;
  /** icsk_ca_setsockopt: the CA was chosen with setsockopt. */
  caSetsockopt = false;
  /** icsk_ca_dst_locked: the route locked the CA (setsockopt then EPERM). */
  caDstLocked = false;
  /** tcp_sock.bpf_chg_cc_inprogress: guards bpf_setsockopt(TCP_CONGESTION) re-entry. */
  bpfChgCcInprogress = false;
  /** sk_state, mirrored into sock_common.skc_state where programs read it (not once the socket is freed). */
  get state(): number {
    return this.stateValue;
  }
  set state(v: number) {
    this.stateValue = v;
    if (!this.closed) this.mem.u8[this.addr + this.layout.skc.state] = v & 0xff;
  }
  private stateValue = TCP_CLOSE;
  /** bpf_sk_storage of this socket: map → value address. */
  readonly bpfStorage = new Map<BpfMap, number>();
  /** Set when the socket is closed. */
  closed = false;
  /** Where __tcp_send_ack goes (the subsystem's send-ACK hook); unset: nowhere. */
  sendAckHook: ((sk: TcpSock, rcvNxt: number) => void) | undefined = undefined;
  /** The bound local port (0: unbound): skc_num in host order, inet_sport in network order. */
  get port(): number {
    return this.portValue;
  }
  set port(v: number) {
    this.portValue = v;
    if (this.closed) return;
    this.mem.dv.setUint16(this.addr + this.layout.skc.num, v, true);
    this.mem.dv.setUint16(this.addr + this.layout.skc.inet_sport, v, false);
  }
  private portValue = 0;
  /** skc_dport: the peer's port, in network order as the kernel keeps it. */
  set dport(v: number) {
    if (!this.closed) this.mem.dv.setUint16(this.addr + this.layout.skc.dport, v, false);
  }
  /** SOCK_BINDPORT_LOCK: the port came from bind(2), not an autobind; a disconnect keeps it. */
  portLocked = false;
  /** The other end of an established connection (null once either end reset it). */
  peer: TcpSock | null = null;
  /** A listener's accept queue: established children not yet accepted. */
  readonly acceptQueue: TcpSock[] = [];
  private caPrivView: DataView;
  /** The memory's `dv` when caPrivView was made: KernelMemory replaces it exactly when the memory grows. */
  private caPrivOf: DataView;
  /** The layout's u32 offsets by field index (the accessors' table). */
  readonly u32Off: Int32Array;

  constructor(
    readonly mem: KernelMemory,
    readonly layout: TcpSockLayout,
    readonly addr: number,
    ca: TcpCongestionOps,
    private readonly clock: { readonly jiffies32: number },
    /** sock_net(sk): the namespace the socket was created in (holds a reference). */
    readonly net: NetNs,
  ) {
    this.ca = ca;
    this.u32Off = u32Offsets(layout);
    this.caPrivOf = mem.dv;
    this.caPrivView = new DataView(mem.dv.buffer, addr + layout.icsk_ca_priv, ICSK_CA_PRIV_SIZE);
  }

  /**
   * Allocates a tcp_sock in `mem`: readable by programs, writable where Linux
   * allows, initialised as tcp_init_sock does. Returns null when memory is out.
   */
  static alloc(mem: KernelMemory, layout: TcpSockLayout, ca: TcpCongestionOps, clock: { readonly jiffies32: number }, net: NetNs): TcpSock | null {
    const addr = mem.alloc(layout.size, PERM_READ);
    if (addr === 0) return null;
    for (const r of layout.writable) mem.protect(addr + r.offset, r.size, PERM_RW);
    const sk = new TcpSock(mem, layout, addr, ca, clock, net.get());
    sk.state = TCP_CLOSE;
    mem.dv.setUint16(addr + layout.skc.family, AF_INET, true);
    sk.snd_cwnd = TCP_INIT_CWND;
    sk.snd_ssthresh = TCP_INFINITE_SSTHRESH;
    sk.snd_cwnd_clamp = TCP_SND_CWND_CLAMP;
    sk.mss_cache = TCP_MSS_DEFAULT;
    // GSO_LEGACY_MAX_SIZE, and "sent just now" so a first TX_START sees no idle time.
    sk.sk_gso_max_size = 65536;
    sk.lsndtime = clock.jiffies32;
    // sock_init_data / tcp_init_sock: ~0UL pacing rate and max pacing rate, shift 10, rtt_min reset to ~0U.
    mem.dv.setBigUint64(addr + layout.sk_pacing_rate, (1n << 64n) - 1n, true);
    sk.sk_max_pacing_rate = SK_MAX_PACING_RATE_UNLIMITED;
    sk.sk_pacing_shift = 10;
    sk.resetRttMin();
    // tcp_init_sock: reordering from net.ipv4.tcp_reordering (default 3), mdev_us = jiffies_to_usecs(TCP_TIMEOUT_INIT).
    // tcp_init_transfer stamps snd_cwnd_stamp with tcp_jiffies32.
    sk.reordering = TCP_REORDERING_DEFAULT;
    // tcp_clear_retrans (tcp_connect_init): no retransmission an undo waits for, undo_retrans -1.
    sk.undo_retrans = 0xffffffff;
    // tcp_init_sock: app-limited until the first ACK's rate sample (tcp_rate_gen clears it once delivered is after ~0U).
    sk.app_limited = 0xffffffff;
    sk.mdev_us = TCP_TIMEOUT_INIT_US;
    sk.snd_cwnd_stamp = clock.jiffies32;
    return sk;
  }

  /**
   * icsk_ca_priv as a view that follows memory growth (a grown memory has a new buffer). Tested by
   * the identity of the memory's `dv` (a field) rather than `memory.buffer` (a getter into the
   * engine, on every hook of a built-in CA).
   */
  get caPriv(): DataView {
    const dv = this.mem.dv;
    if (this.caPrivOf !== dv) {
      this.caPrivOf = dv;
      this.caPrivView = new DataView(dv.buffer, this.addr + this.layout.icsk_ca_priv, ICSK_CA_PRIV_SIZE);
    }
    return this.caPrivView;
  }

  /** Zeroes icsk_ca_priv (done whenever the CA changes). */
  clearCaPriv(): void {
    this.mem.u8.fill(0, this.addr + this.layout.icsk_ca_priv, this.addr + this.layout.icsk_ca_priv + ICSK_CA_PRIV_SIZE);
  }

  get tcp_mstamp(): number { return this.u64(this.layout.tcp_mstamp); }
  set tcp_mstamp(v: number) { this.setU64(this.layout.tcp_mstamp, v); }
  get sk_pacing_rate(): number { return this.u64(this.layout.sk_pacing_rate); }
  set sk_pacing_rate(v: number) { this.setU64(this.layout.sk_pacing_rate, v); }

  /**
   * A u64 field as a number, from its two u32 halves: exact below 2^53, above
   * it rounded to nearest as Number(bigint) rounds (one rounding, in the add).
   */
  private u64(off: number): number {
    const dv = this.mem.dv;
    return dv.getUint32(this.addr + off, true) + dv.getUint32(this.addr + off + 4, true) * 4294967296;
  }
  /** Stores trunc(v) modulo 2^64, as setBigUint64(BigInt(v)) would, without a BigInt. */
  private setU64(off: number, v: number): void {
    const dv = this.mem.dv;
    v = Math.trunc(v);
    // ToUint32 is trunc(v) modulo 2^32 for any v: the low half, without a floating-point remainder.
    dv.setUint32(this.addr + off, v >>> 0, true);
    dv.setUint32(this.addr + off + 4, Math.floor(v / 4294967296) >>> 0, true);
  }

  get delivered_mstamp(): number { return this.u64(this.layout.delivered_mstamp); }
  set delivered_mstamp(v: number) { this.setU64(this.layout.delivered_mstamp, v); }
  get tcp_clock_cache(): number { return this.u64(this.layout.tcp_clock_cache); }
  set tcp_clock_cache(v: number) { this.setU64(this.layout.tcp_clock_cache, v); }
  get tcp_wstamp_ns(): number { return this.u64(this.layout.tcp_wstamp_ns); }
  set tcp_wstamp_ns(v: number) { this.setU64(this.layout.tcp_wstamp_ns, v); }
  get sk_max_pacing_rate(): number { return this.u64(this.layout.sk_max_pacing_rate); }
  set sk_max_pacing_rate(v: number) {
    if (v >= SK_MAX_PACING_RATE_UNLIMITED) this.mem.dv.setBigUint64(this.addr + this.layout.sk_max_pacing_rate, (1n << 64n) - 1n, true);
    else this.setU64(this.layout.sk_max_pacing_rate, v);
  }
  get sk_pacing_shift(): number { return this.mem.u8[this.addr + this.layout.sk_pacing_shift] as number; }
  set sk_pacing_shift(v: number) { this.mem.u8[this.addr + this.layout.sk_pacing_shift] = v & 0xff; }
  /** tcp_sock.rtt_min as a filter over the memory's current view (made again when the memory grows). */
  private rttMinFilter(): Minmax {
    let f = this.rttMinF;
    if (f === null || f.dv !== this.mem.dv) f = this.rttMinF = new Minmax(this.mem.dv, this.addr + this.layout.rtt_min - 4);
    return f;
  }
  private rttMinF: Minmax | null = null;

  /** tcp_init_sock: minmax_reset(&tp->rtt_min, tcp_jiffies32, ~0U). */
  resetRttMin(): void {
    minmax_reset(this.rttMinFilter(), this.clock.jiffies32, 0xffffffff);
  }

  /** tcp_update_rtt_min()'s filter step: minmax_running_min over tcp_min_rtt_wlen (300 s) in jiffies; returns tcp_min_rtt(). */
  updateRttMin(rttUs: number): number {
    return minmax_running_min(this.rttMinFilter(), TCP_MIN_RTT_WLEN_S * HZ, this.clock.jiffies32, rttUs);
  }

  /** tcp_min_rtt(): rtt_min.s[0].v. */
  get rtt_min(): number { return this.mem.dv.getUint32(this.addr + this.layout.rtt_min, true); }
  set rtt_min(v: number) { this.mem.dv.setUint32(this.addr + this.layout.rtt_min, v >>> 0, true); }

  private getBits(f: { byte: number; bit: number; bits: number }): number {
    const b = this.mem.u8[this.addr + f.byte] as number;
    return (b >>> f.bit) & ((1 << f.bits) - 1);
  }

  private setBits(f: { byte: number; bit: number; bits: number }, v: number): void {
    const at = this.addr + f.byte;
    const mask = ((1 << f.bits) - 1) << f.bit;
    this.mem.u8[at] = ((this.mem.u8[at] as number) & ~mask) | ((v << f.bit) & mask);
  }

  get icsk_ca_state(): number {
    return this.getBits(this.layout.icsk_ca_state);
  }
  set icsk_ca_state(v: number) {
    this.setBits(this.layout.icsk_ca_state, v);
  }

  get is_cwnd_limited(): number {
    return this.getBits(this.layout.is_cwnd_limited);
  }
  set is_cwnd_limited(v: number) {
    this.setBits(this.layout.is_cwnd_limited, v ? 1 : 0);
  }

  /** tcp_sock.ecn_flags (TCP_ECN_*); reads 0 and ignores writes when the layout lacks it. */
  get ecn_flags(): number {
    const off = this.layout.ecn_flags;
    return off === undefined ? 0 : (this.mem.u8[this.addr + off] as number);
  }
  set ecn_flags(v: number) {
    const off = this.layout.ecn_flags;
    if (off !== undefined) this.mem.u8[this.addr + off] = v & 0xff;
  }

  /** inet_connection_sock.icsk_ack.pending (ICSK_ACK_*); reads 0 and ignores writes when the layout lacks it. */
  get icsk_ack_pending(): number {
    const off = this.layout.icsk_ack_pending;
    return off === undefined ? 0 : (this.mem.u8[this.addr + off] as number);
  }
  set icsk_ack_pending(v: number) {
    const off = this.layout.icsk_ack_pending;
    if (off !== undefined) this.mem.u8[this.addr + off] = v & 0xff;
  }

  /** sock.sk_state. */
  get sk_state(): number {
    return this.state;
  }

  /** inet_connection_sock.icsk_ca_ops: the algorithm this socket runs (a CA may switch to a sibling of its module). */
  get icsk_ca_ops(): TcpCongestionOps {
    return this.ca;
  }
  set icsk_ca_ops(ops: TcpCongestionOps) {
    this.ca = ops;
  }

  /** __tcp_send_ack(sk, rcv_nxt): an ACK for `rcvNxt` leaves now. */
  tcp_send_ack(rcvNxt: number): void {
    this.sendAckHook?.(this, rcvNxt >>> 0);
  }

  get jiffies32(): number {
    return this.clock.jiffies32;
  }

  /** Reads a u32 of icsk_ca_priv (for tests and reports). */
  caPrivU32(off: number): number {
    return this.caPriv.getUint32(off, true);
  }
}

for (let i = 0; i < TCP_SOCK_U32_FIELDS.length; i++) defineU32(TcpSock.prototype, i);
