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
import { betaText, definitionText, timelineText } from "./summary.js";
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
  /** Programs that faulted during the run, one line each (what `structops run` prints); none: no section. */
  readonly progFaults?: readonly string[];
  /** Group label of each flow (for legends), default the flow id alone. */
  readonly flowLabel?: (flowId: string) => string;
  /** For a run on a real kernel (`run --linux`): its name, shown instead of "simulated" and the event count. */
  readonly realKernel?: string;
}

/** One plot's embedded data. */
export interface PlotData {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  /** What the legend shows for each series when the cursor is not on the plot ("mean", "median"...). */
  readonly statistic: string;
  /** Decimals of the legend values. */
  readonly digits: number;
  readonly x: number[];
  readonly series: {
    readonly label: string;
    /** Index into the page's dash patterns: series of one group differ by it. */
    readonly dash: number;
    /** The statistic's value for this series, null without samples. */
    readonly summary: number | null;
    readonly values: (number | null)[];
  }[];
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

/** A plot's title, axis and legend: one label, dash and summary value per series. */
export interface PlotSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly statistic: string;
  readonly digits: number;
  readonly labels: readonly string[];
  readonly dashes: readonly number[];
  readonly summaries: readonly (number | null)[];
}

/** A plot of aligned series. */
export function plot(p: PlotSpec, a: AlignedSeries): PlotData {
  return {
    id: p.id, title: p.title, yLabel: p.yLabel, statistic: p.statistic, digits: p.digits, x: a.x,
    series: a.ys.map((values, i) => ({ label: p.labels[i] as string, dash: p.dashes[i] ?? 0, summary: finiteOrNull(p.summaries[i]), values })),
  };
}

/**
 * A legend's summary value, unrounded: the page formats it to the plot's
 * digits, and rounding it to 4 significant digits first could round it
 * twice (3.76495 -> 3.765 -> "3.77", where the run summary says 3.76).
 */
function finiteOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

const meanOf = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length);

/** Per series, its rank among the series with the same key: 0 for the first, 1 for the second... */
export function dashIndices(keys: readonly string[]): number[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n;
  });
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
  const thr = rateBuckets(flows.map((s) => ({ t: s.t, v: s.deliveredBytes })), dur, w, Math.max(w, RATE_WINDOW_NS), 8 / 1e6);
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
  const rows = ids.map((id) => input.summary.flows.find((f) => f.id === id));
  const dashes = dashIndices(rows.map((f, i) => (f === undefined ? (ids[i] as string) : timelineText(f))));
  const flowPlot = { labels, dashes };
  return {
    widthNs: w,
    plots: [
      plot({ id: "cwnd", title: "Congestion window per flow", yLabel: "cwnd (packets)", statistic: "mean", digits: 1, ...flowPlot, summaries: flows.map((s) => meanOf(s.cwnd)) }, cwnd),
      plot({
        id: "throughput", title: `Goodput per flow (bytes delivered, ${Math.max(w, RATE_WINDOW_NS) / 1e6} ms average)`, yLabel: "Mbit/s",
        statistic: "over its life", digits: 2, ...flowPlot, summaries: rows.map((f) => (f === undefined ? null : f.throughputBps / 1e6)),
      }, thr),
      plot({ id: "rtt", title: "RTT samples per flow", yLabel: "RTT (ms)", statistic: "median", digits: 1, ...flowPlot, summaries: rows.map((f) => f?.rttMs?.p50 ?? null) }, rtt),
      plot({
        id: "queue", title: "Queue occupancy", yLabel: "packets", statistic: "mean", digits: 1, labels: qs.map((e) => e.link),
        dashes: qs.map(() => 0), summaries: qs.map((e) => meanOf(e.q.packets)),
      }, queue),
    ],
  };
}

const mbit = (bps: number): string => (bps / 1e6).toFixed(2);
const pct = (p: Percentiles | null, k: keyof Percentiles): string => (p === null ? "-" : p[k].toFixed(1));
const fmt = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));
const secs = (ns: number): string => (ns / 1e9).toFixed(3).replace(/\.?0+$/, "") || "0";

/** A table with a header row; `errorRow` flags rows drawn as errors. */
export function tableHtml(head: readonly string[], rows: readonly (readonly string[])[], errorRow?: (i: number) => boolean): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const trs = rows.map((r, i) => `<tr${errorRow?.(i) === true ? ' class="error"' : ""}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

/** The section on programs that faulted: each fault ended that run early with 0, so the run's figures are not the program's. */
function faultsHtml(lines: readonly string[]): string {
  if (lines.length === 0) return "";
  return `<h2>Program faults</h2>\n<p class="note">These programs faulted while running: each fault ended that run and the hook saw 0, so the figures below are not what the program would do on Linux.</p>\n<ul class="faults error">\n${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("\n")}\n</ul>\n`;
}

const share = (x: number | null): string => (x === null ? "-" : (x * 100).toFixed(1));

function summaryHtml(s: Summary): string {
  const flows = tableHtml(
    ["flow", "algorithm (timeline)", "start s", "end s", "Mbit/s", "RTT p50 ms", "p95", "p99", "loss %", "RTOs", "β"],
    s.flows.map((f) => [
      f.id, timelineText(f), secs(f.startNs), secs(f.endNs), mbit(f.throughputBps),
      pct(f.rttMs, "p50"), pct(f.rttMs, "p95"), pct(f.rttMs, "p99"), (f.loss * 100).toFixed(2), String(f.rtos), betaText(f),
    ]),
  );
  const groups = tableHtml(
    ["algorithm", "flows", "active s", "Mbit/s while active", "% of capacity", "% of traffic", "per flow", "RTT p50 ms", "p95", "p99", "loss %", "β", "Jain"],
    s.groups.map((g) => [
      g.group, g.switched > 0 ? `${g.flows} (${g.switched} switched)` : String(g.flows), secs(g.activeNs), mbit(g.throughputBps), share(g.capacityShare),
      share(g.trafficShare), mbit(g.meanThroughputBps), pct(g.rttMs, "p50"), pct(g.rttMs, "p95"), pct(g.rttMs, "p99"),
      (g.loss * 100).toFixed(2), fmt(g.beta, 2), fmt(g.jain, 3),
    ]),
  );
  const names = s.groups.map((g) => g.group);
  const intervals = tableHtml(
    ["from s", "to s", "Mbit/s", "% of capacity", ...names.map((n) => `${n}: Mbit/s (flows)`)],
    s.intervals.map((iv) => [
      secs(iv.fromNs), secs(iv.toNs), mbit(iv.throughputBps), share(s.capacityBps === null ? null : iv.throughputBps / s.capacityBps),
      ...names.map((n) => {
        const g = iv.groups.find((x) => x.group === n);
        return g === undefined ? "" : `${mbit(g.throughputBps)} (${g.flows.length})`;
      }),
    ]),
  );
  const links = tableHtml(
    ["link", "packets out", "drops", "CE marks", "utilization %"],
    s.links.filter((l) => l.packetsOut > 0).map((l) => [l.id, String(l.packetsOut), String(l.drops), String(l.marks), (l.utilization * 100).toFixed(1)]),
  );
  const cap = s.capacityBps === null ? "the bottleneck's rate is not a constant (a capacity trace), so no share of capacity is given" : `the bottleneck carries ${mbit(s.capacityBps)} Mbit/s on the wire (headers included), so goodput tops out a few percent below it`;
  return `<h3>Per flow</h3>
<p class="note">Each flow over its own lifetime: Mbit/s is bytes ACKed × 8 over its start to its end. A flow that changed algorithm shows its timeline.</p>
${flows}
<h3>Per algorithm</h3>
<p class="note">${escapeHtml(definitionText())}; ${escapeHtml(cap)}. % of traffic is its part of all bytes delivered in that time. Per flow is the mean over its flows' segments of each one's goodput; RTT, loss and β are over the samples, retransmissions and reductions inside those segments; Jain's index is over the segments' goodputs.</p>
${groups}
<h3>Per concurrent interval</h3>
<p class="note">Between two consecutive flow starts, ends, algorithm changes or actions, the same flows run the same algorithms: each algorithm's goodput over the interval, and the number of its flows.</p>
${intervals}
<p>Jain's fairness index over all ${s.flows.length} flows (lifetime goodputs): <b>${fmt(s.jain, 3)}</b></p>
<h3>Links</h3>
${links}`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1140px;padding:16px 20px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#555}.plot{margin:12px 0 18px}.note{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}thead{background:#f4f4f4}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:10px;overflow:auto;font-size:12.5px}
.marker-band{position:relative;font:11px/14px sans-serif;margin:2px 0}.marker-label{position:absolute;white-space:nowrap;border-left:2px dotted;padding-left:3px}
.actions td:nth-child(3){text-align:left}.error td{color:#a00}.explain{background:#f3f8ff;border-left:4px solid #1f77b4;padding:8px 12px}
`;

/** Renders the report page. */
export function renderReport(input: ReportInput): string {
  const { plots, widthNs } = buildPlots(input);
  const markers = input.markers.map((m) => ({ t: m.tNs / 1e9, label: m.label, color: m.status === "error" ? "#888" : "#c0392b" }));
  const data = { durationS: input.durationNs / 1e9, markers, plots };
  const actions = tableHtml(
    ["time s", "action", "result"],
    input.markers.map((m) => [secs(m.tNs), m.label, m.detail ?? ""]),
    (i) => input.markers[i]?.status === "error",
  );
  const samples = [...input.collector.flows.values()].reduce((a, s) => a + s.t.length, 0);
  const sc = input.scenario;
  const how = input.realKernel !== undefined ? `on ${escapeHtml(input.realKernel)}` : "simulated";
  const events = input.realKernel !== undefined ? "" : ` · ${input.summary.events} events`;
  return pageHtml(input.title, data, `<p class="meta">scenario <b>${escapeHtml(sc.name)}</b> (${escapeHtml(sc.file)}) · seed ${input.seed} · ${secs(input.durationNs)} s ${how} · ${input.summary.flows.length} flows${events}</p>
${sc.description !== undefined ? `<p>${escapeHtml(sc.description)}</p>\n` : ""}${input.explanation !== undefined ? `<p class="explain">${escapeHtml(input.explanation)}</p>\n` : ""}${faultsHtml(input.progFaults ?? [])}<h2>Plots</h2>
<p class="note">Dashed vertical lines mark the scenario's actions, labelled above each plot. Flows with the same algorithm timeline differ by dash pattern. Without hovering, each legend shows a summary per series (the statistic in its time column); hovering shows the values under the cursor. The traces hold ${samples} flow samples (one every ${input.sampleNs / 1e6} ms); for the browser they are reduced to buckets of ${widthNs / 1e6} ms keeping each bucket's minimum and maximum, so peaks and troughs survive. The trace files next to this page have every sample.</p>
${plots.map((p) => `<div class="plot" id="plot-${p.id}"></div>`).join("\n")}
<h2>Summary</h2>
<p class="note">Goodput counts payload bytes delivered to the receiver (ACKed or SACKed: the kernel's tp->delivered × MSS), so a cumulative ACK at the end of a recovery does not count data twice or late. RTT percentiles are nearest-rank over the latest RTT sample at each trace sample. Loss is retransmitted over sent segments. β is the mean ssthresh/cwnd the flow's ssthresh hook returned. docs/report.md has every definition.</p>
${summaryHtml(input.summary)}
<h2>Actions</h2>
<div class="actions">
${actions}
</div>
<h2>Scenario</h2>
<pre>${escapeHtml(sc.text)}</pre>`);
}

/** A self-contained page: uPlot and the page script inlined, `data` ({ durationS, markers, plots }) embedded, a `<div class="plot" id="plot-<id>">` per plot in `body`. */
export function pageHtml(title: string, data: unknown, body: string): string {
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="structops">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
<script>${js}</script>
<script type="application/json" id="structops-data">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
