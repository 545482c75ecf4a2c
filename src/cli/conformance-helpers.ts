/**
 * @fileoverview The helper functions conformance vectors may call, with the
 * ids and meanings of the ubpf plugin's test helpers (the runtime the
 * bpf_conformance vectors come from; its `call 5` vectors exercise "unwind"):
 *
 *   0 gather_bytes(a, b, c, d, e) = a:b:c:d:e, one low byte each, a highest
 *   1 memfrob(ptr, len): XOR each byte with 42, returns 0
 *   2 no_op() = 0
 *   3 sqrti(a) = ⌊√a⌋ (computed exactly on integers)
 *   4 strcmp_ext(p, q): C strcmp of two NUL-terminated strings (byte difference)
 *   5 unwind(a) = a, and when a is 0 the program stops at once with r0 = 0
 *
 * Memory helpers honour the kernel memory's permission shadow exactly as a
 * program access would, and throw when it refuses.
 */
import { PERM_READ, PERM_RW } from "../lib/engine.js";
import type { BpfCallFn, KernelMemory } from "../lib/engine.js";

/** Helper id of "unwind". */
export const UNWIND_HELPER_ID = 5;

/** Thrown by "unwind" to stop the program; the plugin turns it into r0 = 0. */
export class UnwindSignal extends Error {
  override readonly name = "UnwindSignal";
  constructor() {
    super("unwind requested");
  }
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

function readCString(mem: KernelMemory, p: bigint, i: number): number {
  const a = p + BigInt(i);
  if (a >= BigInt(mem.maxBytes) || !mem.canAccess(Number(a), 1, PERM_READ)) {
    throw new RangeError(`strcmp_ext: cannot read byte at 0x${a.toString(16)}`);
  }
  return mem.u8[Number(a)] as number;
}

/** The test helpers, bound to the memory the program runs in. */
export function conformanceHelpers(mem: KernelMemory): Map<number, BpfCallFn> {
  const helpers = new Map<number, BpfCallFn>();
  helpers.set(0, (a, b, c, d, e) => ((a & 0xffn) << 32n) | ((b & 0xffn) << 24n) | ((c & 0xffn) << 16n) | ((d & 0xffn) << 8n) | (e & 0xffn));
  helpers.set(1, (p, len) => {
    if (len === 0n) return 0n;
    if (p + len > BigInt(mem.maxBytes) || !mem.canAccess(Number(p), Number(len), PERM_RW)) {
      throw new RangeError(`memfrob: cannot write ${len} bytes at 0x${p.toString(16)}`);
    }
    const u8 = mem.u8;
    for (let i = Number(p), end = Number(p + len); i < end; i++) u8[i] = (u8[i] as number) ^ 42;
    return 0n;
  });
  helpers.set(2, () => 0n);
  helpers.set(3, (a) => isqrt(a));
  helpers.set(4, (p, q) => {
    for (let i = 0; ; i++) {
      const x = readCString(mem, p, i);
      const y = readCString(mem, q, i);
      if (x !== y || x === 0) return BigInt.asUintN(64, BigInt(x - y));
    }
  });
  helpers.set(UNWIND_HELPER_ID, (a) => {
    if (a === 0n) throw new UnwindSignal();
    return a;
  });
  return helpers;
}
