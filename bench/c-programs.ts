/**
 * @fileoverview The bench/c programs as the engine benches run them: each
 * built with clang to BPF and its .text taken as raw instructions, and the
 * ctx region native.c's fill_ctx fills (1024 u64 words; CUBIC's step reads
 * its state from the first ten).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PERM_RW } from "../src/backend/engines.js";
import type { KernelMemory } from "../src/backend/engines.js";

/** Where the C sources are. */
export const C_SRC = join(import.meta.dirname, "c");

/** bench/c/NAME.c built with clang -O2 for BPF in `dir`: its .text, the raw instructions. */
export function buildBpfText(dir: string, name: string): Uint8Array {
  const obj = join(dir, `${name}.o`);
  const bin = join(dir, `${name}.bin`);
  execFileSync("clang", ["-O2", "-target", "bpf", "-c", join(C_SRC, `${name}.c`), "-o", obj]);
  execFileSync("llvm-objcopy", ["-O", "binary", "--only-section=.text", obj, bin]);
  return new Uint8Array(readFileSync(bin));
}

/** The ctx region in `mem`: 1024 u64 words filled as native.c's fill_ctx does for program `name` with argument `arg1`. */
export function ctxFor(mem: KernelMemory, name: string, arg1: number): number {
  const addr = mem.alloc(8192, PERM_RW);
  for (let i = 0n; i < 1024n; i++) {
    mem.dv.setBigUint64(addr + Number(i) * 8, BigInt.asUintN(64, (i * 0x9e3779b97f4a7c15n) ^ (i << 7n)), true);
  }
  const set = (i: number, v: bigint): void => mem.dv.setBigUint64(addr + i * 8, v, true);
  if (name === "cubic") {
    [100n, 140n, 0n, 123456n, 800n, 0n, 0n, 0n, 0n, 0n].forEach((v, i) => set(i, v));
  } else {
    set(0, 12345n);
    set(1, BigInt(arg1));
  }
  return addr;
}
