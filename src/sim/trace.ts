/**
 * @fileoverview Trace record serialization. Records are built with a fixed
 * key order, so JSON Lines output is byte-for-byte reproducible; CSV output
 * has one header per record type.
 */
import type { TraceRecord } from "./api.js";

/** One record as a JSON line (no trailing newline). */
export function formatRecord(r: TraceRecord): string {
  return JSON.stringify(r);
}

/** Column order of each record type for CSV. */
export const CSV_COLUMNS: { readonly [K in TraceRecord["type"]]: readonly string[] } = {
  flow: ["t", "flow", "cc", "cwnd", "ssthresh", "caState", "srttUs", "rttUs", "inflight", "deliveryRateBps", "bytesAcked", "retrans", "pacingRate", "deliveredBytes"],
  queue: ["t", "link", "bytes", "packets", "drops", "marks"],
  hook: ["t", "flow", "cc", "hook", "args", "ret", "cwnd"],
  ca_state: ["t", "flow", "from", "to"],
  drop: ["t", "link", "flow", "reason", "seg"],
  flow_event: ["t", "flow", "event", "cc", "prevCc"],
  action: ["t", "label", "detail", "error"],
};

/** One record as a CSV row of its type's columns (args joined by ';'). */
export function formatCsvRow(r: TraceRecord): string {
  const rec = r as unknown as Record<string, unknown>;
  return CSV_COLUMNS[r.type]
    .map((c) => {
      const v = rec[c];
      if (v === undefined) return "";
      if (Array.isArray(v)) return v.join(";");
      const s = String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}

/** Jain's fairness index of non-negative values: (Σx)² / (n·Σx²); 1 for an empty or all-zero list. */
export function jainFairness(xs: readonly number[]): number {
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return xs.length === 0 || s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}
