/**
 * @fileoverview Kathleen Nichols' windowed min/max filter as Linux keeps it
 * (lib/win_minmax.c, include/linux/win_minmax.h): the best, second-best and
 * third-best samples of a time window, each a `struct minmax_sample { u32 t;
 * u32 v; }`, so that the estimate is refreshed in constant time and space.
 *
 * The filter lives in kernel memory (`struct minmax`, 24 bytes: s[0..2]) at
 * a byte offset of a DataView — inside `struct bbr` in icsk_ca_priv, or
 * `tcp_sock.rtt_min` — so BPF code and this code read the same bytes.
 * Times and values are u32; the window test `t - s.t > win` wraps as C does.
 */

/** sizeof(struct minmax). */
export const MINMAX_SIZE = 24;

/** A `struct minmax` at `off` in `dv` (little-endian). */
export class Minmax {
  constructor(
    readonly dv: DataView,
    readonly off: number,
  ) {}

  /** s[i].t */
  t(i: number): number {
    return this.dv.getUint32(this.off + 8 * i, true);
  }

  /** s[i].v */
  v(i: number): number {
    return this.dv.getUint32(this.off + 8 * i + 4, true);
  }

  /** s[i] = { t, v } */
  set(i: number, t: number, v: number): void {
    this.dv.setUint32(this.off + 8 * i, t >>> 0, true);
    this.dv.setUint32(this.off + 8 * i + 4, v >>> 0, true);
  }

  /** s[dst] = s[src] */
  copy(dst: number, src: number): void {
    this.set(dst, this.t(src), this.v(src));
  }
}

/** minmax_get(): the current best value, s[0].v. */
export function minmax_get(m: Minmax): number {
  return m.v(0);
}

/** minmax_reset(): all three samples become { t, meas }; returns meas. */
export function minmax_reset(m: Minmax, t: number, meas: number): number {
  m.set(0, t, meas);
  m.set(1, t, meas);
  m.set(2, t, meas);
  return m.v(0);
}

/**
 * minmax_subwin_update(): ages the samples. When the best is older than the
 * window, the second and third move up (twice if still too old); otherwise a
 * second-best still equal in time to the best is refreshed after a quarter
 * window, and a third-best equal to the second after half a window.
 */
function minmax_subwin_update(m: Minmax, win: number, t: number, meas: number): number {
  const dt = (t - m.t(0)) >>> 0;
  if (dt > win) {
    m.copy(0, 1);
    m.copy(1, 2);
    m.set(2, t, meas);
    if (((t - m.t(0)) >>> 0) > win) {
      m.copy(0, 1);
      m.copy(1, 2);
      m.set(2, t, meas);
    }
  } else if (m.t(1) === m.t(0) && dt > Math.floor(win / 4)) {
    m.set(2, t, meas);
    m.set(1, t, meas);
  } else if (m.t(2) === m.t(1) && dt > Math.floor(win / 2)) {
    m.set(2, t, meas);
  }
  return m.v(0);
}

/** minmax_running_max(): folds sample `meas` taken at `t` into a max filter of window `win`; returns the max. */
export function minmax_running_max(m: Minmax, win: number, t: number, meas: number): number {
  t >>>= 0;
  meas >>>= 0;
  if (meas >= m.v(0) || ((t - m.t(2)) >>> 0) > win) return minmax_reset(m, t, meas);
  if (meas >= m.v(1)) {
    m.set(2, t, meas);
    m.set(1, t, meas);
  } else if (meas >= m.v(2)) {
    m.set(2, t, meas);
  }
  return minmax_subwin_update(m, win, t, meas);
}

/** minmax_running_min(): as {@link minmax_running_max} for a minimum. */
export function minmax_running_min(m: Minmax, win: number, t: number, meas: number): number {
  t >>>= 0;
  meas >>>= 0;
  if (meas <= m.v(0) || ((t - m.t(2)) >>> 0) > win) return minmax_reset(m, t, meas);
  if (meas <= m.v(1)) {
    m.set(2, t, meas);
    m.set(1, t, meas);
  } else if (meas <= m.v(2)) {
    m.set(2, t, meas);
  }
  return minmax_subwin_update(m, win, t, meas);
}
