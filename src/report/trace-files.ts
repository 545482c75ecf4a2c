/**
 * @fileoverview Trace records (src/sim/api.ts) as lines of three files:
 * `flows` (periodic per-flow samples), `queues` (periodic queue samples) and
 * `events` (everything else: struct_ops hook calls, CA state changes, drops,
 * flow lifecycle, actions), in CSV with a header or in JSON Lines. Pure
 * formatting: the same records give the same bytes. And back: the `flow`,
 * `queue`, `flow_event` and `action` records of a file (what `structops
 * compare` reads of a run folder).
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

/** A trace file that cannot be read back: the file, line and what is wrong. */
export class TraceReadError extends Error {
  override readonly name = "TraceReadError";
}

/** Splits one CSV line into fields (RFC 4180 quoting, as csvField writes it). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          v += line.slice(i);
          i = line.length;
          break;
        }
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = line.indexOf(",", i);
      out.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const caValue = (name: string): number => {
  const i = (CA_STATE_NAMES as readonly string[]).indexOf(name);
  return i >= 0 ? i : Number(name);
};

/**
 * The records of one trace file's text that `structops compare` uses
 * (`flow`, `queue`, `flow_event`, `action`); others are skipped.
 * @param file the name for messages
 * @throws {TraceReadError} naming the file and line of a malformed record
 */
export function parseTraceFile(kind: TraceFileKind, text: string, format: TraceFileFormat, file: string): TraceRecord[] {
  const lines = text.split("\n");
  const out: TraceRecord[] = [];
  const bad = (n: number, why: string): TraceReadError => new TraceReadError(`${file}:${n}: ${why}`);
  if (format === "csv" && lines[0] !== CSV_HEADERS[kind]) throw bad(1, `not a structops ${kind} trace (header '${(lines[0] ?? "").slice(0, 60)}')`);
  for (let i = format === "csv" ? 1 : 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    if (format === "jsonl") {
      let rec: TraceRecord;
      try {
        rec = JSON.parse(line) as TraceRecord;
      } catch {
        throw bad(i + 1, "not a JSON record");
      }
      if (typeof rec !== "object" || rec === null || typeof rec.t !== "number") throw bad(i + 1, "a record needs a numeric t");
      if (rec.type === "flow" || rec.type === "queue" || rec.type === "flow_event" || rec.type === "action") out.push(rec);
      continue;
    }
    const f = splitCsvLine(line);
    const num = (k: number): number => {
      const v = Number(f[k]);
      if (f[k] === undefined || f[k] === "" || !Number.isFinite(v)) throw bad(i + 1, `column ${k + 1} is not a number: '${f[k] ?? ""}'`);
      return v;
    };
    const str = (k: number): string => f[k] ?? "";
    if (kind === "flows") {
      out.push({
        type: "flow", t: num(0), flow: str(1), cc: str(2), cwnd: num(3), ssthresh: num(4), caState: caValue(str(5)), srttUs: num(6), rttUs: num(7),
        inflight: num(8), deliveryRateBps: num(9), bytesAcked: num(10), retrans: num(11), pacingRate: num(12), deliveredBytes: num(13),
      });
    } else if (kind === "queues") {
      out.push({ type: "queue", t: num(0), link: str(1), bytes: num(2), packets: num(3), drops: num(4), marks: num(5) });
    } else if (str(1) === "flow_event") {
      const ev = str(5) as "start" | "cc_change" | "stop" | "end";
      out.push({ type: "flow_event", t: num(0), flow: str(2), event: ev, cc: str(4), ...(str(9) !== "" ? { prevCc: str(9) } : {}) });
    } else if (str(1) === "action") {
      out.push({ type: "action", t: num(0), label: str(5), ...(str(9) !== "" ? { detail: str(9) } : {}) });
    }
  }
  return out;
}
