/**
 * @fileoverview Unit tests of the timeline and the explanation on small
 * hand-made runs: a setsockopt to the same name after the name was updated
 * to another map starts a new segment; the paragraph says which flows kept
 * which ops after an update, what a failed action changed (nothing), and
 * gives the measured β and goodput around each action; after an action whose
 * moves the kernel cannot show (an iterator on Linux) it claims no "kept".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowSegments } from "../../src/report/segments.js";
import { explainRun } from "../../src/report/explain.js";
import type { FlowRow, Summary } from "../../src/report/summary.js";
import { betaText, timelineText } from "../../src/report/summary.js";

test("flowSegments() cuts a flow where its group changes, including a re-pick of one name that now means another map", () => {
  const flows = [{ id: "a", startNs: 0, endNs: 10 }, { id: "b", startNs: 2, endNs: 8 }];
  const picks = [
    { tNs: 0, flow: "a", group: "cc (v1)" },
    { tNs: 2, flow: "b", group: "cc (v2)" },
    { tNs: 4, flow: "a", group: "cc (v1)" }, // setsockopt while the name still meant v1: same ops, no new segment
    { tNs: 6, flow: "a", group: "cc (v2)" }, // setsockopt after the update: v2 from now on
    { tNs: 9, flow: "b", group: "reno" }, // after b ended: ignored
  ];
  assert.deepEqual(flowSegments(flows, picks, () => "?"), [
    { flow: "a", group: "cc (v1)", fromNs: 0, toNs: 6 },
    { flow: "a", group: "cc (v2)", fromNs: 6, toNs: 10 },
    { flow: "b", group: "cc (v2)", fromNs: 2, toNs: 8 },
  ]);
});

const row = (id: string, timeline: FlowRow["timeline"]): FlowRow => ({
  id, group: timeline[timeline.length - 1]?.group ?? "?", ccStart: "cc", ccEnd: "cc", timeline, startNs: timeline[0]?.fromNs ?? 0,
  endNs: timeline[timeline.length - 1]?.toNs ?? 0, bytesAcked: 0, throughputBps: 0, rttMs: null, loss: 0, rtos: 0, beta: null, completed: false,
});

test("explainRun() tells which flows kept the old map after an update, which got the new one, with measured β and goodput, and what failed", () => {
  const s: Summary = {
    capacityBps: 20e6,
    flows: [
      row("old", [{ group: "cc (v1)", fromNs: 0, toNs: 20e9, bytesDelivered: 1, beta: 0.5 }]),
      row("new", [{ group: "cc (v2)", fromNs: 12e9, toNs: 20e9, bytesDelivered: 1, beta: 0.7 }]),
    ],
    groups: [
      { group: "cc (v1)", flows: 1, switched: 0, activeNs: 20e9, bytesDelivered: 1, throughputBps: 12e6, capacityShare: 0.6, trafficShare: 1, meanThroughputBps: 12e6, rttMs: null, loss: 0, beta: 0.5, jain: 1 },
      { group: "cc (v2)", flows: 1, switched: 0, activeNs: 8e9, bytesDelivered: 1, throughputBps: 9e6, capacityShare: 0.45, trafficShare: 0.5, meanThroughputBps: 9e6, rttMs: null, loss: 0, beta: 0.7, jain: 1 },
    ],
    intervals: [
      { fromNs: 0, toNs: 10e9, throughputBps: 19e6, groups: [{ group: "cc (v1)", flows: ["old"], throughputBps: 19e6, capacityShare: 0.95 }] },
      { fromNs: 10e9, toNs: 12e9, throughputBps: 19e6, groups: [{ group: "cc (v1)", flows: ["old"], throughputBps: 19e6, capacityShare: 0.95 }] },
      ...[[12e9, 15e9], [15e9, 20e9]].map(([fromNs, toNs]) => ({ fromNs: fromNs as number, toNs: toNs as number, throughputBps: 19e6, groups: [
        { group: "cc (v1)", flows: ["old"], throughputBps: 8e6, capacityShare: 0.4 }, { group: "cc (v2)", flows: ["new"], throughputBps: 11e6, capacityShare: 0.55 },
      ] })),
    ],
    jain: 1, links: [], events: 0,
  };
  const text = explainRun(s, [
    { tNs: 10e9, label: "update cc → v2", detail: "BPF_LINK_UPDATE: \"cc\" now means v2", ok: true },
    { tNs: 15e9, label: "default nosuch", detail: "ENOENT", ok: false },
  ], 20e9);
  assert.match(text, /^old started on cc \(v1\) \(0 s\)\. At 10 s update cc → v2: BPF_LINK_UPDATE: "cc" now means v2\./);
  assert.match(text, /old kept cc \(v1\) until the end \(measured β 0\.50\)\./);
  assert.match(text, /new, started after it \(12 s\), got cc \(v2\) \(measured β 0\.70\)\./);
  assert.match(text, /Goodput before it \(0 s–10 s\): cc \(v1\) 19\.0 Mbit\/s \(95\.0% of capacity, 1 flow\) of 20\.0 Mbit\/s\./);
  // After: the longest interval before the next action, with both versions running.
  assert.match(text, /After it \(12 s–15 s\): cc \(v1\) 8\.0 Mbit\/s \(40\.0% of capacity, 1 flow\) and cc \(v2\) 11\.0 Mbit\/s \(55\.0% of capacity, 1 flow\) of 20\.0 Mbit\/s\./);
  assert.match(text, /At 15 s default nosuch failed \(ENOENT\), so nothing changed for the flows\./);
  assert.match(text, /Over the run, while each algorithm ran: cc \(v1\) 12\.0 Mbit\/s over its 20 s \(1 flow, 60\.0% of capacity, β 0\.50\) and cc \(v2\) 9\.0 Mbit\/s over its 8 s/);
  // An iterator on Linux may have moved flows between two versions under one name, which the run cannot see: no "kept".
  const hidden = explainRun(s, [{ tNs: 10e9, label: "iterate it", detail: "ran", ok: true, movesHidden: true }], 20e9);
  assert.match(hidden, /old ran cc \(v1\) before it; whether it moved them to another version under the same name is not visible on this kernel\./);
  assert.doesNotMatch(hidden, /kept/);
  // ... nor "until the end" after an earlier update.
  const later = explainRun(s, [
    { tNs: 10e9, label: "update cc → v2", detail: "BPF_LINK_UPDATE", ok: true },
    { tNs: 15e9, label: "iterate it", detail: "ran", ok: true, movesHidden: true },
  ], 20e9);
  assert.match(later, /old kept cc \(v1\) at least until 15 s \(what the action there did to them is not visible\)/);
  assert.doesNotMatch(later, /until the end/);
  assert.equal(timelineText(row("m", [
    { group: "reno", fromNs: 0, toNs: 10e9, bytesDelivered: 1, beta: 0.5 }, { group: "cubic", fromNs: 10e9, toNs: 20e9, bytesDelivered: 1, beta: null },
  ])), "reno → cubic at 10 s");
  assert.equal(betaText({ ...row("m", [
    { group: "reno", fromNs: 0, toNs: 10e9, bytesDelivered: 1, beta: 0.5 }, { group: "cubic", fromNs: 10e9, toNs: 20e9, bytesDelivered: 1, beta: null },
  ]) }), "0.50 → -");
});
