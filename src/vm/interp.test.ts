/**
 * @fileoverview Unit tests of the reference interpreter through the
 * ProgRunner seam: arguments and result, budget, memory permissions, the
 * stack, bpf-to-bpf calls, helpers and kfuncs, nesting and dispose.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BPF_ADD, BPF_B, BPF_DW, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_2, BPF_REG_3, BPF_REG_6,
} from "../uapi/insn.js";
import { BPF_FUNC_map_lookup_elem } from "../uapi/bpf-helpers.js";
import {
  BPF_ALU64_IMM, BPF_CALL_KFUNC, BPF_CALL_REL, BPF_EXIT_INSN, BPF_JMP_A,
  BPF_LABEL, BPF_LDX_MEM, BPF_MOV64_IMM, BPF_MOV64_REG, BPF_STX_MEM, assemble,
} from "../asm/builders.js";
import type { AsmItem } from "../asm/builders.js";
import { assembleText } from "../asm/text-asm.js";
import { KernelMemory, PERM_READ, PERM_RW } from "../kernel/mem/memory.js";
import { BpfFault, MAX_BPF_STACK } from "../kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, RunnerOptions } from "../kernel/prog/runner.js";
import { InterpRunner } from "./interp-runner.js";
import type { InterpLoop } from "./interp-runner.js";
import { counterInitProgram } from "../../test/asm/counter-init.js";

const newMem = (): KernelMemory => new KernelMemory({ maxBytes: 16 << 20, initialHeapBytes: 1 << 20 });

interface Setup {
  mem?: KernelMemory;
  helpers?: Map<number, BpfCallFn>;
  kfuncs?: Map<number, BpfCallFn>;
  opts?: RunnerOptions;
  loop?: InterpLoop;
}

function prep(prog: string | readonly AsmItem[], s: Setup = {}): { p: PreparedProg; mem: KernelMemory } {
  const mem = s.mem ?? newMem();
  const insns = typeof prog === "string" ? assembleText(prog) : assemble(prog);
  const p = new InterpRunner({ loop: s.loop ?? "wasm" }).prepare(
    { insns, mem, helpers: s.helpers ?? new Map(), kfuncs: s.kfuncs ?? new Map(), name: "t" },
    s.opts,
  );
  return { p, mem };
}

function fault(fn: () => unknown): BpfFault {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BpfFault, `expected a BpfFault, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a BpfFault");
}

test("run() passes r1 and r2, zeroes r3-r5 and returns r0 as a u64", () => {
  const { p } = prep("mov %r0, %r1\nadd %r0, %r2\nadd %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\nexit");
  assert.equal(p.run(5n, 7n), 12n);
  assert.equal(p.run(-1n), (1n << 64n) - 1n);
  assert.equal(p.run(1n << 64n), 0n);
});

test("run() reads r1 right when it repeats and when it changes (the runner keeps the last r1's halves)", () => {
  const { p } = prep("mov %r0, %r1\nexit");
  const seq = [5n, 5n, 1n << 40n, 1n << 40n, 5n, 0n, 0n, -1n, (1n << 64n) - 1n, 5n, 1n << 64n];
  assert.deepEqual(seq.map((v) => p.run(v)), seq.map((v) => BigInt.asUintN(64, v)));
});

test("lastInsnCount counts executed instructions; ld_imm64 counts once", () => {
  const { p } = prep("mov %r0, 0\nlddw %r1, 3\nloop:\nadd %r0, 1\njlt %r0, %r1, loop\nexit");
  assert.equal(p.run(0n), 3n);
  assert.equal(p.lastInsnCount, 2 + 3 * 2 + 1);
});

test("run() faults with kind budget when the instruction budget runs out", () => {
  const { p } = prep("loop:\nja loop", { opts: { insnBudget: 1000 } });
  const f = fault(() => p.run(0n));
  assert.equal(f.kind, "budget");
  assert.equal(f.pc, 0);
  assert.equal(p.lastInsnCount, 1000);
  assert.match(f.message, /^prog "t": instruction budget of 1000 exhausted \(insn 0: goto -1\)$/);
});

test("prepare() rejects an invalid budget and invalid bytecode", () => {
  assert.throws(() => prep("exit", { opts: { insnBudget: 0 } }), RangeError);
  const f = fault(() => prep([BPF_MOV64_IMM(BPF_REG_0, 0), { code: 0x8e, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }]));
  assert.equal(f.kind, "insn");
  assert.equal(f.pc, 1);
  assert.match(f.message, /unknown opcode 0x8e/);
});

test("loads and stores honour the permission shadow", () => {
  const mem = newMem();
  const ro = mem.alloc(8, PERM_READ);
  mem.u8[ro] = 0x5a;
  const { p } = prep("ldxb %r0, [%r1+0]\nexit", { mem });
  assert.equal(p.run(BigInt(ro)), 0x5an);
  const { p: w } = prep("stb [%r1+0], 1\nexit", { mem });
  const f = fault(() => w.run(BigInt(ro)));
  assert.equal(f.kind, "mem");
  assert.match(f.message, new RegExp(`invalid write of 1 bytes at 0x${ro.toString(16).padStart(16, "0")}`));
  const { p: a } = prep("mov %r2, 1\nlock add [%r1+0], %r2\nexit", { mem });
  assert.match(fault(() => a.run(BigInt(ro))).message, /invalid atomic access of 8 bytes/);
});

test("an access that straddles into an unmapped granule faults", () => {
  const mem = newMem();
  const buf = mem.alloc(8, PERM_RW);
  const { p } = prep("ldxw %r0, [%r1+6]\nexit", { mem });
  const f = fault(() => p.run(BigInt(buf)));
  assert.equal(f.pc, 0);
  assert.match(f.message, /invalid read of 4 bytes/);
  assert.match(fault(() => p.run(BigInt(mem.maxBytes - 4))).message, /invalid read/);
  assert.match(fault(() => p.run(-8n)).message, /at 0xfffffffffffffffe/);
});

test("the stack is 512 bytes below r10 with guards around it", () => {
  assert.equal(prep("stb [%r10-512], 1\nldxb %r0, [%r10-512]\nexit").p.run(0n), 1n);
  assert.match(fault(() => prep("stb [%r10-513], 1\nexit").p.run(0n)).message, /invalid write of 1 bytes/);
  assert.match(fault(() => prep("ldxb %r0, [%r10+0]\nexit").p.run(0n)).message, /invalid read of 1 bytes/);
  assert.equal(MAX_BPF_STACK, 512);
});

test("each run starts with a zeroed stack", () => {
  const { p } = prep("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 77\nexit");
  assert.equal(p.run(0n), 0n);
  assert.equal(p.run(0n), 0n);
});

test("bpf-to-bpf calls preserve r6-r9, give the callee its own frame, and close it on return", () => {
  const { p } = prep(`
    mov %r6, 6
    stdw [%r10-8], 1
    call local f
    ldxdw %r2, [%r10-8]
    jne %r2, 1, bad
    jne %r6, 6, bad
    ldxdw %r0, [%r0+0]
    exit
    bad:
    mov %r0, 99
    exit
    f:
    mov %r6, 0
    stdw [%r10-8], 2
    mov %r0, %r10
    sub %r0, 8
    exit
  `);
  const f = fault(() => p.run(0n));
  assert.equal(f.kind, "mem");
  assert.equal(f.pc, 6);
});

test("a ninth call frame faults with kind stack", () => {
  const { p } = prep("f:\ncall local f\nexit");
  const f = fault(() => p.run(0n));
  assert.equal(f.kind, "stack");
  assert.equal(p.lastInsnCount, 8);
  // The next run starts cleanly.
  const { p: ok } = prep("call local g\nexit\ng:\nmov %r0, 3\nexit");
  assert.equal(ok.run(0n), 3n);
});

test("helpers get r1-r5 as u64 bigints, set r0, and leave r1-r5 unchanged", () => {
  const seen: bigint[][] = [];
  const helpers = new Map<number, BpfCallFn>([[7, (...a) => (seen.push(a), -1n)]]);
  const { p } = prep("mov %r1, -1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 7\nadd %r0, %r1\nexit", { helpers });
  assert.equal(p.run(0n), (1n << 64n) - 2n);
  assert.deepEqual(seen, [[(1n << 64n) - 1n, 2n, 3n, 4n, 5n]]);
});

test("calls to unknown or failing helpers and kfuncs fault with kind call", () => {
  assert.match(fault(() => prep("call 3\nexit").p.run(0n)).message, /call to unknown helper 3 \(insn 0: call 3\)/);
  assert.match(fault(() => prep([BPF_CALL_KFUNC(42), BPF_EXIT_INSN()]).p.run(0n)).message, /unknown kfunc 42/);
  const boom = new Error("boom");
  const helpers = new Map<number, BpfCallFn>([[1, () => { throw boom; }], [2, () => 5 as unknown as bigint]]);
  const f = fault(() => prep("call 1\nexit", { helpers }).p.run(0n));
  assert.equal(f.kind, "call");
  assert.equal(f.cause, boom);
  assert.match(f.message, /helper 1 failed: boom/);
  assert.match(fault(() => prep("call 2\nexit", { helpers }).p.run(0n)).message, /returned number, not a bigint/);
});

test("kfuncs are called by BTF id", () => {
  const kfuncs = new Map<number, BpfCallFn>([[1000, (a, b) => a * b]]);
  const { p } = prep([BPF_MOV64_IMM(BPF_REG_1, 6), BPF_MOV64_IMM(BPF_REG_2, 7), BPF_CALL_KFUNC(1000), BPF_EXIT_INSN()], { kfuncs });
  assert.equal(p.run(0n), 42n);
});

test("memory grown by a helper is visible to the program after the call (the JavaScript loop re-reads its views)", () => {
  // The Wasm loop's engine block maps the memory up to maxBytes when it is made, so the heap
  // never grows under it: the JavaScript loop alone sees a growth mid-run.
  const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 64 << 10 });
  const helpers = new Map<number, BpfCallFn>([[1, () => {
    const a = mem.alloc(4 << 20, PERM_RW);
    mem.u8[a + 100] = 0xab;
    return BigInt(a);
  }]]);
  const { p } = prep("call 1\nldxb %r0, [%r0+100]\nexit", { mem, helpers, loop: "js" });
  const before = mem.u8.length;
  assert.equal(p.run(0n), 0xabn);
  assert.ok(mem.u8.length > before);
});

test("a helper may run the same program again (nested runs get their own stack)", () => {
  const self: { prog?: PreparedProg } = {};
  const helpers = new Map<number, BpfCallFn>([[1, (n) => (n === 0n ? 100n : (self.prog as PreparedProg).run(n - 1n))]]);
  const { p } = prep("stxdw [%r10-8], %r1\ncall 1\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit", { helpers });
  self.prog = p;
  assert.equal(p.run(3n), 100n + 0n + 1n + 2n + 3n);
});

test("a nested run from inside a bpf-to-bpf call leaves the outer run's caller frames intact", () => {
  // A nested run of the same program reuses its register file (vm/layout.ts): each level's r6
  // and return path must survive the runs nested inside it.
  const self: { prog?: PreparedProg } = {};
  const helpers = new Map<number, BpfCallFn>([[1, (n) => (n === 0n ? 0n : (self.prog as PreparedProg).run(n - 1n))]]);
  const { p } = prep(`
    mov %r6, %r1
    mul %r6, 10
    call local f
    add %r0, %r6
    exit
    f:
    mov %r6, 5
    call 1
    add %r0, %r6
    exit
  `, { helpers });
  self.prog = p;
  // Level k returns level k-1's result + 5 + 10k; level 0 returns 0 + 5 + 0 (its helper returns 0).
  assert.equal(p.run(3n), 5n + 15n + 25n + 35n);
});

test("dispose() returns the stacks to the kernel memory", () => {
  const mem = newMem();
  const live = mem.allocationCount;
  const { p } = prep("exit", { mem });
  p.run(0n);
  assert.ok(mem.allocationCount > live);
  p.dispose();
  assert.equal(mem.allocationCount, live);
  assert.throws(() => p.run(0n), /run after dispose/);
});

test("a struct_ops-style init program increments a map value atomically", () => {
  const mem = newMem();
  const value = mem.alloc(8, PERM_RW);
  const key = { seen: -1 };
  const helpers = new Map<number, BpfCallFn>([[BPF_FUNC_map_lookup_elem, (map, keyPtr) => {
    assert.equal(map, 3n); // the fd, unresolved in this test
    key.seen = mem.dv.getUint32(Number(keyPtr), true);
    return BigInt(value);
  }]]);
  const init = counterInitProgram(3);
  const { p } = prep(init, { mem, helpers });
  assert.equal(p.run(0n), 0n);
  assert.equal(p.run(0n), 0n);
  assert.equal(key.seen, 0);
  assert.equal(mem.dv.getBigUint64(value, true), 2n);
});

test("bpf-to-bpf calls built with BPF_CALL_REL and labels pass arguments in r1-r5", () => {
  const { p } = prep([
    BPF_MOV64_IMM(BPF_REG_1, 20),
    BPF_MOV64_IMM(BPF_REG_6, 1),
    BPF_CALL_REL("double"),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 2),
    BPF_JMP_A("done"),
    BPF_LABEL("double"),
    BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
    BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, -8),
    BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, -8),
    BPF_STX_MEM(BPF_B, BPF_REG_10, BPF_REG_3, -16),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 20),
    BPF_EXIT_INSN(),
    BPF_LABEL("done"),
    BPF_EXIT_INSN(),
  ]);
  assert.equal(p.run(0n), 42n);
});

test("the budget stops exactly at the instruction where it runs out, inside a straight-line run", () => {
  const mem = newMem();
  const buf = mem.alloc(8, PERM_RW);
  const { p } = prep("stb [%r1+0], 1\nstb [%r1+1], 2\nstb [%r1+2], 3\nstb [%r1+3], 4\nmov %r0, 7\nexit", { mem, opts: { insnBudget: 3 } });
  const f = fault(() => p.run(BigInt(buf)));
  assert.equal(f.kind, "budget");
  assert.equal(f.pc, 3);
  assert.equal(p.lastInsnCount, 3);
  assert.deepEqual(Array.from(mem.u8.subarray(buf, buf + 4)), [1, 2, 3, 0]);
  // The mark is gone: a run that stays within budget is unaffected.
  const { p: q } = prep("mov %r0, 1\nexit", { mem, opts: { insnBudget: 2 } });
  assert.equal(q.run(0n), 1n);
  assert.equal(fault(() => p.run(BigInt(buf))).pc, 3);
});

test("a memory fault before the budget mark is reported as such, with an exact count", () => {
  const { p } = prep("mov %r0, 0\nldxb %r0, [%r1+0]\nmov %r0, 1\nmov %r0, 2\nexit", { opts: { insnBudget: 4 } });
  const f = fault(() => p.run(0n));
  assert.equal(f.kind, "mem");
  assert.equal(p.lastInsnCount, 2);
  const { p: ok } = prep("mov %r0, 0\nmov %r0, 1\nmov %r0, 2\nexit", { opts: { insnBudget: 4 } });
  assert.equal(ok.run(0n), 2n);
  assert.equal(ok.lastInsnCount, 4);
});

test("lastInsnCount includes the instruction that faulted", () => {
  const { p } = prep("mov %r0, 1\njeq %r0, 1, +1\nexit\nldxw %r0, [%r0+0]\nexit");
  fault(() => p.run(0n));
  assert.equal(p.lastInsnCount, 3);
});
