/**
 * @fileoverview The limits of `structops sweep`, with their reasons
 * (docs/sweep.md, "Limits").
 */

/** Most points a sweep file may expand to without `--max-points`: a few hours of 30 s points on a laptop. */
export const DEFAULT_MAX_POINTS = 1000;
/** Most points even with `--max-points`: the plan (every resolved scenario) is held in memory. */
export const HARD_MAX_POINTS = 1_000_000;
/** Most values on one axis (after `range` and `builtin` expansion). */
export const MAX_AXIS_VALUES = 10_000;
/** Most axes. */
export const MAX_AXES = 16;
