/**
 * @fileoverview Tests of the BTF builder against the shared decoder and
 * lookups (src/btf): every kind survives encode → decode → lookup, the
 * header is the kernel's, C layout rules hold, and malformed blobs are
 * rejected with a BtfError at the offending byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BTF_FUNC_EXTERN,
  BTF_FUNC_GLOBAL,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_VAR_GLOBAL_ALLOCATED,
} from "../../uapi/btf.js";
import { EINVAL, ENOENT } from "../../uapi/errno.js";
import { BtfBuilder } from "./builder.js";
import { computeStructLayout, layoutStruct, layoutUnion } from "./layout.js";
import { Btf } from "../../btf/btf.js";
import { BtfError } from "../../btf/types.js";

/** One of every kind, with bitfields, signed enums and a 64-bit enum. */
function buildAllKinds() {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const uint = b.int("unsigned int", 4);
  const u8 = b.int("unsigned char", 1);
  const bool = b.int("_Bool", 1, BTF_INT_BOOL);
  const dbl = b.float("double", 8);
  const u32 = b.typedef("u32", uint);
  const cu32 = b.const(u32);
  const vint = b.volatile(int);
  const node = b.declare(BTF_KIND_STRUCT, "node");
  const pnode = b.ptr(node);
  const rnode = b.restrict(pnode);
  const tagged = b.ptr(b.typeTag("rcu", node));
  const arr = b.array(u8, int, 6);
  layoutStruct(b, node, [
    { name: "next", type: pnode },
    { name: "lo", type: u8, bits: 3 },
    { name: "hi", type: u8, bits: 5 },
    { name: "wide", type: uint, bits: 30 },
    { name: "tail", type: uint, bits: 4 },
    { name: "bytes", type: arr },
    { name: "flag", type: bool },
  ]);
  const un = layoutUnion(b, "both", [
    { name: "i", type: int },
    { name: "d", type: dbl },
  ]);
  const e = b.enum("sign", [
    { name: "NEG", val: -1 },
    { name: "POS", val: 7 },
  ]);
  const e64 = b.enum64("big", [
    { name: "BIG_LO", val: 1 },
    { name: "BIG_HI", val: 0xfedcba9876543210n },
  ]);
  const fwd = b.fwd("later", true);
  const proto = b.funcProto(int, [
    { name: "n", type: rnode },
    { name: "v", type: cu32 },
  ]);
  const fn = b.func("walk", proto, BTF_FUNC_GLOBAL);
  const ext = b.func("ext_fn", b.funcProto(0, []), BTF_FUNC_EXTERN);
  const v = b.var("counter", vint, BTF_VAR_GLOBAL_ALLOCATED);
  const sec = b.datasec(".data", 4, [{ type: v, offset: 0, size: 4 }]);
  const tagOnFn = b.declTag("bpf_kfunc", fn, -1);
  const tagOnArg = b.declTag("nonnull", fn, 1);
  return { b, ids: { int, uint, u8, bool, dbl, u32, cu32, vint, node, pnode, rnode, tagged, arr, un, e, e64, fwd, proto, fn, ext, v, sec, tagOnFn, tagOnArg } };
}

test("BtfBuilder.encode() writes the kernel's btf_header", () => {
  const { b } = buildAllKinds();
  const bytes = b.encode();
  const dv = new DataView(bytes.buffer);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x9f, 0xeb, 1, 0]); // magic LE, version 1, flags 0
  assert.equal(dv.getUint32(4, true), 24); // hdr_len
  const typeLen = dv.getUint32(12, true);
  assert.equal(dv.getUint32(8, true), 0); // type_off
  assert.equal(dv.getUint32(16, true), typeLen); // str_off right after the types
  assert.equal(24 + typeLen + dv.getUint32(20, true), bytes.length);
  assert.equal(bytes[24 + typeLen], 0); // string section starts with ""
  assert.equal(bytes[bytes.length - 1], 0);
});

test("BtfBuilder.addString() deduplicates and keeps \"\" at offset 0", () => {
  const b = new BtfBuilder();
  assert.equal(b.addString(""), 0);
  const a = b.addString("sock");
  assert.equal(b.addString("sock"), a);
  assert.equal(b.addString("tcp_sock"), a + 5);
  b.int("sock", 4); // a type name reuses the string
  const p = new Btf(b.encode());
  assert.equal(p.header.str_len, 1 + 5 + 9);
});

test("every kind round-trips through the decoder and the lookups", () => {
  const { b, ids } = buildAllKinds();
  const k = new Btf(b.encode());
  const at = (id: number | undefined) => {
    const t = k.typeById(id ?? -1);
    assert.ok(t !== undefined);
    return t;
  };
  assert.equal(k.nrTypes, b.typeCount);
  const int = at(ids.int);
  assert.equal(int.kind, BTF_KIND_INT);
  assert.equal(int.int_encoding, BTF_INT_SIGNED);
  assert.equal(int.int_bits, 32);
  assert.equal(at(ids.bool).int_encoding, BTF_INT_BOOL);
  assert.equal(at(ids.dbl).kind, BTF_KIND_FLOAT);
  assert.equal(at(ids.u32).kind, BTF_KIND_TYPEDEF);
  assert.equal(at(ids.cu32).kind, BTF_KIND_CONST);
  assert.equal(at(ids.vint).kind, BTF_KIND_VOLATILE);
  assert.equal(at(ids.rnode).kind, BTF_KIND_RESTRICT);
  assert.equal(at(at(ids.tagged).type).kind, BTF_KIND_TYPE_TAG);
  assert.equal(at(at(ids.tagged).type).name, "rcu");
  assert.equal(at(ids.pnode).kind, BTF_KIND_PTR);
  assert.deepEqual(at(ids.arr).array, { type: ids.u8, index_type: ids.int, nelems: 6 });
  assert.equal(at(ids.arr).kind, BTF_KIND_ARRAY);
  assert.equal(at(ids.fwd).kind, BTF_KIND_FWD);
  assert.equal(at(ids.fwd).kflag, true); // union forward

  // Struct with bitfields: kind_flag set, offsets per the SysV rules.
  const node = at(ids.node);
  assert.equal(node.kind, BTF_KIND_STRUCT);
  assert.equal(node.kflag, true);
  assert.deepEqual(
    node.members.map((m) => [m.name, m.bit_offset, m.bitfield_size]),
    [
      ["next", 0, 0],
      ["lo", 64, 3],
      ["hi", 67, 5],
      ["wide", 96, 30], // 72 + 30 would cross a u32 unit: moves to 96
      ["tail", 128, 4], // 126 + 4 would cross: next unit
      ["bytes", 136, 0],
      ["flag", 184, 0],
    ],
  );
  assert.equal(node.size, 24);
  assert.equal(at(ids.un).kind, BTF_KIND_UNION);
  assert.equal(at(ids.un).size, 8);
  assert.equal(at(ids.un).kflag, false);

  assert.equal(at(ids.e).kind, BTF_KIND_ENUM);
  assert.equal(at(ids.e).kflag, true);
  assert.deepEqual(at(ids.e).enums, [
    { name: "NEG", val: -1n },
    { name: "POS", val: 7n },
  ]);
  assert.equal(at(ids.e64).kind, BTF_KIND_ENUM64);
  assert.equal(at(ids.e64).size, 8);
  assert.deepEqual(at(ids.e64).enums[1], { name: "BIG_HI", val: 0xfedcba9876543210n });

  const proto = at(ids.proto);
  assert.equal(proto.kind, BTF_KIND_FUNC_PROTO);
  assert.equal(proto.type, ids.int);
  assert.deepEqual(proto.params, [
    { name: "n", type: ids.rnode },
    { name: "v", type: ids.cu32 },
  ]);
  const fn = at(ids.fn);
  assert.equal(fn.kind, BTF_KIND_FUNC);
  assert.equal(fn.linkage, BTF_FUNC_GLOBAL);
  assert.equal(fn.vlen, BTF_FUNC_GLOBAL);
  assert.equal(at(ids.ext).linkage, BTF_FUNC_EXTERN);
  assert.equal(at(ids.v).kind, BTF_KIND_VAR);
  assert.equal(at(ids.v).linkage, BTF_VAR_GLOBAL_ALLOCATED);
  assert.equal(at(ids.sec).kind, BTF_KIND_DATASEC);
  assert.deepEqual(at(ids.sec).secinfos, [{ type: ids.v, offset: 0, size: 4 }]);
  assert.equal(at(ids.tagOnFn).kind, BTF_KIND_DECL_TAG);
  assert.equal(at(ids.tagOnFn).component_idx, -1);
  assert.equal(at(ids.tagOnArg).component_idx, 1);

  // Lookups.
  assert.equal(k.findByNameKind("node", BTF_KIND_STRUCT), ids.node);
  assert.equal(k.findByNameKind("node", BTF_KIND_UNION), -ENOENT);
  assert.equal(k.skipModifiers(ids.cu32), ids.uint);
  assert.equal(k.resolveSize(ids.cu32), 4);
  assert.equal(k.resolveSize(ids.arr), 6);
  assert.equal(k.resolveSize(ids.fwd), -EINVAL);
  assert.equal(k.resolveSize(0), -EINVAL);
  assert.equal(k.memberIndex(ids.node, "bytes"), 5);
  assert.equal(k.memberIndex(ids.node, "nope"), -ENOENT);
  assert.equal(k.resolveFuncPtr(ids.pnode), 0);
  assert.equal(k.offsetOf("node", "bytes"), 17);
  assert.equal(k.offsetOf("node", "bytes[4]"), 21);
  assert.equal(k.field("node", "wide")?.bit_offset, 96);
  assert.throws(() => k.offsetOf("node", "wide"), RangeError);
  assert.equal(k.field("node", "bytes[6]"), undefined);
  assert.equal(k.field("node", "next.lo"), undefined);
  assert.equal(k.cTypeName(ids.rnode), "struct node * restrict");
});

test("BtfBuilder deduplicates pointers, modifiers, arrays and prototypes", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  assert.equal(b.ptr(int), b.ptr(int));
  assert.equal(b.const(int), b.const(int));
  assert.equal(b.array(int, int, 3), b.array(int, int, 3));
  assert.notEqual(b.array(int, int, 3), b.array(int, int, 4));
  const p1 = b.funcProto(int, [{ name: "a", type: int }]);
  assert.equal(b.funcProto(int, [{ name: "a", type: int }]), p1);
  assert.notEqual(b.funcProto(int, [{ name: "", type: int }]), p1);
});

test("BtfBuilder rejects references to missing types and undefined declarations", () => {
  const b = new BtfBuilder();
  assert.throws(() => b.ptr(5), RangeError);
  b.declare(BTF_KIND_STRUCT, "ghost");
  assert.throws(() => b.encode(), TypeError);
  assert.throws(() => b.sizeOf(1), TypeError);
});

test("layoutStruct() applies C alignment, raised alignment and spacers", () => {
  const b = new BtfBuilder();
  const u8 = b.int("unsigned char", 1);
  const u32 = b.int("unsigned int", 4);
  const u64 = b.int("long long unsigned int", 8);
  const l = computeStructLayout(b, "t", [
    { name: "a", type: u8 },
    { name: "b", type: u64 },
    { name: "c", type: u32 },
    { alignTo: 8 },
    { name: "d", type: u8 },
    { name: "e", type: u32, offset: 32 },
  ]);
  assert.deepEqual(
    l.members.map((m) => [m.name, m.bit_offset / 8]),
    [
      ["a", 0],
      ["b", 8],
      ["c", 16],
      ["d", 24],
      ["e", 32],
    ],
  );
  assert.equal(l.size, 40);
  assert.equal(l.align, 8);
  const c = computeStructLayout(b, "cl", [{ name: "x", type: u32 }], { align: 64 });
  assert.equal(c.size, 64);
  assert.throws(() => computeStructLayout(b, "bad", [{ name: "a", type: u32 }, { name: "b", type: u32, offset: 2 }]), RangeError);
  assert.throws(() => computeStructLayout(b, "dup", [{ name: "a", type: u32 }, { name: "a", type: u32 }]), RangeError);
  const id = layoutStruct(b, "cl", [{ name: "x", type: u32 }], { align: 64 });
  assert.equal(b.alignOf(id), 64);
  assert.equal(b.sizeOf(id), 64);
});

test("the decoder rejects malformed blobs with a BtfError at the offending byte", () => {
  const good = buildAllKinds().b.encode();
  assert.ok(new Btf(good).nrTypes > 0);
  const at = (bytes: Uint8Array, message: RegExp): number => {
    try {
      new Btf(bytes);
    } catch (e) {
      assert.ok(e instanceof BtfError, String(e));
      assert.match(e.message, message);
      return e.offset;
    }
    return assert.fail("no error");
  };
  assert.equal(at(good.subarray(0, 10), /BTF header \(24 bytes at 0\) runs past the end/), 0);
  const badMagic = good.slice();
  badMagic[0] = 0;
  assert.equal(at(badMagic, /bad BTF magic/), 0);
  const badVersion = good.slice();
  badVersion[2] = 2;
  assert.equal(at(badVersion, /BTF version 2 is not 1/), 2);
  const dv = new DataView(good.buffer, good.byteOffset);
  const typeLen = dv.getUint32(12, true);
  const truncated = good.slice();
  new DataView(truncated.buffer).setUint32(12, typeLen - 2, true);
  at(truncated, /runs past the end/);
  const badName = good.slice();
  new DataView(badName.buffer).setUint32(24, 0xffffff, true); // name_off of type 1
  at(badName, /name of type 1 offset 16777215 is outside the string table/);
  const dangling = good.slice();
  // Type 7 is the CONST (typedef u32 is 6): point it past the last type.
  new DataView(dangling.buffer).setUint32(24 + 4 * 16 + 12 * 2 + 8, 0xfffff, true);
  assert.equal(at(dangling, /type 7 \(type\) refers to type 1048575, beyond the last type/), 24 + 4 * 16 + 12 * 2);
  const noNul = good.slice();
  noNul[noNul.length - 1] = 0x41;
  assert.equal(at(noNul, /string section is not NUL-terminated/), noNul.length - 1);
});

test("BtfBuilder.findNamed() finds the first type of a name among the given kinds, 0 when none", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const fwd = b.fwd("in6_addr");
  const s = b.struct("in6_addr", 4, [{ name: "x", type: int, bit_offset: 0 }]);
  assert.equal(b.findNamed("int", [BTF_KIND_INT]), int);
  assert.equal(b.findNamed("in6_addr", [BTF_KIND_STRUCT]), s);
  assert.equal(b.findNamed("in6_addr", [BTF_KIND_STRUCT, BTF_KIND_FWD]), fwd);
  assert.equal(b.findNamed("in6_addr", [BTF_KIND_UNION]), 0);
  assert.equal(b.findNamed("nope", [BTF_KIND_STRUCT]), 0);
});
