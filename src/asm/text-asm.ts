/**
 * @fileoverview Assembler for the text syntax of bpf_conformance's `.data`
 * vectors (the ubpf style): `mov32 %r0, 0`, `ldxw %r0, [%r1+4]`,
 * `jeq %r1, 0x1, +2`, `lddw %r0, 0x123456789abcdef0`, `call local func`,
 * `lock fetch add32 [%r10-8], %r1`, labels as `name:`.
 *
 * Facts of the format (from the public repo Alan-Jowett/bpf_conformance):
 * mnemonics without a width suffix and with `64` are ALU64, `32` is ALU; a
 * `0x` immediate is unsigned and must fit 32 bits, a decimal one is signed;
 * `+N`/`-N` jump targets are slot offsets, anything else is a label; the
 * first `exit` also defines the label `exit`; `call N` is a helper call.
 *
 * Extensions, all of which the disassembler's "asm" syntax emits so that
 * bytes → text → bytes round-trips: `lddw %rD, imm, map_fd` (a pseudo
 * src_reg by name: map_fd, map_value, btf_id, func, map_idx,
 * map_idx_value), `ldabs{b,h,w} imm`, `ldind{b,h,w} %rS, imm`, bare decimal
 * jump offsets, registers written without `%`.
 */
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_DW, BPF_END, BPF_EXIT, BPF_H, BPF_IMM, BPF_IND,
  BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_ST, BPF_STX, BPF_TO_BE, BPF_TO_LE, BPF_W,
  BPF_X,
} from "../uapi/insn.js";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from "../uapi/bpf-flags.js";
import { asmInsn, assemble, resolveInsns, type AsmItem, type BpfInsn } from "./builders.js";
import { ATOMIC_OPS } from "./opcodes.js";

/** A syntax error in assembler text, with its 1-based line. */
export class AsmError extends SyntaxError {
  override readonly name = "AsmError";
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

const ALU_OPS: Record<string, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, sdiv: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70, neg: 0x80,
  mod: 0x90, smod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
};
const JMP_OPS: Record<string, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70, jlt: 0xa0, jle: 0xb0, jslt: 0xc0,
  jsle: 0xd0,
};
const SIZES: Record<string, number> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };
const PSEUDO_NAMES = ["map_fd", "map_value", "btf_id", "func", "map_idx", "map_idx_value"];

class LineParser {
  constructor(readonly line: number) {}

  fail(msg: string): never {
    throw new AsmError(this.line, msg);
  }

  reg(s: string | undefined): number {
    const m = /^%?r(\d+)$/.exec((s ?? "").trim());
    if (m === null || Number(m[1]) > 15) this.fail(`invalid register: ${s ?? "(missing)"}`);
    return Number(m[1]);
  }

  isReg(s: string): boolean {
    return /^%?r\d+$/.test(s.trim());
  }

  private int(s: string, what: string): bigint {
    const t = s.trim();
    if (!/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) this.fail(`invalid ${what}: ${s}`);
    const neg = t.startsWith("-");
    const body = t.replace(/^[+-]/, "");
    const v = BigInt(body);
    return neg ? -v : v;
  }

  /** A 32-bit immediate: 0x… unsigned up to 0xffffffff, decimal signed. */
  imm32(s: string | undefined): number {
    if (s === undefined) return this.fail("missing immediate");
    const v = this.int(s, "immediate");
    const isHex = /0x/i.test(s);
    const ok = isHex ? v >= -0x80000000n && v <= 0xffffffffn : v >= -0x80000000n && v <= 0x7fffffffn;
    if (!ok) this.fail(`immediate out of 32-bit range: ${s}`);
    return Number(BigInt.asIntN(32, v));
  }

  /** A 64-bit immediate for lddw. */
  imm64(s: string | undefined): bigint {
    if (s === undefined) return this.fail("missing immediate");
    const v = this.int(s, "immediate");
    if (v < -(1n << 63n) || v > (1n << 64n) - 1n) this.fail(`immediate out of 64-bit range: ${s}`);
    return BigInt.asUintN(64, v);
  }

  /** A 16-bit offset: 0x… up to 0xffff, decimal signed. */
  off16(s: string): number {
    const v = this.int(s, "offset");
    const isHex = /0x/i.test(s);
    const ok = isHex ? v >= -0x8000n && v <= 0xffffn : v >= -0x8000n && v <= 0x7fffn;
    if (!ok) this.fail(`offset out of 16-bit range: ${s}`);
    return Number(BigInt.asIntN(16, v));
  }

  /** `[%rN]`, `[%rN+off]`, `[%rN-off]`. */
  mem(s: string | undefined): [number, number] {
    const m = /^\[\s*(%?r\d+)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+)\s*)?\]$/.exec((s ?? "").trim());
    if (m === null) return this.fail(`invalid memory operand: ${s ?? "(missing)"}`);
    const off = m[2] === undefined ? 0 : this.off16(`${m[2]}${m[3] as string}`);
    return [this.reg(m[1]), off];
  }

  /** A jump target: `+N`/`-N`/`N` slots, or a label. */
  target(s: string | undefined): number | string {
    const t = (s ?? "").trim();
    if (t === "") this.fail("missing jump target");
    if (/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) return this.off16(t);
    if (!/^[A-Za-z_.$][\w.$]*$/.test(t)) this.fail(`invalid label: ${t}`);
    return t;
  }

  /** A 32-bit jump target (ja32, call local): like target but not limited to 16 bits. */
  target32(s: string | undefined): number | string {
    const t = (s ?? "").trim();
    if (/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) return this.imm32(t);
    return this.target(t);
  }

  count(ops: readonly string[], n: number, mnemonic: string): void {
    if (ops.length !== n) this.fail(`invalid number of operands for ${mnemonic}: expected ${n}, got ${ops.length}`);
  }
}

function splitOperands(rest: string): string[] {
  const t = rest.trim();
  if (t === "") return [];
  return t.split(",").map((s) => s.trim());
}

function parseLine(p: LineParser, mnemonic: string, rest: string): AsmItem {
  const ops = splitOperands(rest);
  const m = mnemonic.toLowerCase();

  if (m === "exit") {
    p.count(ops, 0, m);
    return asmInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  }
  if (m === "call") {
    const words = rest.trim().split(/[\s,]+/).filter((w) => w !== "");
    if (words.length === 1) words.unshift("helper");
    if (words.length !== 2) p.fail(`invalid number of operands for call: ${rest.trim()}`);
    const [mode, tgt] = words as [string, string];
    if (mode === "helper") {
      if (p.isReg(tgt)) return asmInsn(BPF_JMP | BPF_CALL | BPF_X, p.reg(tgt), 0, 0, 0);
      return asmInsn(BPF_JMP | BPF_CALL, 0, 0, 0, p.imm32(tgt));
    }
    if (mode === "local") return asmInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, p.target32(tgt));
    if (mode === "runtime") return asmInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, p.imm32(tgt));
    return p.fail(`invalid call mode: ${mode}`);
  }
  if (m === "ja") {
    p.count(ops, 1, m);
    return asmInsn(BPF_JMP | BPF_JA, 0, 0, p.target(ops[0]), 0);
  }
  if (m === "ja32") {
    p.count(ops, 1, m);
    return asmInsn(BPF_JMP32 | BPF_JA, 0, 0, 0, p.target32(ops[0]));
  }
  if (m === "lock") return parseLock(p, rest);
  if (m === "lddw") {
    if (ops.length !== 2 && ops.length !== 3) p.count(ops, 2, m);
    const dst = p.reg(ops[0]);
    let src = 0;
    if (ops.length === 3) {
      src = PSEUDO_NAMES.indexOf(ops[2] as string) + 1;
      if (src === 0) p.fail(`invalid lddw pseudo source: ${ops[2]}`);
    }
    const v = p.imm64(ops[1]);
    return [
      asmInsn(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, Number(BigInt.asIntN(32, v))),
      asmInsn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
    ];
  }
  let mm = /^ld(abs|ind)(b|h|w)$/.exec(m);
  if (mm !== null) {
    const size = SIZES[mm[2] as string] as number;
    if (mm[1] === "abs") {
      p.count(ops, 1, m);
      return asmInsn(BPF_LD | BPF_ABS | size, 0, 0, 0, p.imm32(ops[0]));
    }
    p.count(ops, 2, m);
    return asmInsn(BPF_LD | BPF_IND | size, 0, p.reg(ops[0]), 0, p.imm32(ops[1]));
  }
  mm = /^ldx(s?)(b|h|w|dw)$/.exec(m);
  if (mm !== null && !(mm[1] === "s" && mm[2] === "dw")) {
    p.count(ops, 2, m);
    const [src, off] = p.mem(ops[1]);
    return asmInsn(BPF_LDX | (mm[1] === "s" ? BPF_MEMSX : BPF_MEM) | (SIZES[mm[2] as string] as number), p.reg(ops[0]), src, off, 0);
  }
  mm = /^st(x?)(b|h|w|dw)$/.exec(m);
  if (mm !== null) {
    p.count(ops, 2, m);
    const [dst, off] = p.mem(ops[0]);
    const size = SIZES[mm[2] as string] as number;
    if (mm[1] === "x") return asmInsn(BPF_STX | BPF_MEM | size, dst, p.reg(ops[1]), off, 0);
    return asmInsn(BPF_ST | BPF_MEM | size, dst, 0, off, p.imm32(ops[1]));
  }
  mm = /^(be|le|swap|bswap)(16|32|64)$/.exec(m);
  if (mm !== null) {
    p.count(ops, 1, m);
    const code = mm[1] === "be" ? BPF_ALU | BPF_END | BPF_TO_BE : mm[1] === "le" ? BPF_ALU | BPF_END | BPF_TO_LE : BPF_ALU64 | BPF_END | BPF_K;
    return asmInsn(code, p.reg(ops[0]), 0, 0, Number(mm[2]));
  }
  mm = /^movsx(8|16|32)(32|64)$/.exec(m);
  if (mm !== null) {
    p.count(ops, 2, m);
    return asmInsn((mm[2] === "32" ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_X, p.reg(ops[0]), p.reg(ops[1]), Number(mm[1]), 0);
  }
  mm = /^([a-z]+?)(32|64)?$/.exec(m);
  if (mm !== null && ALU_OPS[mm[1] as string] !== undefined) {
    const name = mm[1] as string;
    const cls = mm[2] === "32" ? BPF_ALU : BPF_ALU64;
    const op = ALU_OPS[name] as number;
    const off = name === "sdiv" || name === "smod" ? 1 : 0;
    if (name === "neg") {
      p.count(ops, 1, m);
      return asmInsn(cls | op | BPF_K, p.reg(ops[0]), 0, 0, 0);
    }
    p.count(ops, 2, m);
    const dst = p.reg(ops[0]);
    if (p.isReg(ops[1] as string)) return asmInsn(cls | op | BPF_X, dst, p.reg(ops[1]), off, 0);
    return asmInsn(cls | op | BPF_K, dst, 0, off, p.imm32(ops[1]));
  }
  mm = /^(j[a-z]+?)(32)?$/.exec(m);
  if (mm !== null && JMP_OPS[mm[1] as string] !== undefined) {
    p.count(ops, 3, m);
    const cls = mm[2] === "32" ? BPF_JMP32 : BPF_JMP;
    const op = JMP_OPS[mm[1] as string] as number;
    const dst = p.reg(ops[0]);
    const tgt = p.target(ops[2]);
    if (p.isReg(ops[1] as string)) return asmInsn(cls | op | BPF_X, dst, p.reg(ops[1]), tgt, 0);
    return asmInsn(cls | op | BPF_K, dst, 0, tgt, p.imm32(ops[1]));
  }
  return p.fail(`invalid mnemonic: ${mnemonic}`);
}

/** `lock [fetch] op[32] [%rD+off], %rS`. */
function parseLock(p: LineParser, rest: string): BpfInsn {
  const m = /^\s*(fetch\s+)?([a-z]+?)(32|64)?\s+(\[[^\]]*\])\s*,\s*(\S+)\s*$/.exec(rest);
  if (m === null) return p.fail(`invalid lock operands: ${rest.trim()}`);
  const fetch = m[1] !== undefined;
  const name = m[2] as string;
  let entry = ATOMIC_OPS.find((a) => a.name === (fetch ? `fetch ${name}` : name));
  if (entry === undefined && fetch) entry = ATOMIC_OPS.find((a) => a.name === name && (a.imm & 1) === 1);
  if (entry === undefined) return p.fail(`invalid atomic operation: ${fetch ? "fetch " : ""}${name}`);
  const [dst, off] = p.mem(m[4]);
  const size = m[3] === "32" ? BPF_W : BPF_DW;
  return asmInsn(BPF_STX | BPF_ATOMIC | size, dst, p.reg(m[5]), off, entry.imm);
}

/**
 * Parses assembler text into instruction slots, labels resolved.
 * @throws {AsmError} with the line of the first error.
 */
export function parseAsm(source: string): BpfInsn[] {
  const items: AsmItem[] = [];
  const labels = new Set<string>();
  let firstExit = -1;
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const p = new LineParser(idx + 1);
    let text = raw.replace(/#.*$/, "").trim();
    for (;;) {
      const lm = /^([A-Za-z_.$][\w.$]*)\s*:(.*)$/.exec(text);
      if (lm === null) break;
      const label = lm[1] as string;
      if (labels.has(label)) p.fail(`duplicate label: ${label}`);
      labels.add(label);
      items.push({ label });
      text = (lm[2] as string).trim();
    }
    if (text === "") return;
    const sp = /^(\S+)\s*(.*)$/.exec(text) as RegExpExecArray;
    const item = parseLine(p, sp[1] as string, sp[2] as string);
    if (firstExit < 0 && !Array.isArray(item) && (item as BpfInsn).code === (BPF_JMP | BPF_EXIT)) firstExit = items.length;
    items.push(item);
  });
  if (firstExit >= 0 && !labels.has("exit")) items.splice(firstExit, 0, { label: "exit" });
  try {
    return resolveInsns(items);
  } catch (e) {
    throw new AsmError(0, (e as Error).message);
  }
}

/**
 * Assembles text into bytecode.
 * @example assembleText("mov %r0, 1\nexit") // 16 bytes
 * @throws {AsmError}
 */
export function assembleText(source: string): Uint8Array {
  return assemble(parseAsm(source));
}
