/**
 * @fileoverview Checks the union bpf_attr layouts against offsets read from the Linux 6.18 BTF
 * (hard-coded here, so the test does not depend on the machine).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ATTR_LAYOUTS,
  BPF_ATTR_SIZE,
  BTF_LOAD_ATTR,
  GET_ID_ATTR,
  INFO_ATTR,
  LINK_CREATE_ATTR,
  LINK_CREATE_UNION_MEMBERS,
  LINK_DETACH_ATTR,
  ITER_CREATE_ATTR,
  LINK_UPDATE_ATTR,
  MAP_CREATE_ATTR,
  MAP_ELEM_ATTR,
  OBJ_ATTR,
  PROG_LOAD_ATTR,
  PROG_TEST_RUN_ATTR,
} from "./attr-layout.js";
import { layoutEnd } from "./layout.js";
import type { StructLayout } from "./layout.js";

// Source: Linux 6.18 BTF (/sys/kernel/btf/vmlinux of a 6.18.44 x86-64 kernel,
// `bpftool btf dump ... format raw`), union bpf_attr flattened: path -> [offset, size].
// Anonymous members contribute no path segment; "(anon@N)" names an anonymous union at N.
const BTF_6_18: Record<string, readonly [number, number]> = {
  map_type: [0, 4], key_size: [4, 4], value_size: [8, 4], max_entries: [12, 4], map_flags: [16, 4],
  inner_map_fd: [20, 4], numa_node: [24, 4], map_name: [28, 16], map_ifindex: [44, 4], btf_fd: [48, 4],
  btf_key_type_id: [52, 4], btf_value_type_id: [56, 4], btf_vmlinux_value_type_id: [60, 4], map_extra: [64, 8],
  value_type_btf_obj_fd: [72, 4], map_token_fd: [76, 4], excl_prog_hash: [80, 8], excl_prog_hash_size: [88, 4],

  map_fd: [0, 4], key: [8, 8], value: [16, 8], next_key: [16, 8], flags: [24, 8],

  prog_type: [0, 4], insn_cnt: [4, 4], insns: [8, 8], license: [16, 8], log_level: [24, 4], log_size: [28, 4],
  log_buf: [32, 8], kern_version: [40, 4], prog_flags: [44, 4], prog_name: [48, 16], prog_ifindex: [64, 4],
  expected_attach_type: [68, 4], prog_btf_fd: [72, 4], func_info_rec_size: [76, 4], func_info: [80, 8],
  func_info_cnt: [88, 4], line_info_rec_size: [92, 4], line_info: [96, 8], line_info_cnt: [104, 4],
  attach_btf_id: [108, 4], attach_prog_fd: [112, 4], attach_btf_obj_fd: [112, 4], core_relo_cnt: [116, 4],
  fd_array: [120, 8], core_relos: [128, 8], core_relo_rec_size: [136, 4], log_true_size: [140, 4],
  prog_token_fd: [144, 4], fd_array_cnt: [148, 4], signature: [152, 8], signature_size: [160, 4], keyring_id: [164, 4],

  pathname: [0, 8], bpf_fd: [8, 4], file_flags: [12, 4], path_fd: [16, 4],

  start_id: [0, 4], prog_id: [0, 4], map_id: [0, 4], btf_id: [0, 4], link_id: [0, 4], next_id: [4, 4],
  open_flags: [8, 4], fd_by_id_token_fd: [12, 4],

  "info.bpf_fd": [0, 4], "info.info_len": [4, 4], "info.info": [8, 8],

  btf: [0, 8], btf_log_buf: [8, 8], btf_size: [16, 4], btf_log_size: [20, 4], btf_log_level: [24, 4],
  btf_log_true_size: [28, 4], btf_flags: [32, 4], btf_token_fd: [36, 4],

  "link_create.prog_fd": [0, 4], "link_create.map_fd": [0, 4], "link_create.target_fd": [4, 4],
  "link_create.target_ifindex": [4, 4], "link_create.attach_type": [8, 4], "link_create.flags": [12, 4],
  "link_create.(anon@16)": [16, 48],

  "link_update.link_fd": [0, 4], "link_update.new_prog_fd": [4, 4], "link_update.new_map_fd": [4, 4],
  "link_update.flags": [8, 4], "link_update.old_prog_fd": [12, 4], "link_update.old_map_fd": [12, 4],

  "link_detach.link_fd": [0, 4],

  "iter_create.link_fd": [0, 4], "iter_create.flags": [4, 4],

  "test.prog_fd": [0, 4], "test.retval": [4, 4], "test.data_size_in": [8, 4], "test.data_size_out": [12, 4],
  "test.data_in": [16, 8], "test.data_out": [24, 8], "test.repeat": [32, 4], "test.duration": [36, 4],
  "test.ctx_size_in": [40, 4], "test.ctx_size_out": [44, 4], "test.ctx_in": [48, 8], "test.ctx_out": [56, 8],
  "test.flags": [64, 4], "test.cpu": [68, 4], "test.batch_size": [72, 4],
};

// Same source: sizes of the union members the layouts describe.
const MEMBER_SIZES_6_18: ReadonlyArray<readonly [StructLayout, number]> = [
  [MAP_CREATE_ATTR, 96],
  [MAP_ELEM_ATTR, 32],
  [PROG_LOAD_ATTR, 168],
  [OBJ_ATTR, 24],
  [GET_ID_ATTR, 16],
  [INFO_ATTR, 16],
  [BTF_LOAD_ATTR, 40],
  [LINK_CREATE_ATTR, 64],
  [LINK_UPDATE_ATTR, 16],
  [LINK_DETACH_ATTR, 4],
  [ITER_CREATE_ATTR, 8],
  [PROG_TEST_RUN_ATTR, 80],
];

test("BPF_ATTR_SIZE is sizeof(union bpf_attr) in Linux 6.18", () => {
  assert.equal(BPF_ATTR_SIZE, 168);
});

test("every attr layout field has the Linux 6.18 offset and size", () => {
  const seen = new Set<string>();
  for (const layout of ATTR_LAYOUTS) {
    for (const f of layout.fields) {
      const paths = f.btf !== undefined && f.btf !== null ? [f.btf] : f.names.map((n) => layout.prefix + n);
      for (const p of paths) {
        const want = BTF_6_18[p];
        assert.ok(want, `${layout.name}: no 6.18 entry for ${p}`);
        assert.deepEqual([f.offset, f.size], want, `${layout.name}: ${p}`);
        seen.add(p);
      }
    }
  }
  // The table above is fully covered: no modelled field was left out.
  assert.deepEqual([...seen].sort(), Object.keys(BTF_6_18).sort());
});

test("attr layout sizes match the union members of Linux 6.18", () => {
  for (const [layout, size] of MEMBER_SIZES_6_18) {
    assert.equal(layout.size, size, layout.name);
    assert.ok(layoutEnd(layout) <= size && size <= BPF_ATTR_SIZE, layout.name);
  }
});

test("attr layout fields are aligned to their size and do not overlap except as aliases", () => {
  for (const layout of ATTR_LAYOUTS) {
    const owner = new Array<string | undefined>(layout.size);
    for (const f of layout.fields) {
      if (f.kind === "u32" || f.kind === "s32" || f.kind === "u64" || f.kind === "ptr" || f.kind === "str_ptr") {
        assert.equal(f.offset % f.size, 0, `${layout.name}: ${f.names[0]} misaligned`);
      }
      for (let i = f.offset; i < f.offset + f.size; i++) {
        assert.equal(owner[i], undefined, `${layout.name}: byte ${i} claimed twice`);
        owner[i] = f.names[0];
      }
    }
  }
});

test("LINK_CREATE_UNION_MEMBERS match Linux 6.18 and stay inside the 48-byte union", () => {
  // Source: Linux 6.18 BTF, link_create's anonymous union at 16.
  const want: Record<string, readonly [number, number]> = {
    target_btf_id: [16, 4], iter_info: [16, 8], iter_info_len: [24, 4], "perf_event.bpf_cookie": [16, 8],
    "kprobe_multi.flags": [16, 4], "kprobe_multi.cnt": [20, 4], "kprobe_multi.syms": [24, 8],
    "kprobe_multi.addrs": [32, 8], "kprobe_multi.cookies": [40, 8], "tracing.target_btf_id": [16, 4],
    "tracing.cookie": [24, 8], "netfilter.pf": [16, 4], "netfilter.hooknum": [20, 4], "netfilter.priority": [24, 4],
    "netfilter.flags": [28, 4], "tcx.relative_fd": [16, 4], "tcx.relative_id": [16, 4], "tcx.expected_revision": [24, 8],
    "uprobe_multi.path": [16, 8], "uprobe_multi.offsets": [24, 8], "uprobe_multi.ref_ctr_offsets": [32, 8],
    "uprobe_multi.cookies": [40, 8], "uprobe_multi.cnt": [48, 4], "uprobe_multi.flags": [52, 4],
    "uprobe_multi.pid": [56, 4], "netkit.relative_fd": [16, 4], "netkit.relative_id": [16, 4],
    "netkit.expected_revision": [24, 8], "cgroup.relative_fd": [16, 4], "cgroup.relative_id": [16, 4],
    "cgroup.expected_revision": [24, 8],
  };
  const got = Object.fromEntries(LINK_CREATE_UNION_MEMBERS.map((m) => [m.name, [m.offset, m.size]]));
  assert.deepEqual(got, want);
  for (const m of LINK_CREATE_UNION_MEMBERS) assert.ok(m.offset >= 16 && m.offset + m.size <= 64, m.name);
});
