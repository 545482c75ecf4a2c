/**
 * @fileoverview Instruction builders for writing programs in TypeScript, in
 * the manner of the kernel's insn macros (include/linux/filter.h:
 * BPF_MOV64_IMM, BPF_LDX_MEM, BPF_LD_MAP_FD, …), and {@link assemble},
 * which turns a list of them into bytecode.
 *
 * Jumps may name a label instead of a numeric offset: put `BPF_LABEL("out")`
 * before the target and write `BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, "out")`;
 * assemble resolves it to the relative offset the kernel macros would take.
 * A ld_imm64 builder returns its two slots as a pair; assemble flattens it.
 *
 * Invariant: builders only encode; they do not validate (use decode for that),
 * so tests can build invalid instructions on purpose.
 */
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_DW, BPF_END, BPF_EXIT, BPF_IMM, BPF_INSN_SIZE, BPF_JA, BPF_JMP,
  BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_ST, BPF_STX, BPF_X, BPF_ABS, BPF_IND,
} from "../uapi/insn.js";
import {
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
} from "../uapi/bpf-flags.js";

/** One instruction slot (struct bpf_insn), with kernel field names. */
export interface BpfInsn {
  readonly code: number;
  readonly dst_reg: number;
  readonly src_reg: number;
  readonly off: number;
  readonly imm: number;
  /**
   * A label to resolve at assembly time into `off` (jumps) or `imm`
   * (`BPF_JMP32_A` and `BPF_CALL_REL`), as a relative slot offset.
   */
  readonly target?: string;
}

/** A position marker for jumps; it occupies no slot. */
export interface BpfLabel {
  readonly label: string;
}

/** What {@link assemble} accepts: instructions, ld_imm64 pairs and labels. */
export type AsmItem = BpfInsn | readonly BpfInsn[] | BpfLabel;

/** A jump offset in slots, or a label name. */
export type JumpTarget = number | string;

/** An instruction whose jump offset (`off`) or call target (`imm`) may be a label, resolved by {@link assemble}. */
export function asmInsn(code: number, dst: number, src: number, off: JumpTarget, imm: number | string): BpfInsn {
  if (typeof off === "string") return { code, dst_reg: dst, src_reg: src, off: 0, imm: imm as number, target: off };
  if (typeof imm === "string") return { code, dst_reg: dst, src_reg: src, off, imm: 0, target: imm };
  return { code, dst_reg: dst, src_reg: src, off, imm };
}

/** A raw instruction (BPF_RAW_INSN). */
export function BPF_RAW_INSN(code: number, dst: number, src: number, off: number, imm: number): BpfInsn {
  return asmInsn(code, dst, src, off, imm);
}

/** `dst = dst OP src`, 64-bit (BPF_ALU64_REG). */
export function BPF_ALU64_REG(op: number, dst: number, src: number): BpfInsn {
  return asmInsn(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
}
/** `dst = dst OP src`, 32-bit, zero-extended (BPF_ALU32_REG). */
export function BPF_ALU32_REG(op: number, dst: number, src: number): BpfInsn {
  return asmInsn(BPF_ALU | op | BPF_X, dst, src, 0, 0);
}
/** `dst = dst OP imm`, 64-bit with imm sign-extended (BPF_ALU64_IMM). */
export function BPF_ALU64_IMM(op: number, dst: number, imm: number): BpfInsn {
  return asmInsn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
/** `dst = dst OP imm`, 32-bit (BPF_ALU32_IMM). */
export function BPF_ALU32_IMM(op: number, dst: number, imm: number): BpfInsn {
  return asmInsn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
/** ALU64 with register source and `off` (off=1 makes BPF_DIV/BPF_MOD signed) (BPF_ALU64_REG_OFF). */
export function BPF_ALU64_REG_OFF(op: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_ALU64 | op | BPF_X, dst, src, off, 0);
}
/** ALU32 with register source and `off` (BPF_ALU32_REG_OFF). */
export function BPF_ALU32_REG_OFF(op: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_ALU | op | BPF_X, dst, src, off, 0);
}
/** ALU64 with immediate and `off` (BPF_ALU64_IMM_OFF). */
export function BPF_ALU64_IMM_OFF(op: number, dst: number, imm: number, off: number): BpfInsn {
  return asmInsn(BPF_ALU64 | op | BPF_K, dst, 0, off, imm);
}
/** ALU32 with immediate and `off` (BPF_ALU32_IMM_OFF). */
export function BPF_ALU32_IMM_OFF(op: number, dst: number, imm: number, off: number): BpfInsn {
  return asmInsn(BPF_ALU | op | BPF_K, dst, 0, off, imm);
}
/** `dst = src` (BPF_MOV64_REG). */
export function BPF_MOV64_REG(dst: number, src: number): BpfInsn {
  return BPF_ALU64_REG(BPF_MOV, dst, src);
}
/** `w_dst = w_src`, zero-extended (BPF_MOV32_REG). */
export function BPF_MOV32_REG(dst: number, src: number): BpfInsn {
  return BPF_ALU32_REG(BPF_MOV, dst, src);
}
/** `dst = imm`, sign-extended (BPF_MOV64_IMM). */
export function BPF_MOV64_IMM(dst: number, imm: number): BpfInsn {
  return BPF_ALU64_IMM(BPF_MOV, dst, imm);
}
/** `w_dst = imm`, zero-extended (BPF_MOV32_IMM). */
export function BPF_MOV32_IMM(dst: number, imm: number): BpfInsn {
  return BPF_ALU32_IMM(BPF_MOV, dst, imm);
}
/** `dst = (s8|s16|s32)src` for `bits` 8, 16 or 32 (BPF_MOVSX64_REG; cpu v4). */
export function BPF_MOVSX64_REG(dst: number, src: number, bits: number): BpfInsn {
  return asmInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, bits, 0);
}
/** `w_dst = (s8|s16)w_src` (BPF_MOVSX32_REG; cpu v4). */
export function BPF_MOVSX32_REG(dst: number, src: number, bits: number): BpfInsn {
  return asmInsn(BPF_ALU | BPF_MOV | BPF_X, dst, src, bits, 0);
}
/** Byte order conversion: `type` BPF_TO_LE or BPF_TO_BE, `len` 16/32/64 (BPF_ENDIAN). */
export function BPF_ENDIAN(type: number, dst: number, len: number): BpfInsn {
  return asmInsn(BPF_ALU | BPF_END | type, dst, 0, 0, len);
}
/** Unconditional byte swap of the low `len` bits (BPF_BSWAP; cpu v4). */
export function BPF_BSWAP(dst: number, len: number): BpfInsn {
  return asmInsn(BPF_ALU64 | BPF_END | BPF_K, dst, 0, 0, len);
}

/** The two slots of `dst = imm64` with a pseudo src_reg (BPF_LD_IMM64_RAW). */
export function BPF_LD_IMM64_RAW(dst: number, src: number, imm: bigint | number): readonly [BpfInsn, BpfInsn] {
  const v = BigInt.asUintN(64, BigInt(imm));
  const lo = Number(v & 0xffffffffn) | 0;
  const hi = Number(v >> 32n) | 0;
  return [asmInsn(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, lo), asmInsn(0, 0, 0, 0, hi)];
}
/** The two slots of a ld_imm64 with both immediates given (BPF_LD_IMM64_RAW_FULL). */
export function BPF_LD_IMM64_RAW_FULL(dst: number, src: number, off1: number, off2: number, imm1: number, imm2: number): readonly [BpfInsn, BpfInsn] {
  return [asmInsn(BPF_LD | BPF_DW | BPF_IMM, dst, src, off1, imm1), asmInsn(0, 0, 0, off2, imm2)];
}
/** `dst = imm64` (BPF_LD_IMM64). */
export function BPF_LD_IMM64(dst: number, imm: bigint | number): readonly [BpfInsn, BpfInsn] {
  return BPF_LD_IMM64_RAW(dst, 0, imm);
}
/** `dst = map` by fd; the kernel rewrites it to the map's address at load (BPF_LD_MAP_FD). */
export function BPF_LD_MAP_FD(dst: number, fd: number): readonly [BpfInsn, BpfInsn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_MAP_FD, 0, 0, fd, 0);
}
/** `dst = &map_value[off]` of an array map by fd (BPF_LD_MAP_VALUE). */
export function BPF_LD_MAP_VALUE(dst: number, fd: number, valueOff: number): readonly [BpfInsn, BpfInsn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_MAP_VALUE, 0, 0, fd, valueOff);
}
/** `dst = &subprog`, a callback address (BPF_PSEUDO_FUNC); `target` is a slot offset or a label. */
export function BPF_LD_FUNC(dst: number, target: JumpTarget): readonly [BpfInsn, BpfInsn] {
  return [asmInsn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_FUNC, 0, target), asmInsn(0, 0, 0, 0, 0)];
}
/** Legacy packet load `r0 = ntoh(*(size *)(skb->data + imm))` (BPF_LD_ABS). */
export function BPF_LD_ABS(size: number, imm: number): BpfInsn {
  return asmInsn(BPF_LD | size | BPF_ABS, 0, 0, 0, imm);
}
/** Legacy packet load `r0 = ntoh(*(size *)(skb->data + src + imm))` (BPF_LD_IND). */
export function BPF_LD_IND(size: number, src: number, imm: number): BpfInsn {
  return asmInsn(BPF_LD | size | BPF_IND, 0, src, 0, imm);
}

/** `dst = *(size *)(src + off)` (BPF_LDX_MEM). */
export function BPF_LDX_MEM(size: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
}
/** `dst = *(signed size *)(src + off)`, sign-extended (BPF_LDX_MEMSX; cpu v4). */
export function BPF_LDX_MEMSX(size: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_LDX | size | BPF_MEMSX, dst, src, off, 0);
}
/** `*(size *)(dst + off) = src` (BPF_STX_MEM). */
export function BPF_STX_MEM(size: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_STX | size | BPF_MEM, dst, src, off, 0);
}
/** `*(size *)(dst + off) = imm` (BPF_ST_MEM). */
export function BPF_ST_MEM(size: number, dst: number, off: number, imm: number): BpfInsn {
  return asmInsn(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
}
/**
 * Atomic `op` on `*(size *)(dst + off)` with `src` (BPF_ATOMIC_OP). `op` is
 * BPF_ADD/BPF_OR/BPF_AND/BPF_XOR, optionally `| BPF_FETCH`, or BPF_XCHG /
 * BPF_CMPXCHG; `size` is BPF_W or BPF_DW.
 */
export function BPF_ATOMIC_OP(size: number, op: number, dst: number, src: number, off: number): BpfInsn {
  return asmInsn(BPF_STX | size | BPF_ATOMIC, dst, src, off, op);
}

/** `if (dst OP src) goto +off` (BPF_JMP_REG). */
export function BPF_JMP_REG(op: number, dst: number, src: number, off: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP | op | BPF_X, dst, src, off, 0);
}
/** `if (dst OP imm) goto +off`, imm sign-extended to 64 bits (BPF_JMP_IMM). */
export function BPF_JMP_IMM(op: number, dst: number, imm: number, off: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP | op | BPF_K, dst, 0, off, imm);
}
/** `if (w_dst OP w_src) goto +off` (BPF_JMP32_REG). */
export function BPF_JMP32_REG(op: number, dst: number, src: number, off: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP32 | op | BPF_X, dst, src, off, 0);
}
/** `if (w_dst OP imm) goto +off` (BPF_JMP32_IMM). */
export function BPF_JMP32_IMM(op: number, dst: number, imm: number, off: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
}
/** `goto +off` (BPF_JMP_A). */
export function BPF_JMP_A(off: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP | BPF_JA, 0, 0, off, 0);
}
/** `gotol +imm`, the 32-bit-range jump (BPF_JMP32_A; cpu v4). */
export function BPF_JMP32_A(imm: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP32 | BPF_JA, 0, 0, 0, imm);
}
/** Call helper `helperId` (BPF_EMIT_CALL; the kernel macro takes the function, the uapi encoding is its id). */
export function BPF_EMIT_CALL(helperId: number): BpfInsn {
  return asmInsn(BPF_JMP | BPF_CALL, 0, 0, 0, helperId);
}
/** bpf-to-bpf call of the subprogram at relative slot `imm` or a label (BPF_CALL_REL). */
export function BPF_CALL_REL(imm: JumpTarget): BpfInsn {
  return asmInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm);
}
/**
 * Call the kfunc with BTF id `btfId` (BPF_CALL_KFUNC). `off` is the kernel's
 * fd_array index of a module BTF, 0 for vmlinux. The kernel macro's argument
 * order is (OFF, IMM); this one puts the id first because `off` is rare.
 */
export function BPF_CALL_KFUNC(btfId: number, off = 0): BpfInsn {
  return asmInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, off, btfId);
}
/** `exit` (BPF_EXIT_INSN). */
export function BPF_EXIT_INSN(): BpfInsn {
  return asmInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}
/** A label for jumps written with a name; emits nothing. */
export function BPF_LABEL(name: string): BpfLabel {
  return { label: name };
}

function isLabel(item: AsmItem): item is BpfLabel {
  return (item as BpfLabel).label !== undefined;
}

/** Flattens items into slots and resolves label targets. @throws {RangeError} on an unknown or duplicate label. */
export function resolveInsns(items: readonly AsmItem[]): BpfInsn[] {
  const out: BpfInsn[] = [];
  const labels = new Map<string, number>();
  for (const item of items) {
    if (Array.isArray(item)) out.push(...(item as readonly BpfInsn[]));
    else if (isLabel(item)) {
      if (labels.has(item.label)) throw new RangeError(`Cannot assemble as label '${item.label}' is defined twice`);
      labels.set(item.label, out.length);
    } else out.push(item as BpfInsn);
  }
  return out.map((ins, i) => {
    if (ins.target === undefined) return ins;
    const at = labels.get(ins.target);
    if (at === undefined) throw new RangeError(`Cannot assemble as label '${ins.target}' is not defined: used by insn ${i}`);
    const rel = at - i - 1;
    const usesImm = ins.code === (BPF_JMP32 | BPF_JA) || (ins.code === (BPF_JMP | BPF_CALL) && ins.src_reg === BPF_PSEUDO_CALL) || (ins.code === (BPF_LD | BPF_DW | BPF_IMM));
    if (!usesImm && (rel < -32768 || rel > 32767)) throw new RangeError(`Cannot assemble as the jump from insn ${i} to '${ins.target}' does not fit in off: current value is ${rel}`);
    return usesImm
      ? { code: ins.code, dst_reg: ins.dst_reg, src_reg: ins.src_reg, off: ins.off, imm: rel }
      : { code: ins.code, dst_reg: ins.dst_reg, src_reg: ins.src_reg, off: rel, imm: ins.imm };
  });
}

/** Writes one slot at byte offset `at` of `out` (little-endian struct bpf_insn). */
export function encodeInsn(ins: BpfInsn, out: Uint8Array, at: number): void {
  out[at] = ins.code & 0xff;
  out[at + 1] = (ins.dst_reg & 0x0f) | ((ins.src_reg & 0x0f) << 4);
  out[at + 2] = ins.off & 0xff;
  out[at + 3] = (ins.off >> 8) & 0xff;
  out[at + 4] = ins.imm & 0xff;
  out[at + 5] = (ins.imm >> 8) & 0xff;
  out[at + 6] = (ins.imm >> 16) & 0xff;
  out[at + 7] = (ins.imm >>> 24) & 0xff;
}

/**
 * Assembles builder output into bytecode, resolving labels.
 * @example
 * const bytes = assemble([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
 * @throws {RangeError} on an unknown or duplicate label, or a jump that does not fit.
 */
export function assemble(items: readonly AsmItem[]): Uint8Array {
  const insns = resolveInsns(items);
  const out = new Uint8Array(insns.length * BPF_INSN_SIZE);
  insns.forEach((ins, i) => encodeInsn(ins, out, i * BPF_INSN_SIZE));
  return out;
}

/** Raw slots of bytecode as BpfInsn objects (the inverse of assemble without labels). */
export function toInsns(bytes: Uint8Array): BpfInsn[] {
  const out: BpfInsn[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + BPF_INSN_SIZE <= bytes.length; at += BPF_INSN_SIZE) {
    const regs = bytes[at + 1] as number;
    out.push({ code: bytes[at] as number, dst_reg: regs & 0x0f, src_reg: regs >>> 4, off: dv.getInt16(at + 2, true), imm: dv.getInt32(at + 4, true) });
  }
  return out;
}

