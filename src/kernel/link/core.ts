/**
 * @fileoverview `struct bpf_link` and its lifecycle (kernel/bpf/syscall.c:
 * bpf_link_init, bpf_link_prime, bpf_link_settle, bpf_link_cleanup,
 * bpf_link_put, bpf_link_free).
 *
 * Creating a link is two-phase. `prime` reserves an fd slot and an ID (the ID
 * is enumerable but not resolvable: GET_FD_BY_ID says EAGAIN) and makes the
 * file; the link type then attaches; `settle` publishes the ID and installs
 * the fd, or `cleanup` throws everything away (the ID number stays consumed,
 * as the cyclic allocator has moved on). The last reference frees the link:
 * ID removed, program released (if any), then the type's `dealloc`.
 *
 * @see kernel/bpf/syscall.c bpf_link_prime (v6.18)
 */
import { Refcount } from "../refcount.js";
import { KernelBug } from "../bug.js";
import type { BpfProg } from "../prog/core.js";
import type { BpfMap } from "../map/core.js";
import type { Kernel } from "../kernel.js";

/**
 * Per-link-type operations (struct bpf_link_ops), the subset the model serves.
 * `P` is the type's private state ({@link BpfLink.priv}).
 */
export interface LinkOps<P = unknown> {
  /** Detach from the hook when the link has a program (not struct_ops). */
  release?(link: BpfLink<P>): void;
  /** Free the link's type-specific state; runs when the last reference is gone. */
  dealloc(link: BpfLink<P>): void;
  /** BPF_LINK_DETACH; 0 or -errno. Absent: EOPNOTSUPP. */
  detach?(link: BpfLink<P>): number;
  /** BPF_LINK_UPDATE with a new map; 0 or -errno. */
  updateMap?(link: BpfLink<P>, newMap: BpfMap, oldMap: BpfMap | null): number;
  /**
   * BPF_LINK_UPDATE with a new program (program links); 0 or -errno. On
   * success the link keeps `newProg`'s reference; on failure the caller puts it.
   * Absent (and no updateMap): EINVAL.
   */
  updateProg?(link: BpfLink<P>, newProg: BpfProg, oldProg: BpfProg | null): number;
  /** Extra lines of /proc/<pid>/fdinfo after link_type and link_id (each ends in "\n"). */
  showFdinfo?(link: BpfLink<P>): string;
  /** Writes type-specific bpf_link_info fields into `info` (little-endian, offset 16 on). */
  fillLinkInfo?(link: BpfLink<P>, info: DataView): void;
  /** poll(2) mask; absent means the link file is not pollable (VFS default). */
  poll?(link: BpfLink<P>): number;
}

/** A BPF link. Per-type state is `priv` (of type `P`); behaviour is in `ops`. */
export class BpfLink<P = unknown> {
  id = 0;
  readonly refcnt = new Refcount(1, "link");
  /** The program, or null (struct_ops links have none). */
  prog: BpfProg | null = null;
  freed = false;
  /** Type-specific state, owned by `ops`; the link type sets it before the link is primed. */
  priv!: P;

  constructor(
    readonly kernel: Kernel,
    readonly type: number,
    readonly ops: LinkOps<P>,
    readonly attachType: number,
  ) {}

  /** bpf_link_inc. */
  inc(): void {
    this.refcnt.inc();
  }

  /** bpf_link_inc_not_zero. */
  incNotZero(): boolean {
    return this.refcnt.incNotZero();
  }

  /** bpf_link_put: the last reference frees the link. */
  put(): void {
    if (!this.refcnt.decAndTest()) return;
    this.free();
  }

  private free(): void {
    this.kernel.linkIdr.remove(this.id);
    if (this.prog !== null) {
      this.ops.release?.(this);
      this.prog.put();
      this.prog = null;
    }
    this.ops.dealloc(this);
    this.freed = true;
    this.kernel.liveLinks.delete(this);
  }
}

/** The private state of `link`, which must be of the type whose operations are `ops` (else a kernel bug). */
export function linkPriv<P>(link: BpfLink, ops: LinkOps<P>): P {
  if (link.ops !== ops) throw new KernelBug(`link ${link.id} (type ${link.type}) reached with another link type's operations`);
  return (link as BpfLink<P>).priv;
}
