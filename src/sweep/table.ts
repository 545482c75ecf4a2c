/**
 * @fileoverview The sweep's results table, one row per point × flow group,
 * as CSV (RFC 4180 quoting) and JSON Lines. Columns: the point id, one
 * column per axis (the value's label), the status, the group, its
 * algorithm and flow count, then the metrics (metrics.ts). A failed point
 * gets one row with status `failed`, its error in `error` and no metrics.
 * Rows follow the points' order; the bytes depend only on the results.
 */
import type { GroupMetrics } from "./metrics.js";
import { METRIC_COLUMNS } from "./metrics.js";

/** One point's outcome as the table needs it. */
export interface PointOutcome {
  readonly id: string;
  /** Axis value labels, in axis order. */
  readonly labels: readonly string[];
  readonly status: "ok" | "failed";
  readonly rows: readonly GroupMetrics[];
  readonly error?: string;
}

/** A table row as a plain record (the JSON Lines objects, in column order). */
export type TableRow = Record<string, string | number | null>;

/** The rows of the table, in order. */
export function tableRows(axisNames: readonly string[], points: readonly PointOutcome[]): TableRow[] {
  const out: TableRow[] = [];
  for (const p of points) {
    const head: TableRow = { point: p.id };
    axisNames.forEach((n, i) => (head[`axis.${n}`] = p.labels[i] ?? null));
    head["status"] = p.status;
    if (p.status === "failed" || p.rows.length === 0) {
      out.push({ ...head, error: p.error ?? "no flows", group: null, algorithm: null, flows: null, ...Object.fromEntries(METRIC_COLUMNS.map((c) => [c, null])) });
      continue;
    }
    for (const r of p.rows) {
      out.push({ ...head, error: null, group: r.group, algorithm: r.algorithm, flows: r.flows, ...Object.fromEntries(METRIC_COLUMNS.map((c) => [c, r[c]])) });
    }
  }
  return out;
}

function csvField(v: string | number | null): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The table as CSV with a header line. */
export function tableCsv(axisNames: readonly string[], points: readonly PointOutcome[]): string {
  const cols = ["point", ...axisNames.map((n) => `axis.${n}`), "status", "error", "group", "algorithm", "flows", ...METRIC_COLUMNS];
  const lines = [cols.join(",")];
  for (const r of tableRows(axisNames, points)) lines.push(cols.map((c) => csvField(r[c] ?? null)).join(","));
  return `${lines.join("\n")}\n`;
}

/** The table as JSON Lines. */
export function tableJsonl(axisNames: readonly string[], points: readonly PointOutcome[]): string {
  return tableRows(axisNames, points).map((r) => `${JSON.stringify(r)}\n`).join("");
}
