/**
 * @fileoverview Instruction counting by straight-line segments, so the
 * interpreter loop need not count (or check the budget) per instruction.
 *
 * A segment runs from an instruction to the next jump, call or exit
 * (included). Every instruction inside one falls through or faults, so a
 * run can add a whole segment's length to its count when it enters it. When
 * that would exceed the budget, the loop patches a KEY_BUDGET mark over the
 * instruction at which the budget runs out (in the program's private ram) and removes it when the run ends: the fault then happens exactly
 * where a per-instruction counter would raise it, with the same side effects
 * before it.
 *
 * Invariant: a segment contains no call before its last instruction, so no
 * helper (which might run the same program again) runs while a mark is set.
 */
import { BPF_JMP, BPF_JMP32 } from "../uapi/insn.js";
import type { DecodedProg } from "../asm/decode.js";
import { KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_FALLOFF, KEY_LDDW, KEY_LDDW_CONT } from "../asm/opcodes.js";
import { RAM_CODE } from "./layout.js";

/** The key patched over the instruction where an over-budget segment must stop (not in OPCODE_TABLE). */
export const KEY_BUDGET = 0x152;

/** Whether a key ends a segment: jumps, calls, exit, the falloff sentinel. */
function endsSegment(key: number): boolean {
  if (key === KEY_CALL_LOCAL || key === KEY_CALL_KFUNC || key === KEY_FALLOFF) return true;
  const cls = key & 0x07;
  return key < 0x100 && (cls === BPF_JMP || cls === BPF_JMP32);
}

/**
 * For each slot, the number of instructions from it through the end of its
 * segment (a ld_imm64 counts once). The falloff sentinel counts as one.
 */
export function segmentLengths(prog: DecodedProg): Int32Array {
  const seg = new Int32Array(prog.length + 1);
  seg[prog.length] = 1;
  for (let i = prog.length - 1; i >= 0; i--) {
    const key = prog.key[i] as number;
    if (key === KEY_LDDW_CONT) continue;
    seg[i] = endsSegment(key) ? 1 : 1 + (seg[i + (key === KEY_LDDW ? 2 : 1)] as number);
  }
  return seg;
}

/** The slot of the instruction `allowed` instructions after `pc` inside its segment, read from a program's ram. */
export function budgetSlot(ram: Int32Array, pc: number, allowed: number): number {
  let slot = pc;
  for (let k = 0; k < allowed; k++) slot += ((ram[RAM_CODE + (slot << 2)] as number) & 0xffff) === KEY_LDDW ? 2 : 1;
  return slot;
}
