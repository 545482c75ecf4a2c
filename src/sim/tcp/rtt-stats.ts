/**
 * @fileoverview RTT sample statistics of a flow in constant memory: exact
 * min, max, mean and count, and percentiles from a log-scale histogram with
 * 1 % wide buckets (a percentile is reported as its bucket's upper bound,
 * so within 1 % above the exact value).
 */
const GROWTH = Math.log(1.01);
const BUCKETS = 2200;

/** Streaming RTT statistics in µs. */
export class RttStats {
  private readonly hist = new Float64Array(BUCKETS);
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
    this.hist[b] = (this.hist[b] as number) + 1;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The q-quantile (0 < q ≤ 1), clamped to [min, max]; 0 without samples. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil(q * this.count);
    let acc = 0;
    for (let b = 0; b < BUCKETS; b++) {
      acc += this.hist[b] as number;
      if (acc >= target) return Math.min(this.max, Math.max(this.min, Math.round(Math.exp(b * GROWTH))));
    }
    return this.max;
  }
}
