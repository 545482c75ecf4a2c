/**
 * @fileoverview The Linux backend reads kernel BTF through the shared
 * decoder (src/btf): the model's vmlinux blob gives the very layout and
 * value the emulated kernel uses, the running kernel's /sys/kernel/btf/vmlinux
 * reads when there is one, and blobs that are not BTF give a TypeError.
 * KERNEL-SPEC.md §1.4 (value layout).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { BTF_KIND_FUNC } from "../../uapi/btf.js";
import { getVmlinuxBtf } from "../model.js";
import { structOpsValue, structOpsValueLayout } from "../struct-ops-value.js";
import { parseKernelBtf } from "./vmlinux-btf.js";
import { intOnlyBtf } from "./user-btf.js";

test("parseKernelBtf reads the model's vmlinux BTF as the emulated kernel does", () => {
  const model = getVmlinuxBtf();
  const k = parseKernelBtf(model.bytes);
  assert.equal(k.nrTypes, model.nrTypes);
  assert.deepEqual(structOpsValueLayout(k, "tcp_congestion_ops"), structOpsValueLayout(model, "tcp_congestion_ops"));
  const id = structOpsValueLayout(k, "tcp_congestion_ops").typeId;
  assert.deepEqual(k.members(id), model.members(id));
  for (const n of ["ssthresh", "init", "release", "name"]) assert.equal(k.memberIndex(id, n), model.memberIndex(id, n));
  assert.equal(k.findByNameKind("tcp_reno_ssthresh", BTF_KIND_FUNC), model.kfuncId("tcp_reno_ssthresh"));
  const fields = { name: "x", ssthresh: 3, init: 4 };
  assert.deepEqual(structOpsValue(k, "tcp_congestion_ops", fields), structOpsValue(model, "tcp_congestion_ops", fields));
});

test("parseKernelBtf reads the running kernel's /sys/kernel/btf/vmlinux", (t) => {
  if (!existsSync("/sys/kernel/btf/vmlinux")) {
    t.skip("no /sys/kernel/btf/vmlinux on this machine (not Linux, or a kernel without CONFIG_DEBUG_INFO_BTF)");
    return;
  }
  const k = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
  const l = structOpsValueLayout(k, "tcp_congestion_ops");
  assert.equal(l.dataOffset % 8, 0);
  assert.ok(l.valueSize > l.dataOffset);
  assert.ok(k.memberIndex(l.typeId, "ssthresh") >= 0);
  assert.ok(k.findByNameKind("tcp_reno_ssthresh", BTF_KIND_FUNC) > 0);
});

test("parseKernelBtf rejects what is not BTF with a TypeError; intOnlyBtf is a one-type blob", () => {
  assert.throws(() => parseKernelBtf(new Uint8Array(8)), (e: unknown) => e instanceof TypeError && /bad BTF magic/.test(e.message));
  const b = intOnlyBtf();
  const truncated = b.slice(0, b.length - 3);
  assert.throws(() => parseKernelBtf(truncated), (e: unknown) => e instanceof TypeError && /BTF string section .* runs past the end/.test(e.message));
  const k = parseKernelBtf(b);
  assert.equal(k.nrTypes, 1);
  assert.equal(k.type(1).name, "int");
  assert.equal(k.resolveSize(1), 4);
});
