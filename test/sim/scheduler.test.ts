/**
 * @fileoverview Scheduler ordering: events run by (time, insertion order),
 * whatever the insertion pattern, including events scheduled while
 * dispatching, and with events in lanes (any times, in order or not); bad
 * times are rejected.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Scheduler } from "../../src/sim/scheduler.js";
import type { EventHandler } from "../../src/sim/scheduler.js";
import { Rng } from "../../src/sim/rng.js";

test("Scheduler.run() dispatches in (time, seq) order for any insertion order", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
      const s = new Scheduler();
      const out: [number, number][] = [];
      const h: EventHandler = { onEvent: (_k, num) => out.push([s.now, num]) };
      times.forEach((t, i) => s.at(t, h, 0, i));
      s.run();
      const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(out, expected);
    }),
  );
});

test("Scheduler.run() orders events scheduled during dispatch after earlier ones at the same time", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 5 })), { maxLength: 100 }), (evs) => {
      const s = new Scheduler();
      const seen: number[] = [];
      let last = -1;
      let id = 0;
      const h: EventHandler = {
        onEvent: (kind, num) => {
          assert.ok(s.now >= last);
          last = s.now;
          seen.push(num);
          if (kind > 0) s.after(kind - 1, h, kind - 1, id++);
        },
      };
      for (const [t, k] of evs) s.at(t, h, k, id++);
      s.run();
      assert.equal(seen.length, id);
    }),
  );
});

test("Scheduler lanes: events in lanes run in the same (time, seq) order as without lanes, whatever their times", () => {
  // Each op: [time offset, lane (-1: none), events it schedules when it runs (as offsets and lanes)].
  const op = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: -1, max: 3 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(op, fc.array(op, { maxLength: 3 })), { maxLength: 120 }), (ops) => {
      const order = (useLanes: boolean): [number, number][] => {
        const s = new Scheduler();
        const lane0 = s.newLanes(4);
        const out: [number, number][] = [];
        let id = 0;
        const put = (at: number, lane: number, children: number): void => {
          const n = id++;
          if (useLanes && lane >= 0) s.atLane(lane0 + lane, at, h, children, n);
          else s.at(at, h, children, n);
        };
        const h: EventHandler = {
          onEvent: (children, num) => {
            out.push([s.now, num]);
            for (const [dt, lane] of ops[children]?.[1] ?? []) put(s.now + dt, lane, -1);
          },
        };
        ops.forEach(([[t, lane]], i) => put(t, lane, i));
        assert.equal(s.pending, ops.length);
        s.run();
        assert.equal(s.pending, 0);
        return out;
      };
      assert.deepEqual(order(true), order(false));
    }),
  );
});

test("Scheduler.at() rejects times in the past and non-integers with a RangeError", () => {
  const s = new Scheduler();
  const h: EventHandler = { onEvent: () => s.at(0, h, 0) };
  s.at(5, h, 0);
  assert.throws(() => s.run(), RangeError);
  assert.throws(() => new Scheduler().at(1.5, h, 0), RangeError);
});

test("Scheduler.run(until) stops before later events and sets now to until", () => {
  const s = new Scheduler();
  const seen: number[] = [];
  const h: EventHandler = { onEvent: () => seen.push(s.now) };
  s.at(10, h, 0);
  s.at(30, h, 0);
  s.run(20);
  assert.deepEqual(seen, [10]);
  assert.equal(s.now, 20);
  assert.equal(s.pending, 1);
});

test("Rng gives the same stream for the same seed and values in [0, 1)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 20; i++) {
        const x = a.next();
        assert.equal(x, b.next());
        assert.ok(x >= 0 && x < 1);
      }
    }),
  );
});
