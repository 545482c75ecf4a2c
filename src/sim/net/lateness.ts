/**
 * @fileoverview How late a timer fires: a distribution of lateness drawn per
 * firing from a seeded stream. The token-bucket shaper uses it for its
 * watchdog (Linux sch_tbf: when the bucket is short of a packet's length,
 * `tbf_dequeue` arms `qdisc_watchdog_schedule_ns` for the moment it will hold
 * it, an hrtimer, net/sched/sch_api.c `qdisc_watchdog`; the packet leaves
 * when that timer has fired and the qdisc has run). On a real host the timer
 * fires late by the host's timer latency (interrupt delivery, softirq, a
 * virtual CPU not running), and a bucket capped at `burst` cannot give back
 * the time lost beyond it.
 */
import type { LatenessSpec } from "../api.js";
import type { Rng } from "../rng.js";

/** Most bins a histogram may have. */
export const MAX_LATENESS_BINS = 1000;

/**
 * Whether a distribution only ever gives 0 (a histogram's edges are above 0,
 * so never): a lateness of 0 is the exact timer, the same run as none.
 */
export function latenessAlwaysZero(spec: LatenessSpec): boolean {
  switch (spec.kind) {
    case "constant":
      return spec.ns === 0;
    case "uniform":
      return spec.maxNs === 0;
    case "exponential":
      return spec.meanNs === 0;
    default:
      return false;
  }
}

/** Draws lateness (integer ns) from a {@link LatenessSpec}. */
export class LatenessSampler {
  private readonly kind: LatenessSpec["kind"];
  /** constant: the value; uniform: the upper bound; exponential: the mean. */
  private readonly ns: number;
  /** histogram: upper edges (ns) and cumulative weights. */
  private readonly edges: Float64Array;
  private readonly cum: Float64Array;
  private readonly zero: boolean;

  /** @throws {RangeError} naming `where` and the field for a malformed distribution */
  constructor(spec: LatenessSpec, where: string) {
    this.kind = spec.kind;
    this.zero = latenessAlwaysZero(spec);
    this.edges = new Float64Array(0);
    this.cum = new Float64Array(0);
    const nonNeg = (v: unknown, field: string): number => {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`${where}: '${field}' must be an integer ≥ 0 (ns): current value is ${String(v)}`);
      return v;
    };
    switch (spec.kind) {
      case "constant":
        this.ns = nonNeg(spec.ns, "ns");
        return;
      case "uniform":
        this.ns = nonNeg(spec.maxNs, "maxNs");
        return;
      case "exponential":
        this.ns = nonNeg(spec.meanNs, "meanNs");
        return;
      case "histogram": {
        this.ns = 0;
        const { edgesNs, weights } = spec;
        if (!Array.isArray(edgesNs) || !Array.isArray(weights) || edgesNs.length !== weights.length || edgesNs.length === 0 || edgesNs.length > MAX_LATENESS_BINS) {
          throw new RangeError(`${where}: a lateness histogram needs 1-${MAX_LATENESS_BINS} bins, as many 'edgesNs' as 'weights'`);
        }
        this.edges = new Float64Array(edgesNs.length);
        this.cum = new Float64Array(edgesNs.length);
        let prev = 0;
        let total = 0;
        edgesNs.forEach((e, i) => {
          if (nonNeg(e, `edgesNs[${i}]`) <= prev) throw new RangeError(`${where}: 'edgesNs[${i}]' must be above the previous edge (${prev} ns): current value is ${e}`);
          const w = weights[i];
          if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new RangeError(`${where}: 'weights[${i}]' must be a finite number ≥ 0: current value is ${String(w)}`);
          total += w;
          this.edges[i] = e;
          this.cum[i] = total;
          prev = e;
        });
        if (!(total > 0)) throw new RangeError(`${where}: a lateness histogram needs a weight > 0`);
        return;
      }
      default:
        throw new RangeError(`${where}: lateness 'kind' must be constant, uniform, exponential or histogram: current value is ${String((spec as { kind: unknown }).kind)}`);
    }
  }

  /** Whether every draw is 0 (nothing to draw). */
  get isZero(): boolean {
    return this.zero;
  }

  /** One lateness in ns; uses one draw of `rng` (none for a constant). */
  draw(rng: Rng): number {
    switch (this.kind) {
      case "constant":
        return this.ns;
      case "uniform":
        return Math.floor(rng.next() * this.ns);
      case "exponential":
        return Math.floor(-this.ns * Math.log(1 - rng.next()));
      default: {
        // The bin by its weight, then uniform inside it, from the same draw.
        const total = this.cum[this.cum.length - 1] as number;
        const x = rng.next() * total;
        let lo = 0;
        let hi = this.cum.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((this.cum[mid] as number) > x) hi = mid;
          else lo = mid + 1;
        }
        const below = lo === 0 ? 0 : (this.cum[lo - 1] as number);
        const from = lo === 0 ? 0 : (this.edges[lo - 1] as number);
        const to = this.edges[lo] as number;
        const w = (this.cum[lo] as number) - below;
        return Math.floor(from + ((x - below) / w) * (to - from));
      }
    }
  }
}
