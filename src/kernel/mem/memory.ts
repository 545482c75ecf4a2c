/**
 * @fileoverview The emulated kernel's one linear memory (ARCHITECTURE.md,
 * "Memory model").
 *
 * Every object a BPF program can reach (sockets, their `icsk_ca_priv` area,
 * map values, program stacks, the `BPF_PROG` argument array) lives in a single
 * `WebAssembly.Memory`, the same one the JIT's generated code imports. A
 * pointer handed to a program is a plain byte offset into that memory.
 *
 * Safety without a verifier: a shadow table at the bottom of the memory holds
 * one permission byte per 8-byte granule (bit 0 = read, bit 1 = write). Every
 * program access checks the granules of its first and last byte, so a program
 * can touch only what the kernel opened to it. The shadow table itself and the
 * NULL page have permission 0, so they can never be reached. Layouts that mix
 * writable and read-only fields (tcp_sock) keep writable fields in whole
 * granules, so 8-byte granularity is exact for them.
 *
 * Allocation is deterministic (size-class free lists over a bump pointer), so
 * the same sequence of calls gives the same addresses on every run.
 */

/** Permission bit: the program may read the granule. */
export const PERM_READ = 1;
/** Permission bit: the program may write the granule. */
export const PERM_WRITE = 2;
/** Read and write. */
export const PERM_RW = PERM_READ | PERM_WRITE;
/** log2 of the shadow granule size. */
export const GRANULE_SHIFT = 3;
/** Bytes per shadow granule. */
export const GRANULE = 1 << GRANULE_SHIFT;

const PAGE = 65536;

/** Options for {@link KernelMemory}. */
export interface KernelMemoryOptions {
  /** Highest address + 1 the heap may reach (default 1 GiB). Fixes the shadow size. */
  readonly maxBytes?: number;
  /** Heap bytes mapped at start, above the shadow (default 16 MiB). */
  readonly initialHeapBytes?: number;
}

/**
 * The shared memory plus its allocator and permission shadow.
 *
 * Views (`u8`, `dv`) are replaced when the memory grows: read them through the
 * instance each time rather than caching them across allocations.
 */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  /** First heap address; also the size of the shadow table in bytes × 8. */
  readonly heapBase: number;
  readonly maxBytes: number;
  u8: Uint8Array;
  dv: DataView;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  private liveBytes = 0;

  constructor(opts: KernelMemoryOptions = {}) {
    const maxBytes = opts.maxBytes ?? 1 << 30;
    if (maxBytes % PAGE !== 0 || maxBytes <= 0 || maxBytes > 2 ** 32 - PAGE) {
      throw new RangeError(`Cannot create kernel memory as 'maxBytes' must be a positive multiple of 65536 below 4 GiB: current value is ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
    // The shadow covers [0, maxBytes); it is maxBytes/8 bytes, rounded to a page.
    this.heapBase = Math.ceil(maxBytes / GRANULE / PAGE) * PAGE;
    const initial = this.heapBase + Math.ceil((opts.initialHeapBytes ?? 16 << 20) / PAGE) * PAGE;
    this.memory = new WebAssembly.Memory({ initial: initial / PAGE, maximum: maxBytes / PAGE });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.top = this.heapBase;
  }

  /** Bytes currently allocated (for leak checks and benchmarks). */
  get allocatedBytes(): number {
    return this.liveBytes;
  }

  /** Number of live allocations. */
  get allocationCount(): number {
    return this.sizes.size;
  }

  /**
   * Allocates `size` zeroed bytes aligned to 8 (or `align`, a power of two ≥ 8)
   * and gives the program `perm` on them. Returns the address, or 0 when the
   * memory is exhausted (the caller maps that to `ENOMEM`).
   */
  alloc(size: number, perm = 0, align = GRANULE): number {
    const rounded = Math.max(GRANULE, Math.ceil(size / GRANULE) * GRANULE);
    let addr = 0;
    const reused = this.takeFree(rounded, align);
    if (reused !== 0) {
      addr = reused;
      this.u8.fill(0, addr, addr + rounded);
    } else {
      const start = Math.ceil(this.top / align) * align;
      const end = start + rounded;
      if (end > this.maxBytes) return 0;
      if (end > this.u8.length) this.grow(end);
      if (start > this.top) this.release(this.top, start - this.top);
      addr = start;
      this.top = end;
    }
    this.sizes.set(addr, rounded);
    this.liveBytes += rounded;
    this.protect(addr, rounded, perm);
    return addr;
  }

  /** Returns an allocation to the allocator and revokes every permission on it. */
  free(addr: number): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new Error(`KernelMemory.free: ${addr} is not a live allocation`);
    this.sizes.delete(addr);
    this.liveBytes -= size;
    this.protect(addr, size, 0);
    this.release(addr, size);
  }

  /** Size of a live allocation, or undefined. */
  sizeOf(addr: number): number | undefined {
    return this.sizes.get(addr);
  }

  /** Sets the program's permission on the granules of [addr, addr+size). Both ends must be granule-aligned. */
  protect(addr: number, size: number, perm: number): void {
    if (addr % GRANULE !== 0 || size % GRANULE !== 0) {
      throw new RangeError(`Cannot protect memory as the range must be 8-byte aligned: current value is [${addr}, ${addr + size})`);
    }
    this.u8.fill(perm, addr >>> GRANULE_SHIFT, (addr + size) >>> GRANULE_SHIFT);
  }

  /** Whether a program may access `size` bytes at `addr` with permission bits `need`. */
  canAccess(addr: number, size: number, need: number): boolean {
    if (addr < 0 || size <= 0 || addr + size > this.maxBytes || !Number.isInteger(addr)) return false;
    const u8 = this.u8;
    const first = addr >>> GRANULE_SHIFT;
    const last = (addr + size - 1) >>> GRANULE_SHIFT;
    for (let g = first; g <= last; g++) if (((u8[g] as number) & need) !== need) return false;
    return true;
  }

  private grow(end: number): void {
    const want = Math.ceil(end / PAGE) * PAGE;
    const extra = Math.max(want - this.u8.length, Math.min(this.u8.length - this.heapBase, this.maxBytes - this.u8.length));
    this.memory.grow(Math.ceil(Math.min(extra, this.maxBytes - this.u8.length) / PAGE));
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  /**
   * Takes a freed block of exactly `size` bytes whose address satisfies
   * `align`, most recently freed first (deterministic), or returns 0.
   */
  private takeFree(size: number, align: number): number {
    const list = this.freeLists.get(size);
    if (list === undefined) return 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const addr = list[i] as number;
      if (addr % align !== 0) continue;
      list[i] = list[list.length - 1] as number;
      list.pop();
      return addr;
    }
    return 0;
  }

  private release(addr: number, size: number): void {
    let list = this.freeLists.get(size);
    if (list === undefined) {
      list = [];
      this.freeLists.set(size, list);
    }
    list.push(addr);
  }
}
