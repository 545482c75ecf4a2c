/**
 * @fileoverview KERNEL-SPEC.md §9.1 update_ca and §9.24 socket continuity:
 * a struct_ops link swapped with BPF_LINK_UPDATE to a map of the same name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, counter, loadCa, createCaMap, updateCa, linkCreate, linkUpdate, lookupState, linkInfo, fdinfoTail, available, sockWithCa, linkDetach } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { BPF_LINK_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { ENOENT } from "../../src/uapi/errno.js";

test("BPF_LINK_UPDATE swaps the CA under one name: old sockets keep the old program, new sockets get the new one (§9.1, §9.24)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true);
  const m2 = createCaMap(env, "ca_update_2", true);
  assert.equal(m1.errno, 0);
  assert.equal(m2.errno, 0);
  assert.deepEqual([lookupState(env, m1.ret).state, lookupState(env, m1.ret).refcnt], [BPF_STRUCT_OPS_STATE_INIT, 0]);

  assert.equal(updateCa(env, m1.ret, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  assert.deepEqual([lookupState(env, m1.ret).state, lookupState(env, m1.ret).refcnt], [BPF_STRUCT_OPS_STATE_READY, 0]);
  const link = linkCreate(env, m1.ret);
  assert.equal(link.errno, 0);
  assert.equal(lookupState(env, m1.ret).refcnt, 1);
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  const info1 = linkInfo(env, link.ret);
  assert.equal(info1.type, BPF_LINK_TYPE_STRUCT_OPS);
  const map1Id = env.kernel.mapIdr.values().find((m) => m.attrs.map_name === "ca_update_1")?.id;
  assert.equal(info1.mapId, map1Id);
  assert.equal(fdinfoTail(env, link.ret), `link_type:\tstruct_ops\nlink_id:\t${info1.id}\nmap_id:\t${map1Id}\n`);

  const old = sockWithCa(env, "tcp_ca_update");
  assert.equal(old.errno, 0);
  assert.equal(counter(env, cnt, 0), 1n);
  assert.equal(lookupState(env, m1.ret).refcnt, 2, "link + one socket");

  assert.equal(updateCa(env, m2.ret, "tcp_ca_update", loadCa(env, cnt, 1)).errno, 0);
  assert.equal(linkUpdate(env, link.ret, m2.ret).errno, 0);
  const map2Id = env.kernel.mapIdr.values().find((m) => m.attrs.map_name === "ca_update_2")?.id;
  assert.equal(linkInfo(env, link.ret).mapId, map2Id);
  assert.equal(lookupState(env, m1.ret).refcnt, 1, "only the old socket holds map 1");
  assert.equal(lookupState(env, m2.ret).refcnt, 1);

  const fresh = sockWithCa(env, "tcp_ca_update");
  assert.equal(fresh.errno, 0);
  assert.equal(counter(env, cnt, 0), 1n, "ca1 counter unchanged");
  assert.equal(counter(env, cnt, 1), 1n, "ca2 ran for the new socket");
  // The old socket still runs map 1's programs; the new one map 2's.
  assert.equal(env.tcp.kdataOf(env.p.sock(old.fd)!.ca)?.map.id, map1Id);
  assert.equal(env.tcp.kdataOf(env.p.sock(fresh.fd)!.ca)?.map.id, map2Id);

  assert.equal(linkDetach(env, link.ret).errno, 0);
  assert.equal(available(env), "reno bbr cubic");
  assert.equal(sockWithCa(env, "tcp_ca_update").errno, ENOENT);
  assert.equal(env.p.getCongestion(old.fd).name, "tcp_ca_update", "old socket keeps its CA after detach");
});
