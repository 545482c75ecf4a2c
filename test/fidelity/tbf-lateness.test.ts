/**
 * @fileoverview How tbf-lateness.ts reads the kernel's trace of a run
 * (docs/fidelity.md, "tbf's watchdog"): the run's tbf is the qdisc the delay
 * line dequeues from, its watchdog the qdisc_watchdog timer armed from there
 * just after it; each arming's lateness is to the timer's firing and to the
 * next frame out, where `dequeue_skb` traces a bulk dequeue (`try_bulk_dequeue_skb`,
 * net/sched/sch_generic.c) after the re-arming made inside it, and a late
 * watchdog's bulk carries two frames.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { histogram, latenessOf, parseTraceLine, scenarioHistogram } from "./tbf-lateness.js";

const ME = "delayline-9f86c";
const Q = "0xffff8881366e2400";
const H = "0xffff8881366e25e8";
const line = (comm: string, us: number, ev: string, rest: string): string => ` ${comm}-22021   [001] d.s2. ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}: ${ev}: ${rest}`;
const start = (comm: string, us: number, ptr: string, expiresUs: number): string =>
  line(comm, us, "hrtimer_start", `hrtimer=${ptr} (-1) function=qdisc_watchdog+0x0/0x30 (-1) expires=0x${(expiresUs * 1000).toString(16)} (${expiresUs * 1000}) softexpires=0x0 (0) mode=0x0 (0)`);
const fire = (comm: string, us: number, ptr: string): string =>
  line(comm, us, "hrtimer_expire_entry", `hrtimer=${ptr} (-1) now=0x${(us * 1000).toString(16)} (${us * 1000}) function=qdisc_watchdog+0x0/0x30 (-1)`);
const deq = (comm: string, us: number, q: string, packets: number): string =>
  line(comm, us, "qdisc_dequeue", `qdisc=${q} (-1) txq=0xffff88810a22b800 (-1) packets=0x${packets} (${packets}) skbaddr=0xffff888102e0c100 (-1) ifindex=0x3 (3)`);

test("tbf-lateness: the run's own tbf and watchdog, lateness to the firing and to the next frame, a late watchdog's bulk of two counted", () => {
  const T = 57_013_000_000;
  const text = [
    // Another testbed's tbf and watchdog at the same time: ignored.
    deq("delayline-a5619", T, "0xffff888143ccd800", 1),
    start("delayline-a5619", T + 1, "0xffff888143ccd9e8", T + 90),
    // Ours: a frame out, the re-arming inside the bulk traced before it; the watchdog fires 5 µs late, the frame 13 µs.
    start(ME, T + 10, H, T + 100),
    deq(ME, T + 12, Q, 1),
    fire("node", T + 105, H),
    start("node", T + 110, H, T + 221),
    deq("node", T + 113, Q, 1),
    // 159 µs late: two frames of tokens, both out in one bulk.
    fire(ME, T + 380, H),
    start(ME, T + 388, H, T + 500),
    deq(ME, T + 390, Q, 2),
    "garbage line",
  ];
  const events = text.map((l) => parseTraceLine(l, ME)).filter((e) => e !== undefined);
  assert.equal(events.length, 10);
  const lat = latenessOf(events);
  assert.deepEqual(lat.watchdog, [5, 159]);
  assert.deepEqual(lat.service, [13, 169]);
});

test("tbf-lateness: histogram bins are the delay line's, and the scenario's histogram ends past the maximum", () => {
  const edges = [10, 100, 1000];
  const h = histogram([0, 9.9, 10, 99, 150, 5000], edges);
  assert.deepEqual(h, [2, 2, 1, 1]);
  assert.equal(scenarioHistogram(h, edges, 5000), "{ histogram: [[10us, 2], [100us, 2], [1000us, 1], [5001us, 1]] }");
  // Trailing empty bins are dropped.
  assert.equal(scenarioHistogram([3, 1, 0, 0], edges, 50), "{ histogram: [[10us, 3], [100us, 1]] }");
});
