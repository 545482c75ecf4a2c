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

/** Samples an {@link RttLog} holds before it adds them to their flows' statistics. */
const RTT_LOG_SIZE = 1 << 16;
/** Flows from which a simulation logs its RTT samples instead of adding each at once (fewer: every flow's statistics stay in the caches). */
export const RTT_LOG_MIN_FLOWS = 256;

/**
 * The RTT samples of a simulation's flows, logged as they come (flow and
 * µs, two stores into arrays the caches keep) and added to each flow's
 * {@link RttStats} in batches, grouped by flow (a stable counting sort), so
 * that with thousands of flows a flow's statistics and histogram are read
 * from memory once per batch instead of once per sample. Adding is
 * commutative (integer µs: exact sums), and the grouping keeps each flow's
 * order, so the statistics are those of adding every sample at once.
 * Anything reading a flow's statistics flushes the log first.
 */
export class RttLog {
  private readonly flowOf = new Int32Array(RTT_LOG_SIZE);
  private readonly usOf = new Float64Array(RTT_LOG_SIZE);
  private readonly order = new Int32Array(RTT_LOG_SIZE);
  private starts = new Int32Array(0);
  private n = 0;
  private readonly stats: RttStats[] = [];

  /** Whether samples go through the log (enough flows for the grouping to pay). */
  get on(): boolean {
    return this.stats.length >= RTT_LOG_MIN_FLOWS;
  }

  /** `st` holds the samples of flow `flow` (its index). */
  own(flow: number, st: RttStats): void {
    this.stats[flow] = st;
  }

  add(flow: number, us: number): void {
    const n = this.n;
    this.flowOf[n] = flow;
    this.usOf[n] = us;
    this.n = n + 1;
    if (n + 1 === RTT_LOG_SIZE) this.flush();
  }

  /** Adds every logged sample to its flow's statistics. */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const nf = this.stats.length;
    if (this.starts.length < nf + 1) this.starts = new Int32Array(nf + 1);
    const starts = this.starts;
    const flowOf = this.flowOf;
    const order = this.order;
    starts.fill(0, 0, nf + 1);
    for (let i = 0; i < n; i++) {
      const k = (flowOf[i] as number) + 1;
      starts[k] = (starts[k] as number) + 1;
    }
    for (let f = 0; f < nf; f++) starts[f + 1] = (starts[f + 1] as number) + (starts[f] as number);
    for (let i = 0; i < n; i++) {
      const f = flowOf[i] as number;
      const at = starts[f] as number;
      order[at] = i;
      starts[f] = at + 1;
    }
    const us = this.usOf;
    const stats = this.stats;
    for (let j = 0; j < n; j++) {
      const i = order[j] as number;
      (stats[flowOf[i] as number] as RttStats).add(us[i] as number);
    }
  }
}
