/**
 * @fileoverview Downsampling of traces for the browser. A run of minutes at
 * 10 ms samples has tens of thousands of points per flow; the plots get at
 * most {@link MAX_BUCKETS} buckets over the run, and each bucket keeps the
 * minimum and the maximum of each series in the order they occurred (min/max
 * decimation), so a cwnd sawtooth keeps its peaks and troughs. Buckets with
 * no sample are null, so a flow that has not started or has ended draws no
 * line there. Values are rounded to 4 significant digits to keep the page
 * small; rounding and bucket edges are pure functions of the input, so the
 * bytes are deterministic.
 */

/** Most buckets over a run (each gives two x positions). */
export const MAX_BUCKETS = 1200;

/** A time axis in seconds shared by all series of a plot, with one y array per series. */
export interface AlignedSeries {
  readonly x: number[];
  readonly ys: (number | null)[][];
}

/** Rounds to 4 significant digits (and exact zero stays 0). */
export function round4(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v === 0 ? 0 : v;
  return Number(v.toPrecision(4));
}

/** The bucket width in ns for a run of `durationNs` sampled every `sampleNs`: a whole number of samples. */
export function bucketWidth(durationNs: number, sampleNs: number): number {
  return sampleNs * Math.max(1, Math.ceil(durationNs / MAX_BUCKETS / sampleNs));
}

/** The shared x axis: `n` buckets of `widthNs`, two points each (at a quarter and three quarters of the bucket), in seconds. */
function bucketAxis(durationNs: number, widthNs: number): { n: number; x: number[] } {
  const n = Math.max(1, Math.ceil(durationNs / widthNs));
  const x: number[] = [];
  for (let b = 0; b < n; b++) x.push(round6(((b + 0.25) * widthNs) / 1e9), round6(((b + 0.75) * widthNs) / 1e9));
  return { n, x };
}

/**
 * Min/max decimation of several series onto one axis.
 * @param series per series: sample times (ns, ascending) and values
 */
export function minMaxBuckets(series: readonly { t: readonly number[]; v: readonly number[] }[], durationNs: number, widthNs: number): AlignedSeries {
  const { n, x } = bucketAxis(durationNs, widthNs);
  const ys = series.map(({ t, v }) => {
    const y: (number | null)[] = new Array<number | null>(2 * n).fill(null);
    let i = 0;
    for (let b = 0; b < n && i < t.length; b++) {
      const end = (b + 1) * widthNs;
      let min = Infinity;
      let max = -Infinity;
      let minAt = -1;
      let maxAt = -1;
      for (; i < t.length && (t[i] as number) < end; i++) {
        const val = v[i] as number;
        if (val < min) [min, minAt] = [val, i];
        if (val > max) [max, maxAt] = [val, i];
      }
      if (minAt < 0) continue;
      const [first, second] = minAt <= maxAt ? [min, max] : [max, min];
      y[2 * b] = round4(first);
      y[2 * b + 1] = round4(second);
    }
    return y;
  });
  return { x, ys };
}

/**
 * Rate of a cumulative counter (e.g. bytes ACKed → bit/s), averaged over
 * `windowNs` ending at each bucket's end, on the same axis as {@link minMaxBuckets}.
 * @param scale multiplies the rate (8 for bytes → bits)
 */
export function rateBuckets(series: readonly { t: readonly number[]; v: readonly number[] }[], durationNs: number, widthNs: number, windowNs: number, scale: number): AlignedSeries {
  const { n, x } = bucketAxis(durationNs, widthNs);
  const ys = series.map(({ t, v }) => {
    const y: (number | null)[] = new Array<number | null>(2 * n).fill(null);
    if (t.length === 0) return y;
    // Value of the counter at time `at`: the last sample at or before it (0 before the first).
    let j = 0;
    let k = 0;
    const first = t[0] as number;
    const last = t[t.length - 1] as number;
    for (let b = 0; b < n; b++) {
      const end = Math.min((b + 1) * widthNs, durationNs);
      if (end < first || end - widthNs > last) continue;
      const start = Math.max(end - windowNs, first);
      while (j + 1 < t.length && (t[j + 1] as number) <= end) j++;
      while (k + 1 < t.length && (t[k + 1] as number) <= start) k++;
      const dt = (t[j] as number) - (t[k] as number);
      if (dt <= 0) continue;
      const rate = round4((((v[j] as number) - (v[k] as number)) * scale * 1e9) / dt);
      y[2 * b] = rate;
      y[2 * b + 1] = rate;
    }
    return y;
  });
  return { x, ys };
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
