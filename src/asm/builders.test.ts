/**
 * @fileoverview Unit tests of the instruction builders: byte encodings equal
 * what the kernel's insn macros produce, labels resolve, errors are clear.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BPF_ADD, BPF_DW, BPF_FETCH, BPF_JEQ, BPF_JNE, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_2, BPF_W,
} from "../uapi/insn.js";
import { BPF_FUNC_map_lookup_elem } from "../uapi/bpf-helpers.js";
import {
  BPF_ALU64_IMM, BPF_ATOMIC_OP, BPF_CALL_KFUNC, BPF_CALL_REL, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP32_A,
  BPF_JMP_A, BPF_JMP_IMM, BPF_LABEL, BPF_LD_FUNC, BPF_LD_IMM64, BPF_LD_MAP_FD, BPF_LD_MAP_VALUE, BPF_MOV64_IMM,
  BPF_MOV64_REG, BPF_STX_MEM, BPF_ST_MEM, assemble, toInsns,
} from "./builders.js";
import { decode } from "./decode.js";
import { counterInitProgram } from "../../test/asm/counter-init.js";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

test("builders encode like the kernel's insn macros", () => {
  assert.equal(hex(assemble([BPF_MOV64_IMM(BPF_REG_0, 0)])), "b7 00 00 00 00 00 00 00");
  assert.equal(hex(assemble([BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)])), "bf a2 00 00 00 00 00 00");
  assert.equal(hex(assemble([BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)])), "07 02 00 00 fc ff ff ff");
  assert.equal(hex(assemble([BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8)])), "7b 1a f8 ff 00 00 00 00");
  assert.equal(hex(assemble([BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0)])), "62 0a fc ff 00 00 00 00");
  assert.equal(hex(assemble([BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0)])), "db 10 00 00 00 00 00 00");
  assert.equal(hex(assemble([BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, BPF_REG_0, BPF_REG_1, 4)])), "c3 10 04 00 01 00 00 00");
  assert.equal(hex(assemble([BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)])), "85 00 00 00 01 00 00 00");
  assert.equal(hex(assemble([BPF_CALL_KFUNC(123)])), "85 20 00 00 7b 00 00 00");
  assert.equal(hex(assemble([BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2)])), "15 00 02 00 00 00 00 00");
  assert.equal(hex(assemble([BPF_EXIT_INSN()])), "95 00 00 00 00 00 00 00");
});

test("ld_imm64 builders produce two slots", () => {
  assert.equal(hex(assemble([BPF_LD_MAP_FD(BPF_REG_1, 5)])), "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00");
  assert.equal(hex(assemble([BPF_LD_MAP_VALUE(BPF_REG_1, 5, 16)])), "18 21 00 00 05 00 00 00 00 00 00 00 10 00 00 00");
  assert.equal(hex(assemble([BPF_LD_IMM64(BPF_REG_0, -2n)])), "18 00 00 00 fe ff ff ff 00 00 00 00 ff ff ff ff");
  assert.equal(hex(assemble([BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788n)])), "18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11");
});

test("assemble() resolves labels into off, or imm for ja32, local calls and BPF_PSEUDO_FUNC", () => {
  const insns = toInsns(assemble([
    BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, "out"),
    BPF_JMP32_A("out"),
    BPF_CALL_REL("sub"),
    BPF_LD_FUNC(BPF_REG_1, "sub"),
    BPF_LABEL("out"),
    BPF_EXIT_INSN(),
    BPF_LABEL("sub"),
    BPF_JMP_A("out"),
    BPF_EXIT_INSN(),
  ]));
  assert.equal(insns[0]?.off, 4);
  assert.equal(insns[1]?.imm, 3);
  assert.equal(insns[2]?.imm, 3);
  assert.equal(insns[3]?.imm, 2);
  assert.equal(insns[6]?.off, -2);
  assert.equal(insns.some((i) => "target" in i), false);
});

test("assemble() rejects unknown and duplicate labels and jumps that do not fit off", () => {
  assert.throws(() => assemble([BPF_JMP_A("nowhere"), BPF_EXIT_INSN()]), /label 'nowhere' is not defined: used by insn 0/);
  assert.throws(() => assemble([BPF_LABEL("a"), BPF_LABEL("a"), BPF_EXIT_INSN()]), /label 'a' is defined twice/);
  const far = [BPF_JMP_A("end"), ...Array.from({ length: 40000 }, () => BPF_MOV64_IMM(BPF_REG_0, 0)), BPF_LABEL("end"), BPF_EXIT_INSN()];
  assert.throws(() => assemble(far), /does not fit in off/);
});

test("a struct_ops-style init program assembles into valid bytecode", () => {
  // init(): look up key 0 in a map, atomically add 1 to the value, return 0.
  const bytes = assemble(counterInitProgram(3));
  assert.equal(bytes.length, 11 * 8);
  assert.equal(decode(bytes).length, 11);
});

test("toInsns() reads back what assemble() wrote", () => {
  const items = [BPF_MOV64_IMM(BPF_REG_1, -7), BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8), BPF_EXIT_INSN()];
  assert.deepEqual(toInsns(assemble(items)), items);
});
