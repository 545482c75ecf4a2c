/**
 * @fileoverview Unit tests of the disassembler, and the property that
 * text → bytes → text → bytes round-trips for every valid instruction.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assemble, encodeInsn, type BpfInsn } from "./builders.js";
import { classifyInsn } from "./decode.js";
import { describeInsn, disassemble } from "./disasm.js";
import { KEY_LDDW } from "./opcodes.js";
import { assembleText } from "./text-asm.js";

test("disassemble() with layout bpftool: `<slot>: (<opcode>) <text>` and annotation lines before a slot (bpftool xlated_dumper.c)", () => {
  const bytes = assembleText(`
    mov %r0, 0
    lddw %r1, 0x10
    exit
  `);
  const before = (slot: number): string[] => (slot === 0 ? ["f:", "; return 0;"] : slot === 3 ? ["; }"] : []);
  assert.equal(disassemble(bytes, { layout: "bpftool", before }), [
    "f:",
    "; return 0;",
    "   0: (b7) r0 = 0",
    "   1: (18) r1 = 0x10 ll",
    "; }",
    "   3: (95) exit",
    "",
  ].join("\n"));
});

test("disassemble() prints llvm-objdump lines", () => {
  const bytes = assembleText(`
    mov %r0, 0
    lddw %r1, 0x123456789abcdef0
    ldxw %r2, [%r1+4]
    stxdw [%r10-8], %r2
    jsgt32 %r2, -1, +1
    lock fetch add [%r10-8], %r1
    exit
  `);
  assert.equal(disassemble(bytes), [
    "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0",
    "       1:\t18 01 00 00 f0 de bc 9a 00 00 00 00 78 56 34 12\tr1 = 0x123456789abcdef0 ll",
    "       3:\t61 12 04 00 00 00 00 00\tr2 = *(u32 *)(r1 + 4)",
    "       4:\t7b 2a f8 ff 00 00 00 00\t*(u64 *)(r10 - 8) = r2",
    "       5:\t66 02 01 00 ff ff ff ff\tif w2 s> -1 goto +1",
    "       6:\tdb 1a f8 ff 01 00 00 00\tr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)",
    "       7:\t95 00 00 00 00 00 00 00\texit",
    "",
  ].join("\n"));
});

test("disassemble() spells every kind of instruction in llvm syntax", () => {
  const lines = disassemble(assembleText(`
    w1 += w2
    sdiv %r1, 3
    smod32 %r1, %r2
    movsx832 %r1, %r2
    movsx3264 %r1, %r2
    neg %r3
    arsh32 %r1, 3
    be64 %r1
    bswap16 %r1
    ldxsh %r1, [%r2-2]
    stb [%r1+0], 7
    ja32 +0
    call 1
    call local +0
    call runtime 9
    lock or32 [%r1+0], %r2
    lock xchg [%r1+0], %r2
    lock cmpxchg32 [%r1+0], %r2
    ldabsb 3
    ldindh %r1, 4
    lddw %r1, 7, map_fd
    lddw %r1, 7, map_value
    exit
  `.replace("w1 += w2", "add32 %r1, %r2"))).split("\n").map((l) => l.split("\t")[2]);
  assert.deepEqual(lines.slice(0, 23), [
    "w1 += w2", "r1 s/= 3", "w1 s%= w2", "w1 = (s8)w2", "r1 = (s32)r2", "r3 = -r3", "w1 s>>= 3", "r1 = be64 r1",
    "r1 = bswap16 r1", "r1 = *(s16 *)(r2 - 2)", "*(u8 *)(r1 + 0) = 7", "gotol +0", "call 1", "call pc+0", "call kfunc[9]",
    "lock *(u32 *)(r1 + 0) |= w2", "r2 = xchg_64(r1 + 0, r2)", "w0 = cmpxchg32_32(r1 + 0, w0, w2)", "r0 = *(u8 *)skb[3]",
    "r0 = *(u16 *)skb[r1 + 4]", "r1 = map[fd:7] ll", "r1 = map[fd:7]+0 ll", "exit",
  ]);
});

test("disassemble() shows invalid and truncated slots instead of throwing", () => {
  const bytes = new Uint8Array([0x8e, 0x02, 0, 0, 0, 0, 0, 0, 0x95, 0, 0]);
  const text = disassemble(bytes);
  assert.match(text, /<invalid: unknown opcode 0x8e>/);
  assert.match(text, /<truncated>/);
  assert.match(disassemble(bytes, { mark: 0 }), /^>      0:/);
});

test("describeInsn() names an instruction for fault messages", () => {
  const bytes = assembleText("mov %r0, 1\nexit");
  assert.equal(describeInsn(bytes, 1), "insn 1: exit");
  assert.equal(describeInsn(bytes, 2), "insn 2");
});

/** Arbitrary instruction slots that decode as valid (ld_imm64 comes with its second slot). */
const validInsn: fc.Arbitrary<BpfInsn[]> = fc
  .record({
    code: fc.integer({ min: 0, max: 255 }),
    dst: fc.integer({ min: 0, max: 10 }),
    // Reserved fields must be zero, so zero is drawn often.
    src: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 1 }),
    off: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.constantFrom(1, 8, 16, 32, -1), fc.integer({ min: -32768, max: 32767 })),
    imm: fc.oneof(
      { arbitrary: fc.constant(0), weight: 2 },
      fc.constantFrom(1, 16, 32, 64, 0x40, 0x41, 0x50, 0xa1, 0xe1, 0xf1),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    ),
    imm2: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  })
  .map(({ code, dst, src, off, imm, imm2 }) => {
    const i: BpfInsn = { code, dst_reg: dst, src_reg: src, off, imm };
    return classifyInsn({ code, dst, src, off, imm }) === KEY_LDDW ? [i, { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: imm2 }] : [i];
  })
  .filter((slots) => {
    const i = slots[0] as BpfInsn;
    const k = classifyInsn({ code: i.code, dst: i.dst_reg, src: i.src_reg, off: i.off, imm: i.imm });
    // The asm syntax has no spelling for a kfunc's module BTF index.
    return typeof k === "number" && !(i.code === 0x85 && i.src_reg === 2 && i.off !== 0);
  });

test("assemble → disassemble → assemble round-trips every valid instruction (property)", () => {
  fc.assert(
    fc.property(fc.array(validInsn, { minLength: 1, maxLength: 20 }), (groups) => {
      const bytes = assemble(groups.flat());
      const text = disassemble(bytes, { syntax: "asm" });
      const again = assembleText(text);
      assert.deepEqual(again, bytes, text);
      assert.equal(disassemble(again, { syntax: "asm" }), text);
    }),
    { numRuns: 300 },
  );
});

test("encodeInsn() writes little-endian fields", () => {
  const out = new Uint8Array(8);
  encodeInsn({ code: 0x61, dst_reg: 3, src_reg: 10, off: -2, imm: -0x1234568 }, out, 0);
  assert.deepEqual(Array.from(out), [0x61, 0xa3, 0xfe, 0xff, 0x98, 0xba, 0xdc, 0xfe]);
});
