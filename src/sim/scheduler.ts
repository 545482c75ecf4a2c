/**
 * @fileoverview The discrete-event scheduler: a 4-ary min-heap of events
 * ordered by (time, insertion sequence), so events at the same nanosecond
 * run in the order they were scheduled (FIFO ties, as ns-3's schedulers).
 *
 * Hot-path design: no object or closure per event. An event's payload
 * (kind, a number, an object, a handler) is a slot: two adjacent numbers and
 * two adjacent references, and freed slots are reused; the heap itself keeps
 * each entry's keys (time, sequence) next to its slot index, so sifting
 * reads only the heap's own contiguous arrays, never the payload of the
 * events it passes. Four children per node halve the depth of a binary
 * heap, and the four keys a sift-down compares share a cache line. Insert
 * and remove-min are O(log n); peeking is O(1). Time is an integer number
 * of nanoseconds, kept below 2^53. The order is a total order on (time,
 * sequence), so the heap's shape never changes which event runs next.
 *
 * Lanes: most events of a simulation are packets leaving a FIFO link, and a
 * stream of them (one path's arrivals at one hop) is scheduled in time
 * order. Such a stream may go into a lane: a ring of entries (keys and
 * payload side by side, in the order they run) of which only the head is in
 * the heap, so the heap holds one entry per busy lane and per timer instead
 * of one per packet in flight (thousands on a long fat path), its sifts stay
 * short and in cache, and a lane's next entry is next to the one that just
 * ran in memory. When a lane's head runs, the next entry takes its place at
 * the root in one sift-down (no pop and push). An event later than its
 * lane's last is appended; an earlier one (never for a FIFO stream) goes to
 * the heap on its own. Every entry keeps the sequence number of its
 * insertion and a lane is ordered by (time, sequence) like the heap, so
 * lanes never change the order in which events run.
 */

/** Something that receives events: `kind` and the two payloads are the handler's own. */
export interface EventHandler {
  onEvent(kind: number, num: number, obj: unknown): void;
}

// A lane entry's numbers in its ring (LANE_STRIDE per entry); its handler and object are at 2 * index of the ring's references.
const LANE_STRIDE = 4;
const LANE_TIME = 0;
const LANE_SEQ = 1;
const LANE_NUM = 2;
const LANE_KIND = 3;
// What a lane starts with: no room, so its first entry grows it (neither is ever written).
const EMPTY_RING = new Float64Array(0);
const EMPTY_REFS: readonly unknown[] = [];

/** The event queue of one simulation. */
export class Scheduler {
  // Payload by slot: number and kind at 2 * slot of sNum, handler and object at 2 * slot of sRef.
  private sNum = new Float64Array(2 * 1024);
  private sRef: unknown[] = [];
  private free: number[] = [];
  private nextSlot = 0;
  // Lanes: each a ring of entries; a lane's head stands in the heap as the slot ~lane (negative).
  private laneNum: Float64Array[] = [];
  private laneRef: unknown[][] = [];
  private laneHead = new Int32Array(16);
  private laneCount = new Int32Array(16);
  private lanes = 0;
  /** Entries waiting in lanes behind their heads (not in the heap). */
  private queued = 0;
  // Heap entries by position: keys and the payload's slot (or ~lane).
  private hTime = new Float64Array(1024);
  private hSeq = new Float64Array(1024);
  private hSlot = new Int32Array(1024);
  private size = 0;
  private seq = 0;
  /** Current simulated time (ns): the time of the event being dispatched. */
  now = 0;
  /** Events dispatched so far. */
  dispatched = 0;

  /** Number of pending events. */
  get pending(): number {
    return this.size + this.queued;
  }

  /** `n` new lanes, numbered from the one returned, each for a stream of events scheduled in time order (see the file's header). */
  newLanes(n: number): number {
    const first = this.lanes;
    this.lanes += n;
    if (this.lanes > this.laneHead.length) {
      const len = Math.max(this.lanes, this.laneHead.length * 2);
      const h = new Int32Array(len);
      h.set(this.laneHead);
      this.laneHead = h;
      const c = new Int32Array(len);
      c.set(this.laneCount);
      this.laneCount = c;
    }
    for (let i = first; i < this.lanes; i++) {
      this.laneNum.push(EMPTY_RING);
      this.laneRef.push(EMPTY_REFS as unknown[]);
    }
    return first;
  }

  /**
   * Schedules `h.onEvent(kind, num, obj)` at absolute time `at` (≥ now).
   * @throws RangeError when `at` is before now or not a safe integer
   */
  at(at: number, h: EventHandler, kind: number, num = 0, obj: unknown = null): void {
    if (!(at >= this.now) || !Number.isSafeInteger(at)) {
      throw new RangeError(`Cannot schedule an event as 'at' must be an integer ≥ now (${this.now}): current value is ${at}`);
    }
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop() as number;
    else {
      slot = this.nextSlot++;
      if (2 * slot >= this.sNum.length) this.growSlots();
    }
    this.sNum[2 * slot] = num;
    this.sNum[2 * slot + 1] = kind;
    this.sRef[2 * slot] = h;
    this.sRef[2 * slot + 1] = obj;
    this.push(at, this.seq++, slot);
  }

  /**
   * Schedules like {@link at} in lane `lane` (from {@link newLanes}): behind
   * the lane's last entry when not earlier than it, else on its own.
   * @throws RangeError when `at` is before now or not a safe integer
   */
  atLane(lane: number, at: number, h: EventHandler, kind: number, num = 0, obj: unknown = null): void {
    if (!(at >= this.now) || !Number.isSafeInteger(at)) {
      throw new RangeError(`Cannot schedule an event as 'at' must be an integer ≥ now (${this.now}): current value is ${at}`);
    }
    const count = this.laneCount[lane] as number;
    let ring = this.laneNum[lane] as Float64Array;
    let mask = ring.length / LANE_STRIDE - 1;
    const head = this.laneHead[lane] as number;
    if (count > 0 && at < (ring[LANE_STRIDE * ((head + count - 1) & mask) + LANE_TIME] as number)) {
      this.at(at, h, kind, num, obj);
      return;
    }
    if (count > mask) {
      ring = this.growLane(lane);
      mask = ring.length / LANE_STRIDE - 1;
    }
    const i = ((this.laneHead[lane] as number) + count) & mask;
    const seq = this.seq++;
    ring[LANE_STRIDE * i + LANE_TIME] = at;
    ring[LANE_STRIDE * i + LANE_SEQ] = seq;
    ring[LANE_STRIDE * i + LANE_NUM] = num;
    ring[LANE_STRIDE * i + LANE_KIND] = kind;
    const refs = this.laneRef[lane] as unknown[];
    refs[2 * i] = h;
    refs[2 * i + 1] = obj;
    this.laneCount[lane] = count + 1;
    if (count === 0) this.push(at, seq, ~lane);
    else this.queued++;
  }

  private push(at: number, seq: number, slot: number): void {
    if (this.size >= this.hTime.length) this.growHeap();
    this.siftUp(this.size++, at, seq, slot);
  }

  /** Schedules after a delay ≥ 0 from now. */
  after(delay: number, h: EventHandler, kind: number, num = 0, obj: unknown = null): void {
    this.at(this.now + delay, h, kind, num, obj);
  }

  /** Time of the earliest pending event, or Infinity. */
  peekTime(): number {
    return this.size === 0 ? Infinity : (this.hTime[0] as number);
  }

  /**
   * Dispatches events in order until none is left or the next is later than
   * `until`; `now` ends at `until` if given and finite. Returns events run.
   */
  run(until = Infinity): number {
    let n = 0;
    while (this.size > 0) {
      const t = this.hTime[0] as number;
      if (t > until) break;
      const slot = this.hSlot[0] as number;
      let h: EventHandler;
      let kind: number;
      let num: number;
      let obj: unknown;
      if (slot >= 0) {
        this.popRoot();
        const sr = this.sRef;
        h = sr[2 * slot] as EventHandler;
        obj = sr[2 * slot + 1];
        num = this.sNum[2 * slot] as number;
        kind = this.sNum[2 * slot + 1] as number;
        sr[2 * slot] = null;
        sr[2 * slot + 1] = null;
        this.free.push(slot);
      } else {
        const lane = ~slot;
        const ring = this.laneNum[lane] as Float64Array;
        const refs = this.laneRef[lane] as unknown[];
        const i = this.laneHead[lane] as number;
        h = refs[2 * i] as EventHandler;
        obj = refs[2 * i + 1];
        num = ring[LANE_STRIDE * i + LANE_NUM] as number;
        kind = ring[LANE_STRIDE * i + LANE_KIND] as number;
        refs[2 * i] = null;
        refs[2 * i + 1] = null;
        const next = (i + 1) & (ring.length / LANE_STRIDE - 1);
        this.laneHead[lane] = next;
        const count = (this.laneCount[lane] as number) - 1;
        this.laneCount[lane] = count;
        if (count === 0) this.popRoot();
        else {
          this.queued--;
          this.sinkRoot(ring[LANE_STRIDE * next + LANE_TIME] as number, ring[LANE_STRIDE * next + LANE_SEQ] as number, slot);
        }
      }
      this.now = t;
      n++;
      h.onEvent(kind, num, obj);
    }
    if (until !== Infinity && until > this.now) this.now = until;
    this.dispatched += n;
    return n;
  }
  private siftUp(i: number, t: number, s: number, slot: number): void {
    const ht = this.hTime;
    const hs = this.hSeq;
    const hl = this.hSlot;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = ht[p] as number;
      if (pt < t || (pt === t && (hs[p] as number) < s)) break;
      ht[i] = pt;
      hs[i] = hs[p] as number;
      hl[i] = hl[p] as number;
      i = p;
    }
    ht[i] = t;
    hs[i] = s;
    hl[i] = slot;
  }

  /** Removes the root: the last entry sinks from the top to its place. */
  private popRoot(): void {
    const n = --this.size;
    if (n === 0) return;
    this.sinkRoot(this.hTime[n] as number, this.hSeq[n] as number, this.hSlot[n] as number);
  }

  /** Replaces the root with the entry (t, s, slot), which sinks to its place. */
  private sinkRoot(t: number, s: number, slot: number): void {
    const n = this.size;
    const ht = this.hTime;
    const hs = this.hSeq;
    const hl = this.hSlot;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The least of up to four children.
      let c = first;
      let ct = ht[first] as number;
      const last = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < last; k++) {
        const kt = ht[k] as number;
        if (kt < ct || (kt === ct && (hs[k] as number) < (hs[c] as number))) {
          c = k;
          ct = kt;
        }
      }
      if (t < ct || (t === ct && s < (hs[c] as number))) break;
      ht[i] = ct;
      hs[i] = hs[c] as number;
      hl[i] = hl[c] as number;
      i = c;
    }
    ht[i] = t;
    hs[i] = s;
    hl[i] = slot;
  }

  private growSlots(): void {
    const n = new Float64Array(2 * this.sNum.length);
    n.set(this.sNum);
    this.sNum = n;
  }

  /** Doubles a lane's ring (at least 8 entries), its entries moved to the start in order. */
  private growLane(lane: number): Float64Array {
    const ring = this.laneNum[lane] as Float64Array;
    const refs = this.laneRef[lane] as unknown[];
    const cap = ring.length / LANE_STRIDE;
    const count = this.laneCount[lane] as number;
    const head = this.laneHead[lane] as number;
    const grownCap = Math.max(8, 2 * cap);
    const grown = new Float64Array(LANE_STRIDE * grownCap);
    const moved = new Array<unknown>(2 * grownCap).fill(null);
    for (let k = 0; k < count; k++) {
      const i = (head + k) & (cap - 1);
      grown.set(ring.subarray(LANE_STRIDE * i, LANE_STRIDE * i + LANE_STRIDE), LANE_STRIDE * k);
      moved[2 * k] = refs[2 * i];
      moved[2 * k + 1] = refs[2 * i + 1];
    }
    this.laneNum[lane] = grown;
    this.laneRef[lane] = moved;
    this.laneHead[lane] = 0;
    return grown;
  }

  private growHeap(): void {
    const n = this.hTime.length * 2;
    const t = new Float64Array(n);
    t.set(this.hTime);
    this.hTime = t;
    const s = new Float64Array(n);
    s.set(this.hSeq);
    this.hSeq = s;
    const l = new Int32Array(n);
    l.set(this.hSlot);
    this.hSlot = l;
  }
}
