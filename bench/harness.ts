/**
 * @fileoverview The benchmark harness: times a function until enough wall time
 * has passed, reports the median of several batches, and prints one table
 * per bench plus a machine-readable `BENCH_JSON` line that tools/run-bench.ts
 * collects into docs/benchmarks.md. Timings live here, never in tests.
 *
 * `--quick` (what CI runs) does a single short batch per case: it proves the
 * bench still runs, not how fast it is.
 */
import { cpus, totalmem, type as osType, release } from "node:os";

/** True when the bench was started with `--quick` (one short batch per case). */
export const QUICK = process.argv.includes("--quick") || process.env["STRUCTOPS_BENCH_QUICK"] === "1";

/** One measured figure. */
export interface BenchRow {
  readonly case: string;
  readonly value: number;
  readonly unit: string;
  /** Free-form detail: iterations, instructions per run, etc. */
  readonly note?: string;
}

/** Result of {@link measure}: nanoseconds per call, median over batches. */
export interface Timing {
  readonly nsPerOp: number;
  readonly ops: number;
}

/**
 * Calls `fn` in batches of `batch` and returns the median ns per call over
 * `rounds` batches, after one warm-up batch (or a single batch in quick mode).
 */
export function measure(fn: () => void, batch: number, rounds = 7): Timing {
  const n = QUICK ? 1 : rounds;
  const b = QUICK ? Math.max(1, Math.ceil(batch / 100)) : batch;
  if (!QUICK) for (let i = 0; i < b; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < n; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < b; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / b);
  }
  samples.sort((x, y) => x - y);
  return { nsPerOp: samples[Math.floor(samples.length / 2)] as number, ops: b * n };
}

/** The machine the figures were taken on. */
export function machine(): string {
  const c = cpus();
  const model = c[0]?.model.trim() ?? "unknown CPU";
  return `${model}, ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${osType()} ${release()}, Node ${process.version}`;
}

/** Prints a table and the BENCH_JSON line for tools/run-bench.ts. */
export function report(bench: string, title: string, rows: readonly BenchRow[]): void {
  const w = Math.max(...rows.map((r) => r.case.length), 4);
  console.log(`\n${title}${QUICK ? " (quick run: figures not meaningful)" : ""}`);
  for (const r of rows) {
    const v = r.value >= 100 ? r.value.toFixed(0) : r.value.toPrecision(3);
    console.log(`  ${r.case.padEnd(w)}  ${v.padStart(12)} ${r.unit}${r.note === undefined ? "" : `  (${r.note})`}`);
  }
  console.log(`BENCH_JSON ${JSON.stringify({ bench, title, quick: QUICK, rows })}`);
}
