/**
 * @fileoverview The loader's BTF (src/obj/btf over src/btf): every kind of
 * include/uapi/linux/btf.h built with the kernel's BtfBuilder and read back;
 * the emulated kernel's vmlinux BTF reads the same through the loader; a real kernel's
 * /sys/kernel/btf/vmlinux parses; malformed blobs give ObjErrors with offsets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as K from "../../src/uapi/btf.js";
import { BtfBuilder } from "../../src/kernel/btf/builder.js";
import { getVmlinuxBtf } from "../../src/kernel/btf/vmlinux.js";
import { parseBtf } from "../../src/obj/btf/btf.js";
import { ObjError } from "../../src/obj/errors.js";
import { ENOENT } from "../../src/uapi/errno.js";

test("every BTF kind round-trips through the builder and the parser", () => {
  const b = new BtfBuilder();
  const u32 = b.int("unsigned int", 4, 0);
  const s8 = b.int("signed char", 1, K.BTF_INT_SIGNED);
  const ptr = b.ptr(u32);
  const arr = b.array(s8, u32, 16);
  const st = b.struct("pair", 8, [{ name: "a", type: u32, bit_offset: 0 }, { name: "b", type: u32, bit_offset: 32, bitfield_size: 3 }]);
  const un = b.union("either", 4, [{ name: "x", type: u32, bit_offset: 0 }]);
  const en = b.enum("colour", [{ name: "RED", val: 0n }, { name: "BLUE", val: -2n }], 4, true);
  const fwd = b.fwd("later", false);
  const td = b.typedef("u32_t", u32);
  const vol = b.volatile(td);
  const cst = b.const(vol);
  const rst = b.restrict(ptr);
  const proto = b.funcProto(u32, [{ name: "p", type: ptr }]);
  const fn = b.func("f", proto, K.BTF_FUNC_GLOBAL);
  const v = b.var("counter", u32, K.BTF_VAR_GLOBAL_ALLOCATED);
  const ds = b.datasec(".bss", 4, [{ type: v, offset: 0, size: 4 }]);
  const fl = b.float("double", 8);
  const dt = b.declTag("tag", st, 1);
  const tt = b.typeTag("user", u32);
  const e64 = b.enum64("big", [{ name: "HUGE", val: 1n << 40n }], 8, false);
  const btf = parseBtf(b.encode());
  const kind = (id: number): number => btf.type(id).kind;
  assert.deepEqual(
    [u32, ptr, arr, st, un, en, fwd, td, vol, cst, rst, fn, proto, v, ds, fl, dt, tt, e64].map(kind),
    [K.BTF_KIND_INT, K.BTF_KIND_PTR, K.BTF_KIND_ARRAY, K.BTF_KIND_STRUCT, K.BTF_KIND_UNION, K.BTF_KIND_ENUM, K.BTF_KIND_FWD, K.BTF_KIND_TYPEDEF,
      K.BTF_KIND_VOLATILE, K.BTF_KIND_CONST, K.BTF_KIND_RESTRICT, K.BTF_KIND_FUNC, K.BTF_KIND_FUNC_PROTO, K.BTF_KIND_VAR, K.BTF_KIND_DATASEC,
      K.BTF_KIND_FLOAT, K.BTF_KIND_DECL_TAG, K.BTF_KIND_TYPE_TAG, K.BTF_KIND_ENUM64],
  );
  assert.deepEqual(btf.type(st).members.map((m) => [m.name, m.bit_offset, m.bitfield_size]), [["a", 0, 0], ["b", 32, 3]]);
  assert.deepEqual(btf.type(en).enums.map((e) => e.val), [0n, -2n]);
  assert.deepEqual(btf.type(e64).enums.map((e) => e.val), [1n << 40n]);
  assert.equal(btf.type(arr).array?.nelems, 16);
  assert.equal(btf.resolveSize(arr), 16);
  assert.equal(btf.resolveSize(cst), 4);
  assert.equal(btf.skipModifiers(cst), u32);
  assert.equal(btf.findByNameKind("pair", K.BTF_KIND_UNION), -ENOENT);
  assert.equal(btf.type(dt).component_idx, 1);
  assert.equal(btf.type(fn).linkage, K.BTF_FUNC_GLOBAL);
  assert.deepEqual(btf.type(ds).secinfos, [{ type: v, offset: 0, size: 4 }]);
  assert.equal(btf.findByNameKind("pair", K.BTF_KIND_STRUCT), st);
  assert.equal(btf.describe(st), "struct pair");
});

test("the emulated kernel's vmlinux BTF reads the same through the loader and the kernel", () => {
  const k = getVmlinuxBtf();
  const btf = parseBtf(k.bytes);
  assert.equal(btf.nrTypes, k.nrTypes);
  for (const name of ["tcp_sock", "tcp_congestion_ops", "bpf_struct_ops_tcp_congestion_ops", "inet_connection_sock"]) {
    const id = btf.findByNameKind(name, K.BTF_KIND_STRUCT);
    assert.equal(id, k.findByNameKind(name, K.BTF_KIND_STRUCT), name);
    assert.equal(btf.resolveSize(id), k.resolveSize(id), name);
  }
});

test("a real kernel's /sys/kernel/btf/vmlinux parses", (t) => {
  if (!existsSync("/sys/kernel/btf/vmlinux")) return t.skip("/sys/kernel/btf/vmlinux is absent on this machine");
  const btf = parseBtf(new Uint8Array(readFileSync("/sys/kernel/btf/vmlinux")));
  assert.ok(btf.nrTypes > 10_000);
  assert.ok(btf.findByNameKind("tcp_sock", K.BTF_KIND_STRUCT) > 0);
});

test("malformed BTF gives ObjErrors naming the byte offset", () => {
  const good = getVmlinuxBtf().bytes;
  const at = (bytes: Uint8Array, base: number): ObjError => {
    try {
      parseBtf(bytes, ".BTF", base);
    } catch (e) {
      assert.ok(e instanceof ObjError);
      return e;
    }
    assert.fail("no error");
  };
  const bad = good.slice();
  bad[0] = 0;
  assert.equal(at(bad, 1000).offset, 1000);
  const v2 = good.slice();
  v2[2] = 2;
  assert.match(at(v2, 0).message, /version 2/);
  const kind = good.slice();
  // First type record's info: kind 31.
  const hdr = new DataView(kind.buffer).getUint32(4, true);
  new DataView(kind.buffer).setUint32(hdr + 4, 31 << 24, true);
  const e = at(kind, 0);
  assert.match(e.message, /unknown BTF kind 31/);
  assert.equal(e.offset, hdr + 4);
  assert.match(at(good.subarray(0, 100), 0).message, /runs past the end/);
});
