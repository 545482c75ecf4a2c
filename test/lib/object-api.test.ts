/**
 * @fileoverview The user API of src/lib/object.ts beyond the §9 scenarios:
 * global data in every section flavour read and written before and after
 * load, kconfig values from the target and overrides (and a missing one),
 * a typed ksym variable (jiffies_64, BPF_PSEUDO_BTF_ID) reading the kernel's
 * clock, a BTF-defined map pinned by name and reused, info, errors naming
 * operation and object, and deterministic loads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ENOENT, EBUSY, EINVAL } from "../../src/uapi/errno.js";
import { BPF_PROG_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK } from "../../src/uapi/bpf-flags.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { emulatedTarget, EMULATED_KCONFIG, hostTarget, parseKconfig } from "../../src/lib/target.js";
import { existsSync } from "node:fs";
import { release } from "node:os";
import { BTF_KIND_STRUCT } from "../../src/uapi/btf.js";
import { HZ } from "../../src/net/tcp-cc/ca-types.js";
import { compileObjSrc, FIXTURES, missingClang } from "../obj/helpers.js";

let globalsObj: Uint8Array | undefined;
function globals(): Uint8Array {
  globalsObj ??= compileObjSrc("globals_ksym.bpf.c");
  return globalsObj;
}

function u64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
}

test("the emulated target's CONFIG_HZ is the model kernel's HZ", () => {
  assert.equal(EMULATED_KCONFIG.get("CONFIG_HZ"), HZ);
});

test("globals, kconfig, a jiffies_64 ksym and a pinned map, through init", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(globals(), { name: "globals" });
  assert.equal(obj.variable("ro_var").getBigInt(), 7n, "initial .rodata");
  obj.variable("ro_var").set(70n);
  obj.variable("data_var").set(5n);
  obj.load(p, { kconfig: { CONFIG_HZ: 1000 } });
  assert.equal(obj.map(".rodata").info().map_flags & 0x80, 0x80, "BPF_F_RDONLY_PROG");
  obj.variable("named_data").set(90n);
  k.advance(123_456_789n);
  const link = obj.attachStructOps("g_ops");
  const s = p.socket();
  assert.equal(p.setCongestion(s.ret, "g_ops").errno, 0);
  assert.equal(u64(obj.map("seen").lookup(0)), 70n + 11n + 1000n, "ro_var + named_ro + CONFIG_HZ (overridden)");
  assert.equal(obj.variable("jiffies_seen").getBigInt(), k.kernel.jiffies64, "jiffies_64 through BPF_PSEUDO_BTF_ID");
  assert.equal(obj.variable("weak_seen").getBigInt(), 0n, "an unknown __weak kconfig reads 0");
  assert.equal(obj.variable("bss_var").getBigInt(), 95n);
  assert.equal(obj.program("g_init").info().type, BPF_PROG_TYPE_STRUCT_OPS);
  assert.equal(new TextDecoder().decode(obj.map("seen").info().name).replace(/\0+$/, ""), "seen");

  // A second object reuses the pinned "seen".
  const again = BpfObject.open(globals(), { name: "globals" });
  again.load(p);
  assert.equal(again.map("seen").info().id, obj.map("seen").info().id);
  again.close();
  link.close();
  p.close(s.ret);
  obj.close();
});

test("a kconfig the target lacks fails the load, naming it; nothing is left", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(globals());
  const noHz = { btf: emulatedTarget().btf, kconfig: new Map() };
  assert.throws(() => obj.load(p, { target: noHz }), (e: unknown) => {
    assert.ok(e instanceof BpfError);
    assert.equal(e.errno, EINVAL);
    assert.match(e.message, /extern \(kconfig\) 'CONFIG_HZ' value not found/);
    return true;
  });
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});

test("errors name the operation and object; edits after load are refused", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(join(FIXTURES, "update.model.bpf.o"));
  assert.equal(obj.name, "update.model");
  assert.throws(() => obj.map("nope"), (e: unknown) => e instanceof BpfError && e.errno === ENOENT && /object 'update.model' has no map 'nope'/.test(e.message));
  assert.throws(() => obj.program("nope"), (e: unknown) => e instanceof BpfError && e.errno === ENOENT);
  assert.throws(() => obj.attachStructOps("ca_update_1"), (e: unknown) => e instanceof BpfError && e.errno === EINVAL);
  obj.load(p);
  assert.throws(() => obj.map("ca_update_1").setFlags(0), (e: unknown) => e instanceof BpfError && e.errno === EBUSY);
  assert.throws(() => obj.load(p), (e: unknown) => e instanceof BpfError && e.errno === EBUSY);
  obj.close();
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});

test("loads are deterministic: same object, same final instructions, fds and ids", () => {
  const run = (): string => {
    const k = new EmulatedKernel();
    const p = k.process();
    const obj = BpfObject.open(join(FIXTURES, "cubic.linux.bpf.o"));
    obj.load(p);
    return JSON.stringify([...obj.programs.values()].map((x) => [x.name, x.fd, x.info().id, Buffer.from(x.finalInsns ?? []).toString("hex")]));
  };
  assert.equal(run(), run());
});

test("kconfig text parses as libbpf reads it; the host target has the running kernel's BTF and version", (t) => {
  const m = parseKconfig('CONFIG_HZ=250\nCONFIG_BPF=y\nCONFIG_MOD=m\n# CONFIG_OFF is not set\nCONFIG_NAME="a \\"b\\""\nCONFIG_HEX=0x10\n');
  assert.deepEqual([...m], [["CONFIG_HZ", 250n], ["CONFIG_BPF", "y"], ["CONFIG_MOD", "m"], ["CONFIG_OFF", "n"], ["CONFIG_NAME", 'a "b"'], ["CONFIG_HEX", 16n]]);
  if (!existsSync("/sys/kernel/btf/vmlinux")) return t.skip("/sys/kernel/btf/vmlinux is absent on this machine");
  const host = hostTarget();
  assert.ok(host.btf.findByNameKind("tcp_sock", BTF_KIND_STRUCT) > 0);
  const [a, b] = release().split(".").map(Number) as [number, number];
  assert.equal(Number(host.kconfig.get("LINUX_KERNEL_VERSION")) >> 8, (a << 8) + b);
});

test("map flags change before load: a .struct_ops map made BPF_F_LINK attaches with a real link", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(join(FIXTURES, "update.model.bpf.o"));
  const m = obj.map("ca_no_link");
  assert.equal(m.flags, 0);
  m.setFlags(BPF_F_LINK);
  obj.map("ca_update_2").setAutocreate(false);
  obj.load(p);
  assert.equal(obj.map("ca_update_2").fd, -1);
  assert.equal(obj.program("ca_update_2_init").fd, -1, "its only map is not created: not loaded");
  const link = obj.attachStructOps(m);
  assert.equal(link.fake, false);
  assert.equal(link.info().struct_ops?.map_id, m.info().id);
  link.close();
  obj.close();
  p.exit();
  k.settle();
  assert.deepEqual(k.leaks(), []);
});
