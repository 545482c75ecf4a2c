/**
 * @fileoverview Tests of CUBIC's fixed-point cube root (cubic-root.ts).
 *
 * References, each computed independently of the code under test:
 * - fixtures/cubic-ref.json, from fixtures/cubic_ref.c: the same algorithm in
 *   C with native u32/u64 arithmetic, on small values, powers of two and their
 *   neighbours, the K operands cube_factor * d, and 1500 pseudo-random u64;
 * - a BigInt transcription in this file, on random u64 (fast-check);
 * - the exact floor cube root (Math.cbrt corrected with BigInt), for the
 *   error bound Linux states for its cubic_root (average error ≈ 0.195%).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { CUBIC_ROOT_TABLE, cubic_root, cubicRootTableByDefinition, fls64, icbrt } from "./cubic-root.js";
import { cube_factor } from "./cubic.js";

interface Ref {
  tableFnv8: number;
  cubicRoot: Array<[string, number]>;
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/cubic-ref.json", import.meta.url), "utf8")) as Ref;

/** Exact floor(cbrt(n)): a float estimate, then corrected with exact BigInt cubes. */
function exactCbrt(n: bigint): bigint {
  let x = BigInt(Math.floor(Math.cbrt(Number(n))));
  while (x * x * x > n) x--;
  while ((x + 1n) ** 3n <= n) x++;
  return x;
}

/** Linux's algorithm restated with BigInt only (u32 steps masked explicitly). */
function bigintCubicRoot(a: bigint, v: readonly number[]): bigint {
  const m32 = (x: bigint): bigint => x & 0xffffffffn;
  const b0 = BigInt(a.toString(2).length * (a === 0n ? 0 : 1));
  if (b0 < 7n) return (BigInt(v[Number(a)] as number) + 35n) >> 6n;
  const b = ((b0 * 84n) >> 8n) - 1n;
  let x = m32((BigInt(v[Number(a >> (b * 3n))] as number) + 10n) << b) >> 6n;
  x = m32(2n * x + m32(a / (x * (x - 1n))));
  return m32(x * 341n) >> 10n;
}

function fnv1a(bytes: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

test("cubic_root equals the C reference of Linux's algorithm on 2120 operands", () => {
  assert.ok(ref.cubicRoot.length > 2000);
  for (const [a, want] of ref.cubicRoot) assert.equal(cubic_root(BigInt(a)), want, `cubic_root(${a})`);
});

test("cubic_root equals a BigInt transcription of the algorithm on random u64 (property)", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 64 }), (r, bits) => {
      const a = bits === 64 ? r : r & ((1n << BigInt(bits)) - 1n);
      return BigInt(cubic_root(a)) === bigintCubicRoot(a, CUBIC_ROOT_TABLE);
    }),
    { numRuns: 3000 },
  );
});

test("table: v[x] = cbrt(x << 18) - 1 by definition, plus Linux's hand refinement of entries 8..63", () => {
  const def = cubicRootTableByDefinition();
  for (let x = 1; x < 64; x++) {
    const c = Number(exactCbrt(BigInt(x) << 18n));
    assert.equal(def[x], c - 1, `definition at ${x}`);
  }
  for (let x = 0; x < 64; x++) {
    const v = CUBIC_ROOT_TABLE[x] as number;
    assert.ok(v >= 0 && v <= 255, "u8 entries");
    if (x < 8) assert.equal(v, def[x]);
    else assert.ok(v - (def[x] as number) >= -4 && v - (def[x] as number) <= 1, `refinement at ${x} is small`);
  }
  // FNV-1a of Linux's entries 8..63, taken from the kernel's table when this was written.
  assert.equal(fnv1a(CUBIC_ROOT_TABLE.slice(8)), 2963000972);
  assert.equal(ref.tableFnv8, 2963000972, "the C reference uses the same table");
  // Operands below 8 read entries 0..7 only through (v + 35) >> 6: Linux's results 0, 1, 1, 1, 2, 2, 2, 2.
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => cubic_root(BigInt(a))), [0, 1, 1, 1, 2, 2, 2, 2]);
});

test("table: the unrefined definition would change K for most real operands (why the refinement is kept)", () => {
  const def = cubicRootTableByDefinition();
  let differ = 0;
  for (let d = 1n; d <= 1000n; d++) {
    const a = cube_factor * d;
    if (bigintCubicRoot(a, def) !== BigInt(cubic_root(a))) differ++;
  }
  assert.ok(differ > 500, `${differ} of 1000 K operands differ`);
});

test("cubic_root is within Linux's stated error of the true cube root for K operands (a >= 2^31)", () => {
  // K's operand is cube_factor * (W_max - cwnd) with cube_factor > 2^31.
  let sum = 0;
  let n = 0;
  let worst = 0;
  const check = (a: bigint): void => {
    const exact = Number(exactCbrt(a));
    const err = Math.abs(cubic_root(a) - exact) / exact;
    sum += err;
    n++;
    worst = Math.max(worst, err);
  };
  for (let d = 1n; d <= 20000n; d += 7n) check(cube_factor * d);
  fc.assert(
    fc.property(fc.integer({ min: 31, max: 63 }), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), (e, r) => {
      check((1n << BigInt(e)) | (r & ((1n << BigInt(e)) - 1n)));
    }),
    { numRuns: 3000 },
  );
  assert.ok(sum / n < 0.00195, `average error ${(100 * sum) / n}%`);
  assert.ok(worst < 0.002, `worst error ${100 * worst}%`);
});

test("helpers: fls64 and icbrt", () => {
  assert.deepEqual([0n, 1n, 2n, 3n, 64n, (1n << 64n) - 1n].map(fls64), [0, 1, 2, 2, 7, 64]);
  for (const n of [0n, 1n, 7n, 8n, 26n, 27n, 1n << 63n, (1n << 64n) - 1n, 999_999_999_999n]) assert.equal(icbrt(n), exactCbrt(n), `icbrt(${n})`);
});
