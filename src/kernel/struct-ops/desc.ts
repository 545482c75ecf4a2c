/**
 * @fileoverview struct_ops type descriptors (include/linux/bpf.h
 * `struct bpf_struct_ops` and `struct bpf_struct_ops_desc`).
 *
 * A subsystem (TCP congestion control) supplies a {@link StructOpsType}: its
 * callbacks and the helpers/kfuncs its programs may call. The kernel pairs it
 * with the layout read from its own BTF (the ops struct and the
 * `bpf_struct_ops_<name>` value type) into a {@link StructOpsDesc}. The core
 * never knows about TCP.
 */
import type { BpfCallFn } from "../prog/runner.js";
import type { BpfLink } from "../link/core.js";
import type { BpfProg } from "../prog/core.js";
import type { StructOpsKdata } from "./kdata.js";
import type { StructOpsLayout, StructOpsMemberLayout } from "../../btf/struct-ops-layout.js";

/** One member of the ops struct, from BTF (src/btf/struct-ops-layout.ts). */
export type StructOpsMember = StructOpsMemberLayout;

/**
 * The struct_ops callbacks a subsystem registers (struct bpf_struct_ops). `S`
 * is the subsystem's adapter kept on each kdata ({@link StructOpsKdata.sub}).
 */
export interface StructOpsType<S = unknown> {
  /** The ops struct's name, e.g. "tcp_congestion_ops". */
  readonly name: string;
  /**
   * Members a BPF program may implement (the members with a CFI stub). A
   * program for another function member fails to load with ENOTSUPP
   * ("attach to unsupported member").
   */
  readonly implementable: ReadonlySet<string>;
  /**
   * btf_struct_access of the type's verifier ops: whether a program may store
   * `size` bytes at offset `off` of a `struct` its hook received. null: allowed;
   * else the verifier log line, and the load fails with EACCES. Absent: every
   * such store is refused ("only read is supported").
   */
  btfStructAccess?(struct: string, off: number, size: number): string | null;
  /** check_member: 0 or -errno at program load. */
  checkMember?(member: StructOpsMember, prog: BpfProg): number;
  /**
   * init_member: <0 abort with that errno; >0 member handled (copied to kdata);
   * 0 generic handling (zero check, or program slot).
   */
  initMember(member: StructOpsMember, udata: Uint8Array, kdata: StructOpsKdata<S>): number;
  /** reg: 0 or -errno. `link` is null for maps without BPF_F_LINK. */
  reg(kdata: StructOpsKdata<S>, link: BpfLink | null): number;
  /** unreg: cannot fail. */
  unreg(kdata: StructOpsKdata<S>, link: BpfLink | null): void;
  /** update: optional; absent makes LINK_UPDATE fail with EOPNOTSUPP. */
  update?(newData: StructOpsKdata<S>, oldData: StructOpsKdata<S>, link: BpfLink): number;
  /** validate: optional; 0 or -errno at update_elem. */
  validate?(kdata: StructOpsKdata<S>): number;
  /** get_func_proto: the helper implementation a program for `memberIndex` may call, or null. */
  getFuncProto(helperId: number, memberIndex: number): BpfCallFn | null;
  /** Kfuncs by BTF id that this type's programs may call. */
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  /** Called when a kdata is created, so the subsystem can attach its adapter. */
  initKdata?(kdata: StructOpsKdata<S>): void;
}

/** A registered struct_ops type with its BTF layout (struct bpf_struct_ops_desc). */
export interface StructOpsDesc<S = unknown> extends StructOpsLayout {
  readonly type: StructOpsType<S>;
  /**
   * Per member index, for a function member: per u64 of its programs' context
   * (one per argument), the struct a pointer argument points to (`sock` for
   * `struct sock *sk`), undefined for other arguments.
   */
  readonly argStructs: readonly (readonly (string | undefined)[])[];
}
