/**
 * @fileoverview RCU and the deferred-work queue, made deterministic.
 *
 * The kernel frees BPF objects after grace periods (`call_rcu`,
 * `call_rcu_tasks_trace`) and from workqueues (`bpf_map_free_deferred`). The
 * model queues those callbacks and runs them only when the owner advances a
 * grace period (tests call it explicitly; the testbed calls it from its
 * simulated clock), never on wall-clock timers. Callbacks queued during a
 * grace period wait for the next one, as new callbacks in a real GP would.
 */

/** Kinds of deferral the kernel uses for BPF objects. */
export type RcuFlavor = "rcu" | "rcu_tasks" | "rcu_tasks_trace" | "work";

interface Pending {
  readonly flavor: RcuFlavor;
  readonly what: string;
  readonly fn: () => void;
}

/** One RCU domain plus the system workqueue. */
export class Rcu {
  private queue: Pending[] = [];
  private gpSeq = 0;

  /** call_rcu and friends: run `fn` after the next grace period of `flavor`. */
  call(flavor: RcuFlavor, what: string, fn: () => void): void {
    this.queue.push({ flavor, what, fn });
  }

  /** Completed grace periods so far. */
  get sequence(): number {
    return this.gpSeq;
  }

  /** Callbacks waiting for a grace period (for leak checks). */
  pending(): readonly { flavor: RcuFlavor; what: string }[] {
    return this.queue.map(({ flavor, what }) => ({ flavor, what }));
  }

  /**
   * Ends one grace period of every flavor: runs the callbacks queued before
   * this call, in queue order. Returns how many ran.
   */
  gracePeriod(): number {
    const batch = this.queue;
    this.queue = [];
    this.gpSeq++;
    for (const p of batch) p.fn();
    return batch.length;
  }

  /** rcu_barrier: grace periods until nothing is pending (bounded). */
  barrier(): void {
    for (let i = 0; i < 64 && this.queue.length > 0; i++) this.gracePeriod();
  }
}
