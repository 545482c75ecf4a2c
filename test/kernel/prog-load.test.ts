/**
 * @fileoverview KERNEL-SPEC.md §9.6 incompl_cong_ops, §9.7 unsupp_cong_op and
 * the struct_ops GPL licence rule (§9.9 invalid_license).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, available, finish, stRef, lookupState, deleteCa, loadStructOpsProg, kfuncInsns, linkCreate } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_INUSE } from "../../src/uapi/bpf-flags.js";
import { EINVAL } from "../../src/uapi/errno.js";

test("incompl_cong_ops: non-link map lacking cong_avoid → update EINVAL, stays INIT, all zero, retry allowed (§9.6)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "ca_incompl", false).ret;
  const progs = loadCa(env, cnt, null);
  const { cong_avoid, ...incomplete } = progs;
  assert.equal(updateCa(env, m, "tcp_ca_incompl", incomplete).errno, EINVAL);
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INIT, 0]);
  assert.ok(lookupState(env, m).value.every((b) => b === 0), "lookup all zero");
  assert.equal(available(env), "reno cubic");
  assert.equal(updateCa(env, m, "tcp_ca_incompl", { ...incomplete, cong_avoid: cong_avoid! }).errno, 0, "retry allowed");
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INUSE, 1]);
  assert.equal(available(env), "reno cubic tcp_ca_incompl");
  assert.equal(linkCreate(env, m).errno, EINVAL, "non-link map cannot be linked");
  // An INUSE non-link map survives fd closes (§3.1): delete it as libbpf's destroy does.
  assert.equal(deleteCa(env, m).errno, 0);
  finish(env);
});

test("unsupp_cong_op: a program for get_info fails to load with ENOTSUPP and the verifier's message (§9.7)", () => {
  const env = boot();
  const r = loadStructOpsProg(env, "get_info", kfuncInsns("tcp_reno_undo_cwnd", 1));
  assert.equal(r.errno, 524);
  assert.match(r.log, /attach to unsupported member get_info of struct tcp_congestion_ops/);
  finish(env);
});

test("struct_ops programs with a non-GPL licence are rejected with EINVAL (§9.9 invalid_license)", () => {
  const env = boot();
  const r = loadStructOpsProg(env, "ssthresh", kfuncInsns("tcp_reno_ssthresh", 1), "MIT");
  assert.equal(r.errno, EINVAL);
  assert.match(r.log, /struct ops programs must have a GPL compatible license/);
  assert.equal(loadStructOpsProg(env, "ssthresh", kfuncInsns("tcp_reno_ssthresh", 1), "Dual MIT/GPL").errno, 0);
  finish(env);
});
