/**
 * @fileoverview BTF objects (kernel/bpf/btf.c): the kernel's own vmlinux BTF,
 * and BTF blobs users load with BPF_BTF_LOAD for their programs and maps.
 *
 * Every BTF object has an ID from its own cyclic allocator; vmlinux is loaded
 * at boot, is never freed, and is what `btf_vmlinux_id` in map info names.
 *
 * @see kernel/bpf/btf.c btf_put (v6.18)
 */
import { Refcount } from "./refcount.js";
import type { Kernel } from "./kernel.js";

/** A BTF object. */
export class BtfObject {
  id = 0;
  readonly refcnt = new Refcount(1, "btf");
  freed = false;

  constructor(
    readonly kernel: Kernel,
    readonly bytes: Uint8Array,
    /** "vmlinux" for the kernel's BTF; "" for user-loaded BTF. */
    readonly name: string,
    /** True for kernel (vmlinux or module) BTF. */
    readonly isKernel: boolean,
  ) {}

  inc(): void {
    this.refcnt.inc();
  }

  incNotZero(): boolean {
    return this.refcnt.incNotZero();
  }

  /** btf_put: user BTF is freed with its last reference; kernel BTF is permanent. */
  put(): void {
    if (!this.refcnt.decAndTest()) return;
    this.kernel.btfIdr.remove(this.id);
    this.freed = true;
    this.kernel.liveBtfs.delete(this);
  }
}
