/**
 * @fileoverview KERNEL-SPEC.md §9.3 mixed_links: a non-link (INUSE) map cannot
 * be the new map of LINK_UPDATE (libbpf: update_elem EBUSY ignored, then EINVAL).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, counter, loadCa, createCaMap, updateCa, deleteCa, linkCreate, linkUpdate, linkDetach, linkInfo, fdinfoTail, available, sockWithCa, finish, mapIdOf, stRef, linkFdinfo } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_INUSE, BPF_STRUCT_OPS_STATE_READY, BPF_STRUCT_OPS_STATE_TOBEFREE } from "../../src/uapi/bpf-flags.js";
import { EBUSY, EINVAL } from "../../src/uapi/errno.js";

test("non-link map INUSE + link map: LINK_UPDATE to the non-link map fails EINVAL (§9.3)", () => {
  const env = boot();
  const cnt = counters(env);
  const nl = createCaMap(env, "ca_no_link", false).ret;
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const noLinkProgs = loadCa(env, cnt, null);
  assert.equal(updateCa(env, nl, "tcp_ca_no_link", noLinkProgs).errno, 0);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_INUSE, 1]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link");

  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  const link = linkCreate(env, m1);
  assert.equal(link.errno, 0);
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link tcp_ca_update");
  const s = sockWithCa(env, "tcp_ca_update");
  assert.equal(s.errno, 0);
  assert.equal(counter(env, cnt, 0), 1n);
  env.p.close(s.fd);

  // libbpf's bpf_link__update_map: update_elem first (EBUSY ignored), then LINK_UPDATE.
  assert.equal(updateCa(env, nl, "tcp_ca_no_link", noLinkProgs).errno, EBUSY);
  assert.equal(linkUpdate(env, link.ret, nl).errno, EINVAL);
  const id1 = mapIdOf(env, "ca_update_1")!;
  const lid = linkInfo(env, link.ret).id;
  assert.equal(linkInfo(env, link.ret).mapId, id1);
  assert.equal(fdinfoTail(env, link.ret), linkFdinfo(lid, id1));
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_INUSE, 1]);

  // destroy the real link, then the fake one (delete_elem)
  env.p.close(link.ret);
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link");
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(deleteCa(env, nl).errno, 0);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_TOBEFREE, 0]);
  assert.equal(available(env), "reno bbr cubic");
  void linkDetach;
  finish(env);
});
