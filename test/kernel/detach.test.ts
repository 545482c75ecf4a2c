/**
 * @fileoverview KERNEL-SPEC.md §9.13 test_detach_link and §9.22 detach semantics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, linkCreate, linkUpdate, linkDetach, linkInfo, fdinfoTail, available, finish, mapIdOf, stRef, linkFdinfo } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { ENOLINK } from "../../src/uapi/errno.js";

test("LINK_DETACH twice → 0,0; fdinfo drops map_id; info map_id 0; EPOLLHUP; LINK_UPDATE ENOLINK; close does not unreg again (§9.13, §9.22)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const m2 = createCaMap(env, "ca_update_2", true).ret;
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  assert.equal(updateCa(env, m2, "tcp_ca_update", loadCa(env, cnt, 1)).errno, 0);
  const l = linkCreate(env, m1);
  assert.equal(l.errno, 0);
  const id1 = mapIdOf(env, "ca_update_1")!;
  const lid = linkInfo(env, l.ret).id;
  assert.equal(env.p.poll(l.ret).revents, 0, "no events while attached");
  assert.equal(fdinfoTail(env, l.ret), linkFdinfo(lid, id1));

  assert.equal(linkDetach(env, l.ret).errno, 0);
  assert.equal(env.p.poll(l.ret).revents & 0x10, 0x10, "EPOLLHUP");
  assert.equal(linkDetach(env, l.ret).errno, 0, "second detach is a no-op");
  assert.equal(fdinfoTail(env, l.ret), linkFdinfo(lid));
  const info = linkInfo(env, l.ret);
  assert.equal(info.errno, 0);
  assert.equal(info.id, lid);
  assert.equal(info.mapId, 0);
  assert.equal(available(env), "reno bbr cubic");
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(linkUpdate(env, l.ret, m2).errno, ENOLINK);
  assert.deepEqual(stRef(env, m2), [BPF_STRUCT_OPS_STATE_READY, 0]);

  // Another link registers the name; closing the detached link must not unregister it.
  const l2 = linkCreate(env, m2);
  assert.equal(l2.errno, 0);
  assert.equal(env.p.close(l.ret).errno, 0);
  env.kernel.settle();
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  assert.deepEqual(stRef(env, m2), [BPF_STRUCT_OPS_STATE_READY, 1]);
  finish(env);
});
