/**
 * @fileoverview Where a Linux sender sets PSH on a bulk flow's segments
 * (net/ipv4/tcp.c, tcp_sendmsg_locked): the application writes `write`-byte
 * chunks into a send buffer that takes them all before the peer's first ACK
 * (the testbed's writer, native/testbed/flow.c: 64 KB writes into an 8 MB
 * buffer), so the peer's largest window (max_window) is still the SYN-ACK's.
 * Skbs are one MSS (the testbed's links have gso_max_segs 1) and are filled
 * in stream order. After each filled skb, forced_push (write_seq more than
 * max_window / 2 past pushed_seq) marks it (tcp_mark_push, which moves
 * pushed_seq to write_seq); the end of each write marks its tail skb
 * (tcp_push), and the next write's first copy into that tail clears the mark
 * again (a tail that was full keeps it, and so does the very last one). With
 * 64 KB writes and a 65160-byte SYN-ACK window this gives PSH on segments
 * 22, 67, 113, 158, ... (0-based), one per write, 32580 bytes into it: what
 * a capture of the testbed's data segments showed (docs/fidelity.md, "The
 * loss regime").
 */

/** The PSH-marked segments of one flow, decided in stream order as segments are asked about. */
export class PshMarks {
  /** Marked segment indices, ascending. */
  private readonly marks: number[] = [];
  /** tp->pushed_seq (bytes from the first data byte). */
  private pushed = 0;
  /** The next skb to fill and the next write to end. */
  private skb = 0;
  private writes = 0;

  constructor(
    /** Bytes per write() of the application. */
    private readonly write: number,
    /** Payload bytes per segment. */
    private readonly mss: number,
    /** max_window >> 1: half the SYN-ACK's window. */
    private readonly half: number,
    /** Bytes the flow sends (Infinity: unlimited). */
    private readonly total: number,
  ) {}

  /** Whether segment `seg` (0-based) carries PSH. */
  has(seg: number): boolean {
    while (this.skb <= seg && this.skb * this.mss < this.total) this.step();
    const m = this.marks;
    let lo = 0;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((m[mid] as number) < seg) lo = mid + 1;
      else hi = mid;
    }
    return lo < m.length && m[lo] === seg;
  }

  /** Fills the next skb: the writes that end before it is full, then the forced_push check once it is. */
  private step(): void {
    const j = this.skb++;
    const full = Math.min((j + 1) * this.mss, this.total);
    for (let end = Math.min((this.writes + 1) * this.write, this.total); end < full; end = Math.min((this.writes + 1) * this.write, this.total)) {
      // tcp_push at a write's end inside this skb marks it, and the next write's first copy into it clears the mark.
      this.writes++;
      this.pushed = end;
    }
    if (full > this.pushed + this.half) {
      this.marks.push(j);
      this.pushed = full;
    }
    const end = Math.min((this.writes + 1) * this.write, this.total);
    if (end === full) {
      // A write ending with this skb: tcp_push marks it and nothing appends to it any more.
      this.writes++;
      this.pushed = end;
      if (this.marks[this.marks.length - 1] !== j) this.marks.push(j);
    }
  }
}
