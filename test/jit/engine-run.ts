/**
 * @fileoverview One harness for interpreter/JIT differential runs, used by
 * test/jit/differential.property.test.ts and the jit fuzzers
 * (test/fuzz/jit-diff.ts): a program prepared on an engine and run twice in a
 * fresh kernel memory (and once more through runCtx) with a writable map-like region (r1), a read-only
 * region (r2), four helpers and two kfuncs. The outcome is each run's r0 or
 * BpfFault with the instruction count, and the memory left behind.
 */
import { KernelMemory, PERM_READ, PERM_RW, PERM_WRITE } from "../../src/kernel/mem/memory.js";
import { BpfFault } from "../../src/kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, ProgRunner } from "../../src/kernel/prog/runner.js";

/** The memory limit of a run: helpers and kfuncs treat addresses past it as unmapped. */
export const ENGINE_RUN_MAX_BYTES = 4 << 20;

/** How a run behaves beyond the common setup. */
export interface EngineRunOptions {
  /** Also keep the memory after each run, before the next one starts. */
  readonly between?: boolean;
  /** Helper 4 runs the program again once (a nested run), instead of returning its argument. */
  readonly reentrant?: boolean;
  /** An exception other than a BpfFault from a run: rethrown (a test) or recorded as a result (a fuzzer). */
  readonly otherErrors: "rethrow" | "record";
}

/** What a run gives: one line per run, the memory at the end, and with `between` the memory after each run. */
export interface EngineOutcome {
  readonly results: string[];
  readonly memory: Uint8Array;
  readonly after: Uint8Array[];
}

/** The first line of an error, with its name. */
function errorLine(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.split("\n")[0] ?? ""}` : String(e);
}

/** Prepares `insns` on `runner` with `budget` and runs it twice. */
export function runOnEngine(runner: ProgRunner, insns: Uint8Array, budget: number, opts: EngineRunOptions): EngineOutcome {
  const MAX = ENGINE_RUN_MAX_BYTES;
  const mem = new KernelMemory({ maxBytes: MAX, initialHeapBytes: 1 << 16 });
  const map = mem.alloc(64, PERM_RW);
  const ro = mem.alloc(16, PERM_READ);
  for (let i = 0; i < 64; i++) mem.u8[map + i] = (i * 37) & 0xff;
  for (let i = 0; i < 16; i++) mem.u8[ro + i] = 0xf0 | i;
  let prog: PreparedProg | undefined;
  let nested = 0;
  const helpers = new Map<number, BpfCallFn>([
    [1, (a, b, c) => BigInt.asUintN(64, a * 3n + (b ^ c))],
    [2, (p, v) => {
      if (p >= BigInt(MAX) || !mem.canAccess(Number(p), 8, PERM_WRITE)) throw new RangeError(`cannot write at ${p}`);
      mem.dv.setBigUint64(Number(p), v, true);
      return 0n;
    }],
    [3, (a) => {
      if ((a & 1n) === 1n) throw new Error("odd argument");
      return a >> 1n;
    }],
    [4, (a) => {
      if (opts.reentrant !== true || nested > 0 || prog === undefined) return a;
      nested++;
      try {
        return prog.run(BigInt(map), BigInt(ro));
      } finally {
        nested--;
      }
    }],
  ]);
  const kfuncs = new Map<number, BpfCallFn>([
    [1000, (a, b) => BigInt.asUintN(64, a + b)],
    [1001, (a) => (a < BigInt(MAX) && mem.canAccess(Number(a), 1, PERM_READ) ? BigInt(mem.u8[Number(a)] as number) : 7n)],
  ]);
  try {
    prog = runner.prepare({ insns, mem, helpers, kfuncs, name: "diff" }, { insnBudget: budget });
  } catch (e) {
    return { results: [e instanceof BpfFault ? `prepare fault ${e.kind} ${e.pc} ${e.message}` : `prepare threw ${errorLine(e)}`], memory: new Uint8Array(), after: [] };
  }
  const snapshot = (): Uint8Array => mem.u8.slice(0, mem.heapBase + (1 << 16));
  const results: string[] = [];
  const after: Uint8Array[] = [];
  // Two runs through run(), then one through runCtx() (r2 = 0, r0's low 32 bits), the kernel hooks' entry.
  for (let run = 0; run < 3; run++) {
    if (run > 0 && opts.between === true) after.push(snapshot());
    try {
      if (run < 2) {
        const r0 = prog.run(BigInt(map), BigInt(ro));
        results.push(`r0=0x${r0.toString(16)} insns=${prog.lastInsnCount}`);
      } else {
        const r0 = prog.runCtx(map);
        results.push(`ctx r0=0x${r0.toString(16)} insns=${prog.lastInsnCount}`);
      }
    } catch (e) {
      if (e instanceof BpfFault) results.push(`fault ${e.kind} pc=${e.pc} insns=${prog.lastInsnCount}: ${e.message}`);
      else if (opts.otherErrors === "record") results.push(`run threw ${errorLine(e)}`);
      else throw e;
    }
  }
  if (opts.between === true) after.push(snapshot());
  prog.dispose();
  return { results, memory: snapshot(), after };
}
