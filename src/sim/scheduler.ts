/**
 * @fileoverview The discrete-event scheduler: a binary min-heap of events
 * ordered by (time, insertion sequence), so events at the same nanosecond
 * run in the order they were scheduled (FIFO ties, as ns-3's schedulers).
 *
 * Hot-path design: no object or closure per event. An event is a slot in
 * parallel arrays (time, seq, kind, a number, an object, a handler); the heap
 * orders slot indices, and freed slots are reused. Insert and remove-min are
 * O(log n); peeking is O(1). Time is an integer number of nanoseconds, kept
 * below 2^53.
 */

/** Something that receives events: `kind` and the two payloads are the handler's own. */
export interface EventHandler {
  onEvent(kind: number, num: number, obj: unknown): void;
}

/** The event queue of one simulation. */
export class Scheduler {
  private time = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private kinds = new Int32Array(1024);
  private nums = new Float64Array(1024);
  private objs: unknown[] = [];
  private handlers: (EventHandler | null)[] = [];
  private heap = new Int32Array(1024);
  private size = 0;
  private free: number[] = [];
  private nextSlot = 0;
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
      if (slot >= this.time.length) this.grow();
    }
    this.time[slot] = at;
    this.seqs[slot] = this.seq++;
    this.kinds[slot] = kind;
    this.nums[slot] = num;
    this.objs[slot] = obj;
    this.handlers[slot] = h;
    if (this.size >= this.heap.length) {
      const nh = new Int32Array(this.heap.length * 2);
      nh.set(this.heap);
      this.heap = nh;
    }
    this.siftUp(this.size++, slot);
  }

  /** Schedules after a delay ≥ 0 from now. */
  after(delay: number, h: EventHandler, kind: number, num = 0, obj: unknown = null): void {
    this.at(this.now + delay, h, kind, num, obj);
  }

  /** Time of the earliest pending event, or Infinity. */
  peekTime(): number {
    return this.size === 0 ? Infinity : (this.time[this.heap[0] as number] as number);
  }

  /**
   * Dispatches events in order until none is left or the next is later than
   * `until`; `now` ends at `until` if given and finite. Returns events run.
   */
  run(until = Infinity): number {
    let n = 0;
    while (this.size > 0) {
      const slot = this.heap[0] as number;
      const t = this.time[slot] as number;
      if (t > until) break;
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

  private less(a: number, b: number): boolean {
    const ta = this.time[a] as number;
    const tb = this.time[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private siftUp(i: number, slot: number): void {
    const heap = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = heap[p] as number;
      if (!this.less(slot, ps)) break;
      heap[i] = ps;
      i = p;
    }
    heap[i] = slot;
  }

  private popRoot(): void {
    const heap = this.heap;
    const last = heap[--this.size] as number;
    const n = this.size;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r] as number, heap[l] as number)) c = r;
      const cs = heap[c] as number;
      if (!this.less(cs, last)) break;
      heap[i] = cs;
      i = c;
    }
    heap[i] = last;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const t = new Float64Array(n);
    t.set(this.time);
    this.time = t;
    const s = new Float64Array(n);
    s.set(this.seqs);
    this.seqs = s;
    const k = new Int32Array(n);
    k.set(this.kinds);
    this.kinds = k;
    const m = new Float64Array(n);
    m.set(this.nums);
    this.nums = m;
  }
}
