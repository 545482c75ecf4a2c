/**
 * @fileoverview `struct bpf_map` and its reference counting
 * (kernel/bpf/syscall.c: bpf_map_inc, bpf_map_inc_with_uref, bpf_map_put,
 * bpf_map_put_with_uref, bpf_map_free_id, bpf_map_free_deferred).
 *
 * Two counters: `refcnt` counts every holder; `usercnt` only user-visible
 * ones (fds and pins). When refcnt reaches zero the ID is released at once and
 * the memory is freed later from the workqueue (and, for map types that need
 * it, after RCU grace periods). Per-type behaviour lives in {@link MapOps}.
 *
 * @see kernel/bpf/syscall.c bpf_map_put (v6.18)
 */
import { Refcount } from "../refcount.js";
import { KernelBug } from "../bug.js";
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";

/** KMALLOC_MAX_SIZE on x86_64 (SLUB): 1 << (MAX_PAGE_ORDER + PAGE_SHIFT), 4 MiB. */
export const KMALLOC_MAX_SIZE = 1 << 22;

/**
 * Per-map-type operations (struct bpf_map_ops), the subset the model serves.
 * `P` is the type's private state ({@link BpfMap.priv}).
 */
export interface MapOps<P = unknown> {
  /**
   * Syscall lookup: copy the value for `key` into `value`; 0 or -errno.
   * `task` is the caller, whose fds a key may name (sk_storage keys are socket fds).
   */
  sysLookup(map: BpfMap<P>, key: Uint8Array, value: Uint8Array, flags: number, task: Task): number;
  /** Syscall update; 0 or -errno. */
  sysUpdate(map: BpfMap<P>, key: Uint8Array, value: Uint8Array, flags: number, task: Task): number;
  /** Syscall delete; 0 or -errno. */
  sysDelete(map: BpfMap<P>, key: Uint8Array, task: Task): number;
  /** GET_NEXT_KEY: writes the next key into `next`; 0 or -errno. `key` null = first. */
  getNextKey(map: BpfMap<P>, key: Uint8Array | null, next: Uint8Array): number;
  /** Program-side lookup: address of the value in kernel memory, or 0. */
  progLookup?(map: BpfMap<P>, keyAddr: number): number;
  /** Program-side update; 0 or -errno. */
  progUpdate?(map: BpfMap<P>, keyAddr: number, valueAddr: number, flags: number): number;
  /** Program-side delete; 0 or -errno. */
  progDelete?(map: BpfMap<P>, keyAddr: number): number;
  /** MAP_FREEZE allowed? 0 or -errno. */
  freeze?(map: BpfMap<P>): number;
  /** Releases the map's memory. Runs from the workqueue after the last put. */
  free(map: BpfMap<P>): void;
  /** Grace periods the free waits for ("rcu" for struct_ops: RCU + RCU tasks). */
  readonly freeAfter?: "rcu";
}

/** Attributes a map is created with (the MAP_CREATE fields the model keeps). */
export interface MapAttrs {
  readonly map_type: number;
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_flags: number;
  readonly map_name: string;
  readonly map_extra: bigint;
  readonly btf_id: number;
  readonly btf_key_type_id: number;
  readonly btf_value_type_id: number;
  readonly btf_vmlinux_value_type_id: number;
  /** ID of the BTF object owning the vmlinux value type (bpf_map_info.btf_vmlinux_id). */
  readonly btf_vmlinux_id: number;
}

/** A BPF map. Per-type state is `priv` (of type `P`); behaviour is in `ops`. */
export class BpfMap<P = unknown> {
  /** Map ID, 0 once released. */
  id = 0;
  readonly refcnt: Refcount;
  readonly usercnt: Refcount;
  frozen = false;
  /** Address of the map's opaque `struct bpf_map` in kernel memory (what programs hold). */
  addr = 0;
  /** True once freed (after the deferred free ran). */
  freed = false;
  /**
   * Per-type state, owned by the map type's {@link MapOps}; its alloc sets it
   * before the map is published (sys-map.ts mapCreate), so no caller sees it unset.
   */
  priv!: P;

  constructor(
    readonly kernel: Kernel,
    readonly ops: MapOps<P>,
    readonly attrs: MapAttrs,
  ) {
    this.refcnt = new Refcount(1, `map ${attrs.map_name || "(anon)"}`);
    this.usercnt = new Refcount(1, `map ${attrs.map_name || "(anon)"} usercnt`, true);
  }

  get type(): number {
    return this.attrs.map_type;
  }

  /** bpf_map_inc: a kernel-internal reference (link, registration, socket, program). */
  inc(): void {
    this.refcnt.inc();
  }

  /** bpf_map_inc_with_uref: a user reference (fd, pin). */
  incWithUref(): void {
    this.refcnt.inc();
    this.usercnt.inc();
  }

  /** bpf_map_inc_not_zero: revive from a lookup by ID or by ops pointer. */
  incNotZero(withUref: boolean): boolean {
    if (!this.refcnt.incNotZero()) return false;
    // usercnt is a plain atomic64: it may be zero while kernel holders keep the
    // map alive, and a new fd from GET_FD_BY_ID starts it again.
    if (withUref) this.usercnt.inc();
    return true;
  }

  /** bpf_map_put: drops a reference; the last one releases the ID and defers the free. */
  put(): void {
    if (!this.refcnt.decAndTest()) return;
    // The ID goes first so the map cannot be found while it is being freed.
    this.kernel.mapIdr.remove(this.id);
    this.kernel.freeMapDeferred(this);
  }

  /** bpf_map_put_uref: drops a user reference. */
  putUref(): void {
    this.usercnt.decAndTest();
  }

  /** bpf_map_put_with_uref: what closing a map fd or unlinking a pin does. */
  putWithUref(): void {
    this.putUref();
    this.put();
  }
}

/**
 * The private state of `map`, which must be of the type whose operations are
 * `ops`: the one checked way from a map of any type to its type's state. A
 * caller that reaches here with another type is a kernel bug.
 */
export function mapPriv<P>(map: BpfMap, ops: MapOps<P>): P {
  if (map.ops !== ops) throw new KernelBug(`map ${map.id} (type ${map.type}) reached with another map type's operations`);
  return (map as BpfMap<P>).priv;
}
