/**
 * @fileoverview The trace's queue samples (src/sim/run.ts, `sample`): each
 * "queue" record holds its link direction's backlog (bytes and packets
 * waiting, lib/sim's own model of a qdisc's backlog and qlen), drops and CE
 * marks at the sample's time. The sampler reads a direction only when a
 * packet reached it since its last read or something was queued then, and
 * repeats its last numbers otherwise; this checks every record against the
 * direction itself, on links that fill, drop (tail, random loss, a drop
 * list), mark, go idle and come back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { TcpCcSimHost } from "../../src/net/tcp-cc/sim-host.js";
import { Simulation } from "../../src/sim/run.js";
import { dumbbell, MS, SEC } from "../../src/sim/index.js";
import type { TraceRecord } from "../../src/sim/api.js";

test("every queue record is its direction's backlog, drops and marks at the sample's time, idle spells included", () => {
  const topology = dumbbell({
    pairs: 3,
    bottleneck: { rateBps: 20e6, delayNs: 10 * MS, lossRate: 0.002, queue: { kind: "red", limitBytes: 120_000, minBytes: 6_000, maxBytes: 30_000, ecn: true } },
    access: { rateBps: 100e6, delayNs: 1 * MS, queue: { kind: "droptail", packets: 20 } },
  });
  const flows = [
    { id: "a", from: "s0", to: "r0", startNs: 0, stopNs: 700 * MS, cc: "reno", ecn: true },
    { id: "b", from: "s1", to: "r1", startNs: 300 * MS, cc: "cubic", ecn: true, dropList: { segments: [5, 40, 41] } },
    { id: "c", from: "s2", to: "r2", startNs: 1200 * MS, stopNs: 1700 * MS, cc: "cubic" },
  ];
  const seen = new Map<string, { busy: number; idle: number; drops: number; marks: number }>();
  const onRecord = (r: TraceRecord): void => {
    if (r.type !== "queue") return;
    const d = sim.topo.dirs.find((x) => x.id === r.link);
    assert.ok(d !== undefined, r.link);
    const b = d.backlog(r.t);
    assert.deepEqual({ bytes: r.bytes, packets: r.packets, drops: r.drops, marks: r.marks }, { bytes: b.bytes, packets: b.packets, drops: d.drops, marks: d.marks }, `${r.link} at ${r.t}`);
    const s = seen.get(r.link) ?? { busy: 0, idle: 0, drops: 0, marks: 0 };
    if (r.packets > 0) s.busy++;
    else s.idle++;
    s.drops = r.drops;
    s.marks = r.marks;
    seen.set(r.link, s);
  };
  // Records come only from run(), after `sim` is set.
  const sim: Simulation = new Simulation({ topology, flows, durationNs: 2 * SEC, trace: { sampleIntervalNs: 5 * MS } }, new TcpCcSimHost(new EmulatedKernel().tcp), { seed: 3, onRecord });
  const res = sim.run();
  // The run exercised what the sampler must notice: a queue that builds and drains, drops of every kind, marks, idle links.
  const bn = seen.get("bottleneck");
  assert.ok(bn !== undefined && bn.busy > 10 && bn.idle > 10, JSON.stringify(bn));
  assert.ok(bn.drops > 0 && bn.marks > 0, JSON.stringify(bn));
  assert.ok((seen.get("s1-left")?.drops ?? 0) >= 3, "the drop list's segments count as drops on their first link");
  for (const l of res.links) {
    const s = seen.get(l.id);
    if (s !== undefined) assert.ok(s.drops <= l.drops, l.id);
  }
});
