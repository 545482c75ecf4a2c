/**
 * @fileoverview refcount_t (include/linux/refcount.h) and atomic64 counters
 * as the BPF objects use them.
 *
 * `inc` on zero, and `dec` below zero, are use-after-free and underflow: the
 * kernel saturates and warns; the model throws a KernelBug so tests fail.
 * `incNotZero` is the only legal way to revive a reference found through a
 * lookup (IDR, socket ops), as in `bpf_map_inc_not_zero`.
 */
import { KernelBug } from "./bug.js";

/** A reference count that detects underflow and use-after-free. */
export class Refcount {
  /**
   * @param value initial count
   * @param what object description for bug reports
   * @param atomic64 behave as a plain atomic64_t (map usercnt): inc from 0 is legal
   */
  constructor(
    private value: number,
    private readonly what: string,
    private readonly atomic64 = false,
  ) {}

  /** Current value (for info, lookup reporting and invariant checks). */
  get count(): number {
    return this.value;
  }

  /** refcount_inc: the object must be alive. */
  inc(): void {
    if (this.value <= 0 && !this.atomic64) throw new KernelBug(`refcount_t: addition on 0; use-after-free of ${this.what}`);
    this.value++;
  }

  /** refcount_inc_not_zero: takes a reference unless the object is already dying. */
  incNotZero(): boolean {
    if (this.value <= 0) return false;
    this.value++;
    return true;
  }

  /** refcount_dec_and_test: drops a reference, true when it was the last. */
  decAndTest(): boolean {
    if (this.value <= 0) throw new KernelBug(`refcount_t: underflow; use-after-free of ${this.what}`);
    this.value--;
    return this.value === 0;
  }
}
