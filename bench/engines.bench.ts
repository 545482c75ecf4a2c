/**
 * @fileoverview Engine speed on loop-heavy bytecode (issue #2): ns per
 * executed instruction for every engine the composition root offers
 * (src/backend/engines.ts), on programs written in the assembler's text
 * syntax so the instruction mix is known exactly. issue #3's bench/jit.bench.ts
 * compares engines with native C on clang-built programs; this one tracks the
 * interpreter's own per-instruction cost.
 */
import { assembleText } from "../src/asm/text-asm.js";
import { createRunner, ENGINE_NAMES, KernelMemory } from "../src/backend/engines.js";
import type { ProgImage } from "../src/backend/engines.js";
import { measure, report, QUICK, type BenchRow } from "./harness.js";

const N = QUICK ? 1_000 : 100_000;

/** Programs: [name, text]. Each loops N times; r0 is checked against a BigInt reference elsewhere (tests). */
const PROGRAMS: readonly (readonly [string, string])[] = [
  [
    "alu64 loop (add/xor/shift/mul)",
    `mov %r1, ${N}
mov %r0, 0
loop:
add %r0, %r1
mov %r2, %r0
lsh %r2, 13
xor %r0, %r2
mul %r0, 0x9e3779b1
rsh %r0, 3
sub %r1, 1
jne %r1, 0, loop
exit`,
  ],
  [
    "alu32 + jmp32 loop",
    `mov32 %r1, ${N}
mov32 %r0, 7
loop:
add32 %r0, %r1
mov32 %r2, %r0
lsh32 %r2, 5
xor32 %r0, %r2
arsh32 %r0, 1
sub32 %r1, 1
jgt32 %r1, 0, loop
exit`,
  ],
  [
    "stack load/store loop",
    `mov %r1, ${N}
mov %r0, 0
stxdw [%r10-8], %r0
loop:
ldxdw %r2, [%r10-8]
add %r2, %r1
stxdw [%r10-8], %r2
ldxw %r3, [%r10-8]
add %r0, %r3
sub %r1, 1
jne %r1, 0, loop
exit`,
  ],
  [
    "branchy loop (signed compares)",
    `mov %r1, ${N}
mov %r0, 0
loop:
mov %r2, %r1
and %r2, 7
jslt %r2, 3, small
add %r0, 2
ja next
small:
sub %r0, 1
next:
sub %r1, 1
jsgt %r1, 0, loop
exit`,
  ],
];

const rows: BenchRow[] = [];
const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 1 << 20 });
for (const engine of ENGINE_NAMES) {
  const runner = createRunner(engine);
  for (const [name, text] of PROGRAMS) {
    const image: ProgImage = { insns: assembleText(text), mem, helpers: new Map(), kfuncs: new Map(), name };
    const prog = runner.prepare(image, { insnBudget: 100 * N });
    prog.run(0n);
    const insns = prog.lastInsnCount;
    const t = measure(() => void prog.run(0n), QUICK ? 1 : 20);
    rows.push({ case: `${engine}: ${name}`, value: t.nsPerOp / insns, unit: "ns/insn", note: `${insns.toLocaleString("en-US")} insns/run, ${(t.nsPerOp / 1e6).toFixed(2)} ms/run` });
    prog.dispose();
  }
}
report("engines", "Engines on loop-heavy bytecode", rows);
