/**
 * @fileoverview Superinstructions for the interpreter: `mov64 dst, src`
 * followed by a 64-bit ALU operation on the same dst (clang's usual way to
 * spell `dst = src op x`) runs as one dispatch of the loop (vm/interp.ts)
 * instead of two. About one instruction in six of the cube-root and
 * call-heavy bench loops is such a pair.
 *
 * The pair's first slot gets a fused key (FUSED_BASE + the op's index in
 * FUSABLE); its second slot keeps its own instruction, so a jump to it runs
 * the operation alone. The fused slot's words (vm/layout.ts): key | dst << 16
 * | src << 20 as the mov's; ram[p + 1] the operation's source register (its
 * X form; the mov's source when the operation named dst, which after the mov
 * holds the same value); ram[p + 2] the operation's immediate.
 *
 * Neither instruction can fault and neither ends a segment (vm/segments.ts),
 * so counts are unchanged.
 *
 * Follow flags (bits 24-25 of a slot's first word, FOLLOW_*): an instruction
 * that falls through (ALU, load, store, the rare ops; not a jump, call,
 * ld_imm64 or fused slot) whose next slot is an `exit`, a `ja` or a
 * `mov64 X` runs that next instruction in the same dispatch, read from the
 * next slot, which keeps its own instruction for jumps to it. clang ends
 * most functions with `r0 = ...; exit`, joins the arms of an `if` with `ja`,
 * and sets up a call's arguments with runs of movs. An exit or ja ends the
 * segment the flagged instruction is in and the mov is in it, so counts
 * are unchanged; a fault in the flagged instruction happens before the
 * next one runs.
 *
 * The one thing that must see a pair as two instructions is a budget mark
 * on its second slot: `unfused` gives the plain first word (the mov of a
 * fused pair, no follow flag) the loop puts back while such a mark is set.
 */
import { KEY_CALL_LOCAL, KEY_EXIT } from "../asm/opcodes.js";
import { BPF_ALU, BPF_ALU64, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LDX, BPF_MOV, BPF_ST, BPF_STX, BPF_X } from "../uapi/insn.js";

/** The key of the first fused operation. */
export const FUSED_BASE = 0x160;

/** mov64 X, the first instruction of every fused pair. */
const KEY_MOV64_X = BPF_ALU64 | BPF_MOV | BPF_X;

/** The operations a mov can fuse with, in fused-key order (vm/interp.ts spells FUSED_BASE + i as literals). */
export const FUSABLE: readonly number[] = [
  0x07, 0x0f, 0x17, 0x1f, // add K, add X, sub K, sub X
  0x47, 0x4f, 0x57, 0x5f, // or K, or X, and K, and X
  0x67, 0x6f, 0x77, 0x7f, // lsh K, lsh X, rsh K, rsh X
  0xa7, 0xaf, 0xc7, 0xcf, // xor K, xor X, arsh K, arsh X
];

/** Whether `key` is a fused key. */
export function isFusedKey(key: number): boolean {
  return key >= FUSED_BASE && key < FUSED_BASE + FUSABLE.length;
}

/** The next slot is an `exit`: run it after this instruction. */
export const FOLLOW_EXIT = 1;
/** The next slot is a `ja` (either class): take it after this instruction. */
export const FOLLOW_JA = 2;
/** The next slot is a `mov64 X`: run it after this instruction. */
export const FOLLOW_MOV = 3;

const KEY_JA = BPF_JMP | BPF_JA;
const KEY_JA32 = BPF_JMP32 | BPF_JA;

/** The plain first word of a slot: a fused slot's mov, and no follow flag. */
export function unfused(word: number): number {
  const key = word & 0xffff;
  return (isFusedKey(key) ? KEY_MOV64_X : key) | (word & 0xff0000);
}

/** Whether the loop's case for `key` ends by falling through to the next slot (vm/interp.ts `break`). */
function fallsThrough(key: number): boolean {
  if (key >= 0x100) return key < KEY_CALL_LOCAL; // the rare ops: sdiv/smod, movsx, byte swaps, atomics
  const cls = key & 0x07;
  return cls === BPF_LDX || cls === BPF_ST || cls === BPF_STX || cls === BPF_ALU || cls === BPF_ALU64;
}

/** Sets the follow flags (FOLLOW_*) of every eligible slot, after `fusePairs`. */
export function flagFollowers(ram: Int32Array, codeBase: number, slots: number): void {
  for (let i = 0; i + 1 < slots; i++) {
    const p = codeBase + i * 4;
    const w = ram[p] as number;
    if (!fallsThrough(w & 0xffff)) continue;
    const next = (ram[p + 4] as number) & 0xffff;
    const f = next === KEY_EXIT ? FOLLOW_EXIT : next === KEY_JA || next === KEY_JA32 ? FOLLOW_JA : next === KEY_MOV64_X ? FOLLOW_MOV : 0;
    ram[p] = w | (f << 24);
  }
}

/** Fuses every eligible pair of packed slots in `ram` (slots from `codeBase`, 4 words each, `slots` of them). */
export function fusePairs(ram: Int32Array, codeBase: number, slots: number): void {
  for (let i = 0; i + 1 < slots; i++) {
    const p = codeBase + i * 4;
    const w = ram[p] as number;
    if ((w & 0xffff) !== KEY_MOV64_X) continue;
    const w2 = ram[p + 4] as number;
    const k = FUSABLE.indexOf(w2 & 0xffff);
    const d = (w >>> 16) & 15;
    if (k < 0 || ((w2 >>> 16) & 15) !== d) continue;
    const s = (w >>> 20) & 15;
    const s2 = (w2 >>> 20) & 15;
    ram[p] = (w & ~0xffff) | (FUSED_BASE + k);
    ram[p + 1] = s2 === d ? s : s2;
    ram[p + 2] = ram[p + 6] as number;
  }
}
