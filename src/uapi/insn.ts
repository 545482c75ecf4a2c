/**
 * @fileoverview eBPF instruction encoding constants (include/uapi/linux/bpf.h
 * and bpf_common.h), in kernel spelling, plus the field accessors the kernel
 * writes as macros (`BPF_CLASS(code)` …).
 *
 * An instruction is 8 bytes, little-endian: `code` (u8), `dst_reg:4`,
 * `src_reg:4`, `off` (s16), `imm` (s32); RFC 9669 section 3. The 64-bit
 * immediate load (`BPF_LD | BPF_IMM | BPF_DW`) takes two slots.
 */

/** Bytes per instruction slot (sizeof(struct bpf_insn)). */
export const BPF_INSN_SIZE = 8;

// Instruction classes (low 3 bits of code).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Load/store sizes (bits 3-4).
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Load/store modes (bits 5-7).
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;
/** Old name of BPF_ATOMIC (with imm 0 it is an atomic add). */
export const BPF_XADD = 0xc0;

// Source operand (bit 3) of ALU and JMP classes.
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ALU operations (bits 4-7).
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// BPF_END direction (the source bit): to little- or big-endian.
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;
export const BPF_FROM_LE = BPF_TO_LE;
export const BPF_FROM_BE = BPF_TO_BE;

// Jump operations (bits 4-7).
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// Atomic operations (the imm of BPF_STX | BPF_ATOMIC).
/** Modifier: also load the old value into src_reg. */
export const BPF_FETCH = 0x01;
/** Atomic exchange; always fetches. */
export const BPF_XCHG = 0xe0 | BPF_FETCH;
/** Atomic compare-and-exchange against r0; always fetches into r0. */
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// Register numbers (enum of include/uapi/linux/bpf.h).
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_2 = 2;
export const BPF_REG_3 = 3;
export const BPF_REG_4 = 4;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
export const BPF_REG_10 = 10;
/** Number of registers (r0-r10). */
export const MAX_BPF_REG = 11;
/** The read-only frame pointer. */
export const BPF_REG_FP = BPF_REG_10;

/** Instruction class of `code` (BPF_CLASS). */
export function BPF_CLASS(code: number): number {
  return code & 0x07;
}
/** Access size of a load/store `code` (BPF_SIZE). */
export function BPF_SIZE(code: number): number {
  return code & 0x18;
}
/** Mode of a load/store `code` (BPF_MODE). */
export function BPF_MODE(code: number): number {
  return code & 0xe0;
}
/** Operation of an ALU/JMP `code` (BPF_OP). */
export function BPF_OP(code: number): number {
  return code & 0xf0;
}
/** Source operand of an ALU/JMP `code` (BPF_SRC). */
export function BPF_SRC(code: number): number {
  return code & 0x08;
}
