/**
 * @fileoverview RTT sample statistics of a flow in constant memory: exact
 * min, max, mean and count, and percentiles from a log-scale histogram with
 * 1 % wide buckets (a percentile is reported as its bucket's upper bound,
 * so within 1 % above the exact value). The histogram holds only the span of
 * buckets the samples reached (grown on demand), so a flow costs a few
 * hundred bytes rather than the whole 2200-bucket range.
 */
const GROWTH = Math.log(1.01);
const BUCKETS = 2200;

/** Streaming RTT statistics in µs. */
export class RttStats {
  /** Counts of buckets [lo, lo + hist.length). */
  private hist = new Float64Array(0);
  private lo = 0;
  count = 0;
  min = Infinity;
  max = 0;
  private sum = 0;

  add(us: number): void {
    this.count++;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
    const b = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / GROWTH));
    let i = b - this.lo;
    if (i < 0 || i >= this.hist.length) i = this.cover(b);
    this.hist[i] = (this.hist[i] as number) + 1;
  }

  /** Widens the histogram to cover bucket `b` (with slack, so growth is rare); returns b's index. */
  private cover(b: number): number {
    const old = this.hist;
    const lo = old.length === 0 ? Math.max(0, b - 16) : Math.max(0, Math.min(this.lo, b - 16));
    const hi = old.length === 0 ? Math.min(BUCKETS, b + 48) : Math.min(BUCKETS, Math.max(this.lo + old.length, b + 48));
    const h = new Float64Array(hi - lo);
    if (old.length > 0) h.set(old, this.lo - lo);
    this.hist = h;
    this.lo = lo;
    return b - lo;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The q-quantile (0 < q ≤ 1), clamped to [min, max]; 0 without samples. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil(q * this.count);
    let acc = 0;
    for (let i = 0; i < this.hist.length; i++) {
      acc += this.hist[i] as number;
      if (acc >= target) return Math.min(this.max, Math.max(this.min, Math.round(Math.exp((this.lo + i) * GROWTH))));
    }
    return this.max;
  }
}
