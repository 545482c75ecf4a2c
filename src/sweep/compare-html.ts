/**
 * @fileoverview The comparison report of a sweep: one self-contained HTML
 * file (uPlot inlined, as the run report, src/report/html.ts) with, per
 * algorithm, a heatmap of each metric over two chosen axes (a table of
 * coloured cells, each linking to the report of a point it summarises), a
 * throughput-versus-delay plot with one series per algorithm (every point
 * faint, the mean over seeds solid), a ranking table, and the list of
 * points with links. Cells average every point and group with that
 * algorithm and those two axis values. No clock, path or random id goes into
 * the page: the same results give the same bytes.
 */
import { escapeHtml, scriptJson, uplotAssets } from "../report/html.js";
import { PALETTE } from "../report/page-script.js";
import type { GroupMetrics } from "./metrics.js";
import { round6 } from "./metrics.js";
import type { PointOutcome } from "./table.js";

/** Metrics drawn as heatmaps, with their titles and whether higher is better (for the colour scale). */
export const HEATMAP_METRICS: readonly { readonly key: keyof GroupMetrics; readonly title: string; readonly higherIsBetter: boolean }[] = [
  { key: "goodput_share", title: "goodput, fraction of capacity", higherIsBetter: true },
  { key: "rtt_p95_ms", title: "RTT p95 (ms)", higherIsBetter: false },
  { key: "qdelay_p95_ms", title: "queueing delay p95 (ms)", higherIsBetter: false },
  { key: "loss_rate", title: "bottleneck loss rate", higherIsBetter: false },
  { key: "retrans_rate", title: "retransmission rate", higherIsBetter: false },
  { key: "jain_all", title: "Jain's index, all flows", higherIsBetter: true },
  { key: "convergence_s", title: "late flow's convergence time (s)", higherIsBetter: false },
  { key: "congestion_events", title: "congestion events", higherIsBetter: false },
];

/** What the comparison report shows. */
export interface CompareInput {
  readonly name: string;
  readonly sweepId: string;
  readonly axes: readonly { readonly name: string; readonly labels: readonly string[] }[];
  readonly points: readonly PointOutcome[];
  /** The axes of the heatmaps: columns, then rows (null: one row). */
  readonly heatmap: readonly [string, string | null];
  /** The axis of seeds (spread), if any. */
  readonly seedAxis?: string;
  /** Link to a point's own report, relative to the comparison report. */
  readonly pointHref: (id: string) => string;
}

interface Sample {
  readonly point: PointOutcome;
  readonly row: GroupMetrics;
}

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length);
const fmt = (v: number | null): string => (v === null ? "–" : String(round6(Number(v.toPrecision(3)))));

/** Normalised power of a row: goodput share × base RTT / p95 RTT (1 at full rate without queueing). */
export function normalisedPower(r: GroupMetrics): number | null {
  if (r.goodput_share === null || r.rtt_p95_ms === null || r.qdelay_p95_ms === null || r.rtt_p95_ms <= 0) return null;
  return r.goodput_share * Math.max(0, r.rtt_p95_ms - r.qdelay_p95_ms) / r.rtt_p95_ms;
}

/** The algorithms in order of first appearance. */
function algorithms(points: readonly PointOutcome[]): string[] {
  const out: string[] = [];
  for (const p of points) for (const r of p.rows) if (!out.includes(r.algorithm)) out.push(r.algorithm);
  return out;
}

/** A cell colour: white to green (good) or white to red (bad), on the metric's range over the whole sweep. */
function colour(v: number, lo: number, hi: number, good: boolean): string {
  const f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const g = good ? f : 1 - f;
  const r = Math.round(255 - 150 * g);
  const gr = Math.round(150 + 80 * g);
  const b = Math.round(150 + 20 * g - 60 * (1 - g));
  return `rgb(${r},${gr},${b})`;
}

function heatmapHtml(input: CompareInput, samples: readonly Sample[], metric: (typeof HEATMAP_METRICS)[number], range: [number, number]): string {
  const [xName, yName] = input.heatmap;
  const xi = input.axes.findIndex((a) => a.name === xName);
  const yi = yName === null ? -1 : input.axes.findIndex((a) => a.name === yName);
  const xs = input.axes[xi]?.labels ?? [];
  const ys = yi < 0 ? ["all"] : (input.axes[yi]?.labels ?? []);
  const head = `<tr><th>${escapeHtml(yName ?? "")} \\ ${escapeHtml(xName)}</th>${xs.map((x) => `<th>${escapeHtml(x)}</th>`).join("")}</tr>`;
  const body = ys.map((y) => {
    const cells = xs.map((x) => {
      const here = samples.filter((s) => s.point.labels[xi] === x && (yi < 0 || s.point.labels[yi] === y));
      const vals = here.map((s) => s.row[metric.key]).filter((v): v is number => typeof v === "number");
      const m = mean(vals);
      if (here.length === 0) return `<td class="empty">·</td>`;
      const ids = [...new Set(here.map((s) => s.point.id))];
      const title = `${ids.length} point${ids.length > 1 ? "s" : ""}: ${ids.join(" ")}`;
      // A late flow that never reached its fair share has no convergence time: the cell says so, in the worst colour.
      const never = m === null && metric.key === "convergence_s";
      const censored = metric.key === "convergence_s" && vals.length < here.length ? `; ${here.length - vals.length} of ${here.length} never converged` : "";
      const style = m === null && !never ? "" : ` style="background:${never ? colour(range[1], range[0], range[1], false) : colour(m as number, range[0], range[1], metric.higherIsBetter)}"`;
      const text = never ? "never" : `${fmt(m)}${censored !== "" ? "*" : ""}`;
      return `<td class="cell${m === null && !never ? " none" : ""}"${style} title="${escapeHtml(title + censored)}"><a href="${escapeHtml(input.pointHref(ids[0] as string))}">${text}</a></td>`;
    });
    return `<tr><th>${escapeHtml(y)}</th>${cells.join("")}</tr>`;
  });
  return `<table class="heatmap" data-metric="${metric.key}"><caption>${escapeHtml(metric.title)}</caption><thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}

/** Throughput-versus-delay data: x = queueing delay p95, y = goodput share; per algorithm every point and the mean over seeds. */
function scatterData(input: CompareInput, byAlg: ReadonlyMap<string, Sample[]>): { x: number[]; series: { label: string; colour: string; mean: boolean; values: (number | null)[] }[] } {
  const seedIdx = input.seedAxis === undefined ? -1 : input.axes.findIndex((a) => a.name === input.seedAxis);
  const raw: { label: string; colour: string; mean: boolean; pts: [number, number][] }[] = [];
  [...byAlg.entries()].forEach(([alg, samples], i) => {
    const c = PALETTE[i % PALETTE.length] as string;
    const pts = samples.filter((s) => s.row.qdelay_p95_ms !== null && s.row.goodput_share !== null).map((s) => [s.row.qdelay_p95_ms, s.row.goodput_share] as [number, number]);
    const byKey = new Map<string, [number, number][]>();
    for (const s of samples) {
      if (s.row.qdelay_p95_ms === null || s.row.goodput_share === null) continue;
      const key = `${s.point.labels.filter((_, k) => k !== seedIdx).join("\u0000")}\u0000${s.row.group}`;
      const l = byKey.get(key) ?? [];
      l.push([s.row.qdelay_p95_ms, s.row.goodput_share]);
      byKey.set(key, l);
    }
    const means = [...byKey.values()].map((l) => [mean(l.map((p) => p[0])) as number, mean(l.map((p) => p[1])) as number] as [number, number]);
    raw.push({ label: `${alg} (each run)`, colour: c, mean: false, pts });
    raw.push({ label: `${alg} (mean over seeds)`, colour: c, mean: true, pts: means.map(([a, b]) => [round6(a), round6(b)]) });
  });
  const x = [...new Set(raw.flatMap((r) => r.pts.map((p) => p[0])))].sort((a, b) => a - b);
  const series = raw.map((r) => {
    const values: (number | null)[] = x.map(() => null);
    // Several points at one x keep the highest y (uPlot's aligned data holds one value per x and series).
    for (const [px, py] of r.pts) {
      const k = x.indexOf(px);
      values[k] = Math.max(values[k] ?? -Infinity, py);
    }
    return { label: r.label, colour: r.colour, mean: r.mean, values };
  });
  return { x, series };
}

const SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("sweep-data").textContent);
  var el = document.getElementById("scatter");
  var plots = {};
  window.structopsPlots = plots;
  if (data.x.length > 0) {
    var series = [{ label: "queueing delay p95 (ms)" }].concat(data.series.map(function (s) {
      return { label: s.label, stroke: s.colour, fill: s.colour, width: 0, paths: function () { return null; },
        points: { show: true, size: s.mean ? 11 : 5, width: 1, stroke: s.colour, fill: s.mean ? s.colour : "#ffffff" } };
    }));
    plots.scatter = new uPlot({
      title: "goodput vs queueing delay, per algorithm", width: Math.min(1100, el.clientWidth || 1100), height: 380,
      scales: { x: { time: false } },
      axes: [{ label: "queueing delay p95 (ms)" }, { label: "goodput (fraction of capacity)" }],
      series: series,
    }, [data.x].concat(data.series.map(function (s) { return s.values; })), el);
  }
  document.documentElement.setAttribute("data-rendered", "true");
})();
`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1140px;padding:16px 20px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:16px 0 6px}
.note{color:#555;font-size:13px}.maps{display:flex;flex-wrap:wrap;gap:14px}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
thead{background:#f4f4f4}caption{font-weight:600;text-align:left;padding:2px 0}
.heatmap td a{color:#111;text-decoration:none;display:block}.heatmap td.none{background:#eee}.failed td{color:#a00}
`;

/** Renders the comparison page. */
export function renderComparison(input: CompareInput): string {
  const algs = algorithms(input.points);
  const byAlg = new Map<string, Sample[]>();
  for (const a of algs) byAlg.set(a, []);
  for (const p of input.points) for (const row of p.rows) byAlg.get(row.algorithm)?.push({ point: p, row });
  const all = [...byAlg.values()].flat();
  const sections = algs.map((alg) => {
    const samples = byAlg.get(alg) ?? [];
    // A metric with values anywhere in the sweep is drawn for every algorithm (a late flow that never converged shows "never").
    const has = (m: (typeof HEATMAP_METRICS)[number]): boolean => all.some((s) => typeof s.row[m.key] === "number");
    const maps = HEATMAP_METRICS.filter(has).map((m) => {
      const vals = all.map((s) => s.row[m.key]).filter((v): v is number => typeof v === "number");
      return heatmapHtml(input, samples, m, [Math.min(...vals), Math.max(...vals)]);
    });
    const missing = HEATMAP_METRICS.filter((m) => !has(m)).map((m) => m.title);
    return `<h3 id="alg-${escapeHtml(alg)}">${escapeHtml(alg)}</h3>
${missing.length > 0 ? `<p class="note">No values for: ${escapeHtml(missing.join("; "))} (a late flow's convergence needs a flow group that starts after the first).</p>\n` : ""}<div class="maps">${maps.join("\n")}</div>`;
  });
  const ranking = algs.map((alg) => {
    const s = byAlg.get(alg) ?? [];
    const m = (f: (r: GroupMetrics) => number | null): number | null => mean(s.map((x) => f(x.row)).filter((v): v is number => v !== null));
    return { alg, runs: new Set(s.map((x) => x.point.id)).size, power: m(normalisedPower), share: m((r) => r.goodput_share), qd: m((r) => r.qdelay_p95_ms), jain: m((r) => r.jain_all), retrans: m((r) => r.retrans_rate) };
  }).sort((a, b) => (b.power ?? -1) - (a.power ?? -1) || a.alg.localeCompare(b.alg));
  const rankRows = ranking.map((r, i) => `<tr><td>${i + 1}</td><td style="text-align:left">${escapeHtml(r.alg)}</td><td>${r.runs}</td><td>${fmt(r.power)}</td><td>${fmt(r.share)}</td><td>${fmt(r.qd)}</td><td>${fmt(r.jain)}</td><td>${fmt(r.retrans)}</td></tr>`);
  const failed = input.points.filter((p) => p.status === "failed").length;
  const pointRows = input.points.map((p) => `<tr${p.status === "failed" ? ' class="failed"' : ""}><td style="text-align:left"><a href="${escapeHtml(input.pointHref(p.id))}">${p.id}</a></td>${p.labels.map((l) => `<td>${escapeHtml(l)}</td>`).join("")}<td style="text-align:left">${p.status === "failed" ? escapeHtml(p.error ?? "failed") : "ok"}</td></tr>`);
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="structops">
<title>structops sweep: ${escapeHtml(input.name)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<h1>structops sweep: ${escapeHtml(input.name)}</h1>
<p class="note">sweep ${input.sweepId} · ${input.points.length} points (${failed} failed) · axes: ${input.axes.map((a) => `${escapeHtml(a.name)} (${a.labels.length})`).join(" × ")} · docs/sweep.md defines every metric.</p>
<h2>Ranking</h2>
<p class="note">Ranked by normalised power (goodput share × base RTT / p95 RTT, where base RTT is p95 RTT minus p95 queueing delay: 1 is the full link with no queue), averaged over every point and flow group of the algorithm.</p>
<table class="ranking"><thead><tr><th>#</th><th>algorithm</th><th>points</th><th>power</th><th>goodput share</th><th>qdelay p95 ms</th><th>Jain (all)</th><th>retrans</th></tr></thead><tbody>${rankRows.join("")}</tbody></table>
<h2>Goodput versus delay</h2>
<p class="note">Each small circle is one point's flow group; each large dot the mean over seeds${input.seedAxis !== undefined ? ` (axis ${escapeHtml(input.seedAxis)})` : " (this sweep has no seed axis)"}. Up and to the left is better.</p>
<div id="scatter" class="plot"></div>
<h2>Heatmaps</h2>
<p class="note">Rows: ${escapeHtml(input.heatmap[1] ?? "(one row)")}; columns: ${escapeHtml(input.heatmap[0])}. A cell is the mean over every point and flow group of the algorithm with those values (other axes, seeds included, averaged); for convergence, over the late flows that converged (marked * when some never did; "never" when none did within the run); it links to the first such point's report, and its tooltip lists them all. Colours run from red (worst) to green (best) over the whole sweep's range of the metric.</p>
${sections.join("\n")}
<h2>Points</h2>
<table class="points"><thead><tr><th>point</th>${input.axes.map((a) => `<th>${escapeHtml(a.name)}</th>`).join("")}<th>status</th></tr></thead><tbody>${pointRows.join("")}</tbody></table>
<script>${js}</script>
<script type="application/json" id="sweep-data">${scriptJson(scatterData(input, byAlg))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
