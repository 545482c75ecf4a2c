/**
 * @fileoverview KERNEL-SPEC.md §9 scenarios 6, 7 and 12 and the licence rule
 * at the library level: incomplete ops load but fail at attach (EINVAL, map
 * stays INIT); a program for an unsupported member fails the load; a
 * non-GPL object fails the load; libbpf's struct_ops load-time rules
 * (non-zero member unknown to the kernel, nulled-out callback, forgotten
 * callback, one program in two members); every failed load leaves nothing
 * behind in the kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BPF_STRUCT_OPS_STATE_INIT } from "../../src/uapi/bpf-flags.js";
import { EINVAL, ENOTSUPP } from "../../src/uapi/errno.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { FLAVORS, available, loadFixture, openFixture, sockOn, stateOf, teardown } from "./helpers.js";
import { compileBpf, FIXTURES, missingClang } from "../obj/helpers.js";

for (const flavor of FLAVORS) {
  test(`§9.6 incompl_cong_ops (${flavor}): loads, attach fails with EINVAL, the map stays INIT`, () => {
    const env = loadFixture("incompl", flavor);
    assert.throws(() => env.obj.attachStructOps("fx_incompl"), (e: unknown) => e instanceof BpfError && e.errno === EINVAL && e.cmd === "BPF_MAP_UPDATE_ELEM");
    assert.equal(stateOf(env.obj.map("fx_incompl")).state, BPF_STRUCT_OPS_STATE_INIT);
    assert.equal(available(env), "reno bbr cubic");
    teardown(env);
  });

  test(`§9.7 unsupp_cong_op (${flavor}): a program for get_info fails the load and nothing is left`, () => {
    const env = openFixture("unsupp", flavor);
    assert.throws(() => env.obj.load(env.p), (e: unknown) => {
      assert.ok(e instanceof BpfError);
      assert.equal(e.cmd, "BPF_PROG_LOAD");
      assert.equal(e.errno, ENOTSUPP);
      assert.match(e.message, /load program 'fx_unsupp_get_info'.*attach to unsupported member get_info of struct tcp_congestion_ops/);
      return true;
    });
    assert.equal(env.obj.map("fx_unsupp").fd, -1);
    teardown(env);
  });

  test(`non-GPL licence (${flavor}): the load fails with EINVAL naming the program`, () => {
    const env = openFixture("nogpl", flavor);
    assert.throws(() => env.obj.load(env.p), (e: unknown) => e instanceof BpfError && e.errno === EINVAL && /load program 'fx_nogpl_/.test(e.message));
    teardown(env);
  });

  test(`reno (${flavor}): the ?.struct_ops.link map is not created and its programs follow it`, () => {
    const env = loadFixture("reno", flavor);
    assert.equal(env.obj.map("fx_reno_opt").fd, -1);
    const link = env.obj.attachStructOps("fx_reno");
    const s = sockOn(env, "fx_reno");
    assert.equal(s.errno, 0);
    link.close();
    teardown(env);
  });
}

/** A struct_ops object for libbpf's load-time rules; `variant` picks the case. */
function rulesObject(variant: string): Uint8Array {
  return compileBpf(`#define ${variant} 1
#include "tcp_ca.h"
char _license[] SEC("license") = "GPL";
SEC("struct_ops") __u32 BPF_PROG(r_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }
SEC("struct_ops") void BPF_PROG(r_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }
SEC("struct_ops") __u32 BPF_PROG(r_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }
SEC("struct_ops") void BPF_PROG(r_init, struct sock *sk) { }
#ifdef FORGOTTEN
SEC("struct_ops") void BPF_PROG(r_forgotten, struct sock *sk) { }
#endif
struct tcp_congestion_ops___ext { __u32 (*ssthresh)(struct sock *); void (*cong_avoid)(struct sock *, __u32, __u32);
  __u32 (*undo_cwnd)(struct sock *); void (*init)(struct sock *); char name[16]; int not_in_kernel; };
SEC(".struct_ops.link")
struct tcp_congestion_ops___ext r_ops = {
  .ssthresh = (void *)r_ssthresh, .cong_avoid = (void *)r_cong_avoid, .undo_cwnd = (void *)r_undo_cwnd,
#ifdef TWICE
  .init = (void *)r_undo_cwnd,
#else
  .init = (void *)r_init,
#endif
  .name = "r_ops",
#ifdef NOT_ZEROED
  .not_in_kernel = 1,
#endif
};
`, [`${FIXTURES}/include/model`, `${FIXTURES}/include`]);
}

function loadFails(bytes: Uint8Array, re: RegExp): void {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(bytes);
  assert.throws(() => obj.load(p), (e: unknown) => {
    assert.ok(e instanceof BpfError, String(e));
    assert.match(e.message, re);
    return true;
  });
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
}

test("§9.12 struct_ops_not_zeroed: a non-zero member the kernel lacks fails the load; zero is fine", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  loadFails(rulesObject("NOT_ZEROED"), /member 'not_in_kernel' is not found in the kernel's struct tcp_congestion_ops and is not zero/);
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(rulesObject("PLAIN"));
  obj.load(p);
  const link = obj.attachStructOps("r_ops");
  assert.match(p.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text, /r_ops/);
  link.close();
  obj.close();
});

test("§9.12 forgotten_cb: a struct_ops program no map references fails the load", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  loadFails(rulesObject("FORGOTTEN"), /program 'r_forgotten': struct_ops program isn't referenced anywhere/);
});

test("§9.12 null_out_cb: a callback cleared before load is not loaded; fields change before load", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(rulesObject("PLAIN"));
  const m = obj.map("r_ops");
  m.setStructOpsField("init", null);
  m.setStructOpsField("name", "renamed_ops");
  obj.load(p);
  assert.equal(obj.program("r_init").fd, -1, "not loaded");
  assert.ok(obj.program("r_ssthresh").fd >= 0);
  const link = obj.attachStructOps(m);
  assert.match(p.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text, /renamed_ops/);
  assert.throws(() => m.setStructOpsField("name", "late"), (e: unknown) => e instanceof BpfError);
  link.close();
  obj.close();
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});

test("one program in two members of different index fails the load (libbpf's reuse rule)", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  loadFails(rulesObject("TWICE"), /program 'r_undo_cwnd' is already used for tcp_congestion_ops.undo_cwnd and cannot also serve tcp_congestion_ops.init/);
});
