/**
 * @fileoverview A link whose delay runs on an element that sleeps (`wake`,
 * src/sim/net/link.ts): the Linux testbed's delay line
 * (native/testbed/delayline.c) is one thread for both directions, in front
 * of the tbf, sleeping in ppoll until the next packet is due or one
 * arrives; on this 2-vCPU VM a wake-up after it slept for a while comes
 * 0.2-0.3 ms late (the virtual CPU's exit from halt; traced with tcp_probe,
 * docs/fidelity.md). So a packet is due `delayNs` after it enters; it is
 * released late when the element slept at least `idleNs` since it last woke
 * (an arrival or a release, either direction), and whatever falls due
 * during that late wake-up leaves with it, in order. The queue or shaper
 * comes after the delay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LinkDir } from "../../src/sim/net/link.js";
import { Network } from "../../src/sim/net/network.js";
import { PacketPool } from "../../src/sim/net/packet.js";
import type { Packet } from "../../src/sim/net/packet.js";
import { Topology } from "../../src/sim/net/topology.js";
import { Rng } from "../../src/sim/rng.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import type { LinkDirSpec, TopologySpec } from "../../src/sim/api.js";

const US = 1000;
/** 1500-byte packets at 12 Mbit/s: 1 ms each; 5 ms of delay. */
const RATE = 12e6;
const DELAY = 5000 * US;
const WAKE = { idleNs: 1000 * US, late: { kind: "constant", ns: 250 * US } } as const;

function link(extra: Partial<LinkDirSpec>, seed = 1): LinkDir {
  return new LinkDir("l", 0, "a", "b", { rateBps: RATE, delayNs: DELAY, queue: { kind: "droptail", packets: 100 }, ...extra }, new Rng(seed));
}

/**
 * Runs packets through delay stages as the Network's events would, in time order (at equal times an
 * entry before a release): each packet enters `dir` at `t`, is asked for its release when due, and again at
 * the wake-up when that put it off. Returns each packet's release time, in the order given.
 */
function drive(packets: readonly { dir: LinkDir; t: number }[]): number[] {
  type Ev = { t: number; kind: 0 | 1 | 2; i: number; seq: number };
  const evs: Ev[] = packets.map((p, i) => ({ t: p.t, kind: 0, i, seq: i }));
  const out: number[] = new Array<number>(packets.length).fill(NaN);
  let seq = packets.length;
  while (evs.length > 0) {
    evs.sort((a, b) => a.t - b.t || Math.min(a.kind, 1) - Math.min(b.kind, 1) || a.seq - b.seq);
    const ev = evs.shift() as Ev;
    const dir = (packets[ev.i] as { dir: LinkDir }).dir;
    if (ev.kind === 0) evs.push({ t: dir.enterDelay(ev.t), kind: 1, i: ev.i, seq: seq++ });
    else {
      // kind 2: a release already put off (held).
      const at = dir.holdUntil(ev.t, ev.kind === 2);
      if (at >= 0) evs.push({ t: at, kind: 2, i: ev.i, seq: seq++ });
      else out[ev.i] = ev.t;
    }
  }
  return out;
}

test("wake: a release after the element slept is late, releases due meanwhile go with it, a busy element is on time", () => {
  const l = link({ wake: WAKE });
  assert.ok(l.delayFirst);
  assert.equal(l.enterDelay(0), DELAY);
  // Entered at 0 and 0.1 ms: the first is due at 5 ms after 4.9 ms of sleep, released at 5.25 ms; the second, due at
  // 5.1 ms during that late wake-up, with it.
  const l2 = link({ wake: WAKE });
  assert.deepEqual(drive([{ dir: l2, t: 0 }, { dir: l2, t: 100 * US }]), [DELAY + 250 * US, DELAY + 250 * US]);
  // Arrivals every 0.5 ms keep the element awake (each release comes 0.5 ms after the arrival before it): all on time.
  const l3 = link({ wake: WAKE });
  const busy = Array.from({ length: 30 }, (_, i) => ({ dir: l3, t: i * 500 * US }));
  assert.deepEqual(drive(busy), busy.map((p) => p.t + DELAY));
  // A packet 20 ms after the last: the element slept since the last release, so it is late again.
  const l4 = link({ wake: WAKE });
  assert.deepEqual(drive([{ dir: l4, t: 0 }, { dir: l4, t: 20_000 * US }]), [DELAY + 250 * US, 20_000 * US + DELAY + 250 * US]);
});

test("wake: the queue comes after the delay stage, and the packet leaves without a second delay", () => {
  const l = link({ wake: WAKE });
  // Released at 5.25 ms, serialised for 1 ms: at the far end at 6.25 ms.
  const [rel] = drive([{ dir: l, t: 0 }]) as [number];
  assert.equal(l.transmit(rel, 1500, false), rel + 1000 * US);
  // The exact link (no wake) keeps queue-then-propagation.
  const exact = link({});
  assert.equal(exact.delayFirst, false);
  assert.equal(exact.transmit(0, 1500, false), 1000 * US + DELAY);
});

test("wake: both directions of a link share one element (the delay line is one thread)", () => {
  const spec: TopologySpec = { nodes: ["a", "b"], links: [{ a: "a", b: "b", rateBps: RATE, delayNs: DELAY, wake: WAKE, reverse: { wake: { idleNs: 1000 * US, late: { kind: "constant", ns: 300 * US } } } }] };
  const [fwd, rev] = new Topology(spec, new Rng(1)).dirs as [LinkDir, LinkDir];
  assert.ok(fwd.wakeElement !== null && fwd.wakeElement === rev.wakeElement);
  // A data packet entered at 0 is due at 5 ms. Packets entering the other direction every 0.5 ms keep the element
  // awake, so it is released on time; alone, it would have been late.
  const acks = Array.from({ length: 10 }, (_, i) => ({ dir: rev, t: (i + 1) * 500 * US }));
  const [data] = drive([{ dir: fwd, t: 0 }, ...acks]) as [number];
  assert.equal(data, DELAY);
  // The other direction's own lateness applies to its own late releases.
  const [, alone] = new Topology(spec, new Rng(1)).dirs as [LinkDir, LinkDir];
  assert.deepEqual(drive([{ dir: alone, t: 0 }]), [DELAY + 300 * US]);
});

test("wake: absent or a lateness of 0 is the exact link and draws nothing", () => {
  for (const late of [{ kind: "constant", ns: 0 }, { kind: "uniform", maxNs: 0 }] as const) {
    const l = link({ wake: { idleNs: 1000 * US, late }, lossRate: 0.3, jitterNs: 200 * US });
    assert.equal(l.delayFirst, false);
    const ref = link({ lossRate: 0.3, jitterNs: 200 * US });
    const times = Array.from({ length: 200 }, (_, i) => i * 1700 * US);
    assert.deepEqual(times.map((t) => l.transmit(t, 1500, false)), times.map((t) => ref.transmit(t, 1500, false)));
  }
});

test("wake: releases stay in order and each is at most one lateness after it was due (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 500 }), (gapsUs, idleUs, lateUs) => {
      const l = link({ wake: { idleNs: idleUs * US, late: { kind: "constant", ns: lateUs * US } } });
      let t = 0;
      const packets = gapsUs.map((g) => ({ dir: l, t: (t += g * US) }));
      const rel = drive(packets);
      rel.forEach((at, i) => {
        const due = (packets[i] as { t: number }).t + DELAY;
        assert.ok(at >= due && at <= due + lateUs * US, `released at ${at}, due ${due}`);
        if (i > 0) assert.ok(at >= (rel[i - 1] as number), "FIFO");
      });
    }),
  );
});

/** Sends a packet (numbered by `seg`) from `from` to `to` at each of `sends` through a Network; returns the deliveries in the order they came. */
function network(spec: TopologySpec, sends: readonly { from: string; to: string; t: number }[]): { seg: number; t: number }[] {
  const topo = new Topology(spec, new Rng(1));
  const sched = new Scheduler();
  const pool = new PacketPool();
  const net = new Network(sched, topo.dirs, pool);
  const got: { seg: number; t: number }[] = [];
  const sink = { receive: (p: Packet) => got.push({ seg: p.seg, t: sched.now }) };
  const paths = new Map<string, { path: number[]; lane0: number }>();
  for (const s of sends) {
    const k = `${s.from}>${s.to}`;
    if (paths.has(k)) continue;
    const path = topo.route(s.from, s.to);
    for (const d of path) (topo.dirs[d] as LinkDir).users++;
    paths.set(k, { path, lane0: net.lanesFor(path) });
  }
  sends.forEach((s, i) => {
    const { path, lane0 } = paths.get(`${s.from}>${s.to}`) as { path: number[]; lane0: number };
    const send = {
      onEvent(): void {
        const p = pool.get();
        p.path = path;
        p.lane0 = lane0;
        p.sink = sink;
        p.seg = i;
        p.size = 1500;
        net.send(p);
      },
    };
    sched.at(s.t, send, 0);
  });
  sched.run();
  assert.equal(pool.live, 0, "every packet back in the pool");
  return got;
}

test("wake: a packet due at the very time of a late wake-up leaves after the ones held for it (FIFO per direction)", () => {
  // Entered at 0, 0.1 and 0.25 ms: the first is due at 5 ms after a sleep and wakes the element 0.25 ms late, at
  // 5.25 ms, when the third falls due. The third's release event was scheduled when it entered, before the first
  // was put off, so it comes first at 5.25 ms; the link must still send them in the order they entered.
  const spec: TopologySpec = { nodes: ["a", "b"], links: [{ a: "a", b: "b", rateBps: RATE, delayNs: DELAY, wake: WAKE }] };
  const got = network(spec, [0, 100, 250].map((us) => ({ from: "a", to: "b", t: us * US })));
  assert.deepEqual(got, [0, 1, 2].map((seg) => ({ seg, t: DELAY + 250 * US + (seg + 1) * 1000 * US })));
  // The same through a path of three wake links and back (both directions share each element): every flow in order.
  const chain: TopologySpec = {
    nodes: ["a", "m", "n", "b"],
    links: [
      { a: "a", b: "m", rateBps: 10 * RATE, delayNs: DELAY, wake: WAKE },
      { a: "m", b: "n", rateBps: RATE, delayNs: DELAY, wake: WAKE },
      { a: "n", b: "b", rateBps: 10 * RATE, delayNs: DELAY, wake: WAKE },
    ],
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { minLength: 2, maxLength: 40 }), (steps) => {
      let t = 0;
      const sends = steps.map(([back, gap]) => ({ from: back ? "b" : "a", to: back ? "a" : "b", t: (t += gap * 5 * US) }));
      const out = network(chain, sends);
      assert.equal(out.length, sends.length);
      for (const dir of ["a", "b"]) {
        const segs = out.filter((d) => (sends[d.seg] as { from: string }).from === dir).map((d) => d.seg);
        assert.deepEqual(segs, [...segs].sort((x, y) => x - y), `from ${dir}: delivered in the order sent`);
      }
    }),
  );
});

test("wake: a malformed idle time or lateness is named", () => {
  assert.throws(() => link({ wake: { idleNs: 0, late: { kind: "constant", ns: 1 } } }), /link 'l': 'wake.idleNs' must be an integer > 0: current value is 0/);
  assert.throws(() => link({ wake: { idleNs: 1000, late: { kind: "uniform", maxNs: -1 } } }), /link 'l': 'wake.late': 'maxNs' must be an integer ≥ 0/);
});
