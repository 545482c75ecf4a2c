/**
 * @fileoverview Property tests of the interpreter: ALU and jump results agree
 * with a BigInt model of RFC 9669 section 4, and random valid programs end
 * either with a result or with a BpfFault, never with another exception.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_K, BPF_X } from "../uapi/insn.js";
import { BPF_EXIT_INSN, BPF_LD_IMM64, BPF_MOV64_IMM, BPF_RAW_INSN, assemble, type BpfInsn } from "../asm/builders.js";
import { classifyInsn } from "../asm/decode.js";
import { KEY_LDDW } from "../asm/opcodes.js";
import { jumpTaken } from "../asm/jump-cond.js";
import { KernelMemory } from "../kernel/mem/memory.js";
import { BpfFault } from "../kernel/prog/runner.js";
import { InterpRunner } from "./interp-runner.js";

const M64 = (1n << 64n) - 1n;
const mem = new KernelMemory({ maxBytes: 16 << 20, initialHeapBytes: 1 << 20 });
const runner = new InterpRunner();

const signed = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);
const unsigned = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);
const tdiv = (a: bigint, b: bigint): bigint => a / b; // BigInt division truncates, as C does

/** RFC 9669 section 4.1 on u64 operands, for ALU (32) and ALU64. */
function aluModel(op: number, off: number, bits: number, dst: bigint, src: bigint): bigint {
  const a = unsigned(dst, bits);
  const b = unsigned(src, bits);
  const sa = signed(a, bits);
  const sb = signed(b, bits);
  const sh = b & BigInt(bits - 1);
  let r: bigint;
  switch (op) {
    case 0x00: r = a + b; break;
    case 0x10: r = a - b; break;
    case 0x20: r = a * b; break;
    case 0x30: r = b === 0n ? 0n : off === 1 ? tdiv(sa, sb) : a / b; break;
    case 0x40: r = a | b; break;
    case 0x50: r = a & b; break;
    case 0x60: r = a << sh; break;
    case 0x70: r = a >> sh; break;
    case 0x80: r = -a; break;
    case 0x90: r = b === 0n ? a : off === 1 ? sa % sb : a % b; break;
    case 0xa0: r = a ^ b; break;
    case 0xb0: r = off === 0 ? b : signed(src, off); break;
    case 0xc0: r = sa >> sh; break;
    default: throw new Error(`op ${op}`);
  }
  return unsigned(r, bits);
}

function jmpModel(op: number, bits: 32 | 64, dst: bigint, src: bigint): boolean {
  const t = jumpTaken(op, bits, dst, src);
  if (t === undefined) throw new Error(`op ${op}`);
  return t;
}

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.constantFrom(0n, 1n, 2n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 0x80000000n, 0x7fffffffn, 0xffffffff80000000n, 63n, 64n, 31n, 32n),
);
const imm32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -(2 ** 31), 2 ** 31 - 1));

function run(insns: (BpfInsn | readonly BpfInsn[])[], budget = 1000): bigint {
  const p = runner.prepare({ insns: assemble(insns), mem, helpers: new Map(), kfuncs: new Map(), name: "prop" }, { insnBudget: budget });
  try {
    return p.run(0n);
  } finally {
    p.dispose();
  }
}

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0];

test("ALU and ALU64 results agree with a BigInt model of RFC 9669 (property)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ALU_OPS),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(0, 1, 8, 16, 32),
      u64,
      u64,
      imm32,
      (op, is64, isX, offPick, dst, src, imm) => {
        const bits = is64 ? 64 : 32;
        let off = 0;
        if ((op === 0x30 || op === 0x90) && offPick === 1) off = 1;
        if (op === 0xb0 && isX && (offPick === 8 || offPick === 16 || (offPick === 32 && is64))) off = offPick;
        const useX = isX && op !== 0x80;
        const cls = is64 ? BPF_ALU64 : BPF_ALU;
        const code = cls | op | (useX ? BPF_X : BPF_K);
        const insn = BPF_RAW_INSN(code, 0, useX ? 1 : 0, off, useX ? 0 : op === 0x80 ? 0 : imm);
        const srcVal = useX ? src : unsigned(BigInt(imm), 64);
        const expected = aluModel(op, off, bits, dst, srcVal);
        const got = run([BPF_LD_IMM64(0, dst), BPF_LD_IMM64(1, src), insn, BPF_EXIT_INSN()]);
        assert.equal(got, expected, `code 0x${code.toString(16)} off ${off} dst 0x${dst.toString(16)} src 0x${srcVal.toString(16)}`);
      },
    ),
    { numRuns: 3000 },
  );
});

test("JMP and JMP32 decisions agree with a BigInt model of RFC 9669 (property)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
      fc.boolean(),
      fc.boolean(),
      u64,
      u64,
      imm32,
      (op, is32, isX, dst, src, imm) => {
        const code = (is32 ? BPF_JMP32 : BPF_JMP) | op | (isX ? BPF_X : BPF_K);
        const srcVal = isX ? src : unsigned(BigInt(imm), 64);
        const taken = jmpModel(op, is32 ? 32 : 64, dst, srcVal);
        const got = run([
          BPF_LD_IMM64(2, dst),
          BPF_LD_IMM64(3, src),
          BPF_MOV64_IMM(0, 0),
          BPF_RAW_INSN(code, 2, isX ? 3 : 0, 1, isX ? 0 : imm),
          BPF_EXIT_INSN(),
          BPF_MOV64_IMM(0, 1),
          BPF_EXIT_INSN(),
        ]);
        assert.equal(got, taken ? 1n : 0n);
      },
    ),
    { numRuns: 2000 },
  );
});

const anyValidInsn: fc.Arbitrary<BpfInsn[]> = fc
  .record({
    code: fc.integer({ min: 0, max: 255 }),
    dst: fc.integer({ min: 0, max: 10 }),
    src: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 1 }),
    off: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.constantFrom(1, 8, 16, 32, -8, -1), fc.integer({ min: -4, max: 4 })),
    imm: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.constantFrom(16, 32, 64, 0x01, 0x40, 0xa1, 0xe1, 0xf1), imm32),
  })
  .map(({ code, dst, src, off, imm }) => {
    const i = BPF_RAW_INSN(code, dst, src, off, imm);
    return classifyInsn({ code, dst, src, off, imm }) === KEY_LDDW ? [i, BPF_RAW_INSN(0, 0, 0, 0, 0)] : [i];
  })
  .filter((s) => {
    const i = s[0] as BpfInsn;
    return typeof classifyInsn({ code: i.code, dst: i.dst_reg, src: i.src_reg, off: i.off, imm: i.imm }) === "number";
  });

test("random valid programs end with a result or a BpfFault, nothing else (property)", () => {
  fc.assert(
    fc.property(fc.array(anyValidInsn, { minLength: 1, maxLength: 30 }), (groups) => {
      const insns = [...groups.flat(), BPF_EXIT_INSN()];
      const bytes = assemble(insns);
      let p;
      try {
        p = runner.prepare({ insns: bytes, mem, helpers: new Map(), kfuncs: new Map(), name: "fuzz" }, { insnBudget: 500 });
      } catch (e) {
        // Jumps out of range and the like are refused at prepare, as a BpfFault.
        assert.ok(e instanceof BpfFault, String(e));
        return;
      }
      try {
        const r = p.run(123n, 456n);
        assert.equal(typeof r, "bigint");
        assert.ok(r >= 0n && r <= M64);
      } catch (e) {
        assert.ok(e instanceof BpfFault, String(e));
      } finally {
        p.dispose();
      }
    }),
    { numRuns: 1500 },
  );
});
