/**
 * @fileoverview mulberry32, the small deterministic PRNG tests and fuzzers use
 * where a seed must replay a case exactly (the simulator has its own seeded
 * generator, src/sim/rng.ts, whose stream its traces depend on).
 */

/** A generator of floats in [0, 1) from a 32-bit `seed`; the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
