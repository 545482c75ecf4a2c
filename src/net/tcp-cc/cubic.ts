/**
 * @fileoverview The built-in "cubic" congestion control, bit-exact with
 * Linux's net/ipv4/tcp_cubic.c (6.16+, where HyStart tracks rounds even below
 * hystart_low_window), which implements RFC 9438 in fixed point:
 *
 * - window growth W_cubic(t) = C (t - K)^3 + W_max (§4.2), evaluated one
 *   delay_min ahead, with C = bic_scale * 10 / 1024 ≈ 0.4 and time in 1/1024 s;
 * - K = cbrt((W_max - cwnd) / C) (§4.2) via {@link cubic_root};
 * - the Reno-friendly estimate W_est (§4.3), growing by one packet per
 *   cwnd * 15/8 packets ACKed (α = 3(1-β)/(1+β) with β = 717/1024);
 * - multiplicative decrease to cwnd * 717/1024 (§4.6) and fast convergence,
 *   W_max = cwnd * (1 + β) / 2 (§4.7);
 * - HyStart (ACK-train and delay-increase exits from slow start).
 *
 * State lives in `sk.caPriv` with the byte layout of Linux's `struct bictcp`
 * (little-endian), so a BPF port and this built-in read each other's state.
 * Every hook re-reads `sk.caPriv`, since the emulated memory may replace views.
 *
 * Invariant: all arithmetic reproduces C's u32/s32/u64 semantics; the u64
 * parts of the cubic curve use BigInt.
 */
import {
  CA_EVENT_TX_START,
  HZ,
  SK_PACING_NONE,
  TCP_CA_Loss,
  type AckSample,
  type TcpCaSock,
  type TcpCongestionOps,
} from "./ca-types.js";
import { KernelBug } from "../../kernel/bug.js";
import { cubic_root } from "./cubic-root.js";
import { tcpCaKey } from "./jhash.js";
import { tcp_cong_avoid_ai, tcp_in_slow_start, tcp_is_cwnd_limited, tcp_reno_undo_cwnd, tcp_slow_start, tcp_snd_cwnd } from "./tcp-cong.js";
import { after, divU32, mulU32, s32, u32 } from "./u32.js";

/** Name of the built-in CUBIC. */
export const TCP_CUBIC_NAME = "cubic";

/** BICTCP_BETA_SCALE: β is expressed in 1/1024. */
export const BICTCP_BETA_SCALE = 1024;
/** BICTCP_HZ: time on the cubic curve is in units of 2^-10 s. */
export const BICTCP_HZ = 10;

/** hystart_detect bit: ACK-train detection. */
export const HYSTART_ACK_TRAIN = 0x1;
/** hystart_detect bit: delay-increase detection. */
export const HYSTART_DELAY = 0x2;
/** RTT samples per round before the delay test may fire. */
export const HYSTART_MIN_SAMPLES = 8;
/** Lower clamp of the delay-increase threshold (µs). */
export const HYSTART_DELAY_MIN = 4000;
/** Upper clamp of the delay-increase threshold (µs). */
export const HYSTART_DELAY_MAX = 16000;

/** tcp_cubic's module parameters, at Linux's defaults (fixed in this model). */
export const CUBIC_PARAMS = Object.freeze({
  fast_convergence: 1,
  beta: 717,
  initial_ssthresh: 0,
  bic_scale: 41,
  tcp_friendliness: 1,
  hystart: 1,
  hystart_detect: HYSTART_ACK_TRAIN | HYSTART_DELAY,
  hystart_low_window: 16,
  hystart_ack_delta_us: 2000,
});

const P = CUBIC_PARAMS;

/**
 * Scale factors the module computes once at load (for an assumed 100 ms RTT):
 * `beta_scale` = 8 (1 + β) / 3 / (1 - β) in β units (15: Reno-friendly ACKs per
 * packet × 8), `cube_rtt_scale` = bic_scale * 10 (C in 2^-10), and
 * `cube_factor` = 2^40 / (bic_scale * 10) (1/C with time cubed in 2^-30 s^3).
 */
export const beta_scale = Math.trunc(Math.trunc((8 * (BICTCP_BETA_SCALE + P.beta)) / 3) / (BICTCP_BETA_SCALE - P.beta));
/** See {@link beta_scale}. */
export const cube_rtt_scale = P.bic_scale * 10;
/** See {@link beta_scale}. */
export const cube_factor = (1n << BigInt(10 + 3 * BICTCP_HZ)) / BigInt(P.bic_scale * 10);

/** Byte offsets of `struct bictcp` in `icsk_ca_priv` (Linux layout). */
export const BICTCP_OFF = Object.freeze({
  cnt: 0,
  last_max_cwnd: 4,
  last_cwnd: 8,
  last_time: 12,
  bic_origin_point: 16,
  bic_K: 20,
  delay_min: 24,
  epoch_start: 28,
  ack_cnt: 32,
  tcp_cwnd: 36,
  unused: 40,
  sample_cnt: 42,
  found: 43,
  round_start: 44,
  end_seq: 48,
  last_ack: 52,
  curr_rtt: 56,
});
/** sizeof(struct bictcp). */
export const BICTCP_SIZE = 60;

/** A typed view of `struct bictcp` over a socket's `caPriv` bytes. */
export class Bictcp {
  constructor(readonly dv: DataView) {
    if (dv.byteLength < BICTCP_SIZE) throw new KernelBug(`struct bictcp needs ${BICTCP_SIZE} bytes of icsk_ca_priv`);
  }
  private g(off: number): number {
    return this.dv.getUint32(off, true);
  }
  private s(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }
  /** Packets to ACK per one-packet cwnd increase. */
  get cnt(): number { return this.g(BICTCP_OFF.cnt); }
  set cnt(v: number) { this.s(BICTCP_OFF.cnt, v); }
  /** W_max: cwnd before the last reduction (after fast convergence). */
  get last_max_cwnd(): number { return this.g(BICTCP_OFF.last_max_cwnd); }
  set last_max_cwnd(v: number) { this.s(BICTCP_OFF.last_max_cwnd, v); }
  /** cwnd at the last cnt computation. */
  get last_cwnd(): number { return this.g(BICTCP_OFF.last_cwnd); }
  set last_cwnd(v: number) { this.s(BICTCP_OFF.last_cwnd, v); }
  /** jiffies of the last cnt computation. */
  get last_time(): number { return this.g(BICTCP_OFF.last_time); }
  set last_time(v: number) { this.s(BICTCP_OFF.last_time, v); }
  /** Window at the curve's plateau (W_max or the epoch's starting cwnd). */
  get bic_origin_point(): number { return this.g(BICTCP_OFF.bic_origin_point); }
  set bic_origin_point(v: number) { this.s(BICTCP_OFF.bic_origin_point, v); }
  /** K in 2^-10 s from the epoch start. */
  get bic_K(): number { return this.g(BICTCP_OFF.bic_K); }
  set bic_K(v: number) { this.s(BICTCP_OFF.bic_K, v); }
  /** Minimum RTT seen (µs). */
  get delay_min(): number { return this.g(BICTCP_OFF.delay_min); }
  set delay_min(v: number) { this.s(BICTCP_OFF.delay_min, v); }
  /** jiffies at the start of the current epoch, 0 when none. */
  get epoch_start(): number { return this.g(BICTCP_OFF.epoch_start); }
  set epoch_start(v: number) { this.s(BICTCP_OFF.epoch_start, v); }
  /** Packets ACKed, for the Reno-friendly estimate. */
  get ack_cnt(): number { return this.g(BICTCP_OFF.ack_cnt); }
  set ack_cnt(v: number) { this.s(BICTCP_OFF.ack_cnt, v); }
  /** W_est: the Reno-friendly window estimate. */
  get tcp_cwnd(): number { return this.g(BICTCP_OFF.tcp_cwnd); }
  set tcp_cwnd(v: number) { this.s(BICTCP_OFF.tcp_cwnd, v); }
  /** RTT samples taken this round (u8). */
  get sample_cnt(): number { return this.dv.getUint8(BICTCP_OFF.sample_cnt); }
  set sample_cnt(v: number) { this.dv.setUint8(BICTCP_OFF.sample_cnt, v & 0xff); }
  /** HyStart found the exit point (u8). */
  get found(): number { return this.dv.getUint8(BICTCP_OFF.found); }
  set found(v: number) { this.dv.setUint8(BICTCP_OFF.found, v & 0xff); }
  /** µs clock at the start of the HyStart round. */
  get round_start(): number { return this.g(BICTCP_OFF.round_start); }
  set round_start(v: number) { this.s(BICTCP_OFF.round_start, v); }
  /** snd_nxt when the round began: the round ends when snd_una passes it. */
  get end_seq(): number { return this.g(BICTCP_OFF.end_seq); }
  set end_seq(v: number) { this.s(BICTCP_OFF.end_seq, v); }
  /** µs clock of the last ACK of the current train. */
  get last_ack(): number { return this.g(BICTCP_OFF.last_ack); }
  set last_ack(v: number) { this.s(BICTCP_OFF.last_ack, v); }
  /** Minimum RTT of the current round (µs). */
  get curr_rtt(): number { return this.g(BICTCP_OFF.curr_rtt); }
  set curr_rtt(v: number) { this.s(BICTCP_OFF.curr_rtt, v); }
}

/** inet_csk_ca(): the socket's CUBIC state. */
export function inet_csk_ca(sk: TcpCaSock): Bictcp {
  return new Bictcp(sk.caPriv);
}

/** bictcp_reset(): zeroes every field before `unused`, and `found`. */
export function bictcp_reset(ca: Bictcp): void {
  for (let off = 0; off < BICTCP_OFF.unused; off += 4) ca.dv.setUint32(off, 0, true);
  ca.found = 0;
}

/** bictcp_clock_us(): the ACK's µs timestamp, truncated to u32. */
export function bictcp_clock_us(sk: TcpCaSock): number {
  return u32(sk.tcp_mstamp);
}

/** bictcp_hystart_reset(): starts a HyStart round at this ACK, ending when snd_nxt is ACKed. */
export function bictcp_hystart_reset(sk: TcpCaSock): void {
  const ca = inet_csk_ca(sk);
  ca.round_start = ca.last_ack = bictcp_clock_us(sk);
  ca.end_seq = sk.snd_nxt;
  ca.curr_rtt = 0xffffffff;
  ca.sample_cnt = 0;
}

/** cubictcp_init(): fresh state; a HyStart round begins now. */
export function cubictcp_init(sk: TcpCaSock): void {
  bictcp_reset(inet_csk_ca(sk));
  if (P.hystart) bictcp_hystart_reset(sk);
  if (!P.hystart && P.initial_ssthresh) sk.snd_ssthresh = P.initial_ssthresh;
}

/**
 * cubictcp_cwnd_event(): on CA_EVENT_TX_START (sending resumes after the
 * sender was idle, nothing in flight) moves the epoch forward by the idle
 * time, never past now, so the curve does not jump ahead (RFC 9438 §5.8).
 */
export function cubictcp_cwnd_event(sk: TcpCaSock, ev: number): void {
  if (ev !== CA_EVENT_TX_START) return;
  const ca = inet_csk_ca(sk);
  const now = sk.jiffies32;
  const delta = s32(now - (sk.lsndtime ?? now));
  if (ca.epoch_start !== 0 && delta > 0) {
    ca.epoch_start = u32(ca.epoch_start + delta);
    if (after(ca.epoch_start, now)) ca.epoch_start = now;
  }
}

/** MAX_JIFFY_OFFSET on a 64-bit kernel: (LONG_MAX >> 1) - 1. */
const MAX_JIFFY_OFFSET = (1n << 62n) - 2n;
const USEC_PER_SEC = 1_000_000;
if (USEC_PER_SEC % HZ !== 0) throw new KernelBug("cubic: usecs_to_jiffies modelled only for HZ dividing 1000000");
const USEC_PER_JIFFY = USEC_PER_SEC / HZ;
/** jiffies_to_usecs(MAX_JIFFY_OFFSET), truncated to unsigned int as the kernel returns it. */
const MAX_USECS_TO_JIFFIES = Number(BigInt.asUintN(32, BigInt(USEC_PER_JIFFY) * MAX_JIFFY_OFFSET));

/** usecs_to_jiffies() for a u32 µs count: rounds up; "too large" gives MAX_JIFFY_OFFSET. */
export function usecs_to_jiffies(us: number): bigint {
  us = u32(us);
  if (us > MAX_USECS_TO_JIFFIES) return MAX_JIFFY_OFFSET;
  return BigInt(Math.floor((us + USEC_PER_JIFFY - 1) / USEC_PER_JIFFY));
}

/**
 * bictcp_update(): recomputes `cnt`, the packets to ACK per one-packet
 * increase, from the cubic curve and the Reno-friendly estimate.
 *
 * @param now tcp_jiffies32
 */
export function bictcp_update(ca: Bictcp, cwnd: number, acked: number, now: number): void {
  ca.ack_cnt = u32(ca.ack_cnt + acked);

  // Same cwnd and at most HZ/32 jiffies since the last computation: keep cnt.
  if (ca.last_cwnd === cwnd && s32(now - ca.last_time) <= Math.trunc(HZ / 32)) return;

  // The curve is evaluated at most once per jiffy; an epoch restart (epoch_start 0) always evaluates.
  if (!(ca.epoch_start !== 0 && now === ca.last_time)) {
    ca.last_cwnd = cwnd;
    ca.last_time = now;

    if (ca.epoch_start === 0) {
      ca.epoch_start = now;
      ca.ack_cnt = acked;
      ca.tcp_cwnd = cwnd;
      if (ca.last_max_cwnd <= cwnd) {
        ca.bic_K = 0;
        ca.bic_origin_point = cwnd;
      } else {
        // K = cbrt((W_max - cwnd) / C), in 2^-10 s.
        ca.bic_K = cubic_root(cube_factor * BigInt(u32(ca.last_max_cwnd - cwnd)));
        ca.bic_origin_point = ca.last_max_cwnd;
      }
    }

    // t: time since the epoch plus one min RTT, in 2^-10 s (u64, as the kernel does it).
    let t = BigInt.asUintN(64, BigInt(s32(now - ca.epoch_start)));
    t = BigInt.asUintN(64, t + usecs_to_jiffies(ca.delay_min));
    t = BigInt.asUintN(64, t << BigInt(BICTCP_HZ));
    t /= BigInt(HZ);

    const K = BigInt(ca.bic_K);
    const offs = t < K ? K - t : t - K;
    // C * |t - K|^3, back from 2^-40 to packets; u64 product wraps, result truncated to u32.
    const cube = BigInt.asUintN(64, BigInt(cube_rtt_scale) * offs * offs * offs);
    const delta = Number(BigInt.asUintN(32, cube >> BigInt(10 + 3 * BICTCP_HZ)));
    const bic_target = t < K ? u32(ca.bic_origin_point - delta) : u32(ca.bic_origin_point + delta);

    // Reach the target within one RTT: one packet per cwnd / (target - cwnd) ACKed packets.
    ca.cnt = bic_target > cwnd ? divU32(cwnd, bic_target - cwnd) : mulU32(100, cwnd);

    // No loss yet (W_max unknown): grow at least 5% per RTT.
    if (ca.last_max_cwnd === 0 && ca.cnt > 20) ca.cnt = 20;
  }

  if (P.tcp_friendliness) {
    // W_est gains one packet per cwnd * beta_scale / 8 packets ACKed.
    const per = mulU32(cwnd, beta_scale) >>> 3;
    if (ca.ack_cnt > per) {
      if (per === 0) throw new KernelBug("bictcp_update: endless Reno-friendly loop (cwnd * beta_scale >> 3 == 0)");
      const steps = Math.floor((ca.ack_cnt - 1) / per);
      ca.ack_cnt = u32(ca.ack_cnt - steps * per);
      ca.tcp_cwnd = u32(ca.tcp_cwnd + steps);
    }
    // Reno-friendly region: if W_est is ahead, grow at least as fast as it.
    if (ca.tcp_cwnd > cwnd) {
      const max_cnt = divU32(cwnd, ca.tcp_cwnd - cwnd);
      if (ca.cnt > max_cnt) ca.cnt = max_cnt;
    }
  }

  // At most one packet per two ACKed: cwnd grows at most 1.5x per RTT.
  ca.cnt = Math.max(ca.cnt, 2);
}

/** cubictcp_cong_avoid(): slow start below ssthresh, then growth along the cubic curve. */
export function cubictcp_cong_avoid(sk: TcpCaSock, _ack: number, acked: number): void {
  acked = u32(acked);
  if (!tcp_is_cwnd_limited(sk)) return;
  if (tcp_in_slow_start(sk)) {
    acked = tcp_slow_start(sk, acked);
    if (acked === 0) return;
  }
  const ca = inet_csk_ca(sk);
  bictcp_update(ca, tcp_snd_cwnd(sk), acked, sk.jiffies32);
  tcp_cong_avoid_ai(sk, ca.cnt, acked);
}

/**
 * cubictcp_recalc_ssthresh(): on congestion, ends the epoch, records W_max
 * (reduced further by fast convergence when the window is below the previous
 * W_max) and returns ssthresh = max(cwnd * β, 2).
 */
export function cubictcp_recalc_ssthresh(sk: TcpCaSock): number {
  const ca = inet_csk_ca(sk);
  const cwnd = tcp_snd_cwnd(sk);
  ca.epoch_start = 0;
  if (cwnd < ca.last_max_cwnd && P.fast_convergence) {
    ca.last_max_cwnd = divU32(mulU32(cwnd, BICTCP_BETA_SCALE + P.beta), 2 * BICTCP_BETA_SCALE);
  } else {
    ca.last_max_cwnd = cwnd;
  }
  return Math.max(divU32(mulU32(cwnd, P.beta), BICTCP_BETA_SCALE), 2);
}

/** cubictcp_state(): entering TCP_CA_Loss (RTO) forgets all state and restarts HyStart. */
export function cubictcp_state(sk: TcpCaSock, newState: number): void {
  if (newState === TCP_CA_Loss) {
    bictcp_reset(inet_csk_ca(sk));
    bictcp_hystart_reset(sk);
  }
}

/** GSO_LEGACY_MAX_SIZE: the gso size assumed for a socket that does not report sk_gso_max_size. */
export const GSO_LEGACY_MAX_SIZE = 65536;

/**
 * hystart_ack_delay(): allowance (µs, at most 1000) for TSO/GRO batching in
 * the ACK-train test: time to send 4 GSO packets at the pacing rate; 0 when
 * the socket has no pacing rate.
 */
export function hystart_ack_delay(sk: TcpCaSock): number {
  const rate = BigInt(Math.trunc(sk.sk_pacing_rate));
  if (rate === 0n) return 0;
  const d = (BigInt(u32(sk.sk_gso_max_size ?? GSO_LEGACY_MAX_SIZE)) * 4n * BigInt(USEC_PER_SEC)) / rate;
  return Number(d < 1000n ? d : 1000n);
}

/** HYSTART_DELAY_THRESH(): clamp(x, 4 ms, 16 ms). */
function hystartDelayThresh(x: number): number {
  return Math.min(Math.max(x, HYSTART_DELAY_MIN), HYSTART_DELAY_MAX);
}

/**
 * hystart_update(): HyStart's slow-start exit tests on an RTT sample `delay`
 * (µs). Begins a new round once snd_una passes the round's end. From
 * `hystart_low_window` packets on: the ACK-train test ends slow start when
 * closely spaced ACKs (≤ hystart_ack_delta_us apart) keep arriving for more
 * than delay_min/2 (plus the ACK-delay allowance) since the round began; the
 * delay test, after HYSTART_MIN_SAMPLES samples in a round, when the round's
 * minimum RTT exceeds delay_min by clamp(delay_min/8, 4 ms, 16 ms). Exiting
 * sets ssthresh to the current cwnd.
 */
export function hystart_update(sk: TcpCaSock, delay: number): void {
  const ca = inet_csk_ca(sk);
  if (after(sk.snd_una, ca.end_seq)) bictcp_hystart_reset(sk);

  if (tcp_snd_cwnd(sk) < P.hystart_low_window) return;

  if (P.hystart_detect & HYSTART_ACK_TRAIN) {
    const now = bictcp_clock_us(sk);
    if (s32(now - ca.last_ack) <= P.hystart_ack_delta_us) {
      ca.last_ack = now;
      let threshold = u32(ca.delay_min + hystart_ack_delay(sk));
      // Without pacing, a train spanning half the min RTT means the pipe is full.
      if ((sk.sk_pacing_status ?? SK_PACING_NONE) === SK_PACING_NONE) threshold >>>= 1;
      // C compares the s32 difference with a u32, so the comparison is unsigned.
      if (u32(now - ca.round_start) > threshold) {
        ca.found = 1;
        sk.snd_ssthresh = tcp_snd_cwnd(sk);
      }
    }
  }

  if (P.hystart_detect & HYSTART_DELAY) {
    if (ca.curr_rtt > delay) ca.curr_rtt = delay;
    if (ca.sample_cnt < HYSTART_MIN_SAMPLES) {
      ca.sample_cnt = ca.sample_cnt + 1;
    } else if (ca.curr_rtt > u32(ca.delay_min + hystartDelayThresh(ca.delay_min >>> 3))) {
      ca.found = 1;
      sk.snd_ssthresh = tcp_snd_cwnd(sk);
    }
  }
}

/**
 * cubictcp_acked() (pkts_acked): tracks delay_min from RTT samples, ignoring
 * ACKs without a sample and the first second of an epoch (samples right after
 * recovery), and runs HyStart while in slow start until it has fired.
 */
export function cubictcp_acked(sk: TcpCaSock, sample: AckSample): void {
  const ca = inet_csk_ca(sk);
  const rtt = s32(sample.rtt_us);
  if (rtt < 0) return;
  if (ca.epoch_start !== 0 && s32(sk.jiffies32 - ca.epoch_start) < HZ) return;

  const delay = rtt === 0 ? 1 : rtt;
  if (ca.delay_min === 0 || ca.delay_min > delay) ca.delay_min = delay;

  if (!ca.found && tcp_in_slow_start(sk) && P.hystart) hystart_update(sk, delay);
}

/**
 * Creates the "cubic" ops (flags 0, as Linux declares it; the registry marks
 * the default CA non-restricted). A fresh object per call, since `flags` is
 * mutable per kernel. undo_cwnd is Reno's, as in Linux.
 */
export function createCubicTcp(): TcpCongestionOps {
  return {
    name: TCP_CUBIC_NAME,
    flags: 0,
    key: tcpCaKey(TCP_CUBIC_NAME),
    init: cubictcp_init,
    ssthresh: cubictcp_recalc_ssthresh,
    cong_avoid: cubictcp_cong_avoid,
    set_state: cubictcp_state,
    undo_cwnd: tcp_reno_undo_cwnd,
    cwnd_event: cubictcp_cwnd_event,
    pkts_acked: cubictcp_acked,
  };
}
