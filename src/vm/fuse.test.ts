/**
 * @fileoverview The interpreter's mov + ALU superinstructions (vm/fuse.ts)
 * against an independent BigInt model of the two instructions (RFC 9669
 * §4.1: 64-bit ALU, shifts masked to 6 bits), with register aliasing of
 * every kind, a jump into the pair's second slot, and a budget that runs out
 * between the two.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decode } from "../asm/decode.js";
import {
  BPF_ALU64_IMM, BPF_ALU64_REG, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LABEL, BPF_LD_IMM64, BPF_MOV64_REG, BPF_STX_MEM, assemble,
} from "../asm/builders.js";
import type { AsmItem } from "../asm/builders.js";
import { KernelMemory, PERM_RW } from "../kernel/mem/memory.js";
import { BpfFault } from "../kernel/prog/runner.js";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_REG_0, BPF_REG_1, BPF_REG_9 } from "../uapi/insn.js";
import { FUSABLE, FUSED_BASE, isFusedKey } from "./fuse.js";
import { InterpRunner } from "./interp-runner.js";
import { RAM_CODE, packProgram } from "./layout.js";

const M64 = (1n << 64n) - 1n;
const sext32 = (v: number): bigint => BigInt.asUintN(64, BigInt(v | 0));

/** `a op b` on u64s, as RFC 9669 defines the 64-bit ALU (op is the BPF_OP bits). */
function alu64(op: number, a: bigint, b: bigint): bigint {
  const sh = b & 63n;
  switch (op) {
    case 0x00: return (a + b) & M64;
    case 0x10: return (a - b) & M64;
    case 0x40: return a | b;
    case 0x50: return a & b;
    case 0x60: return (a << sh) & M64;
    case 0x70: return a >> sh;
    case 0xa0: return a ^ b;
    case 0xc0: return BigInt.asUintN(64, BigInt.asIntN(64, a) >> sh);
    default: throw new Error(`no op 0x${op.toString(16)}`);
  }
}

const newMem = (): KernelMemory => new KernelMemory({ maxBytes: 16 << 20, initialHeapBytes: 1 << 20 });

function run(items: readonly AsmItem[], r1: bigint, mem = newMem(), insnBudget?: number): { r0: bigint; prog: ReturnType<InterpRunner["prepare"]> } {
  const prog = new InterpRunner().prepare({ insns: assemble(items), mem, helpers: new Map(), kfuncs: new Map(), name: "fuse" }, insnBudget === undefined ? {} : { insnBudget });
  return { r0: prog.run(r1), prog };
}

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.constantFrom(0n, 1n, 31n, 32n, 33n, 63n, 64n, 0xffffffffn, 1n << 32n, 1n << 63n, M64),
);
const imm = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, 31, 32, 33, 63, -1, -(2 ** 31)));

test("a fused mov + ALU pair computes what the two instructions compute, for every operation and aliasing", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: FUSABLE.length - 1 }),
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }),
      fc.array(u64, { minLength: 6, maxLength: 6 }), imm,
      (k, d, s, x, values, k32) => {
        const key = FUSABLE[k] as number;
        const op = key & 0xf0;
        const isX = (key & 0x08) !== 0;
        const items: AsmItem[] = [BPF_MOV64_REG(BPF_REG_9, BPF_REG_1)];
        values.forEach((v, r) => items.push(...BPF_LD_IMM64(r, v)));
        const pair = items.reduce((n, it) => n + ("code" in it ? 1 : 0), 0);
        items.push(BPF_MOV64_REG(d, s), isX ? BPF_ALU64_REG(op, d, x) : BPF_ALU64_IMM(op, d, k32));
        for (let r = 0; r <= 5; r++) items.push(BPF_STX_MEM(BPF_DW, BPF_REG_9, r, r * 8));
        items.push(BPF_EXIT_INSN());

        // The pair is fused (so this test exercises the superinstruction, not the plain loop).
        const ram = packProgram(decode(assemble(items)));
        assert.equal((ram[RAM_CODE + pair * 4] as number) & 0xffff, FUSED_BASE + k);

        const expect = [...values];
        expect[d] = expect[s] as bigint;
        expect[d] = alu64(op, expect[d] as bigint, isX ? (expect[x] as bigint) : sext32(k32));
        const mem = newMem();
        const buf = mem.alloc(48, PERM_RW);
        run(items, BigInt(buf), mem);
        const got = Array.from({ length: 6 }, (_, r) => mem.dv.getBigUint64(buf + r * 8, true));
        assert.deepEqual(got, expect);
      },
    ),
    { numRuns: 3000 },
  );
});

test("a jump to the second slot of a fused pair runs that instruction alone", () => {
  const items: AsmItem[] = [
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 7),
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, "op"),
    BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
    BPF_LABEL("op"),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
    BPF_EXIT_INSN(),
  ];
  assert.ok(isFusedKey((packProgram(decode(assemble(items)))[RAM_CODE + 2 * 4] as number) & 0xffff));
  assert.equal(run(items, 0n).r0, 8n);
  assert.equal(run(items, 5n).r0, 6n);
});

test("a budget that runs out between the mov and the operation stops there, and the pair is fused again after the run", () => {
  const items: AsmItem[] = [BPF_MOV64_REG(BPF_REG_0, BPF_REG_1), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 5), BPF_EXIT_INSN()];
  const mem = newMem();
  const prog = new InterpRunner().prepare({ insns: assemble(items), mem, helpers: new Map(), kfuncs: new Map(), name: "fuse" }, { insnBudget: 1 });
  for (let i = 0; i < 2; i++) {
    let f: unknown;
    try {
      prog.run(1n);
    } catch (e) {
      f = e;
    }
    assert.ok(f instanceof BpfFault && f.kind === "budget", `run ${i}: expected a budget fault`);
    assert.equal(f.pc, 1);
    assert.equal(prog.lastInsnCount, 1);
  }
  const ram = (prog as unknown as { ram: Int32Array }).ram;
  assert.ok(isFusedKey((ram[RAM_CODE] as number) & 0xffff), "the fused key is back after the run");
  assert.equal(run(items, 1n, mem, 3).r0, 6n);
});
