/**
 * @fileoverview KERNEL-SPEC.md §9 scenarios 1-5 at the library level, with
 * the update fixture (test/fixtures/update.bpf.c) built against both the
 * emulated kernel's vmlinux.h and a real kernel's (the latter works through
 * CO-RE alone), as the kernel selftests (bpf_tcp_ca.c) run them through
 * libbpf: attach, sockets by name, updateMap to the same name, to a wrong
 * name, mixed links, multiple links, BPF_F_REPLACE.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_INUSE, BPF_STRUCT_OPS_STATE_READY, BPF_STRUCT_OPS_STATE_TOBEFREE } from "../../src/uapi/bpf-flags.js";
import { EINVAL, ENOENT, EPERM } from "../../src/uapi/errno.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfLink, unpin } from "../../src/lib/object.js";
import { FLAVORS, available, loadFixture, sockOn, stateOf, teardown } from "./helpers.js";

function bpfErr(errno: number, cmd: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof BpfError, String(e));
    assert.equal(e.errno, errno, e.message);
    assert.equal(e.cmd, cmd);
    return true;
  };
}

for (const flavor of FLAVORS) {
  test(`§9.1 update_ca (${flavor} build): updateMap to the same-name map keeps old sockets on the old counter`, () => {
    const env = loadFixture("update", flavor);
    const { obj } = env;
    for (const n of ["ca_update_1", "ca_update_2", "ca_wrong", "ca_no_link"]) assert.equal(stateOf(obj.map(n)).state, BPF_STRUCT_OPS_STATE_INIT, n);
    const link = obj.attachStructOps("ca_update_1");
    assert.equal(stateOf(obj.map("ca_update_1")).state, BPF_STRUCT_OPS_STATE_READY);
    assert.equal(available(env), "reno bbr cubic tcp_ca_update");
    const old = sockOn(env, "tcp_ca_update");
    assert.equal(old.errno, 0);
    const ca1 = obj.variable("ca1_cnt"), ca2 = obj.variable("ca2_cnt");
    assert.ok(ca1.getBigInt() > 0n);
    const c1 = ca1.getBigInt();

    link.updateMap(obj.map("ca_update_2"));
    assert.equal(link.info().struct_ops?.map_id, obj.map("ca_update_2").info().id);
    const fresh = sockOn(env, "tcp_ca_update");
    assert.equal(fresh.errno, 0);
    assert.equal(ca1.getBigInt(), c1, "ca1_cnt unchanged");
    assert.ok(ca2.getBigInt() > 0n, "new sockets run ca_update_2");
    assert.equal(env.p.getCongestion(old.fd).name, "tcp_ca_update");

    link.close();
    env.k.settle();
    assert.equal(available(env), "reno bbr cubic");
    assert.equal(sockOn(env, "tcp_ca_update").errno, ENOENT);
    teardown(env);
  });

  test(`§9.2 update_wrong (${flavor}): updateMap to another name fails with EINVAL and leaves the link on its map`, () => {
    const env = loadFixture("update", flavor);
    const { obj } = env;
    const link = obj.attachStructOps("ca_update_1");
    sockOn(env, "tcp_ca_update");
    const c1 = obj.variable("ca1_cnt").getBigInt();
    assert.ok(c1 > 0n);
    assert.throws(() => link.updateMap(obj.map("ca_wrong")), bpfErr(EINVAL, "BPF_LINK_UPDATE"));
    assert.equal(stateOf(obj.map("ca_wrong")).state, BPF_STRUCT_OPS_STATE_READY, "ca_wrong registered as a side effect");
    assert.equal(link.info().struct_ops?.map_id, obj.map("ca_update_1").info().id);
    sockOn(env, "tcp_ca_update");
    assert.ok(obj.variable("ca1_cnt").getBigInt() > c1);
    link.close();
    teardown(env);
  });

  test(`§9.3 mixed_links (${flavor}): a map without BPF_F_LINK gets a fake link and cannot replace a real one`, () => {
    const env = loadFixture("update", flavor);
    const { obj } = env;
    const fake = obj.attachStructOps("ca_no_link");
    assert.equal(fake.fake, true);
    assert.equal(stateOf(obj.map("ca_no_link")).state, BPF_STRUCT_OPS_STATE_INUSE);
    const link = obj.attachStructOps("ca_update_1");
    sockOn(env, "tcp_ca_update");
    assert.ok(obj.variable("ca1_cnt").getBigInt() > 0n);
    assert.throws(() => link.updateMap(obj.map("ca_no_link")), bpfErr(EINVAL, "BPF_LINK_UPDATE"));
    assert.throws(() => fake.updateMap(obj.map("ca_update_2")), bpfErr(EINVAL, "bpf_link__update_map"));
    assert.throws(() => fake.detach(), bpfErr(EINVAL, "bpf_link__detach"));
    link.close();
    fake.close();
    assert.equal(stateOf(obj.map("ca_no_link")).state, BPF_STRUCT_OPS_STATE_TOBEFREE);
    assert.equal(available(env), "reno bbr cubic");
    teardown(env);
  });

  test(`§9.4 multi_links (${flavor}): a READY map can be attached again after its link is gone (EBUSY tolerated)`, () => {
    const env = loadFixture("update", flavor);
    const first = env.obj.attachStructOps("ca_update_1");
    first.close();
    assert.equal(available(env), "reno bbr cubic");
    const second = env.obj.attachStructOps("ca_update_1");
    assert.equal(available(env), "reno bbr cubic tcp_ca_update");
    assert.notEqual(second.info().id, 0);
    second.close();
    teardown(env);
  });

  test(`§9.5 link_replace (${flavor}): BPF_F_REPLACE with the wrong old map is EPERM, with the right one swaps`, () => {
    const env = loadFixture("update", flavor);
    const { obj } = env;
    obj.attachStructOps("ca_update_1").close();
    const link = obj.attachStructOps("ca_update_2");
    const m1 = obj.map("ca_update_1"), m2 = obj.map("ca_update_2");
    assert.throws(() => link.updateMap(m1, { replace: m1 }), bpfErr(EPERM, "BPF_LINK_UPDATE"));
    link.updateMap(m1, { replace: m2 });
    assert.equal(link.info().struct_ops?.map_id, m1.info().id);
    link.close();
    teardown(env);
  });
}

test("§9.22 detach through the library: detach, then poll reports EPOLLHUP and updateMap is ENOLINK", () => {
  const env = loadFixture("update", "model");
  const link = env.obj.attachStructOps("ca_update_1");
  link.detach();
  assert.equal(available(env), "reno bbr cubic");
  assert.notEqual(env.p.poll(link.fd).revents & 0x10, 0, "EPOLLHUP");
  assert.throws(() => link.updateMap(env.obj.map("ca_update_2")), (e: unknown) => e instanceof BpfError && e.errnoName === "ENOLINK");
  link.close();
  teardown(env);
});

test("pinned links survive their fd, reopen with loadPinned and go with unpin (kernel/bpf/inode.c bpf_free_inode)", () => {
  const env = loadFixture("update", "model");
  const link = env.obj.attachStructOps("ca_update_1");
  link.pin("/sys/fs/bpf/ca_link");
  link.close();
  assert.equal(available(env), "reno bbr cubic tcp_ca_update", "the pin keeps the link");
  const again = BpfLink.loadPinned(env.p, "/sys/fs/bpf/ca_link");
  assert.equal(again.info().struct_ops?.map_id, env.obj.map("ca_update_1").info().id);
  again.close();
  env.obj.close();
  env.p.exit();
  env.k.settle();
  const kinds = env.k.leaks().map((l) => l.split(" ")[0]);
  assert.equal(kinds.filter((x) => x === "link").length, 1, "the pin keeps its link, whose map keeps its programs");
  const p2 = env.k.process();
  assert.throws(() => BpfLink.loadPinned(p2, "/sys/fs/bpf/ca_link/"), (e: unknown) => e instanceof BpfError && e.errnoName === "ENOTDIR");
  assert.throws(() => unpin(p2, "/sys/fs/bpf/nope", "unpin nope"), (e: unknown) => e instanceof BpfError && e.errnoName === "ENOENT" && /nope/.test(e.message));
  unpin(p2, "/sys/fs/bpf//./ca_link", "unpin the link");
  p2.exit();
  env.k.settle();
  assert.deepEqual(env.k.leaks(), [], "unpinning the last reference frees the link, its map and programs");
});
