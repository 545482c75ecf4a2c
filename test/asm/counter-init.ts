/**
 * @fileoverview A struct_ops-style init program shared by tests: look up key 0
 * in the map whose fd is `mapFd`, atomically add 1 to the value if found,
 * return 0. Eleven instructions (ld_imm64 takes two slots).
 */
import type { AsmItem } from "../../src/asm/builders.js";
import {
  BPF_ATOMIC_OP, BPF_ALU64_IMM, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LABEL, BPF_LD_MAP_FD, BPF_MOV64_IMM, BPF_MOV64_REG,
  BPF_ST_MEM,
} from "../../src/asm/builders.js";
import { BPF_FUNC_map_lookup_elem } from "../../src/uapi/bpf-helpers.js";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_2, BPF_W } from "../../src/uapi/insn.js";

/** The program, with a label "out" before its `r0 = 0; exit`. */
export function counterInitProgram(mapFd: number): AsmItem[] {
  return [
    BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
    BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
    BPF_LD_MAP_FD(BPF_REG_1, mapFd),
    BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, "out"),
    BPF_MOV64_IMM(BPF_REG_1, 1),
    BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
    BPF_LABEL("out"),
    BPF_MOV64_IMM(BPF_REG_0, 0),
    BPF_EXIT_INSN(),
  ];
}
