/**
 * @fileoverview The fixed-point cube root CUBIC uses to compute K
 * (net/ipv4/tcp_cubic.c `cubic_root()`): a 64-entry table gives the top bits
 * of the root from the top 6 bits of the operand, then one Newton-Raphson
 * step refines it, with /3 done as `* 341 >> 10`.
 *
 * The table follows the definition Linux states for it, v[x] = cbrt(x << 18) - 1,
 * computed here by exact integer cube root. Linux then refined entries 8..63
 * by hand (the refinement follows no formula: no rounding or error-minimising
 * rule reproduces it), and those refinements change K for most real inputs,
 * so they are applied below as per-entry deltas: the only kernel-specific data
 * this file carries, kept because CUBIC must be bit-exact with Linux.
 * Entries 0..7 need no delta: they are only read for operands below 8, where
 * the formula's values round to the same results as Linux's.
 *
 * Invariant: u64 operands, u32 result, identical to Linux for every operand.
 */

/** Floor of the cube root of a non-negative bigint (exact, by bisection). */
export function icbrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("icbrt: negative operand");
  let lo = 0n;
  let hi = 1n << BigInt(Math.ceil(n.toString(2).length / 3) + 1);
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid * mid * mid <= n) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/**
 * Linux's hand refinement of entries 8..63 relative to cbrt(x << 18) - 1
 * (index 0 is entry 8). Measured once against the kernel's table; see the
 * file comment.
 */
const LINUX_REFINEMENT_8_63: readonly number[] = [
  -4, -3, -2, -3, -2, -2, -2, 0, -3, -2, -2, -1, -2, -2, -2, -2, -2, -1, -1, -1, -1, -1, 0, -1, -2, -2, -2, -2,
  -1, -1, -1, -1, 0, 0, 0, -1, 0, -1, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1,
];

/** v[x] = max(cbrt(x << 18) - 1, 0) for x in [0, 64): the table as defined, before refinement. */
export function cubicRootTableByDefinition(): number[] {
  const v: number[] = [];
  for (let x = 0; x < 64; x++) v.push(Math.max(Number(icbrt(BigInt(x) << 18n)) - 1, 0));
  return v;
}

/** The table cubic_root() uses: the definition plus Linux's refinement (u8 values). */
export const CUBIC_ROOT_TABLE: readonly number[] = Object.freeze(
  cubicRootTableByDefinition().map((v, x) => v + (x >= 8 ? (LINUX_REFINEMENT_8_63[x - 8] as number) : 0)),
);

/** fls64(): 1-based index of the most significant set bit, 0 for 0. */
export function fls64(a: bigint): number {
  return a === 0n ? 0 : a.toString(2).length;
}

/**
 * cubic_root(a): Linux's approximate cube root of the u64 `a` (average error
 * about 0.2%, well under that for the operands K uses, which are above 2^31).
 */
export function cubic_root(a: bigint): number {
  a = BigInt.asUintN(64, a);
  const top = fls64(a);
  if (top < 7) return ((CUBIC_ROOT_TABLE[Number(a)] as number) + 35) >>> 6;
  // Scale so the operand's top 6 bits index the table: b ~ top / 3 - 1.
  const b = ((top * 84) >>> 8) - 1;
  const idx = Number(BigInt.asUintN(32, a >> BigInt(b * 3)));
  let x = ((((CUBIC_ROOT_TABLE[idx] as number) + 10) << b) >>> 0) >>> 6;
  // One Newton-Raphson step, x' = (2x + a / x^2) / 3, with x(x - 1) for x^2.
  const q = Number(BigInt.asUintN(32, a / (BigInt(x) * BigInt(x - 1))));
  x = (2 * x + q) >>> 0;
  return (Math.imul(x, 341) >>> 0) >>> 10;
}
