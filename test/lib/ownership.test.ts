/**
 * @fileoverview Who owns what in src/lib: BpfObject.close destroys the links
 * its attachStructOps made and closes every fd it opened (the kernel's
 * leaks() back to its state before the object), closing twice or closing a
 * link the object already destroyed changes nothing, an OwnedFd closes once,
 * and the CollectionSpec an object was opened from is the same bytes after
 * setters, a load and a close: the choices live on BpfObjectMap and
 * BpfObjectProgram.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../src/backend/backend.js";
import { BPF_F_LINK } from "../../src/uapi/bpf-flags.js";
import { BPF_LINK_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { BpfObject, OwnedFd } from "../../src/lib/object.js";
import type { CollectionSpec } from "../../src/obj/spec.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { fixture } from "../obj/helpers.js";
import { available } from "./helpers.js";

/** A comparable rendering of a spec: every field, typed arrays as hex, Maps as entry lists. */
function snapshot(spec: CollectionSpec): string {
  return JSON.stringify(spec, (k, v: unknown) => {
    if (k === "btf") return v === undefined ? "none" : "btf";
    if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
    if (v instanceof Map) return [...v.entries()];
    if (typeof v === "bigint") return `${v}n`;
    return v;
  });
}

test("BpfObject.close destroys the struct_ops link attachStructOps made: the name is unregistered and leaks() is back to before the object (bpf_struct_ops_map_link_dealloc)", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const before = k.leaks();
  const obj = BpfObject.open(fixture("update", "model"), { name: "update" });
  obj.load(p);
  const link = obj.attachStructOps("ca_update_1");
  assert.ok(link.fd >= 0);
  assert.match(available({ k, p, obj }), /\btcp_ca_update\b/, "registered while the link is open");
  obj.close();
  k.settle();
  assert.doesNotMatch(available({ k, p, obj }), /\btcp_ca_update\b/, "unregistered once the object is closed");
  assert.equal(link.fd, -1, "the link reports no fd once destroyed");
  assert.deepEqual(k.leaks(), before, "no link, map, program or BTF fd left");
  link.close();
  obj.close();
  assert.deepEqual(k.leaks(), before, "closing again, or the link after the object, is a no-op");
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});

test("a link the user closed before BpfObject.close is not closed a second time", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(fixture("update", "model"), { name: "update" });
  obj.load(p);
  const link = obj.attachStructOps("ca_update_1");
  link.close();
  // The fd number is free again: a new object's link may get it, and the first object's close must leave it alone.
  const other = BpfObject.open(fixture("update", "model"), { name: "update" });
  other.load(p);
  const second = other.attachStructOps("ca_update_2");
  obj.close();
  assert.ok(second.fd >= 0);
  assert.equal(second.info().type, BPF_LINK_TYPE_STRUCT_OPS, "still open");
  other.close();
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});

test("OwnedFd.close calls the backend's close once, however often it is called", () => {
  const closed: number[] = [];
  const backend = { close: (fd: number) => (closed.push(fd), { ret: 0, errno: 0 }) } as unknown as Backend;
  const fd = new OwnedFd(backend, 7);
  assert.equal(fd.raw, 7);
  fd.close();
  fd.close();
  assert.deepEqual(closed, [7]);
  assert.equal(fd.closed, true);
  assert.throws(() => fd.raw, /use after close/);
  assert.throws(() => new OwnedFd(backend, -1), RangeError, "no -1 sentinel");
});

test("the CollectionSpec is unchanged by setters, a load and a close: choices live on the objects", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(fixture("update", "model"), { name: "update" });
  const before = snapshot(obj.spec);
  obj.map("ca_update_2").setAutocreate(false);
  obj.map("ca_update_1").setStructOpsField("name", "renamed_ca");
  obj.map("ca_wrong").setAutocreate(false);
  obj.map("ca_update_1").setFlags(BPF_F_LINK);
  obj.variable("ca1_cnt").set(41n);
  obj.program("ca_update_undo_cwnd").setAutoload(true);
  assert.equal(obj.variable("ca1_cnt").getBigInt(), 41n, "the object sees what was set");
  assert.equal(obj.map("ca_update_2").autocreate, false);
  obj.load(p);
  assert.equal(obj.program("ca_update_2_init").autoload, false, "the struct_ops autoload rule decided on the object");
  assert.equal(obj.program("ca_update_2_init").fd, -1);
  assert.notEqual(obj.program("ca_update_1_init").expectedAttachType, obj.spec.programs.get("ca_update_1_init")?.expectedAttachType,
    "the member index is the program's, not the spec's");
  assert.equal(obj.variable("ca1_cnt").getBigInt(), 41n, "the map was populated with the value set before load");
  const link = obj.attachStructOps("ca_update_1");
  assert.match(available({ k, p, obj }), /\brenamed_ca\b/);
  link.close();
  obj.close();
  assert.equal(snapshot(obj.spec), before, "spec bytes and fields as the ELF gave them");
  assert.equal(obj.spec.maps.get("ca_update_2")?.autocreate, true);
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});
