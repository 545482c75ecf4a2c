/**
 * @fileoverview Tests for attr-last-field.ts: CHECK_ATTR last fields of Linux 6.18 and checkAttr().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { attrLastFieldEnd, BPF_ATTR_LAST_FIELD, checkAttr } from "./attr-last-field.js";
import { ATTR_LAYOUT_BY_CMD, attrLayout } from "./attr-codec.js";
import { BPF_ATTR_SIZE } from "./attr-layout.js";
import { fieldOf } from "./layout.js";
import {
  BPF_CMD_NAMES,
  BPF_LINK_CREATE,
  BPF_LINK_DETACH,
  BPF_LINK_UPDATE,
  BPF_MAP_CREATE,
  BPF_MAP_DELETE_ELEM,
  BPF_OBJ_GET_INFO_BY_FD,
  BPF_PROG_LOAD,
} from "./bpf-enums.js";

// Source: kernel/bpf/syscall.c <CMD>_LAST_FIELD macros (6.18 era) for the names,
// Linux 6.18 BTF for offsetofend(union bpf_attr, field).
const LAST_FIELD_6_18: Record<string, readonly [string, number]> = {
  BPF_MAP_CREATE: ["excl_prog_hash_size", 92],
  BPF_MAP_LOOKUP_ELEM: ["flags", 32],
  BPF_MAP_UPDATE_ELEM: ["flags", 32],
  BPF_MAP_DELETE_ELEM: ["key", 16],
  BPF_MAP_GET_NEXT_KEY: ["next_key", 24],
  BPF_PROG_LOAD: ["keyring_id", 168],
  BPF_OBJ_PIN: ["path_fd", 20],
  BPF_OBJ_GET: ["path_fd", 20],
  BPF_PROG_ATTACH: ["expected_revision", 32],
  BPF_PROG_DETACH: ["expected_revision", 32],
  BPF_PROG_TEST_RUN: ["test.batch_size", 76],
  BPF_PROG_GET_NEXT_ID: ["next_id", 8],
  BPF_MAP_GET_NEXT_ID: ["next_id", 8],
  BPF_PROG_GET_FD_BY_ID: ["prog_id", 4],
  BPF_MAP_GET_FD_BY_ID: ["open_flags", 12],
  BPF_OBJ_GET_INFO_BY_FD: ["info.info", 16],
  BPF_PROG_QUERY: ["query.revision", 64],
  BPF_RAW_TRACEPOINT_OPEN: ["raw_tracepoint.cookie", 24],
  BPF_BTF_LOAD: ["btf_token_fd", 40],
  BPF_BTF_GET_FD_BY_ID: ["fd_by_id_token_fd", 16],
  BPF_TASK_FD_QUERY: ["task_fd_query.probe_addr", 48],
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: ["flags", 32],
  BPF_MAP_FREEZE: ["map_fd", 4],
  BPF_BTF_GET_NEXT_ID: ["next_id", 8],
  BPF_MAP_LOOKUP_BATCH: ["batch.flags", 56],
  BPF_MAP_LOOKUP_AND_DELETE_BATCH: ["batch.flags", 56],
  BPF_MAP_UPDATE_BATCH: ["batch.flags", 56],
  BPF_MAP_DELETE_BATCH: ["batch.flags", 56],
  BPF_LINK_CREATE: ["link_create.uprobe_multi.pid", 60],
  BPF_LINK_UPDATE: ["link_update.old_prog_fd", 16],
  BPF_LINK_GET_FD_BY_ID: ["link_id", 4],
  BPF_LINK_GET_NEXT_ID: ["next_id", 8],
  BPF_ENABLE_STATS: ["enable_stats.type", 4],
  BPF_ITER_CREATE: ["iter_create.flags", 8],
  BPF_LINK_DETACH: ["link_detach.link_fd", 4],
  BPF_PROG_BIND_MAP: ["prog_bind_map.flags", 12],
  BPF_TOKEN_CREATE: ["token_create.bpffs_fd", 8],
  BPF_PROG_STREAM_READ_BY_FD: ["prog_stream_read.prog_fd", 20],
};

test("BPF_ATTR_LAST_FIELD names every Linux 6.18 command's CHECK_ATTR field and end offset", () => {
  const got: Record<string, readonly [string, number]> = {};
  for (const [cmd, f] of BPF_ATTR_LAST_FIELD) got[BPF_CMD_NAMES.get(cmd) as string] = [f.field, f.offset + f.size];
  assert.deepEqual(got, LAST_FIELD_6_18);
});

test("attrLastFieldEnd() throws RangeError for a value that is not a 6.18 command", () => {
  assert.equal(attrLastFieldEnd(BPF_LINK_UPDATE), 16);
  assert.throws(() => attrLastFieldEnd(38), RangeError);
});

test("each modelled command's last field is a field of its attr layout at the same bytes", () => {
  for (const key of Object.keys(ATTR_LAYOUT_BY_CMD)) {
    const cmd = Number(key);
    const last = BPF_ATTR_LAST_FIELD.get(cmd);
    const layout = attrLayout(cmd);
    assert.ok(last && layout);
    const name = layout.prefix !== "" && last.field.startsWith(layout.prefix) ? last.field.slice(layout.prefix.length) : last.field;
    if (cmd === BPF_LINK_CREATE) {
      // The last field sits in the per-type union, modelled as raw bytes.
      const u = fieldOf(layout, "union_bytes");
      assert.ok(last.offset >= u.offset && last.offset + last.size <= u.offset + u.size);
      continue;
    }
    const f = fieldOf(layout, name);
    assert.deepEqual([f.offset, f.size], [last.offset, last.size], BPF_CMD_NAMES.get(cmd));
  }
});

test("checkAttr() is false for an all-zero tail and true for a set byte right after the last field", () => {
  for (const [cmd, f] of BPF_ATTR_LAST_FIELD) {
    const attr = new Uint8Array(BPF_ATTR_SIZE).fill(0xff, 0, f.offset + f.size);
    assert.equal(checkAttr(cmd, attr), false, BPF_CMD_NAMES.get(cmd));
    if (f.offset + f.size < BPF_ATTR_SIZE) {
      attr[f.offset + f.size] = 1;
      assert.equal(checkAttr(cmd, attr), true, BPF_CMD_NAMES.get(cmd));
    }
  }
});

test("checkAttr() rejects LINK_UPDATE bytes >= 16 and LINK_DETACH bytes >= 4 (KERNEL-SPEC 1.2)", () => {
  const a = new Uint8Array(BPF_ATTR_SIZE);
  a[16] = 1;
  assert.equal(checkAttr(BPF_LINK_UPDATE, a), true);
  a.fill(0);
  a[15] = 1;
  assert.equal(checkAttr(BPF_LINK_UPDATE, a), false);
  a.fill(0);
  a[4] = 1;
  assert.equal(checkAttr(BPF_LINK_DETACH, a), true);
});

test("checkAttr() checks link_create bytes past uprobe_multi.pid but not inside the union", () => {
  const a = new Uint8Array(BPF_ATTR_SIZE);
  a[59] = 1;
  assert.equal(checkAttr(BPF_LINK_CREATE, a), false);
  a[60] = 1;
  assert.equal(checkAttr(BPF_LINK_CREATE, a), true);
});

test("checkAttr() treats a short attr as zero-padded and ignores bytes past sizeof(union bpf_attr)", () => {
  assert.equal(checkAttr(BPF_MAP_CREATE, new Uint8Array(10).fill(1)), false);
  const big = new Uint8Array(200);
  big[190] = 1;
  assert.equal(checkAttr(BPF_PROG_LOAD, big), false);
  big[100] = 1;
  assert.equal(checkAttr(BPF_OBJ_GET_INFO_BY_FD, big), true);
  assert.equal(checkAttr(BPF_MAP_DELETE_ELEM, new Uint8Array(16).fill(1)), false);
});
