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
 * lanes never change the order in which events run. An entry that finds its
 * lane empty goes to the heap in a slot, as the lane's head, and the ring
 * only takes the entries behind it: with thousands of flows most lanes hold
 * one entry or none, and their rings are then never touched (a ring is one
 * more cold object per event); on a busy lane the ring holds all but the
 * first entry of each busy period. Every lane's ring is a run of entries in
 * one pool shared by all lanes (its place and capacity among the lane's own
 * numbers), so reaching a lane's entry follows no object of the lane's own.
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
// A lane's own numbers (LM_STRIDE per lane, one cache line): its entries (the head included), the ring's
// first entry and its number of entries, and the time of the lane's last entry.
// first entry and its number of entries, the time of the lane's last entry, and where its ring lies in the
// pool (its first entry) and its capacity (a power of two; 0: no ring yet).
const LM_STRIDE = 8;
const LM_COUNT = 0;
const LM_HEAD = 1;
const LM_RING = 2;
const LM_LAST = 3;
const LM_BASE = 4;
const LM_CAP = 5;
/** A lane's first ring, in entries (then doubled as it fills). */
const LANE_RING_MIN = 4;
// A slot's numbers (SLOT_STRIDE per slot): its number, kind, and the lane whose head it is (-1: none).
const SLOT_STRIDE = 4;
const SLOT_NUM = 0;
const SLOT_KIND = 1;
const SLOT_LANE = 2;

/** The event queue of one simulation. */
export class Scheduler {
  // Payload by slot: numbers at SLOT_STRIDE * slot of sNum, handler and object at 2 * slot of sRef.
  private sNum = new Float64Array(SLOT_STRIDE * 1024);
  private sRef: unknown[] = [];
  private free: number[] = [];
  private nextSlot = 0;
  // Lanes: each a ring of entries behind its head. A lane's head stands in the heap either as a slot (an
  // entry that came to an empty lane: the ring is not touched) or as ~lane (negative: the ring's first entry).
  // Every lane's ring is a run of entries in one pool: numbers at LANE_STRIDE * entry of poolNum, handler and
  // object at 2 * entry of poolRef. A lane's entry is then one line of each, next to the lane's own numbers'
  // line, rather than two objects of its own and their elements (four more pointers to follow, each a likely
  // miss with thousands of lanes). Rings outgrown are kept for reuse by capacity (poolFree[log2(capacity)]).
  private poolNum = new Float64Array(LANE_STRIDE * 1024);
  private poolRef: unknown[] = [];
  private poolUsed = 0;
  private readonly poolFree: number[][] = [];
  private laneMeta = new Float64Array(LM_STRIDE * 16);
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
    if (LM_STRIDE * this.lanes > this.laneMeta.length) {
      const m = new Float64Array(LM_STRIDE * Math.max(this.lanes, (2 * this.laneMeta.length) / LM_STRIDE));
      m.set(this.laneMeta);
      this.laneMeta = m;
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
    this.push(at, this.seq++, this.slotOf(h, kind, num, obj, -1));
  }

  /** A free slot holding the event's payload, as the head of `lane` (or -1). */
  private slotOf(h: EventHandler, kind: number, num: number, obj: unknown, lane: number): number {
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop() as number;
    else {
      slot = this.nextSlot++;
      if (SLOT_STRIDE * slot >= this.sNum.length) this.growSlots();
    }
    const b = SLOT_STRIDE * slot;
    this.sNum[b + SLOT_NUM] = num;
    this.sNum[b + SLOT_KIND] = kind;
    this.sNum[b + SLOT_LANE] = lane;
    this.sRef[2 * slot] = h;
    this.sRef[2 * slot + 1] = obj;
    return slot;
  }

  /**
   * Schedules like {@link at} in lane `lane` (from {@link newLanes}): behind
   * the lane's last entry when not earlier than it, else on its own. An
   * entry that finds its lane empty goes to the heap as its head without
   * touching the lane's ring, so a lane that rarely holds two entries (with
   * thousands of flows, most of them) costs no more than the heap alone.
   * @throws RangeError when `at` is before now or not a safe integer
   */
  atLane(lane: number, at: number, h: EventHandler, kind: number, num = 0, obj: unknown = null): void {
    if (!(at >= this.now) || !Number.isSafeInteger(at)) {
      throw new RangeError(`Cannot schedule an event as 'at' must be an integer ≥ now (${this.now}): current value is ${at}`);
    }
    const meta = this.laneMeta;
    const m = LM_STRIDE * lane;
    const count = meta[m + LM_COUNT] as number;
    if (count === 0) {
      meta[m + LM_COUNT] = 1;
      meta[m + LM_LAST] = at;
      this.push(at, this.seq++, this.slotOf(h, kind, num, obj, lane));
      return;
    }
    if (at < (meta[m + LM_LAST] as number)) {
      this.at(at, h, kind, num, obj);
      return;
    }
    const inRing = meta[m + LM_RING] as number;
    if (inRing >= (meta[m + LM_CAP] as number)) this.growLane(lane);
    const e = (meta[m + LM_BASE] as number) + (((meta[m + LM_HEAD] as number) + inRing) & ((meta[m + LM_CAP] as number) - 1));
    const seq = this.seq++;
    const ring = this.poolNum;
    ring[LANE_STRIDE * e + LANE_TIME] = at;
    ring[LANE_STRIDE * e + LANE_SEQ] = seq;
    ring[LANE_STRIDE * e + LANE_NUM] = num;
    ring[LANE_STRIDE * e + LANE_KIND] = kind;
    const refs = this.poolRef;
    refs[2 * e] = h;
    refs[2 * e + 1] = obj;
    meta[m + LM_RING] = inRing + 1;
    meta[m + LM_COUNT] = count + 1;
    meta[m + LM_LAST] = at;
    this.queued++;
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
      let lane: number;
      if (slot >= 0) {
        const sr = this.sRef;
        const b = SLOT_STRIDE * slot;
        h = sr[2 * slot] as EventHandler;
        obj = sr[2 * slot + 1];
        num = this.sNum[b + SLOT_NUM] as number;
        kind = this.sNum[b + SLOT_KIND] as number;
        lane = this.sNum[b + SLOT_LANE] as number;
        sr[2 * slot] = null;
        sr[2 * slot + 1] = null;
        this.free.push(slot);
      } else {
        lane = ~slot;
        const m = LM_STRIDE * lane;
        const meta = this.laneMeta;
        const ring = this.poolNum;
        const refs = this.poolRef;
        const i = meta[m + LM_HEAD] as number;
        const e = (meta[m + LM_BASE] as number) + i;
        h = refs[2 * e] as EventHandler;
        obj = refs[2 * e + 1];
        num = ring[LANE_STRIDE * e + LANE_NUM] as number;
        kind = ring[LANE_STRIDE * e + LANE_KIND] as number;
        refs[2 * e] = null;
        refs[2 * e + 1] = null;
        meta[m + LM_HEAD] = (i + 1) & ((meta[m + LM_CAP] as number) - 1);
        meta[m + LM_RING] = (meta[m + LM_RING] as number) - 1;
      }
      if (lane < 0) this.popRoot();
      else this.laneAdvance(lane);
      this.now = t;
      n++;
      h.onEvent(kind, num, obj);
    }
    if (until !== Infinity && until > this.now) this.now = until;
    this.dispatched += n;
    return n;
  }

  /** The head of `lane` (at the root) has run: the ring's first entry takes the root, or the root goes. */
  private laneAdvance(lane: number): void {
    const meta = this.laneMeta;
    const m = LM_STRIDE * lane;
    const count = (meta[m + LM_COUNT] as number) - 1;
    meta[m + LM_COUNT] = count;
    if (count === 0) {
      this.popRoot();
      return;
    }
    this.queued--;
    const ring = this.poolNum;
    const i = LANE_STRIDE * ((meta[m + LM_BASE] as number) + (meta[m + LM_HEAD] as number));
    this.sinkRoot(ring[i + LANE_TIME] as number, ring[i + LANE_SEQ] as number, ~lane);
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

  /** Doubles a lane's ring (at least LANE_RING_MIN entries) in the pool, its entries moved to the new ring's start in order. */
  private growLane(lane: number): void {
    const meta = this.laneMeta;
    const m = LM_STRIDE * lane;
    const cap = meta[m + LM_CAP] as number;
    const count = meta[m + LM_RING] as number;
    const head = meta[m + LM_HEAD] as number;
    const base = meta[m + LM_BASE] as number;
    const grownCap = Math.max(LANE_RING_MIN, 2 * cap);
    const to = this.poolTake(grownCap);
    const ring = this.poolNum;
    const refs = this.poolRef;
    for (let k = 0; k < count; k++) {
      const from = base + ((head + k) & (cap - 1));
      for (let f = 0; f < LANE_STRIDE; f++) ring[LANE_STRIDE * (to + k) + f] = ring[LANE_STRIDE * from + f] as number;
      refs[2 * (to + k)] = refs[2 * from];
      refs[2 * (to + k) + 1] = refs[2 * from + 1];
      refs[2 * from] = null;
      refs[2 * from + 1] = null;
    }
    if (cap > 0) this.poolGive(base, cap);
    meta[m + LM_BASE] = to;
    meta[m + LM_CAP] = grownCap;
    meta[m + LM_HEAD] = 0;
  }

  /** The first entry of a free run of `cap` entries of the pool (a power of two), reused or new at the pool's end. */
  private poolTake(cap: number): number {
    const free = this.poolFree[Math.log2(cap)];
    if (free !== undefined && free.length > 0) return free.pop() as number;
    const at = this.poolUsed;
    this.poolUsed += cap;
    if (LANE_STRIDE * this.poolUsed > this.poolNum.length) {
      const n = new Float64Array(Math.max(LANE_STRIDE * this.poolUsed, 2 * this.poolNum.length));
      n.set(this.poolNum);
      this.poolNum = n;
    }
    while (this.poolRef.length < 2 * this.poolUsed) this.poolRef.push(null);
    return at;
  }

  /** A ring outgrown: its run of entries is free for another lane's ring of the same capacity. */
  private poolGive(at: number, cap: number): void {
    const k = Math.log2(cap);
    (this.poolFree[k] ??= []).push(at);
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
