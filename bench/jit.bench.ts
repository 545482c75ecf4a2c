/**
 * @fileoverview The JIT against the interpreter and native code (issue #3):
 * programs written in C (bench/c/*.c) compiled with `clang -O2 -target bpf`
 * run on the interpreter and on the JIT, and the same C compiled with
 * `gcc -O2` runs in a small native harness (bench/c/native.c) as a child
 * process, all in one run. Reports ns per run, ns per executed BPF
 * instruction, the JIT's compile time, and the ratios the issue targets
 * (JIT within 1.5x of native; interpreter under 3 ns per instruction).
 * r0 must agree on all three, or the bench fails. An empty program's run
 * is reported too, as a reference: the cost of entering each engine.
 *
 * Build step (here, into a temporary directory): clang -> .o, then the
 * .text section as raw bytes with `llvm-objcopy -O binary --only-section=.text`
 * (the entry is the first function of .text; the programs have no
 * relocations), and gcc for the harness. Needs clang, llvm-objcopy and gcc.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelMemory, PERM_RW, createRunner } from "../src/backend/engines.js";
import type { PreparedProg, ProgImage } from "../src/backend/engines.js";
import { Code, I32, WasmModule } from "../src/wasm/index.js";
import { buildBpfText, C_SRC, ctxFor } from "./c-programs.js";
import { QUICK, machine, measure, report, type BenchRow } from "./harness.js";

/** Wall time each engine runs a program before it is timed. */
const WARMUP_MS = 400;

/** Programs: name, ctx[1] argument, and runs per timed batch. */
const PROGRAMS: readonly (readonly [string, number, number])[] = [
  ["loop64", 10_000, 20],
  ["cbrt", 200, 20],
  ["buf4k", 4, 20],
  ["calls", 10_000, 20],
  ["nonleaf", 10_000, 20],
  ["cubic", 0, 20_000],
];

/**
 * ns per call of a loop of 1,000 calls, after {@link WARMUP_MS} of it: CPU
 * time (`process.cpuUsage`, which load disturbs less than wall time) of
 * batches of 10^6 calls, median of 9. The loop spreads the caller's own call
 * of it over the 1,000 (the harness's `measure` calls its op from a call
 * site shared by every case, never inlined: 5-6 ns here, more than an
 * entry).
 */
function entryNs(loop1000: () => void): number {
  if (!QUICK) for (const end = Date.now() + WARMUP_MS; Date.now() < end; ) loop1000();
  const loops = QUICK ? 1 : 1000;
  const samples: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : 9); r++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < loops; i++) loop1000();
    const u = process.cpuUsage(u0);
    samples.push(((u.user + u.system) * 1000) / (loops * 1000));
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1] as number;
}

/** An exported empty Wasm function of the JIT's main32 signature, (i32, i32, i32) -> i32, built with the JIT's own encoder. */
function plainWasmCall(): (ctx: number, fp: number, rem: number) => number {
  const m = new WasmModule();
  const code = new Code([I32, I32, I32], [I32]);
  code.i32(0);
  m.export("f", "func", m.func("f", code.finish()));
  return new WebAssembly.Instance(new WebAssembly.Module(m.encode())).exports["f"] as (ctx: number, fp: number, rem: number) => number;
}

function build(dir: string): Map<string, Uint8Array> {
  const texts = new Map(PROGRAMS.map(([name]) => [name, buildBpfText(dir, name)] as const));
  execFileSync("gcc", ["-O2", "-o", join(dir, "native"), join(C_SRC, "native.c")]);
  return texts;
}

/** The first of clang, llvm-objcopy, gcc that is not on PATH, or undefined. */
function missingTool(): string | undefined {
  for (const tool of ["clang", "llvm-objcopy", "gcc"]) {
    try {
      execFileSync(tool, ["--version"], { stdio: "ignore" });
    } catch {
      return tool;
    }
  }
  return undefined;
}

function main(): void {
  const missing = missingTool();
  if (missing !== undefined) {
    console.log(`jit bench skipped: ${missing} is not installed (Debian: clang llvm gcc)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "structops-jit-bench-"));
  try {
    const texts = build(dir);
    const scale = QUICK ? 0.01 : 1;
    const args = PROGRAMS.flatMap(([name, arg1, batch]) => [name, String(arg1), String(Math.max(1, Math.round(batch * 50 * scale)))]);
    const nativeOut = execFileSync(join(dir, "native"), args, { encoding: "utf8" });
    const native = new Map(nativeOut.trim().split("\n").map((l) => {
      const [n, ns, r0] = l.split(" ");
      return [n as string, { ns: Number(ns), r0: BigInt(r0 as string) }] as const;
    }));
    const rows: BenchRow[] = [];
    const table: string[] = ["| program | BPF insns/run | native ns/run | JIT ns/run | JIT / native | JIT ns/insn | interp ns/run | interp ns/insn | JIT compile ms |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"];
    for (const [name, arg1, batch] of PROGRAMS) {
      const insns = texts.get(name) as Uint8Array;
      const res: Record<string, { ns: number; count: number; r0: bigint; compileMs: number }> = {};
      for (const engine of ["interp", "jit"] as const) {
        const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 1 << 20 });
        const ctx = BigInt(ctxFor(mem, name, arg1));
        const image: ProgImage = { insns, mem, helpers: new Map(), kfuncs: new Map(), name };
        const t0 = process.hrtime.bigint();
        const prog: PreparedProg = createRunner(engine).prepare(image, { insnBudget: 2 ** 31 - 1 });
        const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const r0 = prog.run(ctx);
        const count = prog.lastInsnCount;
        // Steady state: a congestion-control program runs millions of times, so it is timed after
        // V8 has tiered the code up (Wasm: Liftoff first, TurboFan compiled in the background).
        if (!QUICK) for (const end = Date.now() + WARMUP_MS; Date.now() < end; ) prog.run(ctx);
        const t = measure(() => void prog.run(ctx), Math.max(1, Math.round(batch * scale * (engine === "interp" ? 1 : 5))));
        res[engine] = { ns: t.nsPerOp, count, r0, compileMs };
        prog.dispose();
      }
      const i = res["interp"] as { ns: number; count: number; r0: bigint; compileMs: number };
      const j = res["jit"] as { ns: number; count: number; r0: bigint; compileMs: number };
      const n = native.get(name);
      if (n === undefined) throw new Error(`native harness printed nothing for ${name}`);
      if (i.r0 !== j.r0 || i.r0 !== n.r0) throw new Error(`${name}: r0 differs: interp ${i.r0}, jit ${j.r0}, native ${n.r0}`);
      rows.push(
        { case: `${name} native (gcc -O2)`, value: n.ns, unit: "ns/run" },
        { case: `${name} jit`, value: j.ns, unit: "ns/run", note: `${(j.ns / j.count).toFixed(3)} ns/insn, ${(j.ns / n.ns).toFixed(2)}x native, compile ${j.compileMs.toFixed(2)} ms` },
        { case: `${name} interp`, value: i.ns, unit: "ns/run", note: `${(i.ns / i.count).toFixed(2)} ns/insn, ${i.count} insns/run` },
      );
      table.push(`| ${name} | ${i.count} | ${n.ns.toFixed(1)} | ${j.ns.toFixed(1)} | ${(j.ns / n.ns).toFixed(2)}x | ${(j.ns / j.count).toFixed(3)} | ${i.ns.toFixed(0)} | ${(i.ns / i.count).toFixed(2)} | ${j.compileMs.toFixed(2)} |`);
    }
    // What entering a run costs each engine from JavaScript (an empty program, `mov r0, 0; exit`),
    // against the floor of any entry: a plain call of an empty Wasm function of main32's signature
    // (ctx, fp, rem) -> i32. Each is timed in loops of 1,000 calls (entryNs), every loop its own
    // function literal, so each call site sees one function, as a caller of one program does.
    const empty = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const plainFn = plainWasmCall();
    const plainCtx = 4096;
    const plain = entryNs(() => {
      for (let i = 0; i < 1000; i++) plainFn(plainCtx, 0, 0);
    });
    rows.push({ case: "entry: a plain call of an empty Wasm function (the baseline of the entry rows, CPU time)", value: plain, unit: "ns/run" });
    const mem = new KernelMemory({ maxBytes: 64 << 20, initialHeapBytes: 1 << 20 });
    const ctx = mem.alloc(64, PERM_RW);
    const prepareEmpty = (engine: "interp" | "jit"): PreparedProg =>
      createRunner(engine).prepare({ insns: empty, mem, helpers: new Map(), kfuncs: new Map(), name: "empty" }, { insnBudget: 2 ** 31 - 1 });
    const interp = prepareEmpty("interp");
    const jit = prepareEmpty("jit");
    const entries: [string, number][] = [
      ["interp", entryNs(() => {
        for (let i = 0; i < 1000; i++) interp.run(0n);
      })],
      ["interp, runCtx", entryNs(() => {
        for (let i = 0; i < 1000; i++) interp.runCtx(ctx);
      })],
      ["jit", entryNs(() => {
        for (let i = 0; i < 1000; i++) jit.run(0n);
      })],
      ["jit, runCtx (the struct_ops trampoline's entry: no BigInt either way)", entryNs(() => {
        for (let i = 0; i < 1000; i++) jit.runCtx(ctx);
      })],
    ];
    for (const [what, ns] of entries) rows.push({ case: `entry (empty program) ${what}`, value: ns, unit: "ns/run", note: `${(ns / plain).toFixed(2)}x the plain call` });
    interp.dispose();
    jit.dispose();
    report("jit", `JIT vs interpreter vs native C (${machine()})`, rows);
    console.log(`\n${table.join("\n")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
