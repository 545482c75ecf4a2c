/**
 * @fileoverview Reusable invariant checks of the emulated kernel's object
 * lifetimes, for tests and random bpf(2)-sequence fuzzers.
 *
 * `kernelInvariantViolations` holds at any point between syscalls:
 *   - every object in an ID table (kernel/bpf/syscall.c map_idr, prog_idr,
 *     link_idr; kernel/bpf/btf.c btf_idr) is live and has a positive refcnt;
 *   - every live object with a published ID is the one its table holds;
 *   - kernel memory stays inside its limit and the high-water mark.
 * `quiescentViolations` adds what must hold once every process has exited
 * and grace periods ran (no pins, no registered non-link struct_ops maps):
 * `leaks()` is empty (objects, sockets, fds, callbacks, kernel memory back to
 * its boot state) and the ID tables hold only vmlinux BTF.
 */
import assert from "node:assert/strict";
import type { Kernel } from "../../src/kernel/kernel.js";
import type { Idr } from "../../src/kernel/idr.js";

interface Counted {
  readonly id: number;
  readonly refcnt: { readonly count: number };
}

function checkTable<T extends Counted>(what: string, idr: Idr<T>, live: ReadonlySet<T>, out: string[]): void {
  for (const o of idr.values()) {
    if (!live.has(o)) out.push(`${what} ${o.id}: in the ID table but not live`);
    if (o.refcnt.count <= 0) out.push(`${what} ${o.id}: in the ID table with refcnt ${o.refcnt.count}`);
  }
  for (const o of live) {
    if (o.id === 0) continue;
    const found = idr.find(o.id);
    // null: reserved and not yet published (bpf_link_prime before settle).
    if (found !== null && found !== undefined && found !== o) out.push(`${what} ${o.id}: its ID names another object`);
  }
}

/** Violations of the invariants that hold between any two syscalls (empty when sound). */
export function kernelInvariantViolations(kernel: Kernel): string[] {
  const out: string[] = [];
  checkTable("map", kernel.mapIdr, kernel.liveMaps, out);
  checkTable("prog", kernel.progIdr, kernel.liveProgs, out);
  checkTable("link", kernel.linkIdr, kernel.liveLinks, out);
  checkTable("btf", kernel.btfIdr, new Set([...kernel.liveBtfs, kernel.vmlinux]), out);
  const mem = kernel.mem;
  if (mem.heapBase + mem.heapBytes > mem.maxBytes) out.push(`kmem: heap top ${mem.heapBase + mem.heapBytes} above the limit ${mem.maxBytes}`);
  if (mem.heapBytes > mem.highWaterBytes) out.push("kmem: heap above its own high-water mark");
  if (mem.allocatedBytes > mem.heapBytes) out.push("kmem: more bytes live than the heap holds");
  return out;
}

/** Violations of the quiescent state: everything gone once processes exited and grace periods ran. */
export function quiescentViolations(kernel: Kernel): string[] {
  const out = kernelInvariantViolations(kernel);
  out.push(...kernel.leaks());
  if (kernel.mapIdr.size !== 0) out.push(`map IDs left: ${kernel.mapIdr.size}`);
  if (kernel.progIdr.size !== 0) out.push(`prog IDs left: ${kernel.progIdr.size}`);
  if (kernel.linkIdr.size !== 0) out.push(`link IDs left: ${kernel.linkIdr.size}`);
  if (kernel.btfIdr.size !== 1) out.push(`BTF IDs left besides vmlinux: ${kernel.btfIdr.size - 1}`);
  return out;
}

/** Asserts {@link kernelInvariantViolations} is empty. */
export function assertKernelInvariants(kernel: Kernel): void {
  assert.deepEqual(kernelInvariantViolations(kernel), []);
}

/** Settles grace periods and asserts {@link quiescentViolations} is empty. */
export function assertQuiescent(kernel: Kernel): void {
  kernel.settle();
  assert.deepEqual(quiescentViolations(kernel), []);
}
