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
 * so counts are unchanged. The one thing that must see the pair as two
 * instructions is a budget mark on its second slot: `unfused` gives the
 * plain mov word the loop puts back while such a mark is set.
 */

/** The key of the first fused operation. */
export const FUSED_BASE = 0x160;

/** mov64 X, the first instruction of every fused pair. */
const KEY_MOV64_X = 0xbf;

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

/** The plain mov word of a fused slot's word. */
export function unfused(word: number): number {
  return (word & ~0xffff) | KEY_MOV64_X;
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
    const s = w >>> 20;
    const s2 = w2 >>> 20;
    ram[p] = (w & ~0xffff) | (FUSED_BASE + k);
    ram[p + 1] = s2 === d ? s : s2;
    ram[p + 2] = ram[p + 6] as number;
  }
}
