/**
 * @fileoverview Byte layouts of `union bpf_attr` (include/uapi/linux/bpf.h),
 * one table per member struct the model serves, as of Linux 6.18.
 *
 * Each command reads one member of the union; all members start at offset 0.
 * Field names are the kernel's; for the named members (`info`, `link_create`,
 * `link_update`, `link_detach`, `test`) the member prefix is dropped in the
 * attr object since the command already selects the member, but kept in BTF
 * paths and in the CHECK_ATTR names of attr-last-field.ts.
 *
 * Every offset and size here was read from a Linux 6.18 kernel's BTF
 * (/sys/kernel/btf/vmlinux) and is re-checked by tools/check-uapi.ts.
 * Invariant: sizeof(union bpf_attr) is 168 bytes in 6.18 (the PROG_LOAD
 * member is the largest and ends with `keyring_id`).
 */
import { bytesField, charsField, ptrField, s32Field, strPtrField, u32Field, u64Field } from "./layout.js";
import type { StructLayout } from "./layout.js";

/** sizeof(union bpf_attr) in Linux 6.18. */
export const BPF_ATTR_SIZE = 168;

/**
 * BPF_MAP_CREATE: the first anonymous struct of the union (96 bytes with tail padding).
 * `map_name` is an inline `char[BPF_OBJ_NAME_LEN]`; `excl_prog_hash` (6.18) points to a
 * SHA-256 digest whose size goes in `excl_prog_hash_size`.
 */
export const MAP_CREATE_ATTR = {
  name: "BPF_MAP_CREATE attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 96,
  fields: [
    u32Field(0, "map_type"),
    u32Field(4, "key_size"),
    u32Field(8, "value_size"),
    u32Field(12, "max_entries"),
    u32Field(16, "map_flags"),
    u32Field(20, "inner_map_fd"),
    u32Field(24, "numa_node"),
    charsField(28, 16, "map_name"),
    u32Field(44, "map_ifindex"),
    u32Field(48, "btf_fd"),
    u32Field(52, "btf_key_type_id"),
    u32Field(56, "btf_value_type_id"),
    u32Field(60, "btf_vmlinux_value_type_id"),
    u64Field(64, "map_extra"),
    s32Field(72, "value_type_btf_obj_fd"),
    s32Field(76, "map_token_fd"),
    ptrField(80, "excl_prog_hash"),
    u32Field(88, "excl_prog_hash_size"),
  ],
} as const satisfies StructLayout;

/**
 * Map element commands (LOOKUP/UPDATE/DELETE/GET_NEXT_KEY/LOOKUP_AND_DELETE, FREEZE).
 * `value` and `next_key` are one union slot. Note `flags` is a `__u64` here.
 */
export const MAP_ELEM_ATTR = {
  name: "map element attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 32,
  fields: [u32Field(0, "map_fd"), ptrField(8, "key"), ptrField(16, "value", "next_key"), u64Field(24, "flags")],
} as const satisfies StructLayout;

/**
 * BPF_PROG_LOAD: the whole 168-byte member. `insns` points to `insn_cnt` 8-byte
 * instructions; `license` is a C string; `prog_name` is an inline `char[16]`;
 * `attach_prog_fd` and `attach_btf_obj_fd` share one slot. `signature`,
 * `signature_size` and `keyring_id` are new in 6.18 (signed programs).
 */
export const PROG_LOAD_ATTR = {
  name: "BPF_PROG_LOAD attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 168,
  fields: [
    u32Field(0, "prog_type"),
    u32Field(4, "insn_cnt"),
    ptrField(8, "insns"),
    strPtrField(16, "license"),
    u32Field(24, "log_level"),
    u32Field(28, "log_size"),
    ptrField(32, "log_buf"),
    u32Field(40, "kern_version"),
    u32Field(44, "prog_flags"),
    charsField(48, 16, "prog_name"),
    u32Field(64, "prog_ifindex"),
    u32Field(68, "expected_attach_type"),
    u32Field(72, "prog_btf_fd"),
    u32Field(76, "func_info_rec_size"),
    ptrField(80, "func_info"),
    u32Field(88, "func_info_cnt"),
    u32Field(92, "line_info_rec_size"),
    ptrField(96, "line_info"),
    u32Field(104, "line_info_cnt"),
    u32Field(108, "attach_btf_id"),
    u32Field(112, "attach_prog_fd", "attach_btf_obj_fd"),
    u32Field(116, "core_relo_cnt"),
    ptrField(120, "fd_array"),
    ptrField(128, "core_relos"),
    u32Field(136, "core_relo_rec_size"),
    u32Field(140, "log_true_size"),
    s32Field(144, "prog_token_fd"),
    u32Field(148, "fd_array_cnt"),
    ptrField(152, "signature"),
    u32Field(160, "signature_size"),
    s32Field(164, "keyring_id"),
  ],
} as const satisfies StructLayout;

/** BPF_OBJ_PIN / BPF_OBJ_GET: `pathname` is a C string (a string in the attr object is NUL-terminated first). */
export const OBJ_ATTR = {
  name: "BPF_OBJ_PIN/BPF_OBJ_GET attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 24,
  fields: [strPtrField(0, "pathname"), u32Field(8, "bpf_fd"), u32Field(12, "file_flags"), s32Field(16, "path_fd")],
} as const satisfies StructLayout;

/** The *_GET_NEXT_ID and *_GET_FD_BY_ID commands: the ID slot has one name per object kind. */
export const GET_ID_ATTR = {
  name: "GET_NEXT_ID/GET_FD_BY_ID attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 16,
  fields: [
    u32Field(0, "start_id", "prog_id", "map_id", "btf_id", "link_id"),
    u32Field(4, "next_id"),
    u32Field(8, "open_flags"),
    s32Field(12, "fd_by_id_token_fd"),
  ],
} as const satisfies StructLayout;

/** BPF_OBJ_GET_INFO_BY_FD: member `info`; `info` points to the caller's info struct of `info_len` bytes. */
export const INFO_ATTR = {
  name: "BPF_OBJ_GET_INFO_BY_FD attr",
  btfRoot: "bpf_attr",
  prefix: "info.",
  size: 16,
  fields: [u32Field(0, "bpf_fd"), u32Field(4, "info_len"), ptrField(8, "info")],
} as const satisfies StructLayout;

/** BPF_BTF_LOAD: `btf` points to `btf_size` bytes of raw BTF; the kernel writes `btf_log_true_size` back. */
export const BTF_LOAD_ATTR = {
  name: "BPF_BTF_LOAD attr",
  btfRoot: "bpf_attr",
  prefix: "",
  size: 40,
  fields: [
    ptrField(0, "btf"),
    ptrField(8, "btf_log_buf"),
    u32Field(16, "btf_size"),
    u32Field(20, "btf_log_size"),
    u32Field(24, "btf_log_level"),
    u32Field(28, "btf_log_true_size"),
    u32Field(32, "btf_flags"),
    s32Field(36, "btf_token_fd"),
  ],
} as const satisfies StructLayout;

/**
 * BPF_LINK_CREATE: member `link_create` (64 bytes). The per-attach-type anonymous
 * union at offset 16 is carried as raw bytes under `union_bytes` (not a kernel
 * name: the union is anonymous); its members' offsets are in
 * {@link LINK_CREATE_UNION_MEMBERS}. The struct_ops path reads only `map_fd`
 * and `attach_type`.
 */
export const LINK_CREATE_ATTR = {
  name: "BPF_LINK_CREATE attr",
  btfRoot: "bpf_attr",
  prefix: "link_create.",
  size: 64,
  fields: [
    u32Field(0, "prog_fd", "map_fd"),
    u32Field(4, "target_fd", "target_ifindex"),
    u32Field(8, "attach_type"),
    u32Field(12, "flags"),
    bytesField(16, 48, "link_create.(anon@16)", "union_bytes"),
  ],
} as const satisfies StructLayout;

/** A member of a C union, by path inside its struct: offset and size in bytes from the root. */
export interface UnionMember {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/**
 * Members of `link_create`'s per-attach-type union (paths relative to
 * `link_create.`, offsets from the start of `union bpf_attr`), Linux 6.18. The
 * union spans bytes 16..64; `uprobe_multi.pid` is its last byte range in use
 * and is also BPF_LINK_CREATE's CHECK_ATTR last field.
 */
export const LINK_CREATE_UNION_MEMBERS: readonly UnionMember[] = [
  { name: "target_btf_id", offset: 16, size: 4 },
  { name: "iter_info", offset: 16, size: 8 },
  { name: "iter_info_len", offset: 24, size: 4 },
  { name: "perf_event.bpf_cookie", offset: 16, size: 8 },
  { name: "kprobe_multi.flags", offset: 16, size: 4 },
  { name: "kprobe_multi.cnt", offset: 20, size: 4 },
  { name: "kprobe_multi.syms", offset: 24, size: 8 },
  { name: "kprobe_multi.addrs", offset: 32, size: 8 },
  { name: "kprobe_multi.cookies", offset: 40, size: 8 },
  { name: "tracing.target_btf_id", offset: 16, size: 4 },
  { name: "tracing.cookie", offset: 24, size: 8 },
  { name: "netfilter.pf", offset: 16, size: 4 },
  { name: "netfilter.hooknum", offset: 20, size: 4 },
  { name: "netfilter.priority", offset: 24, size: 4 },
  { name: "netfilter.flags", offset: 28, size: 4 },
  { name: "tcx.relative_fd", offset: 16, size: 4 },
  { name: "tcx.relative_id", offset: 16, size: 4 },
  { name: "tcx.expected_revision", offset: 24, size: 8 },
  { name: "uprobe_multi.path", offset: 16, size: 8 },
  { name: "uprobe_multi.offsets", offset: 24, size: 8 },
  { name: "uprobe_multi.ref_ctr_offsets", offset: 32, size: 8 },
  { name: "uprobe_multi.cookies", offset: 40, size: 8 },
  { name: "uprobe_multi.cnt", offset: 48, size: 4 },
  { name: "uprobe_multi.flags", offset: 52, size: 4 },
  { name: "uprobe_multi.pid", offset: 56, size: 4 },
  { name: "netkit.relative_fd", offset: 16, size: 4 },
  { name: "netkit.relative_id", offset: 16, size: 4 },
  { name: "netkit.expected_revision", offset: 24, size: 8 },
  { name: "cgroup.relative_fd", offset: 16, size: 4 },
  { name: "cgroup.relative_id", offset: 16, size: 4 },
  { name: "cgroup.expected_revision", offset: 24, size: 8 },
];

/**
 * BPF_LINK_UPDATE: member `link_update`. For a struct_ops link `new_map_fd` /
 * `old_map_fd` alias `new_prog_fd` / `old_prog_fd`; `flags` may hold BPF_F_REPLACE.
 */
export const LINK_UPDATE_ATTR = {
  name: "BPF_LINK_UPDATE attr",
  btfRoot: "bpf_attr",
  prefix: "link_update.",
  size: 16,
  fields: [u32Field(0, "link_fd"), u32Field(4, "new_prog_fd", "new_map_fd"), u32Field(8, "flags"), u32Field(12, "old_prog_fd", "old_map_fd")],
} as const satisfies StructLayout;

/** BPF_LINK_DETACH: member `link_detach`. */
export const LINK_DETACH_ATTR = {
  name: "BPF_LINK_DETACH attr",
  btfRoot: "bpf_attr",
  prefix: "link_detach.",
  size: 4,
  fields: [u32Field(0, "link_fd")],
} as const satisfies StructLayout;

/** BPF_ITER_CREATE: member `iter_create` (an iterator link fd; flags must be 0). */
export const ITER_CREATE_ATTR = {
  name: "BPF_ITER_CREATE attr",
  btfRoot: "bpf_attr",
  prefix: "iter_create.",
  size: 8,
  fields: [u32Field(0, "link_fd"), u32Field(4, "flags")],
} as const satisfies StructLayout;

/**
 * BPF_PROG_TEST_RUN (alias BPF_PROG_RUN): member `test`. The kernel writes
 * `retval`, `duration`, `data_size_out` and `ctx_size_out` back. `flags` is a `__u32` here.
 */
export const PROG_TEST_RUN_ATTR = {
  name: "BPF_PROG_TEST_RUN attr",
  btfRoot: "bpf_attr",
  prefix: "test.",
  size: 80,
  fields: [
    u32Field(0, "prog_fd"),
    u32Field(4, "retval"),
    u32Field(8, "data_size_in"),
    u32Field(12, "data_size_out"),
    ptrField(16, "data_in"),
    ptrField(24, "data_out"),
    u32Field(32, "repeat"),
    u32Field(36, "duration"),
    u32Field(40, "ctx_size_in"),
    u32Field(44, "ctx_size_out"),
    ptrField(48, "ctx_in"),
    ptrField(56, "ctx_out"),
    u32Field(64, "flags"),
    u32Field(68, "cpu"),
    u32Field(72, "batch_size"),
  ],
} as const satisfies StructLayout;

/** Every attr layout defined here (for tools and tests). */
export const ATTR_LAYOUTS: readonly StructLayout[] = [
  MAP_CREATE_ATTR,
  MAP_ELEM_ATTR,
  PROG_LOAD_ATTR,
  OBJ_ATTR,
  GET_ID_ATTR,
  INFO_ATTR,
  BTF_LOAD_ATTR,
  LINK_CREATE_ATTR,
  LINK_UPDATE_ATTR,
  LINK_DETACH_ATTR,
  ITER_CREATE_ATTR,
  PROG_TEST_RUN_ATTR,
];
