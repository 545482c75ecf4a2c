/**
 * @fileoverview BPF iterator targets (kernel/bpf/bpf_iter.c
 * bpf_iter_reg_target, struct bpf_iter_reg): what a subsystem registers so
 * that `SEC("iter/<name>")` programs can walk its objects. A target names
 * its context (the arguments of the FUNC `bpf_iter_<name>` in vmlinux BTF,
 * 8 bytes each: the first is always `struct bpf_iter_meta *`), says which
 * context pointers may be NULL (ctx_arg_info: PTR_TO_BTF_ID_OR_NULL), lists
 * the objects a reader visits in the kernel's order, and adds the helpers
 * its programs may call (get_func_proto).
 *
 * @see kernel/bpf/bpf_iter.c bpf_iter_reg_target, bpf_iter_prog_supported (v6.18)
 */
import type { BpfCallFn } from "../prog/runner.js";
import type { NetNs } from "../netns.js";

/** One argument of the context (`bpf_iter_<name>`'s parameter), at offset 8 × index. */
export interface IterCtxArg {
  readonly name: string;
  /** The struct a pointer argument points to; undefined for a scalar. */
  readonly struct?: string;
  /** ctx_arg_info's PTR_TO_BTF_ID_OR_NULL: the program must check it for NULL (the walk's last call passes NULL). */
  readonly orNull?: boolean;
}

/** An object a walk visits: its kernel address and the context values that go with it. */
export interface IterObject {
  /** The address the program gets (sk_common for the tcp target). */
  readonly addr: number;
  /** Further scalar arguments after the object pointer (uid for tcp). */
  readonly scalars: readonly bigint[];
  /** False once the object went away (sk_unhashed: the kernel skips it, SEQ_SKIP). */
  live(): boolean;
  /** Runs `show` with the object locked (lock_sock_fast for a full socket), refreshing what the program reads first. */
  locked<T>(show: () => T): T;
}

/** A registered iterator target. */
export interface BpfIterTarget {
  /** "tcp": the section is `iter/tcp`, the FUNC `bpf_iter_tcp`. */
  readonly target: string;
  /** The context's arguments after `meta`. */
  readonly args: readonly IterCtxArg[];
  /**
   * The objects a reader in `net` visits, in the kernel's order. Called when
   * a read needs more objects; the model takes them all at once where Linux
   * batches one hash bucket at a time (the order is the same).
   */
  objects(net: NetNs): readonly IterObject[];
  /** get_func_proto of the target: helpers beyond the tracing ones, or null. */
  funcProto(id: number): BpfCallFn | null;
}

/** The FUNC name libbpf and the kernel expect for a target. */
export function iterFuncName(target: string): string {
  return `bpf_iter_${target}`;
}
