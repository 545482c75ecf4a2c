/**
 * @fileoverview Tests of the kernel memory allocator and its permission
 * shadow: freed blocks are reused (also for alignments above 8 bytes, as
 * map values and sockets ask for), memory is zeroed on reuse, permissions
 * are revoked on free, exhaustion returns 0 (ENOMEM to the caller), free
 * space coalesces, and freeing everything returns the allocator to its boot
 * state (issue #16: churn of large maps of varying sizes must not exhaust it).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ENGINE_PAGES, KernelMemory, PERM_READ, PERM_RW, memoryMaxPages } from "./memory.js";

test("freed blocks are reused for the same size and alignment", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
  for (const align of [8, 16, 64, 4096]) {
    const a = mem.alloc(200, PERM_RW, align);
    assert.equal(a % align, 0);
    mem.u8.fill(0xaa, a, a + 200);
    mem.free(a);
    const b = mem.alloc(200, PERM_RW, align);
    assert.equal(b, a, `align ${align}: the freed block is reused`);
    assert.ok(mem.u8.subarray(b, b + 200).every((x) => x === 0), "reused memory is zeroed");
    mem.free(b);
  }
});

test("a freed block that does not satisfy a larger alignment is not handed out", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
  const pad = mem.alloc(8); // leaves the next block 8-aligned but not 64-aligned
  const a = mem.alloc(64, PERM_RW, 8);
  mem.free(a);
  const b = mem.alloc(64, PERM_RW, 64);
  assert.equal(b % 64, 0);
  if (a % 64 !== 0) assert.notEqual(b, a);
  mem.free(b);
  mem.free(pad);
});

test("free revokes the program's permissions; double free is refused", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
  const a = mem.alloc(32, PERM_READ);
  assert.ok(mem.canAccess(a, 32, PERM_READ));
  assert.ok(!mem.canAccess(a, 32, PERM_RW));
  mem.free(a);
  assert.ok(!mem.canAccess(a, 1, PERM_READ));
  assert.throws(() => mem.free(a), /not a live allocation/);
});

test("exhaustion returns 0 instead of throwing", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
  assert.equal(mem.alloc(2 << 20), 0);
});

test("property: any alloc/free sequence keeps live bytes exact and blocks disjoint", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ size: fc.integer({ min: 1, max: 600 }), align: fc.constantFrom(8, 16, 64), free: fc.nat(8) }), { maxLength: 80 }),
      (steps) => {
        const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
        const live: { addr: number; size: number }[] = [];
        for (const s of steps) {
          const addr = mem.alloc(s.size, PERM_RW, s.align);
          assert.notEqual(addr, 0);
          assert.equal(addr % s.align, 0);
          const size = mem.sizeOf(addr) as number;
          for (const o of live) assert.ok(addr + size <= o.addr || o.addr + o.size <= addr, "blocks overlap");
          live.push({ addr, size });
          if (s.free < live.length && s.free % 2 === 0) {
            const [victim] = live.splice(s.free, 1);
            mem.free((victim as { addr: number }).addr);
          }
          assert.equal(mem.allocatedBytes, live.reduce((n, o) => n + o.size, 0));
        }
        for (const o of live) mem.free(o.addr);
        assert.equal(mem.allocatedBytes, 0);
        assert.equal(mem.allocationCount, 0);
      },
    ),
    { numRuns: 300 },
  );
});

/** Checks the allocator's structural invariants; returns the live blocks. */
function checkHeap(mem: KernelMemory): void {
  const top = mem.heapBase + mem.heapBytes;
  assert.ok(top <= mem.maxBytes, "top inside the limit");
  assert.ok(mem.highWaterBytes >= mem.heapBytes);
  const blocks = [...mem.liveBlocks().map((b) => ({ ...b, free: false })), ...mem.freeExtents().map((b) => ({ ...b, free: true }))].sort((a, b) => a.start - b.start);
  let at = mem.heapBase;
  let prevFree = false;
  for (const b of blocks) {
    assert.ok(b.start >= at, `blocks overlap at ${b.start}`);
    assert.ok(b.start + b.size <= top, "block above the top");
    if (b.free) {
      assert.ok(!(prevFree && b.start === at), `free extents ${b.start} and its left neighbour not coalesced`);
      assert.ok(b.start + b.size < top, "a free extent touching the top was not returned to it");
      assert.ok(mem.u8.subarray(b.start, b.start + b.size).every((x) => x === 0), "free memory is zero");
      assert.ok(mem.u8.subarray(b.start >>> 3, (b.start + b.size) >>> 3).every((x) => x === 0), "free memory has no permission");
    }
    // Gaps between blocks cannot exist: every byte below the top is live or free.
    assert.equal(b.start, at, `bytes [${at}, ${b.start}) are neither live nor free`);
    prevFree = b.free;
    at = b.start + b.size;
  }
  assert.equal(at, top, "blocks tile the heap up to the top");
  assert.equal(mem.allocatedBytes, mem.liveBlocks().reduce((n, b) => n + b.size, 0));
}

test("a freed block coalesces with free neighbours on both sides and with the top", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
  const boot = mem.snapshot();
  const [a, b, c, d] = [mem.alloc(100), mem.alloc(200), mem.alloc(300), mem.alloc(400)] as [number, number, number, number];
  mem.free(a);
  mem.free(c);
  assert.equal(mem.freeExtentCount, 2);
  mem.free(b); // joins a and c
  assert.deepEqual(mem.freeExtents(), [{ start: a, size: d - a }]);
  checkHeap(mem);
  // One block of the three together fits in the coalesced extent.
  assert.equal(mem.alloc(600), a);
  mem.free(a);
  mem.free(d); // joins the extent and returns everything to the top
  assert.deepEqual(mem.snapshot(), boot);
  assert.equal(mem.freeExtentCount, 0);
});

test("churn of large blocks of slightly different sizes never exhausts the heap (issue #16)", () => {
  // The issue: ~96 MiB array maps of varying sizes gave ENOMEM after 9 rounds.
  const mem = new KernelMemory({ maxBytes: 1 << 30, initialHeapBytes: 1 << 16 });
  const boot = mem.snapshot();
  for (let i = 0; i < 40; i++) {
    const size = (96 << 20) + i * 4104;
    const a = mem.alloc(size, PERM_RW);
    assert.notEqual(a, 0, `round ${i}: ENOMEM with nothing live`);
    mem.free(a, true);
  }
  assert.deepEqual(mem.snapshot(), boot);
  assert.ok(mem.highWaterBytes <= (96 << 20) + 40 * 4104, "the high-water mark is one block, not one per round");
});

test("ENOMEM only when the request fits nowhere: the limit is maxBytes", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
  const heap = mem.maxBytes - mem.heapBase;
  const all = mem.alloc(heap);
  assert.notEqual(all, 0, "the whole heap is allocatable");
  assert.equal(mem.alloc(8), 0);
  mem.free(all);
  const halves = [mem.alloc(heap / 2), mem.alloc(heap / 2)];
  assert.ok(halves.every((x) => x !== 0));
  for (const h of halves) mem.free(h);
  assert.equal(mem.alloc(heap + 8), 0);
  assert.notEqual(mem.alloc(heap), 0);
});

test("property: random alloc/free keeps blocks disjoint, aligned, inside the limit, coalesced, zeroed; freeing all returns to boot", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          size: fc.oneof(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 1, max: 400_000 })),
          align: fc.constantFrom(8, 8, 16, 64, 4096),
          perm: fc.constantFrom(0, PERM_READ, PERM_RW),
          write: fc.boolean(),
          free: fc.nat(40),
        }),
        { maxLength: 120 },
      ),
      (steps) => {
        // 4 MiB: a 3.5 MiB heap, so large requests meet exhaustion.
        const mem = new KernelMemory({ maxBytes: 1 << 22, initialHeapBytes: 1 << 16 });
        const boot = mem.snapshot();
        const live: number[] = [];
        for (const s of steps) {
          const before = mem.freeExtents();
          const top = mem.heapBase + mem.heapBytes;
          const addr = mem.alloc(s.size, s.perm, s.align);
          if (addr === 0) {
            // ENOMEM: no free extent and not the top can hold the aligned request.
            const need = Math.ceil(s.size / 8) * 8;
            for (const e of before) assert.ok(Math.ceil(e.start / s.align) * s.align + need > e.start + e.size, "ENOMEM though a free extent fits");
            assert.ok(Math.ceil(top / s.align) * s.align + need > mem.maxBytes, "ENOMEM though the top has room");
          } else {
            assert.equal(addr % s.align, 0);
            assert.ok(addr >= mem.heapBase && addr + s.size <= mem.maxBytes);
            assert.ok(mem.u8.subarray(addr, addr + s.size).every((x) => x === 0), "new memory is zero");
            if (s.perm !== 0) assert.ok(mem.canAccess(addr, s.size, s.perm));
            if (s.write) mem.u8.fill(0x5a, addr, addr + s.size);
            live.push(addr);
          }
          if (s.free < live.length && s.free % 3 !== 0) mem.free(live.splice(s.free, 1)[0] as number);
        }
        checkHeap(mem);
        for (const a of live.reverse()) mem.free(a);
        checkHeap(mem);
        assert.deepEqual(mem.snapshot(), boot, "freeing everything returns to the boot state");
        const big = mem.alloc(mem.maxBytes - mem.heapBase);
        assert.equal(big, mem.heapBase, "the whole heap is allocatable again");
      },
    ),
    { numRuns: 200 },
  );
});

test("same calls, same addresses", () => {
  const run = (): number[] => {
    const mem = new KernelMemory({ maxBytes: 1 << 24, initialHeapBytes: 1 << 16 });
    const out: number[] = [];
    const live: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      if (x % 3 === 0 && live.length > 0) mem.free(live.splice(x % live.length, 1)[0] as number);
      else {
        const a = mem.alloc(1 + (x % 5000), 0, 1 << (3 + (x % 4)));
        out.push(a);
        if (a !== 0) live.push(a);
      }
    }
    return out;
  };
  assert.deepEqual(run(), run());
});

test("engine blocks live above maxBytes: the heap's addresses, its capacity and the shadow are what they are without them", () => {
  const heapOnly = (mem: KernelMemory): number[] => [mem.alloc(100, PERM_RW), mem.alloc(5000, PERM_READ, 64), mem.alloc(8)];
  const plain = new KernelMemory({ maxBytes: 1 << 22, initialHeapBytes: 1 << 16 });
  const mem = new KernelMemory({ maxBytes: 1 << 22, initialHeapBytes: 1 << 16 });
  const e1 = mem.engineAlloc(1000);
  assert.equal(e1, mem.maxBytes, "the first block starts at maxBytes");
  assert.ok(mem.u8.length >= e1 + 1000, "the memory was grown to cover it");
  mem.u8[e1] = 0x5a;
  assert.deepEqual(heapOnly(mem), heapOnly(plain), "heap blocks get the same addresses");
  assert.deepEqual(mem.u8.slice(0, plain.u8.length), plain.u8.slice(), "same bytes and shadow where both are mapped");
  assert.ok(mem.u8.subarray(plain.u8.length, mem.maxBytes).every((x) => x === 0), "the rest below maxBytes is untouched");
  assert.equal(mem.canAccess(e1, 8, PERM_READ), false, "a program can never reach an engine block");
  const big = mem.alloc(mem.maxBytes - mem.heapBase - 8192);
  assert.notEqual(big, 0, "the heap keeps all of its capacity");
});

test("engine blocks: first fit by address, freed blocks zeroed and reused, 0 when the area is full", () => {
  const mem = new KernelMemory({ maxBytes: 1 << 20, initialHeapBytes: 1 << 16 });
  assert.equal(memoryMaxPages(mem.maxBytes), (1 << 20) / 65536 + ENGINE_PAGES);
  const a = mem.engineAlloc(100);
  const b = mem.engineAlloc(64);
  const c = mem.engineAlloc(4096);
  assert.deepEqual([b - a, c - b], [128, 64], "sizes round up to 64 and blocks follow each other");
  mem.u8.fill(7, b, b + 64);
  mem.engineFree(b);
  assert.ok(mem.u8.subarray(b, b + 64).every((x) => x === 0), "a freed block is zeroed");
  assert.equal(mem.engineAlloc(64), b, "the gap is reused");
  assert.equal(mem.engineAlloc(128), c + 4096, "a block that does not fit the gap goes after the last");
  assert.equal(mem.engineAlloc(ENGINE_PAGES * 65536), 0, "more than the area holds");
  assert.throws(() => mem.engineFree(a + 8), /not a live engine block/);
  const top = new KernelMemory({ maxBytes: 2 ** 32 - 65536, initialHeapBytes: 1 << 16 });
  assert.equal(memoryMaxPages(top.maxBytes), 65535, "no engine area when maxBytes leaves no page below 4 GiB");
  assert.equal(top.engineAlloc(64), 0);
});
