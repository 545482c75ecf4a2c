/**
 * @fileoverview A cyclic ID allocator (lib/idr.c `idr_alloc_cyclic`) as the
 * BPF map, program, link and BTF IDs use it (kernel/bpf/syscall.c).
 *
 * IDs start at 1 and grow to INT_MAX before wrapping, so a freed ID is not
 * reused soon. An ID can be reserved before its object is visible (a link
 * between prime and settle): lookups then see the slot but no object, which
 * GET_FD_BY_ID reports as EAGAIN. Enumeration (GET_NEXT_ID) sees reserved IDs.
 */

const INT_MAX = 0x7fffffff;

/** A cyclic ID table of objects of type T. */
export class Idr<T> {
  private readonly slots = new Map<number, T | null>();
  private next = 1;
  private sorted: number[] | null = [];

  /**
   * Allocates the next free ID at or after the cursor, wrapping at INT_MAX, and
   * stores `obj` (or reserves the ID when `obj` is null). Returns 0 when full.
   */
  allocCyclic(obj: T | null): number {
    if (this.slots.size >= INT_MAX) return 0;
    let id = this.next;
    while (this.slots.has(id)) id = id >= INT_MAX ? 1 : id + 1;
    this.slots.set(id, obj);
    this.next = id >= INT_MAX ? 1 : id + 1;
    this.sorted = null;
    return id;
  }

  /** Makes a reserved ID resolve to its object (bpf_link_settle's idr_replace). */
  replace(id: number, obj: T): void {
    this.slots.set(id, obj);
  }

  /** Frees an ID. */
  remove(id: number): void {
    if (this.slots.delete(id)) this.sorted = null;
  }

  /** The object under `id`; null if reserved only; undefined if absent. */
  find(id: number): T | null | undefined {
    return this.slots.get(id);
  }

  /** The smallest ID strictly greater than `start`, or 0 (idr_get_next). */
  getNext(start: number): number {
    if (this.sorted === null) this.sorted = [...this.slots.keys()].sort((a, b) => a - b);
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as number) <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo < s.length ? (s[lo] as number) : 0;
  }

  /** Number of IDs in use (reserved or settled). */
  get size(): number {
    return this.slots.size;
  }

  /** Live objects in ID order. */
  values(): T[] {
    return [...this.slots.entries()]
      .filter((e): e is [number, T] => e[1] !== null)
      .sort((a, b) => a[0] - b[0])
      .map((e) => e[1]);
  }
}
