/**
 * @fileoverview Property tests of the interpreter's 64-bit division and
 * modulo (src/vm/alu64.ts) against a BigInt model of RFC 9669 section 4.1:
 * x / 0 = 0, x % 0 = x, truncating signed division, LLONG_MIN / -1 =
 * LLONG_MIN and LLONG_MIN % -1 = 0. Operands cluster around the edges of the
 * double fast paths (2^21, 2^32, 2^53 and their negatives), 0, 2^64 - 1, and
 * multiples and neighbours of the divisor.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { div64s, div64u, mod64s, mod64u, toU64 } from "./alu64.js";

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const S64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** The u64 result of op on (a, b) per RFC 9669. */
function model(op: "divu" | "modu" | "divs" | "mods", a: bigint, b: bigint): bigint {
  if (b === 0n) return op.startsWith("div") ? 0n : a;
  if (op === "divu") return a / b;
  if (op === "modu") return a % b;
  // BigInt truncates like C; 2^63 from LLONG_MIN / -1 wraps to LLONG_MIN.
  return U64(op === "divs" ? S64(a) / S64(b) : S64(a) % S64(b));
}

const FNS = { divu: div64u, modu: mod64u, divs: div64s, mods: mod64s } as const;

function run(op: keyof typeof FNS, a: bigint, b: bigint): bigint {
  const L = new Int32Array(2);
  const H = new Int32Array(2);
  L[0] = Number(a & 0xffffffffn) | 0;
  H[0] = Number(a >> 32n) | 0;
  FNS[op](L, H, 0, Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0);
  return toU64(L[0] as number, H[0] as number);
}

/** Values around the fast paths' edges, in u64 patterns. */
const EDGES = [0n, 1n, 2n, 3n, 7n, 1000n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, (1n << 32n) + 1n,
  (1n << 21n) - 1n, 1n << 21n, (1n << 21n) + 1n, (1n << 52n) + 1n, (1n << 53n) - 2n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
const edge = fc.constantFrom(...EDGES.flatMap((v) => [v, U64(-v)]));
const near = (m: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min: m - 3n, max: m + 3n }).map(U64);
const u64 = fc.oneof(
  edge,
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: (1n << 54n) }),
  fc.bigInt({ min: 1n, max: 1n << 22n }),
  fc.bigInt({ min: -(1n << 54n), max: 1n << 54n }).map(U64),
  edge.chain(near),
);

for (const op of ["divu", "modu", "divs", "mods"] as const) {
  test(`${op} of 64-bit operands agrees with the BigInt model (RFC 9669 section 4.1)`, () => {
    fc.assert(fc.property(u64, u64, (a, b) => {
      assert.equal(run(op, a, b), model(op, a, b), `${op} 0x${a.toString(16)}, 0x${b.toString(16)}`);
    }), { numRuns: 20_000 });
  });

  test(`${op} of multiples of the divisor and their neighbours agrees with the BigInt model`, () => {
    fc.assert(fc.property(u64, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: -2, max: 2 }), (b, k, delta) => {
      const a = b === 0n ? k : U64((k % ((1n << 64n) / (b === 0n ? 1n : b) + 1n)) * b + BigInt(delta));
      assert.equal(run(op, a, b), model(op, a, b), `${op} 0x${a.toString(16)}, 0x${b.toString(16)}`);
    }), { numRuns: 20_000 });
  });
}

test("the double fast path's edge cases (2^53 - 1 by small divisors, signed extremes)", () => {
  for (const a of EDGES.flatMap((v) => [v, U64(-v)])) {
    for (const b of EDGES.flatMap((v) => [v, U64(-v)])) {
      for (const op of ["divu", "modu", "divs", "mods"] as const) {
        assert.equal(run(op, a, b), model(op, a, b), `${op} 0x${a.toString(16)}, 0x${b.toString(16)}`);
      }
    }
  }
});
