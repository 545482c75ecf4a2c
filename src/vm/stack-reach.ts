/**
 * @fileoverview How much of frame 0 a run can dirty, so the next run's
 * stack reset (vm/stack.ts) zeroes only that: both engines use it.
 *
 * When r10 never escapes (it is only ever the base of a load, store or
 * atomic with a constant offset inside the frame), the bytes of frame 0 a
 * run can write are the `reach` bytes below r10. A run that opened deeper
 * frames is reset in full whatever the reach, so the memory every run starts
 * from is the same as with a full reset (the verifier's stack bound,
 * MAX_BPF_STACK, in kernel/bpf/verifier.c).
 */
import type { DecodedProg } from "../asm/decode.js";
import { KEY_LDDW_CONT } from "../asm/opcodes.js";
import { MAX_BPF_STACK } from "../kernel/prog/runner.js";

const SIZE_BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/** Whether `key` (asm/opcodes.ts) is a load, store or atomic. */
export function isMemKey(key: number): boolean {
  if (key >= 0x120 && key < 0x140) return true;
  if (key >= 0x100) return false;
  const cls = key & 0x07;
  return cls === 1 || cls === 2 || cls === 3;
}

/** Size in bytes of the memory instruction with key `key`. */
function accessSize(key: number): number {
  if (key >= 0x130) return 8;
  if (key >= 0x120) return 4;
  return SIZE_BYTES[key & 0x18] as number;
}

/**
 * How many bytes below r10 a run of `prog` may touch in its own frame:
 * MAX_BPF_STACK when r10 escapes or an r10-relative access leaves the frame,
 * 0 when the program never names r10.
 */
export function stackReach(prog: DecodedProg): number {
  let reach = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const key = prog.key[pc] as number;
    if (key === KEY_LDDW_CONT) continue;
    const d = prog.dst[pc] as number;
    const s = prog.src[pc] as number;
    if (d !== 10 && s !== 10) continue;
    if (!isMemKey(key)) return MAX_BPF_STACK;
    // Loads (class LDX) take the base in src; stores and atomics in dst, with src the value.
    const isLoad = key < 0x100 && (key & 0x07) === 1;
    const base = isLoad ? s : d;
    const value = isLoad ? d : s;
    if (base !== 10 || value === 10) return MAX_BPF_STACK;
    const off = prog.off[pc] as number;
    if (off < -MAX_BPF_STACK || off + accessSize(key) > 0) return MAX_BPF_STACK;
    if (-off > reach) reach = -off;
  }
  return reach;
}
