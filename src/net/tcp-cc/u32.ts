/**
 * @fileoverview C integer semantics for the TCP congestion-control code:
 * u32/s32 conversions, u32 multiplication and the sequence-space comparisons
 * `before()`/`after()` of include/net/tcp.h.
 *
 * Invariant: every function returns an integer in the range of its C type
 * (u32: [0, 2^32), s32: [-2^31, 2^31)), whatever integer it is given.
 */

/** Reduces an integer modulo 2^32, as storing into a C `u32` does. */
export function u32(x: number): number {
  return x >>> 0;
}

/** Reinterprets an integer as a C `s32` (two's complement, modulo 2^32). */
export function s32(x: number): number {
  return x | 0;
}

/** `a * b` for two u32 operands, wrapped to 32 bits as C's unsigned multiply. */
export function mulU32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** `a / b` on u32 operands (C truncating division). `b` must not be 0. */
export function divU32(a: number, b: number): number {
  return Math.floor((a >>> 0) / (b >>> 0));
}

/** before(seq1, seq2): seq1 precedes seq2 in u32 sequence space, `(s32)(seq1 - seq2) < 0`. */
export function before(seq1: number, seq2: number): boolean {
  return ((seq1 - seq2) | 0) < 0;
}

/** after(seq2, seq1): seq2 follows seq1 in u32 sequence space. */
export function after(seq2: number, seq1: number): boolean {
  return before(seq1, seq2);
}

