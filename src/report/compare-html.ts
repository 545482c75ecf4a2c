/**
 * @fileoverview The page of `structops compare`: two runs' traces overlaid
 * (cwnd, goodput and smoothed RTT per flow, bottleneck queue), run A's
 * series solid and run B's dashed, and the table of fidelity metrics with
 * their differences and tolerances (compare.ts). Built with the run
 * report's plots and page (html.ts), so it reads the same way.
 */
import type { FlowSeries, QueueSeries, RunCollector } from "./collect.js";
import { bucketWidth, minMaxBuckets, rateBuckets } from "./downsample.js";
import { COMPARE_METRICS, fmtMetric, fmtTolerance } from "./compare.js";
import type { CompareRow } from "./compare.js";
import { escapeHtml, pageHtml, plot, tableHtml } from "./html.js";
import type { PlotData } from "./html.js";

/** One side of the comparison. */
export interface CompareSide {
  /** How the page names it: the folder as given. */
  readonly label: string;
  readonly collector: RunCollector;
}

/** Everything the page shows. */
export interface CompareInput {
  readonly title: string;
  readonly a: CompareSide;
  readonly b: CompareSide;
  readonly durationNs: number;
  readonly sampleNs: number;
  readonly rows: readonly CompareRow[];
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
}

const RATE_WINDOW_NS = 200_000_000;

function overlay(input: CompareInput): PlotData[] {
  const w = bucketWidth(input.durationNs, input.sampleNs);
  const flows: { label: string; dash: number; s: FlowSeries }[] = [];
  const ids = [...new Set([...input.a.collector.flows.keys(), ...input.b.collector.flows.keys()])];
  for (const id of ids) {
    const fa = input.a.collector.flows.get(id);
    const fb = input.b.collector.flows.get(id);
    if (fa !== undefined) flows.push({ label: `A ${id}`, dash: 0, s: fa });
    if (fb !== undefined) flows.push({ label: `B ${id}`, dash: 1, s: fb });
  }
  const queues: { label: string; dash: number; q: QueueSeries }[] = [];
  for (const [side, c, dash] of [["A", input.a.collector, 0], ["B", input.b.collector, 1]] as const) {
    for (const [link, q] of c.queues) if (Math.max(0, ...q.packets) > 0) queues.push({ label: `${side} ${link}`, dash, q });
  }
  const spec = { labels: flows.map((f) => f.label), dashes: flows.map((f) => f.dash), summaries: flows.map(() => null) };
  const dur = input.durationNs;
  const srtt = flows.map(({ s }) => {
    const t: number[] = [];
    const v: number[] = [];
    s.srttUs.forEach((x, i) => {
      if (x > 0) {
        t.push(s.t[i] as number);
        v.push(x / 1000);
      }
    });
    return { t, v };
  });
  return [
    plot({ id: "cwnd", title: "Congestion window per flow (A solid, B dashed)", yLabel: "cwnd (packets)", statistic: "-", digits: 1, ...spec },
      minMaxBuckets(flows.map(({ s }) => ({ t: s.t, v: s.cwnd })), dur, w)),
    plot({ id: "throughput", title: `Goodput per flow (bytes delivered, ${Math.max(w, RATE_WINDOW_NS) / 1e6} ms average)`, yLabel: "Mbit/s", statistic: "-", digits: 2, ...spec },
      rateBuckets(flows.map(({ s }) => ({ t: s.t, v: s.deliveredBytes })), dur, w, Math.max(w, RATE_WINDOW_NS), 8 / 1e6)),
    plot({ id: "rtt", title: "Smoothed RTT per flow", yLabel: "srtt (ms)", statistic: "-", digits: 1, ...spec }, minMaxBuckets(srtt, dur, w)),
    plot({
      id: "queue", title: "Queue occupancy", yLabel: "packets", statistic: "-", digits: 1, labels: queues.map((q) => q.label),
      dashes: queues.map((q) => q.dash), summaries: queues.map(() => null),
    }, minMaxBuckets(queues.map(({ q }) => ({ t: q.t, v: q.packets })), dur, w)),
  ];
}

/** Renders the comparison page. */
export function renderRunComparison(input: CompareInput): string {
  const plots = overlay(input);
  const title = (k: string): string => {
    const m = COMPARE_METRICS.find((x) => x.key === k);
    return m === undefined ? k : `${m.title}${m.unit === "" ? "" : ` (${m.unit})`}`;
  };
  const table = tableHtml(
    ["flow", "metric", "A", "B", "B − A", "(B − A) / A", "tolerance", ""],
    input.rows.map((r) => [
      r.flow, title(r.metric), fmtMetric(r.a), fmtMetric(r.b), fmtMetric(r.diff), r.relDiff === null ? "-" : `${(r.relDiff * 100).toFixed(1)}%`,
      fmtTolerance(r.tolerance), r.tolerance === undefined ? "" : r.ok ? "ok" : "PAST",
    ]),
    (i) => input.rows[i]?.ok === false,
  );
  const only = [
    ...(input.onlyA.length > 0 ? [`only in A: ${input.onlyA.join(", ")}`] : []),
    ...(input.onlyB.length > 0 ? [`only in B: ${input.onlyB.join(", ")}`] : []),
  ];
  const past = input.rows.filter((r) => !r.ok).length;
  return pageHtml(input.title, { durationS: input.durationNs / 1e9, markers: [], plots }, `<p class="meta">A: <b>${escapeHtml(input.a.label)}</b> · B: <b>${escapeHtml(input.b.label)}</b> · ${input.a.collector.flows.size} and ${input.b.collector.flows.size} flows${past > 0 ? ` · <b>${past} metrics past their tolerance</b>` : ""}</p>
${only.length > 0 ? `<p class="note">${escapeHtml(only.join("; "))} (not compared)</p>\n` : ""}<h2>Plots</h2>
<p class="note">Run A's series are solid, run B's dashed; reduced to buckets of ${bucketWidth(input.durationNs, input.sampleNs) / 1e6} ms keeping each bucket's minimum and maximum.</p>
${plots.map((p) => `<div class="plot" id="plot-${p.id}"></div>`).join("\n")}
<h2>Fidelity metrics</h2>
<p class="note">Per flow the two runs share, from its samples (time 0 at its first): cwnd percentiles are time-weighted over whole cycles between reductions; the period and the cwnd at each reduction are medians over the cycles after slow start; goodput is bytes delivered over the flow's samples; srtt is the median smoothed RTT. docs/compare.md has every definition.</p>
${table}`);
}
