/**
 * @fileoverview Trace records (src/sim/api.ts) as lines of three files:
 * `flows` (periodic per-flow samples), `queues` (periodic queue samples) and
 * `events` (everything else: struct_ops hook calls, CA state changes, drops,
 * flow lifecycle, actions), in CSV with a header or in JSON Lines. Pure
 * formatting: the same records give the same bytes.
 */
import { CA_STATE_NAMES } from "../sim/api.js";
import type { TraceRecord } from "../sim/api.js";

/** The trace file formats. */
export type TraceFileFormat = "csv" | "jsonl";

/** The three trace files. */
export type TraceFileKind = "flows" | "queues" | "events";

/** CSV headers of the three files. */
export const CSV_HEADERS: Readonly<Record<TraceFileKind, string>> = {
  flows: "t_ns,flow,cc,cwnd,ssthresh,ca_state,srtt_us,rtt_us,inflight,delivery_rate_bps,bytes_acked,retrans,pacing_rate,delivered_bytes",
  queues: "t_ns,link,bytes,packets,drops,marks",
  events: "t_ns,type,flow,link,cc,name,args,value,cwnd,detail",
};

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const caName = (s: number): string => CA_STATE_NAMES[s] ?? String(s);

/** Which file a record belongs to. */
export function traceFileOf(rec: TraceRecord): TraceFileKind {
  return rec.type === "flow" ? "flows" : rec.type === "queue" ? "queues" : "events";
}

/** One record as a CSV line (no newline) of its file. */
export function csvLine(rec: TraceRecord): string {
  switch (rec.type) {
    case "flow":
      return [rec.t, csvField(rec.flow), csvField(rec.cc), rec.cwnd, rec.ssthresh, caName(rec.caState), rec.srttUs, rec.rttUs, rec.inflight,
        rec.deliveryRateBps, rec.bytesAcked, rec.retrans, rec.pacingRate, rec.deliveredBytes].join(",");
    case "queue":
      return [rec.t, csvField(rec.link), rec.bytes, rec.packets, rec.drops, rec.marks].join(",");
    case "hook":
      return [rec.t, "hook", csvField(rec.flow), "", csvField(rec.cc), rec.hook, rec.args.join(";"), rec.ret ?? "", rec.cwnd, ""].join(",");
    case "ca_state":
      return [rec.t, "ca_state", csvField(rec.flow), "", "", `${caName(rec.from)}->${caName(rec.to)}`, "", "", "", ""].join(",");
    case "drop":
      return [rec.t, "drop", csvField(rec.flow), csvField(rec.link), "", rec.reason, "", rec.seg, "", ""].join(",");
    case "flow_event":
      return [rec.t, "flow_event", csvField(rec.flow), "", csvField(rec.cc), rec.event, "", "", "", csvField(rec.prevCc ?? "")].join(",");
    case "action":
      return [rec.t, "action", "", "", "", csvField(rec.label), "", "", "", csvField([rec.detail, rec.error].filter((x) => x !== undefined).join("; "))].join(",");
  }
}

/** One record as a line of its file in `format` (no newline). */
export function traceLine(rec: TraceRecord, format: TraceFileFormat): string {
  return format === "csv" ? csvLine(rec) : JSON.stringify(rec);
}
