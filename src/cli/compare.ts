/**
 * @fileoverview `structops compare RUN_A RUN_B`: two run folders (`structops
 * run`, `run --linux`, another engine or version) read back from their trace
 * files, one HTML page overlaying them, and a table of fidelity metrics per
 * shared flow with their differences (src/report/compare.ts). With
 * `--tolerance` the exit status says whether every metric stayed within its
 * tolerance, so CI can use it. docs/compare.md.
 *
 * Exit status: 0 compared (within every tolerance), 4 a metric past its
 * tolerance, 1 a folder that cannot be read or a bad option.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { RunCollector } from "../report/collect.js";
import { COMPARE_METRICS, compareCollectors, fmtMetric, fmtTolerance, parseTolerance } from "../report/compare.js";
import type { CompareRow, CompareTolerance } from "../report/compare.js";
import { renderRunComparison } from "../report/compare-html.js";
import { parseTraceFile, TraceReadError } from "../report/trace-files.js";
import type { TraceFileFormat, TraceFileKind } from "../report/trace-files.js";
import type { TraceRecord } from "../sim/api.js";
import { formatBytes, InputFileError, readBoundedFile } from "./bounded-read.js";
import type { CliIo } from "./io.js";
import { writeOutput } from "./run/output.js";

/** Exit status when a metric is past its tolerance. */
export const COMPARE_PAST_TOLERANCE_EXIT = 4;
/** Largest trace file read. */
const MAX_TRACE_FILE_BYTES = 2 * 1024 ** 3;

/** Options of `structops compare`. */
export interface CompareCliOptions {
  readonly out?: string;
  readonly json?: boolean;
  readonly tolerance?: readonly string[];
}

/** A run folder read back: its records' collector, how long it ran and its sample interval. */
export interface RunFolder {
  readonly collector: RunCollector;
  readonly durationNs: number;
  readonly sampleNs: number;
}

/**
 * Reads a run folder's flows and queues trace files (CSV or JSON Lines) and
 * its events (flow lifecycle, actions).
 * @throws {InputFileError} naming the folder or file that cannot be read
 */
export function readRunFolder(dir: string): RunFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputFileError(`${dir}: not a run folder (no such directory)`, dir);
  const names = readdirSync(dir);
  const format: TraceFileFormat | undefined = names.includes("flows.csv") ? "csv" : names.includes("flows.jsonl") ? "jsonl" : undefined;
  if (format === undefined) throw new InputFileError(`${dir}: not a run folder: it has no flows.csv or flows.jsonl (the trace files of structops run)`, dir);
  const collector = new RunCollector();
  let end = 0;
  for (const kind of ["flows", "queues", "events"] as TraceFileKind[]) {
    const file = join(dir, `${kind}.${format}`);
    if (!existsSync(file)) continue;
    const text = readBoundedFile(file, { what: "trace file", maxBytes: MAX_TRACE_FILE_BYTES, raise: `a trace above ${formatBytes(MAX_TRACE_FILE_BYTES)} is not read` }).toString("utf8");
    let recs: TraceRecord[];
    try {
      recs = parseTraceFile(kind, text, format, file);
    } catch (e) {
      if (e instanceof TraceReadError) throw new InputFileError(e.message, file);
      throw e;
    }
    for (const r of recs) {
      collector.add(r);
      end = Math.max(end, r.t);
    }
  }
  // The sample interval: the median gap between one flow's consecutive samples.
  const gaps: number[] = [];
  for (const s of collector.flows.values()) for (let i = 1; i < s.t.length && gaps.length < 10_000; i++) gaps.push((s.t[i] as number) - (s.t[i - 1] as number));
  gaps.sort((x, y) => x - y);
  return { collector, durationNs: Math.max(end, 1), sampleNs: Math.max(1, gaps[gaps.length >> 1] ?? 10_000_000) };
}

function textTable(rows: readonly CompareRow[]): string {
  const head = ["flow", "metric", "A", "B", "B-A", "(B-A)/A", "tolerance", ""];
  const body = rows.map((r) => [
    r.flow, r.metric, fmtMetric(r.a), fmtMetric(r.b), fmtMetric(r.diff), r.relDiff === null ? "-" : `${(r.relDiff * 100).toFixed(1)}%`,
    fmtTolerance(r.tolerance), r.tolerance === undefined ? "" : r.ok ? "ok" : "PAST",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ").trimEnd();
  return [line(head), ...body.map(line)].join("\n");
}

/** `structops compare`: returns the exit status. */
export function compareMain(runA: string, runB: string, o: CompareCliOptions, io: CliIo): number {
  const tolerances = new Map<string, CompareTolerance>();
  try {
    for (const spec of o.tolerance ?? []) {
      const [k, v] = parseTolerance(spec);
      tolerances.set(k, v);
    }
  } catch (e) {
    io.stderr(`structops: compare: ${(e as Error).message}\n`);
    return 1;
  }
  let a: RunFolder;
  let b: RunFolder;
  try {
    a = readRunFolder(runA);
    b = readRunFolder(runB);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    io.stderr(`structops: compare: ${e.message}\n`);
    return 1;
  }
  const { rows, onlyA, onlyB } = compareCollectors(a.collector, b.collector, tolerances);
  if (rows.length === 0) {
    io.stderr(`structops: compare: ${runA} and ${runB} share no flow (A has ${[...a.collector.flows.keys()].join(", ") || "none"}; B has ${[...b.collector.flows.keys()].join(", ") || "none"})\n`);
    return 1;
  }
  const out = o.out ?? join("structops-out", `compare-${basename(runA) || "a"}-vs-${basename(runB) || "b"}.html`);
  const html = renderRunComparison({
    title: `structops compare: ${basename(runA)} vs ${basename(runB)}`, a: { label: runA, collector: a.collector }, b: { label: runB, collector: b.collector },
    durationNs: Math.max(a.durationNs, b.durationNs), sampleNs: Math.min(a.sampleNs, b.sampleNs), rows, onlyA, onlyB,
  });
  const written = writeOutput(join(out, ".."), basename(out), html);
  const past = rows.filter((r) => !r.ok);
  if (o.json === true) {
    io.stdout(`${JSON.stringify({
      a: runA, b: runB, report: written, ok: past.length === 0, onlyA, onlyB,
      metrics: COMPARE_METRICS.map((m) => ({ key: m.key, title: m.title, unit: m.unit })),
      rows: rows.map((r) => ({ ...r, tolerance: r.tolerance === undefined ? null : fmtTolerance(r.tolerance) })),
    }, null, 2)}\n`);
  } else {
    io.stdout(`structops compare: A ${runA}, B ${runB}\n\n${textTable(rows)}\n`);
    if (onlyA.length > 0 || onlyB.length > 0) io.stdout(`\nnot compared: ${[...onlyA.map((x) => `${x} (only in A)`), ...onlyB.map((x) => `${x} (only in B)`)].join(", ")}\n`);
    io.stdout(`\nwrote ${written}\n`);
  }
  if (past.length > 0) {
    io.stderr(`structops: compare: ${past.length} metric${past.length === 1 ? "" : "s"} past the tolerance: ${past.map((r) => `${r.flow} ${r.metric} ${fmtMetric(r.a)} → ${fmtMetric(r.b)} (tolerance ${fmtTolerance(r.tolerance)})`).join("; ")}\n`);
    return COMPARE_PAST_TOLERANCE_EXIT;
  }
  return 0;
}
