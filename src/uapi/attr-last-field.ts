/**
 * @fileoverview The last `union bpf_attr` field each bpf(2) command reads, as
 * kernel/bpf/syscall.c names it in its `<CMD>_LAST_FIELD` macros for
 * `CHECK_ATTR`, with that field's offset and size in Linux 6.18.
 *
 * CHECK_ATTR rejects a command (EINVAL) when any byte after its last field,
 * up to sizeof(union bpf_attr), is non-zero. This is separate from the
 * E2BIG check on bytes beyond sizeof(union bpf_attr)
 * (bpf_check_uarg_tail_zero), which the syscall entry applies first.
 *
 * Names were read from kernel/bpf/syscall.c (6.18 era); offsets and sizes from
 * the 6.18 BTF, re-checked by tools/check-uapi.ts.
 *
 * @see kernel/bpf/syscall.c CHECK_ATTR (v6.18)
 */
import { BPF_ATTR_SIZE } from "./attr-layout.js";
import {
  BPF_BTF_GET_FD_BY_ID,
  BPF_BTF_GET_NEXT_ID,
  BPF_BTF_LOAD,
  BPF_ENABLE_STATS,
  BPF_ITER_CREATE,
  BPF_LINK_CREATE,
  BPF_LINK_DETACH,
  BPF_LINK_GET_FD_BY_ID,
  BPF_LINK_GET_NEXT_ID,
  BPF_LINK_UPDATE,
  BPF_MAP_CREATE,
  BPF_MAP_DELETE_BATCH,
  BPF_MAP_DELETE_ELEM,
  BPF_MAP_FREEZE,
  BPF_MAP_GET_FD_BY_ID,
  BPF_MAP_GET_NEXT_ID,
  BPF_MAP_GET_NEXT_KEY,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM,
  BPF_MAP_LOOKUP_BATCH,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_UPDATE_BATCH,
  BPF_MAP_UPDATE_ELEM,
  BPF_OBJ_GET,
  BPF_OBJ_GET_INFO_BY_FD,
  BPF_OBJ_PIN,
  BPF_PROG_ATTACH,
  BPF_PROG_BIND_MAP,
  BPF_PROG_DETACH,
  BPF_PROG_GET_FD_BY_ID,
  BPF_PROG_GET_NEXT_ID,
  BPF_PROG_LOAD,
  BPF_PROG_QUERY,
  BPF_PROG_STREAM_READ_BY_FD,
  BPF_PROG_TEST_RUN,
  BPF_RAW_TRACEPOINT_OPEN,
  BPF_TASK_FD_QUERY,
  BPF_TOKEN_CREATE,
} from "./bpf-enums.js";

/** A command's CHECK_ATTR last field: its path in `union bpf_attr`, offset and size. */
export interface AttrLastField {
  /** Path as syscall.c spells it, e.g. "flags", "info.info", "link_create.uprobe_multi.pid". */
  readonly field: string;
  readonly offset: number;
  readonly size: number;
}

function last(field: string, offset: number, size: number): AttrLastField {
  return Object.freeze({ field, offset, size });
}

// One constant per syscall.c macro, in kernel spelling.

/** CHECK_ATTR last field of BPF_MAP_CREATE. */
export const BPF_MAP_CREATE_LAST_FIELD = last("excl_prog_hash_size", 88, 4);
/** CHECK_ATTR last field of BPF_MAP_LOOKUP_ELEM. */
export const BPF_MAP_LOOKUP_ELEM_LAST_FIELD = last("flags", 24, 8);
/** CHECK_ATTR last field of BPF_MAP_UPDATE_ELEM. */
export const BPF_MAP_UPDATE_ELEM_LAST_FIELD = last("flags", 24, 8);
/** CHECK_ATTR last field of BPF_MAP_DELETE_ELEM. */
export const BPF_MAP_DELETE_ELEM_LAST_FIELD = last("key", 8, 8);
/** CHECK_ATTR last field of BPF_MAP_GET_NEXT_KEY. */
export const BPF_MAP_GET_NEXT_KEY_LAST_FIELD = last("next_key", 16, 8);
/** CHECK_ATTR last field of BPF_MAP_LOOKUP_AND_DELETE_ELEM. */
export const BPF_MAP_LOOKUP_AND_DELETE_ELEM_LAST_FIELD = last("flags", 24, 8);
/** CHECK_ATTR last field of BPF_MAP_FREEZE. */
export const BPF_MAP_FREEZE_LAST_FIELD = last("map_fd", 0, 4);
/** CHECK_ATTR last field of BPF_PROG_LOAD. */
export const BPF_PROG_LOAD_LAST_FIELD = last("keyring_id", 164, 4);
/** Shared by BPF_OBJ_PIN and BPF_OBJ_GET. */
export const BPF_OBJ_LAST_FIELD = last("path_fd", 16, 4);
/** CHECK_ATTR last field of BPF_PROG_ATTACH. */
export const BPF_PROG_ATTACH_LAST_FIELD = last("expected_revision", 24, 8);
/** CHECK_ATTR last field of BPF_PROG_DETACH. */
export const BPF_PROG_DETACH_LAST_FIELD = last("expected_revision", 24, 8);
/** CHECK_ATTR last field of BPF_PROG_QUERY. */
export const BPF_PROG_QUERY_LAST_FIELD = last("query.revision", 56, 8);
/** CHECK_ATTR last field of BPF_PROG_TEST_RUN. */
export const BPF_PROG_TEST_RUN_LAST_FIELD = last("test.batch_size", 72, 4);
/** Shared by every *_GET_NEXT_ID command. */
export const BPF_OBJ_GET_NEXT_ID_LAST_FIELD = last("next_id", 4, 4);
/** CHECK_ATTR last field of BPF_PROG_GET_FD_BY_ID. */
export const BPF_PROG_GET_FD_BY_ID_LAST_FIELD = last("prog_id", 0, 4);
/** CHECK_ATTR last field of BPF_MAP_GET_FD_BY_ID. */
export const BPF_MAP_GET_FD_BY_ID_LAST_FIELD = last("open_flags", 8, 4);
/** CHECK_ATTR last field of BPF_BTF_GET_FD_BY_ID. */
export const BPF_BTF_GET_FD_BY_ID_LAST_FIELD = last("fd_by_id_token_fd", 12, 4);
/** CHECK_ATTR last field of BPF_LINK_GET_FD_BY_ID. */
export const BPF_LINK_GET_FD_BY_ID_LAST_FIELD = last("link_id", 0, 4);
/** CHECK_ATTR last field of BPF_OBJ_GET_INFO_BY_FD. */
export const BPF_OBJ_GET_INFO_BY_FD_LAST_FIELD = last("info.info", 8, 8);
/** CHECK_ATTR last field of BPF_RAW_TRACEPOINT_OPEN. */
export const BPF_RAW_TRACEPOINT_OPEN_LAST_FIELD = last("raw_tracepoint.cookie", 16, 8);
/** CHECK_ATTR last field of BPF_BTF_LOAD. */
export const BPF_BTF_LOAD_LAST_FIELD = last("btf_token_fd", 36, 4);
/** CHECK_ATTR last field of BPF_TASK_FD_QUERY. */
export const BPF_TASK_FD_QUERY_LAST_FIELD = last("task_fd_query.probe_addr", 40, 8);
/** Shared by the four BPF_MAP_*_BATCH commands. */
export const BPF_MAP_BATCH_LAST_FIELD = last("batch.flags", 48, 8);
/** CHECK_ATTR last field of BPF_LINK_CREATE. */
export const BPF_LINK_CREATE_LAST_FIELD = last("link_create.uprobe_multi.pid", 56, 4);
/** CHECK_ATTR last field of BPF_LINK_UPDATE. */
export const BPF_LINK_UPDATE_LAST_FIELD = last("link_update.old_prog_fd", 12, 4);
/** CHECK_ATTR last field of BPF_LINK_DETACH. */
export const BPF_LINK_DETACH_LAST_FIELD = last("link_detach.link_fd", 0, 4);
/** CHECK_ATTR last field of BPF_ENABLE_STATS. */
export const BPF_ENABLE_STATS_LAST_FIELD = last("enable_stats.type", 0, 4);
/** CHECK_ATTR last field of BPF_ITER_CREATE. */
export const BPF_ITER_CREATE_LAST_FIELD = last("iter_create.flags", 4, 4);
/** CHECK_ATTR last field of BPF_PROG_BIND_MAP. */
export const BPF_PROG_BIND_MAP_LAST_FIELD = last("prog_bind_map.flags", 8, 4);
/** CHECK_ATTR last field of BPF_TOKEN_CREATE. */
export const BPF_TOKEN_CREATE_LAST_FIELD = last("token_create.bpffs_fd", 4, 4);
/** CHECK_ATTR last field of BPF_PROG_STREAM_READ_BY_FD. */
export const BPF_PROG_STREAM_READ_BY_FD_LAST_FIELD = last("prog_stream_read.prog_fd", 16, 4);

/** bpf_cmd value → the CHECK_ATTR last field that command uses (every command of Linux 6.18). */
export const BPF_ATTR_LAST_FIELD: ReadonlyMap<number, AttrLastField> = new Map([
  [BPF_MAP_CREATE, BPF_MAP_CREATE_LAST_FIELD],
  [BPF_MAP_LOOKUP_ELEM, BPF_MAP_LOOKUP_ELEM_LAST_FIELD],
  [BPF_MAP_UPDATE_ELEM, BPF_MAP_UPDATE_ELEM_LAST_FIELD],
  [BPF_MAP_DELETE_ELEM, BPF_MAP_DELETE_ELEM_LAST_FIELD],
  [BPF_MAP_GET_NEXT_KEY, BPF_MAP_GET_NEXT_KEY_LAST_FIELD],
  [BPF_PROG_LOAD, BPF_PROG_LOAD_LAST_FIELD],
  [BPF_OBJ_PIN, BPF_OBJ_LAST_FIELD],
  [BPF_OBJ_GET, BPF_OBJ_LAST_FIELD],
  [BPF_PROG_ATTACH, BPF_PROG_ATTACH_LAST_FIELD],
  [BPF_PROG_DETACH, BPF_PROG_DETACH_LAST_FIELD],
  [BPF_PROG_TEST_RUN, BPF_PROG_TEST_RUN_LAST_FIELD],
  [BPF_PROG_GET_NEXT_ID, BPF_OBJ_GET_NEXT_ID_LAST_FIELD],
  [BPF_MAP_GET_NEXT_ID, BPF_OBJ_GET_NEXT_ID_LAST_FIELD],
  [BPF_PROG_GET_FD_BY_ID, BPF_PROG_GET_FD_BY_ID_LAST_FIELD],
  [BPF_MAP_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID_LAST_FIELD],
  [BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_GET_INFO_BY_FD_LAST_FIELD],
  [BPF_PROG_QUERY, BPF_PROG_QUERY_LAST_FIELD],
  [BPF_RAW_TRACEPOINT_OPEN, BPF_RAW_TRACEPOINT_OPEN_LAST_FIELD],
  [BPF_BTF_LOAD, BPF_BTF_LOAD_LAST_FIELD],
  [BPF_BTF_GET_FD_BY_ID, BPF_BTF_GET_FD_BY_ID_LAST_FIELD],
  [BPF_TASK_FD_QUERY, BPF_TASK_FD_QUERY_LAST_FIELD],
  [BPF_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_LOOKUP_AND_DELETE_ELEM_LAST_FIELD],
  [BPF_MAP_FREEZE, BPF_MAP_FREEZE_LAST_FIELD],
  [BPF_BTF_GET_NEXT_ID, BPF_OBJ_GET_NEXT_ID_LAST_FIELD],
  [BPF_MAP_LOOKUP_BATCH, BPF_MAP_BATCH_LAST_FIELD],
  [BPF_MAP_LOOKUP_AND_DELETE_BATCH, BPF_MAP_BATCH_LAST_FIELD],
  [BPF_MAP_UPDATE_BATCH, BPF_MAP_BATCH_LAST_FIELD],
  [BPF_MAP_DELETE_BATCH, BPF_MAP_BATCH_LAST_FIELD],
  [BPF_LINK_CREATE, BPF_LINK_CREATE_LAST_FIELD],
  [BPF_LINK_UPDATE, BPF_LINK_UPDATE_LAST_FIELD],
  [BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID_LAST_FIELD],
  [BPF_LINK_GET_NEXT_ID, BPF_OBJ_GET_NEXT_ID_LAST_FIELD],
  [BPF_ENABLE_STATS, BPF_ENABLE_STATS_LAST_FIELD],
  [BPF_ITER_CREATE, BPF_ITER_CREATE_LAST_FIELD],
  [BPF_LINK_DETACH, BPF_LINK_DETACH_LAST_FIELD],
  [BPF_PROG_BIND_MAP, BPF_PROG_BIND_MAP_LAST_FIELD],
  [BPF_TOKEN_CREATE, BPF_TOKEN_CREATE_LAST_FIELD],
  [BPF_PROG_STREAM_READ_BY_FD, BPF_PROG_STREAM_READ_BY_FD_LAST_FIELD],
]);

/**
 * offsetofend(union bpf_attr, <cmd>_LAST_FIELD): the bytes a command reads, and
 * the attr size libbpf passes for it.
 *
 * @throws RangeError for a value that is not a Linux 6.18 bpf_cmd.
 */
export function attrLastFieldEnd(cmd: number): number {
  const f = BPF_ATTR_LAST_FIELD.get(cmd);
  if (f === undefined) throw new RangeError(`Cannot find CHECK_ATTR last field as ${cmd} is not a bpf_cmd of Linux 6.18`);
  return f.offset + f.size;
}

/**
 * CHECK_ATTR(cmd): true when any byte of `attr` after the command's last field
 * and before sizeof(union bpf_attr) is non-zero, i.e. the kernel returns
 * EINVAL. `attr` is the kernel's copy (missing bytes count as zero; bytes past
 * {@link BPF_ATTR_SIZE} are not examined).
 *
 * @throws RangeError for a value that is not a Linux 6.18 bpf_cmd.
 * @see kernel/bpf/syscall.c CHECK_ATTR (v6.18)
 */
export function checkAttr(cmd: number, attr: Uint8Array): boolean {
  const end = Math.min(attr.length, BPF_ATTR_SIZE);
  for (let i = attrLastFieldEnd(cmd); i < end; i++) if (attr[i] !== 0) return true;
  return false;
}
