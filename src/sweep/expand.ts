/**
 * @fileoverview The points of a sweep: the cartesian product of its axes,
 * where the axes of a `zip` group advance together (their i-th values form
 * one step), minus the combinations an `exclude` rule matches. A point is a
 * list of value indices, one per axis; points come in a fixed order (the
 * first axis varies slowest), which is the order of every table and report.
 */

/** One value of an axis: its label (as tables and `exclude` rules show it) and whatever the resolver needs. */
export interface AxisValue<T = unknown> {
  readonly label: string;
  readonly value: T;
}

/** An axis: a name and its values. */
export interface Axis<T = unknown> {
  readonly name: string;
  readonly values: readonly AxisValue<T>[];
}

/** An exclude rule: axis name → label; a point matching every entry is left out. */
export type ExcludeRule = Readonly<Record<string, string>>;

/** Product units: a lone axis, or a zip group (axis indices), in the order of each unit's first axis. */
function units(axes: readonly Axis[], zips: readonly (readonly string[])[]): number[][] {
  const groupOf = new Map<string, readonly string[]>();
  for (const z of zips) for (const n of z) groupOf.set(n, z);
  const out: number[][] = [];
  const done = new Set<number>();
  axes.forEach((a, i) => {
    if (done.has(i)) return;
    const g = groupOf.get(a.name);
    const members = g === undefined ? [i] : axes.map((x, j) => (g.includes(x.name) ? j : -1)).filter((j) => j >= 0);
    for (const j of members) done.add(j);
    out.push(members);
  });
  return out;
}

/** The number of combinations before exclusions (may exceed 2^53 only as a float; callers compare it with a limit). */
export function productSize(axes: readonly Axis[], zips: readonly (readonly string[])[]): number {
  return units(axes, zips).reduce((n, u) => n * (axes[u[0] as number] as Axis).values.length, 1);
}

/** Whether `point` (value indices) matches `rule`. */
export function excluded(axes: readonly Axis[], point: readonly number[], rule: ExcludeRule): boolean {
  return Object.entries(rule).every(([name, label]) => {
    const i = axes.findIndex((a) => a.name === name);
    return i >= 0 && (axes[i] as Axis).values[point[i] as number]?.label === label;
  });
}

/**
 * Every point, as value indices per axis, in order; zip groups must have equal
 * lengths (the validator checks it). Call only after checking productSize
 * against the point limit.
 */
export function expandPoints(axes: readonly Axis[], zips: readonly (readonly string[])[], excludes: readonly ExcludeRule[]): number[][] {
  const us = units(axes, zips);
  const sizes = us.map((u) => (axes[u[0] as number] as Axis).values.length);
  const out: number[][] = [];
  if (sizes.some((s) => s === 0)) return out;
  const at = sizes.map(() => 0);
  for (;;) {
    const point = axes.map(() => 0);
    us.forEach((u, k) => {
      for (const j of u) point[j] = at[k] as number;
    });
    if (!excludes.some((r) => excluded(axes, point, r))) out.push(point);
    let k = sizes.length - 1;
    while (k >= 0 && (at[k] as number) + 1 === sizes[k]) at[k--] = 0;
    if (k < 0) return out;
    at[k] = (at[k] as number) + 1;
  }
}
