/**
 * @fileoverview The table of every instruction RFC 9669 defines, each with a
 * dense dispatch key (what {@link decode} stores per slot and what the
 * interpreter switches on).
 *
 * The key of an instruction that its opcode byte alone identifies is that
 * byte (0x07 is `BPF_ALU64 | BPF_ADD | BPF_K`). Instructions that share an
 * opcode byte and differ in `off`, `imm` or `src_reg` (cpu v4 sdiv/smod and
 * movsx, the BPF_END widths, the atomic operations, the call kinds) get keys
 * from 0x100 up. Keys stay below 0x160 so a `switch` over numeric literals
 * compiles to one jump table. The conformance groups and cpu versions are
 * those of RFC 9669 section 2.4 and bpf_conformance.
 *
 * Invariant: keys are unique, and {@link OPCODE_TABLE} lists every key
 * decode can produce for a valid instruction.
 */
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_B, BPF_CALL, BPF_DIV, BPF_DW, BPF_EXIT, BPF_H,
  BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE,
  BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD, BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_W, BPF_X, BPF_XOR,
} from "../uapi/insn.js";

// Variant keys (≥ 0x100). Spelled after the RFC 9669 mnemonic.
export const KEY_SDIV32_K = 0x100;
export const KEY_SDIV32_X = 0x101;
export const KEY_SDIV64_K = 0x102;
export const KEY_SDIV64_X = 0x103;
export const KEY_SMOD32_K = 0x104;
export const KEY_SMOD32_X = 0x105;
export const KEY_SMOD64_K = 0x106;
export const KEY_SMOD64_X = 0x107;
export const KEY_MOVSX8_32 = 0x108;
export const KEY_MOVSX16_32 = 0x109;
export const KEY_MOVSX8_64 = 0x10a;
export const KEY_MOVSX16_64 = 0x10b;
export const KEY_MOVSX32_64 = 0x10c;
export const KEY_LE16 = 0x110;
export const KEY_LE32 = 0x111;
export const KEY_LE64 = 0x112;
export const KEY_BE16 = 0x113;
export const KEY_BE32 = 0x114;
export const KEY_BE64 = 0x115;
export const KEY_BSWAP16 = 0x116;
export const KEY_BSWAP32 = 0x117;
export const KEY_BSWAP64 = 0x118;
/** First atomic key: W atomics are 0x120 + index, DW atomics 0x130 + index (index per {@link ATOMIC_OPS}). */
export const KEY_ATOMIC_W = 0x120;
export const KEY_ATOMIC_DW = 0x130;
/** `call imm` with src_reg BPF_PSEUDO_CALL: bpf-to-bpf call, imm relative. */
export const KEY_CALL_LOCAL = 0x140;
/** `call imm` with src_reg BPF_PSEUDO_KFUNC_CALL: kfunc by BTF id. */
export const KEY_CALL_KFUNC = 0x141;
/** Second slot of a ld_imm64: never executed (a jump there is rejected by decode). */
export const KEY_LDDW_CONT = 0x150;
/** Sentinel after the last slot: reached only by falling off the end. */
export const KEY_FALLOFF = 0x151;
/** `call imm` with src_reg 0: helper by id. */
export const KEY_CALL_HELPER = BPF_JMP | BPF_CALL;
/**
 * `callx`: BPF_JMP | BPF_CALL | BPF_X, a helper call whose id is the value of
 * dst_reg (src_reg, off and imm zero). Not in RFC 9669, and Linux's verifier
 * refuses the opcode; bpf_conformance's callx vector and ubpf define it.
 */
export const KEY_CALLX = BPF_JMP | BPF_CALL | BPF_X;
/** `exit`. */
export const KEY_EXIT = BPF_JMP | BPF_EXIT;
/** `ld_imm64` (lddw): the 64-bit immediate load, any src_reg. */
export const KEY_LDDW = BPF_LD | BPF_IMM | BPF_DW;

/** The atomic operations in key order: imm value and name. */
export const ATOMIC_OPS: readonly { readonly imm: number; readonly name: string }[] = [
  { imm: 0x00, name: "add" },
  { imm: 0x40, name: "or" },
  { imm: 0x50, name: "and" },
  { imm: 0xa0, name: "xor" },
  { imm: 0x01, name: "fetch add" },
  { imm: 0x41, name: "fetch or" },
  { imm: 0x51, name: "fetch and" },
  { imm: 0xa1, name: "fetch xor" },
  { imm: 0xe1, name: "xchg" },
  { imm: 0xf1, name: "cmpxchg" },
];

/** Conformance groups of RFC 9669 section 2.4 (plus "packet" for the legacy loads and "callx", bpf_conformance's call through a register). */
export type ConformanceGroup = "base32" | "base64" | "atomic32" | "atomic64" | "divmul32" | "divmul64" | "packet" | "callx";

/** One instruction of RFC 9669. */
export interface OpcodeInfo {
  /** Dense dispatch key. */
  readonly key: number;
  /** The opcode byte. */
  readonly code: number;
  /** Kernel-style name, e.g. "BPF_ALU64|BPF_ADD|BPF_K" or "BPF_ALU64|BPF_DIV|BPF_X off=1 (sdiv)". */
  readonly name: string;
  readonly group: ConformanceGroup;
  /** Minimum cpu version (1-4) that has it. */
  readonly cpu: number;
}

const ALU_OPS: readonly [number, string][] = [
  [BPF_ADD, "BPF_ADD"], [BPF_SUB, "BPF_SUB"], [BPF_MUL, "BPF_MUL"], [BPF_DIV, "BPF_DIV"], [BPF_OR, "BPF_OR"],
  [BPF_AND, "BPF_AND"], [BPF_LSH, "BPF_LSH"], [BPF_RSH, "BPF_RSH"], [BPF_MOD, "BPF_MOD"], [BPF_XOR, "BPF_XOR"],
  [BPF_MOV, "BPF_MOV"], [BPF_ARSH, "BPF_ARSH"],
];
const JMP_OPS: readonly [number, string][] = [
  [BPF_JEQ, "BPF_JEQ"], [BPF_JGT, "BPF_JGT"], [BPF_JGE, "BPF_JGE"], [BPF_JSET, "BPF_JSET"], [BPF_JNE, "BPF_JNE"],
  [BPF_JSGT, "BPF_JSGT"], [BPF_JSGE, "BPF_JSGE"], [BPF_JLT, "BPF_JLT"], [BPF_JLE, "BPF_JLE"], [BPF_JSLT, "BPF_JSLT"],
  [BPF_JSLE, "BPF_JSLE"],
];
const SIZES: readonly [number, string][] = [[BPF_W, "BPF_W"], [BPF_H, "BPF_H"], [BPF_B, "BPF_B"], [BPF_DW, "BPF_DW"]];

function buildTable(): OpcodeInfo[] {
  const t: OpcodeInfo[] = [];
  const add = (key: number, code: number, name: string, group: ConformanceGroup, cpu = 1): void => {
    t.push({ key, code, name, group, cpu });
  };
  for (const [cls, cname, g, isDivmul] of [
    [BPF_ALU, "BPF_ALU", "base32", "divmul32"],
    [BPF_ALU64, "BPF_ALU64", "base64", "divmul64"],
  ] as const) {
    for (const [op, oname] of ALU_OPS) {
      for (const [srcBit, sname] of [[BPF_K, "BPF_K"], [BPF_X, "BPF_X"]] as const) {
        const code = cls | op | srcBit;
        const group = op === BPF_MUL || op === BPF_DIV || op === BPF_MOD ? isDivmul : g;
        // 32-bit jumps and ALU32 arrived with cpu v3 for some ops; RFC 9669 places them all in base32.
        add(code, code, `${cname}|${oname}|${sname}`, group);
      }
    }
    add(cls | BPF_NEG, cls | BPF_NEG, `${cname}|BPF_NEG`, g);
  }
  add(KEY_SDIV32_K, 0x34, "BPF_ALU|BPF_DIV|BPF_K off=1 (sdiv32)", "divmul32", 4);
  add(KEY_SDIV32_X, 0x3c, "BPF_ALU|BPF_DIV|BPF_X off=1 (sdiv32)", "divmul32", 4);
  add(KEY_SDIV64_K, 0x37, "BPF_ALU64|BPF_DIV|BPF_K off=1 (sdiv)", "divmul64", 4);
  add(KEY_SDIV64_X, 0x3f, "BPF_ALU64|BPF_DIV|BPF_X off=1 (sdiv)", "divmul64", 4);
  add(KEY_SMOD32_K, 0x94, "BPF_ALU|BPF_MOD|BPF_K off=1 (smod32)", "divmul32", 4);
  add(KEY_SMOD32_X, 0x9c, "BPF_ALU|BPF_MOD|BPF_X off=1 (smod32)", "divmul32", 4);
  add(KEY_SMOD64_K, 0x97, "BPF_ALU64|BPF_MOD|BPF_K off=1 (smod)", "divmul64", 4);
  add(KEY_SMOD64_X, 0x9f, "BPF_ALU64|BPF_MOD|BPF_X off=1 (smod)", "divmul64", 4);
  add(KEY_MOVSX8_32, 0xbc, "BPF_ALU|BPF_MOV|BPF_X off=8 (movsx8)", "base32", 4);
  add(KEY_MOVSX16_32, 0xbc, "BPF_ALU|BPF_MOV|BPF_X off=16 (movsx16)", "base32", 4);
  add(KEY_MOVSX8_64, 0xbf, "BPF_ALU64|BPF_MOV|BPF_X off=8 (movsx8)", "base64", 4);
  add(KEY_MOVSX16_64, 0xbf, "BPF_ALU64|BPF_MOV|BPF_X off=16 (movsx16)", "base64", 4);
  add(KEY_MOVSX32_64, 0xbf, "BPF_ALU64|BPF_MOV|BPF_X off=32 (movsx32)", "base64", 4);
  const endians: [number, number, string, number][] = [
    [KEY_LE16, 0xd4, "BPF_ALU|BPF_END|BPF_TO_LE imm=16", 1], [KEY_LE32, 0xd4, "BPF_ALU|BPF_END|BPF_TO_LE imm=32", 1],
    [KEY_LE64, 0xd4, "BPF_ALU|BPF_END|BPF_TO_LE imm=64", 1], [KEY_BE16, 0xdc, "BPF_ALU|BPF_END|BPF_TO_BE imm=16", 1],
    [KEY_BE32, 0xdc, "BPF_ALU|BPF_END|BPF_TO_BE imm=32", 1], [KEY_BE64, 0xdc, "BPF_ALU|BPF_END|BPF_TO_BE imm=64", 1],
    [KEY_BSWAP16, 0xd7, "BPF_ALU64|BPF_END imm=16 (bswap16)", 4], [KEY_BSWAP32, 0xd7, "BPF_ALU64|BPF_END imm=32 (bswap32)", 4],
    [KEY_BSWAP64, 0xd7, "BPF_ALU64|BPF_END imm=64 (bswap64)", 4],
  ];
  for (const [key, code, name, cpu] of endians) add(key, code, name, code === 0xd7 ? "base64" : "base32", cpu);

  add(BPF_JMP | BPF_JA, BPF_JMP | BPF_JA, "BPF_JMP|BPF_JA", "base64");
  add(BPF_JMP32 | BPF_JA, BPF_JMP32 | BPF_JA, "BPF_JMP32|BPF_JA (ja32)", "base32", 4);
  for (const [cls, cname, g, cpu] of [[BPF_JMP, "BPF_JMP", "base64", 1], [BPF_JMP32, "BPF_JMP32", "base32", 3]] as const) {
    for (const [op, oname] of JMP_OPS) {
      for (const [srcBit, sname] of [[BPF_K, "BPF_K"], [BPF_X, "BPF_X"]] as const) {
        const code = cls | op | srcBit;
        const opCpu = cls === BPF_JMP && (op === BPF_JLT || op === BPF_JLE || op === BPF_JSLT || op === BPF_JSLE) ? 2 : cpu;
        add(code, code, `${cname}|${oname}|${sname}`, g, opCpu);
      }
    }
  }
  add(KEY_CALL_HELPER, 0x85, "BPF_JMP|BPF_CALL src=0 (helper)", "base32");
  add(KEY_CALL_LOCAL, 0x85, "BPF_JMP|BPF_CALL src=1 (BPF_PSEUDO_CALL)", "base32");
  add(KEY_CALL_KFUNC, 0x85, "BPF_JMP|BPF_CALL src=2 (BPF_PSEUDO_KFUNC_CALL)", "base32");
  add(KEY_CALLX, 0x8d, "BPF_JMP|BPF_CALL|BPF_X (callx)", "callx");
  add(KEY_EXIT, 0x95, "BPF_JMP|BPF_EXIT", "base32");

  add(KEY_LDDW, KEY_LDDW, "BPF_LD|BPF_IMM|BPF_DW (ld_imm64)", "base64");
  for (const [size, sname] of SIZES) {
    if (size !== BPF_DW) {
      add(BPF_LD | BPF_ABS | size, BPF_LD | BPF_ABS | size, `BPF_LD|BPF_ABS|${sname}`, "packet");
      add(BPF_LD | BPF_IND | size, BPF_LD | BPF_IND | size, `BPF_LD|BPF_IND|${sname}`, "packet");
      add(BPF_LDX | BPF_MEMSX | size, BPF_LDX | BPF_MEMSX | size, `BPF_LDX|BPF_MEMSX|${sname}`, "base32", 4);
    }
    const g = size === BPF_DW ? "base64" : "base32";
    add(BPF_LDX | BPF_MEM | size, BPF_LDX | BPF_MEM | size, `BPF_LDX|BPF_MEM|${sname}`, g);
    add(BPF_ST | BPF_MEM | size, BPF_ST | BPF_MEM | size, `BPF_ST|BPF_MEM|${sname}`, g);
    add(BPF_STX | BPF_MEM | size, BPF_STX | BPF_MEM | size, `BPF_STX|BPF_MEM|${sname}`, g);
  }
  ATOMIC_OPS.forEach((a, i) => {
    const cpu = a.imm === 0 ? 1 : 3;
    add(KEY_ATOMIC_W + i, 0xc3, `BPF_STX|BPF_ATOMIC|BPF_W imm=0x${a.imm.toString(16)} (${a.name})`, "atomic32", cpu);
    add(KEY_ATOMIC_DW + i, 0xdb, `BPF_STX|BPF_ATOMIC|BPF_DW imm=0x${a.imm.toString(16)} (${a.name})`, "atomic64", cpu);
  });
  return t.sort((a, b) => a.key - b.key);
}

/** Every RFC 9669 instruction, sorted by key. */
export const OPCODE_TABLE: readonly OpcodeInfo[] = buildTable();

const byKey = new Map(OPCODE_TABLE.map((o) => [o.key, o]));

/** The table entry for a key, or undefined. */
export function opcodeInfo(key: number): OpcodeInfo | undefined {
  return byKey.get(key);
}
