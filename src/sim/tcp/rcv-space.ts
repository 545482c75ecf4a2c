/**
 * @fileoverview The receiving socket's buffer autotuning, as far as it decides
 * how often the receiver ACKs (Linux 6.18, net/ipv4/tcp_input.c):
 *
 * - `tcp_grow_window()`: every data segment may raise `rcv_ssthresh` (the
 *   window the receiver is willing to advertise) by 2 * advmss, up to
 *   min(window_clamp, tcp_space()); each raise sets `icsk_ack.quick |= 1`,
 *   so while the window opens the quick-ACK count does not run down and the
 *   receiver ACKs every segment. This is what makes a Linux receiver ACK
 *   every segment through most of slow start, and HyStart's ACK-train test
 *   depends on it (ACKs every other segment at 10 Mbit/s are 2.4 ms apart,
 *   more than hystart_ack_delta_us).
 * - `scaling_ratio` (payload per byte of skb truesize), measured on the
 *   first full segment by `tcp_measure_rcv_mss()`, which then sets the
 *   window clamp with `tcp_set_window_clamp()`; `tcp_win_from_space()` /
 *   `tcp_space_from_win()` convert with it.
 * - Dynamic right-sizing, `tcp_rcv_space_adjust()` / `tcp_rcvbuf_grow()`:
 *   once per receiver RTT, if the application read more than last time,
 *   `sk_rcvbuf` grows to 2 * copied plus twice the growth (slow start),
 *   plus the out-of-order span (on this path as on tcp_data_queue_ofo's),
 *   and the window clamp follows.
 * - The receiver's RTT from timestamps, `tcp_rcv_rtt_measure_ts()` (ms
 *   clock; a zero delta gives no sample) and `tcp_rcv_rtt_update()` as 6.16+
 *   do it: a sample below the estimate replaces it at once (the estimate
 *   seeks the minimum), a larger one moves it up by 1/8 of the difference
 *   only while the receive queue is empty (stored x8 as
 *   `rcv_rtt_est.rtt_us`). The window-based `tcp_rcv_rtt_measure()` is not
 *   modelled: it may only lower the estimate, and its samples (the time to
 *   receive a whole window, 64 KB and more) are never below the timestamp
 *   ones here.
 *
 * The application is the fidelity receiver (native/testbed/flow.c), which
 * loops on read(): `TcpReceiver` wakes it after each in-order segment and it
 * copies the receive queue skb by skb, calling `spaceAdjust()` after each
 * one with the bytes still queued behind it (`inq`), as tcp_recvmsg_locked()
 * does. The advertised window itself is not modelled (flow control never
 * limits the sender). Defaults: tcp_rmem = 4096 131072 33554432, tcp_app_win 31,
 * TCP_DEFAULT_SCALING_RATIO = 128/256.
 *
 * Buffer sizes: a received full segment is charged SKB_TRUESIZE of a 2 KB
 * head (2304 bytes for MSS 1448), the kmalloc-2048 buffer TUN and common
 * NIC drivers use for a 1514-byte frame; the tcp_rcvbuf_grow tracepoint on
 * the fidelity testbed reports scaling_ratio 160 = 1448 * 256 / 2304.
 */

/** tcp_rmem[1]: initial sk_rcvbuf. */
export const TCP_RMEM_DEFAULT = 131072;
/** tcp_rmem[2]: the most DRS may grow sk_rcvbuf to (6.18 default, 32 MB). */
export const TCP_RMEM_MAX = 33554432;
/** TCP_MAX_QUICKACKS. */
export const TCP_MAX_QUICKACKS = 16;
/** TCP_RMEM_TO_WIN_SCALE: scaling_ratio is in 1/256. */
const RMEM_TO_WIN_SCALE = 8;
/** TCP_DEFAULT_SCALING_RATIO: half the buffer is payload until measured. */
const DEFAULT_SCALING_RATIO = 1 << (RMEM_TO_WIN_SCALE - 1);
/** TCP_INIT_CWND: the first DRS measurement expects this many segments per RTT. */
const TCP_INIT_CWND = 10;
/** NET_SKB_PAD + Ethernet/IP/TCP headers with timestamps, in the receive buffer before the payload. */
const RX_HEAD_BYTES = 64 + 14 + 52;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) and SKB_DATA_ALIGN(sizeof(struct sk_buff)) on x86-64. */
const SHINFO_BYTES = 320;
const SKBUFF_BYTES = 256;

/** skb->truesize of a received segment with `len` payload bytes: its kmalloc'ed head plus struct sk_buff. */
export function rxTruesize(len: number): number {
  let alloc = 512;
  while (alloc < RX_HEAD_BYTES + len + SHINFO_BYTES) alloc *= 2;
  // SKB_TRUESIZE(ksize - shinfo) = ksize + struct sk_buff.
  return alloc + SKBUFF_BYTES;
}

/** Receive-buffer state of one receiving socket (bytes, µs). */
export class RcvSpace {
  /** sk_rcvbuf. */
  rcvbuf = TCP_RMEM_DEFAULT;
  /** tp->scaling_ratio (1/256). */
  scalingRatio = DEFAULT_SCALING_RATIO;
  /** tp->window_clamp. */
  windowClamp: number;
  /** tp->rcv_ssthresh. */
  rcvSsthresh: number;
  /** tp->rcv_wnd: the window last advertised (here: the initial one, then rcv_ssthresh). */
  rcvWnd: number;
  /** tp->rcvq_space.space: the most bytes copied in one measured RTT so far. */
  space: number;
  /** tp->rcvq_space.seq and .time: where and when the current measurement began. */
  private spaceSeq = 0;
  private spaceTimeUs: number;
  /** tp->rcv_rtt_est.rtt_us (x8) and the last TSecr sampled. */
  rttUs8 = 0;
  private lastTsecr: number | null = null;
  /** icsk_ack.rcv_mss (the initial guess until the first segment, tcp_initialize_rcv_mss). */
  rcvMss: number;
  /** Bytes the application has read (copied_seq). */
  copied = 0;

  constructor(
    /** tp->advmss (MSS without options: the payload of a full segment). */
    readonly advmss: number,
    /** Time the connection was established at the receiver (ns). */
    establishedNs: number,
  ) {
    // tcp_select_initial_window(tcp_full_space()): the SYN-ACK's window, a multiple of the MSS.
    const full = this.winFromSpace(this.rcvbuf);
    this.rcvWnd = full > advmss ? full - (full % advmss) : full;
    this.rcvSsthresh = this.rcvWnd;
    // tcp_init_buffer_space(): clamp at the full space less one segment reserved (tcp_app_win).
    this.windowClamp = full > 2 * advmss ? Math.max(2 * advmss, full - advmss) : full;
    this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
    this.space = Math.min(this.rcvSsthresh, this.rcvWnd, TCP_INIT_CWND * advmss);
    this.spaceTimeUs = Math.floor(establishedNs / 1000);
    this.rcvMss = Math.max(Math.min(advmss, Math.floor(this.rcvWnd / 2), 536), 88);
  }

  /** tcp_win_from_space(). */
  winFromSpace(space: number): number {
    return Math.floor((Math.max(space, 0) * this.scalingRatio) / 256);
  }

  /** tcp_space_from_win(). */
  spaceFromWin(win: number): number {
    return Math.floor((win * 256) / this.scalingRatio);
  }

  /**
   * tcp_measure_rcv_mss() for a segment of `len` payload bytes: the first
   * full segment sets rcv_mss and measures scaling_ratio, and the window
   * clamp follows (tcp_set_window_clamp, growing).
   */
  measureRcvMss(len: number): void {
    if (len < this.rcvMss) return;
    if (len !== this.rcvMss) {
      const old = this.scalingRatio;
      this.scalingRatio = Math.max(1, Math.floor((len * 256) / rxTruesize(len)));
      if (old !== this.scalingRatio) this.setWindowClamp(this.winFromSpace(this.rcvbuf));
    }
    this.rcvMss = Math.min(len, this.advmss);
  }

  private setWindowClamp(val: number): void {
    const clamp = Math.max(val, 1152);
    if (clamp === this.windowClamp) return;
    if (clamp > this.windowClamp) this.rcvSsthresh = Math.max(Math.min(this.rcvWnd, clamp), this.rcvSsthresh);
    else this.rcvSsthresh = Math.min(this.rcvSsthresh, clamp);
    this.windowClamp = clamp;
  }

  /** tcp_incr_quickack(): the quick-ACK count to raise to (at most `max`). */
  quickacks(max: number): number {
    const q = Math.floor(this.rcvWnd / (2 * this.rcvMss));
    return Math.min(q === 0 ? 2 : q, max);
  }

  /**
   * tcp_rcv_rtt_measure_ts(): a data segment of `len` bytes echoing `tsecr`
   * (ms) arrived at `nowMs`, with `queueEmpty` when the application has read
   * everything before it (rcv_nxt == copied_seq); one sample per new echo,
   * from full segments, none for a zero delta (tcp_rtt_tsopt_us(tp, 0)).
   */
  rttMeasureTs(tsecr: number, len: number, nowMs: number, queueEmpty: boolean): void {
    if (tsecr === this.lastTsecr) return;
    this.lastTsecr = tsecr;
    if (len < this.rcvMss) return;
    const delta = nowMs - tsecr;
    if (delta > 0) this.rttUpdate(delta * 1000, queueEmpty);
  }

  /**
   * tcp_rcv_rtt_update(win_dep = 0): a smaller sample replaces the estimate;
   * a larger one is averaged in with gain 1/8, and skipped while the receive
   * queue holds unread data.
   */
  private rttUpdate(sampleUs: number, queueEmpty: boolean): void {
    const m = sampleUs * 8;
    if (this.rttUs8 === 0 || m < this.rttUs8) this.rttUs8 = m;
    else if (queueEmpty) this.rttUs8 = this.rttUs8 - (this.rttUs8 >> 3) + sampleUs;
  }

  /**
   * tcp_grow_window(): a segment of `len` bytes arrived with `queued` bytes of
   * truesize in the receive queue (itself and the out-of-order queue).
   * @returns whether rcv_ssthresh grew (the caller then sets quick |= 1)
   */
  growWindow(len: number, queued: number): boolean {
    const room = Math.min(this.windowClamp, this.winFromSpace(this.rcvbuf - queued)) - this.rcvSsthresh;
    if (room <= 0) return false;
    // Check #2: a segment whose overhead fits the ratio grows by two segments.
    const incr = this.winFromSpace(rxTruesize(len)) <= len ? 2 * this.advmss : 0;
    if (incr === 0) return false;
    this.rcvSsthresh += Math.min(room, Math.max(incr, 2 * len));
    this.rcvWnd = Math.max(this.rcvWnd, this.rcvSsthresh);
    return true;
  }

  /**
   * tcp_rcv_space_adjust() after the application copied one skb, reaching
   * `copied` bytes (copied_seq), with `inq` bytes still in the receive queue
   * (rcv_nxt - copied_seq) and `mstampUs` the socket's tcp_mstamp (the last
   * segment's arrival: recvmsg does not refresh it): once per receiver RTT,
   * grow the buffer if more was read than in any RTT before, not counting
   * what is still queued (`copied -= inq`). `oooBytes` is the out-of-order
   * span past rcv_nxt, which tcp_rcvbuf_grow() adds on this path too.
   */
  spaceAdjust(copied: number, inq: number, mstampUs: number, oooBytes: number): void {
    this.copied = copied;
    const time = mstampUs - this.spaceTimeUs;
    if (this.rttUs8 === 0 || time < this.rttUs8 >> 3) return;
    const n = copied - this.spaceSeq - inq;
    if (n > this.space) this.rcvbufGrow(n, oooBytes);
    this.spaceSeq = copied;
    this.spaceTimeUs = mstampUs;
  }

  /**
   * tcp_rcvbuf_grow(): DRS is one RTT late, so the buffer is sized for twice
   * what was read, plus twice the growth in slow start, plus the
   * out-of-order span (`oooBytes` past rcv_nxt).
   */
  rcvbufGrow(newval: number, oooBytes: number): void {
    const oldval = this.space;
    this.space = newval;
    let rcvwin = 2 * newval;
    // grow = rcvwin * (newval - oldval) / oldval, added twice (rounded as the kernel's do_div).
    if (oldval > 0 && newval > oldval) rcvwin += 2 * Math.floor((rcvwin * (newval - oldval)) / oldval);
    rcvwin += oooBytes;
    const rcvbuf = Math.min(this.spaceFromWin(rcvwin), TCP_RMEM_MAX);
    if (rcvbuf > this.rcvbuf) {
      this.rcvbuf = rcvbuf;
      this.setWindowClamp(this.winFromSpace(rcvbuf));
    }
  }

  /** The out-of-order path's tcp_rcvbuf_grow(sk, rcvq_space.space). */
  rcvbufGrowOoo(oooBytes: number): void {
    this.rcvbufGrow(this.space, oooBytes);
  }
}
