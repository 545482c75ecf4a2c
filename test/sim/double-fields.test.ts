/**
 * @fileoverview Fields born as doubles (src/sim/double-fields.ts, a V8
 * matter): a link direction that carries a packet after 2^31 ns (about
 * 2.15 simulated s) stores times past the small-integer range, and the
 * other directions, made earlier and not touched since, must keep the same
 * map (V8's hidden class) rather than a deprecated one that migrates, and
 * deoptimizes the code that meets it, when next touched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { LinkDir } from "../../src/sim/net/link.js";
import { Rng } from "../../src/sim/rng.js";
import { doubleFields } from "../../src/sim/double-fields.js";

setFlagsFromString("--allow-natives-syntax");
/** V8's %HaveSameMap, compiled after the flag is set. */
const sameMap = runInNewContext("(a, b) => %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

function dir(i: number): LinkDir {
  return new LinkDir(`l${i}`, i, "a", "b", { rateBps: 1e9, delayNs: 25_000_000, queue: { kind: "droptail", packets: 100 } }, new Rng(i));
}

test("double fields: a link direction used after 2^31 ns keeps the map of one not used since", () => {
  const idle = dir(0);
  const busy = dir(1);
  assert.ok(sameMap(idle, busy));
  // Two packets back to back at 3 s: the second queues behind the first (busyUntil and the backlog past 2^31).
  const t = 3_000_000_000;
  assert.equal(busy.transmit(t, 1500, false), t + 12_000 + 25_000_000);
  assert.equal(busy.transmit(t, 1500, false), t + 24_000 + 25_000_000);
  assert.equal(busy.backlog(t).packets, 1);
  assert.ok(sameMap(idle, busy), "the idle direction's map was deprecated");
});

test("double fields: values are kept, and a class without them changes map when one instance stores a double", () => {
  class Plain {
    at = -1;
  }
  class Born {
    at = -1;
    constructor() {
      doubleFields(this, ["at"]);
    }
  }
  const p0 = new Plain();
  const p1 = new Plain();
  p1.at = 2 ** 40;
  assert.ok(!sameMap(p0, p1));
  const b0 = new Born();
  const b1 = new Born();
  assert.equal(b0.at, -1);
  b1.at = 2 ** 40;
  assert.ok(sameMap(b0, b1));
  assert.equal(b1.at, 2 ** 40);
});
