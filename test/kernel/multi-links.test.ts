/**
 * @fileoverview KERNEL-SPEC.md §9.4 multi_links: a READY link map can be
 * attached again after its first link is destroyed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, linkCreate, linkInfo, fdinfoTail, available, finish, mapIdOf, stRef, linkFdinfo } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { EBUSY } from "../../src/uapi/errno.js";

test("attach, destroy, attach again on the same READY map: second LINK_CREATE succeeds (§9.4)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const progs = loadCa(env, cnt, 0);
  assert.equal(updateCa(env, m1, "tcp_ca_update", progs).errno, 0);
  const id1 = mapIdOf(env, "ca_update_1")!;
  const l1 = linkCreate(env, m1);
  assert.equal(l1.errno, 0);
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  env.p.close(l1.ret);
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(available(env), "reno bbr cubic");

  assert.equal(updateCa(env, m1, "tcp_ca_update", progs).errno, EBUSY, "libbpf ignores this EBUSY");
  const l2 = linkCreate(env, m1);
  assert.equal(l2.errno, 0);
  const info = linkInfo(env, l2.ret);
  assert.equal(info.mapId, id1);
  assert.equal(fdinfoTail(env, l2.ret), linkFdinfo(info.id, id1));
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  env.p.close(l2.ret);
  assert.equal(available(env), "reno bbr cubic");
  finish(env);
});
