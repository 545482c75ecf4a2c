/**
 * @fileoverview The interpreter's two loops side by side in one process
 * (issue #18): the Wasm loop (vm/wasm-loop.ts, the default) against the
 * JavaScript loop alone (vm/interp.ts, `new InterpRunner({ loop: "js" })`),
 * on the bench/c programs built as bench/jit.bench.ts builds them, and on
 * the empty program (`mov r0, 0; exit`: the cost of entering a run).
 *
 * Figures are CPU time (`process.cpuUsage`) per executed instruction (per
 * run for the empty program), median and minimum of 11 rounds in which the
 * two loops alternate, after 400 ms of warm-up each: both see the same load.
 * Needs clang and llvm-objcopy.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelMemory, PERM_RW } from "../src/backend/engines.js";
import type { PreparedProg } from "../src/backend/engines.js";
import { InterpRunner } from "../src/vm/interp-runner.js";
import { buildBpfText, ctxFor } from "./c-programs.js";
import { QUICK, machine, report, type BenchRow } from "./harness.js";

/** Programs: name, ctx[1] argument, runs per timed batch. */
const PROGRAMS: readonly (readonly [string, number, number])[] = [
  ["nonleaf", 10_000, 20],
  ["cubic", 0, 20_000],
  ["calls", 10_000, 20],
  ["loop64", 10_000, 20],
  ["cbrt", 200, 20],
];
const ROUNDS = QUICK ? 1 : 11;

/** CPU ns per call of `batch` over `reps` repetitions. */
function cpuNs(batch: () => void, reps: number): number {
  const u0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) batch();
  const u = process.cpuUsage(u0);
  return ((u.user + u.system) * 1000) / reps;
}

const median = (x: number[]): number => [...x].sort((a, b) => a - b)[x.length >> 1] as number;

/** Alternating rounds of the two batches; each figure divided by `per`. */
function race(js: () => void, wasm: () => void, reps: number, per: number): { js: number[]; wasm: number[] } {
  if (!QUICK) for (const end = Date.now() + 800; Date.now() < end; ) { js(); wasm(); }
  const out = { js: [] as number[], wasm: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    out.js.push(cpuNs(js, reps) / per);
    out.wasm.push(cpuNs(wasm, reps) / per);
  }
  return out;
}

function rowsOf(what: string, unit: string, t: { js: number[]; wasm: number[] }): BenchRow[] {
  const js = median(t.js);
  const wasm = median(t.wasm);
  return [
    { case: `${what}, JavaScript loop`, value: js, unit, note: `min ${Math.min(...t.js).toFixed(2)}` },
    { case: `${what}, Wasm loop`, value: wasm, unit, note: `min ${Math.min(...t.wasm).toFixed(2)}, ${(wasm / js).toFixed(2)}x the JavaScript loop` },
  ];
}

function main(): void {
  try {
    execFileSync("clang", ["--version"], { stdio: "ignore" });
    execFileSync("llvm-objcopy", ["--version"], { stdio: "ignore" });
  } catch {
    console.log("interp-loop bench skipped: clang or llvm-objcopy is not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "structops-interp-bench-"));
  const rows: BenchRow[] = [];
  try {
    for (const [name, arg1, batch] of PROGRAMS) {
      const insns = buildBpfText(dir, name);
      const progs: PreparedProg[] = [];
      const ctxs: number[] = [];
      for (const loop of ["js", "wasm"] as const) {
        const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 1 << 20 });
        ctxs.push(ctxFor(mem, name, arg1));
        progs.push(new InterpRunner({ loop }).prepare({ insns, mem, helpers: new Map(), kfuncs: new Map(), name }, { insnBudget: 2 ** 31 - 1 }));
      }
      const [js, wasm] = progs as [PreparedProg, PreparedProg];
      const [cj, cw] = ctxs as [number, number];
      const r0 = js.runCtx(cj);
      const count = js.lastInsnCount;
      if (wasm.runCtx(cw) !== r0 || wasm.lastInsnCount !== count) throw new Error(`${name}: the loops disagree`);
      const n = QUICK ? 1 : batch;
      const t = race(() => { for (let i = 0; i < n; i++) js.runCtx(cj); }, () => { for (let i = 0; i < n; i++) wasm.runCtx(cw); }, QUICK ? 1 : 5, n * count);
      rows.push(...rowsOf(`${name} (${count} insns/run)`, "ns/insn", t));
      js.dispose();
      wasm.dispose();
    }
    const empty = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 1 << 20 });
    const ctx = mem.alloc(64, PERM_RW);
    const prep = (loop: "js" | "wasm"): PreparedProg => new InterpRunner({ loop }).prepare({ insns: empty, mem, helpers: new Map(), kfuncs: new Map(), name: "empty" });
    const js = prep("js");
    const wasm = prep("wasm");
    const t = race(() => { for (let i = 0; i < 1000; i++) js.runCtx(ctx); }, () => { for (let i = 0; i < 1000; i++) wasm.runCtx(ctx); }, QUICK ? 1 : 1000, 1000);
    rows.push(...rowsOf("entry (empty program, runCtx)", "ns/run", t));
    report("interp-loop", `The interpreter's Wasm loop against its JavaScript loop (${machine()})`, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
