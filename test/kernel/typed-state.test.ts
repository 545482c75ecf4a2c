/**
 * @fileoverview Per-type private state of maps and links is reached only
 * through its own type's operations (`mapPriv`, `linkPriv`), and a struct_ops
 * map's state is one of enum bpf_struct_ops_state: a state the kernel holds
 * impossible raises a KernelBug instead of passing for an errno
 * (kernel/bpf/bpf_struct_ops.c bpf_struct_ops_map_delete_elem, KERNEL-SPEC.md §3).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, createCaMap, deleteCa, finish } from "./harness.js";
import { KernelBug } from "../../src/kernel/bug.js";
import { mapPriv } from "../../src/kernel/map/core.js";
import { arrayMapOps } from "../../src/kernel/map/array.js";
import { hashMapOps } from "../../src/kernel/map/hash.js";
import { structOpsMapOps, structOpsState } from "../../src/kernel/map/struct-ops.js";
import { isErr } from "../../src/kernel/errptr.js";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_READY } from "../../src/uapi/bpf-flags.js";
import { ENOENT } from "../../src/uapi/errno.js";

test("mapPriv() gives a map's state to its own type's operations and raises a KernelBug for another type's", () => {
  const env = boot();
  const fd = counters(env);
  const map = env.kernel.mapGetFd(env.p.task, fd);
  assert.ok(!isErr(map));
  assert.equal(mapPriv(map, arrayMapOps).elemSize, 8);
  assert.throws(() => mapPriv(map, hashMapOps), KernelBug);
  assert.throws(() => mapPriv(map, structOpsMapOps), KernelBug);
  assert.equal(structOpsState(map), null, "an array map has no struct_ops state");
  map.put();
  finish(env);
});

test("BPF_MAP_DELETE_ELEM on a struct_ops map without BPF_F_LINK in state READY is a KernelBug, not ENOENT (bpf_struct_ops_map_delete_elem's WARN_ON_ONCE)", () => {
  const env = boot();
  const fd = createCaMap(env, "no_link", false).ret;
  assert.equal(deleteCa(env, fd).errno, ENOENT, "INIT: nothing registered");
  const map = env.kernel.mapGetFd(env.p.task, fd);
  assert.ok(!isErr(map));
  const st = structOpsState(map);
  assert.ok(st !== null);
  st.state = BPF_STRUCT_OPS_STATE_READY;
  assert.throws(() => deleteCa(env, fd), KernelBug);
  st.state = BPF_STRUCT_OPS_STATE_INIT;
  map.put();
  finish(env);
});
