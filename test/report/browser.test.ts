/**
 * @fileoverview The report as a user sees it, checked in headless Chromium
 * on a short real run (test/report/short-run.ts): a screenshot in which
 * every series of every plot has pixels of its colour inside the plot area
 * (two flows with identical RTT traces included: dash patterns keep both
 * visible), no action label overlapping any plot area, and legends that
 * show each series' summary value before any hover. Skipped, saying why,
 * when Chromium is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RunResult } from "../../src/sim/api.js";
import { RunCollector } from "../../src/report/collect.js";
import { renderReport } from "../../src/report/html.js";
import { PALETTE } from "../../src/report/page-script.js";
import { summarize } from "../../src/report/summary.js";
import { CHROMIUM, launchChromium } from "./chromium.js";
import { countColour, decodePng } from "./png.js";
import { shortRun } from "./short-run.js";

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Layout {
  plots: { id: string; area: Rect; labels: { text: string; rect: Rect }[]; legend: { label: string; value: string }[] }[];
}

/** Reads, in the page, each plot's area, its marker labels and its legend, in page coordinates. */
const LAYOUT_SCRIPT = `(() => {
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
  };
  return {
    plots: [...document.querySelectorAll("div.plot")].map((p) => ({
      id: p.id.replace(/^plot-/, ""),
      area: rect(p.querySelector(".u-over")),
      labels: [...p.querySelectorAll(".marker-label")].map((l) => ({ text: l.textContent, rect: rect(l) })),
      legend: [...p.querySelectorAll(".u-legend .u-series")].map((s) => ({
        label: s.querySelector(".u-label")?.textContent ?? "", value: s.querySelector(".u-value")?.textContent ?? "",
      })),
    })),
  };
})()`;

/** A report of two flows with identical samples (same algorithm, same path): each line lies exactly on the other. */
function twinsReport(): string {
  const col = new RunCollector();
  const dur = 3e9;
  for (const flow of ["twin.1", "twin.2"]) col.add({ type: "flow_event", t: 0, flow, event: "start", cc: "reno" });
  for (let t = 0; t <= dur; t += 10e6) {
    for (const flow of ["twin.1", "twin.2"]) {
      const k = t / 10e6;
      const cwnd = 10 + (k % 50);
      col.add({
        type: "flow", t, flow, cc: "reno", cwnd, ssthresh: 30, caState: 0, srttUs: 20000 + cwnd * 300, rttUs: 20000 + cwnd * 300, inflight: cwnd,
        deliveryRateBps: 0, bytesAcked: 1000 * k + 50 * (k % 7) * k, retrans: 0, pacingRate: 0, deliveredBytes: 1000 * k + 50 * (k % 7) * k,
      });
    }
  }
  const flow = (id: string): RunResult["flows"][number] => ({
    id, from: "s", to: "r", ccStart: "reno", ccEnd: "reno", startNs: 0, endNs: dur, bytesAcked: 1e6, throughputBps: 8e6 / 3, segsOut: 700, retrans: 0,
    rtos: 0, recoveries: 0, undos: 0, rttUs: { min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1, count: 1 }, completed: false,
  });
  const result: RunResult = { seed: 1, durationNs: dur, events: 1, flows: [flow("twin.1"), flow("twin.2")], links: [] };
  return renderReport({
    title: "twins", scenario: { name: "twins", file: "twins.yaml", text: "" }, seed: 1, durationNs: dur, sampleNs: 10e6, collector: col,
    summary: summarize(result, col, { capacityBps: 10e6 }), markers: [],
  });
}

const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test("the report's screenshot shows every series, no label over a plot area, and legend values without hovering", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium): the report was not rendered`);
    return;
  }
  const { dir, run } = await shortRun();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(dir, "out", "report.html")).href);
    await page.waitForSelector("html[data-rendered=true]", { timeout: 20_000 });
    // A string, not a function: tsx's helpers would not exist in the page.
    const layout = (await page.evaluate(LAYOUT_SCRIPT)) as Layout;
    const shot = decodePng(await page.screenshot({ fullPage: true }));
    assert.deepEqual(errors, []);
    assert.deepEqual(layout.plots.map((p) => p.id), ["cwnd", "throughput", "rtt", "queue"]);
    const areas = layout.plots.map((p) => p.area);
    for (const p of layout.plots) {
      // The one action is labelled once per plot, above the plot area and clear of every plot area.
      assert.deepEqual(p.labels.map((l) => l.text), ["setsockopt cubic"], p.id);
      for (const l of p.labels) {
        assert.ok(l.rect.width > 0 && l.rect.height > 0, `${p.id}: the label is laid out`);
        for (const a of areas) assert.ok(!overlaps(l.rect, a), `${p.id}: label ${JSON.stringify(l.rect)} overlaps plot area ${JSON.stringify(a)}`);
        assert.ok(l.rect.y + l.rect.height <= p.area.y, `${p.id}: the label is above its plot area`);
      }
      // Legends: the statistic's name under time, then a number per series, with no hover.
      const [time, ...series] = p.legend;
      assert.match(time?.value ?? "", /^(mean|median|over its life)$/, `${p.id}: ${JSON.stringify(time)}`);
      assert.ok(series.length > 0);
      for (const s of series) assert.match(s.value, /^\d+(\.\d+)?$/, `${p.id}: ${s.label} shows ${JSON.stringify(s.value)}`);
      // Every series is drawn: pixels of its colour inside the plot area.
      series.forEach((s, i) => {
        const n = countColour(shot, p.area, PALETTE[i % PALETTE.length] as string, 16);
        assert.ok(n >= 30, `${p.id}: series ${s.label} (${PALETTE[i]}) has ${n} pixels of its colour in the plot area`);
      });
    }
    // The throughput legend shows each flow's goodput from the summary.
    const thr = layout.plots.find((p) => p.id === "throughput")?.legend.slice(1).map((s) => s.value);
    assert.deepEqual(thr, run.summary.flows.map((f) => (f.throughputBps / 1e6).toFixed(2)));
    assert.match(layout.plots[0]?.legend[1]?.label ?? "", /^same\.1: reno → cubic at 1\.5 s/);
    // Two flows whose every sample is equal: the second line is dashed, so the first shows through its gaps.
    writeFileSync(join(dir, "twins.html"), twinsReport());
    await page.goto(pathToFileURL(join(dir, "twins.html")).href);
    await page.waitForSelector("html[data-rendered=true]", { timeout: 20_000 });
    const twins = (await page.evaluate(LAYOUT_SCRIPT)) as Layout;
    const twinShot = decodePng(await page.screenshot({ fullPage: true }));
    for (const p of twins.plots.filter((x) => x.id !== "queue")) {
      for (const i of [0, 1]) {
        const n = countColour(twinShot, p.area, PALETTE[i] as string, 16);
        assert.ok(n >= 30, `${p.id}: twin series ${i} (${PALETTE[i]}) has ${n} visible pixels`);
      }
    }
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
