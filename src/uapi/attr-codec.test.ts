/**
 * @fileoverview Tests for attr-codec.ts: per-command encode/decode round trips and argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeAttr, encodeAttr, attrLayout } from "./attr-codec.js";
import { BPF_ATTR_SIZE } from "./attr-layout.js";
import { decodeCString, readCharArray } from "./cstring.js";
import {
  BPF_BTF_GET_FD_BY_ID,
  BPF_BTF_LOAD,
  BPF_LINK_CREATE,
  BPF_LINK_DETACH,
  BPF_LINK_GET_NEXT_ID,
  BPF_LINK_UPDATE,
  BPF_MAP_CREATE,
  BPF_MAP_FREEZE,
  BPF_MAP_GET_NEXT_KEY,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_STRUCT_OPS,
  BPF_MAP_UPDATE_ELEM,
  BPF_OBJ_GET,
  BPF_OBJ_GET_INFO_BY_FD,
  BPF_OBJ_PIN,
  BPF_PROG_LOAD,
  BPF_PROG_QUERY,
  BPF_PROG_TEST_RUN,
  BPF_PROG_TYPE_STRUCT_OPS,
  BPF_STRUCT_OPS,
} from "./bpf-enums.js";
import { BPF_ANY, BPF_F_LINK, BPF_F_REPLACE } from "./bpf-flags.js";

/** A fake user memory: buffer i is mapped at 0x1000 * (i + 1). */
function userMem(): { ptr: (b: Uint8Array) => bigint; at: (a: bigint) => Uint8Array } {
  const bufs: Uint8Array[] = [];
  return {
    ptr: (b) => {
      bufs.push(b);
      return BigInt(bufs.length) * 0x1000n;
    },
    at: (a) => bufs[Number(a / 0x1000n) - 1] as Uint8Array,
  };
}

function u32At(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(off, true);
}

test("encodeAttr() writes BPF_MAP_CREATE fields at their 6.18 offsets", () => {
  const bytes = encodeAttr(BPF_MAP_CREATE, {
    map_type: BPF_MAP_TYPE_STRUCT_OPS,
    key_size: 4,
    value_size: 256,
    max_entries: 1,
    map_flags: BPF_F_LINK,
    map_name: "ca_update_1",
    btf_fd: 5,
    btf_vmlinux_value_type_id: 1234,
    value_type_btf_obj_fd: -1,
  });
  assert.equal(bytes.length, BPF_ATTR_SIZE);
  assert.equal(u32At(bytes, 0), BPF_MAP_TYPE_STRUCT_OPS);
  assert.equal(u32At(bytes, 8), 256);
  assert.equal(u32At(bytes, 16), 0x2000);
  assert.equal(readCharArray(bytes, 28, 16), "ca_update_1");
  assert.equal(u32At(bytes, 60), 1234);
  assert.equal(u32At(bytes, 72), 0xffff_ffff);
  assert.ok(bytes.subarray(92).every((b) => b === 0));
  const d = decodeAttr(BPF_MAP_CREATE, bytes);
  assert.equal(d.map_type, BPF_MAP_TYPE_STRUCT_OPS);
  assert.equal(d.value_type_btf_obj_fd, -1);
  assert.equal(d.map_extra, 0n);
  assert.equal(readCharArray(d.map_name, 0, 16), "ca_update_1");
});

test("encodeAttr() maps key/value buffers through ptr() for map element commands", () => {
  const mem = userMem();
  const key = new Uint8Array(4);
  const value = new Uint8Array(8).fill(7);
  const bytes = encodeAttr(BPF_MAP_UPDATE_ELEM, { map_fd: 3, key, value, flags: BPF_ANY }, mem.ptr);
  const d = decodeAttr(BPF_MAP_UPDATE_ELEM, bytes);
  assert.equal(d.map_fd, 3);
  assert.equal(mem.at(d.key), key);
  assert.equal(mem.at(d.value), value);
  assert.equal(d.next_key, d.value);
  assert.equal(d.flags, 0n);
});

test("encodeAttr() accepts next_key for GET_NEXT_KEY and null as NULL", () => {
  const mem = userMem();
  const next = new Uint8Array(4);
  const d = decodeAttr(BPF_MAP_GET_NEXT_KEY, encodeAttr(BPF_MAP_GET_NEXT_KEY, { map_fd: 4, key: null, next_key: next }, mem.ptr));
  assert.equal(d.key, 0n);
  assert.equal(mem.at(d.next_key), next);
  assert.deepEqual(decodeAttr(BPF_MAP_FREEZE, encodeAttr(BPF_MAP_FREEZE, { map_fd: 9 })).map_fd, 9);
  assert.equal(decodeAttr(BPF_MAP_LOOKUP_ELEM, encodeAttr(BPF_MAP_LOOKUP_ELEM, { map_fd: 1, flags: 4n })).flags, 4n);
});

test("encodeAttr() encodes the license string NUL-terminated for PROG_LOAD", () => {
  const mem = userMem();
  const insns = new Uint8Array(16);
  const log = new Uint8Array(64);
  const bytes = encodeAttr(
    BPF_PROG_LOAD,
    {
      prog_type: BPF_PROG_TYPE_STRUCT_OPS,
      insn_cnt: 2,
      insns,
      license: "GPL",
      log_level: 1,
      log_size: 64,
      log_buf: log,
      prog_name: "bpf_cubic_cong",
      expected_attach_type: 0,
      attach_btf_id: 4242,
      attach_btf_obj_fd: 0,
      fd_array_cnt: 0,
      keyring_id: -1,
    },
    mem.ptr,
  );
  const d = decodeAttr(BPF_PROG_LOAD, bytes);
  assert.equal(d.insn_cnt, 2);
  assert.equal(mem.at(d.insns), insns);
  assert.deepEqual([...mem.at(d.license)], [0x47, 0x50, 0x4c, 0]);
  assert.equal(decodeCString(mem.at(d.license)), "GPL");
  assert.equal(mem.at(d.log_buf), log);
  assert.equal(readCharArray(d.prog_name, 0, 16), "bpf_cubic_cong");
  assert.equal(d.attach_btf_id, 4242);
  assert.equal(d.keyring_id, -1);
  assert.equal(u32At(bytes, 164), 0xffff_ffff);
});

test("encodeAttr() encodes pathname as a C string for OBJ_PIN and OBJ_GET", () => {
  const mem = userMem();
  const pin = decodeAttr(BPF_OBJ_PIN, encodeAttr(BPF_OBJ_PIN, { pathname: "/sys/fs/bpf/link", bpf_fd: 6 }, mem.ptr));
  assert.equal(decodeCString(mem.at(pin.pathname)), "/sys/fs/bpf/link");
  assert.equal(pin.bpf_fd, 6);
  const get = decodeAttr(BPF_OBJ_GET, encodeAttr(BPF_OBJ_GET, { pathname: 0x7000n, file_flags: 8, path_fd: -100 }));
  assert.deepEqual([get.pathname, get.file_flags, get.path_fd], [0x7000n, 8, -100]);
});

test("decodeAttr() exposes every alias of the GET_ID slot", () => {
  const d = decodeAttr(BPF_LINK_GET_NEXT_ID, encodeAttr(BPF_LINK_GET_NEXT_ID, { start_id: 12 }));
  assert.deepEqual([d.start_id, d.prog_id, d.map_id, d.btf_id, d.link_id, d.next_id], [12, 12, 12, 12, 12, 0]);
  const b = decodeAttr(BPF_BTF_GET_FD_BY_ID, encodeAttr(BPF_BTF_GET_FD_BY_ID, { btf_id: 3, open_flags: 1 << 16, fd_by_id_token_fd: 7 }));
  assert.deepEqual([b.btf_id, b.open_flags, b.fd_by_id_token_fd], [3, 0x10000, 7]);
});

test("encodeAttr() writes OBJ_GET_INFO_BY_FD's info member", () => {
  const mem = userMem();
  const info = new Uint8Array(64);
  const bytes = encodeAttr(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: 5, info_len: 64, info }, mem.ptr);
  assert.deepEqual([u32At(bytes, 0), u32At(bytes, 4)], [5, 64]);
  assert.equal(mem.at(decodeAttr(BPF_OBJ_GET_INFO_BY_FD, bytes).info), info);
});

test("encodeAttr() round-trips BPF_BTF_LOAD", () => {
  const mem = userMem();
  const btf = new Uint8Array(24);
  const d = decodeAttr(
    BPF_BTF_LOAD,
    encodeAttr(BPF_BTF_LOAD, { btf, btf_size: 24, btf_log_buf: null, btf_log_level: 0, btf_flags: 0, btf_token_fd: 0 }, mem.ptr),
  );
  assert.equal(mem.at(d.btf), btf);
  assert.deepEqual([d.btf_size, d.btf_log_buf, d.btf_log_true_size], [24, 0n, 0]);
});

test("encodeAttr() builds a struct_ops LINK_CREATE with map_fd and attach_type 44", () => {
  const bytes = encodeAttr(BPF_LINK_CREATE, { map_fd: 8, attach_type: BPF_STRUCT_OPS });
  assert.deepEqual([u32At(bytes, 0), u32At(bytes, 8)], [8, 44]);
  const d = decodeAttr(BPF_LINK_CREATE, bytes);
  assert.deepEqual([d.prog_fd, d.map_fd, d.target_fd, d.attach_type, d.flags], [8, 8, 0, 44, 0]);
  assert.equal(d.union_bytes.length, 48);
});

test("encodeAttr() carries link_create's per-type union as raw bytes at offset 16", () => {
  const tail = new Uint8Array(44);
  new DataView(tail.buffer).setUint32(40, 1234, true); // uprobe_multi.pid at 56
  const bytes = encodeAttr(BPF_LINK_CREATE, { prog_fd: 3, target_fd: 4, attach_type: 48, union_bytes: tail });
  assert.equal(u32At(bytes, 56), 1234);
  assert.deepEqual(decodeAttr(BPF_LINK_CREATE, bytes).union_bytes.subarray(0, 44), tail);
  assert.throws(() => encodeAttr(BPF_LINK_CREATE, { union_bytes: new Uint8Array(49) }), RangeError);
});

test("encodeAttr() writes LINK_UPDATE's map aliases and LINK_DETACH", () => {
  const bytes = encodeAttr(BPF_LINK_UPDATE, { link_fd: 9, new_map_fd: 10, flags: BPF_F_REPLACE, old_map_fd: 8 });
  assert.deepEqual([0, 4, 8, 12].map((o) => u32At(bytes, o)), [9, 10, 4, 8]);
  const d = decodeAttr(BPF_LINK_UPDATE, bytes);
  assert.deepEqual([d.new_prog_fd, d.old_prog_fd], [10, 8]);
  assert.equal(decodeAttr(BPF_LINK_DETACH, encodeAttr(BPF_LINK_DETACH, { link_fd: 11 })).link_fd, 11);
});

test("encodeAttr() round-trips PROG_TEST_RUN", () => {
  const mem = userMem();
  const ctx = new Uint8Array(16);
  const d = decodeAttr(BPF_PROG_TEST_RUN, encodeAttr(BPF_PROG_TEST_RUN, { prog_fd: 3, ctx_in: ctx, ctx_size_in: 16, repeat: 1, flags: 2 }, mem.ptr));
  assert.equal(mem.at(d.ctx_in), ctx);
  assert.deepEqual([d.prog_fd, d.ctx_size_in, d.repeat, d.flags, d.retval], [3, 16, 1, 2, 0]);
});

test("encodeAttr() throws RangeError when map_name or prog_name exceeds 15 bytes", () => {
  assert.doesNotThrow(() => encodeAttr(BPF_MAP_CREATE, { map_type: 1, map_name: "x".repeat(15) }));
  assert.throws(() => encodeAttr(BPF_MAP_CREATE, { map_type: 1, map_name: "x".repeat(16) }), RangeError);
  assert.throws(() => encodeAttr(BPF_PROG_LOAD, { prog_name: "tcp_congestion_x" }), RangeError);
  // Raw bytes may fill all 16 (no NUL), so the kernel's own check can be tested.
  const raw = decodeAttr(BPF_MAP_CREATE, encodeAttr(BPF_MAP_CREATE, { map_name: new Uint8Array(16).fill(0x61) }));
  assert.ok(raw.map_name.every((b) => b === 0x61));
});

test("encodeAttr() throws TypeError for unknown keys, missing ptr(), or conflicting aliases", () => {
  // @ts-expect-error -- mapType is not a kernel field name
  assert.throws(() => encodeAttr(BPF_MAP_CREATE, { mapType: 1 }), TypeError);
  assert.throws(() => encodeAttr(BPF_MAP_LOOKUP_ELEM, { key: new Uint8Array(4) }), TypeError);
  assert.throws(() => encodeAttr(BPF_LINK_UPDATE, { new_prog_fd: 1, new_map_fd: 2 }), TypeError);
  assert.doesNotThrow(() => encodeAttr(BPF_LINK_UPDATE, { new_prog_fd: 2, new_map_fd: 2 }));
  assert.doesNotThrow(() => encodeAttr(BPF_MAP_LOOKUP_ELEM, { value: 16n, next_key: 16n }));
});

test("encodeAttr() throws RangeError for out-of-range integers", () => {
  assert.throws(() => encodeAttr(BPF_LINK_DETACH, { link_fd: -1 }), RangeError);
  assert.throws(() => encodeAttr(BPF_LINK_DETACH, { link_fd: 2 ** 32 }), RangeError);
  assert.throws(() => encodeAttr(BPF_LINK_DETACH, { link_fd: 1.5 }), RangeError);
  assert.throws(() => encodeAttr(BPF_MAP_CREATE, { map_token_fd: 2 ** 31 }), RangeError);
  assert.throws(() => encodeAttr(BPF_MAP_CREATE, { map_extra: -1n }), RangeError);
  assert.throws(() => encodeAttr(BPF_MAP_CREATE, { map_extra: 1n << 64n }), RangeError);
  assert.equal(decodeAttr(BPF_MAP_CREATE, encodeAttr(BPF_MAP_CREATE, { map_extra: (1n << 64n) - 1n })).map_extra, (1n << 64n) - 1n);
});

test("encodeAttr() honours the size argument like a C caller passing a shorter attr", () => {
  const short = encodeAttr(BPF_LINK_UPDATE, { link_fd: 1, new_map_fd: 2 }, undefined, 16);
  assert.equal(short.length, 16);
  assert.throws(() => encodeAttr(BPF_LINK_UPDATE, { old_map_fd: 2 }, undefined, 12), RangeError);
  const long = encodeAttr(BPF_LINK_DETACH, { link_fd: 1 }, undefined, 200);
  assert.equal(long.length, 200);
  assert.ok(long.subarray(4).every((b) => b === 0));
});

test("decodeAttr() reads a short attr as zero-padded", () => {
  const d = decodeAttr(BPF_MAP_CREATE, new Uint8Array([2, 0, 0, 0, 4]));
  assert.deepEqual([d.map_type, d.key_size, d.max_entries], [2, 4, 0]);
});

test("encodeAttr() and decodeAttr() throw RangeError for commands without a modelled layout", () => {
  assert.equal(attrLayout(BPF_PROG_QUERY), undefined);
  // @ts-expect-error -- BPF_PROG_QUERY is not an AttrCmd
  assert.throws(() => encodeAttr(BPF_PROG_QUERY, {}), RangeError);
  // @ts-expect-error -- same
  assert.throws(() => decodeAttr(BPF_PROG_QUERY, new Uint8Array(0)), RangeError);
});
