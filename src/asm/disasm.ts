/**
 * @fileoverview Disassembler with two spellings:
 *
 * - "llvm": what `llvm-objdump -d` prints for BPF (`r0 = *(u32 *)(r1 + 4)`,
 *   `if w1 s< 5 goto +2`, `lock *(u64 *)(r10 - 8) += r1`), for error
 *   messages and failing-case output;
 * - "asm": the bpf_conformance / ubpf assembler syntax (`ldxw %r0, [%r1+4]`),
 *   which {@link parseAsm} reads back, so bytes → text → bytes round-trips.
 *
 * Invalid slots are printed, not thrown on (`<invalid: …>`), so a bad program
 * can still be shown. Immediates print in decimal, as older LLVM does; the
 * 64-bit immediate of ld_imm64 in hex.
 */
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_B, BPF_CLASS, BPF_H, BPF_INSN_SIZE, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP,
  BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LD, BPF_LDX, BPF_MEMSX, BPF_MODE, BPF_NEG, BPF_OP, BPF_SIZE,
  BPF_SRC, BPF_ST, BPF_W, BPF_X,
} from "../uapi/insn.js";
import { classifyInsn, readRawInsn, type RawInsn } from "./decode.js";
import {
  ATOMIC_OPS, KEY_ATOMIC_DW, KEY_ATOMIC_W, KEY_BE16, KEY_BSWAP16, KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX,
  KEY_EXIT, KEY_LDDW, KEY_LE16, KEY_MOVSX16_32, KEY_MOVSX16_64, KEY_MOVSX32_64, KEY_MOVSX8_32, KEY_MOVSX8_64,
  KEY_SDIV32_K, KEY_SMOD32_K,
} from "./opcodes.js";

/** Which spelling to print. */
export type DisasmSyntax = "llvm" | "asm";

const ALU_NAMES = ["add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "neg", "mod", "xor", "mov", "arsh"];
const LLVM_ALU = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "", "%=", "^=", "=", "s>>="];
const JMP_NAMES: Record<number, [string, string]> = {
  [BPF_JEQ]: ["jeq", "=="], [BPF_JGT]: ["jgt", ">"], [BPF_JGE]: ["jge", ">="], [BPF_JSET]: ["jset", "&"], [BPF_JNE]: ["jne", "!="],
  [BPF_JSGT]: ["jsgt", "s>"], [BPF_JSGE]: ["jsge", "s>="], [BPF_JLT]: ["jlt", "<"], [BPF_JLE]: ["jle", "<="], [BPF_JSLT]: ["jslt", "s<"],
  [BPF_JSLE]: ["jsle", "s<="],
};
const LDDW_PSEUDO = ["", "map_fd", "map_value", "btf_id", "func", "map_idx", "map_idx_value"];

function sizeName(code: number): [string, string] {
  const s = BPF_SIZE(code);
  return s === BPF_W ? ["w", "32"] : s === BPF_H ? ["h", "16"] : s === BPF_B ? ["b", "8"] : ["dw", "64"];
}
const signed = (n: number): string => (n < 0 ? `-${-n}` : `+${n}`);
const memAsm = (reg: number, off: number): string => `[%r${reg}${signed(off)}]`;
const memLlvm = (reg: number, off: number): string => `r${reg} ${off < 0 ? "-" : "+"} ${Math.abs(off)}`;
const hex64 = (lo: number, hi: number): string => `0x${(hi >>> 0).toString(16).padStart(8, "0")}${(lo >>> 0).toString(16).padStart(8, "0")}`.replace(/^0x0+(?=.)/, "0x");

/**
 * Formats one instruction. `imm2` is the second slot's imm for ld_imm64.
 * Returns `<invalid: reason>` for an invalid encoding.
 */
export function formatInsn(r: RawInsn, imm2: number, syntax: DisasmSyntax = "llvm"): string {
  const key = classifyInsn(r);
  if (typeof key === "string") return `<invalid: ${key}>`;
  return syntax === "asm" ? formatAsm(key, r, imm2) : formatLlvm(key, r, imm2);
}

function formatAsm(key: number, r: RawInsn, imm2: number): string {
  const { code, dst, src, off, imm } = r;
  const cls = BPF_CLASS(code);
  if (key === KEY_LDDW) {
    const pseudo = src === 0 ? "" : `, ${LDDW_PSEUDO[src]}`;
    return `lddw %r${dst}, ${hex64(imm, imm2)}${pseudo}`;
  }
  if (key === KEY_EXIT) return "exit";
  if (key === KEY_CALL_HELPER) return `call ${imm}`;
  if (key === KEY_CALLX) return `call %r${dst}`;
  if (key === KEY_CALL_LOCAL) return `call local ${signed(imm)}`;
  if (key === KEY_CALL_KFUNC) return `call runtime ${imm}`;
  if (key >= KEY_ATOMIC_W && key < KEY_ATOMIC_DW + 16) {
    const a = ATOMIC_OPS[(key - KEY_ATOMIC_W) & 0x0f]?.name ?? "?";
    return `lock ${a}${key < KEY_ATOMIC_DW ? "32" : ""} ${memAsm(dst, off)}, %r${src}`;
  }
  if (key >= KEY_LE16 && key <= KEY_BSWAP16 + 2) {
    const kind = key >= KEY_BSWAP16 ? "bswap" : key >= KEY_BE16 ? "be" : "le";
    return `${kind}${imm} %r${dst}`;
  }
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const sfx = cls === BPF_ALU ? "32" : "";
    if (key >= KEY_MOVSX8_32 && key <= KEY_MOVSX32_64) return `movsx${off}${cls === BPF_ALU ? "32" : "64"} %r${dst}, %r${src}`;
    let name = ALU_NAMES[BPF_OP(code) >> 4] as string;
    if (key >= KEY_SDIV32_K && key < KEY_SDIV32_K + 4) name = "sdiv";
    if (key >= KEY_SMOD32_K && key < KEY_SMOD32_K + 4) name = "smod";
    if (name === "neg") return `neg${sfx} %r${dst}`;
    return `${name}${sfx} %r${dst}, ${BPF_SRC(code) === BPF_X ? `%r${src}` : imm}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (BPF_OP(code) === BPF_JA) return cls === BPF_JMP32 ? `ja32 ${signed(imm)}` : `ja ${signed(off)}`;
    const name = (JMP_NAMES[BPF_OP(code)] as [string, string])[0] + (cls === BPF_JMP32 ? "32" : "");
    return `${name} %r${dst}, ${BPF_SRC(code) === BPF_X ? `%r${src}` : imm}, ${signed(off)}`;
  }
  const [sz] = sizeName(code);
  if (cls === BPF_LD) return BPF_MODE(code) === BPF_ABS ? `ldabs${sz} ${imm}` : `ldind${sz} %r${src}, ${imm}`;
  if (cls === BPF_LDX) return `ldx${BPF_MODE(code) === BPF_MEMSX ? "s" : ""}${sz} %r${dst}, ${memAsm(src, off)}`;
  if (cls === BPF_ST) return `st${sz} ${memAsm(dst, off)}, ${imm}`;
  return `stx${sz} ${memAsm(dst, off)}, %r${src}`;
}

function formatLlvm(key: number, r: RawInsn, imm2: number): string {
  const { code, dst, src, off, imm } = r;
  const cls = BPF_CLASS(code);
  if (key === KEY_LDDW) {
    if (src === 0) return `r${dst} = ${hex64(imm, imm2)} ll`;
    if (src === 1 || src === 5) return `r${dst} = map[${src === 1 ? "fd" : "idx"}:${imm}] ll`;
    if (src === 2 || src === 6) return `r${dst} = map[${src === 2 ? "fd" : "idx"}:${imm}]+${imm2} ll`;
    if (src === 3) return `r${dst} = btf_id[${imm}] ll`;
    return `r${dst} = func[pc${signed(imm)}] ll`;
  }
  if (key === KEY_EXIT) return "exit";
  if (key === KEY_CALL_HELPER) return `call ${imm}`;
  if (key === KEY_CALLX) return `callx r${dst}`;
  if (key === KEY_CALL_LOCAL) return `call pc${signed(imm)}`;
  if (key === KEY_CALL_KFUNC) return `call kfunc[${imm}]${off !== 0 ? ` btf_fd_idx:${off}` : ""}`;
  if (key >= KEY_ATOMIC_W && key < KEY_ATOMIC_DW + 16) {
    const is32 = key < KEY_ATOMIC_DW;
    const a = ATOMIC_OPS[(key - KEY_ATOMIC_W) & 0x0f]?.name ?? "?";
    const rr = is32 ? "w" : "r";
    const ty = is32 ? "u32" : "u64";
    if (a === "xchg") return `${rr}${src} = xchg${is32 ? "32_32" : "_64"}(${memLlvm(dst, off)}, ${rr}${src})`;
    if (a === "cmpxchg") return `${rr}0 = cmpxchg${is32 ? "32_32" : "_64"}(${memLlvm(dst, off)}, ${rr}0, ${rr}${src})`;
    if (a.startsWith("fetch ")) return `${rr}${src} = atomic_fetch_${a.slice(6)}((${ty} *)(${memLlvm(dst, off)}), ${rr}${src})`;
    const opSym = { add: "+=", or: "|=", and: "&=", xor: "^=" }[a] ?? "?";
    return `lock *(${ty} *)(${memLlvm(dst, off)}) ${opSym} ${rr}${src}`;
  }
  if (key >= KEY_LE16 && key <= KEY_BSWAP16 + 2) {
    const kind = key >= KEY_BSWAP16 ? "bswap" : key >= KEY_BE16 ? "be" : "le";
    return `r${dst} = ${kind}${imm} r${dst}`;
  }
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const rr = cls === BPF_ALU ? "w" : "r";
    if (key === KEY_MOVSX8_32 || key === KEY_MOVSX16_32) return `w${dst} = (s${off})w${src}`;
    if (key === KEY_MOVSX8_64 || key === KEY_MOVSX16_64 || key === KEY_MOVSX32_64) return `r${dst} = (s${off})r${src}`;
    const opIdx = BPF_OP(code) >> 4;
    if (BPF_OP(code) === BPF_NEG) return `${rr}${dst} = -${rr}${dst}`;
    let sym = LLVM_ALU[opIdx] as string;
    if (key >= KEY_SDIV32_K && key < KEY_SDIV32_K + 4) sym = "s/=";
    if (key >= KEY_SMOD32_K && key < KEY_SMOD32_K + 4) sym = "s%=";
    return `${rr}${dst} ${sym} ${BPF_SRC(code) === BPF_X ? `${rr}${src}` : imm}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (BPF_OP(code) === BPF_JA) return cls === BPF_JMP32 ? `gotol ${signed(imm)}` : `goto ${signed(off)}`;
    const rr = cls === BPF_JMP32 ? "w" : "r";
    const sym = (JMP_NAMES[BPF_OP(code)] as [string, string])[1];
    return `if ${rr}${dst} ${sym} ${BPF_SRC(code) === BPF_X ? `${rr}${src}` : imm} goto ${signed(off)}`;
  }
  const [, bits] = sizeName(code);
  if (cls === BPF_LD) return BPF_MODE(code) === BPF_ABS ? `r0 = *(u${bits} *)skb[${imm}]` : `r0 = *(u${bits} *)skb[r${src} + ${imm}]`;
  if (cls === BPF_LDX) return `r${dst} = *(${BPF_MODE(code) === BPF_MEMSX ? "s" : "u"}${bits} *)(${memLlvm(src, off)})`;
  if (cls === BPF_ST) return `*(u${bits} *)(${memLlvm(dst, off)}) = ${imm}`;
  return `*(u${bits} *)(${memLlvm(dst, off)}) = r${src}`;
}

/** Options for {@link disassemble}. */
export interface DisasmOptions {
  /** Spelling (default "llvm"). */
  readonly syntax?: DisasmSyntax;
  /** Marks this slot with `>` in llvm output (the faulting instruction). */
  readonly mark?: number;
  /**
   * Line layout in "llvm" syntax: "objdump" (default) `<slot>:\t<bytes>\t<text>`
   * as llvm-objdump prints it; "bpftool" `<slot>: (<opcode>) <text>` as
   * `bpftool prog dump xlated` lays out its lines (tools/bpf/bpftool/xlated_dumper.c).
   */
  readonly layout?: "objdump" | "bpftool";
  /** Lines printed before the instruction at a slot (function names, source lines), as they are. */
  readonly before?: (slot: number) => readonly string[];
}

/**
 * Disassembles bytecode. In "llvm" syntax each line is
 * `<slot right-aligned to 8>:\t<bytes>\t<text>` as llvm-objdump prints it;
 * in "asm" syntax lines are bare assembler text that parseAsm accepts.
 * A trailing partial slot is shown as `<truncated>`.
 */
export function disassemble(bytes: Uint8Array, opts: DisasmOptions = {}): string {
  const syntax = opts.syntax ?? "llvm";
  const n = Math.floor(bytes.length / BPF_INSN_SIZE);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = readRawInsn(bytes, i);
    const wide = r.code === KEY_LDDW && i + 1 < n;
    const imm2 = wide ? readRawInsn(bytes, i + 1).imm : 0;
    const text = formatInsn(r, imm2, syntax);
    if (opts.before !== undefined) lines.push(...opts.before(i));
    if (syntax === "asm") lines.push(text);
    else if (opts.layout === "bpftool") lines.push(`${String(i).padStart(4)}: (${r.code.toString(16).padStart(2, "0")}) ${text}`);
    else {
      const end = (wide ? i + 2 : i + 1) * BPF_INSN_SIZE;
      const hexBytes = Array.from(bytes.subarray(i * BPF_INSN_SIZE, end), (b) => b.toString(16).padStart(2, "0")).join(" ");
      const mark = opts.mark === i ? ">" : " ";
      lines.push(`${mark}${String(i).padStart(7)}:\t${hexBytes}\t${text}`);
    }
    if (wide) i++;
  }
  if (bytes.length % BPF_INSN_SIZE !== 0) lines.push(syntax === "asm" ? "# <truncated>" : `${String(n).padStart(8)}:\t<truncated>`);
  return lines.join("\n") + (lines.length > 0 ? "\n" : "");
}

/** One instruction of a program in llvm syntax, for fault messages: `insn 3: r0 = *(u32 *)(r1 + 4)`. */
export function describeInsn(bytes: Uint8Array, pc: number): string {
  if (pc < 0 || (pc + 1) * BPF_INSN_SIZE > bytes.length) return `insn ${pc}`;
  const r = readRawInsn(bytes, pc);
  const imm2 = r.code === KEY_LDDW && (pc + 2) * BPF_INSN_SIZE <= bytes.length ? readRawInsn(bytes, pc + 1).imm : 0;
  return `insn ${pc}: ${formatInsn(r, imm2, "llvm")}`;
}
