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
 * Allocation (mm/slub.c and mm/page_alloc.c in spirit, not in structure):
 * blocks are carved from free extents kept out of band, in segregated bins
 * by power-of-two size class; a freed block coalesces at once with free
 * neighbours on both sides, and an extent reaching the top of the heap
 * lowers the top. Closing everything therefore returns the heap to its boot
 * state, and ENOMEM means live blocks (plus fragmentation between them) fill
 * `maxBytes`. Free memory is always zero: a block is zeroed when it is freed
 * (unless its owner knows it was never written), so alloc never zeroes.
 * Choices depend only on the call sequence (bins are stacks searched from
 * the newest extent), so the same calls give the same addresses on every run.
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

/**
 * Pages above `maxBytes` that engines may take for private state
 * (vm/wasm-loop.ts keeps a program's packed code and registers there). They
 * are outside the address space a program can reach, [0, maxBytes): both
 * engines fault any access that ends past maxBytes, and the shadow does not
 * cover them. Nothing in [0, maxBytes) moves or changes because of them.
 */
export const ENGINE_PAGES = 64;

/**
 * The maximum, in pages, of a kernel memory of `maxBytes`: what a module
 * importing it must declare at least. Below 4 GiB, as maxBytes is: near that
 * limit the engine area shrinks, to nothing at maxBytes = 4 GiB - 64 KiB.
 */
export function memoryMaxPages(maxBytes: number): number {
  return Math.min(65535, maxBytes / PAGE + ENGINE_PAGES);
}

/** Options for {@link KernelMemory}. */
export interface KernelMemoryOptions {
  /**
   * Highest address + 1 the heap may reach (default 1 GiB): the kernel's
   * memory limit. The shadow takes maxBytes/8 of it, so the heap holds
   * 7/8 of maxBytes; allocations beyond that fail with ENOMEM.
   */
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
  /** Start of the untouched top of the heap: [top, maxBytes) is free and zero. */
  private top: number;
  private highWater: number;
  /** Live blocks: address → size. */
  private readonly sizes = new Map<number, number>();
  /** Free extents below `top`: start → size, and end → start (for coalescing). */
  private readonly freeStart = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  /** Free extents by size class floor(log2(size)); searched newest first. */
  private readonly bins: number[][] = Array.from({ length: 32 }, () => []);
  /** Index of each free extent in its bin (for O(1) removal). */
  private readonly binPos = new Map<number, number>();
  /** Live engine blocks above maxBytes, ascending: [start, size] (engineAlloc). */
  private readonly engineBlocks: [number, number][] = [];
  /** Bit c set when bins[c] is non-empty. */
  private binMask = 0;
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
    this.memory = new WebAssembly.Memory({ initial: Math.min(initial, maxBytes) / PAGE, maximum: memoryMaxPages(maxBytes) });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.top = this.heapBase;
    this.highWater = this.heapBase;
  }

  /** Bytes currently allocated (for leak checks and benchmarks). */
  get allocatedBytes(): number {
    return this.liveBytes;
  }

  /** Number of live allocations. */
  get allocationCount(): number {
    return this.sizes.size;
  }

  /** Heap bytes in use up to the top (live blocks plus free extents between them). */
  get heapBytes(): number {
    return this.top - this.heapBase;
  }

  /** Highest `heapBytes` ever reached. */
  get highWaterBytes(): number {
    return this.highWater - this.heapBase;
  }

  /** Number of free extents below the top (0 when nothing between live blocks is free). */
  get freeExtentCount(): number {
    return this.freeStart.size;
  }

  /**
   * The allocator's state as a comparable value: equal snapshots mean the same
   * live blocks and the same free extents, so the same future addresses.
   */
  snapshot(): MemorySnapshot {
    return { liveBytes: this.liveBytes, liveBlocks: this.sizes.size, heapBytes: this.top - this.heapBase, freeExtents: this.freeStart.size };
  }

  /**
   * Allocates `size` zeroed bytes aligned to 8 (or `align`, a power of two ≥ 8)
   * and gives the program `perm` on them. Returns the address, or 0 when the
   * memory is exhausted (the caller maps that to `ENOMEM`).
   */
  alloc(size: number, perm = 0, align = GRANULE): number {
    const rounded = size <= GRANULE ? GRANULE : ((size + GRANULE - 1) >>> GRANULE_SHIFT) << GRANULE_SHIFT;
    if (!(rounded > 0 && rounded <= this.maxBytes)) return 0;
    let addr = this.takeFree(rounded, align);
    if (addr === 0) {
      const start = Math.ceil(this.top / align) * align;
      const end = start + rounded;
      if (end > this.maxBytes) return 0;
      if (end > this.u8.length) this.grow(end);
      if (start > this.top) this.insertFree(this.top, start - this.top);
      addr = start;
      this.top = end;
      if (end > this.highWater) this.highWater = end;
    }
    this.sizes.set(addr, rounded);
    this.liveBytes += rounded;
    if (perm !== 0) this.protect(addr, rounded, perm);
    return addr;
  }

  /**
   * Returns an allocation to the allocator, revokes every permission on it and
   * zeroes it. `clean` says the owner knows no byte of the block was ever
   * written (a large map nobody updated), which skips the zeroing; a wrong
   * `clean` would hand stale bytes to the next owner.
   */
  free(addr: number, clean = false): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new Error(`KernelMemory.free: ${addr} is not a live allocation`);
    this.sizes.delete(addr);
    this.liveBytes -= size;
    this.protect(addr, size, 0);
    if (!clean) this.u8.fill(0, addr, addr + size);
    let start = addr;
    let end = addr + size;
    const before = this.freeEnd.get(start);
    if (before !== undefined) {
      this.removeFree(before, start - before);
      start = before;
    }
    const afterSize = this.freeStart.get(end);
    if (afterSize !== undefined) {
      this.removeFree(end, afterSize);
      end += afterSize;
    }
    if (end === this.top) this.top = start;
    else this.insertFree(start, end - start);
  }

  /** Size of a live allocation, or undefined. */
  sizeOf(addr: number): number | undefined {
    return this.sizes.get(addr);
  }

  /** Free extents below the top, ascending (for invariant checks). */
  freeExtents(): { start: number; size: number }[] {
    return [...this.freeStart].map(([start, size]) => ({ start, size })).sort((a, b) => a.start - b.start);
  }

  /** Live blocks, ascending (for invariant checks). */
  liveBlocks(): { start: number; size: number }[] {
    return [...this.sizes].map(([start, size]) => ({ start, size })).sort((a, b) => a.start - b.start);
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

  /**
   * Takes `size` bytes (rounded up to 64) of the engine area above maxBytes
   * (ENGINE_PAGES), zeroed, first fit by address. Returns the address, or 0
   * when the area has no room or the host will not map it. The first block grows the memory to cover
   * it, so the heap never grows again (its pages are mapped, untouched).
   */
  engineAlloc(size: number): number {
    const rounded = Math.ceil(size / 64) * 64;
    const limit = memoryMaxPages(this.maxBytes) * PAGE;
    let start = this.maxBytes;
    let at = 0;
    for (; at < this.engineBlocks.length; at++) {
      const b = this.engineBlocks[at] as [number, number];
      if (b[0] - start >= rounded) break;
      start = b[0] + b[1];
    }
    if (rounded <= 0 || start + rounded > limit) return 0;
    const end = start + rounded;
    if (end > this.u8.length) {
      try {
        this.memory.grow(Math.ceil((end - this.u8.length) / PAGE));
      } catch {
        // The host would not map that much (a strict overcommit policy, a 32-bit address space): no room, as above.
        return 0;
      }
      this.u8 = new Uint8Array(this.memory.buffer);
      this.dv = new DataView(this.memory.buffer);
    }
    this.engineBlocks.splice(at, 0, [start, rounded]);
    return start;
  }

  /** Returns an engine block (engineAlloc) and zeroes it. */
  engineFree(addr: number): void {
    const i = this.engineBlocks.findIndex((b) => b[0] === addr);
    if (i < 0) throw new Error(`KernelMemory.engineFree: ${addr} is not a live engine block`);
    const [start, size] = this.engineBlocks[i] as [number, number];
    this.u8.fill(0, start, start + size);
    this.engineBlocks.splice(i, 1);
  }

  private grow(end: number): void {
    const want = Math.ceil(end / PAGE) * PAGE;
    const extra = Math.max(want - this.u8.length, Math.min(this.u8.length - this.heapBase, this.maxBytes - this.u8.length));
    this.memory.grow(Math.ceil(Math.min(extra, this.maxBytes - this.u8.length) / PAGE));
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  /**
   * Carves `size` bytes aligned to `align` out of a free extent below the top,
   * or returns 0. First fit in the request's own size class (newest extent
   * first), else in the smallest larger non-empty class that has a fit.
   */
  private takeFree(size: number, align: number): number {
    const cls = binOf(size);
    // Bit i of m: class cls+i has extents.
    let m = this.binMask >>> cls;
    while (m !== 0) {
      const c = cls + 31 - Math.clz32(m & -m);
      const bin = this.bins[c] as number[];
      for (let i = bin.length - 1; i >= 0; i--) {
        const start = bin[i] as number;
        const extent = this.freeStart.get(start) as number;
        const at = align <= GRANULE ? start : Math.ceil(start / align) * align;
        if (at + size > start + extent) continue;
        this.removeFree(start, extent);
        if (at > start) this.insertFree(start, at - start);
        if (at + size < start + extent) this.insertFree(at + size, start + extent - at - size);
        return at;
      }
      m &= m - 1;
    }
    return 0;
  }

  private insertFree(start: number, size: number): void {
    this.freeStart.set(start, size);
    this.freeEnd.set(start + size, start);
    const c = binOf(size);
    const bin = this.bins[c] as number[];
    this.binPos.set(start, bin.length);
    bin.push(start);
    this.binMask |= 1 << c;
  }

  private removeFree(start: number, size: number): void {
    this.freeStart.delete(start);
    this.freeEnd.delete(start + size);
    const c = binOf(size);
    const bin = this.bins[c] as number[];
    const i = this.binPos.get(start) as number;
    this.binPos.delete(start);
    const last = bin.pop() as number;
    if (last !== start) {
      bin[i] = last;
      this.binPos.set(last, i);
    }
    if (bin.length === 0) this.binMask &= ~(1 << c);
  }
}

/** Size class of an extent (sizes are below 4 GiB): floor(log2(size)). */
function binOf(size: number): number {
  return 31 - Math.clz32(size);
}

/** A comparable summary of the allocator's state ({@link KernelMemory.snapshot}). */
export interface MemorySnapshot {
  readonly liveBytes: number;
  readonly liveBlocks: number;
  readonly heapBytes: number;
  readonly freeExtents: number;
}
