/**
 * @fileoverview The discrete-event scheduler: a 4-ary min-heap of events
 * ordered by (time, insertion sequence), so events at the same nanosecond
 * run in the order they were scheduled (FIFO ties, as ns-3's schedulers).
 *
 * Hot-path design: no object or closure per event. An event's payload
 * (kind, a number, an object, a handler) is a slot in parallel arrays, and
 * freed slots are reused; the heap itself keeps each entry's keys (time,
 * sequence) next to its slot index, so sifting reads only the heap's own
 * contiguous arrays, never the payload of the events it passes. Four
 * children per node halve the depth of a binary heap, and the four keys a
 * sift-down compares share a cache line. Insert and remove-min are
 * O(log n); peeking is O(1). Time is an integer number of nanoseconds, kept
 * below 2^53. The order is a total order on (time, sequence), so the heap's
 * shape never changes which event runs next.
 *
 * Lanes: most events of a simulation are packets leaving a FIFO link, and a
 * stream of them (one path's arrivals at one hop) is scheduled in time
 * order. Such a stream may go into a lane: a FIFO list of slots of which only
 * the head is in the heap, so the heap holds one entry per busy lane and per
 * timer instead of one per packet in flight (thousands on a long fat path),
 * and its sifts stay short and in cache. When a lane's head runs, the next
 * entry takes its place at the root in one sift-down (no pop and push). An
 * event later than its lane's tail is appended; an earlier one (never for a
 * FIFO stream) goes to the heap on its own. Every entry keeps the sequence
 * number of its insertion, and a lane is ordered by (time, sequence) like the
 * heap, so lanes never change the order in which events run.
 */

/** Something that receives events: `kind` and the two payloads are the handler's own. */
export interface EventHandler {
  onEvent(kind: number, num: number, obj: unknown): void;
}

/** The event queue of one simulation. */
export class Scheduler {
  // Payload by slot.
  private kinds = new Int32Array(1024);
  private nums = new Float64Array(1024);
  private objs: unknown[] = [];
  private handlers: (EventHandler | null)[] = [];
  private free: number[] = [];
  private nextSlot = 0;
  // Lane bookkeeping by slot: the lane (-1: none), the next entry in it (-1: none), its keys.
  private sLane = new Int32Array(1024);
  private sNext = new Int32Array(1024);
  private sTime = new Float64Array(1024);
  private sSeq = new Float64Array(1024);
  /** Last entry of each lane (-1: empty). */
  private laneTail = new Int32Array(16).fill(-1);
  private lanes = 0;
  /** Entries waiting in lanes behind their heads (not in the heap). */
  private queued = 0;
  // Heap entries by position: keys and the payload's slot.
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
    if (this.lanes > this.laneTail.length) {
      const t = new Int32Array(Math.max(this.lanes, this.laneTail.length * 2)).fill(-1);
      t.set(this.laneTail);
      this.laneTail = t;
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
    const slot = this.slotFor(h, kind, num, obj);
    this.sLane[slot] = -1;
    this.push(at, slot);
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
    const slot = this.slotFor(h, kind, num, obj);
    const tail = this.laneTail[lane] as number;
    if (tail >= 0 && at < (this.sTime[tail] as number)) {
      this.sLane[slot] = -1;
      this.push(at, slot);
      return;
    }
    this.sLane[slot] = lane;
    this.sNext[slot] = -1;
    this.sTime[slot] = at;
    this.laneTail[lane] = slot;
    if (tail < 0) {
      this.push(at, slot);
      return;
    }
    this.sSeq[slot] = this.seq++;
    this.sNext[tail] = slot;
    this.queued++;
  }

  private slotFor(h: EventHandler, kind: number, num: number, obj: unknown): number {
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop() as number;
    else {
      slot = this.nextSlot++;
      if (slot >= this.kinds.length) this.growSlots();
    }
    this.kinds[slot] = kind;
    this.nums[slot] = num;
    this.objs[slot] = obj;
    this.handlers[slot] = h;
    return slot;
  }

  private push(at: number, slot: number): void {
    if (this.size >= this.hTime.length) this.growHeap();
    this.siftUp(this.size++, at, this.seq++, slot);
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
      const lane = this.sLane[slot] as number;
      if (lane < 0) this.popRoot();
      else {
        const next = this.sNext[slot] as number;
        if (next < 0) {
          this.laneTail[lane] = -1;
          this.popRoot();
        } else {
          this.queued--;
          this.sinkRoot(this.sTime[next] as number, this.sSeq[next] as number, next);
        }
      }
      this.now = t;
      const h = this.handlers[slot] as EventHandler;
      const kind = this.kinds[slot] as number;
      const num = this.nums[slot] as number;
      const obj = this.objs[slot];
      this.objs[slot] = null;
      this.handlers[slot] = null;
      this.free.push(slot);
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
    const n = this.kinds.length * 2;
    const k = new Int32Array(n);
    k.set(this.kinds);
    this.kinds = k;
    const m = new Float64Array(n);
    m.set(this.nums);
    this.nums = m;
    const l = new Int32Array(n);
    l.set(this.sLane);
    this.sLane = l;
    const x = new Int32Array(n);
    x.set(this.sNext);
    this.sNext = x;
    const st = new Float64Array(n);
    st.set(this.sTime);
    this.sTime = st;
    const ss = new Float64Array(n);
    ss.set(this.sSeq);
    this.sSeq = ss;
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
