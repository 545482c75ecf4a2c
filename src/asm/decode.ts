/**
 * @fileoverview Decodes eBPF bytecode (RFC 9669, sections 3-5) into a
 * {@link DecodedProg}: one entry per 8-byte slot in typed arrays, with each
 * instruction's dense key (asm/opcodes.ts), ld_imm64 joined (the second
 * slot's imm stored beside the first) and jump targets checked.
 *
 * Validity follows RFC 9669 exactly: reserved fields must be zero, `off`
 * selects sdiv/smod (1) and movsx (8/16/32), the JMP32 `ja` uses imm, r10 is
 * read-only, registers above r10 do not exist. Two kernel rules beyond the
 * RFC are kept because every loader applies them (kernel/bpf/verifier.c
 * check_subprogs / check_cfg): jump and call targets lie inside the program
 * and never in the middle of a ld_imm64. One instruction beyond RFC 9669 is
 * decoded: `callx` (BPF_JMP | BPF_CALL | BPF_X, the helper id in dst_reg),
 * which bpf_conformance tests and ubpf runs; Linux's verifier refuses it, and
 * so does the model's loader (kernel/sys-prog.ts). Things only a verifier proves
 * (termination, initialised registers, falling off the end) are left to the
 * engines.
 *
 * Invariant: a DecodedProg holds only valid instructions; `key` has one more
 * entry than there are slots, a KEY_FALLOFF sentinel.
 */
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_B, BPF_CALL, BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_IND, BPF_JA, BPF_JMP,
  BPF_JMP32, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_ST, BPF_ATOMIC, BPF_W, BPF_X,
  BPF_INSN_SIZE,
} from "../uapi/insn.js";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from "../uapi/bpf-flags.js";
import {
  ATOMIC_OPS, KEY_ATOMIC_DW, KEY_ATOMIC_W, KEY_BE16, KEY_BSWAP16, KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL,
  KEY_CALLX, KEY_EXIT, KEY_FALLOFF, KEY_LDDW, KEY_LDDW_CONT, KEY_LE16, KEY_MOVSX16_32, KEY_MOVSX16_64, KEY_MOVSX32_64,
  KEY_MOVSX8_32, KEY_MOVSX8_64, KEY_SDIV32_K, KEY_SMOD32_K,
} from "./opcodes.js";

/** A program decoded once, read by the engines and the disassembler. Indexed by slot. */
export interface DecodedProg {
  /** Number of 8-byte slots (a ld_imm64 takes two). */
  readonly length: number;
  /** Dense key per slot (KEY_LDDW_CONT on a ld_imm64's second slot), plus a KEY_FALLOFF sentinel at `length`. */
  readonly key: Uint16Array;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int16Array;
  readonly imm: Int32Array;
  /** For a ld_imm64: the second slot's imm (the high 32 bits); else 0. */
  readonly imm2: Int32Array;
}

/** Raw fields of one slot. */
export interface RawInsn {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/**
 * Bytecode that is not a valid RFC 9669 program.
 * `insnIndex` is the slot of the offending instruction (-1 for the program as a whole).
 */
export class BpfDecodeError extends SyntaxError {
  override readonly name = "BpfDecodeError";
  constructor(
    readonly insnIndex: number,
    message: string,
  ) {
    super(insnIndex >= 0 ? `insn ${insnIndex}: ${message}` : message);
  }
}

/** Reads the raw fields of slot `i` of `bytes` (little-endian struct bpf_insn). */
export function readRawInsn(bytes: Uint8Array, i: number): RawInsn {
  const b = i * BPF_INSN_SIZE;
  const regs = bytes[b + 1] as number;
  const off = ((bytes[b + 2] as number) | ((bytes[b + 3] as number) << 8)) << 16 >> 16;
  const imm = (bytes[b + 4] as number) | ((bytes[b + 5] as number) << 8) | ((bytes[b + 6] as number) << 16) | ((bytes[b + 7] as number) << 24);
  return { code: bytes[b] as number, dst: regs & 0x0f, src: regs >>> 4, off, imm };
}

const hex = (v: number): string => `0x${v.toString(16).padStart(2, "0")}`;

/**
 * Classifies one instruction. Returns its dense key, or a string saying why
 * the encoding is invalid. ld_imm64's second slot is checked by the caller.
 */
export function classifyInsn(r: RawInsn): number | string {
  const { code, dst, src, off, imm } = r;
  const cls = code & 0x07;
  if (dst > 10) return `invalid register r${dst} (dst_reg)`;
  if (src > 10 && !(cls === BPF_JMP && code === (BPF_JMP | BPF_CALL))) return `invalid register r${src} (src_reg)`;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return classifyAlu(r, cls === BPF_ALU64);
    case BPF_JMP:
    case BPF_JMP32:
      return classifyJmp(r, cls === BPF_JMP32);
    case BPF_LD: {
      if (code === KEY_LDDW) {
        if (off !== 0) return "ld_imm64 uses reserved field off";
        if (src > 6) return `ld_imm64 with unknown src_reg ${src}`;
        if (dst === 10) return "frame pointer is read only";
        return KEY_LDDW;
      }
      const mode = code & 0xe0;
      const size = code & 0x18;
      if ((mode === BPF_ABS || mode === BPF_IND) && size !== BPF_DW) {
        if (dst !== 0 || off !== 0 || (mode === BPF_ABS && src !== 0)) return "BPF_LD_[ABS|IND] uses reserved fields";
        return code;
      }
      return `unknown opcode ${hex(code)}`;
    }
    case BPF_LDX: {
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode !== BPF_MEM && !(mode === BPF_MEMSX && size !== BPF_DW)) return `unknown opcode ${hex(code)}`;
      if (imm !== 0) return "BPF_LDX uses reserved fields";
      if (dst === 10) return "frame pointer is read only";
      return code;
    }
    case BPF_ST:
      if ((code & 0xe0) !== BPF_MEM) return `unknown opcode ${hex(code)}`;
      if (src !== 0) return "BPF_ST uses reserved fields";
      return code;
    default: {
      // BPF_STX
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode === BPF_MEM) {
        if (imm !== 0) return "BPF_STX uses reserved fields";
        return code;
      }
      if (mode !== BPF_ATOMIC) return `unknown opcode ${hex(code)}`;
      if (size !== BPF_W && size !== BPF_DW) return `BPF_ATOMIC uses invalid size ${size === BPF_B ? "BPF_B" : "BPF_H"}`;
      const idx = ATOMIC_OPS.findIndex((a) => a.imm === imm);
      if (idx < 0) return `BPF_ATOMIC uses invalid atomic opcode ${hex(imm)}`;
      if ((imm & 0x01) !== 0 && src === 10) return "frame pointer is read only";
      return (size === BPF_W ? KEY_ATOMIC_W : KEY_ATOMIC_DW) + idx;
    }
  }
}

function classifyAlu(r: RawInsn, is64: boolean): number | string {
  const { code, dst, src, off, imm } = r;
  const op = code & 0xf0;
  const isX = (code & BPF_X) !== 0;
  if (op > BPF_END) return `unknown opcode ${hex(code)}`;
  if (dst === 10) return "frame pointer is read only";
  if (op === BPF_NEG) {
    if (isX || src !== 0 || off !== 0 || imm !== 0) return "BPF_NEG uses reserved fields";
    return code;
  }
  if (op === BPF_END) {
    if (is64 && isX) return `unknown opcode ${hex(code)}`;
    if (src !== 0 || off !== 0) return "BPF_END uses reserved fields";
    const w = imm === 16 ? 0 : imm === 32 ? 1 : imm === 64 ? 2 : -1;
    if (w < 0) return `BPF_END uses invalid width ${imm}`;
    return (is64 ? KEY_BSWAP16 : isX ? KEY_BE16 : KEY_LE16) + w;
  }
  if (isX ? imm !== 0 : src !== 0) return `BPF_ALU uses reserved fields`;
  if (off === 0) return code;
  if ((op === BPF_DIV || op === BPF_MOD) && off === 1) {
    return (op === BPF_DIV ? KEY_SDIV32_K : KEY_SMOD32_K) + (is64 ? 2 : 0) + (isX ? 1 : 0);
  }
  if (op === BPF_MOV && isX) {
    if (off === 8) return is64 ? KEY_MOVSX8_64 : KEY_MOVSX8_32;
    if (off === 16) return is64 ? KEY_MOVSX16_64 : KEY_MOVSX16_32;
    if (off === 32 && is64) return KEY_MOVSX32_64;
  }
  return "BPF_ALU uses reserved fields";
}

function classifyJmp(r: RawInsn, is32: boolean): number | string {
  const { code, dst, src, off, imm } = r;
  const op = code & 0xf0;
  const isX = (code & BPF_X) !== 0;
  if (op === BPF_JA) {
    if (isX || dst !== 0 || src !== 0) return "BPF_JA uses reserved fields";
    if (is32 ? off !== 0 : imm !== 0) return "BPF_JA uses reserved fields";
    return code;
  }
  if (op === BPF_CALL && isX && !is32) {
    if (src !== 0 || off !== 0 || imm !== 0) return "BPF_CALL uses reserved fields";
    return KEY_CALLX;
  }
  if (op === BPF_CALL || op === BPF_EXIT) {
    if (is32 || isX) return `unknown opcode ${hex(code)}`;
    if (op === BPF_EXIT) {
      if (dst !== 0 || src !== 0 || off !== 0 || imm !== 0) return "BPF_EXIT uses reserved fields";
      return KEY_EXIT;
    }
    if (dst !== 0) return "BPF_CALL uses reserved fields";
    if (src === 0 || src === BPF_PSEUDO_CALL) {
      if (off !== 0) return "BPF_CALL uses reserved fields";
      return src === 0 ? KEY_CALL_HELPER : KEY_CALL_LOCAL;
    }
    // The kernel reads off of a kfunc call as an index into fd_array (module BTF).
    if (src === BPF_PSEUDO_KFUNC_CALL) return KEY_CALL_KFUNC;
    return `BPF_CALL with unknown src_reg ${src}`;
  }
  if (op > 0xd0) return `unknown opcode ${hex(code)}`;
  if (isX ? imm !== 0 : src !== 0) return "BPF_JMP uses reserved fields";
  return code;
}

/** Whether a key transfers control to `pc + 1 + off` (or `+ imm` for ja32 and local calls). */
function jumpDelta(key: number, off: number, imm: number): number | undefined {
  if (key === KEY_CALL_LOCAL || key === (BPF_JMP32 | BPF_JA)) return imm;
  if (key >= 0x100) return undefined;
  const cls = key & 0x07;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return undefined;
  const op = key & 0xf0;
  if (op === BPF_CALL || op === BPF_EXIT) return undefined;
  return off;
}

/** Jump target of slot `pc` of a decoded program, or undefined if it is not a jump or local call. */
export function jumpTarget(prog: DecodedProg, pc: number): number | undefined {
  const d = jumpDelta(prog.key[pc] as number, prog.off[pc] as number, prog.imm[pc] as number);
  return d === undefined ? undefined : pc + 1 + d;
}

/**
 * Decodes bytecode. Done once per program; engines keep the result.
 * @throws {BpfDecodeError} naming the first invalid slot.
 */
export function decode(bytes: Uint8Array): DecodedProg {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new BpfDecodeError(-1, `program length ${bytes.length} is not a multiple of ${BPF_INSN_SIZE}`);
  }
  const n = bytes.length / BPF_INSN_SIZE;
  if (n === 0) throw new BpfDecodeError(-1, "program has no instructions");
  const prog = {
    length: n,
    key: new Uint16Array(n + 1),
    code: new Uint8Array(n),
    dst: new Uint8Array(n),
    src: new Uint8Array(n),
    off: new Int16Array(n),
    imm: new Int32Array(n),
    imm2: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = readRawInsn(bytes, i);
    const k = classifyInsn(r);
    if (typeof k === "string") throw new BpfDecodeError(i, `${k} (${formatRaw(r)})`);
    prog.key[i] = k;
    prog.code[i] = r.code;
    prog.dst[i] = r.dst;
    prog.src[i] = r.src;
    prog.off[i] = r.off;
    prog.imm[i] = r.imm;
    if (k === KEY_LDDW) {
      if (i + 1 >= n) throw new BpfDecodeError(i, "ld_imm64 is missing its second slot");
      const hi = readRawInsn(bytes, i + 1);
      if (hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        throw new BpfDecodeError(i + 1, `invalid second slot of ld_imm64 (${formatRaw(hi)})`);
      }
      prog.imm2[i] = hi.imm;
      i++;
      prog.key[i] = KEY_LDDW_CONT;
      prog.imm[i] = hi.imm;
    }
  }
  prog.key[n] = KEY_FALLOFF;
  for (let i = 0; i < n; i++) {
    const d = jumpDelta(prog.key[i] as number, prog.off[i] as number, prog.imm[i] as number);
    if (d === undefined) continue;
    const t = i + 1 + d;
    if (t < 0 || t >= n) throw new BpfDecodeError(i, `jump out of range from insn ${i} to ${t}`);
    if (prog.key[t] === KEY_LDDW_CONT) throw new BpfDecodeError(i, `jump into the middle of ldimm64 insn ${t - 1}`);
  }
  return prog;
}

/** `code 0x.. dst r. src r. off . imm .` for messages. */
export function formatRaw(r: RawInsn): string {
  return `code ${hex(r.code)} dst r${r.dst} src r${r.src} off ${r.off} imm ${r.imm}`;
}
