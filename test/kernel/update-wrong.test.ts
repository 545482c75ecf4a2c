/**
 * @fileoverview KERNEL-SPEC.md §9.2 update_wrong: LINK_UPDATE to a map with a
 * different CA name fails with EINVAL; the link stays on the old map.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, counter, loadCa, createCaMap, updateCa, linkCreate, linkUpdate, linkInfo, fdinfoTail, available, sockWithCa, finish, mapIdOf, stRef, linkFdinfo } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { EINVAL } from "../../src/uapi/errno.js";

test("LINK_UPDATE to ca_wrong (other name) fails EINVAL, link stays on ca_update_1 (§9.2)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const mw = createCaMap(env, "ca_wrong", true).ret;
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  const link = linkCreate(env, m1);
  assert.equal(link.errno, 0);
  const id1 = mapIdOf(env, "ca_update_1")!;
  const lid = linkInfo(env, link.ret).id;
  assert.equal(fdinfoTail(env, link.ret), linkFdinfo(lid, id1));
  const s1 = sockWithCa(env, "tcp_ca_update");
  assert.equal(s1.errno, 0);
  assert.equal(counter(env, cnt, 0), 1n);
  env.p.close(s1.fd);

  assert.deepEqual(stRef(env, mw), [BPF_STRUCT_OPS_STATE_INIT, 0]);
  assert.equal(updateCa(env, mw, "tcp_ca_wrong", loadCa(env, cnt, null)).errno, 0);
  assert.deepEqual(stRef(env, mw), [BPF_STRUCT_OPS_STATE_READY, 0], "ca_wrong READY (side effect)");
  assert.equal(linkUpdate(env, link.ret, mw).errno, EINVAL);
  assert.equal(linkInfo(env, link.ret).mapId, id1);
  assert.equal(fdinfoTail(env, link.ret), linkFdinfo(lid, id1));
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.deepEqual(stRef(env, mw), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");

  const s2 = sockWithCa(env, "tcp_ca_update");
  assert.equal(s2.errno, 0);
  assert.equal(counter(env, cnt, 0), 2n, "ca1 still runs");
  finish(env);
});
