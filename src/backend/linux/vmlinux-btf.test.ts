/**
 * @fileoverview KernelBtf (the Linux backend's BTF reader) agrees with the
 * emulated kernel's BTF lookups on the model's vmlinux blob, reads the
 * running kernel's /sys/kernel/btf/vmlinux when there is one, and rejects
 * blobs that are not BTF with a TypeError. KERNEL-SPEC.md §1.4 (value layout).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { getVmlinuxBtf } from "../model.js";
import { structOpsValue, structOpsValueLayout } from "../struct-ops-value.js";
import { KernelBtf } from "./vmlinux-btf.js";
import { intOnlyBtf } from "./user-btf.js";

test("KernelBtf reads the model's vmlinux BTF exactly as the kernel's BtfLookup does", () => {
  const model = getVmlinuxBtf();
  const k = new KernelBtf(model.bytes);
  assert.equal(k.nrTypes, model.nrTypes);
  assert.deepEqual(structOpsValueLayout(k, "tcp_congestion_ops"), structOpsValueLayout(model, "tcp_congestion_ops"));
  const id = structOpsValueLayout(k, "tcp_congestion_ops").typeId;
  assert.deepEqual(k.members(id), model.members(id));
  for (const n of ["ssthresh", "init", "release", "name"]) assert.equal(k.memberIndex(id, n), model.memberIndex(id, n));
  assert.equal(k.kfuncId("tcp_reno_ssthresh"), model.kfuncId("tcp_reno_ssthresh"));
  const fields = { name: "x", ssthresh: 3, init: 4 };
  assert.deepEqual(structOpsValue(k, "tcp_congestion_ops", fields), structOpsValue(model, "tcp_congestion_ops", fields));
});

test("KernelBtf reads the running kernel's /sys/kernel/btf/vmlinux", (t) => {
  if (!existsSync("/sys/kernel/btf/vmlinux")) {
    t.skip("no /sys/kernel/btf/vmlinux on this machine (not Linux, or a kernel without CONFIG_DEBUG_INFO_BTF)");
    return;
  }
  const k = new KernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
  const l = structOpsValueLayout(k, "tcp_congestion_ops");
  assert.equal(l.dataOffset % 8, 0);
  assert.ok(l.valueSize > l.dataOffset);
  assert.ok(k.memberIndex(l.typeId, "ssthresh") >= 0);
  assert.ok(k.kfuncId("tcp_reno_ssthresh") > 0);
});

test("KernelBtf rejects what is not BTF; intOnlyBtf is a one-type blob", () => {
  assert.throws(() => new KernelBtf(new Uint8Array(8)), TypeError);
  const b = intOnlyBtf();
  const truncated = b.slice(0, b.length - 3);
  assert.throws(() => new KernelBtf(truncated), /sections end past the blob/);
  const k = new KernelBtf(b);
  assert.equal(k.nrTypes, 1);
  assert.equal(k.name(1), "int");
  assert.equal(k.resolveSize(1), 4);
});
