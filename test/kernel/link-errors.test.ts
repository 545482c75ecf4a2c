/**
 * @fileoverview KERNEL-SPEC.md §9.20 link_create errors, §9.21 link_update
 * errors and §9.23 lifetime.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, deleteCa, linkCreate, linkUpdate, linkInfo, available, finish, stRef } from "./harness.js";
import { BPF_LINK_UPDATE } from "../../src/uapi/bpf-enums.js";
import { BPF_F_REPLACE, BPF_STRUCT_OPS_STATE_INUSE, BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { EBADF, EEXIST, EINVAL } from "../../src/uapi/errno.js";

test("LINK_CREATE errors: EBADF, non-map/non-struct_ops/non-link/INIT → EINVAL, EEXIST consumes a link ID (§9.20)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const m2 = createCaMap(env, "ca_update_2", true).ret;
  const nl = createCaMap(env, "ca_no_link", false).ret;
  assert.equal(linkCreate(env, 999).errno, EBADF);
  assert.equal(linkCreate(env, env.btfFd).errno, EINVAL, "BTF fd is not a map");
  assert.equal(linkCreate(env, cnt).errno, EINVAL, "array map");
  assert.equal(linkCreate(env, m1).errno, EINVAL, "link map in INIT");
  assert.equal(updateCa(env, nl, "tcp_ca_no_link", loadCa(env, cnt, null)).errno, 0);
  assert.equal(linkCreate(env, nl).errno, EINVAL, "non-link map");
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  assert.equal(updateCa(env, m2, "tcp_ca_update", loadCa(env, cnt, 1)).errno, 0);
  const l1 = linkCreate(env, m1);
  assert.equal(l1.errno, 0);
  const id1 = linkInfo(env, l1.ret).id;
  assert.equal(linkCreate(env, m1).errno, EEXIST, "second concurrent link on the same map");
  assert.equal(linkCreate(env, m2).errno, EEXIST, "name taken");
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.deepEqual(stRef(env, m2), [BPF_STRUCT_OPS_STATE_READY, 0]);
  env.p.close(l1.ret);
  const l2 = linkCreate(env, m2);
  assert.equal(l2.errno, 0);
  assert.equal(linkInfo(env, l2.ret).id, id1 + 3, "the two failed creates consumed IDs");
  assert.equal(deleteCa(env, nl).errno, 0);
  finish(env);
});

test("LINK_UPDATE errors: bad flags, old_map_fd without REPLACE, EBADF, non-link fd, new map not READY (§9.21)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const m2 = createCaMap(env, "ca_update_2", true).ret;
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  const l = linkCreate(env, m1).ret;
  assert.equal(env.p.bpf(BPF_LINK_UPDATE, { link_fd: l, new_map_fd: m1, flags: 1 }).errno, EINVAL);
  assert.equal(env.p.bpf(BPF_LINK_UPDATE, { link_fd: l, new_map_fd: m1, old_map_fd: m1 }).errno, EINVAL);
  assert.equal(linkUpdate(env, 999, m1).errno, EBADF);
  assert.equal(linkUpdate(env, m1, m1).errno, EINVAL, "map fd is not a link");
  assert.equal(linkUpdate(env, l, m2).errno, EINVAL, "new map INIT");
  assert.equal(linkUpdate(env, l, cnt).errno, EINVAL, "new map not struct_ops");
  void BPF_F_REPLACE;
  assert.deepEqual(stRef(env, m1), [BPF_STRUCT_OPS_STATE_READY, 1]);
  finish(env);
});

test("lifetime: last link fd close unregisters; map fd close alone changes nothing; INUSE non-link map survives fd close (§9.23)", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true).ret;
  const nl = createCaMap(env, "ca_no_link", false).ret;
  assert.equal(updateCa(env, m1, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  assert.equal(updateCa(env, nl, "tcp_ca_no_link", loadCa(env, cnt, null)).errno, 0);
  const l = linkCreate(env, m1).ret;
  const mapId = linkInfo(env, l).mapId;
  env.p.close(m1);
  env.kernel.settle();
  assert.equal(linkInfo(env, l).mapId, mapId);
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link tcp_ca_update");
  env.p.close(l);
  env.kernel.settle();
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link");
  const nlId = env.kernel.mapIdr.values().find((m) => m.attrs.map_name === "ca_no_link")!.id;
  env.p.close(nl);
  env.kernel.settle();
  assert.equal(available(env), "reno bbr cubic tcp_ca_no_link", "INUSE map stays registered");
  assert.ok(env.kernel.mapIdr.values().some((m) => m.id === nlId));
  void BPF_STRUCT_OPS_STATE_INUSE;
  env.p.exit();
  env.kernel.settle();
  assert.ok(env.kernel.leaks().some((s) => s.includes("ca_no_link")), "only the INUSE map (and its progs) remain");
});
