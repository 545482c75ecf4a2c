/**
 * @fileoverview Tests of the interpreter's ram layout, which vm/interp.ts
 * spells as literals (16 and 32) for speed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decode } from "../asm/decode.js";
import { KEY_FALLOFF, KEY_LDDW_CONT } from "../asm/opcodes.js";
import { assembleText } from "../asm/text-asm.js";
import { PERM_RW } from "../kernel/mem/memory.js";
import { MAX_BPF_STACK } from "../kernel/prog/runner.js";
import { RAM_CODE, RAM_HI, packProgram } from "./layout.js";
import { STACK_STRIDE } from "./stack.js";

test("RAM_HI and RAM_CODE match the literals of the interpreter loop", () => {
  assert.equal(RAM_HI, 16);
  assert.equal(RAM_CODE, 32);
  const src = readFileSync(join(import.meta.dirname, "interp.ts"), "utf8");
  assert.match(src, /const p = 32 \+ \(pc << 2\); \/\/ RAM_CODE = 32/);
  assert.match(src, /R\[d \+ 16\]/);
});

test("the frame stride, stack size and PERM_RW literals of the interpreter's call and exit match vm/stack.ts", () => {
  assert.equal(STACK_STRIDE, 576);
  assert.equal(MAX_BPF_STACK, 512);
  assert.equal(PERM_RW, 3);
  const src = readFileSync(join(import.meta.dirname, "interp.ts"), "utf8");
  assert.match(src, /const top = stack\.top - depth \* 576; \/\/ STACK_STRIDE/);
  assert.match(src, /\(top - 512\) >>> 3, e = g \+ 64; g < e; g \+= 8\) dv\.setFloat64\(g, SHADOW_RW8\); \/\/ MAX_BPF_STACK/);
  assert.match(src, /new BigUint64Array\(\[0x0303030303030303n\]\)/);
});

test("packProgram() lays out key and registers, jump targets, imm and the ld_imm64 high half", () => {
  const ram = packProgram(decode(assembleText("lddw %r3, 0x1122334455667788\njeq %r3, %r4, -3\nexit")));
  assert.equal(ram.length, RAM_CODE + 5 * 4);
  assert.deepEqual(Array.from(ram.subarray(0, RAM_CODE)), new Array(RAM_CODE).fill(0));
  assert.deepEqual(Array.from(ram.subarray(RAM_CODE, RAM_CODE + 4)), [0x18 | (3 << 16), 0, 0x55667788, 0x11223344]);
  assert.equal(ram[RAM_CODE + 4] as number & 0xffff, KEY_LDDW_CONT);
  assert.deepEqual(Array.from(ram.subarray(RAM_CODE + 8, RAM_CODE + 12)), [0x1d | (3 << 16) | (4 << 20), 0, 0, 0]);
  assert.equal(ram[RAM_CODE + 16], KEY_FALLOFF);
});
