/**
 * @fileoverview A link direction rate-limited by a token bucket
 * (`tokenBucketBytes`, Linux sch_tbf + pfifo, net/sched/sch_tbf.c): after an
 * idle period a bucketful leaves at once, then one packet per size / rate; the
 * packet waiting for tokens counts against the queue limit (tbf keeps it in
 * its child qdisc), so the queue holds `packets` in all; a packet larger than
 * the bucket is dropped. A serializing link, by contrast, holds one more (on
 * the wire).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LinkDir, LINK_DROPPED } from "../../src/sim/net/link.js";
import { Rng } from "../../src/sim/rng.js";
import type { LinkDirSpec } from "../../src/sim/api.js";

const US = 1000;
/** 1500-byte packets at 12 Mbit/s: 1 ms each. */
const RATE = 12e6;

function link(extra: Partial<LinkDirSpec>): LinkDir {
  return new LinkDir("l", 0, "a", "b", { rateBps: RATE, delayNs: 0, queue: { kind: "droptail", packets: 3 }, ...extra }, new Rng(1));
}

test("token bucket: a burst of two leaves at once, then one per ms", () => {
  const l = link({ tokenBucketBytes: 3000 });
  const out = [0, 0, 0, 0].map(() => l.transmit(0, 1500, false));
  assert.deepEqual(out, [0, 0, 1000 * US, 2000 * US]);
});

test("token bucket: the queue limit counts the packet waiting for tokens; serialization holds one more", () => {
  const tb = link({ tokenBucketBytes: 1500 });
  const tbOut = [0, 1, 2, 3, 4].map(() => tb.transmit(0, 1500, false));
  // The first leaves at once (full bucket); three wait (limit 3); the fifth is dropped.
  assert.deepEqual(tbOut, [0, 1000 * US, 2000 * US, 3000 * US, LINK_DROPPED]);
  assert.deepEqual(tb.backlog(0), { bytes: 4500, packets: 3 });

  const ser = link({});
  const serOut = [0, 1, 2, 3, 4].map(() => ser.transmit(0, 1500, false));
  // One on the wire plus three queued.
  assert.deepEqual(serOut, [1000 * US, 2000 * US, 3000 * US, 4000 * US, LINK_DROPPED]);
});

test("token bucket: refills at the rate up to its depth while idle", () => {
  const l = link({ tokenBucketBytes: 3000 });
  assert.equal(l.transmit(0, 1500, false), 0);
  assert.equal(l.transmit(0, 1500, false), 0);
  // 0.5 ms later half a packet's tokens: it waits 0.5 ms.
  assert.equal(l.transmit(500 * US, 1500, false), 1000 * US);
  // Idle for 10 ms: the bucket is full again (two packets), not ten.
  const t = 11_000 * US;
  assert.deepEqual([l.transmit(t, 1500, false), l.transmit(t, 1500, false), l.transmit(t, 1500, false)], [t, t, t + 1000 * US]);
});

test("token bucket: bad depth and a packet larger than the bucket", () => {
  assert.throws(() => link({ tokenBucketBytes: 0 }), /tokenBucketBytes/);
  assert.throws(() => link({ tokenBucketBytes: 3000, trace: { opportunitiesMs: [1] } }), /tokenBucketBytes/);
  const l = link({ tokenBucketBytes: 1000 });
  assert.equal(l.transmit(0, 1500, false), LINK_DROPPED);
});
