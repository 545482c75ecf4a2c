/**
 * @fileoverview bprintf(): the formatting of bpf_seq_printf as
 * kernel/bpf/helpers.c bpf_bprintf_prepare checks it (one u64 per
 * conversion, a NUL-terminated format, at most 12 arguments) and prints it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EINVAL } from "../../uapi/errno.js";
import { KernelMemory, PERM_READ } from "../mem/memory.js";
import { bprintf } from "./bprintf.js";

const fmt = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);

test("bprintf() prints %d %u %x %llu %s %c %% with widths as the kernel's vsnprintf does", () => {
  const mem = new KernelMemory();
  const str = mem.alloc(16, PERM_READ);
  mem.u8.set(new TextEncoder().encode("reno\0"), str);
  const out = bprintf(mem, fmt("%d %u %x %llu [%5s] %c %% %-3d|%03u"), [
    BigInt.asUintN(64, -3n), 4294967295n, 255n, 2n ** 40n, BigInt(str), 65n, 7n, 9n,
  ]);
  assert.equal(out, "-3 4294967295 ff 1099511627776 [ reno] A % 7  |009");
});

test("bprintf() refuses what bpf_bprintf_prepare refuses: no NUL, too few or too many arguments, more than 12, %p forms (EINVAL)", () => {
  const mem = new KernelMemory();
  assert.equal(bprintf(mem, new TextEncoder().encode("%d"), [1n]), -EINVAL);
  assert.equal(bprintf(mem, fmt("%d %d"), [1n]), -EINVAL);
  assert.equal(bprintf(mem, fmt("%d"), [1n, 2n]), -EINVAL);
  assert.equal(bprintf(mem, fmt("%d".repeat(13)), Array<bigint>(13).fill(0n)), -EINVAL);
  assert.equal(bprintf(mem, fmt("%pI4"), [0n]), -EINVAL);
});

test("bprintf() prints an unreadable %s address as an empty string, as the kernel's nofault copy does", () => {
  assert.equal(bprintf(new KernelMemory(), fmt("[%s]"), [0x7fff_0000n]), "[]");
});
