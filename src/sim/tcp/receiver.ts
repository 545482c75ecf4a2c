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
 * (tcp_dec_quickack_mode), refilled for a duplicate segment
 * (tcp_enter_quickack_mode) and kept from running down while the receive
 * window grows (tcp_grow_window sets quick |= 1; see rcv-space.ts): a
 * Linux receiver ACKs every segment through most of slow start.
 *
 * Flow control is not modelled: the receive window never limits the sender.
 */
import { CA_EVENT_ECN_IS_CE, CA_EVENT_ECN_NO_CE, ICSK_ACK_NOW, ICSK_ACK_TIMER, TCP_CONG_NEEDS_ECN, TCP_ECN_DEMAND_CWR } from "../../uapi/tcp-cc.js";
import type { TcpCcSocket } from "../../uapi/tcp-cc.js";
import { tcpCaEvent } from "./hooks.js";
import type { HookSink } from "./hooks.js";
import { ECN_CE, ECN_NOT_ECT, TH_CWR, TH_ECE } from "../net/packet.js";
import type { Packet } from "../net/packet.js";
import { RcvSpace, rxTruesize, TCP_MAX_QUICKACKS } from "./rcv-space.js";
/** TCP_DELACK_MIN / TCP_ATO_MIN at HZ=250: 40 ms. */
export const DELACK_NS = 40_000_000;

/** What the receiver needs from its flow. */
export interface ReceiverHost {
  readonly nowNs: number;
  /** Sends an ACK packet the receiver filled in. */
  sendAck(fill: (p: Packet) => void): void;
  /** Arms the delayed-ACK timer (absolute time) or clears it (-1). */
  setDelackTimer(at: number): void;
  /** The u32 sequence number of segment `seg` (what tcp_sock.rcv_nxt holds when `seg` is next). */
  seqOf(seg: number): number;
}

/** The receiver state of one flow. */
export class TcpReceiver {
  rcvNxt = 0;
  /** rcv_wup: rcv_nxt when the last ACK was sent. */
  private rcvWup = 0;
  private ooo = new Uint8Array(1024);
  private oooMask = 1023;
  private oooCount = 0;
  /** SACK blocks, most recent first (start, end). */
  private blocks: number[] = [];
  private quick = 0;
  private started = false;
  private tsRecent = 0;
  private dsackS = -1;
  private dsackE = -1;
  private delackArmed = false;
  private demandCwr = false;
  /** ACKs sent (statistics). */
  acksSent = 0;
  /** Receive-buffer autotuning (rcv_ssthresh, window clamp, DRS). */
  readonly space: RcvSpace;
  /** Bytes received in order (rcv_nxt in bytes; the application reads them at once). */
  private rcvBytes = 0;

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
  ) {
    this.space = new RcvSpace(mss, establishedNs);
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
    // tcp_rcv_rtt_measure_ts (tcp_rcv_established), before the data is queued.
    this.space.rttMeasureTs(p.tsecr, p.payload, Math.floor(now / 1_000_000));
    // tcp_ecn_accept_cwr.
    if (p.tcpFlags & TH_CWR) this.ecnDemand = false;
    if (this.isReceived(seg)) {
      // A duplicate: D-SACK it and ACK at once in quick-ACK mode (tcp_data_queue, out_of_window).
      this.dsackS = seg;
      this.dsackE = seg + 1;
      this.quick = Math.max(this.quick, this.space.quickacks(TCP_MAX_QUICKACKS));
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
      // tcp_event_data_recv: rcv_mss and scaling_ratio, the first quick ACKs, the window's growth.
      this.space.measureRcvMss(p.payload);
      if (!this.started) {
        this.started = true;
        this.quick = Math.max(this.quick, this.space.quickacks(TCP_MAX_QUICKACKS));
      }
      // tcp_event_data_recv: the ECN check sees rcv_nxt past this packet.
      this.ecnCheck(p);
      if (this.space.growWindow(p.payload, rxTruesize(p.payload) * (1 + this.oooCount))) this.quick |= 1;
      const ackNowAsked = (this.ackPending & ICSK_ACK_NOW) !== 0;
      if (hadHole || !this.delayedAck || this.quick > 0 || this.rcvNxt - this.rcvWup > 1 || ackNowAsked) this.ackNow();
      else if (!this.delackArmed) {
        this.delackArmed = true;
        this.ackPending = this.ackPending | ICSK_ACK_TIMER;
        this.host.setDelackTimer(now + DELACK_NS);
      }
      // The application reads everything at once (tcp_recvmsg -> tcp_rcv_space_adjust).
      this.space.spaceAdjust(this.rcvBytes, Math.floor(now / 1000));
      return;
    }
    // Out of order: tcp_data_queue_ofo checks ECN first, keeps it, SACKs it, ACKs at once.
    this.ecnCheck(p);
    const off = seg - this.rcvNxt;
    if (off >= this.ooo.length) this.growOoo(off + 1);
    this.ooo[seg & this.oooMask] = 1;
    this.oooCount++;
    this.addToBlocks(seg);
    // tcp_data_queue_ofo: SACK flows grow the window for out-of-order data too, and the buffer covers the hole.
    if (this.space.growWindow(p.payload, rxTruesize(p.payload) * (1 + this.oooCount))) this.quick |= 1;
    this.space.rcvbufGrowOoo((this.maxOooEnd() - this.rcvNxt) * this.mss);
    this.ackNow();
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
    // Merge every block adjacent to or overlapping [s, e).
    for (let i = 0; i < bl.length; i += 2) {
      const bs = bl[i] as number;
      const be = bl[i + 1] as number;
      if (be >= s && bs <= e) {
        s = Math.min(s, bs);
        e = Math.max(e, be);
        bl.splice(i, 2);
        i -= 2;
      }
    }
    bl.unshift(s, e);
    if (bl.length > 8) bl.length = 8;
  }

  private pruneBlocks(): void {
    const bl = this.blocks;
    for (let i = 0; i < bl.length; i += 2) {
      if ((bl[i + 1] as number) <= this.rcvNxt) {
        bl.splice(i, 2);
        i -= 2;
      }
    }
  }

  /** The delayed-ACK timer fired. */
  onDelack(): void {
    if (!this.delackArmed) return;
    this.delackArmed = false;
    this.ackPending = this.ackPending & ~ICSK_ACK_TIMER;
    if (this.rcvNxt > this.rcvWup) this.ackNow();
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
    this.ackPending = 0;
    // tcp_event_ack_sent -> tcp_dec_quickack_mode: one quick ACK used per ACK of new or out-of-order data.
    if (this.quick > 0 && (this.rcvNxt > this.rcvWup || this.oooCount > 0 || this.dsackS >= 0)) this.quick--;
    this.rcvWup = this.rcvNxt;
    this.acksSent++;
    this.transmitAck(this.rcvNxt);
  }

  /** Fills and sends an ACK of segment `ackSeg` with the current ECE state, SACK and D-SACK blocks. */
  private transmitAck(ackSeg: number): void {
    const ece = this.ecnDemand;
    this.host.sendAck((p) => {
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
    });
  }
}
