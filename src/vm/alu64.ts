/**
 * @fileoverview 64-bit arithmetic on registers held as (lo, hi) int32 pairs,
 * for the operations that do not fit a line of the interpreter loop:
 * unsigned and signed division and modulo (RFC 9669 section 4.1), byte
 * swaps (section 4.2), and the u64 <-> register conversions of a run's
 * arguments and result. (Multiplication is written out in the loop.)
 *
 * Division semantics (RFC 9669 and kernel/bpf/core.c + verifier fixups):
 * x / 0 = 0; x % 0 = x (a 32-bit mod by zero still zero-extends dst);
 * signed: LLONG_MIN / -1 = LLONG_MIN, LLONG_MIN % -1 = 0, and the remainder
 * takes the sign of the dividend (truncating division, as in C).
 *
 * Every function writes its result into `L[d]`/`H[d]`. BigInt is used only
 * when an operand is 2^53 or more in magnitude.
 *
 * Why doubles divide exactly below 2^53: for integers 0 <= a < 2^53 and
 * 1 <= b < 2^53 (both exact as doubles) let q = floor(a / b). The correctly
 * rounded quotient fl(a / b) is at least q (q is a double and rounding is
 * monotone). If b does not divide a, q + 1 - a / b = (b - a mod b) / b >= 1 / b,
 * while half the spacing of doubles at a / b is at most (a / b) * 2^-53 < 1 / b
 * because a < 2^53; so a / b does not round up to q + 1 and floor(fl(a / b)) = q.
 * The signed case is the same on magnitudes, with trunc. `%` on doubles is
 * always exact (IEEE 754 remainder of fmod kind). An unsigned dividend of any
 * size by a divisor up to 2^21 is divided in two 32-bit digits (schoolbook
 * long division): the second partial dividend r * 2^32 + lo, with r < b, is
 * below 2^53, so the same argument applies to each digit.
 */

const M32 = 0xffffffffn;

/** The u64 bit pattern of a (lo, hi) pair. */
/** BigInts of the values below 4096, made once: most runs return one, and then allocate nothing. */
export const SMALL_U64: readonly bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));

export function toU64(lo: number, hi: number): bigint {
  if (hi === 0 && lo >>> 0 < 4096) return SMALL_U64[lo] as bigint;
  // Below 2^53 the double is exact: one BigInt allocation instead of four.
  if (hi >>> 0 < 0x200000) return BigInt((hi >>> 0) * 4294967296 + (lo >>> 0));
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Stores a bigint's low 64 bits into register d. */
export function setU64(L: Int32Array, H: Int32Array, d: number, v: bigint): void {
  // The common case (a pointer, a small count) without BigInt arithmetic, which allocates.
  if (v >= 0n && v <= 0x1fffffffffffffn) {
    const n = Number(v);
    L[d] = n | 0;
    H[d] = (n / 4294967296) | 0;
    return;
  }
  L[d] = Number(v & M32) | 0;
  H[d] = Number((v >> 32n) & M32) | 0;
}

/** The value of a (lo, hi) pair as a double when it is below 2^53 unsigned, else -1. */
function u53(lo: number, hi: number): number {
  return hi >>> 0 < 0x200000 ? hi * 4294967296 + (lo >>> 0) : -1;
}

/** The value of a (lo, hi) pair as a double when it is in (-2^53, 2^53) signed, else NaN. */
function s53(lo: number, hi: number): number {
  return (hi + 0x1fffff) >>> 0 < 0x3fffff ? hi * 4294967296 + (lo >>> 0) : NaN;
}

/** Stores an integer double with |v| < 2^53 into register d as its u64 pattern. */
function setInt53(L: Int32Array, H: Int32Array, d: number, v: number): void {
  L[d] = v | 0; // ToInt32 of an integer is its low 32 bits
  H[d] = Math.floor(v / 4294967296) | 0;
}

/** `dst = dst / src` unsigned 64-bit; 0 when src is 0. */
export function div64u(L: Int32Array, H: Int32Array, d: number, blo: number, bhi: number): void {
  if (blo === 0 && bhi === 0) {
    L[d] = 0;
    H[d] = 0;
  } else if (H[d] === 0 && bhi === 0) {
    L[d] = Math.floor((L[d] as number >>> 0) / (blo >>> 0)) | 0;
  } else {
    const b = u53(blo, bhi);
    if (b >= 0 && b <= 0x200000) {
      // Long division in two 32-bit digits: r * 2^32 + lo < 2^53, so each step is exact.
      const ahi = H[d] as number >>> 0;
      const r = ahi % b;
      L[d] = Math.floor((r * 4294967296 + (L[d] as number >>> 0)) / b) | 0;
      H[d] = Math.floor(ahi / b) | 0;
      return;
    }
    const a = u53(L[d] as number, H[d] as number);
    if (a >= 0 && b >= 0) setInt53(L, H, d, Math.floor(a / b));
    else setU64(L, H, d, toU64(L[d] as number, H[d] as number) / toU64(blo, bhi));
  }
}

/** `dst = dst % src` unsigned 64-bit; dst unchanged when src is 0. */
export function mod64u(L: Int32Array, H: Int32Array, d: number, blo: number, bhi: number): void {
  if (blo === 0 && bhi === 0) return;
  if (H[d] === 0 && bhi === 0) {
    L[d] = ((L[d] as number >>> 0) % (blo >>> 0)) | 0;
  } else {
    const b = u53(blo, bhi);
    if (b >= 0 && b <= 0x200000) {
      L[d] = (((H[d] as number >>> 0) % b) * 4294967296 + (L[d] as number >>> 0)) % b;
      H[d] = 0;
      return;
    }
    const a = u53(L[d] as number, H[d] as number);
    if (a >= 0 && b >= 0) setInt53(L, H, d, a % b);
    else setU64(L, H, d, toU64(L[d] as number, H[d] as number) % toU64(blo, bhi));
  }
}

/** `dst = dst s/ src` signed 64-bit; 0 when src is 0; LLONG_MIN / -1 = LLONG_MIN. */
export function div64s(L: Int32Array, H: Int32Array, d: number, blo: number, bhi: number): void {
  if (blo === 0 && bhi === 0) {
    L[d] = 0;
    H[d] = 0;
    return;
  }
  const alo = L[d] as number;
  const ahi = H[d] as number;
  if (ahi === alo >> 31 && bhi === blo >> 31) {
    // Both operands are sign-extended int32: the quotient fits a double exactly (|q| ≤ 2^31).
    const q = Math.trunc(alo / blo);
    L[d] = q | 0;
    H[d] = q < 0 ? -1 : 0;
    return;
  }
  const a = s53(alo, ahi);
  const b = s53(blo, bhi);
  if (a === a && b === b) { // neither NaN; LLONG_MIN is not in range
    setInt53(L, H, d, Math.trunc(a / b));
    return;
  }
  // BigInt division truncates; -2^63 / -1 = 2^63, whose u64 pattern is LLONG_MIN again.
  setU64(L, H, d, BigInt.asIntN(64, toU64(alo, ahi)) / BigInt.asIntN(64, toU64(blo, bhi)));
}

/** `dst = dst s% src` signed 64-bit; dst unchanged when src is 0; LLONG_MIN % -1 = 0. */
export function mod64s(L: Int32Array, H: Int32Array, d: number, blo: number, bhi: number): void {
  if (blo === 0 && bhi === 0) return;
  const alo = L[d] as number;
  const ahi = H[d] as number;
  if (ahi === alo >> 31 && bhi === blo >> 31) {
    const r = alo % blo; // sign of the dividend, |r| < 2^31
    L[d] = r | 0;
    H[d] = r < 0 ? -1 : 0;
    return;
  }
  const a = s53(alo, ahi);
  const b = s53(blo, bhi);
  if (a === a && b === b) {
    setInt53(L, H, d, a % b); // -0 (a negative dividend, remainder 0) stores as 0
    return;
  }
  setU64(L, H, d, BigInt.asIntN(64, toU64(alo, ahi)) % BigInt.asIntN(64, toU64(blo, bhi)));
}

/** `w_dst = w_dst / w_src` unsigned 32-bit, zero-extended; 0 when src is 0. */
export function div32u(L: Int32Array, H: Int32Array, d: number, b: number): void {
  L[d] = b === 0 ? 0 : Math.floor((L[d] as number >>> 0) / (b >>> 0)) | 0;
  H[d] = 0;
}

/** `w_dst = w_dst % w_src` unsigned 32-bit, zero-extended; only zero-extends when src is 0. */
export function mod32u(L: Int32Array, H: Int32Array, d: number, b: number): void {
  if (b !== 0) L[d] = ((L[d] as number >>> 0) % (b >>> 0)) | 0;
  H[d] = 0;
}

/** `w_dst = w_dst s/ w_src`; 0 when src is 0; INT_MIN / -1 = INT_MIN. */
export function div32s(L: Int32Array, H: Int32Array, d: number, b: number): void {
  // ToInt32 truncates toward zero and wraps 2^31 to INT_MIN.
  L[d] = b === 0 ? 0 : ((L[d] as number) / b) | 0;
  H[d] = 0;
}

/** `w_dst = w_dst s% w_src`; only zero-extends when src is 0; INT_MIN % -1 = 0. */
export function mod32s(L: Int32Array, H: Int32Array, d: number, b: number): void {
  if (b !== 0) L[d] = ((L[d] as number) % b) | 0;
  H[d] = 0;
}

/** Reverses the bytes of a 32-bit value. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Reverses the bytes of the low 16 bits, zero-extended. */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}
