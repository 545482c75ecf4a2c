/**
 * @fileoverview Unit tests of the bpf_conformance text assembler and of the
 * `.data` vector reader.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { toInsns } from "./builders.js";
import { parseDataFile, parseHexBytes } from "./data-file.js";
import { AsmError, assembleText, parseAsm } from "./text-asm.js";

const one = (line: string) => {
  const insns = parseAsm(line);
  assert.equal(insns.length, 1, line);
  const i = insns[0];
  assert.ok(i !== undefined);
  return [i.code, i.dst_reg, i.src_reg, i.off, i.imm];
};

test("parseAsm() encodes ALU mnemonics: no suffix and 64 are ALU64, 32 is ALU", () => {
  assert.deepEqual(one("add %r1, 5"), [0x07, 1, 0, 0, 5]);
  assert.deepEqual(one("add64 %r1, %r2"), [0x0f, 1, 2, 0, 0]);
  assert.deepEqual(one("add32 %r1, -1"), [0x04, 1, 0, 0, -1]);
  assert.deepEqual(one("mov32 %r0, 0xffffffff"), [0xb4, 0, 0, 0, -1]);
  assert.deepEqual(one("neg32 %r3"), [0x84, 3, 0, 0, 0]);
  assert.deepEqual(one("sdiv %r1, %r2"), [0x3f, 1, 2, 1, 0]);
  assert.deepEqual(one("smod32 %r1, 3"), [0x94, 1, 0, 1, 3]);
  assert.deepEqual(one("movsx1664 %r1, %r2"), [0xbf, 1, 2, 16, 0]);
  assert.deepEqual(one("movsx832 %r1, %r2"), [0xbc, 1, 2, 8, 0]);
  assert.deepEqual(one("be16 %r0"), [0xdc, 0, 0, 0, 16]);
  assert.deepEqual(one("le64 %r0"), [0xd4, 0, 0, 0, 64]);
  assert.deepEqual(one("bswap32 %r0"), [0xd7, 0, 0, 0, 32]);
  assert.deepEqual(one("swap16 %r0"), [0xd7, 0, 0, 0, 16]);
});

test("parseAsm() encodes memory, jumps, calls and atomics", () => {
  assert.deepEqual(one("ldxw %r0, [%r1+4]"), [0x61, 0, 1, 4, 0]);
  assert.deepEqual(one("ldxsb %r0, [%r1-0x10]"), [0x91, 0, 1, -16, 0]);
  assert.deepEqual(one("ldxdw %r0, [%r1]"), [0x79, 0, 1, 0, 0]);
  assert.deepEqual(one("stdw [%r10-8], 0x7fffffff"), [0x7a, 10, 0, -8, 0x7fffffff]);
  assert.deepEqual(one("stxb [ %r10 - 1 ], %r3"), [0x73, 10, 3, -1, 0]);
  assert.deepEqual(one("jeq %r1, 0x1, +2"), [0x15, 1, 0, 2, 1]);
  assert.deepEqual(one("jsle32 %r1, %r2, -3"), [0xde, 1, 2, -3, 0]);
  assert.deepEqual(one("ja +7"), [0x05, 0, 0, 7, 0]);
  assert.deepEqual(one("ja32 -70000"), [0x06, 0, 0, 0, -70000]);
  assert.deepEqual(one("call 12"), [0x85, 0, 0, 0, 12]);
  assert.deepEqual(one("call helper 12"), [0x85, 0, 0, 0, 12]);
  assert.deepEqual(one("call local +3"), [0x85, 0, 1, 0, 3]);
  assert.deepEqual(one("call runtime 77"), [0x85, 0, 2, 0, 77]);
  assert.deepEqual(one("call %r2"), [0x8d, 2, 0, 0, 0]);
  assert.deepEqual(one("lock add [%r10-8], %r1"), [0xdb, 10, 1, -8, 0x00]);
  assert.deepEqual(one("lock fetch xor32 [%r1+4], %r2"), [0xc3, 1, 2, 4, 0xa1]);
  assert.deepEqual(one("lock xchg32 [%r1], %r2"), [0xc3, 1, 2, 0, 0xe1]);
  assert.deepEqual(one("lock cmpxchg [%r1+0], %r2"), [0xdb, 1, 2, 0, 0xf1]);
  assert.deepEqual(one("ldabsh 12"), [0x28, 0, 0, 0, 12]);
  assert.deepEqual(one("ldindw %r3, -4"), [0x40, 0, 3, 0, -4]);
  assert.deepEqual(one("exit"), [0x95, 0, 0, 0, 0]);
});

test("parseAsm() splits lddw into two slots and accepts pseudo sources", () => {
  assert.deepEqual(parseAsm("lddw %r1, 0x123456789abcdef0").map((i) => i.imm), [0x9abcdef0 | 0, 0x12345678]);
  assert.deepEqual(parseAsm("lddw %r1, -1").map((i) => i.imm), [-1, -1]);
  assert.deepEqual(parseAsm("lddw %r1, 18446744073709551615").map((i) => i.imm), [-1, -1]);
  const [lo] = parseAsm("lddw %r2, 5, map_value");
  assert.equal(lo?.src_reg, 2);
});

test("parseAsm() resolves labels, comments and the implicit exit label", () => {
  const insns = parseAsm(`
    mov %r0, 0       # comment
    jeq %r1, 0, exit
    top: add %r0, 1
    jlt %r0, 3, top
    exit
    mov %r0, 9
    exit
  `);
  assert.equal(insns[1]?.off, 2);
  assert.equal(insns[3]?.off, -2);
});

test("parseAsm() rejects what bpf_conformance's assembler rejects, with the line", () => {
  const bad: [string, RegExp][] = [
    ["mov %r0, 0x100000000", /immediate out of 32-bit range/],
    ["mov %r0, 2147483648", /immediate out of 32-bit range/],
    ["ldxw %r0, [%r1+32768]", /offset out of 16-bit range/],
    ["frob %r0", /invalid mnemonic: frob/],
    ["mov %r0", /invalid number of operands for mov/],
    ["mov %x0, 1", /invalid register/],
    ["jeq %r0, 1, nowhere", /label 'nowhere' is not defined/],
    ["lock sub [%r1], %r2", /invalid atomic operation: sub/],
    ["lock", /invalid lock operands/],
    ["a:\na:\nexit", /duplicate label: a/],
    ["call other 1", /invalid call mode/],
  ];
  for (const [src, re] of bad) assert.throws(() => parseAsm(src), (e: unknown) => e instanceof AsmError && re.test(e.message), src);
  assert.throws(() => parseAsm("exit\nmov %r0, 0x1ffffffff"), /^AsmError: line 2: /);
});

test("assembleText() returns the bytes of the instructions", () => {
  const b = assembleText("mov %r0, 1\nexit");
  assert.equal(b.length, 16);
  assert.deepEqual(toInsns(b).map((i) => i.code), [0xb7, 0x95]);
});

test("parseHexBytes() accepts spaced bytes, 0x prefixes and runs of digits", () => {
  assert.deepEqual(Array.from(parseHexBytes(" 00  0a\nff 0x10 a0b1 ")), [0, 10, 255, 16, 0xa0, 0xb1]);
  assert.throws(() => parseHexBytes("zz"), /not hexadecimal/);
  assert.throws(() => parseHexBytes("abc"), /odd number of digits/);
});

test("parseDataFile() reads asm, mem, result, error and raw sections", () => {
  const v = parseDataFile("# c\n-- asm\nmov %r0, 1 # one\nexit\n-- mem\n01 02\n03\n-- result\n0x1\n");
  assert.equal(v.program.length, 16);
  assert.deepEqual(Array.from(v.mem), [1, 2, 3]);
  assert.equal(v.result, 1n);
  assert.equal(v.error, undefined);
  const r = parseDataFile("-- raw\n0x00000001000000b7\n0x0000000000000095\n-- error\nboom\n");
  assert.deepEqual(toInsns(r.program).map((i) => [i.code, i.imm]), [[0xb7, 1], [0x95, 0]]);
  assert.equal(r.error, "boom");
  assert.equal(parseDataFile("-- asm\nexit\n-- result\n-1\n").result, (1n << 64n) - 1n);
  assert.throws(() => parseDataFile("-- asm\nexit\n"), /neither a result nor an error/);
  assert.throws(() => parseDataFile("-- bogus\n"), /unknown directive/);
  assert.equal(parseDataFile("-- asm\nexit\n-- c\nint x;\n-- no register offset\nfoo\n-- result\n7").result, 7n);
});
