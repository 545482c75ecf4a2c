/**
 * @fileoverview Flag bits of include/uapi/linux/bpf.h that the model checks:
 * map-element update flags, map_flags at creation, link-update flags,
 * program load flags, and the kernel-internal struct_ops state values.
 */

// Map element flags (BPF_MAP_UPDATE_ELEM / LOOKUP).
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

// map_flags at BPF_MAP_CREATE.
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_CLONE = 1 << 9;
export const BPF_F_MMAPABLE = 1 << 10;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
/** The struct_ops map is registered and unregistered by a bpf_link (Linux 6.4). */
export const BPF_F_LINK = 1 << 13;
export const BPF_F_PATH_FD = 1 << 14;
/** The struct_ops value type lives in a module BTF given by value_type_btf_obj_fd (Linux 6.9). */
export const BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
export const BPF_F_TOKEN_FD = 1 << 16;
export const BPF_F_SEGV_ON_FAULT = 1 << 17;
export const BPF_F_NO_USER_CONV = 1 << 18;

// BPF_LINK_UPDATE flags.
/** LINK_UPDATE: fail with EPERM unless the link's current program/map is the given old one. */
export const BPF_F_REPLACE = 1 << 2;

// BPF_PROG_LOAD prog_flags.
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_TEST_RND_HI32 = 1 << 2;
export const BPF_F_TEST_STATE_FREQ = 1 << 3;
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;
export const BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;
export const BPF_F_TEST_REG_INVARIANTS = 1 << 7;

// bpf_sk_storage_get flags.
export const BPF_SK_STORAGE_GET_F_CREATE = 1;

// Object-name limit (BPF_OBJ_NAME_LEN).
export const BPF_OBJ_NAME_LEN = 16;

/**
 * struct_ops map value states (include/linux/bpf.h enum bpf_struct_ops_state).
 * INIT → INUSE → TOBEFREE for maps without BPF_F_LINK; INIT → READY for link maps.
 * READY was appended last (Linux 6.4) so the older values kept their numbers.
 */
export const BPF_STRUCT_OPS_STATE_INIT = 0;
export const BPF_STRUCT_OPS_STATE_INUSE = 1;
export const BPF_STRUCT_OPS_STATE_TOBEFREE = 2;
export const BPF_STRUCT_OPS_STATE_READY = 3;
/** enum bpf_struct_ops_state: one of the four values above. */
export type BpfStructOpsState =
  | typeof BPF_STRUCT_OPS_STATE_INIT
  | typeof BPF_STRUCT_OPS_STATE_INUSE
  | typeof BPF_STRUCT_OPS_STATE_TOBEFREE
  | typeof BPF_STRUCT_OPS_STATE_READY;

/** Pseudo source registers of BPF_LD_IMM64 and BPF_CALL (include/uapi/linux/bpf.h). */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;
