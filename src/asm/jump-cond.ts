/**
 * @fileoverview The condition of a conditional jump (RFC 9669 section 4.3,
 * BPF_JMP and BPF_JMP32 with an op from BPF_JEQ to BPF_JSLE, not BPF_JA,
 * BPF_CALL or BPF_EXIT) on BigInt operands: what the JIT's loop unroller
 * evaluates at compile time, and the model the interpreter's property test
 * checks it against. The engines evaluate jumps on their own representation.
 */
import {
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT,
} from "../uapi/insn.js";

/**
 * Whether the jump `op` (BPF_OP of the opcode) is taken for `dst` and `src`
 * compared at `bits` (64 for BPF_JMP, 32 for BPF_JMP32): both are truncated
 * to that width, and the signed ops read them as two's complement. Undefined
 * for an op that is not a conditional jump.
 */
export function jumpTaken(op: number, bits: 32 | 64, dst: bigint, src: bigint): boolean | undefined {
  const a = BigInt.asUintN(bits, dst);
  const b = BigInt.asUintN(bits, src);
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case BPF_JEQ: return a === b;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JSET: return (a & b) !== 0n;
    case BPF_JNE: return a !== b;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    default: return undefined;
  }
}
