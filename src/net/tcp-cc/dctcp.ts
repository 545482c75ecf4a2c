/**
 * @fileoverview The built-in "dctcp" congestion control, exact to Linux
 * 6.18's net/ipv4/tcp_dctcp.c and tcp_dctcp.h (DCTCP over Reno; the
 * algorithm of RFC 8257 in Linux's fixed point):
 *
 * - alpha, the fraction of CE-marked data, is kept in 1/1024 (DCTCP_MAX_ALPHA
 *   is 1.0) and updated once per observation window, when snd_una reaches
 *   the snd_nxt recorded at the window's start: first
 *   `alpha -= min_not_zero(alpha, alpha >> g)` (g = dctcp_shift_g = 4), then,
 *   if anything was marked, `alpha += (delivered_ce << (10 - g)) / delivered`,
 *   capped at 1024. Windows are counted in `tp->delivered` / `delivered_ce`.
 * - ssthresh on ECN-Echo (the stack's CWR) is `max(cwnd - cwnd * alpha / 2048, 2)`
 *   with u32 arithmetic; loss (entering Recovery, or CA_EVENT_LOSS for an RTO)
 *   halves as Reno (`dctcp_react_to_loss`); undo returns max(cwnd, loss_cwnd).
 * - The receiver's CE state machine (`dctcp_ece_ack_update`): ECE on ACKs
 *   follows the CE bit of the last data packet (TCP_ECN_DEMAND_CWR); when the
 *   state flips while a delayed ACK is pending (ICSK_ACK_TIMER), an ACK for
 *   the data before this packet goes out at once with the old state, and the
 *   current packet is ACKed at once (ICSK_ACK_NOW).
 * - TCP_CONG_NEEDS_ECN: a socket running dctcp negotiates ECN; init() on a
 *   connection without ECN switches the socket to "dctcp-reno" (never
 *   registered), which behaves as Reno.
 *
 * Protective Load Balancing (tcp_plb_*, `struct tcp_plb_state plb`) is
 * modelled as the default `net.ipv4.tcp_plb_enabled = 0`: its state is
 * initialised and never changes (a single-path testbed has no path to move
 * to). The module parameters are fixed at their defaults.
 *
 * State lives in `sk.caPriv` with the byte layout of Linux's `struct dctcp`
 * (little-endian, 36 bytes).
 *
 * @see net/ipv4/tcp_dctcp.c (v6.18)
 */
import {
  CA_EVENT_ECN_IS_CE,
  CA_EVENT_ECN_NO_CE,
  CA_EVENT_LOSS,
  ICSK_ACK_NOW,
  ICSK_ACK_TIMER,
  TCP_CA_Recovery,
  TCP_CONG_NEEDS_ECN,
  TCP_ECN_DEMAND_CWR,
  TCP_ECN_OK,
  type TcpCaSock,
  type TcpCcInfo,
  type TcpCongestionOps,
} from "./ca-types.js";
import { KernelBug } from "../../kernel/bug.js";
import { tcpCaKey } from "./jhash.js";
import { tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd, tcp_snd_cwnd } from "./tcp-cong.js";
import { before, mulU32, u32 } from "./u32.js";

/** Name of the built-in DCTCP. */
export const TCP_DCTCP_NAME = "dctcp";
/** Name of the Reno fallback a dctcp socket without ECN switches to. */
export const TCP_DCTCP_RENO_NAME = "dctcp-reno";

/** DCTCP_MAX_ALPHA: alpha = 1.0 in 1/1024. */
export const DCTCP_MAX_ALPHA = 1024;

/** tcp_dctcp's module parameters at Linux's defaults (fixed in this model). */
export const DCTCP_PARAMS = Object.freeze({
  /** g = 1 / 2^dctcp_shift_g (0..10). */
  dctcp_shift_g: 4,
  /** alpha at init, in 1/1024. */
  dctcp_alpha_on_init: DCTCP_MAX_ALPHA,
});

/** enum inet_diag_attr: INET_DIAG_VEGASINFO. */
export const INET_DIAG_VEGASINFO = 3;
/** enum inet_diag_attr: INET_DIAG_DCTCPINFO. */
export const INET_DIAG_DCTCPINFO = 9;

/** TCP states dctcp_init tests (include/net/tcp_states.h). */
const TCP_CLOSE = 7;
const TCP_LISTEN = 10;

/** Byte offsets of `struct dctcp` in `icsk_ca_priv` (Linux layout). */
export const DCTCP_OFF = Object.freeze({
  old_delivered: 0,
  old_delivered_ce: 4,
  prior_rcv_nxt: 8,
  dctcp_alpha: 12,
  next_seq: 16,
  ce_state: 20,
  loss_cwnd: 24,
  /** struct tcp_plb_state: u8 consec_cong_rounds:5, unused:3; u32 pause_until. */
  plb: 28,
  plb_pause_until: 32,
});
/** sizeof(struct dctcp). */
export const DCTCP_SIZE = 36;

/** A typed view of `struct dctcp` over a socket's `caPriv` bytes. */
export class Dctcp {
  constructor(readonly dv: DataView) {
    if (dv.byteLength < DCTCP_SIZE) throw new KernelBug(`struct dctcp needs ${DCTCP_SIZE} bytes of icsk_ca_priv`);
  }
  private g(off: number): number {
    return this.dv.getUint32(off, true);
  }
  private s(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }
  /** tp->delivered at the start of the observation window. */
  get old_delivered(): number { return this.g(DCTCP_OFF.old_delivered); }
  set old_delivered(v: number) { this.s(DCTCP_OFF.old_delivered, v); }
  /** tp->delivered_ce at the start of the observation window. */
  get old_delivered_ce(): number { return this.g(DCTCP_OFF.old_delivered_ce); }
  set old_delivered_ce(v: number) { this.s(DCTCP_OFF.old_delivered_ce, v); }
  /** Receiver: tp->rcv_nxt at the last CE event. */
  get prior_rcv_nxt(): number { return this.g(DCTCP_OFF.prior_rcv_nxt); }
  set prior_rcv_nxt(v: number) { this.s(DCTCP_OFF.prior_rcv_nxt, v); }
  /** alpha in 1/1024. */
  get dctcp_alpha(): number { return this.g(DCTCP_OFF.dctcp_alpha); }
  set dctcp_alpha(v: number) { this.s(DCTCP_OFF.dctcp_alpha, v); }
  /** The window ends once snd_una reaches this (the snd_nxt at its start). */
  get next_seq(): number { return this.g(DCTCP_OFF.next_seq); }
  set next_seq(v: number) { this.s(DCTCP_OFF.next_seq, v); }
  /** Receiver: 1 when the last data packet carried CE. */
  get ce_state(): number { return this.g(DCTCP_OFF.ce_state); }
  set ce_state(v: number) { this.s(DCTCP_OFF.ce_state, v); }
  /** cwnd before the last reduction (for undo). */
  get loss_cwnd(): number { return this.g(DCTCP_OFF.loss_cwnd); }
  set loss_cwnd(v: number) { this.s(DCTCP_OFF.loss_cwnd, v); }
}

/** inet_csk_ca(): the socket's DCTCP state. */
export function dctcp_ca(sk: TcpCaSock): Dctcp {
  return new Dctcp(sk.caPriv);
}

/** tcp_plb_init(): no consecutive congested rounds, no pause. */
function tcp_plb_init(ca: Dctcp): void {
  ca.dv.setUint8(DCTCP_OFF.plb, ca.dv.getUint8(DCTCP_OFF.plb) & ~0x1f);
  ca.dv.setUint32(DCTCP_OFF.plb_pause_until, 0, true);
}

/** dctcp_reset(): a new observation window starts at this ACK. */
function dctcp_reset(sk: TcpCaSock, ca: Dctcp): void {
  ca.next_seq = sk.snd_nxt;
  ca.old_delivered = sk.delivered;
  ca.old_delivered_ce = sk.delivered_ce;
}

/**
 * dctcp_init(): with ECN negotiated (or on a socket not yet connected),
 * alpha starts at dctcp_alpha_on_init and the first window at snd_nxt;
 * otherwise the socket switches to "dctcp-reno" and stops sending ECT
 * (INET_ECN_dontxmit: the testbed decides ECT per socket at connect, when
 * the flag says ECN was negotiated).
 */
export function dctcp_init(sk: TcpCaSock): void {
  const state = sk.sk_state;
  if (((sk.ecn_flags ?? 0) & TCP_ECN_OK) !== 0 || state === TCP_LISTEN || state === TCP_CLOSE) {
    const ca = dctcp_ca(sk);
    ca.prior_rcv_nxt = sk.rcv_nxt ?? 0;
    ca.dctcp_alpha = Math.min(DCTCP_PARAMS.dctcp_alpha_on_init, DCTCP_MAX_ALPHA);
    ca.loss_cwnd = 0;
    ca.ce_state = 0;
    dctcp_reset(sk, ca);
    tcp_plb_init(ca);
    return;
  }
  if (sk.icsk_ca_ops !== undefined) sk.icsk_ca_ops = dctcpReno;
}

/** dctcp_ssthresh(): remembers cwnd for undo; cwnd reduced by alpha / 2, at least 2. */
export function dctcp_ssthresh(sk: TcpCaSock): number {
  const ca = dctcp_ca(sk);
  const cwnd = tcp_snd_cwnd(sk);
  ca.loss_cwnd = cwnd;
  return Math.max(u32(cwnd - (mulU32(cwnd, ca.dctcp_alpha) >>> 11)), 2);
}

/**
 * dctcp_update_alpha() (in_ack_event): at the end of an observation window,
 * alpha = (1 - g) alpha + g F in Linux's integer steps, and a new window.
 */
export function dctcp_update_alpha(sk: TcpCaSock, _flags: number): void {
  const ca = dctcp_ca(sk);
  if (before(sk.snd_una, ca.next_seq)) return;
  const delivered = u32(sk.delivered - ca.old_delivered);
  let delivered_ce = u32(sk.delivered_ce - ca.old_delivered_ce);
  let alpha = ca.dctcp_alpha;
  // tcp_plb_update_state / tcp_plb_check_rehash: no-ops with tcp_plb_enabled = 0.
  const g = DCTCP_PARAMS.dctcp_shift_g;
  const decay = alpha >>> g;
  alpha = u32(alpha - (decay === 0 ? alpha : Math.min(alpha, decay)));
  if (delivered_ce !== 0) {
    delivered_ce = u32(delivered_ce << (10 - g)) >>> 0;
    delivered_ce = Math.floor(delivered_ce / Math.max(1, delivered));
    alpha = Math.min(u32(alpha + delivered_ce), DCTCP_MAX_ALPHA);
  }
  ca.dctcp_alpha = alpha;
  dctcp_reset(sk, ca);
}

/** dctcp_react_to_loss(): Reno's halving, cwnd remembered for undo. */
function dctcp_react_to_loss(sk: TcpCaSock): void {
  const ca = dctcp_ca(sk);
  ca.loss_cwnd = tcp_snd_cwnd(sk);
  sk.snd_ssthresh = Math.max(tcp_snd_cwnd(sk) >>> 1, 2);
}

/** dctcp_state(): entering Recovery (fast retransmit) reacts to the loss; RTOs come as CA_EVENT_LOSS. */
export function dctcp_state(sk: TcpCaSock, newState: number): void {
  if (newState === TCP_CA_Recovery && newState !== sk.icsk_ca_state) dctcp_react_to_loss(sk);
}

/** dctcp_ece_ack_cwr(): ECE on the ACKs to come follows `ce_state`. */
function dctcp_ece_ack_cwr(sk: TcpCaSock, ce_state: number): void {
  const f = sk.ecn_flags ?? 0;
  sk.ecn_flags = ce_state === 1 ? f | TCP_ECN_DEMAND_CWR : f & ~TCP_ECN_DEMAND_CWR;
}

/**
 * dctcp_ece_ack_update() (tcp_dctcp.h): the receiver's two-state CE machine.
 * On a change of state, a pending delayed ACK is sent first, for the data up
 * to `prior_rcv_nxt` with the old state's ECE, and the current packet is
 * ACKed at once.
 */
export function dctcp_ece_ack_update(sk: TcpCaSock, evt: number, ca: Dctcp): void {
  const new_ce_state = evt === CA_EVENT_ECN_IS_CE ? 1 : 0;
  if (ca.ce_state !== new_ce_state) {
    if (((sk.icsk_ack_pending ?? 0) & ICSK_ACK_TIMER) !== 0) {
      dctcp_ece_ack_cwr(sk, ca.ce_state);
      sk.tcp_send_ack?.(ca.prior_rcv_nxt);
    }
    sk.icsk_ack_pending = (sk.icsk_ack_pending ?? 0) | ICSK_ACK_NOW;
  }
  ca.prior_rcv_nxt = sk.rcv_nxt ?? 0;
  ca.ce_state = new_ce_state;
  dctcp_ece_ack_cwr(sk, new_ce_state);
}

/** dctcp_cwnd_event(): CE state changes (receiver), and RTO losses (sender). */
export function dctcp_cwnd_event(sk: TcpCaSock, ev: number): void {
  const ca = dctcp_ca(sk);
  if (ev === CA_EVENT_ECN_IS_CE || ev === CA_EVENT_ECN_NO_CE) dctcp_ece_ack_update(sk, ev, ca);
  else if (ev === CA_EVENT_LOSS) dctcp_react_to_loss(sk);
  // CA_EVENT_TX_START: tcp_plb_check_rehash, a no-op with PLB disabled.
}

/** dctcp_cwnd_undo(): the larger of cwnd and the cwnd before the last reduction. */
export function dctcp_cwnd_undo(sk: TcpCaSock): number {
  return Math.max(tcp_snd_cwnd(sk), dctcp_ca(sk).loss_cwnd);
}

/**
 * dctcp_get_info(): struct tcp_dctcp_info for INET_DIAG_DCTCPINFO (also
 * answered for INET_DIAG_VEGASINFO); all zero on a "dctcp-reno" socket.
 * `ab_ecn` / `ab_tot` are the bytes (mss_cache × packets, u32) marked and
 * delivered in the current window.
 */
export function dctcp_get_info(sk: TcpCaSock, ext: number): TcpCcInfo | undefined {
  if ((ext & (1 << (INET_DIAG_DCTCPINFO - 1))) === 0 && (ext & (1 << (INET_DIAG_VEGASINFO - 1))) === 0) return undefined;
  const zero = { dctcp_enabled: 0, dctcp_ce_state: 0, dctcp_alpha: 0, dctcp_ab_ecn: 0, dctcp_ab_tot: 0 };
  if (sk.icsk_ca_ops === dctcpReno) return { attr: INET_DIAG_DCTCPINFO, dctcp: zero };
  const ca = dctcp_ca(sk);
  return {
    attr: INET_DIAG_DCTCPINFO,
    dctcp: {
      dctcp_enabled: 1,
      dctcp_ce_state: ca.ce_state & 0xffff,
      dctcp_alpha: ca.dctcp_alpha,
      dctcp_ab_ecn: mulU32(sk.mss_cache, u32(sk.delivered_ce - ca.old_delivered_ce)),
      dctcp_ab_tot: mulU32(sk.mss_cache, u32(sk.delivered - ca.old_delivered)),
    },
  };
}

/**
 * "dctcp-reno": Reno with dctcp's get_info, the ops a dctcp socket without
 * ECN runs. Never registered (one object, as Linux's static struct).
 */
const dctcpReno: TcpCongestionOps = Object.freeze({
  name: TCP_DCTCP_RENO_NAME,
  flags: 0,
  key: tcpCaKey(TCP_DCTCP_RENO_NAME),
  ssthresh: tcp_reno_ssthresh,
  cong_avoid: tcp_reno_cong_avoid,
  undo_cwnd: tcp_reno_undo_cwnd,
  get_info: dctcp_get_info,
}) as TcpCongestionOps;

/** The "dctcp-reno" fallback ops (for tests and diagnostics). */
export function dctcpRenoOps(): TcpCongestionOps {
  return dctcpReno;
}

/**
 * Creates the "dctcp" ops (flags TCP_CONG_NEEDS_ECN, as Linux declares it).
 * A fresh object per call, since `flags` is mutable per kernel.
 */
export function createDctcp(): TcpCongestionOps {
  return {
    name: TCP_DCTCP_NAME,
    flags: TCP_CONG_NEEDS_ECN,
    key: tcpCaKey(TCP_DCTCP_NAME),
    init: dctcp_init,
    in_ack_event: dctcp_update_alpha,
    cwnd_event: dctcp_cwnd_event,
    ssthresh: dctcp_ssthresh,
    cong_avoid: tcp_reno_cong_avoid,
    undo_cwnd: dctcp_cwnd_undo,
    set_state: dctcp_state,
    get_info: dctcp_get_info,
  };
}
