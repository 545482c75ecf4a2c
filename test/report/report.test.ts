/**
 * @fileoverview Tests of src/report: downsampling keeps peaks and gaps,
 * summary statistics (nearest-rank percentiles, Jain's index), trace file
 * lines, and the HTML page: self-contained, escaped, deterministic, and, in
 * headless Chromium, rendered with no console errors and data in every plot.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunResult, TraceRecord } from "../../src/sim/api.js";
import { RunCollector } from "../../src/report/collect.js";
import { bucketWidth, minMaxBuckets, rateBuckets, round4 } from "../../src/report/downsample.js";
import { escapeHtml, renderReport, scriptJson } from "../../src/report/html.js";
import type { ReportInput } from "../../src/report/html.js";
import { formatSummary, jainIndex, percentile, summarize } from "../../src/report/summary.js";
import { CHROMIUM, launchChromium, renderedPlots } from "./chromium.js";
import { csvField, csvLine, traceLine } from "../../src/report/trace-files.js";

test("minMaxBuckets() keeps each bucket's extremes in time order and leaves empty buckets null", () => {
  const t = [0, 1, 2, 3, 10, 11];
  const v = [5, 9, 1, 4, 7, 7];
  const a = minMaxBuckets([{ t, v }], 12, 4);
  assert.deepEqual(a.x, [1e-9, 3e-9, 5e-9, 7e-9, 9e-9, 11e-9].map((x) => Math.round(x * 1e6) / 1e6));
  // bucket 0: max 9 at t=1 before min 1 at t=2; bucket 1 empty; bucket 2: 7, 7.
  assert.deepEqual(a.ys[0], [9, 1, null, null, 7, 7]);
});

test("rateBuckets() turns a cumulative counter into a windowed rate", () => {
  const t = [0, 1e9, 2e9, 3e9, 4e9];
  const v = [0, 1000, 2000, 3000, 4000];
  const a = rateBuckets([{ t, v }], 4e9, 1e9, 2e9, 8);
  assert.deepEqual(a.ys[0], [8000, 8000, 8000, 8000, 8000, 8000, 8000, 8000]);
});

test("bucketWidth() is a whole number of samples and caps the bucket count", () => {
  assert.equal(bucketWidth(20e9, 10e6), 20e6);
  assert.equal(bucketWidth(1e9, 10e6), 10e6);
  assert.equal(round4(123456), 123500);
  assert.equal(round4(0), 0);
});

test("percentile() is nearest-rank and jainIndex() is 1 for equal shares, 1/n for one flow taking all", () => {
  const s = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(s, 50), 50);
  assert.equal(percentile(s, 95), 95);
  assert.equal(percentile(s, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(jainIndex([5, 5, 5, 5]), 1);
  assert.equal(jainIndex([8, 0, 0, 0]), 0.25);
  assert.equal(jainIndex([]), null);
  assert.equal(jainIndex([0, 0]), null);
});

test("csvLine() and traceLine() give one line per record, quoting what needs it", () => {
  assert.equal(csvField('a,"b"'), '"a,""b"""');
  const hook: TraceRecord = { type: "hook", t: 5, flow: "f", cc: "reno", hook: "cong_avoid", args: [1, 2], cwnd: 10 };
  assert.equal(csvLine(hook), "5,hook,f,,reno,cong_avoid,1;2,,10,");
  assert.equal(csvLine({ type: "ca_state", t: 1, flow: "f", from: 0, to: 3 }), "1,ca_state,f,,,Open->Recovery,,,,");
  assert.equal(traceLine(hook, "jsonl"), JSON.stringify(hook));
  assert.equal(csvLine({ type: "action", t: 0, label: "update x", detail: 'now "y", ok' }), '0,action,,,,update x,,,,"now ""y"", ok"');
});

test("escapeHtml() and scriptJson() keep text and data from breaking out of the page", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  assert.equal(scriptJson({ s: "</script><!--" }), '{"s":"\\u003c/script>\\u003c!--"}');
});

/** A small synthetic run: two flows with sawtooth cwnd, one queue, two actions. */
function syntheticRun(): { input: ReportInput; records: TraceRecord[] } {
  const col = new RunCollector();
  const records: TraceRecord[] = [];
  const add = (r: TraceRecord): void => {
    records.push(r);
    col.add(r);
  };
  const dur = 4e9;
  add({ type: "action", t: 0, label: "attach v1" });
  for (let t = 0; t <= dur; t += 10e6) {
    for (const [i, flow] of ["a", "b<&>"].entries()) {
      if (i === 1 && t < 1e9) continue;
      if (i === 0 && t === 0) add({ type: "flow_event", t, flow, event: "start", cc: "reno" });
      const cwnd = 10 + ((t / 10e6 + i * 7) % 40);
      if (cwnd === 49) add({ type: "hook", t, flow, cc: "reno", hook: "ssthresh", args: [], ret: 24, cwnd: 49 });
      add({
        type: "flow", t, flow, cc: "reno", cwnd, ssthresh: 24, caState: 0, srttUs: 20000 + cwnd * 100, rttUs: 20000 + cwnd * 100, inflight: cwnd,
        deliveryRateBps: 1e6, bytesAcked: Math.floor((t / 1e9) * 125000), retrans: 0, pacingRate: 0, deliveredBytes: Math.floor((t / 1e9) * 125000),
      });
    }
    add({ type: "queue", t, link: "bottleneck", bytes: 1500 * ((t / 10e6) % 30), packets: (t / 10e6) % 30, drops: Math.floor(t / 1e9), marks: 0 });
    if (t === 2e9) add({ type: "action", t, label: "update cc → v2", detail: "BPF_LINK_UPDATE" });
  }
  const flowSum = (id: string, start: number): RunResult["flows"][number] => ({
    id, from: "s", to: "r", ccStart: "reno", ccEnd: "reno", startNs: start, endNs: dur, bytesAcked: 500000, throughputBps: 1e6, segsOut: 400, retrans: 4,
    rtos: 0, recoveries: 1, undos: 0, rttUs: { min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1, count: 1 }, completed: false,
  });
  const result: RunResult = {
    seed: 1, durationNs: dur, events: 1234, flows: [flowSum("a", 0), flowSum("b<&>", 1e9)],
    links: [{ id: "bottleneck", from: "left", to: "right", packetsOut: 700, bytesOut: 1e6, drops: 4, marks: 0, utilization: 0.5 }],
  };
  const summary = summarize(result, col);
  return {
    records,
    input: {
      title: "test <report>", scenario: { name: "t", file: "t.yaml", text: "duration: 4s\n# </script> <b>not bold</b>\n" }, seed: 1, durationNs: dur,
      sampleNs: 10e6, collector: col, summary,
      markers: [{ tNs: 0, label: "attach v1", detail: "ok" }, { tNs: 2e9, label: "update cc → v2", detail: "EINVAL", status: "error" }],
      explanation: "flows <a> ran v1",
    },
  };
}

test("summarize() and formatSummary() give per-flow and per-algorithm rows with β from the ssthresh hook", () => {
  const { input } = syntheticRun();
  const s = input.summary;
  assert.deepEqual(s.flows.map((f) => [f.id, f.group, f.loss, f.beta !== null && Math.abs(f.beta - 24 / 49) < 1e-9]), [["a", "reno", 0.01, true], ["b<&>", "reno", 0.01, true]]);
  assert.equal(s.groups.length, 1);
  assert.equal(s.groups[0]?.jain, 1);
  assert.equal(s.jain, 1);
  const text = formatSummary(s);
  assert.match(text, /^flow\s+algorithm\s+start s/);
  assert.match(text, /Jain's fairness index over all 2 flows: 1\.000/);
});

test("renderReport() is self-contained, escaped and byte-identical for the same input", () => {
  const a = renderReport(syntheticRun().input);
  const b = renderReport(syntheticRun().input);
  assert.equal(a, b);
  assert.doesNotMatch(a, /<script[^>]+src=|<link[^>]+href=|(src|href|url)\(?=?"?https?:/, "no external resources");
  assert.match(a, /uPlot/);
  assert.match(a, /&lt;\/script&gt; &lt;b&gt;not bold&lt;\/b&gt;/);
  assert.match(a, /<title>test &lt;report&gt;<\/title>/);
  assert.equal(a.match(/<\/script>/g)?.length, 3, "only the page's own three scripts close");
  assert.match(a, /<tr class="error"><td>2<\/td><td>update cc → v2<\/td><td>EINVAL<\/td><\/tr>/);
  assert.match(a, /reduced to buckets of 10 ms/);
});

test("the report renders in headless Chromium with no console errors and data in every plot", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "structops-report-"));
  const file = join(dir, "report.html");
  writeFileSync(file, renderReport(syntheticRun().input));
  const browser = await launchChromium();
  try {
    const plots = await renderedPlots(browser, file);
    assert.deepEqual(plots.errors, []);
    assert.deepEqual(plots.plots.map((p) => p.id), ["cwnd", "throughput", "rtt", "queue"]);
    for (const p of plots.plots) {
      assert.ok(p.series.length >= 1, `${p.id} has series`);
      for (const n of p.series) assert.ok(n > 10, `${p.id}: every series has points (${p.series.join(", ")})`);
    }
    assert.deepEqual(plots.plots.find((p) => p.id === "cwnd")?.series.length, 2);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

