/**
 * @fileoverview Link capacity from a mahimahi trace (Netravali et al.,
 * "Mahimahi", USENIX ATC 2015; mahimahi's LinkQueue): each line is the
 * millisecond at which one delivery opportunity of 1500 bytes occurs; the
 * trace repeats with the period of its last timestamp. Packets leave the
 * queue head using the bytes of successive opportunities (a packet may span
 * several); an opportunity with an empty queue is wasted.
 */
import type { CapacityTrace } from "../api.js";

/** Bytes per delivery opportunity (mahimahi's PACKET_SIZE). */
export const OPPORTUNITY_BYTES = 1500;
const MS = 1_000_000;

/** Error in a capacity trace, naming the line. */
export class TraceFormatError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "TraceFormatError";
  }
}

/**
 * Parses mahimahi trace text: one non-negative integer ms timestamp per
 * line, non-decreasing, the last > 0. Blank lines are ignored.
 * @throws TraceFormatError naming the line of the first bad entry
 */
export function parseMahimahiTrace(text: string, name?: string): CapacityTrace {
  const out: number[] = [];
  // Line by line without splitting the whole text: memory stays one number per timestamp.
  let start = 0;
  for (let i = 0; start <= text.length; i++) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    const s = text.slice(start, nl).trim();
    start = nl + 1;
    if (s === "") continue;
    if (!/^\d+$/.test(s)) throw new TraceFormatError(`mahimahi trace line ${i + 1}: '${s.length > 40 ? `${s.slice(0, 37)}...` : s}' is not a non-negative integer ms timestamp`, i + 1);
    const v = Number(s);
    const prev = out[out.length - 1];
    if (prev !== undefined && v < prev) throw new TraceFormatError(`mahimahi trace line ${i + 1}: ${v} is before the previous timestamp ${prev}`, i + 1);
    out.push(v);
  }
  if (out.length === 0) throw new TraceFormatError("mahimahi trace: no timestamps", 1);
  if ((out[out.length - 1] as number) <= 0) throw new TraceFormatError("mahimahi trace: the last timestamp (the period) must be > 0", out.length);
  return name === undefined ? { opportunitiesMs: out } : { opportunitiesMs: out, name };
}

/**
 * Validates a trace given as data.
 * @throws TypeError / RangeError naming the bad entry
 */
export function checkCapacityTrace(t: CapacityTrace, where: string): void {
  const a = t.opportunitiesMs;
  if (!Array.isArray(a) || a.length === 0) throw new TypeError(`${where}: 'opportunitiesMs' must be a non-empty array`);
  let prev = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (!Number.isInteger(v) || v < prev) throw new RangeError(`${where}: opportunitiesMs[${i}] must be an integer ≥ ${prev}: current value is ${v}`);
    prev = v;
  }
  if (prev <= 0) throw new RangeError(`${where}: the last timestamp (the period) must be > 0`);
}

/**
 * The departure schedule of a traced link direction: given when the queue
 * head may start using capacity and its size, when it has fully left.
 */
export class TraceServer {
  private readonly opps: Float64Array;
  private readonly periodNs: number;
  /** Index (unbounded, across periods) of the opportunity being consumed. */
  private idx = -1;
  private bytesLeft = 0;

  constructor(trace: CapacityTrace) {
    this.opps = Float64Array.from(trace.opportunitiesMs, (ms) => ms * MS);
    this.periodNs = (trace.opportunitiesMs[trace.opportunitiesMs.length - 1] as number) * MS;
  }

  private timeOf(i: number): number {
    const n = this.opps.length;
    const k = Math.floor(i / n);
    return k * this.periodNs + (this.opps[i - k * n] as number);
  }

  /** First opportunity index with time ≥ t. */
  private firstAtOrAfter(t: number): number {
    const n = this.opps.length;
    const k = Math.floor(t / this.periodNs);
    const rel = t - k * this.periodNs;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.opps[mid] as number) < rel) lo = mid + 1;
      else hi = mid;
    }
    return k * n + lo;
  }

  /**
   * A packet of `size` bytes reaches the head of the queue at `t` (after
   * the previous one left). Returns the time its last byte is delivered.
   */
  depart(t: number, size: number): number {
    // Leftover bytes of the current opportunity are usable only if it is not in the past.
    if (this.idx < 0 || this.bytesLeft === 0 || this.timeOf(this.idx) < t) {
      this.idx = this.firstAtOrAfter(t);
      this.bytesLeft = OPPORTUNITY_BYTES;
    }
    let need = size;
    for (;;) {
      const use = Math.min(need, this.bytesLeft);
      need -= use;
      this.bytesLeft -= use;
      if (need === 0) break;
      this.idx++;
      this.bytesLeft = OPPORTUNITY_BYTES;
    }
    const done = this.timeOf(this.idx);
    if (this.bytesLeft === 0) {
      this.idx++;
      this.bytesLeft = OPPORTUNITY_BYTES;
    }
    return done;
  }

  /** Average capacity in bits per second over one period. */
  get meanRateBps(): number {
    return (this.opps.length * OPPORTUNITY_BYTES * 8) / (this.periodNs / 1e9);
  }
}
