/**
 * @fileoverview The sender's PSH marks (src/sim/tcp/psh.ts) against what
 * tcp_sendmsg_locked (net/ipv4/tcp.c: forced_push, tcp_mark_push, tcp_push)
 * put on the testbed's data segments: captured on the receiver's r0 during
 * Linux runs of 20mbit-40ms-1bdp-loss1 and 100mbit-20ms-0.5bdp (64 KB writes,
 * the SYN-ACK's window 65160 bytes), and with 32 KB writes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PshMarks } from "../../src/sim/tcp/psh.js";

const MSS = 1448;

function marked(m: PshMarks, upTo: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < upTo; s++) if (m.has(s)) out.push(s);
  return out;
}

test("64 KB writes, max_window 65160: one PSH per write, 32580 bytes into it (forced_push), none at the writes' ends", () => {
  const got = marked(new PshMarks(65536, MSS, 65160 >> 1, Infinity), 1200);
  // The capture (0-based segments from the first data byte).
  assert.deepEqual(got, [22, 67, 113, 158, 203, 248, 294, 339, 384, 429, 475, 520, 565, 610, 656, 701, 746, 791, 837, 882, 927, 972, 1018, 1063, 1108, 1153, 1199]);
  // Asked out of order (a retransmission), the same answer.
  const m = new PshMarks(65536, MSS, 65160 >> 1, Infinity);
  assert.equal(m.has(1153), true);
  assert.equal(m.has(22), true);
  assert.equal(m.has(45), false);
});

test("32 KB writes: forced_push only where a segment ends in a write's last 188 bytes (more than 32580 past its start), the tails' marks cleared", () => {
  // Captured with `write: 32KiB` (structops run --linux, 20mbit-40ms-1bdp-loss1, 2 s): PSH on 180, 361, 542, 610, 791.
  assert.deepEqual(marked(new PshMarks(32768, MSS, 65160 >> 1, Infinity), 800), [180, 361, 542, 610, 791]);
});

test("PSH: one endless write is pushed every half window; a write ending on a segment boundary keeps its tail's mark; the last segment of a sized flow is marked", () => {
  // forced_push after the skb that passes pushed_seq + 32580: 22 (ends at 33304), then 45 (66608 > 65884), ...
  assert.deepEqual(marked(new PshMarks(Number.MAX_SAFE_INTEGER, MSS, 32580, Infinity), 100), [22, 45, 68, 91]);
  // 10-segment writes end on a boundary: tcp_push's mark on each tail stays (the next write starts a new skb).
  assert.deepEqual(marked(new PshMarks(10 * MSS, MSS, 32580, Infinity), 40), [9, 19, 29, 39]);
  // 100000 bytes in 64 KB writes: 22, 67 (forced) and the final partial segment 69.
  assert.deepEqual(marked(new PshMarks(65536, MSS, 32580, 100_000), 80), [22, 67, 69]);
});
