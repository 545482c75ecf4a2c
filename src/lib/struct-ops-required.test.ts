/**
 * @fileoverview Tests for struct-ops-required.ts: the members
 * tcp_validate_congestion_control (net/ipv4/tcp_cong.c) requires, as the
 * loader explains a refused registration.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { missingRequiredMembers } from "./struct-ops-required.js";

test("a complete tcp_congestion_ops has nothing missing (cong_avoid or cong_control will do)", () => {
  assert.equal(missingRequiredMembers("tcp_congestion_ops", ["ssthresh", "undo_cwnd", "cong_avoid"]), "");
  assert.equal(missingRequiredMembers("tcp_congestion_ops", ["init", "ssthresh", "undo_cwnd", "cong_control"]), "");
});

test("each missing requirement is named, alternatives together", () => {
  assert.equal(missingRequiredMembers("tcp_congestion_ops", ["ssthresh", "undo_cwnd"]),
    "struct tcp_congestion_ops requires cong_avoid or cong_control; the map does not set it");
  assert.equal(missingRequiredMembers("tcp_congestion_ops", ["init", "cong_avoid"]),
    "struct tcp_congestion_ops requires ssthresh and undo_cwnd; the map does not set them");
  assert.equal(missingRequiredMembers("tcp_congestion_ops", []),
    "struct tcp_congestion_ops requires ssthresh, undo_cwnd and cong_avoid or cong_control; the map does not set them");
});

test("a struct_ops type the loader has no rule for gives no reason rather than a wrong one", () => {
  assert.equal(missingRequiredMembers("sched_ext_ops", []), "");
});
