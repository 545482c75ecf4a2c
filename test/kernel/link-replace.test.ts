/**
 * @fileoverview KERNEL-SPEC.md §9.5 link_replace: BPF_F_REPLACE with the
 * wrong old map → EPERM; with the right one → success.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, linkCreate, linkUpdate, linkInfo, fdinfoTail, available, finish, mapIdOf, stRef, linkFdinfo } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { EPERM } from "../../src/uapi/errno.js";

test("LINK_UPDATE with BPF_F_REPLACE: wrong old_map_fd EPERM, right one succeeds (§9.5)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const m2 = createCaMap(env, "ca_update_2", true).ret;
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  const l1 = linkCreate(env, m1);
  assert.equal(l1.errno, 0);
  env.p.close(l1.ret);
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(available(env), "reno bbr cubic");

  assert.equal(updateCa(env, m2, "tcp_ca_update", loadCa(env, cnt, 1)).errno, 0);
  const l = linkCreate(env, m2);
  assert.equal(l.errno, 0);
  const id1 = mapIdOf(env, "ca_update_1")!;
  const id2 = mapIdOf(env, "ca_update_2")!;
  const lid = linkInfo(env, l.ret).id;
  assert.equal(fdinfoTail(env, l.ret), linkFdinfo(lid, id2));

  assert.equal(linkUpdate(env, l.ret, m1, m1).errno, EPERM);
  assert.equal(linkInfo(env, l.ret).mapId, id2);
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.deepEqual(stRef(env, m2), [BPF_STRUCT_OPS_STATE_READY, 1]);

  assert.equal(linkUpdate(env, l.ret, m1, m2).errno, 0);
  assert.equal(linkInfo(env, l.ret).mapId, id1);
  assert.equal(fdinfoTail(env, l.ret), linkFdinfo(lid, id1));
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.deepEqual(stRef(env, m2), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  env.p.close(l.ret);
  assert.equal(available(env), "reno bbr cubic");
  finish(env);
});
