/**
 * @fileoverview Golden tests of the JIT's generated code: for a handful of
 * representative programs the module's text dump (src/wasm/wat.ts) is
 * checked in under test/golden/*.wat and diffed in review. After an
 * intended change to the code generator, accept the new output with
 * `STRUCTOPS_UPDATE_GOLDEN=1 node --import tsx --test test/jit/golden.test.ts`
 * (or pass `--update`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assembleText } from "../../src/asm/text-asm.js";
import { KernelMemory } from "../../src/kernel/mem/memory.js";
import { JitProg, JitRunner } from "../../src/jit/index.js";

const dir = join(import.meta.dirname, "..", "golden");
const update = process.env["STRUCTOPS_UPDATE_GOLDEN"] === "1" || process.argv.includes("--update");

/** name -> program text (the assembler's syntax). */
const PROGRAMS: Record<string, string> = {
  // 32- and 64-bit ALU, division by a register, byte swap, sign extension: one straight block.
  "alu-straight": `mov32 %r0, %r1
add %r0, 7
div %r0, %r2
be32 %r0
movsx864 %r3, %r0
xor %r0, %r3
exit`,
  // A counted loop over the stack: one Wasm loop, r10-relative accesses unchecked.
  "stack-loop": `mov %r1, 64
mov %r0, 0
loop:
stxdw [%r10-8], %r1
ldxdw %r2, [%r10-8]
add %r0, %r2
sub %r1, 1
jne %r1, 0, loop
exit`,
  // if/else diamond with a merge node and a checked map-value access through r1.
  "diamond-checked": `ldxw %r2, [%r1+4]
jgt %r2, 10, big
mov %r0, 1
ja out
big:
mov %r0, 2
stxw [%r1+8], %r2
out:
exit`,
  // A helper call and a bpf-to-bpf call with its own frame.
  "calls": `mov %r1, 5
call 1
mov %r1, %r0
call local sub
add %r0, 1
exit
sub:
stxdw [%r10-16], %r1
ldxdw %r0, [%r10-16]
mul %r0, 3
exit`,
  // An irreducible graph (two entries into a cycle): the br_table fallback.
  "irreducible": `mov %r0, 0
jeq %r1, 0, b
a:
add %r0, 1
jgt %r0, 5, out
b:
add %r0, 2
ja a
out:
exit`,
};

for (const [name, text] of Object.entries(PROGRAMS)) {
  test(`JIT output for ${name} matches test/golden/${name}.wat`, () => {
    const mem = new KernelMemory({ maxBytes: 16 << 20, initialHeapBytes: 1 << 20 });
    const prog = new JitRunner().prepare({ insns: assembleText(text), mem, helpers: new Map([[1, (a) => a + 1n]]), kfuncs: new Map(), name });
    assert.ok(prog instanceof JitProg, "compiled, not refused");
    const wat = prog.wat();
    prog.dispose();
    const file = join(dir, `${name}.wat`);
    if (update || !existsSync(file)) {
      writeFileSync(file, wat);
      if (!update) assert.fail(`${file} did not exist; wrote it: review and commit it`);
      return;
    }
    assert.equal(wat, readFileSync(file, "utf8"), `generated code for ${name} changed: review, then accept with STRUCTOPS_UPDATE_GOLDEN=1`);
  });
}
