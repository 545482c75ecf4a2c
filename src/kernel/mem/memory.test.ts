/**
 * @fileoverview Tests of the kernel memory allocator and its permission
 * shadow: freed blocks are reused (also for alignments above 8 bytes, as
 * map values and sockets ask for), memory is zeroed on reuse, permissions
 * are revoked on free, and exhaustion returns 0 (ENOMEM to the caller).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { KernelMemory, PERM_READ, PERM_RW } from "./memory.js";

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
