/**
 * @fileoverview Tests for info.ts: OBJ_GET_INFO_BY_FD structs, offsets from the Linux 6.18 BTF, round trips.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BTF_INFO_LAYOUT,
  decodeBtfInfo,
  decodeLinkInfo,
  decodeMapInfo,
  decodeProgInfo,
  encodeBtfInfo,
  encodeLinkInfo,
  encodeMapInfo,
  encodeProgInfo,
  INFO_LAYOUTS,
  LINK_INFO_LAYOUT,
  MAP_INFO_LAYOUT,
  PROG_INFO_LAYOUT,
} from "./info.js";
import { readCharArray } from "./cstring.js";
import { BPF_LINK_TYPE_ITER, BPF_LINK_TYPE_STRUCT_OPS, BPF_LINK_TYPE_TRACING, BPF_MAP_TYPE_STRUCT_OPS } from "./bpf-enums.js";
import type { StructLayout } from "./layout.js";

// Source: Linux 6.18 BTF (/sys/kernel/btf/vmlinux, `bpftool btf dump ... format raw`):
// struct size, then member path -> [offset, size]. "(anon@16)" is bpf_link_info's union.
const BTF_6_18: Record<string, { size: number; members: Record<string, readonly [number, number]> }> = {
  bpf_map_info: {
    size: 104,
    members: {
      type: [0, 4], id: [4, 4], key_size: [8, 4], value_size: [12, 4], max_entries: [16, 4], map_flags: [20, 4],
      name: [24, 16], ifindex: [40, 4], btf_vmlinux_value_type_id: [44, 4], netns_dev: [48, 8], netns_ino: [56, 8],
      btf_id: [64, 4], btf_key_type_id: [68, 4], btf_value_type_id: [72, 4], btf_vmlinux_id: [76, 4],
      map_extra: [80, 8], hash: [88, 8], hash_size: [96, 4],
    },
  },
  bpf_prog_info: {
    size: 232,
    members: {
      type: [0, 4], id: [4, 4], tag: [8, 8], jited_prog_len: [16, 4], xlated_prog_len: [20, 4],
      jited_prog_insns: [24, 8], xlated_prog_insns: [32, 8], load_time: [40, 8], created_by_uid: [48, 4],
      nr_map_ids: [52, 4], map_ids: [56, 8], name: [64, 16], ifindex: [80, 4], gpl_compatible: [84, 4],
      netns_dev: [88, 8], netns_ino: [96, 8], nr_jited_ksyms: [104, 4], nr_jited_func_lens: [108, 4],
      jited_ksyms: [112, 8], jited_func_lens: [120, 8], btf_id: [128, 4], func_info_rec_size: [132, 4],
      func_info: [136, 8], nr_func_info: [144, 4], nr_line_info: [148, 4], line_info: [152, 8],
      jited_line_info: [160, 8], nr_jited_line_info: [168, 4], line_info_rec_size: [172, 4],
      jited_line_info_rec_size: [176, 4], nr_prog_tags: [180, 4], prog_tags: [184, 8], run_time_ns: [192, 8],
      run_cnt: [200, 8], recursion_misses: [208, 8], verified_insns: [216, 4], attach_btf_obj_id: [220, 4],
      attach_btf_id: [224, 4],
    },
  },
  bpf_btf_info: {
    size: 32,
    members: { btf: [0, 8], btf_size: [8, 4], id: [12, 4], name: [16, 8], name_len: [24, 4], kernel_btf: [28, 4] },
  },
  bpf_link_info: {
    size: 64,
    members: {
      type: [0, 4], id: [4, 4], prog_id: [8, 4], "(anon@16)": [16, 48],
      "raw_tracepoint.tp_name": [16, 8], "raw_tracepoint.tp_name_len": [24, 4], "raw_tracepoint.cookie": [32, 8],
      "tracing.attach_type": [16, 4], "tracing.target_obj_id": [20, 4], "tracing.target_btf_id": [24, 4],
      "tracing.cookie": [32, 8], "cgroup.cgroup_id": [16, 8], "cgroup.attach_type": [24, 4],
      "netns.netns_ino": [16, 4], "netns.attach_type": [20, 4], "xdp.ifindex": [16, 4], "struct_ops.map_id": [16, 4],
      "netfilter.pf": [16, 4], "netfilter.hooknum": [20, 4], "netfilter.priority": [24, 4], "netfilter.flags": [28, 4],
      "kprobe_multi.addrs": [16, 8], "kprobe_multi.count": [24, 4], "kprobe_multi.flags": [28, 4],
      "kprobe_multi.missed": [32, 8], "kprobe_multi.cookies": [40, 8], "uprobe_multi.path": [16, 8],
      "uprobe_multi.offsets": [24, 8], "uprobe_multi.ref_ctr_offsets": [32, 8], "uprobe_multi.cookies": [40, 8],
      "uprobe_multi.path_size": [48, 4], "uprobe_multi.count": [52, 4], "uprobe_multi.flags": [56, 4],
      "uprobe_multi.pid": [60, 4], "tcx.ifindex": [16, 4], "tcx.attach_type": [20, 4], "netkit.ifindex": [16, 4],
      "netkit.attach_type": [20, 4], "sockmap.map_id": [16, 4], "sockmap.attach_type": [20, 4],
    },
  },
};

test("info layouts have the Linux 6.18 struct sizes and member offsets", () => {
  const seen: Record<string, Set<string>> = {};
  for (const layout of INFO_LAYOUTS) {
    const want = BTF_6_18[layout.btfRoot];
    assert.ok(want, layout.name);
    if (layout.prefix === "") assert.equal(layout.size, want.size, layout.name);
    for (const f of layout.fields) {
      const path = f.btf ?? layout.prefix + f.names[0];
      assert.deepEqual([f.offset, f.size], want.members[path], `${layout.name}: ${path}`);
      (seen[layout.btfRoot] ??= new Set()).add(path);
    }
  }
  for (const [root, want] of Object.entries(BTF_6_18)) assert.deepEqual([...(seen[root] ?? [])].sort(), Object.keys(want.members).sort(), root);
});

test("link info views fit in the 48-byte union at offset 16", () => {
  for (const layout of INFO_LAYOUTS.filter((l: StructLayout) => l.prefix !== "")) {
    for (const f of layout.fields) assert.ok(f.offset >= 16 && f.offset + f.size <= 64, `${layout.name}.${f.names[0]}`);
  }
});

test("encodeMapInfo() and decodeMapInfo() round-trip a struct_ops map", () => {
  const bytes = encodeMapInfo({
    type: BPF_MAP_TYPE_STRUCT_OPS,
    id: 17,
    key_size: 4,
    value_size: 256,
    max_entries: 1,
    map_flags: 0x2000,
    name: "ca_update_1",
    btf_vmlinux_value_type_id: 99,
    btf_vmlinux_id: 1,
    netns_ino: 4026531840n,
  });
  assert.equal(bytes.length, MAP_INFO_LAYOUT.size);
  const d = decodeMapInfo(bytes);
  assert.deepEqual([d.type, d.id, d.value_size, d.map_flags, d.btf_vmlinux_value_type_id], [26, 17, 256, 0x2000, 99]);
  assert.equal(readCharArray(d.name, 0, 16), "ca_update_1");
  assert.equal(d.netns_ino, 4026531840n);
  assert.equal(d.hash, 0n);
});

test("decodeMapInfo() reads a short info_len copy as zero-padded", () => {
  const d = decodeMapInfo(encodeMapInfo({ type: 2, id: 5, max_entries: 9 }).subarray(0, 8));
  assert.deepEqual([d.type, d.id, d.max_entries], [2, 5, 0]);
});

test("encodeProgInfo() writes gpl_compatible as bit 0 and decodes only that bit", () => {
  const mem: Uint8Array[] = [];
  const mapIds = new Uint8Array(8);
  const bytes = encodeProgInfo(
    { type: 27, id: 3, tag: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), gpl_compatible: 1, nr_map_ids: 2, map_ids: mapIds, name: "bpf_cubic", run_cnt: 5n },
    (b) => {
      mem.push(b);
      return 0x4000n;
    },
  );
  assert.equal(bytes.length, PROG_INFO_LAYOUT.size);
  assert.equal(bytes[84], 1);
  bytes[85] = 0xff; // padding bits after the 1-bit field
  const d = decodeProgInfo(bytes);
  assert.equal(d.gpl_compatible, 1);
  assert.deepEqual([...d.tag], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(d.map_ids, 0x4000n);
  assert.equal(mem[0], mapIds);
  assert.equal(readCharArray(d.name, 0, 16), "bpf_cubic");
  assert.equal(d.run_cnt, 5n);
  assert.throws(() => encodeProgInfo({ gpl_compatible: 2 }), RangeError);
});

test("encodeBtfInfo() and decodeBtfInfo() round-trip", () => {
  const d = decodeBtfInfo(encodeBtfInfo({ btf: 0x1000n, btf_size: 300, id: 4, name: 0x2000n, name_len: 8, kernel_btf: 1 }));
  assert.deepEqual([d.btf, d.btf_size, d.id, d.name, d.name_len, d.kernel_btf], [0x1000n, 300, 4, 0x2000n, 8, 1]);
  assert.equal(encodeBtfInfo({}).length, BTF_INFO_LAYOUT.size);
});

test("decodeLinkInfo() adds struct_ops.map_id at offset 16 for a struct_ops link (KERNEL-SPEC 1.3)", () => {
  const bytes = encodeLinkInfo({ type: BPF_LINK_TYPE_STRUCT_OPS, id: 7, struct_ops: { map_id: 3 } });
  assert.equal(bytes.length, LINK_INFO_LAYOUT.size);
  assert.equal(bytes[16], 3);
  const d = decodeLinkInfo(bytes);
  assert.deepEqual([d.type, d.id, d.prog_id, d.struct_ops?.map_id], [9, 7, 0, 3]);
  assert.equal(d.tracing, undefined);
  assert.equal(d.union_bytes[0], 3);
});

test("decodeLinkInfo() picks the view by type and keeps raw bytes for unmodelled types", () => {
  const t = decodeLinkInfo(encodeLinkInfo({ type: BPF_LINK_TYPE_TRACING, tracing: { attach_type: 24, target_btf_id: 55, cookie: 9n } }));
  assert.deepEqual(t.tracing, { attach_type: 24, target_obj_id: 0, target_btf_id: 55, cookie: 9n });
  const raw = new Uint8Array(48).fill(0xab);
  const it = decodeLinkInfo(encodeLinkInfo({ type: BPF_LINK_TYPE_ITER, union_bytes: raw }));
  assert.deepEqual(it.union_bytes, raw);
  assert.equal(Object.keys(it).length, 4);
});

test("encodeLinkInfo() throws TypeError for two views or unknown keys", () => {
  assert.throws(() => encodeLinkInfo({ struct_ops: { map_id: 1 }, xdp: { ifindex: 2 } }), TypeError);
  // @ts-expect-error -- map_id belongs to the struct_ops view
  assert.throws(() => encodeLinkInfo({ map_id: 1 }), TypeError);
});
