/**
 * @fileoverview The sender's fq qdisc for one socket (net/sched/sch_fq.c,
 * Linux 6.18) and TCP Small Queues (tcp_small_queue_check, tcp_wfree /
 * tcp_tsq_handler in net/ipv4/tcp_output.c), for `FlowSpec.qdisc: "fq"`.
 *
 * What changes against TCP's internal pacing (pacing.ts):
 * - fq_enqueue switches every socket it sees to SK_PACING_FQ (fq's
 *   `rate_enable`, the default), so tcp_update_skb_after_send stamps every
 *   socket's packets with an earliest departure time, whatever its CA:
 *   reno and cubic are paced too (at tcp_update_pacing_rate's 200 % / 120 %
 *   of cwnd / srtt), where internal pacing paces only SK_PACING_NEEDED.
 * - TCP no longer waits for the pacing timer: it hands each packet to the
 *   qdisc at once, stamped (skb->tstamp = tcp_wstamp_ns), and the qdisc
 *   holds it until that time (fq's time_to_send; a flow's packets leave in
 *   stamp order, which for one socket is the order they were sent). The
 *   packet's send time (skb_mstamp_ns: RTT, RACK, the rate sample) is its
 *   stamp, not the moment TCP queued it.
 * - What bounds how far ahead TCP runs is TSQ: while the socket's bytes in
 *   the qdisc (sk_wmem_alloc, counted in skb truesize) exceed
 *   max(2 truesize, sk_pacing_rate >> sk_pacing_shift), about 1 ms at the
 *   pacing rate, tcp_write_xmit stops (retransmissions get twice the
 *   limit), unless at most one segment is out; a packet's departure (its
 *   transmit completion, tcp_wfree) wakes the writer again (tcp_tsq_write).
 *
 * Not modelled: fq's quantum / credit round robin between flows and its
 * `flow_limit` (100 packets) and `horizon` (10 s) drops. A sender's fq has
 * one flow per socket and releases each packet at its stamp; the round
 * robin only matters when the device behind fq is backlogged, and the
 * testbed's senders sit on links far faster than their flows; TSQ keeps a
 * socket's queue near 1 ms, under 100 packets below 1.2 Gbit/s.
 */
import type { Packet } from "../net/packet.js";

/** sk->sk_pacing_shift's default (sk_pacing_shift_update aside): ~1 ms of data at the pacing rate. */
export const SK_PACING_SHIFT = 10;
/**
 * The truesize the model gives a one-segment skb on the sender: its payload
 * plus the sk_buff and skb_shared_info overhead and the header room of
 * tcp_stream_alloc_skb (an approximation; Linux's exact figure depends on
 * the allocation).
 */
export const SKB_TRUESIZE_OVERHEAD = 768;

/** One socket's queue in the sender's fq, with the TSQ state of that socket. */
export class FqSocketQueue {
  private pkts: Packet[] = [];
  private due: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  /** sk_wmem_alloc: truesize of the socket's packets in the qdisc. */
  wmemBytes = 0;
  /** TSQ_THROTTLED: tcp_small_queue_check stopped the writer; a departure wakes it. */
  throttled = false;

  get length(): number {
    return this.pkts.length - this.head;
  }

  /** The departure time of the head packet, or -1 when empty. */
  nextDue(): number {
    return this.length === 0 ? -1 : (this.due[this.head] as number);
  }

  /** fq_enqueue of a packet stamped `tstampNs` whose truesize is `truesize`. */
  enqueue(p: Packet, tstampNs: number, truesize: number): void {
    this.pkts.push(p);
    this.due.push(tstampNs);
    this.sizes.push(truesize);
    this.wmemBytes += truesize;
  }

  /** fq_dequeue of the head if it is due at `nowNs` (the caller sends it); null otherwise. */
  dequeueDue(nowNs: number): Packet | null {
    if (this.length === 0 || (this.due[this.head] as number) > nowNs) return null;
    const p = this.pkts[this.head] as Packet;
    this.wmemBytes -= this.sizes[this.head] as number;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.pkts.length) {
      this.pkts = this.pkts.slice(this.head);
      this.due = this.due.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /**
   * tcp_small_queue_check(): whether the writer must stop before a segment
   * of `truesize` (factor 0 for new data, 1 for a retransmission), at
 * sk_pacing_rate and sk_pacing_shift. Sets
   * `throttled` when it stops.
   */
  smallQueueCheck(pacingRate: number, pacingShift: number, truesize: number, packetsOut: number, factor: 0 | 1): boolean {
    const limit = Math.max(2 * truesize, Math.floor(pacingRate / 2 ** pacingShift)) * 2 ** factor;
    if (this.wmemBytes <= limit) return false;
    // tcp_rtx_queue_empty_or_single_skb: never hold the last segment back.
    if (packetsOut <= 1) return false;
    this.throttled = true;
    return true;
  }
}
