/**
 * @fileoverview Wasm code for the straight-line eBPF instructions (RFC 9669
 * sections 4 and 5): ALU and ALU64, byte swaps, movsx, ld_imm64, loads,
 * stores and atomics with their memory checks, and the conditions of JMP and
 * JMP32. Control transfer is lower.ts's business.
 *
 * Registers are i64 locals. 32-bit ALU computes on i32 and zero-extends.
 * Division and modulo follow RFC 9669 (x / 0 = 0, x % 0 = x, 32-bit results
 * zero-extended; LLONG_MIN / -1 = LLONG_MIN, never a Wasm trap). Shifts are
 * masked by Wasm itself (count mod 32 or 64), as RFC 9669 requires.
 *
 * Memory checks are those of vm/interp.ts, bit for bit: the base register's
 * high 32 bits must be 0, `lo + off` must lie in [0, maxBytes - size], and
 * the shadow permission bytes of the first and last granule must have the
 * needed bit (both bits for atomics). An access `r10 + off` with
 * -512 ≤ off ≤ -size needs no check: the current frame is always open
 * (vm/stack.ts) and r10 is read only (asm/decode.ts).
 */
import type { DecodedProg } from "../asm/decode.js";
import {
  KEY_ATOMIC_DW, KEY_ATOMIC_W, KEY_BE16, KEY_BE32, KEY_BSWAP16, KEY_BSWAP32, KEY_BSWAP64, KEY_LDDW, KEY_LE16, KEY_LE32, KEY_LE64,
  KEY_MOVSX16_32, KEY_MOVSX16_64, KEY_MOVSX32_64, KEY_MOVSX8_32, KEY_MOVSX8_64, KEY_SDIV32_K, KEY_SMOD32_K, KEY_SMOD64_X,
} from "../asm/opcodes.js";
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_B, BPF_CLASS, BPF_DIV, BPF_DW, BPF_H, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE,
  BPF_JLT, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMSX,
  BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OP, BPF_OR, BPF_RSH, BPF_SIZE, BPF_SRC, BPF_ST, BPF_STX, BPF_SUB, BPF_W, BPF_X, BPF_XOR,
} from "../uapi/insn.js";
import { MAX_BPF_STACK } from "../kernel/prog/runner.js";
import { PERM_READ, PERM_RW, PERM_WRITE } from "../kernel/mem/memory.js";
import type { Code } from "../wasm/index.js";
import { isMemKey } from "../vm/stack-reach.js";
import { I32, I64 } from "../wasm/index.js";

/** What instruction emission needs from the function being compiled. */
export interface InsnEnv {
  readonly code: Code;
  readonly prog: DecodedProg;
  /** Local index of register r (0-10). */
  reg(r: number): number;
  /** The frame pointer (i32 local), r10's value. */
  readonly fp: number;
  /** The instruction budget left (i32 local); lags by the pending count, see pushRem. */
  readonly rem: number;
  /**
   * Pushes the exact budget left after the current block's entry (i32): `rem`
   * minus the instructions counted at compile time but not yet subtracted
   * (compile.ts), for the fault imports.
   */
  pushRem(): void;
  /** Scratch locals. */
  readonly a32: number;
  readonly t32: number;
  readonly t64: number;
  /** Import index of the memory-fault reporter: (pc i32, reg i64, rem i32, open i32). */
  readonly memFault: number;
  /**
   * Pushes the i32 `open` argument of a fault import: the depth of this
   * function's frame when the caller did not open it (a frameless callee,
   * compile.ts), else 0.
   */
  pushOpen(): void;
  readonly maxBytes: number;
}


const SIZE_BYTES: Record<number, number> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1, [BPF_DW]: 8 };

const ALU_NAMES: Record<number, string> = {
  [BPF_ADD]: "add", [BPF_SUB]: "sub", [BPF_MUL]: "mul", [BPF_OR]: "or", [BPF_AND]: "and", [BPF_LSH]: "shl", [BPF_RSH]: "shr_u",
  [BPF_XOR]: "xor", [BPF_ARSH]: "shr_s",
};

/**
 * The Wasm instruction names of a table of suffixes under one type prefix,
 * built once: an emitted instruction is looked up by a name string made at
 * load time, not concatenated per instruction.
 */
const prefixed = (t: string, names: Record<number, string>): Record<number, string> =>
  Object.fromEntries(Object.entries(names).map(([k, v]) => [k, `${t}.${v}`]));
const ALU32_OPS = prefixed("i32", ALU_NAMES);
const ALU64_OPS = prefixed("i64", ALU_NAMES);

/** Pushes the 32-bit source operand (K or the low half of src). */
function src32(e: InsnEnv, isX: boolean, s: number, imm: number): void {
  if (isX) e.code.get(e.reg(s)).op("i32.wrap_i64");
  else e.code.i32(imm);
}

/** Pushes the 64-bit source operand (K sign-extended, or src). */
function src64(e: InsnEnv, isX: boolean, s: number, imm: number): void {
  if (isX) e.code.get(e.reg(s));
  else e.code.i64(imm);
}

/** Pushes the low 32 bits of the i64 local `D`. */
function lo32(c: Code, D: number): void {
  c.get(D).op("i32.wrap_i64");
}

function alu32(e: InsnEnv, op: number, isX: boolean, d: number, s: number, imm: number, signed: boolean): void {
  const c = e.code;
  const D = e.reg(d);
  const name = ALU32_OPS[op];
  if (name !== undefined) {
    lo32(c, D);
    src32(e, isX, s, imm);
    c.op(name);
  } else if (op === BPF_MOV) {
    src32(e, isX, s, imm);
  } else if (op === BPF_NEG) {
    c.i32(0);
    lo32(c, D);
    c.op("i32.sub");
  } else if (op === BPF_DIV || op === BPF_MOD) {
    const isDiv = op === BPF_DIV;
    if (!isX) {
      if (imm === 0) {
        if (isDiv) c.i32(0);
        else lo32(c, D);
      } else if (signed && imm === -1) {
        if (isDiv) { c.i32(0); lo32(c, D); c.op("i32.sub"); } else c.i32(0);
      } else {
        lo32(c, D);
        c.i32(imm).op(isDiv ? (signed ? "i32.div_s" : "i32.div_u") : (signed ? "i32.rem_s" : "i32.rem_u"));
      }
    } else {
      c.get(e.reg(s)).op("i32.wrap_i64").tee(e.t32).op("i32.eqz");
      c.if(I32);
      if (isDiv) c.i32(0);
      else lo32(c, D);
      c.else();
      if (signed && isDiv) {
        c.get(e.t32).i32(-1).op("i32.eq");
        c.if(I32);
        c.i32(0);
        lo32(c, D);
        c.op("i32.sub");
        c.else();
        lo32(c, D);
        c.get(e.t32).op("i32.div_s");
        c.end();
      } else {
        lo32(c, D);
        c.get(e.t32).op(isDiv ? (signed ? "i32.div_s" : "i32.div_u") : (signed ? "i32.rem_s" : "i32.rem_u"));
      }
      c.end();
    }
  } else {
    throw new Error(`jit: no 32-bit ALU op 0x${op.toString(16)}`);
  }
  c.op("i64.extend_i32_u").set(D);
}

function alu64(e: InsnEnv, op: number, isX: boolean, d: number, s: number, imm: number, signed: boolean): void {
  const c = e.code;
  const D = e.reg(d);
  const name = ALU64_OPS[op];
  if (name !== undefined) {
    c.get(D);
    src64(e, isX, s, imm);
    c.op(name);
  } else if (op === BPF_MOV) {
    src64(e, isX, s, imm);
  } else if (op === BPF_NEG) {
    c.i64(0).get(D).op("i64.sub");
  } else if (op === BPF_DIV || op === BPF_MOD) {
    const isDiv = op === BPF_DIV;
    if (!isX) {
      if (imm === 0) {
        if (isDiv) c.i64(0);
        else return; // x % 0 = x
      } else if (signed && imm === -1) {
        if (isDiv) c.i64(0).get(D).op("i64.sub");
        else c.i64(0);
      } else {
        c.get(D).i64(imm).op(isDiv ? (signed ? "i64.div_s" : "i64.div_u") : (signed ? "i64.rem_s" : "i64.rem_u"));
      }
    } else {
      const S = e.reg(s);
      c.get(S).op("i64.eqz");
      c.if(I64);
      if (isDiv) c.i64(0);
      else c.get(D);
      c.else();
      if (signed && isDiv) {
        c.get(S).i64(-1).op("i64.eq");
        c.if(I64);
        c.i64(0).get(D).op("i64.sub");
        c.else();
        c.get(D).get(S).op("i64.div_s");
        c.end();
      } else {
        // i64.rem_s of LLONG_MIN by -1 is 0 in Wasm, as RFC 9669 wants.
        c.get(D).get(S).op(isDiv ? (signed ? "i64.div_s" : "i64.div_u") : (signed ? "i64.rem_s" : "i64.rem_u"));
      }
      c.end();
    }
  } else {
    throw new Error(`jit: no 64-bit ALU op 0x${op.toString(16)}`);
  }
  c.set(D);
}

/** bswap32 of the i32 on the stack. */
function bswap32(e: InsnEnv): void {
  const c = e.code;
  c.tee(e.t32).i32(8).op("i32.rotr").i32(0xff00ff00 | 0).op("i32.and");
  c.get(e.t32).i32(8).op("i32.rotl").i32(0x00ff00ff).op("i32.and");
  c.op("i32.or");
}

function byteSwap(e: InsnEnv, key: number, d: number): void {
  const c = e.code;
  const D = e.reg(d);
  switch (key) {
    case KEY_LE16: c.get(D).i64(0xffff).op("i64.and").set(D); break;
    case KEY_LE32: c.get(D).i64(0xffffffff).op("i64.and").set(D); break;
    case KEY_LE64: break;
    case KEY_BE16: case KEY_BSWAP16:
      c.get(D).op("i32.wrap_i64").tee(e.t32).i32(8).op("i32.shl").i32(0xff00).op("i32.and");
      c.get(e.t32).i32(8).op("i32.shr_u").i32(0xff).op("i32.and").op("i32.or");
      c.op("i64.extend_i32_u").set(D);
      break;
    case KEY_BE32: case KEY_BSWAP32:
      c.get(D).op("i32.wrap_i64");
      bswap32(e);
      c.op("i64.extend_i32_u").set(D);
      break;
    default: { // be64, bswap64
      c.get(D).i64(32).op("i64.rotl").set(D);
      c.get(D).i64(0x0000ffff0000ffffn).op("i64.and").i64(16).op("i64.shl");
      c.get(D).i64(16).op("i64.shr_u").i64(0x0000ffff0000ffffn).op("i64.and").op("i64.or").set(D);
      c.get(D).i64(0x00ff00ff00ff00ffn).op("i64.and").i64(8).op("i64.shl");
      c.get(D).i64(8).op("i64.shr_u").i64(0x00ff00ff00ff00ffn).op("i64.and").op("i64.or").set(D);
    }
  }
}

/**
 * Checks an access of `size` bytes at `base + off` needing `perm` and leaves
 * its address in local a32, or emits nothing when r10-relative and in frame.
 * Returns whether the address is in a32 (false: address is fp + off).
 */
function emitCheck(e: InsnEnv, pc: number, base: number, off: number, size: number, perm: number): boolean {
  const c = e.code;
  if (base === 10 && off >= -MAX_BPF_STACK && off + size <= 0) return false;
  const B = e.reg(base);
  const limit = e.maxBytes - size;
  if (off >= 0) {
    c.get(B).i64(limit - off).op("i64.gt_u");
    emitFault(e, pc, B);
    c.get(B).op("i32.wrap_i64");
    if (off !== 0) c.i32(off).op("i32.add");
    c.set(e.a32);
  } else {
    c.get(B).i64(off).op("i64.add").tee(e.t64).i64(limit).op("i64.gt_u");
    emitFault(e, pc, B);
    c.get(e.t64).op("i32.wrap_i64").set(e.a32);
  }
  if (size === 1) {
    emitExact(e, pc, B, size, perm);
    return true;
  }
  // A multi-byte access spans its first granule and at most the next one:
  // when both have the permission (one 16-bit shadow load), so do the first
  // and last granule the interpreter checks. Otherwise, the exact check.
  const mask = perm * 0x0101;
  c.get(e.a32).i32(3).op("i32.shr_u").op("i32.load16_u").i32(mask).op("i32.and").i32(mask).op("i32.ne");
  c.if();
  emitExact(e, pc, B, size, perm);
  c.end();
  return true;
}

/** The memory fault taken when the i32 condition on the stack is non-zero (emitCheck). */
function emitFault(e: InsnEnv, pc: number, B: number): void {
  const c = e.code;
  c.if();
  c.i32(pc).get(B);
  e.pushRem();
  e.pushOpen();
  c.call(e.memFault).op("unreachable");
  c.end();
}

/** The exact check of the first and last granule's permission at `a32` (emitCheck). */
function emitExact(e: InsnEnv, pc: number, B: number, size: number, perm: number): void {
  const c = e.code;
  c.get(e.a32).i32(3).op("i32.shr_u").op("i32.load8_u");
  if (size > 1) {
    c.get(e.a32).i32(size - 1).op("i32.add").i32(3).op("i32.shr_u").op("i32.load8_u").op("i32.and");
  }
  if (perm === PERM_RW) {
    c.i32(PERM_RW).op("i32.and").i32(PERM_RW).op("i32.ne");
  } else {
    c.i32(perm).op("i32.and").op("i32.eqz");
  }
  emitFault(e, pc, B);
}

/** Pushes the checked address for a memory instruction. */
function pushAddr(e: InsnEnv, inA32: boolean, off: number): void {
  if (inA32) e.code.get(e.a32);
  else e.code.get(e.fp).i32(off).op("i32.add");
}

const LDX = BPF_LDX | BPF_MEM;
const LDSX = BPF_LDX | BPF_MEMSX;
const LOADS: Record<number, string> = {
  [LDX | BPF_W]: "i64.load32_u", [LDX | BPF_H]: "i64.load16_u", [LDX | BPF_B]: "i64.load8_u", [LDX | BPF_DW]: "i64.load",
  [LDSX | BPF_W]: "i64.load32_s", [LDSX | BPF_H]: "i64.load16_s", [LDSX | BPF_B]: "i64.load8_s",
};
const ST = BPF_ST | BPF_MEM;
const STX = BPF_STX | BPF_MEM;
const ST_IMM: Record<number, string> = { [ST | BPF_W]: "i32.store", [ST | BPF_H]: "i32.store16", [ST | BPF_B]: "i32.store8", [ST | BPF_DW]: "i64.store" };
const ST_REG: Record<number, string> = { [STX | BPF_W]: "i64.store32", [STX | BPF_H]: "i64.store16", [STX | BPF_B]: "i64.store8", [STX | BPF_DW]: "i64.store" };

function memInsn(e: InsnEnv, pc: number, key: number): void {
  const { prog, code: c } = e;
  const d = prog.dst[pc] as number;
  const s = prog.src[pc] as number;
  const off = prog.off[pc] as number;
  const imm = prog.imm[pc] as number;
  if (key >= KEY_ATOMIC_W) {
    const wide = key >= KEY_ATOMIC_DW;
    const idx = key - (wide ? KEY_ATOMIC_DW : KEY_ATOMIC_W);
    const size = wide ? 8 : 4;
    const inA = emitCheck(e, pc, d, off, size, PERM_RW);
    atomic(e, wide, idx, inA, off, s);
    return;
  }
  const size = SIZE_BYTES[BPF_SIZE(key)] as number;
  const load = LOADS[key];
  if (load !== undefined) {
    const inA = emitCheck(e, pc, s, off, size, PERM_READ);
    pushAddr(e, inA, off);
    c.op(load).set(e.reg(d));
    return;
  }
  const inA = emitCheck(e, pc, d, off, size, PERM_WRITE);
  pushAddr(e, inA, off);
  const stImm = ST_IMM[key];
  if (stImm !== undefined) {
    if (key === (ST | BPF_DW)) c.i64(imm);
    else c.i32(imm);
    c.op(stImm);
    return;
  }
  c.get(e.reg(s)).op(ST_REG[key] as string);
}

function atomic(e: InsnEnv, wide: boolean, idx: number, inA: boolean, off: number, s: number): void {
  const c = e.code;
  const S = e.reg(s);
  const t = wide ? "i64" : "i32";
  const old = wide ? e.t64 : e.t32;
  const val = (): void => {
    c.get(S);
    if (!wide) c.op("i32.wrap_i64");
  };
  const widen = (): void => {
    if (!wide) c.op("i64.extend_i32_u");
  };
  // old = *addr
  pushAddr(e, inA, off);
  c.op(`${t}.load`).set(old);
  if (idx === 9) { // cmpxchg: compare with r0 (its low 32 bits for the 32-bit form)
    c.get(old).get(e.reg(0));
    if (!wide) c.op("i32.wrap_i64");
    c.op(`${t}.eq`);
    c.if();
    pushAddr(e, inA, off);
    val();
    c.op(`${t}.store`);
    c.end();
    c.get(old);
    widen();
    c.set(e.reg(0));
    return;
  }
  pushAddr(e, inA, off);
  if (idx === 8) {
    val();
  } else {
    c.get(old);
    val();
    c.op(`${t}.${["add", "or", "and", "xor"][idx & 3] as string}`);
  }
  c.op(`${t}.store`);
  if (idx >= 4) {
    c.get(old);
    widen();
    c.set(S);
  }
}

/** The dispatch key and operands of the instruction at slot `pc`. */
function fieldsAt(prog: DecodedProg, pc: number): { key: number; d: number; s: number; imm: number } {
  return { key: prog.key[pc] as number, d: prog.dst[pc] as number, s: prog.src[pc] as number, imm: prog.imm[pc] as number };
}

/**
 * Emits one non-control instruction at slot `pc`.
 * @throws {Error} for a key this function does not handle (a JIT bug).
 */
export function emitInsn(e: InsnEnv, pc: number): void {
  const { prog, code: c } = e;
  const { key, d, s, imm } = fieldsAt(prog, pc);
  if (key === KEY_LDDW) {
    const v = (BigInt(prog.imm2[pc] as number) << 32n) | BigInt(imm >>> 0);
    c.i64(v).set(e.reg(d));
    return;
  }
  if (isMemKey(key)) {
    memInsn(e, pc, key);
    return;
  }
  if (key >= KEY_SDIV32_K) {
    if (key <= KEY_SMOD64_X) {
      // KEY_SDIV32_K..KEY_SMOD64_X: bit 0 is X, bit 1 is 64-bit, bit 2 is mod.
      const isX = (key & 1) !== 0;
      const is64 = (key & 2) !== 0;
      const op = key < KEY_SMOD32_K ? BPF_DIV : BPF_MOD;
      if (is64) alu64(e, op, isX, d, s, imm, true);
      else alu32(e, op, isX, d, s, imm, true);
      return;
    }
    if (key <= KEY_MOVSX32_64) {
      const D = e.reg(d);
      c.get(e.reg(s));
      switch (key) {
        case KEY_MOVSX8_32: c.op("i32.wrap_i64").op("i32.extend8_s").op("i64.extend_i32_u"); break;
        case KEY_MOVSX16_32: c.op("i32.wrap_i64").op("i32.extend16_s").op("i64.extend_i32_u"); break;
        case KEY_MOVSX8_64: c.op("i64.extend8_s"); break;
        case KEY_MOVSX16_64: c.op("i64.extend16_s"); break;
        default: c.op("i64.extend32_s"); break;
      }
      c.set(D);
      return;
    }
    if (key >= KEY_LE16 && key <= KEY_BSWAP64) {
      byteSwap(e, key, d);
      return;
    }
    throw new Error(`jit: cannot emit key 0x${key.toString(16)} at insn ${pc}`);
  }
  const cls = BPF_CLASS(key);
  const isX = BPF_SRC(key) === BPF_X;
  if (cls === BPF_ALU) alu32(e, BPF_OP(key), isX, d, s, imm, false);
  else if (cls === BPF_ALU64) alu64(e, BPF_OP(key), isX, d, s, imm, false);
  else throw new Error(`jit: cannot emit key 0x${key.toString(16)} at insn ${pc}`);
}

const CMP: Record<number, string> = {
  [BPF_JEQ]: "eq", [BPF_JGT]: "gt_u", [BPF_JGE]: "ge_u", [BPF_JNE]: "ne", [BPF_JSGT]: "gt_s", [BPF_JSGE]: "ge_s",
  [BPF_JLT]: "lt_u", [BPF_JLE]: "le_u", [BPF_JSLT]: "lt_s", [BPF_JSLE]: "le_s",
};
const CMP32 = prefixed("i32", CMP);
const CMP64 = prefixed("i64", CMP);

/** Pushes the i32 condition of the conditional jump at `pc` (non-zero: taken). */
export function emitCondition(e: InsnEnv, pc: number): void {
  const { code: c } = e;
  const { key, d, s, imm } = fieldsAt(e.prog, pc);
  const isX = BPF_SRC(key) === BPF_X;
  const is32 = BPF_CLASS(key) === BPF_JMP32;
  const op = BPF_OP(key);
  c.get(e.reg(d));
  if (is32) {
    c.op("i32.wrap_i64");
    src32(e, isX, s, imm);
    if (op === BPF_JSET) c.op("i32.and");
    else c.op(CMP32[op] as string);
  } else {
    src64(e, isX, s, imm);
    if (op === BPF_JSET) c.op("i64.and").op("i64.eqz").op("i32.eqz");
    else c.op(CMP64[op] as string);
  }
}

/**
 * The rotate idiom compilers emit for `x << k | x >> (64 - k)`, four
 * instructions starting at `slots[k]` of one block:
 * `t = x; t >>= a (or <<=); x <<= b (or >>=); x |= t` with a + b = 64, in
 * either order of the two shifts. Returns the fused code's emitter, or
 * undefined. The fusion leaves both registers as the four instructions do:
 * t the shifted copy, x rotated (one i64.rotl, which V8 does not form).
 */
export function matchRotate(prog: DecodedProg, slots: readonly number[], k: number): ((e: InsnEnv) => void) | undefined {
  if (k + 3 >= slots.length) return undefined;
  const p0 = slots[k] as number;
  const p3 = slots[k + 3] as number;
  if (prog.key[p0] !== (BPF_ALU64 | BPF_MOV | BPF_X) || prog.key[p3] !== (BPF_ALU64 | BPF_OR | BPF_X)) return undefined;
  const p1 = slots[k + 1] as number;
  const p2 = slots[k + 2] as number;
  const t = prog.dst[p0] as number;
  const x = prog.src[p0] as number;
  if (t === x || prog.dst[p3] !== x || prog.src[p3] !== t) return undefined;
  const shiftOf = (p: number): { reg: number; left: boolean; n: number } | undefined => {
    const key = prog.key[p] as number;
    if (key !== (BPF_ALU64 | BPF_LSH | BPF_K) && key !== (BPF_ALU64 | BPF_RSH | BPF_K)) return undefined;
    const n = prog.imm[p] as number;
    if (n <= 0 || n >= 64) return undefined;
    return { reg: prog.dst[p] as number, left: key === (BPF_ALU64 | BPF_LSH | BPF_K), n };
  };
  const s1 = shiftOf(p1);
  const s2 = shiftOf(p2);
  if (s1 === undefined || s2 === undefined || s1.left === s2.left || s1.n + s2.n !== 64) return undefined;
  const st = s1.reg === t ? s1 : s2;
  const sx = s1.reg === t ? s2 : s1;
  if (st.reg !== t || sx.reg !== x) return undefined;
  const leftBy = sx.left ? sx.n : st.n;
  return (e: InsnEnv): void => {
    const c = e.code;
    c.get(e.reg(x)).i64(st.n).op(st.left ? "i64.shl" : "i64.shr_u").set(e.reg(t));
    c.get(e.reg(x)).i64(leftBy).op("i64.rotl").set(e.reg(x));
  };
}
