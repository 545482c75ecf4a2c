/**
 * @fileoverview Unit tests of the decoder: RFC 9669 validity rules, the
 * joined ld_imm64, jump checks and the opcode table's keys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BPF_ADD, BPF_ALU64, BPF_B, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_FETCH, BPF_JEQ, BPF_MOD, BPF_REG_0, BPF_REG_1, BPF_REG_10,
  BPF_REG_2, BPF_TO_BE, BPF_W, BPF_X, BPF_XCHG,
} from "../uapi/insn.js";
import {
  BPF_ALU32_IMM_OFF, BPF_ALU64_REG_OFF, BPF_ATOMIC_OP, BPF_BSWAP, BPF_CALL_KFUNC, BPF_CALL_REL, BPF_ENDIAN,
  BPF_EXIT_INSN, BPF_JMP32_A, BPF_JMP_A, BPF_JMP_IMM, BPF_LD_IMM64, BPF_LD_MAP_FD, BPF_LDX_MEMSX, BPF_MOV64_IMM,
  BPF_MOVSX32_REG, BPF_MOVSX64_REG, BPF_RAW_INSN, assemble,
} from "./builders.js";
import { BpfDecodeError, decode, jumpTarget } from "./decode.js";
import {
  KEY_ATOMIC_DW, KEY_ATOMIC_W, KEY_BE32, KEY_BSWAP64, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_FALLOFF, KEY_LDDW,
  KEY_LDDW_CONT, KEY_MOVSX16_32, KEY_MOVSX32_64, KEY_SDIV64_X, KEY_SMOD32_K, OPCODE_TABLE,
} from "./opcodes.js";

function decodeError(bytes: Uint8Array): BpfDecodeError {
  try {
    decode(bytes);
  } catch (e) {
    assert.ok(e instanceof BpfDecodeError);
    return e;
  }
  assert.fail("decode() accepted an invalid program");
}

test("decode() rejects an empty program and a partial slot", () => {
  assert.equal(decodeError(new Uint8Array(0)).message, "program has no instructions");
  const e = decodeError(new Uint8Array(12));
  assert.equal(e.insnIndex, -1);
  assert.match(e.message, /not a multiple of 8/);
});

test("decode() joins ld_imm64 and marks its second slot", () => {
  const p = decode(assemble([BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788n), BPF_EXIT_INSN()]));
  assert.equal(p.length, 3);
  assert.equal(p.key[0], KEY_LDDW);
  assert.equal(p.imm[0], 0x55667788);
  assert.equal(p.imm2[0], 0x11223344);
  assert.equal(p.key[1], KEY_LDDW_CONT);
  assert.equal(p.key[3], KEY_FALLOFF);
});

test("decode() keeps the pseudo src_reg of ld_imm64", () => {
  const p = decode(assemble([BPF_LD_MAP_FD(BPF_REG_1, 7), BPF_EXIT_INSN()]));
  assert.equal(p.key[0], KEY_LDDW);
  assert.equal(p.src[0], 1);
  assert.equal(p.imm[0], 7);
});

test("decode() gives cpu v4 variants their own keys", () => {
  const p = decode(assemble([
    BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
    BPF_ALU32_IMM_OFF(BPF_MOD, BPF_REG_0, 3, 1),
    BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_1, 16),
    BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 32),
    BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 32),
    BPF_BSWAP(BPF_REG_0, 64),
    BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, BPF_REG_10, BPF_REG_1, -8),
    BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -8),
    BPF_CALL_KFUNC(99),
    BPF_CALL_REL(0),
    BPF_EXIT_INSN(),
  ]));
  assert.deepEqual(Array.from(p.key.subarray(0, 10)), [
    KEY_SDIV64_X, KEY_SMOD32_K, KEY_MOVSX16_32, KEY_MOVSX32_64, KEY_BE32, KEY_BSWAP64, KEY_ATOMIC_W + 4, KEY_ATOMIC_DW + 9,
    KEY_CALL_KFUNC, KEY_CALL_LOCAL,
  ]);
});

test("decode() accepts xchg and every atomic size/op pair of RFC 9669, and nothing else", () => {
  for (const size of [BPF_W, BPF_DW]) {
    decode(assemble([BPF_ATOMIC_OP(size, BPF_XCHG, BPF_REG_10, BPF_REG_1, -8), BPF_EXIT_INSN()]));
  }
  const e = decodeError(assemble([BPF_ATOMIC_OP(BPF_B, BPF_ADD, BPF_REG_10, BPF_REG_1, -8), BPF_EXIT_INSN()]));
  assert.match(e.message, /invalid size BPF_B/);
});

test("decode() rejects a fetching atomic whose src_reg is r10 (it would write the frame pointer)", () => {
  const e = decodeError(assemble([BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_1, BPF_REG_10, 0), BPF_EXIT_INSN()]));
  assert.match(e.message, /frame pointer is read only/);
});

test("decode() rejects sign-extending loads into r10 and a MEMSX double word", () => {
  assert.match(decodeError(assemble([BPF_LDX_MEMSX(BPF_W, BPF_REG_10, BPF_REG_1, 0), BPF_EXIT_INSN()])).message, /read only/);
  assert.match(decodeError(assemble([BPF_LDX_MEMSX(BPF_DW, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()])).message, /unknown opcode 0x99/);
});

test("decode() accepts a kfunc call with a module BTF index in off, as the kernel does", () => {
  const p = decode(assemble([BPF_CALL_KFUNC(5, 2), BPF_EXIT_INSN()]));
  assert.equal(p.key[0], KEY_CALL_KFUNC);
  assert.equal(p.off[0], 2);
});

test("decode() checks jump and call targets", () => {
  assert.match(decodeError(assemble([BPF_JMP_A(-2), BPF_EXIT_INSN()])).message, /jump out of range from insn 0 to -1/);
  assert.match(decodeError(assemble([BPF_JMP32_A(5), BPF_EXIT_INSN()])).message, /out of range from insn 0 to 6/);
  assert.match(decodeError(assemble([BPF_CALL_REL(1), BPF_EXIT_INSN()])).message, /out of range/);
  const bad = assemble([BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1), BPF_LD_IMM64(BPF_REG_0, 1), BPF_EXIT_INSN()]);
  assert.match(decodeError(bad).message, /jump into the middle of ldimm64 insn 1/);
});

test("jumpTarget() resolves off for jumps and imm for ja32 and local calls", () => {
  const p = decode(assemble([BPF_JMP_A(1), BPF_JMP32_A(0), BPF_CALL_REL(-3), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]));
  assert.equal(jumpTarget(p, 0), 2);
  assert.equal(jumpTarget(p, 1), 2);
  assert.equal(jumpTarget(p, 2), 0);
  assert.equal(jumpTarget(p, 3), undefined);
});

test("decode() names the slot and the raw fields of an invalid instruction", () => {
  const e = decodeError(assemble([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_RAW_INSN(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, BPF_REG_2, 0, 5), BPF_EXIT_INSN()]));
  assert.equal(e.insnIndex, 1);
  assert.equal(e.message, "insn 1: BPF_ALU uses reserved fields (code 0x0f dst r0 src r2 off 0 imm 5)");
});

test("OPCODE_TABLE has unique keys below 0x160 and the RFC 9669 instruction count", () => {
  const keys = OPCODE_TABLE.map((o) => o.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(keys.every((k) => k >= 0 && k < 0x160));
  // 2 × (12 ops × K/X + neg) ALU, 8 sdiv/smod, 5 movsx, 9 byte swaps, 2 ja, 2 × 22 conditional jumps,
  // 3 calls, callx (bpf_conformance's, not RFC 9669), exit, lddw, 6 legacy loads, 7 + 4 + 4 loads/stores, 20 atomics.
  assert.equal(OPCODE_TABLE.length, 50 + 8 + 5 + 9 + 2 + 44 + 3 + 1 + 1 + 1 + 6 + 15 + 20);
});
