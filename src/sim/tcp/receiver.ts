/**
 * @fileoverview The receiving end of a flow, as far as the sender can tell:
 * cumulative ACKs, SACK blocks (RFC 2018: the block holding the segment just
 * received first, then the most recently reported others), D-SACK (RFC
 * 2883) for duplicates, timestamps echo (RFC 7323: TSecr from the segment
 * at the left edge of the unacknowledged data), delayed ACKs as Linux's
 * __tcp_ack_snd_check (an ACK for every second full segment, at once for
 * out-of-order data or a filled hole or in quick-ACK mode, else within the
 * 40 ms delayed-ACK timer), and ECN echo (RFC 3168: ECE on every ACK from a
 * CE mark until a CWR arrives; the receiver's CA gets CA_EVENT_ECN_IS_CE /
 * ECN_NO_CE when it needs ECN, tcp_data_ecn_check). As in Linux the check
 * runs after rcv_nxt has moved for in-order data (tcp_event_data_recv),
 * before queueing out-of-order data (tcp_data_queue_ofo), and not for a
 * duplicate. The receiving socket's `rcv_nxt` and `icsk_ack.pending`
 * (ICSK_ACK_TIMER while the delayed-ACK timer runs; ICSK_ACK_NOW from a CA)
 * are kept in its tcp_sock, where DCTCP reads and sets them.
 *
 * Quick-ACK mode as Linux 6.18: up to 16 quick ACKs from the first data
 * segment (tcp_incr_quickack), one used per ACK of new data
 * (tcp_dec_quickack_mode; the last deflates ato to TCP_ATO_MIN), refilled for a duplicate segment
 * (tcp_enter_quickack_mode) and kept from running down while the receive
 * window grows (tcp_grow_window sets quick |= 1; see rcv-space.ts): a
 * Linux receiver ACKs every segment through most of slow start.
 *
 * The delayed-ACK engine is Linux's: the ACK timeout `ato` is estimated from
 * the gaps between in-order segments (tcp_event_data_recv), bounded when the
 * timer is armed by the receiver's srtt and icsk_delack_max and rounded to
 * jiffies (tcp_send_delayed_ack: the timer fires on a jiffy tick, `ato`
 * jiffies after the current one), doubled when the timer fires
 * (tcp_delack_timer_handler); quick-ACK mode restarts after a gap longer
 * than the receiver's RTO. Out-of-order segments are ACKed at once up to
 * three times per rcv_nxt, then SACKs are compressed (__tcp_ack_snd_check,
 * tcp_compressed_ack_kick): one ACK per min(1 ms, rtt / 20), or at the 44th.
 *
 * The reading application (the fidelity receiver, native/testbed/flow.c,
 * blocked in read()) is woken by each in-order segment (tcp_data_ready ->
 * sk_data_ready) and runs READER_WAKE_NS later; it then copies every queued
 * skb (tcp_recvmsg_locked), and after each one tcp_rcv_space_adjust sees the
 * bytes still queued behind it. Segments that arrive before it runs wait in
 * the receive queue: they count against tcp_space() in tcp_grow_window and
 * keep tcp_rcv_rtt_update from raising the RTT estimate. The read is done
 * lazily, when the next segment arrives (nothing else looks at the queue),
 * so it costs no event, except when it sends an ACK: a full-sized segment
 * with PSH (the sender's, src/sim/tcp/psh.ts) sets ICSK_ACK_PUSHED
 * (tcp_measure_rcv_mss, 6.6+), and a read that copied data and left the
 * socket empty then sends the delayed ACK (tcp_cleanup_rbuf); the host wakes
 * the reader at its time for that.
 *
 * Flow control is not modelled: the receive window never limits the sender.
 */
import { CA_EVENT_ECN_IS_CE, CA_EVENT_ECN_NO_CE, ICSK_ACK_NOW, ICSK_ACK_TIMER, TCP_CONG_NEEDS_ECN, TCP_ECN_DEMAND_CWR } from "../../uapi/tcp-cc.js";
import type { TcpCcSocket } from "../../uapi/tcp-cc.js";
import { tcpCaEvent } from "./hooks.js";
import type { HookSink } from "./hooks.js";
import { ECN_CE, ECN_NOT_ECT, TH_CWR, TH_ECE, TH_PSH } from "../net/packet.js";
import type { Packet } from "../net/packet.js";
import { RcvSpace, rxTruesize, TCP_MAX_QUICKACKS } from "./rcv-space.js";
import { doubleFields } from "../double-fields.js";
/** TCP_DELACK_MIN / TCP_ATO_MIN at HZ=250: 40 ms. */
export const DELACK_NS = 40_000_000;
/** HZ = 250: one jiffy, and the delayed-ACK bounds in jiffies (include/net/tcp.h). */
const JIFFY = 4_000_000;
const TCP_ATO_MIN_J = 10;
const TCP_DELACK_MIN_J = 10;
/** TCP_DELACK_MAX (HZ / 5): icsk_delack_max's default. */
const TCP_DELACK_MAX_J = 50;
/** HZ / 2: tcp_send_delayed_ack's bound outside interactive (ping-pong) mode. */
const MAX_ATO_BULK_J = 125;
/** TCP_RTO_MIN in µs: the floor of rttvar in the receiver's RTO. */
const TCP_RTO_MIN_US = 200_000;
/** tcp_comp_sack_delay_ns (1 ms) and tcp_comp_sack_nr (44) defaults. */
const COMP_SACK_DELAY_NS = 1_000_000;
const COMP_SACK_NR = 44;
/**
 * From an in-order segment's arrival (tcp_rcv_established) to the reader's
 * first copy (tcp_rcv_space_adjust): the median of 4825 wake-ups traced on
 * the fidelity testbed (reno, 20 Mbit/s, 1 % loss; p25 30 µs, p75 50 µs).
 */
export const READER_WAKE_NS = 38_000;
/** TCP_FASTRETRANS_THRESH: out-of-order segments ACKed at once before SACKs are compressed. */
const TCP_FASTRETRANS_THRESH = 3;

/** What the receiver needs from its flow. */
export interface ReceiverHost {
  readonly nowNs: number;
  /** A pure ACK from the pool with the connection's fields set (flow, size, TSval), for the receiver to fill. */
  newAck(): Packet;
  /** Sends an ACK made by newAck() back along the reverse path. */
  sendAck(p: Packet): void;
  /** Arms the delayed-ACK timer (absolute time) or clears it (-1). */
  setDelackTimer(at: number): void;
  /** Wakes the reader at an absolute time, for a read that sends an ACK (tcp_cleanup_rbuf); other reads are lazy. */
  setReadTimer(at: number): void;
  /** Arms the compressed-SACK timer (absolute time) or clears it (-1). */
  setCompSackTimer(at: number): void;
  /** The u32 sequence number of segment `seg` (what tcp_sock.rcv_nxt holds when `seg` is next). */
  seqOf(seg: number): number;
}

/** Fields that come to hold non-Smi numbers (ns past 2^31, values read from typed arrays): doubles from the start (double-fields.ts). */
const TCPRECEIVER_DOUBLE_FIELDS = ["delackTimeout", "readAtNs"];

/** The receiver state of one flow. */
export class TcpReceiver {
  rcvNxt = 0;
  /** rcv_wup: rcv_nxt when the last ACK was sent. */
  private rcvWup = 0;
  private ooo = new Uint8Array(64);
  private oooMask = 63;
  private oooCount = 0;
  /** SACK blocks, most recent first (start, end). */
  private blocks: number[] = [];
  private quick = 0;
  private tsRecent = 0;
  private dsackS = -1;
  private dsackE = -1;
  private delackArmed = false;
  /** icsk_ack.timeout: when the armed delayed-ACK timer fires (ns, on a jiffy tick). */
  private delackTimeout = 0;
  /** icsk_ack.ato and icsk_ack.lrcvtime, in jiffies (ato 0: no data yet). */
  private ato = 0;
  private lrcvtime = 0;
  /** The receiver's srtt (µs) and icsk_rto (jiffies), from the handshake's RTT sample (tcp_synack_rtt_meas). */
  private readonly srttUs: number;
  private readonly rtoJ: number;
  /** tp->compressed_ack, compressed_ack_rcv_nxt, dup_ack_counter and whether the hrtimer is queued. */
  private compressedAck = 0;
  private compressedAckRcvNxt = -1;
  private dupAckCounter = 0;
  private compTimerArmed = false;
  private demandCwr = false;
  /** ACKs sent (statistics). */
  acksSent = 0;
  /** Receive-buffer autotuning (rcv_ssthresh, window clamp, DRS). */
  readonly space: RcvSpace;
  /** Bytes received in order (rcv_nxt in bytes). */
  private rcvBytes = 0;
  /** Bytes the application has copied (copied_seq in bytes). */
  private copiedBytes = 0;
  /** In-order skbs waiting for the application (the receive queue). */
  private unreadSkbs = 0;
  /** When the woken reader runs (ns), or -1 while it sleeps with nothing queued. */
  private readAtNs = -1;
  /** ICSK_ACK_PUSHED in icsk_ack.pending: a full-sized segment with PSH arrived since the last ACK. */
  private ackPushed = false;
  /** tp->tcp_mstamp (µs): refreshed by each arriving segment (tcp_rcv_established). */
  private mstampUs = 0;

  constructor(
    private readonly host: ReceiverHost,
    readonly delayedAck: boolean,
    /** The receiving socket of the emulated kernel, when ECN events need one. */
    readonly sk: TcpCcSocket | null,
    private readonly trace: HookSink,
    /** Payload bytes of a full segment (the sender's MSS, the receiver's advmss). */
    private readonly mss: number,
    /** When the connection became established at the receiver (ns). */
    establishedNs: number,
    /** The handshake's RTT (ns): the passive side's only RTT sample (it sends no data). */
    handshakeRttNs: number,
  ) {
    this.space = new RcvSpace(mss, establishedNs);
    // tcp_rtt_estimator's first sample: srtt = m, rttvar = max(2m, TCP_RTO_MIN); __tcp_set_rto: srtt + rttvar.
    this.srttUs = Math.max(1, Math.floor(handshakeRttNs / 1000));
    this.rtoJ = Math.ceil(((this.srttUs + Math.max(2 * this.srttUs, TCP_RTO_MIN_US)) * 1000) / JIFFY);
    doubleFields(this, TCPRECEIVER_DOUBLE_FIELDS);
  }

  private get ecnDemand(): boolean {
    return this.sk !== null && this.sk.ecn_flags !== undefined ? (this.sk.ecn_flags & TCP_ECN_DEMAND_CWR) !== 0 : this.demandCwr;
  }
  private set ecnDemand(v: boolean) {
    if (this.sk !== null && this.sk.ecn_flags !== undefined) {
      this.sk.ecn_flags = v ? this.sk.ecn_flags | TCP_ECN_DEMAND_CWR : this.sk.ecn_flags & ~TCP_ECN_DEMAND_CWR;
    } else this.demandCwr = v;
  }

  /** icsk_ack.pending of the receiving socket (0 without one). */
  private get ackPending(): number {
    return this.sk?.icsk_ack_pending ?? 0;
  }
  private set ackPending(v: number) {
    if (this.sk !== null && this.sk.icsk_ack_pending !== undefined) this.sk.icsk_ack_pending = v;
  }

  /** rcv_nxt moved: the socket's tcp_sock.rcv_nxt follows. */
  private publishRcvNxt(): void {
    if (this.sk !== null && this.sk.rcv_nxt !== undefined) this.sk.rcv_nxt = this.host.seqOf(this.rcvNxt);
  }

  /** tcp_data_ecn_check / __tcp_ecn_check_ce for one data packet. */
  private ecnCheck(p: Packet): void {
    if (p.ecn === ECN_CE) {
      if (this.sk !== null && this.sk.ca.flags & TCP_CONG_NEEDS_ECN) tcpCaEvent(this.sk, this.trace, CA_EVENT_ECN_IS_CE);
      if (!this.ecnDemand) {
        this.quick = Math.max(this.quick, 2);
        this.ecnDemand = true;
      }
    } else if (p.ecn !== ECN_NOT_ECT) {
      if (this.sk !== null && this.sk.ca.flags & TCP_CONG_NEEDS_ECN) tcpCaEvent(this.sk, this.trace, CA_EVENT_ECN_NO_CE);
    }
  }

  private isReceived(seg: number): boolean {
    return seg < this.rcvNxt || (seg - this.rcvNxt < this.ooo.length && this.ooo[seg & this.oooMask] === 1);
  }

  /** A data segment arrived. */
  receive(p: Packet): void {
    const seg = p.seg;
    const now = this.host.nowNs;
    if (this.readAtNs >= 0 && now >= this.readAtNs) this.read();
    // tcp_rcv_established: tcp_mstamp_refresh, then tcp_rcv_rtt_measure_ts before the data is queued.
    this.mstampUs = Math.floor(now / 1000);
    this.space.rttMeasureTs(p.tsecr, p.payload, Math.floor(now / 1_000_000), this.rcvBytes === this.copiedBytes);
    // tcp_ecn_accept_cwr.
    if (p.tcpFlags & TH_CWR) this.ecnDemand = false;
    if (this.isReceived(seg)) {
      // A duplicate: D-SACK it and ACK at once in quick-ACK mode (tcp_data_queue, out_of_window).
      this.dsackS = seg;
      this.dsackE = seg + 1;
      // tcp_enter_quickack_mode: quick ACKs and ato back to TCP_ATO_MIN.
      this.quick = Math.max(this.quick, this.space.quickacks(TCP_MAX_QUICKACKS));
      this.ato = TCP_ATO_MIN_J;
      this.ackNow();
      return;
    }
    if (seg <= this.rcvWup) this.tsRecent = p.tsval;
    if (seg === this.rcvNxt) {
      const hadHole = this.oooCount > 0;
      this.rcvNxt++;
      while (this.oooCount > 0 && this.ooo[this.rcvNxt & this.oooMask] === 1) {
        this.ooo[this.rcvNxt & this.oooMask] = 0;
        this.oooCount--;
        this.rcvNxt++;
      }
      this.pruneBlocks();
      this.publishRcvNxt();
      this.rcvBytes += p.payload + (this.rcvNxt - seg - 1) * this.mss;
      this.unreadSkbs += this.rcvNxt - seg;
      // tcp_event_data_recv: rcv_mss and scaling_ratio, the ato estimate (with the first quick ACKs), the window's growth.
      // tcp_measure_rcv_mss (6.6+): a full-sized segment with PSH asks the reader's tcp_cleanup_rbuf for an ACK.
      if ((p.tcpFlags & TH_PSH) !== 0 && p.payload >= this.space.rcvMss) this.ackPushed = true;
      this.space.measureRcvMss(p.payload);
      this.eventDataRecv(Math.floor(now / JIFFY));
      // tcp_event_data_recv: the ECN check sees rcv_nxt past this packet.
      this.ecnCheck(p);
      if (this.space.growWindow(p.payload, rxTruesize(p.payload) * (this.unreadSkbs + this.oooCount))) this.quick |= 1;
      const ackNowAsked = (this.ackPending & ICSK_ACK_NOW) !== 0;
      // __tcp_ack_snd_check: more than one full frame unACKed, quick-ACK mode, or ICSK_ACK_NOW (a hole was filled).
      if (hadHole || !this.delayedAck || this.quick > 0 || this.rcvNxt - this.rcvWup > 1 || ackNowAsked) this.ackNow();
      else this.sendDelayedAck(now);
      // tcp_data_ready: wake the reader, unless it is already awake.
      if (this.readAtNs < 0) this.readAtNs = now + READER_WAKE_NS;
      // A read that will send the ACK a PSH asked for must run at its time, not when the next segment comes.
      if (this.ackPushed && this.delackArmed) this.host.setReadTimer(this.readAtNs);
      return;
    }
    // Out of order: tcp_data_queue_ofo checks ECN first, keeps it, SACKs it, ACKs at once.
    this.ecnCheck(p);
    const off = seg - this.rcvNxt;
    if (off >= this.ooo.length) this.growOoo(off + 1);
    this.ooo[seg & this.oooMask] = 1;
    this.oooCount++;
    this.addToBlocks(seg);
    // tcp_data_queue_ofo: SACK flows grow the window for out-of-order data too (before skb_set_owner_r charges
    // this segment), and the buffer covers the hole.
    if (this.space.growWindow(p.payload, rxTruesize(p.payload) * (this.unreadSkbs + this.oooCount - 1))) this.quick |= 1;
    this.space.rcvbufGrowOoo((this.maxOooEnd() - this.rcvNxt) * this.mss);
    this.ackSndCheckOfo(now);
  }

  /**
   * The woken reader's read() (tcp_recvmsg_locked): copies the receive queue
   * skb by skb, each a full segment but for a short last one, and after each
   * runs tcp_rcv_space_adjust with what is still queued (inq) and the
   * socket's tcp_mstamp, which reading does not refresh.
   */
  private read(): void {
    this.readAtNs = -1;
    const copied = this.unreadSkbs > 0;
    // tcp_rcvbuf_grow adds the out-of-order span (ooo_last_skb's end_seq - rcv_nxt) on this path too.
    const oooBytes = this.oooCount > 0 ? (this.maxOooEnd() - this.rcvNxt) * this.mss : 0;
    while (this.unreadSkbs > 0) {
      this.unreadSkbs--;
      this.copiedBytes = this.unreadSkbs === 0 ? this.rcvBytes : this.copiedBytes + this.mss;
      this.space.spaceAdjust(this.copiedBytes, this.rcvBytes - this.copiedBytes, this.mstampUs, oooBytes);
    }
    // tcp_cleanup_rbuf: with an ACK scheduled, a read that copied data and left nothing in the socket (no
    // out-of-order data either: sk_rmem_alloc is 0) sends it when a PSH asked (ICSK_ACK_PUSHED, no ping-pong).
    if (copied && this.ackPushed && this.delackArmed && this.oooCount === 0) this.ackNow();
  }

  /** The reader's wake-up armed by setReadTimer. */
  onRead(): void {
    if (this.readAtNs >= 0 && this.host.nowNs >= this.readAtNs) this.read();
  }

  /**
   * tcp_event_data_recv(): `ato` from the gap since the last in-order segment
   * (in jiffies): the first segment starts it at TCP_ATO_MIN with quick ACKs;
   * short gaps pull it towards TCP_ATO_MIN / 2 + ato / 2, longer ones below
   * ato set it to ato / 2 + gap (at most the RTO), and a gap longer than the
   * RTO (the sender was idle) restarts quick-ACK mode.
   */
  private eventDataRecv(nowJ: number): void {
    if (this.ato === 0) {
      this.quick = Math.max(this.quick, this.space.quickacks(TCP_MAX_QUICKACKS));
      this.ato = TCP_ATO_MIN_J;
    } else {
      const m = nowJ - this.lrcvtime;
      if (m <= TCP_ATO_MIN_J / 2) this.ato = (this.ato >> 1) + TCP_ATO_MIN_J / 2;
      else if (m < this.ato) this.ato = Math.min((this.ato >> 1) + m, this.rtoJ);
      else if (m > this.rtoJ) this.quick = Math.max(this.quick, this.space.quickacks(TCP_MAX_QUICKACKS));
    }
    this.lrcvtime = nowJ;
  }

  /**
   * tcp_send_delayed_ack(): the timeout is `ato` jiffies after the current
   * jiffy, `ato` bounded above TCP_DELACK_MIN by HZ/2 and the receiver's srtt
   * (at least TCP_DELACK_MIN), then by icsk_delack_max; an armed timer keeps
   * an earlier deadline, and one about to fire (within ato / 4) is replaced
   * by an ACK now.
   */
  private sendDelayedAck(now: number): void {
    let ato = this.ato;
    if (ato > TCP_DELACK_MIN_J) {
      const rttJ = Math.max(Math.ceil((this.srttUs * 1000) / JIFFY), TCP_DELACK_MIN_J);
      ato = Math.min(ato, Math.min(MAX_ATO_BULK_J, rttJ));
    }
    ato = Math.min(ato, TCP_DELACK_MAX_J);
    const nowJ = Math.floor(now / JIFFY);
    let timeout = (nowJ + ato) * JIFFY;
    if (this.delackArmed) {
      if (this.delackTimeout <= (nowJ + (ato >> 2)) * JIFFY) {
        this.ackNow();
        return;
      }
      if (timeout >= this.delackTimeout) timeout = this.delackTimeout;
    }
    this.delackArmed = true;
    this.delackTimeout = timeout;
    this.ackPending = this.ackPending | ICSK_ACK_TIMER;
    this.host.setDelackTimer(timeout);
  }

  /**
   * __tcp_ack_snd_check(sk, ofo_possible = 1) for an out-of-order segment:
   * at once in quick-ACK mode, with more than a frame unACKed or when asked;
   * else the first TCP_FASTRETRANS_THRESH duplicate ACKs per rcv_nxt go out
   * at once and later ones are compressed behind an hrtimer of
   * min(tcp_comp_sack_delay_ns, rtt / 20) (rtt: the receiver's estimate, or
   * srtt when lower), or sent at the tcp_comp_sack_nr-th.
   */
  private ackSndCheckOfo(now: number): void {
    if (this.quick > 0 || this.rcvNxt - this.rcvWup > 1 || (this.ackPending & ICSK_ACK_NOW) !== 0 || this.compressedAck >= COMP_SACK_NR) {
      this.ackNow();
      return;
    }
    if (this.compressedAckRcvNxt !== this.rcvNxt) {
      this.compressedAckRcvNxt = this.rcvNxt;
      this.dupAckCounter = 0;
    }
    if (this.dupAckCounter < TCP_FASTRETRANS_THRESH) {
      this.dupAckCounter++;
      this.ackNow();
      return;
    }
    this.compressedAck++;
    if (this.compTimerArmed) return;
    let rttUs = this.space.rttUs8 >> 3;
    if (this.srttUs < rttUs || rttUs === 0) rttUs = this.srttUs;
    this.compTimerArmed = true;
    this.host.setCompSackTimer(now + Math.min(COMP_SACK_DELAY_NS, Math.floor((rttUs * 1000) / 20)));
  }

  /** tcp_compressed_ack_kick(): the compressed-SACK timer fired; the ACK it held goes out. */
  onCompSack(): void {
    if (!this.compTimerArmed) return;
    this.compTimerArmed = false;
    if (this.compressedAck > 0) {
      this.compressedAck--;
      this.ackNow();
    }
  }

  /** End (exclusive) of the highest out-of-order data held, in segments. */
  private maxOooEnd(): number {
    let e = this.rcvNxt;
    const bl = this.blocks;
    for (let i = 1; i < bl.length; i += 2) e = Math.max(e, bl[i] as number);
    return e;
  }

  private growOoo(n: number): void {
    let cap = this.ooo.length;
    while (cap < n) cap *= 2;
    const b = new Uint8Array(cap);
    for (let s = this.rcvNxt; s < this.rcvNxt + this.ooo.length; s++) if (this.ooo[s & this.oooMask] === 1) b[s & (cap - 1)] = 1;
    this.ooo = b;
    this.oooMask = cap - 1;
  }

  private addToBlocks(seg: number): void {
    const bl = this.blocks;
    let s = seg;
    let e = seg + 1;
    // Merge every block adjacent to or overlapping [s, e) into it; the others keep their order behind it.
    let kept = 0;
    for (let i = 0; i < bl.length; i += 2) {
      const bs = bl[i] as number;
      const be = bl[i + 1] as number;
      if (be >= s && bs <= e) {
        s = Math.min(s, bs);
        e = Math.max(e, be);
      } else {
        bl[kept++] = bs;
        bl[kept++] = be;
      }
    }
    // The new block first (most recent), then at most three of the others: moved up in place, no array made.
    const n = Math.min(kept, 6);
    if (n < bl.length) bl.length = n;
    bl.push(0, 0);
    for (let i = n - 1; i >= 0; i--) bl[i + 2] = bl[i] as number;
    bl[0] = s;
    bl[1] = e;
  }

  /** Drops the blocks rcv_nxt has passed, in place (the others keep their order). */
  private pruneBlocks(): void {
    const bl = this.blocks;
    let kept = 0;
    for (let i = 0; i < bl.length; i += 2) {
      if ((bl[i + 1] as number) > this.rcvNxt) {
        bl[kept++] = bl[i] as number;
        bl[kept++] = bl[i + 1] as number;
      }
    }
    if (kept < bl.length) bl.length = kept;
  }

  /** The delayed-ACK timer fired. */
  onDelack(): void {
    if (!this.delackArmed) return;
    this.delackArmed = false;
    this.ackPending = this.ackPending & ~ICSK_ACK_TIMER;
    if (this.rcvNxt > this.rcvWup) {
      // tcp_delack_timer_handler: a delayed ACK was missed (not ping-pong): inflate ato, at most the RTO.
      this.ato = Math.min(this.ato << 1, this.rtoJ);
      this.ackNow();
    }
  }

  /**
   * __tcp_send_ack(sk, rcv_nxt) from the receiver's CA: an ACK of `rcvNxtSeq`.
   * An ACK of the current rcv_nxt is an ordinary one; an ACK of an earlier
   * point (DCTCP's ACK for the data before a CE change) leaves the
   * delayed-ACK timer and quick-ACK credit alone (tcp_event_ack_sent).
   */
  sendAckOf(rcvNxtSeq: number): void {
    if (rcvNxtSeq === this.host.seqOf(this.rcvNxt)) {
      this.ackNow();
      return;
    }
    // The segment whose start is rcvNxtSeq: rcv_nxt of a recent packet.
    let seg = this.rcvNxt - 1;
    while (seg >= 0 && this.rcvNxt - seg <= 1024 && this.host.seqOf(seg) !== rcvNxtSeq) seg--;
    if (seg < 0 || this.host.seqOf(seg) !== rcvNxtSeq) return;
    this.rcvWup = this.rcvNxt;
    this.acksSent++;
    this.transmitAck(seg);
  }

  /** Sends an ACK now (tcp_send_ack: also clears icsk_ack.pending). */
  ackNow(): void {
    if (this.delackArmed) {
      this.delackArmed = false;
      this.host.setDelackTimer(-1);
    }
    // tcp_event_ack_sent: the ACK carries whatever was compressed; the compressed-SACK timer is cancelled.
    this.compressedAck = 0;
    if (this.compTimerArmed) {
      this.compTimerArmed = false;
      this.host.setCompSackTimer(-1);
    }
    this.ackPending = 0;
    this.ackPushed = false;
    // tcp_event_ack_sent -> tcp_dec_quickack_mode: one quick ACK used per ACK of new or out-of-order data;
    // the last one leaves quick-ACK mode and deflates ato to TCP_ATO_MIN.
    if (this.quick > 0 && (this.rcvNxt > this.rcvWup || this.oooCount > 0 || this.dsackS >= 0)) {
      if (--this.quick === 0) this.ato = TCP_ATO_MIN_J;
    }
    this.rcvWup = this.rcvNxt;
    this.acksSent++;
    this.transmitAck(this.rcvNxt);
  }

  /** Fills and sends an ACK of segment `ackSeg` with the current ECE state, SACK and D-SACK blocks. */
  private transmitAck(ackSeg: number): void {
    const ece = this.ecnDemand;
    const p = this.host.newAck();
    p.seg = ackSeg;
    p.tsecr = this.tsRecent;
    if (ece) p.tcpFlags |= TH_ECE;
    let slots = 3;
    if (this.dsackS >= 0) {
      p.dsackStart = this.dsackS;
      p.dsackEnd = this.dsackE;
      this.dsackS = -1;
      slots = 2;
    }
    const bl = this.blocks;
    const n = Math.min(slots, bl.length >> 1);
    for (let i = 0; i < 2 * n; i++) p.sack[i] = bl[i] as number;
    p.nsack = n;
    p.size = 52 + (n > 0 || p.dsackStart >= 0 ? 4 + 8 * (n + (p.dsackStart >= 0 ? 1 : 0)) : 0);
    this.host.sendAck(p);
  }
}
