/**
 * Tests of the windowed max/min filter against lib/win_minmax.c
 * (minmax_running_max, minmax_running_min, minmax_subwin_update), with the
 * expected samples worked out by hand from the kernel's rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MINMAX_SIZE, Minmax, minmax_get, minmax_reset, minmax_running_max, minmax_running_min } from "./minmax.js";

function filter(): Minmax {
  return new Minmax(new DataView(new ArrayBuffer(MINMAX_SIZE + 8)), 4);
}

function samples(m: Minmax): [number, number][] {
  return [0, 1, 2].map((i) => [m.t(i), m.v(i)]);
}

test("minmax_running_max (lib/win_minmax.c): a max ages out of a 10-round window through the second and third best", () => {
  const m = filter();
  minmax_reset(m, 0, 0);
  // A new max resets all three samples.
  assert.equal(minmax_running_max(m, 10, 1, 100), 100);
  assert.deepEqual(samples(m), [[1, 100], [1, 100], [1, 100]]);
  // dt = 1: not past win/4 = 2, nothing changes.
  assert.equal(minmax_running_max(m, 10, 2, 50), 100);
  assert.deepEqual(samples(m), [[1, 100], [1, 100], [1, 100]]);
  // dt = 3 > win/4 while s[1] is still s[0]'s: s[1] = s[2] = the new sample.
  assert.equal(minmax_running_max(m, 10, 4, 60), 100);
  assert.deepEqual(samples(m), [[1, 100], [4, 60], [4, 60]]);
  // dt = 6 > win/2 while s[2] is still s[1]'s: s[2] = the new sample.
  assert.equal(minmax_running_max(m, 10, 7, 30), 100);
  assert.deepEqual(samples(m), [[1, 100], [4, 60], [7, 30]]);
  // dt = 11 > win: the best expires, second and third move up.
  assert.equal(minmax_running_max(m, 10, 12, 20), 60);
  assert.deepEqual(samples(m), [[4, 60], [7, 30], [12, 20]]);
  // A sample older than the window relative to s[2] (t - s[2].t > win) resets.
  assert.equal(minmax_running_max(m, 10, 23, 5), 5);
  assert.deepEqual(samples(m), [[23, 5], [23, 5], [23, 5]]);
});

test("minmax_running_max: times wrap as u32 (round counts past 2^32)", () => {
  const m = filter();
  minmax_reset(m, 0xfffffffe, 100);
  // t = 3 is 5 rounds after 0xfffffffe: inside the window, the max stays.
  assert.equal(minmax_running_max(m, 10, 3, 40), 100);
  // t = 9 is 11 rounds after: the max expires.
  assert.equal(minmax_running_max(m, 10, 9, 30), 40);
});

test("minmax_running_min: the minimum mirrors the maximum", () => {
  const m = filter();
  minmax_reset(m, 0, 0xffffffff);
  assert.equal(minmax_running_min(m, 10, 1, 40000), 40000);
  assert.equal(minmax_running_min(m, 10, 4, 45000), 40000);
  assert.equal(minmax_running_min(m, 10, 12, 47000), 45000);
});

test("minmax_running_max property: the result is the max of the window's samples or a later one, never larger than every sample", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 60 }), (steps) => {
      const m = filter();
      let t = 0;
      minmax_reset(m, 0, 0);
      const seen: [number, number][] = [];
      for (const [dt, v] of steps) {
        t += dt;
        seen.push([t, v]);
        const got = minmax_running_max(m, 10, t, v);
        // The estimate is one of the samples, at least the newest, at most the max of the last 2 windows.
        assert.ok(seen.some(([, x]) => x === got));
        assert.ok(got >= v);
        const recent = seen.filter(([ts]) => t - ts <= 20).map(([, x]) => x);
        assert.ok(got <= Math.max(...recent));
        assert.equal(minmax_get(m), got);
      }
    }),
  );
});
