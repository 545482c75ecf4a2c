/**
 * @fileoverview A link direction that wakes late after idle (`wake`,
 * src/sim/net/link.ts): the Linux testbed's delay line sleeps on a timer
 * while the path is idle, and on this 2-vCPU VM its first wake-up after an
 * idle spell comes 0.2-0.3 ms late each way (the virtual CPU's exit from
 * halt; traced with tcp_probe, docs/fidelity.md), while on a busy path the
 * wake-ups are on time. The first packet after `idleNs` with no packet in
 * the direction (none arriving, none propagating) is handled a lateness
 * draw later, the ones arriving meanwhile with it, in order; a busy
 * direction is never late.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LinkDir } from "../../src/sim/net/link.js";
import { Rng } from "../../src/sim/rng.js";
import type { LinkDirSpec } from "../../src/sim/api.js";

const US = 1000;
/** 1500-byte packets at 12 Mbit/s: 1 ms each; 5 ms of propagation. */
const RATE = 12e6;
const DELAY = 5000 * US;

function link(extra: Partial<LinkDirSpec>, seed = 1): LinkDir {
  return new LinkDir("l", 0, "a", "b", { rateBps: RATE, delayNs: DELAY, queue: { kind: "droptail", packets: 100 }, ...extra }, new Rng(seed));
}

test("wake: the first packet after idle is handled late, the ones arriving meanwhile with it, a busy link on time", () => {
  const l = link({ wake: { idleNs: 1000 * US, late: { kind: "constant", ns: 250 * US } } });
  // The first packet ever finds the link idle: served from 0.25 ms.
  assert.equal(l.transmit(0, 1500, false), 250 * US + 1000 * US + DELAY);
  // 0.1 ms later, while the link wakes: queued behind it.
  assert.equal(l.transmit(100 * US, 1500, false), 250 * US + 2000 * US + DELAY);
  // Busy (0.9 ms since the last arrival): no lateness, only the queue.
  assert.equal(l.transmit(1000 * US, 1500, false), 250 * US + 3000 * US + DELAY);
  // The last packet left the far end at 8.25 ms; at 10 ms the link has been empty for 1.75 ms: late again.
  assert.equal(l.transmit(10_000 * US, 1500, false), 10_250 * US + 1000 * US + DELAY);
});

test("wake: a packet still propagating keeps the link awake; idle counts from when the last one left", () => {
  const l = link({ wake: { idleNs: 1000 * US, late: { kind: "constant", ns: 250 * US } } });
  // First packet: late, leaves the far end at 0.25 + 1 + 5 = 6.25 ms.
  assert.equal(l.transmit(0, 1500, false), 6250 * US);
  // 4 ms after it arrived but while it propagates: on time.
  assert.equal(l.transmit(4000 * US, 1500, false), 4000 * US + 1000 * US + DELAY);
  // 0.5 ms after that one left (10 ms): still within idleNs, on time.
  assert.equal(l.transmit(10_500 * US, 1500, false), 10_500 * US + 1000 * US + DELAY);
  // 1 ms after the last left (16.5 ms): late.
  assert.equal(l.transmit(17_500 * US, 1500, false), 17_750 * US + 1000 * US + DELAY);
});

test("wake: absent or a lateness of 0 is the exact link and draws nothing", () => {
  for (const late of [{ kind: "constant", ns: 0 }, { kind: "uniform", maxNs: 0 }] as const) {
    const l = link({ wake: { idleNs: 1000 * US, late }, lossRate: 0.3, jitterNs: 200 * US });
    const ref = link({ lossRate: 0.3, jitterNs: 200 * US });
    const times = Array.from({ length: 200 }, (_, i) => i * 1700 * US);
    assert.deepEqual(times.map((t) => l.transmit(t, 1500, false)), times.map((t) => ref.transmit(t, 1500, false)));
  }
});

test("wake: arrivals stay in order and each is at most one lateness after the exact link's time (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 500 }), (gapsUs, idleUs, lateUs) => {
      const l = link({ wake: { idleNs: idleUs * US, late: { kind: "constant", ns: lateUs * US } } });
      const exact = link({});
      let t = 0;
      let last = -1;
      for (const g of gapsUs) {
        t += g * US;
        const a = l.transmit(t, 1500, false);
        const e = exact.transmit(t, 1500, false);
        assert.ok(a >= last, "FIFO");
        assert.ok(a >= e && a <= e + lateUs * US, `${a} vs exact ${e}`);
        last = a;
      }
    }),
  );
});

test("wake: a malformed idle time or lateness is named", () => {
  assert.throws(() => link({ wake: { idleNs: 0, late: { kind: "constant", ns: 1 } } }), /link 'l': 'wake.idleNs' must be an integer > 0: current value is 0/);
  assert.throws(() => link({ wake: { idleNs: 1000, late: { kind: "uniform", maxNs: -1 } } }), /link 'l': 'wake.late': 'maxNs' must be an integer ≥ 0/);
});
