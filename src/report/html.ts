/**
 * @fileoverview The HTML report of a run: one self-contained file (uPlot's
 * script and stylesheet inlined from node_modules, the data embedded as
 * JSON) with the plots (cwnd per flow with every action marked, throughput,
 * RTT, queue occupancy), the summary tables, the actions and the scenario
 * text. No timestamps, paths of this machine or random ids go into the page:
 * the same run gives the same bytes.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { RunCollector } from "./collect.js";
import { bucketWidth, minMaxBuckets, rateBuckets } from "./downsample.js";
import type { AlignedSeries } from "./downsample.js";
import { PAGE_SCRIPT } from "./page-script.js";
import type { Percentiles, Summary } from "./summary.js";

/** A vertical marker on every plot. */
export interface ReportMarker {
  readonly tNs: number;
  readonly label: string;
  /** Longer text for the actions table. */
  readonly detail?: string;
  /** "ok" (default) draws red; "error" draws grey and flags the row. */
  readonly status?: "ok" | "error";
}

/** Everything the report shows. */
export interface ReportInput {
  readonly title: string;
  readonly scenario: {
    readonly name: string;
    /** File name as shown (no directories of this machine). */
    readonly file: string;
    readonly text: string;
    readonly description?: string;
  };
  readonly seed: number;
  readonly durationNs: number;
  readonly sampleNs: number;
  readonly collector: RunCollector;
  readonly summary: Summary;
  readonly markers: readonly ReportMarker[];
  /** A paragraph explaining the run (the demo's). */
  readonly explanation?: string;
  /** Group label of each flow (for legends), default the flow id alone. */
  readonly flowLabel?: (flowId: string) => string;
}

/** One plot's embedded data. */
interface PlotData {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly x: number[];
  readonly series: { readonly label: string; readonly values: (number | null)[] }[];
}

/** Throughput is averaged over this window (or the bucket, when longer). */
const RATE_WINDOW_NS = 200_000_000;
/** Queues drawn at most (those with the most traffic). */
const MAX_QUEUES = 6;

let assets: { js: string; css: string } | undefined;

/** uPlot's minified script and stylesheet, read once from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  if (assets === undefined) {
    const require = createRequire(import.meta.url);
    assets = {
      js: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
      css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
    };
  }
  return assets;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no `<!--`). */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function plot(id: string, title: string, yLabel: string, labels: readonly string[], a: AlignedSeries): PlotData {
  return { id, title, yLabel, x: a.x, series: a.ys.map((values, i) => ({ label: labels[i] as string, values })) };
}

/** Builds the plots' data from the collected samples. */
export function buildPlots(input: ReportInput): { plots: PlotData[]; widthNs: number } {
  const col: RunCollector = input.collector;
  const dur = input.durationNs;
  const w = bucketWidth(dur, input.sampleNs);
  const ids = [...col.flows.keys()];
  const label = (id: string): string => input.flowLabel?.(id) ?? id;
  const labels = ids.map(label);
  const flows = ids.map((id) => col.flows.get(id) as NonNullable<ReturnType<typeof col.flows.get>>);
  const cwnd = minMaxBuckets(flows.map((s) => ({ t: s.t, v: s.cwnd })), dur, w);
  const thr = rateBuckets(flows.map((s) => ({ t: s.t, v: s.bytesAcked })), dur, w, Math.max(w, RATE_WINDOW_NS), 8 / 1e6);
  const rtt = minMaxBuckets(flows.map((s) => {
    const t: number[] = [];
    const v: number[] = [];
    s.rttUs.forEach((x, i) => {
      if (x >= 0) {
        t.push(s.t[i] as number);
        v.push(x / 1000);
      }
    });
    return { t, v };
  }), dur, w);
  // The busiest queues first (by drops, then by the peak occupancy), ties in link order.
  const qs = [...col.queues.entries()]
    .map(([link, q], order) => ({ link, q, order, drops: q.drops[q.drops.length - 1] ?? 0, peak: Math.max(0, ...q.packets) }))
    .filter((e) => e.peak > 0 || e.drops > 0)
    .sort((a, b) => b.drops - a.drops || b.peak - a.peak || a.order - b.order)
    .slice(0, MAX_QUEUES)
    .sort((a, b) => a.order - b.order);
  const queue = minMaxBuckets(qs.map((e) => ({ t: e.q.t, v: e.q.packets })), dur, w);
  return {
    widthNs: w,
    plots: [
      plot("cwnd", "Congestion window per flow", "cwnd (packets)", labels, cwnd),
      plot("throughput", `Goodput per flow (bytes ACKed, ${Math.max(w, RATE_WINDOW_NS) / 1e6} ms average)`, "Mbit/s", labels, thr),
      plot("rtt", "RTT samples per flow", "RTT (ms)", labels, rtt),
      plot("queue", "Queue occupancy", "packets", qs.map((e) => e.link), queue),
    ],
  };
}

const mbit = (bps: number): string => (bps / 1e6).toFixed(2);
const pct = (p: Percentiles | null, k: keyof Percentiles): string => (p === null ? "-" : p[k].toFixed(1));
const fmt = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));
const secs = (ns: number): string => (ns / 1e9).toFixed(3).replace(/\.?0+$/, "") || "0";

function tableHtml(head: readonly string[], rows: readonly (readonly string[])[], errorRow?: (i: number) => boolean): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const trs = rows.map((r, i) => `<tr${errorRow?.(i) === true ? ' class="error"' : ""}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

function summaryHtml(s: Summary): string {
  const flows = tableHtml(
    ["flow", "algorithm", "cc at start → end", "start s", "end s", "Mbit/s", "RTT p50 ms", "p95", "p99", "loss %", "RTOs", "β"],
    s.flows.map((f) => [
      f.id, f.group, f.ccStart === f.ccEnd ? f.ccStart : `${f.ccStart} → ${f.ccEnd}`, secs(f.startNs), secs(f.endNs), mbit(f.throughputBps),
      pct(f.rttMs, "p50"), pct(f.rttMs, "p95"), pct(f.rttMs, "p99"), (f.loss * 100).toFixed(2), String(f.rtos), fmt(f.beta, 2),
    ]),
  );
  const groups = tableHtml(
    ["algorithm", "flows", "Mbit/s total", "per flow", "RTT p50 ms", "p95", "p99", "loss %", "Jain"],
    s.groups.map((g) => [
      g.group, String(g.flows), mbit(g.throughputBps), mbit(g.meanThroughputBps), pct(g.rttMs, "p50"), pct(g.rttMs, "p95"), pct(g.rttMs, "p99"),
      (g.loss * 100).toFixed(2), fmt(g.jain, 3),
    ]),
  );
  const links = tableHtml(
    ["link", "packets out", "drops", "CE marks", "utilization %"],
    s.links.filter((l) => l.packetsOut > 0).map((l) => [l.id, String(l.packetsOut), String(l.drops), String(l.marks), (l.utilization * 100).toFixed(1)]),
  );
  return `<h3>Per flow</h3>\n${flows}\n<h3>Per algorithm</h3>\n${groups}\n<p>Jain's fairness index over all ${s.flows.length} flows: <b>${fmt(s.jain, 3)}</b></p>\n<h3>Links</h3>\n${links}`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1140px;padding:16px 20px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#555}.plot{margin:12px 0 18px}.note{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}thead{background:#f4f4f4}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:10px;overflow:auto;font-size:12.5px}
.actions td:nth-child(3){text-align:left}.error td{color:#a00}.explain{background:#f3f8ff;border-left:4px solid #1f77b4;padding:8px 12px}
`;

/** Renders the report page. */
export function renderReport(input: ReportInput): string {
  const { plots, widthNs } = buildPlots(input);
  const { js, css } = uplotAssets();
  const markers = input.markers.map((m) => ({ t: m.tNs / 1e9, label: m.label, color: m.status === "error" ? "#888" : "#c0392b" }));
  const data = { durationS: input.durationNs / 1e9, markers, plots };
  const actions = tableHtml(
    ["time s", "action", "result"],
    input.markers.map((m) => [secs(m.tNs), m.label, m.detail ?? ""]),
    (i) => input.markers[i]?.status === "error",
  );
  const samples = [...input.collector.flows.values()].reduce((a, s) => a + s.t.length, 0);
  const sc = input.scenario;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="structops">
<title>${escapeHtml(input.title)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">scenario <b>${escapeHtml(sc.name)}</b> (${escapeHtml(sc.file)}) · seed ${input.seed} · ${secs(input.durationNs)} s simulated · ${input.summary.flows.length} flows · ${input.summary.events} events</p>
${sc.description !== undefined ? `<p>${escapeHtml(sc.description)}</p>\n` : ""}${input.explanation !== undefined ? `<p class="explain">${escapeHtml(input.explanation)}</p>\n` : ""}<h2>Plots</h2>
<p class="note">Dashed vertical lines mark the scenario's actions. The traces hold ${samples} flow samples (one every ${input.sampleNs / 1e6} ms); for the browser they are reduced to buckets of ${widthNs / 1e6} ms keeping each bucket's minimum and maximum, so peaks and troughs survive. The trace files next to this page have every sample.</p>
${plots.map((p) => `<div class="plot" id="plot-${p.id}"></div>`).join("\n")}
<h2>Summary</h2>
<p class="note">Throughput is goodput (bytes ACKed over the flow's lifetime). RTT percentiles are nearest-rank over the latest RTT sample at each trace sample. Loss is retransmitted over sent segments. β is the mean ssthresh/cwnd the flow's ssthresh hook returned.</p>
${summaryHtml(input.summary)}
<h2>Actions</h2>
<div class="actions">
${actions}
</div>
<h2>Scenario</h2>
<pre>${escapeHtml(sc.text)}</pre>
<script>${js}</script>
<script type="application/json" id="structops-data">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
