/**
 * @fileoverview The built-in "bbr" congestion control (BBR v1), following
 * Linux 6.18's net/ipv4/tcp_bbr.c: a model of the path from the delivery
 * rate and the RTT, instead of a reaction to loss.
 *
 * - bottleneck bandwidth: a windowed max (lib/win_minmax.c) of delivery-rate
 *   samples over 10 packet-timed rounds, in packets/µs << 24 (BW_SCALE);
 * - min_rtt: the lowest RTT of the last 10 s; when it expires, PROBE_RTT
 *   holds cwnd at 4 packets for max(200 ms, one round);
 * - the state machine STARTUP (gain 2/ln 2 until the bandwidth grows less than
 *   25 % in 3 rounds) → DRAIN (inverse gain until inflight ≤ BDP) → PROBE_BW
 *   (pacing gains 5/4, 3/4, then six rounds at 1, from a random phase);
 * - cwnd = cwnd_gain × BDP plus the ACK-aggregation allowance (extra_acked)
 *   and the TSO quantization budget, with packet conservation in the first
 *   round of recovery;
 * - the long-term ("policer") bandwidth estimate: two consecutive lossy
 *   intervals with consistent throughput make BBR pace at their average for
 *   48 rounds.
 *
 * State lives in `sk.caPriv` with the byte layout of Linux's `struct bbr`
 * (104 bytes, bitfields included, checked against this machine's BTF), so a
 * BPF program reading icsk_ca_priv sees what this code wrote. Every integer
 * expression keeps C's types: u32 wrap, u64 products (BigInt when a product
 * leaves the exact range of a double), do_div truncation.
 *
 * @see net/ipv4/tcp_bbr.c (v6.18), lib/win_minmax.c
 */
import {
  CA_EVENT_TX_START,
  HZ,
  SK_PACING_NEEDED,
  SK_PACING_NONE,
  TCP_CA_Loss,
  TCP_CA_Open,
  TCP_CA_Recovery,
  TCP_CONG_NON_RESTRICTED,
  TCP_INFINITE_SSTHRESH,
  type RateSample,
  type TcpCaSock,
  type TcpCongestionOps,
} from "./ca-types.js";
import { KernelBug } from "../../kernel/bug.js";
import { tcpCaKey } from "./jhash.js";
import { Minmax, minmax_get, minmax_reset, minmax_running_max } from "./minmax.js";
import { tcp_snd_cwnd, tcp_snd_cwnd_set } from "./tcp-cong.js";
import { after, before, s32, u32 } from "./u32.js";

/** Name of the built-in BBR. */
export const TCP_BBR_NAME = "bbr";

/** Bandwidth is in packets/µs scaled by 2^BW_SCALE. */
export const BW_SCALE = 24;
/** 1 << BW_SCALE. */
export const BW_UNIT = 1 << BW_SCALE;
/** Gains are fractions of BBR_UNIT = 1 << BBR_SCALE. */
export const BBR_SCALE = 8;
/** 1 << BBR_SCALE. */
export const BBR_UNIT = 1 << BBR_SCALE;

/** enum bbr_mode. */
export const BBR_STARTUP = 0;
export const BBR_DRAIN = 1;
export const BBR_PROBE_BW = 2;
export const BBR_PROBE_RTT = 3;
/** Mode names, by value. */
export const BBR_MODE_NAMES = ["STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT"] as const;

/** Phases of the PROBE_BW pacing-gain cycle. */
export const CYCLE_LEN = 8;
/** Rounds of the max-bandwidth filter window. */
export const bbr_bw_rtts = CYCLE_LEN + 2;
/** Seconds of the min_rtt filter window. */
export const bbr_min_rtt_win_sec = 10;
/** Least time (ms) at the minimum cwnd in PROBE_RTT. */
export const bbr_probe_rtt_mode_ms = 200;
/** Below this pacing rate (bits/s) TSO is skipped: one segment per skb. */
export const bbr_min_tso_rate = 1200000;
/** Pace this many percent below the estimated bandwidth. */
export const bbr_pacing_margin_percent = 1;
/** 2/ln(2) in BBR_UNIT, rounded up: STARTUP's pacing and cwnd gain. */
export const bbr_high_gain = Math.trunc((BBR_UNIT * 2885) / 1000) + 1;
/** 1/high_gain: DRAIN's pacing gain. */
export const bbr_drain_gain = Math.trunc((BBR_UNIT * 1000) / 2885);
/** PROBE_BW's cwnd gain. */
export const bbr_cwnd_gain = BBR_UNIT * 2;
/** PROBE_BW's pacing gains by cycle phase. */
export const bbr_pacing_gain: readonly number[] = [
  Math.trunc((BBR_UNIT * 5) / 4),
  Math.trunc((BBR_UNIT * 3) / 4),
  BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT,
];
/** The first PROBE_BW phase is drawn among this many. */
export const bbr_cycle_rand = 7;
/** Least cwnd BBR aims for (and PROBE_RTT's cap). */
export const bbr_cwnd_min_target = 4;
/** STARTUP ends when the bandwidth grew less than this factor (1.25)... */
export const bbr_full_bw_thresh = Math.trunc((BBR_UNIT * 5) / 4);
/** ...this many rounds in a row. */
export const bbr_full_bw_cnt = 3;
/** Least rounds of a long-term sampling interval. */
export const bbr_lt_intvl_min_rtts = 4;
/** An interval is lossy when lost/delivered ≥ this / BBR_UNIT (≈ 20 %). */
export const bbr_lt_loss_thresh = 50;
/** Two intervals' bandwidths are consistent within this ratio (1/8)... */
export const bbr_lt_bw_ratio = BBR_UNIT / 8;
/** ...or within this many bytes/s (4 kbit/s). */
export const bbr_lt_bw_diff = 4000 / 8;
/** Rounds a policed rate is used for. */
export const bbr_lt_bw_max_rtts = 48;
/** Gain on extra_acked in the cwnd. */
export const bbr_extra_acked_gain = BBR_UNIT;
/** Rounds of each extra_acked window. */
export const bbr_extra_acked_win_rtts = 5;
/** ack_epoch_acked at which an aggregation epoch restarts. */
export const bbr_ack_epoch_acked_reset_thresh = 1 << 20;
/** extra_acked is capped at the bandwidth times this (µs). */
export const bbr_extra_acked_max_us = 100 * 1000;

/** TCP_INIT_CWND. */
const TCP_INIT_CWND = 10;
const USEC_PER_SEC = 1_000_000;
const USEC_PER_MSEC = 1000;
/**
 * GSO_LEGACY_MAX_SIZE - 1 - MAX_TCP_HEADER: the TSO budget's cap. MAX_TCP_HEADER
 * is L1_CACHE_ALIGN(128 + MAX_HEADER) = 192 on this machine's x86-64 config
 * (no WLAN, Hyper-V or IP tunnels: MAX_HEADER = LL_MAX_HEADER = 32).
 */
export const BBR_TSO_BYTES_MAX = 65536 - 1 - 192;
/** msecs_to_jiffies(bbr_probe_rtt_mode_ms) at the model's HZ. */
const PROBE_RTT_JIFFIES = Math.ceil((bbr_probe_rtt_mode_ms * HZ) / 1000);
/** ~0UL: no sk_max_pacing_rate. */
const NO_MAX_PACING = 2 ** 64;

const SAFE = Number.MAX_SAFE_INTEGER;
const U64 = (1n << 64n) - 1n;

/** floor((a * b) / d) with a u64 product (C: `(u64)a * b / d`); a, b, d non-negative integers. */
export function mulDivU64(a: number, b: number, d: number): number {
  const p = a * b;
  if (p <= SAFE) return Math.floor(p / d);
  return Number(((BigInt(a) * BigInt(b)) & U64) / BigInt(d));
}

/** ((u64)a * b) >> s. */
function mulShrU64(a: number, b: number, s: number): number {
  return mulDivU64(a, b, 2 ** s);
}

/** Byte offsets of `struct bbr` in icsk_ca_priv (Linux 6.18 layout). */
export const BBR_OFF = Object.freeze({
  min_rtt_us: 0,
  min_rtt_stamp: 4,
  probe_rtt_done_stamp: 8,
  bw: 12,
  rtt_cnt: 36,
  next_rtt_delivered: 40,
  cycle_mstamp: 48,
  /** mode:3 prev_ca_state:3 packet_conservation:1 round_start:1 idle_restart:1 probe_rtt_round_done:1 unused:13 lt_is_sampling:1 lt_rtt_cnt:7 lt_use_bw:1 */
  bits0: 56,
  lt_bw: 60,
  lt_last_delivered: 64,
  lt_last_stamp: 68,
  lt_last_lost: 72,
  /** pacing_gain:10 cwnd_gain:10 full_bw_reached:1 full_bw_cnt:2 cycle_idx:3 has_seen_rtt:1 unused_b:5 */
  bits1: 76,
  prior_cwnd: 80,
  full_bw: 84,
  ack_epoch_mstamp: 88,
  extra_acked: 96,
  /** ack_epoch_acked:20 extra_acked_win_rtts:5 extra_acked_win_idx:1 unused_c:6 */
  bits2: 100,
});
/** sizeof(struct bbr). */
export const BBR_SIZE = 104;

/** A u32 bitfield: word offset, first bit (LSB first, as GCC lays them out on little-endian), width. */
type Bits = readonly [word: number, shift: number, width: number];
const F = {
  mode: [BBR_OFF.bits0, 0, 3],
  prev_ca_state: [BBR_OFF.bits0, 3, 3],
  packet_conservation: [BBR_OFF.bits0, 6, 1],
  round_start: [BBR_OFF.bits0, 7, 1],
  idle_restart: [BBR_OFF.bits0, 8, 1],
  probe_rtt_round_done: [BBR_OFF.bits0, 9, 1],
  lt_is_sampling: [BBR_OFF.bits0, 23, 1],
  lt_rtt_cnt: [BBR_OFF.bits0, 24, 7],
  lt_use_bw: [BBR_OFF.bits0, 31, 1],
  pacing_gain: [BBR_OFF.bits1, 0, 10],
  cwnd_gain: [BBR_OFF.bits1, 10, 10],
  full_bw_reached: [BBR_OFF.bits1, 20, 1],
  full_bw_cnt: [BBR_OFF.bits1, 21, 2],
  cycle_idx: [BBR_OFF.bits1, 23, 3],
  has_seen_rtt: [BBR_OFF.bits1, 26, 1],
  ack_epoch_acked: [BBR_OFF.bits2, 0, 20],
  extra_acked_win_rtts: [BBR_OFF.bits2, 20, 5],
  extra_acked_win_idx: [BBR_OFF.bits2, 25, 1],
} as const satisfies Record<string, Bits>;

/** A typed view of `struct bbr` over a socket's icsk_ca_priv. Setters truncate as C stores do. */
export class Bbr {
  readonly bw: Minmax;
  constructor(readonly dv: DataView) {
    if (dv.byteLength < BBR_SIZE) throw new KernelBug(`struct bbr needs ${BBR_SIZE} bytes of icsk_ca_priv`);
    this.bw = new Minmax(dv, BBR_OFF.bw);
  }
  private g(off: number): number {
    return this.dv.getUint32(off, true);
  }
  private s(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }
  private gb(f: Bits): number {
    const w = this.dv.getUint32(f[0], true);
    return f[2] === 32 ? w : (w >>> f[1]) & ((1 << f[2]) - 1);
  }
  private sb(f: Bits, v: number): void {
    const mask = (((1 << f[2]) - 1) << f[1]) >>> 0;
    const w = this.dv.getUint32(f[0], true);
    this.dv.setUint32(f[0], ((w & ~mask) | ((v << f[1]) & mask)) >>> 0, true);
  }
  /** A u64 below 2^53 (µs timestamps), read as two u32 halves without BigInt. */
  private g64(off: number): number {
    return this.dv.getUint32(off, true) + this.dv.getUint32(off + 4, true) * 4294967296;
  }
  private s64(off: number, v: number): void {
    v = Math.trunc(v);
    this.dv.setUint32(off, v >>> 0, true);
    this.dv.setUint32(off + 4, Math.floor(v / 4294967296) >>> 0, true);
  }

  get min_rtt_us(): number { return this.g(BBR_OFF.min_rtt_us); }
  set min_rtt_us(v: number) { this.s(BBR_OFF.min_rtt_us, v); }
  get min_rtt_stamp(): number { return this.g(BBR_OFF.min_rtt_stamp); }
  set min_rtt_stamp(v: number) { this.s(BBR_OFF.min_rtt_stamp, v); }
  get probe_rtt_done_stamp(): number { return this.g(BBR_OFF.probe_rtt_done_stamp); }
  set probe_rtt_done_stamp(v: number) { this.s(BBR_OFF.probe_rtt_done_stamp, v); }
  get rtt_cnt(): number { return this.g(BBR_OFF.rtt_cnt); }
  set rtt_cnt(v: number) { this.s(BBR_OFF.rtt_cnt, v); }
  get next_rtt_delivered(): number { return this.g(BBR_OFF.next_rtt_delivered); }
  set next_rtt_delivered(v: number) { this.s(BBR_OFF.next_rtt_delivered, v); }
  /** µs (u64). */
  get cycle_mstamp(): number { return this.g64(BBR_OFF.cycle_mstamp); }
  set cycle_mstamp(v: number) { this.s64(BBR_OFF.cycle_mstamp, v); }
  get mode(): number { return this.gb(F.mode); }
  set mode(v: number) { this.sb(F.mode, v); }
  get prev_ca_state(): number { return this.gb(F.prev_ca_state); }
  set prev_ca_state(v: number) { this.sb(F.prev_ca_state, v); }
  get packet_conservation(): number { return this.gb(F.packet_conservation); }
  set packet_conservation(v: number) { this.sb(F.packet_conservation, v); }
  get round_start(): number { return this.gb(F.round_start); }
  set round_start(v: number) { this.sb(F.round_start, v); }
  get idle_restart(): number { return this.gb(F.idle_restart); }
  set idle_restart(v: number) { this.sb(F.idle_restart, v); }
  get probe_rtt_round_done(): number { return this.gb(F.probe_rtt_round_done); }
  set probe_rtt_round_done(v: number) { this.sb(F.probe_rtt_round_done, v); }
  get lt_is_sampling(): number { return this.gb(F.lt_is_sampling); }
  set lt_is_sampling(v: number) { this.sb(F.lt_is_sampling, v); }
  get lt_rtt_cnt(): number { return this.gb(F.lt_rtt_cnt); }
  set lt_rtt_cnt(v: number) { this.sb(F.lt_rtt_cnt, v); }
  get lt_use_bw(): number { return this.gb(F.lt_use_bw); }
  set lt_use_bw(v: number) { this.sb(F.lt_use_bw, v); }
  get lt_bw(): number { return this.g(BBR_OFF.lt_bw); }
  set lt_bw(v: number) { this.s(BBR_OFF.lt_bw, v); }
  get lt_last_delivered(): number { return this.g(BBR_OFF.lt_last_delivered); }
  set lt_last_delivered(v: number) { this.s(BBR_OFF.lt_last_delivered, v); }
  get lt_last_stamp(): number { return this.g(BBR_OFF.lt_last_stamp); }
  set lt_last_stamp(v: number) { this.s(BBR_OFF.lt_last_stamp, v); }
  get lt_last_lost(): number { return this.g(BBR_OFF.lt_last_lost); }
  set lt_last_lost(v: number) { this.s(BBR_OFF.lt_last_lost, v); }
  get pacing_gain(): number { return this.gb(F.pacing_gain); }
  set pacing_gain(v: number) { this.sb(F.pacing_gain, v); }
  get cwnd_gain(): number { return this.gb(F.cwnd_gain); }
  set cwnd_gain(v: number) { this.sb(F.cwnd_gain, v); }
  get full_bw_reached(): number { return this.gb(F.full_bw_reached); }
  set full_bw_reached(v: number) { this.sb(F.full_bw_reached, v); }
  get full_bw_cnt(): number { return this.gb(F.full_bw_cnt); }
  set full_bw_cnt(v: number) { this.sb(F.full_bw_cnt, v); }
  get cycle_idx(): number { return this.gb(F.cycle_idx); }
  set cycle_idx(v: number) { this.sb(F.cycle_idx, v); }
  get has_seen_rtt(): number { return this.gb(F.has_seen_rtt); }
  set has_seen_rtt(v: number) { this.sb(F.has_seen_rtt, v); }
  get prior_cwnd(): number { return this.g(BBR_OFF.prior_cwnd); }
  set prior_cwnd(v: number) { this.s(BBR_OFF.prior_cwnd, v); }
  get full_bw(): number { return this.g(BBR_OFF.full_bw); }
  set full_bw(v: number) { this.s(BBR_OFF.full_bw, v); }
  /** µs (u64). */
  get ack_epoch_mstamp(): number { return this.g64(BBR_OFF.ack_epoch_mstamp); }
  set ack_epoch_mstamp(v: number) { this.s64(BBR_OFF.ack_epoch_mstamp, v); }
  /** extra_acked[i] (u16). */
  extra_acked(i: number): number { return this.dv.getUint16(BBR_OFF.extra_acked + 2 * i, true); }
  setExtraAcked(i: number, v: number): void { this.dv.setUint16(BBR_OFF.extra_acked + 2 * i, v & 0xffff, true); }
  get ack_epoch_acked(): number { return this.gb(F.ack_epoch_acked); }
  set ack_epoch_acked(v: number) { this.sb(F.ack_epoch_acked, v); }
  get extra_acked_win_rtts(): number { return this.gb(F.extra_acked_win_rtts); }
  set extra_acked_win_rtts(v: number) { this.sb(F.extra_acked_win_rtts, v); }
  get extra_acked_win_idx(): number { return this.gb(F.extra_acked_win_idx); }
  set extra_acked_win_idx(v: number) { this.sb(F.extra_acked_win_idx, v); }
}

/** One view per icsk_ca_priv DataView (a socket's caPriv is a new DataView only when memory grows). */
const views = new WeakMap<DataView, Bbr>();

/** inet_csk_ca(): the socket's BBR state. */
export function inet_csk_ca(sk: TcpCaSock): Bbr {
  const dv = sk.caPriv;
  let b = views.get(dv);
  if (b === undefined) {
    b = new Bbr(dv);
    views.set(dv, b);
  }
  return b;
}

// ---- socket fields BBR reads, with the defaults of a socket that lacks them ----

function tcpClockNs(sk: TcpCaSock): number {
  return sk.tcp_clock_cache ?? sk.tcp_mstamp * 1000;
}
function deliveredMstamp(sk: TcpCaSock): number {
  return sk.delivered_mstamp ?? sk.tcp_mstamp;
}
function maxPacingRate(sk: TcpCaSock): number {
  return sk.sk_max_pacing_rate ?? NO_MAX_PACING;
}

/** tcp_packets_in_flight(): packets_out - (sacked_out + lost_out) + retrans_out, as u32. */
export function tcp_packets_in_flight(sk: TcpCaSock): number {
  return u32(sk.packets_out - u32(sk.sacked_out + sk.lost_out) + sk.retrans_out);
}

/** tcp_stamp_us_delta(): max_t(s64, t1 - t0, 0). */
function tcp_stamp_us_delta(t1: number, t0: number): number {
  return Math.max(t1 - t0, 0);
}

/**
 * get_random_u32_below(ceil): Lemire's multiply-shift with rejection, as
 * lib/random32.c / drivers/char/random.c do it for a 32-bit ceiling.
 */
export function get_random_u32_below(ceil: number, rand: () => number): number {
  let mult = BigInt(ceil) * BigInt(rand() >>> 0);
  if (Number(mult & 0xffffffffn) < ceil) {
    const bound = (2 ** 32 - ceil) % ceil;
    while (Number(mult & 0xffffffffn) < bound) mult = BigInt(ceil) * BigInt(rand() >>> 0);
  }
  return Number(mult >> 32n);
}

// ---- the algorithm ----

/** bbr_full_bw_reached(). */
function bbr_full_bw_reached(sk: TcpCaSock): boolean {
  return inet_csk_ca(sk).full_bw_reached !== 0;
}

/** bbr_max_bw(): the windowed max bandwidth, packets/µs << BW_SCALE. */
export function bbr_max_bw(sk: TcpCaSock): number {
  return minmax_get(inet_csk_ca(sk).bw);
}

/** bbr_bw(): the long-term (policed) rate when in use, else the max filter. */
export function bbr_bw(sk: TcpCaSock): number {
  const bbr = inet_csk_ca(sk);
  return bbr.lt_use_bw ? bbr.lt_bw : minmax_get(bbr.bw);
}

/** bbr_extra_acked(): the larger of the two extra_acked windows. */
function bbr_extra_acked(sk: TcpCaSock): number {
  const bbr = inet_csk_ca(sk);
  return Math.max(bbr.extra_acked(0), bbr.extra_acked(1));
}

/**
 * bbr_rate_bytes_per_sec(): rate (packets/µs << 24) × mss × gain / 256 ×
 * 990000 >> 24, in u64 in that order (the 1 % pacing margin included).
 */
export function bbr_rate_bytes_per_sec(mss: number, rate: number, gain: number): number {
  const a = rate * mss;
  const b = a * gain;
  if (b <= SAFE) {
    const c = Math.floor(b / BBR_UNIT);
    const d = c * ((USEC_PER_SEC / 100) * (100 - bbr_pacing_margin_percent));
    if (d <= SAFE) return Math.floor(d / BW_UNIT);
  }
  let r = (BigInt(rate) * BigInt(mss)) & U64;
  r = (r * BigInt(gain)) & U64;
  r >>= BigInt(BBR_SCALE);
  r = (r * BigInt((USEC_PER_SEC / 100) * (100 - bbr_pacing_margin_percent))) & U64;
  return Number(r >> BigInt(BW_SCALE));
}

/** bbr_bw_to_pacing_rate(): bytes/s for bandwidth `bw` (u32) and `gain`, capped by sk_max_pacing_rate. */
export function bbr_bw_to_pacing_rate(sk: TcpCaSock, bw: number, gain: number): number {
  const rate = bbr_rate_bytes_per_sec(sk.mss_cache, u32(bw), gain);
  return Math.min(rate, maxPacingRate(sk));
}

/** bbr_init_pacing_rate_from_rtt(): high_gain × cwnd / srtt (1 ms when there is no sample yet). */
function bbr_init_pacing_rate_from_rtt(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  let rtt_us: number;
  if (sk.srtt_us !== 0) {
    rtt_us = Math.max(sk.srtt_us >>> 3, 1);
    bbr.has_seen_rtt = 1;
  } else {
    rtt_us = USEC_PER_MSEC;
  }
  const bw = mulDivU64(tcp_snd_cwnd(sk), BW_UNIT, rtt_us);
  sk.sk_pacing_rate = bbr_bw_to_pacing_rate(sk, u32(bw), bbr_high_gain);
}

/** bbr_set_pacing_rate(): the rate for bw × gain; before the pipe is full it only ever grows. */
export function bbr_set_pacing_rate(sk: TcpCaSock, bw: number, gain: number): void {
  const bbr = inet_csk_ca(sk);
  const rate = bbr_bw_to_pacing_rate(sk, bw, gain);
  if (!bbr.has_seen_rtt && sk.srtt_us !== 0) bbr_init_pacing_rate_from_rtt(sk);
  if (bbr_full_bw_reached(sk) || rate > sk.sk_pacing_rate) sk.sk_pacing_rate = rate;
}

/** bbr_min_tso_segs(): 1 below 1.2 Mbit/s of pacing, else 2. */
export function bbr_min_tso_segs(sk: TcpCaSock): number {
  return sk.sk_pacing_rate < bbr_min_tso_rate >>> 3 ? 1 : 2;
}

/** bbr_tso_segs_goal(): segments per skb the pacing rate suggests (pacing_rate >> sk_pacing_shift bytes), 1..127. */
export function bbr_tso_segs_goal(sk: TcpCaSock): number {
  const shift = sk.sk_pacing_shift ?? 10;
  const bytes = Math.min(Math.floor(sk.sk_pacing_rate / 2 ** shift), BBR_TSO_BYTES_MAX);
  const segs = Math.max(Math.floor(bytes / sk.mss_cache), bbr_min_tso_segs(sk));
  return Math.min(segs, 0x7f);
}

/** bbr_save_cwnd(): remember the last good cwnd before recovery or PROBE_RTT cut it. */
function bbr_save_cwnd(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  if (bbr.prev_ca_state < TCP_CA_Recovery && bbr.mode !== BBR_PROBE_RTT) bbr.prior_cwnd = tcp_snd_cwnd(sk);
  else bbr.prior_cwnd = Math.max(bbr.prior_cwnd, tcp_snd_cwnd(sk));
}

/** bbr_cwnd_event(): restarting from idle while app-limited paces at the estimate (PROBE_BW) or may end PROBE_RTT. */
export function bbr_cwnd_event(sk: TcpCaSock, event: number): void {
  const bbr = inet_csk_ca(sk);
  if (event === CA_EVENT_TX_START && (sk.app_limited ?? 0) !== 0) {
    bbr.idle_restart = 1;
    bbr.ack_epoch_mstamp = sk.tcp_mstamp;
    bbr.ack_epoch_acked = 0;
    if (bbr.mode === BBR_PROBE_BW) bbr_set_pacing_rate(sk, bbr_bw(sk), BBR_UNIT);
    else if (bbr.mode === BBR_PROBE_RTT) bbr_check_probe_rtt_done(sk);
  }
}

/** bbr_bdp(): ceil(bw × min_rtt × gain) in packets (u32); TCP_INIT_CWND with no RTT sample. */
export function bbr_bdp(sk: TcpCaSock, bw: number, gain: number): number {
  const bbr = inet_csk_ca(sk);
  if (bbr.min_rtt_us === 0xffffffff) return TCP_INIT_CWND;
  const w = u32(bw) * bbr.min_rtt_us;
  const wg = w * gain;
  if (wg <= SAFE) return u32(Math.floor((Math.floor(wg / BBR_UNIT) + BW_UNIT - 1) / BW_UNIT));
  const x = ((((BigInt(u32(bw)) * BigInt(bbr.min_rtt_us)) & U64) * BigInt(gain)) & U64) >> BigInt(BBR_SCALE);
  return Number(BigInt.asUintN(32, ((x + BigInt(BW_UNIT - 1)) & U64) / BigInt(BW_UNIT)));
}

/** bbr_quantization_budget(): + 3 TSO skbs, rounded up to even, + 2 in the probing phase. */
export function bbr_quantization_budget(sk: TcpCaSock, cwnd: number): number {
  const bbr = inet_csk_ca(sk);
  cwnd = u32(cwnd + 3 * bbr_tso_segs_goal(sk));
  cwnd = u32((cwnd + 1) & ~1);
  if (bbr.mode === BBR_PROBE_BW && bbr.cycle_idx === 0) cwnd = u32(cwnd + 2);
  return cwnd;
}

/** bbr_inflight(): BDP × gain with the quantization budget. */
export function bbr_inflight(sk: TcpCaSock, bw: number, gain: number): number {
  return bbr_quantization_budget(sk, bbr_bdp(sk, bw, gain));
}

/**
 * bbr_packets_in_net_at_edt(): inflight when the next skb departs (the pacer's
 * tcp_wstamp_ns), less what the bottleneck delivers until then; the EDT skb
 * counts while the gain raises inflight.
 */
export function bbr_packets_in_net_at_edt(sk: TcpCaSock, inflight_now: number): number {
  const bbr = inet_csk_ca(sk);
  const now_ns = tcpClockNs(sk);
  const edt_ns = Math.max(sk.tcp_wstamp_ns ?? now_ns, now_ns);
  const interval_us = Math.floor((edt_ns - now_ns) / 1000);
  const interval_delivered = u32(mulShrU64(bbr_bw(sk), interval_us, BW_SCALE));
  let inflight_at_edt = inflight_now;
  if (bbr.pacing_gain > BBR_UNIT) inflight_at_edt = u32(inflight_at_edt + bbr_tso_segs_goal(sk));
  if (interval_delivered >= inflight_at_edt) return 0;
  return inflight_at_edt - interval_delivered;
}

/** bbr_ack_aggregation_cwnd(): extra_acked × gain, at most 100 ms of bandwidth; 0 before the pipe is full. */
function bbr_ack_aggregation_cwnd(sk: TcpCaSock): number {
  let aggr_cwnd = 0;
  if (bbr_extra_acked_gain && bbr_full_bw_reached(sk)) {
    const max_aggr_cwnd = u32(mulDivU64(bbr_bw(sk), bbr_extra_acked_max_us, BW_UNIT));
    aggr_cwnd = (bbr_extra_acked_gain * bbr_extra_acked(sk)) >>> BBR_SCALE;
    aggr_cwnd = Math.min(aggr_cwnd, max_aggr_cwnd);
  }
  return aggr_cwnd;
}

/**
 * bbr_set_cwnd_to_recover_or_restore(): losses come off cwnd; the first round
 * of Recovery conserves packets (cwnd = inflight + acked); leaving recovery
 * restores the saved cwnd. Returns the cwnd and whether conservation holds.
 */
function bbr_set_cwnd_to_recover_or_restore(sk: TcpCaSock, rs: RateSample, acked: number): { cwnd: number; conserve: boolean } {
  const bbr = inet_csk_ca(sk);
  const prev_state = bbr.prev_ca_state;
  const state = sk.icsk_ca_state;
  let cwnd = tcp_snd_cwnd(sk);
  if (rs.losses > 0) cwnd = u32(Math.max(s32(cwnd - rs.losses), 1));
  if (state === TCP_CA_Recovery && prev_state !== TCP_CA_Recovery) {
    bbr.packet_conservation = 1;
    bbr.next_rtt_delivered = sk.delivered;
    cwnd = u32(tcp_packets_in_flight(sk) + acked);
  } else if (prev_state >= TCP_CA_Recovery && state < TCP_CA_Recovery) {
    cwnd = Math.max(cwnd, bbr.prior_cwnd);
    bbr.packet_conservation = 0;
  }
  bbr.prev_ca_state = state;
  if (bbr.packet_conservation) return { cwnd: Math.max(cwnd, u32(tcp_packets_in_flight(sk) + acked)), conserve: true };
  return { cwnd, conserve: false };
}

/** bbr_set_cwnd(): slow-start towards the target cwnd, or snap down to it once the pipe was full; PROBE_RTT caps at 4. */
export function bbr_set_cwnd(sk: TcpCaSock, rs: RateSample, acked: number, bw: number, gain: number): void {
  const bbr = inet_csk_ca(sk);
  let cwnd = tcp_snd_cwnd(sk);
  if (acked !== 0) {
    const r = bbr_set_cwnd_to_recover_or_restore(sk, rs, acked);
    cwnd = r.cwnd;
    if (!r.conserve) {
      let target_cwnd = bbr_bdp(sk, bw, gain);
      target_cwnd = u32(target_cwnd + bbr_ack_aggregation_cwnd(sk));
      target_cwnd = bbr_quantization_budget(sk, target_cwnd);
      if (bbr_full_bw_reached(sk)) cwnd = Math.min(u32(cwnd + acked), target_cwnd);
      else if (cwnd < target_cwnd || sk.delivered < TCP_INIT_CWND) cwnd = u32(cwnd + acked);
      cwnd = Math.max(cwnd, bbr_cwnd_min_target);
    }
  }
  tcp_snd_cwnd_set(sk, Math.min(cwnd, sk.snd_cwnd_clamp));
  if (bbr.mode === BBR_PROBE_RTT) tcp_snd_cwnd_set(sk, Math.min(tcp_snd_cwnd(sk), bbr_cwnd_min_target));
}

/** bbr_is_next_cycle_phase(): a phase lasts one min_rtt; 5/4 also needs inflight at its target (or a loss), 3/4 ends early once inflight is at BDP. */
function bbr_is_next_cycle_phase(sk: TcpCaSock, rs: RateSample): boolean {
  const bbr = inet_csk_ca(sk);
  const is_full_length = tcp_stamp_us_delta(deliveredMstamp(sk), bbr.cycle_mstamp) > bbr.min_rtt_us;
  if (bbr.pacing_gain === BBR_UNIT) return is_full_length;
  const inflight = bbr_packets_in_net_at_edt(sk, u32(rs.prior_in_flight));
  const bw = bbr_max_bw(sk);
  if (bbr.pacing_gain > BBR_UNIT) return is_full_length && (rs.losses !== 0 || inflight >= bbr_inflight(sk, bw, bbr.pacing_gain));
  return is_full_length || inflight <= bbr_inflight(sk, bw, BBR_UNIT);
}

/** bbr_advance_cycle_phase(). */
function bbr_advance_cycle_phase(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  bbr.cycle_idx = (bbr.cycle_idx + 1) & (CYCLE_LEN - 1);
  bbr.cycle_mstamp = deliveredMstamp(sk);
}

/** bbr_update_cycle_phase(). */
function bbr_update_cycle_phase(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  if (bbr.mode === BBR_PROBE_BW && bbr_is_next_cycle_phase(sk, rs)) bbr_advance_cycle_phase(sk);
}

/** bbr_reset_startup_mode(). */
function bbr_reset_startup_mode(sk: TcpCaSock): void {
  inet_csk_ca(sk).mode = BBR_STARTUP;
}

/** A xorshift32 generator: the default random source of a BBR not given the kernel's. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** The per-kernel random source of get_random_u32_below (set by createBbrTcp). */
type Rand = () => number;
let currentRand: Rand = xorshift32(1);

/** bbr_reset_probe_bw_mode(): PROBE_BW from a random phase other than the 3/4 one, then advance. */
function bbr_reset_probe_bw_mode(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  bbr.mode = BBR_PROBE_BW;
  bbr.cycle_idx = CYCLE_LEN - 1 - get_random_u32_below(bbr_cycle_rand, currentRand);
  bbr_advance_cycle_phase(sk);
}

/** bbr_reset_mode(). */
function bbr_reset_mode(sk: TcpCaSock): void {
  if (!bbr_full_bw_reached(sk)) bbr_reset_startup_mode(sk);
  else bbr_reset_probe_bw_mode(sk);
}

/** bbr_reset_lt_bw_sampling_interval(). */
function bbr_reset_lt_bw_sampling_interval(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  bbr.lt_last_stamp = u32(Math.floor(deliveredMstamp(sk) / USEC_PER_MSEC));
  bbr.lt_last_delivered = sk.delivered;
  bbr.lt_last_lost = sk.lost ?? 0;
  bbr.lt_rtt_cnt = 0;
}

/** bbr_reset_lt_bw_sampling(). */
function bbr_reset_lt_bw_sampling(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  bbr.lt_bw = 0;
  bbr.lt_use_bw = 0;
  bbr.lt_is_sampling = 0;
  bbr_reset_lt_bw_sampling_interval(sk);
}

/** bbr_lt_bw_interval_done(): a second interval consistent with the first means a policer: use their average. */
export function bbr_lt_bw_interval_done(sk: TcpCaSock, bw: number): void {
  const bbr = inet_csk_ca(sk);
  if (bbr.lt_bw) {
    // abs() of a u32 difference works on it as an int.
    const diff = u32(Math.abs(s32(bw - bbr.lt_bw)));
    if (u32(Math.imul(diff, BBR_UNIT)) <= u32(Math.imul(bbr_lt_bw_ratio, bbr.lt_bw)) || bbr_rate_bytes_per_sec(sk.mss_cache, diff, BBR_UNIT) <= bbr_lt_bw_diff) {
      bbr.lt_bw = u32(bw + bbr.lt_bw) >>> 1;
      bbr.lt_use_bw = 1;
      bbr.pacing_gain = BBR_UNIT;
      bbr.lt_rtt_cnt = 0;
      return;
    }
  }
  bbr.lt_bw = bw;
  bbr_reset_lt_bw_sampling_interval(sk);
}

/** bbr_lt_bw_sampling(): long-term delivery rate over lossy intervals of 4..16 rounds, to detect a token-bucket policer. */
export function bbr_lt_bw_sampling(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  if (bbr.lt_use_bw) {
    if (bbr.mode === BBR_PROBE_BW && bbr.round_start) {
      bbr.lt_rtt_cnt = bbr.lt_rtt_cnt + 1;
      if (bbr.lt_rtt_cnt >= bbr_lt_bw_max_rtts) {
        bbr_reset_lt_bw_sampling(sk);
        bbr_reset_probe_bw_mode(sk);
      }
    }
    return;
  }
  if (!bbr.lt_is_sampling) {
    if (!rs.losses) return;
    bbr_reset_lt_bw_sampling_interval(sk);
    bbr.lt_is_sampling = 1;
  }
  if (rs.is_app_limited) {
    bbr_reset_lt_bw_sampling(sk);
    return;
  }
  if (bbr.round_start) bbr.lt_rtt_cnt = bbr.lt_rtt_cnt + 1;
  if (bbr.lt_rtt_cnt < bbr_lt_intvl_min_rtts) return;
  if (bbr.lt_rtt_cnt > 4 * bbr_lt_intvl_min_rtts) {
    bbr_reset_lt_bw_sampling(sk);
    return;
  }
  if (!rs.losses) return;
  const lost = u32((sk.lost ?? 0) - bbr.lt_last_lost);
  const delivered = u32(sk.delivered - bbr.lt_last_delivered);
  if (!delivered || u32(lost << BBR_SCALE) < u32(Math.imul(bbr_lt_loss_thresh, delivered))) return;
  let t = u32(Math.floor(deliveredMstamp(sk) / USEC_PER_MSEC) - bbr.lt_last_stamp);
  if (s32(t) < 1) return;
  if (t >= Math.floor(0xffffffff / USEC_PER_MSEC)) {
    bbr_reset_lt_bw_sampling(sk);
    return;
  }
  t *= USEC_PER_MSEC;
  const bw = mulDivU64(delivered, BW_UNIT, t);
  bbr_lt_bw_interval_done(sk, u32(bw));
}

/** bbr_update_bw(): packet-timed rounds, long-term sampling, and the delivery-rate sample into the max filter. */
export function bbr_update_bw(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  bbr.round_start = 0;
  if (rs.delivered < 0 || rs.interval_us <= 0) return;
  if (!before(u32(rs.prior_delivered), bbr.next_rtt_delivered)) {
    bbr.next_rtt_delivered = sk.delivered;
    bbr.rtt_cnt = u32(bbr.rtt_cnt + 1);
    bbr.round_start = 1;
    bbr.packet_conservation = 0;
  }
  bbr_lt_bw_sampling(sk, rs);
  // do_div: u64 dividend, u32 divisor.
  const bw = mulDivU64(rs.delivered, BW_UNIT, u32(rs.interval_us));
  if (!rs.is_app_limited || bw >= bbr_max_bw(sk)) minmax_running_max(bbr.bw, bbr_bw_rtts, bbr.rtt_cnt, u32(bw));
}

/**
 * bbr_update_ack_aggregation(): data (S)ACKed in this epoch beyond bw × its
 * length, kept as a max over two windows of 5 rounds, at most cwnd.
 */
export function bbr_update_ack_aggregation(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  if (!bbr_extra_acked_gain || rs.acked_sacked <= 0 || rs.delivered < 0 || rs.interval_us <= 0) return;
  if (bbr.round_start) {
    bbr.extra_acked_win_rtts = Math.min(0x1f, bbr.extra_acked_win_rtts + 1);
    if (bbr.extra_acked_win_rtts >= bbr_extra_acked_win_rtts) {
      bbr.extra_acked_win_rtts = 0;
      bbr.extra_acked_win_idx = bbr.extra_acked_win_idx ? 0 : 1;
      bbr.setExtraAcked(bbr.extra_acked_win_idx, 0);
    }
  }
  const epoch_us = u32(tcp_stamp_us_delta(deliveredMstamp(sk), bbr.ack_epoch_mstamp));
  let expected_acked = u32(mulDivU64(bbr_bw(sk), epoch_us, BW_UNIT));
  if (bbr.ack_epoch_acked <= expected_acked || u32(bbr.ack_epoch_acked + rs.acked_sacked) >= bbr_ack_epoch_acked_reset_thresh) {
    bbr.ack_epoch_acked = 0;
    bbr.ack_epoch_mstamp = deliveredMstamp(sk);
    expected_acked = 0;
  }
  bbr.ack_epoch_acked = Math.min(0xfffff, u32(bbr.ack_epoch_acked + rs.acked_sacked));
  let extra_acked = u32(bbr.ack_epoch_acked - expected_acked);
  extra_acked = Math.min(extra_acked, tcp_snd_cwnd(sk));
  if (extra_acked > bbr.extra_acked(bbr.extra_acked_win_idx)) bbr.setExtraAcked(bbr.extra_acked_win_idx, extra_acked);
}

/** bbr_check_full_bw_reached(): STARTUP has filled the pipe after 3 non-app-limited rounds without 25 % growth. */
export function bbr_check_full_bw_reached(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  if (bbr_full_bw_reached(sk) || !bbr.round_start || rs.is_app_limited) return;
  const bw_thresh = u32(mulShrU64(bbr.full_bw, bbr_full_bw_thresh, BBR_SCALE));
  if (bbr_max_bw(sk) >= bw_thresh) {
    bbr.full_bw = bbr_max_bw(sk);
    bbr.full_bw_cnt = 0;
    return;
  }
  bbr.full_bw_cnt = bbr.full_bw_cnt + 1;
  bbr.full_bw_reached = bbr.full_bw_cnt >= bbr_full_bw_cnt ? 1 : 0;
}

/** bbr_check_drain(): STARTUP → DRAIN once full (ssthresh = BDP), DRAIN → PROBE_BW once inflight ≤ BDP. */
function bbr_check_drain(sk: TcpCaSock, _rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  if (bbr.mode === BBR_STARTUP && bbr_full_bw_reached(sk)) {
    bbr.mode = BBR_DRAIN;
    sk.snd_ssthresh = bbr_inflight(sk, bbr_max_bw(sk), BBR_UNIT);
  }
  if (bbr.mode === BBR_DRAIN && bbr_packets_in_net_at_edt(sk, tcp_packets_in_flight(sk)) <= bbr_inflight(sk, bbr_max_bw(sk), BBR_UNIT)) {
    bbr_reset_probe_bw_mode(sk);
  }
}

/** bbr_check_probe_rtt_done(): past probe_rtt_done_stamp, restore cwnd and leave PROBE_RTT. */
function bbr_check_probe_rtt_done(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  if (!(bbr.probe_rtt_done_stamp && after(sk.jiffies32, bbr.probe_rtt_done_stamp))) return;
  bbr.min_rtt_stamp = sk.jiffies32;
  tcp_snd_cwnd_set(sk, Math.max(tcp_snd_cwnd(sk), bbr.prior_cwnd));
  bbr_reset_mode(sk);
}

/** bbr_update_min_rtt(): the 10 s min_rtt filter (only a strictly lower sample refreshes it, as since Linux 5.10); its expiry starts PROBE_RTT, held 200 ms and one round at ≤ 4 packets. */
export function bbr_update_min_rtt(sk: TcpCaSock, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  const filter_expired = after(sk.jiffies32, u32(bbr.min_rtt_stamp + bbr_min_rtt_win_sec * HZ));
  if (rs.rtt_us >= 0 && (rs.rtt_us < bbr.min_rtt_us || (filter_expired && !rs.is_ack_delayed))) {
    bbr.min_rtt_us = rs.rtt_us;
    bbr.min_rtt_stamp = sk.jiffies32;
  }
  if (bbr_probe_rtt_mode_ms > 0 && filter_expired && !bbr.idle_restart && bbr.mode !== BBR_PROBE_RTT) {
    bbr.mode = BBR_PROBE_RTT;
    bbr_save_cwnd(sk);
    bbr.probe_rtt_done_stamp = 0;
  }
  if (bbr.mode === BBR_PROBE_RTT) {
    sk.app_limited = u32(sk.delivered + tcp_packets_in_flight(sk)) || 1;
    if (!bbr.probe_rtt_done_stamp && tcp_packets_in_flight(sk) <= bbr_cwnd_min_target) {
      bbr.probe_rtt_done_stamp = u32(sk.jiffies32 + PROBE_RTT_JIFFIES);
      bbr.probe_rtt_round_done = 0;
      bbr.next_rtt_delivered = sk.delivered;
    } else if (bbr.probe_rtt_done_stamp) {
      if (bbr.round_start) bbr.probe_rtt_round_done = 1;
      if (bbr.probe_rtt_round_done) bbr_check_probe_rtt_done(sk);
    }
  }
  if (rs.delivered > 0) bbr.idle_restart = 0;
}

/** bbr_update_gains(): pacing and cwnd gains of the mode (PROBE_BW: by cycle phase, 1.0 while policed). */
export function bbr_update_gains(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  switch (bbr.mode) {
    case BBR_STARTUP:
      bbr.pacing_gain = bbr_high_gain;
      bbr.cwnd_gain = bbr_high_gain;
      break;
    case BBR_DRAIN:
      bbr.pacing_gain = bbr_drain_gain;
      bbr.cwnd_gain = bbr_high_gain;
      break;
    case BBR_PROBE_BW:
      bbr.pacing_gain = bbr.lt_use_bw ? BBR_UNIT : (bbr_pacing_gain[bbr.cycle_idx] as number);
      bbr.cwnd_gain = bbr_cwnd_gain;
      break;
    case BBR_PROBE_RTT:
      bbr.pacing_gain = BBR_UNIT;
      bbr.cwnd_gain = BBR_UNIT;
      break;
    default:
      // WARN_ONCE("BBR bad mode") in Linux: the gains stay as they were.
      break;
  }
}

/** bbr_update_model(). */
function bbr_update_model(sk: TcpCaSock, rs: RateSample): void {
  bbr_update_bw(sk, rs);
  bbr_update_ack_aggregation(sk, rs);
  bbr_update_cycle_phase(sk, rs);
  bbr_check_full_bw_reached(sk, rs);
  bbr_check_drain(sk, rs);
  bbr_update_min_rtt(sk, rs);
  bbr_update_gains(sk);
}

/** bbr_main() (cong_control): update the model, then set the pacing rate and cwnd. */
export function bbr_main(sk: TcpCaSock, _ack: number, _flag: number, rs: RateSample): void {
  const bbr = inet_csk_ca(sk);
  bbr_update_model(sk, rs);
  const bw = bbr_bw(sk);
  bbr_set_pacing_rate(sk, bw, bbr.pacing_gain);
  bbr_set_cwnd(sk, rs, rs.acked_sacked, bw, bbr.cwnd_gain);
}

/** bbr_init(): fresh state in STARTUP, pacing from the handshake RTT, and the socket asks for pacing. */
export function bbr_init(sk: TcpCaSock): void {
  const bbr = inet_csk_ca(sk);
  bbr.prior_cwnd = 0;
  sk.snd_ssthresh = TCP_INFINITE_SSTHRESH;
  bbr.rtt_cnt = 0;
  bbr.next_rtt_delivered = sk.delivered;
  bbr.prev_ca_state = TCP_CA_Open;
  bbr.packet_conservation = 0;
  bbr.probe_rtt_done_stamp = 0;
  bbr.probe_rtt_round_done = 0;
  bbr.min_rtt_us = sk.rtt_min ?? 0xffffffff;
  bbr.min_rtt_stamp = sk.jiffies32;
  minmax_reset(bbr.bw, bbr.rtt_cnt, 0);
  bbr.has_seen_rtt = 0;
  bbr_init_pacing_rate_from_rtt(sk);
  bbr.round_start = 0;
  bbr.idle_restart = 0;
  bbr.full_bw_reached = 0;
  bbr.full_bw = 0;
  bbr.full_bw_cnt = 0;
  bbr.cycle_mstamp = 0;
  bbr.cycle_idx = 0;
  bbr_reset_lt_bw_sampling(sk);
  bbr_reset_startup_mode(sk);
  bbr.ack_epoch_mstamp = sk.tcp_mstamp;
  bbr.ack_epoch_acked = 0;
  bbr.extra_acked_win_rtts = 0;
  bbr.extra_acked_win_idx = 0;
  bbr.setExtraAcked(0, 0);
  bbr.setExtraAcked(1, 0);
  // cmpxchg(&sk->sk_pacing_status, SK_PACING_NONE, SK_PACING_NEEDED)
  if ((sk.sk_pacing_status ?? SK_PACING_NONE) === SK_PACING_NONE) sk.sk_pacing_status = SK_PACING_NEEDED;
}

/** bbr_sndbuf_expand(): 3 × cwnd of send buffer, since BBR may slow-start during recovery. */
export function bbr_sndbuf_expand(_sk: TcpCaSock): number {
  return 3;
}

/** bbr_undo_cwnd(): a spurious slow-down: forget full-pipe detection and long-term sampling; cwnd unchanged. */
export function bbr_undo_cwnd(sk: TcpCaSock): number {
  const bbr = inet_csk_ca(sk);
  bbr.full_bw = 0;
  bbr.full_bw_cnt = 0;
  bbr_reset_lt_bw_sampling(sk);
  return tcp_snd_cwnd(sk);
}

/** bbr_ssthresh(): entering recovery saves cwnd; ssthresh itself is left as it is. */
export function bbr_ssthresh(sk: TcpCaSock): number {
  bbr_save_cwnd(sk);
  return sk.snd_ssthresh;
}

/** bbr_set_state(): an RTO (TCP_CA_Loss) ends the round and counts as a lossy long-term sample. */
export function bbr_set_state(sk: TcpCaSock, new_state: number): void {
  const bbr = inet_csk_ca(sk);
  if (new_state === TCP_CA_Loss) {
    const rs: RateSample = {
      prior_mstamp: 0n, prior_delivered: 0, prior_delivered_ce: 0, delivered: 0, delivered_ce: 0,
      interval_us: 0, snd_interval_us: 0, rcv_interval_us: 0, rtt_us: 0, losses: 1, acked_sacked: 0,
      prior_in_flight: 0, last_end_seq: 0, is_app_limited: false, is_retrans: false, is_ack_delayed: false,
    };
    bbr.prev_ca_state = TCP_CA_Loss;
    bbr.full_bw = 0;
    bbr.round_start = 1;
    bbr_lt_bw_sampling(sk, rs);
  }
}

/**
 * Creates the "bbr" ops (TCP_CONG_NON_RESTRICTED, as Linux declares it).
 * `rand` is the kernel's get_random_u32 (the model kernel's seeded PRNG, so
 * runs are reproducible); it picks the first PROBE_BW phase.
 */
export function createBbrTcp(rand: () => number = xorshift32(1)): TcpCongestionOps {
  const withRand = <A extends unknown[], R>(fn: (sk: TcpCaSock, ...a: A) => R) => (sk: TcpCaSock, ...a: A): R => {
    const prev = currentRand;
    currentRand = rand;
    try {
      return fn(sk, ...a);
    } finally {
      currentRand = prev;
    }
  };
  return {
    name: TCP_BBR_NAME,
    flags: TCP_CONG_NON_RESTRICTED,
    key: tcpCaKey(TCP_BBR_NAME),
    init: bbr_init,
    cong_control: withRand(bbr_main),
    sndbuf_expand: bbr_sndbuf_expand,
    undo_cwnd: bbr_undo_cwnd,
    cwnd_event: withRand(bbr_cwnd_event),
    ssthresh: bbr_ssthresh,
    min_tso_segs: bbr_min_tso_segs,
    set_state: withRand(bbr_set_state),
  };
}

/** A socket's BBR state for traces and reports: mode, gains, bandwidth (bytes/s), min_rtt. */
export function bbrInfo(sk: TcpCaSock): { mode: number; pacing_gain: number; cwnd_gain: number; bw_bytes_per_sec: number; min_rtt_us: number; cycle_idx: number; full_bw_reached: number } {
  const bbr = inet_csk_ca(sk);
  return {
    mode: bbr.mode,
    pacing_gain: bbr.pacing_gain,
    cwnd_gain: bbr.cwnd_gain,
    bw_bytes_per_sec: mulShrU64(bbr_bw(sk), sk.mss_cache * USEC_PER_SEC, BW_SCALE),
    min_rtt_us: bbr.min_rtt_us,
    cycle_idx: bbr.cycle_idx,
    full_bw_reached: bbr.full_bw_reached,
  };
}
