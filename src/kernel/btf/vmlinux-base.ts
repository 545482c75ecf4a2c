/**
 * @fileoverview The base of the model's kernel BTF: C integer types with the
 * names pahole gives them in a Linux 6.18 vmlinux (`long unsigned int`,
 * `short int`, ...), the uapi and kernel typedefs (`__u32`, `u32`, `size_t`,
 * `bool`, `__be32`, `ktime_t`), and the small shared structs (`atomic_t`,
 * `refcount_t`, `struct list_head`, `struct bpf_map`, `enum bpf_map_type`).
 *
 * Types follow include/uapi/asm-generic/int-ll64.h, include/linux/types.h and
 * include/linux/refcount_types.h. The kernel is built with -funsigned-char,
 * so `char` carries no SIGNED encoding, exactly as in the real BTF.
 *
 * Key invariant: names and encodings equal the real kernel's BTF, so CO-RE
 * relocations and `bpftool btf dump format c` behave as on Linux.
 */
import { UAPI_ENUMS } from "./vmlinux-uapi-enums.js";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_STRUCT, BTF_VAR_GLOBAL_ALLOCATED } from "../../uapi/btf.js";
import type { BtfBuilder } from "./builder.js";
import { layoutStruct } from "./layout.js";

/** Adds the base types; returns their ids by C spelling (spaces as underscores). */
export function addBaseTypes(b: BtfBuilder) {
  const long_unsigned_int = b.int("long unsigned int", 8);
  const char = b.int("char", 1);
  const unsigned_int = b.int("unsigned int", 4);
  const signed_char = b.int("signed char", 1, BTF_INT_SIGNED);
  const unsigned_char = b.int("unsigned char", 1);
  const short_int = b.int("short int", 2, BTF_INT_SIGNED);
  const short_unsigned_int = b.int("short unsigned int", 2);
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const long_long_int = b.int("long long int", 8, BTF_INT_SIGNED);
  const long_long_unsigned_int = b.int("long long unsigned int", 8);
  const long_int = b.int("long int", 8, BTF_INT_SIGNED);
  const _Bool = b.int("_Bool", 1, BTF_INT_BOOL);

  const __s8 = b.typedef("__s8", signed_char);
  const __u8 = b.typedef("__u8", unsigned_char);
  const __s16 = b.typedef("__s16", short_int);
  const __u16 = b.typedef("__u16", short_unsigned_int);
  const __s32 = b.typedef("__s32", int);
  const __u32 = b.typedef("__u32", unsigned_int);
  const __s64 = b.typedef("__s64", long_long_int);
  const __u64 = b.typedef("__u64", long_long_unsigned_int);
  const s8 = b.typedef("s8", __s8);
  const u8 = b.typedef("u8", __u8);
  const s16 = b.typedef("s16", __s16);
  const u16 = b.typedef("u16", __u16);
  const s32 = b.typedef("s32", __s32);
  const u32 = b.typedef("u32", __u32);
  const s64 = b.typedef("s64", __s64);
  const u64 = b.typedef("u64", __u64);
  const __kernel_long_t = b.typedef("__kernel_long_t", long_int);
  const __kernel_ulong_t = b.typedef("__kernel_ulong_t", long_unsigned_int);
  const __kernel_size_t = b.typedef("__kernel_size_t", __kernel_ulong_t);
  const size_t = b.typedef("size_t", __kernel_size_t);
  const bool = b.typedef("bool", _Bool);
  const __be16 = b.typedef("__be16", __u16);
  const __be32 = b.typedef("__be32", __u32);
  // bpf_helper_defs.h (libbpf) names it in bpf_csum_diff/bpf_csum_update.
  const __wsum = b.typedef("__wsum", __u32);
  const ktime_t = b.typedef("ktime_t", s64);
  const gfp_t = b.typedef("gfp_t", unsigned_int);
  const __addrpair = b.typedef("__addrpair", __u64);
  const __portpair = b.typedef("__portpair", __u32);
  const netdev_features_t = b.typedef("netdev_features_t", u64);

  const atomic_t = b.typedef("atomic_t", layoutStruct(b, "", [{ name: "counter", type: int }]));
  const atomic64_t = b.typedef("atomic64_t", layoutStruct(b, "", [{ name: "counter", type: s64 }]));
  const refcount_struct = layoutStruct(b, "refcount_struct", [{ name: "refs", type: atomic_t }]);
  const refcount_t = b.typedef("refcount_t", refcount_struct);

  const list_head = b.declare(BTF_KIND_STRUCT, "list_head");
  layoutStruct(b, list_head, [
    { name: "next", type: b.ptr(list_head) },
    { name: "prev", type: b.ptr(list_head) },
  ]);
  const module = b.fwd("module");

  // enum bpf_map_type as Linux 6.18's BTF has it (with the deprecated aliases
  // and __MAX_BPF_MAP_TYPE), from the generated uapi table.
  const mapTypes = UAPI_ENUMS.find(([name]) => name === "bpf_map_type");
  if (mapTypes === undefined) throw new Error("vmlinux-uapi-enums.ts has no enum bpf_map_type: regenerate it");
  const bpf_map_type = b.enum("bpf_map_type", mapTypes[3].map(([name, val]) => ({ name, val: BigInt(val) })));
  // The model's struct bpf_map: the fields programs read through a map pointer
  // (map_ptr_kern-style CO-RE reads); the kernel keeps the rest in TypeScript.
  const bpf_map = layoutStruct(b, "bpf_map", [
    { name: "map_type", type: bpf_map_type },
    { name: "key_size", type: u32 },
    { name: "value_size", type: u32 },
    { name: "max_entries", type: u32 },
    { name: "map_extra", type: u64 },
    { name: "map_flags", type: u32 },
    { name: "id", type: u32 },
    { name: "name", type: b.array(char, int, 16) },
  ]);

  return {
    void: 0,
    long_unsigned_int,
    char,
    unsigned_int,
    signed_char,
    unsigned_char,
    short_int,
    short_unsigned_int,
    int,
    long_long_int,
    long_long_unsigned_int,
    long_int,
    _Bool,
    __s8,
    __u8,
    __s16,
    __u16,
    __s32,
    __u32,
    __s64,
    __u64,
    s8,
    u8,
    s16,
    u16,
    s32,
    u32,
    s64,
    u64,
    __kernel_long_t,
    __kernel_ulong_t,
    __kernel_size_t,
    size_t,
    bool,
    __be16,
    __be32,
    __wsum,
    ktime_t,
    gfp_t,
    __addrpair,
    __portpair,
    netdev_features_t,
    atomic_t,
    atomic64_t,
    refcount_struct,
    refcount_t,
    list_head,
    module,
    bpf_map_type,
    bpf_map,
  } as const;
}

/** Ids of the base types, as returned by {@link addBaseTypes}. */
export type VmlinuxBase = ReturnType<typeof addBaseTypes>;

/**
 * Kernel variables a program may name as typed `.ksyms` externs: `jiffies_64`
 * (kernel/time/timer.c, `u64`), the tick counter whose low 32 bits are
 * `tcp_jiffies32`. Encoded as pahole encodes a global variable (a VAR with
 * global linkage); it is in no DATASEC, so the kernel treats it as a plain,
 * not per-CPU, variable. Added after every other type so no id moves.
 */
export function addKernelVars(b: BtfBuilder, t: VmlinuxBase): { readonly jiffies_64: number } {
  return { jiffies_64: b.var("jiffies_64", t.u64, BTF_VAR_GLOBAL_ALLOCATED) };
}
