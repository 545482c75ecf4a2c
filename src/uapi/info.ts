/**
 * @fileoverview The structs BPF_OBJ_GET_INFO_BY_FD fills in
 * (include/uapi/linux/bpf.h: bpf_map_info, bpf_prog_info, bpf_link_info,
 * bpf_btf_info), as Linux 6.18 lays them out, with encode/decode.
 *
 * The kernel side encodes an info struct from an object's state and copies
 * min(info_len, sizeof) bytes to the user; the user side decodes. Input
 * pointer fields (`map_ids`, `xlated_prog_insns`, `btf`, `name` of
 * bpf_btf_info, ...) name user buffers the kernel writes arrays into; they
 * decode as bigint addresses. Names (`char[16]`) decode as raw bytes; use
 * readCharArray / decodeCString for the string.
 *
 * Offsets are from the 6.18 BTF and re-checked by tools/check-uapi.ts.
 * Invariant: struct sizes are 104 (map), 232 (prog), 64 (link), 32 (btf).
 */
import {
  BPF_LINK_TYPE_CGROUP,
  BPF_LINK_TYPE_KPROBE_MULTI,
  BPF_LINK_TYPE_NETFILTER,
  BPF_LINK_TYPE_NETKIT,
  BPF_LINK_TYPE_NETNS,
  BPF_LINK_TYPE_RAW_TRACEPOINT,
  BPF_LINK_TYPE_SOCKMAP,
  BPF_LINK_TYPE_STRUCT_OPS,
  BPF_LINK_TYPE_TCX,
  BPF_LINK_TYPE_TRACING,
  BPF_LINK_TYPE_UPROBE_MULTI,
  BPF_LINK_TYPE_XDP,
} from "./bpf-enums.js";
import { bitField, bytesField, charsField, decodeStruct, encodeStruct, ptrField, s32Field, u32Field, u64Field } from "./layout.js";
import type { PtrFn, StructInput, StructLayout, StructOutput } from "./layout.js";

/** `struct bpf_map_info` (104 bytes). `hash`/`hash_size` (6.18) request the map's SHA-256. */
export const MAP_INFO_LAYOUT = {
  name: "struct bpf_map_info",
  btfRoot: "bpf_map_info",
  prefix: "",
  size: 104,
  fields: [
    u32Field(0, "type"),
    u32Field(4, "id"),
    u32Field(8, "key_size"),
    u32Field(12, "value_size"),
    u32Field(16, "max_entries"),
    u32Field(20, "map_flags"),
    charsField(24, 16, "name"),
    u32Field(40, "ifindex"),
    u32Field(44, "btf_vmlinux_value_type_id"),
    u64Field(48, "netns_dev"),
    u64Field(56, "netns_ino"),
    u32Field(64, "btf_id"),
    u32Field(68, "btf_key_type_id"),
    u32Field(72, "btf_value_type_id"),
    u32Field(76, "btf_vmlinux_id"),
    u64Field(80, "map_extra"),
    ptrField(88, "hash"),
    u32Field(96, "hash_size"),
  ],
} as const satisfies StructLayout;

/**
 * `struct bpf_prog_info` (232 bytes, 8-byte aligned). `tag` is `__u8[8]`;
 * `gpl_compatible` is a 1-bit bitfield followed by 31 bits of padding.
 */
export const PROG_INFO_LAYOUT = {
  name: "struct bpf_prog_info",
  btfRoot: "bpf_prog_info",
  prefix: "",
  size: 232,
  fields: [
    u32Field(0, "type"),
    u32Field(4, "id"),
    bytesField(8, 8, undefined, "tag"),
    u32Field(16, "jited_prog_len"),
    u32Field(20, "xlated_prog_len"),
    ptrField(24, "jited_prog_insns"),
    ptrField(32, "xlated_prog_insns"),
    u64Field(40, "load_time"),
    u32Field(48, "created_by_uid"),
    u32Field(52, "nr_map_ids"),
    ptrField(56, "map_ids"),
    charsField(64, 16, "name"),
    u32Field(80, "ifindex"),
    bitField(84, "gpl_compatible"),
    u64Field(88, "netns_dev"),
    u64Field(96, "netns_ino"),
    u32Field(104, "nr_jited_ksyms"),
    u32Field(108, "nr_jited_func_lens"),
    ptrField(112, "jited_ksyms"),
    ptrField(120, "jited_func_lens"),
    u32Field(128, "btf_id"),
    u32Field(132, "func_info_rec_size"),
    ptrField(136, "func_info"),
    u32Field(144, "nr_func_info"),
    u32Field(148, "nr_line_info"),
    ptrField(152, "line_info"),
    ptrField(160, "jited_line_info"),
    u32Field(168, "nr_jited_line_info"),
    u32Field(172, "line_info_rec_size"),
    u32Field(176, "jited_line_info_rec_size"),
    u32Field(180, "nr_prog_tags"),
    ptrField(184, "prog_tags"),
    u64Field(192, "run_time_ns"),
    u64Field(200, "run_cnt"),
    u64Field(208, "recursion_misses"),
    u32Field(216, "verified_insns"),
    u32Field(220, "attach_btf_obj_id"),
    u32Field(224, "attach_btf_id"),
  ],
} as const satisfies StructLayout;

/** `struct bpf_btf_info` (32 bytes). `btf` and `name` are user buffers of `btf_size` / `name_len` bytes. */
export const BTF_INFO_LAYOUT = {
  name: "struct bpf_btf_info",
  btfRoot: "bpf_btf_info",
  prefix: "",
  size: 32,
  fields: [ptrField(0, "btf"), u32Field(8, "btf_size"), u32Field(12, "id"), ptrField(16, "name"), u32Field(24, "name_len"), u32Field(28, "kernel_btf")],
} as const satisfies StructLayout;

/**
 * `struct bpf_link_info` (64 bytes): the common head, and the anonymous
 * per-link-type union at offset 16 as raw bytes under `union_bytes` (not a
 * kernel name). Typed views of the union are in {@link LINK_INFO_VIEWS}.
 */
export const LINK_INFO_LAYOUT = {
  name: "struct bpf_link_info",
  btfRoot: "bpf_link_info",
  prefix: "",
  size: 64,
  fields: [u32Field(0, "type"), u32Field(4, "id"), u32Field(8, "prog_id"), bytesField(16, 48, "(anon@16)", "union_bytes")],
} as const satisfies StructLayout;

function view<const F extends StructLayout["fields"]>(member: string, size: number, fields: F) {
  return { name: `struct bpf_link_info.${member}`, btfRoot: "bpf_link_info", prefix: `${member}.`, size, fields } as const;
}

/**
 * Typed views of `bpf_link_info`'s union, by member name (offsets from the
 * start of bpf_link_info). `iter` and `perf_event` (nested unions) are only
 * available as `union_bytes`.
 */
export const LINK_INFO_VIEWS = {
  raw_tracepoint: view("raw_tracepoint", 24, [ptrField(16, "tp_name"), u32Field(24, "tp_name_len"), u64Field(32, "cookie")]),
  tracing: view("tracing", 24, [u32Field(16, "attach_type"), u32Field(20, "target_obj_id"), u32Field(24, "target_btf_id"), u64Field(32, "cookie")]),
  cgroup: view("cgroup", 16, [u64Field(16, "cgroup_id"), u32Field(24, "attach_type")]),
  netns: view("netns", 8, [u32Field(16, "netns_ino"), u32Field(20, "attach_type")]),
  xdp: view("xdp", 4, [u32Field(16, "ifindex")]),
  struct_ops: view("struct_ops", 4, [u32Field(16, "map_id")]),
  netfilter: view("netfilter", 16, [u32Field(16, "pf"), u32Field(20, "hooknum"), s32Field(24, "priority"), u32Field(28, "flags")]),
  kprobe_multi: view("kprobe_multi", 32, [ptrField(16, "addrs"), u32Field(24, "count"), u32Field(28, "flags"), u64Field(32, "missed"), ptrField(40, "cookies")]),
  uprobe_multi: view("uprobe_multi", 48, [
    ptrField(16, "path"),
    ptrField(24, "offsets"),
    ptrField(32, "ref_ctr_offsets"),
    ptrField(40, "cookies"),
    u32Field(48, "path_size"),
    u32Field(52, "count"),
    u32Field(56, "flags"),
    u32Field(60, "pid"),
  ]),
  tcx: view("tcx", 8, [u32Field(16, "ifindex"), u32Field(20, "attach_type")]),
  netkit: view("netkit", 8, [u32Field(16, "ifindex"), u32Field(20, "attach_type")]),
  sockmap: view("sockmap", 8, [u32Field(16, "map_id"), u32Field(20, "attach_type")]),
} as const satisfies Record<string, StructLayout>;

type LinkInfoViews = typeof LINK_INFO_VIEWS;
/** Name of a typed view of bpf_link_info's union. */
export type LinkInfoViewName = keyof LinkInfoViews;

/** bpf_link_type value → the union member the kernel fills for it. */
export const LINK_INFO_VIEW_BY_TYPE: ReadonlyMap<number, LinkInfoViewName> = new Map<number, LinkInfoViewName>([
  [BPF_LINK_TYPE_RAW_TRACEPOINT, "raw_tracepoint"],
  [BPF_LINK_TYPE_TRACING, "tracing"],
  [BPF_LINK_TYPE_CGROUP, "cgroup"],
  [BPF_LINK_TYPE_NETNS, "netns"],
  [BPF_LINK_TYPE_XDP, "xdp"],
  [BPF_LINK_TYPE_KPROBE_MULTI, "kprobe_multi"],
  [BPF_LINK_TYPE_STRUCT_OPS, "struct_ops"],
  [BPF_LINK_TYPE_NETFILTER, "netfilter"],
  [BPF_LINK_TYPE_TCX, "tcx"],
  [BPF_LINK_TYPE_UPROBE_MULTI, "uprobe_multi"],
  [BPF_LINK_TYPE_NETKIT, "netkit"],
  [BPF_LINK_TYPE_SOCKMAP, "sockmap"],
]);

/** Input for {@link encodeMapInfo}. */
export type BpfMapInfoInput = StructInput<typeof MAP_INFO_LAYOUT>;
/** Decoded `struct bpf_map_info`. */
export type BpfMapInfo = StructOutput<typeof MAP_INFO_LAYOUT>;
/** Input for {@link encodeProgInfo}. */
export type BpfProgInfoInput = StructInput<typeof PROG_INFO_LAYOUT>;
/** Decoded `struct bpf_prog_info`. */
export type BpfProgInfo = StructOutput<typeof PROG_INFO_LAYOUT>;
/** Input for {@link encodeBtfInfo}. */
export type BpfBtfInfoInput = StructInput<typeof BTF_INFO_LAYOUT>;
/** Decoded `struct bpf_btf_info`. */
export type BpfBtfInfo = StructOutput<typeof BTF_INFO_LAYOUT>;
/** Input for {@link encodeLinkInfo}: the head, raw union bytes, and at most one typed view. */
export type BpfLinkInfoInput = StructInput<typeof LINK_INFO_LAYOUT> & {
  [V in LinkInfoViewName]?: StructInput<LinkInfoViews[V]> | undefined;
};
/** Decoded `struct bpf_link_info`: the head, raw union bytes, and the view matching `type` if modelled. */
export type BpfLinkInfo = StructOutput<typeof LINK_INFO_LAYOUT> & {
  [V in LinkInfoViewName]?: StructOutput<LinkInfoViews[V]>;
};

function encodeInfo<L extends StructLayout>(layout: L, info: StructInput<L>, ptrFn: PtrFn | undefined): Uint8Array {
  const out = new Uint8Array(layout.size);
  encodeStruct(layout, info, out, ptrFn);
  return out;
}

/**
 * Bytes of a `struct bpf_map_info` (104). Pointer fields accept buffers when `ptr` is given.
 *
 * @throws TypeError / RangeError as encodeStruct (unknown keys, ranges, names over 15 bytes).
 */
export function encodeMapInfo(info: BpfMapInfoInput, ptrFn?: PtrFn): Uint8Array {
  return encodeInfo(MAP_INFO_LAYOUT, info, ptrFn);
}
/** Decodes `struct bpf_map_info`; a short buffer (info_len < 104) reads as zero-padded. */
export function decodeMapInfo(bytes: Uint8Array): BpfMapInfo {
  return decodeStruct(MAP_INFO_LAYOUT, bytes);
}

/** Bytes of a `struct bpf_prog_info` (232). @throws TypeError / RangeError as encodeStruct. */
export function encodeProgInfo(info: BpfProgInfoInput, ptrFn?: PtrFn): Uint8Array {
  return encodeInfo(PROG_INFO_LAYOUT, info, ptrFn);
}
/** Decodes `struct bpf_prog_info`; short input reads as zero-padded. */
export function decodeProgInfo(bytes: Uint8Array): BpfProgInfo {
  return decodeStruct(PROG_INFO_LAYOUT, bytes);
}

/** Bytes of a `struct bpf_btf_info` (32). @throws TypeError / RangeError as encodeStruct. */
export function encodeBtfInfo(info: BpfBtfInfoInput, ptrFn?: PtrFn): Uint8Array {
  return encodeInfo(BTF_INFO_LAYOUT, info, ptrFn);
}
/** Decodes `struct bpf_btf_info`; short input reads as zero-padded. */
export function decodeBtfInfo(bytes: Uint8Array): BpfBtfInfo {
  return decodeStruct(BTF_INFO_LAYOUT, bytes);
}

/**
 * Bytes of a `struct bpf_link_info` (64). `union_bytes` is written first, then
 * the typed view (e.g. `struct_ops: { map_id }`) over it.
 *
 * @throws TypeError if more than one view is given, or as encodeStruct.
 * @example encodeLinkInfo({ type: BPF_LINK_TYPE_STRUCT_OPS, id: 7, struct_ops: { map_id: 3 } })
 */
export function encodeLinkInfo(info: BpfLinkInfoInput, ptrFn?: PtrFn): Uint8Array {
  const head: Record<string, unknown> = {};
  let chosen: LinkInfoViewName | undefined;
  for (const [k, v] of Object.entries(info)) {
    if (Object.hasOwn(LINK_INFO_VIEWS, k)) {
      if (v === undefined) continue;
      if (chosen !== undefined) throw new TypeError(`Cannot encode struct bpf_link_info as views '${chosen}' and '${k}' share the same union`);
      chosen = k as LinkInfoViewName;
    } else head[k] = v;
  }
  const out = encodeInfo(LINK_INFO_LAYOUT, head as StructInput<typeof LINK_INFO_LAYOUT>, ptrFn);
  if (chosen !== undefined) {
    encodeStruct(LINK_INFO_VIEWS[chosen] as StructLayout, info[chosen] as StructInput<StructLayout>, out, ptrFn);
  }
  return out;
}

/**
 * Decodes `struct bpf_link_info`, adding the typed view the kernel fills for
 * `type` (e.g. `struct_ops.map_id` for BPF_LINK_TYPE_STRUCT_OPS) when modelled.
 */
export function decodeLinkInfo(bytes: Uint8Array): BpfLinkInfo {
  const head: BpfLinkInfo = decodeStruct(LINK_INFO_LAYOUT, bytes);
  const v = LINK_INFO_VIEW_BY_TYPE.get(head.type);
  if (v === undefined) return head;
  return { ...head, [v]: decodeStruct(LINK_INFO_VIEWS[v] as StructLayout, bytes) };
}

/** Every info layout, including link-info views (for tools and tests). */
export const INFO_LAYOUTS: readonly StructLayout[] = [
  MAP_INFO_LAYOUT,
  PROG_INFO_LAYOUT,
  BTF_INFO_LAYOUT,
  LINK_INFO_LAYOUT,
  ...Object.values(LINK_INFO_VIEWS),
];
