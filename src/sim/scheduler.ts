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
    return this.size;
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
      if (slot >= this.kinds.length) this.growSlots();
    }
    this.kinds[slot] = kind;
    this.nums[slot] = num;
    this.objs[slot] = obj;
    this.handlers[slot] = h;
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
      this.popRoot();
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
    const ht = this.hTime;
    const hs = this.hSeq;
    const hl = this.hSlot;
    const t = ht[n] as number;
    const s = hs[n] as number;
    const slot = hl[n] as number;
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
