/**
 * @fileoverview `structops compare` (docs/compare.md) on two testbed runs:
 * the page and the metrics table, the exit status with and without
 * tolerances (what CI relies on), JSON output, run folders in either trace
 * format, and the errors for what is not a run folder. Also the pieces it
 * is built from: trace lines read back as written, and the time-weighted
 * cwnd percentiles in order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareMain, COMPARE_PAST_TOLERANCE_EXIT } from "../../src/cli/compare.js";
import { memoryIo } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/run.js";
import { parseTolerance } from "../../src/report/compare.js";
import { timeWeightedMedian, timeWeightedQuantile } from "../../src/report/fidelity-metrics.js";
import { csvField, splitCsvLine } from "../../src/report/trace-files.js";
import { CHROMIUM, launchChromium, renderedPlots } from "../report/chromium.js";

const SCENARIO = `name: cmp
seed: 1
duration: 4s
topology:
  bottleneck: { rate: 10mbit, delay: 10ms, queue: { kind: droptail, packets: 25 }, loss: 0.2% }
flows:
  - { id: a, algorithm: reno }
  - { id: b, algorithm: cubic, start: 500ms }
outputs: { sample: 10ms, hooks: none }
`;

async function runInto(dir: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const f = join(dir, "cmp.yaml");
  writeFileSync(f, SCENARIO);
  const out = join(dir, name);
  const io = memoryIo();
  assert.equal(await runMain(f, { engine: "auto", progress: false, out, ...extra }, io), 0, io.err());
  return out;
}

test("compare: the same run twice is within a zero tolerance; two seeds are not, and exit 4 says so; the page draws both runs", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "structops-compare-"));
  try {
    const s1 = await runInto(dir, "seed1");
    const again = await runInto(dir, "seed1-again");
    const s2 = await runInto(dir, "seed2", { seed: 2, format: "jsonl" });

    let io = memoryIo();
    assert.equal(compareMain(s1, again, { out: join(dir, "same.html"), tolerance: ["all=0"] }, io), 0, io.err());
    assert.match(io.out(), /medianCwnd/);

    io = memoryIo();
    assert.equal(compareMain(s1, s2, { out: join(dir, "seeds.html") }, io), 0, "without tolerances a difference is no failure");
    io = memoryIo();
    assert.equal(compareMain(s1, s2, { out: join(dir, "seeds.html"), tolerance: ["all=0"] }, io), COMPARE_PAST_TOLERANCE_EXIT);
    assert.match(io.err(), /past the tolerance: a \w+/);
    // A tolerance wide enough for every metric passes again.
    io = memoryIo();
    assert.equal(compareMain(s1, s2, { out: join(dir, "seeds.html"), tolerance: ["all=1000%"] }, io), 0, io.err());

    io = memoryIo();
    compareMain(s1, s2, { out: join(dir, "j.html"), json: true, tolerance: ["medianCwnd=0"] }, io);
    const j = JSON.parse(io.out()) as { ok: boolean; rows: { flow: string; metric: string; a: number | null; b: number | null; diff: number | null; tolerance: string | null; ok: boolean }[] };
    assert.deepEqual([...new Set(j.rows.map((r) => r.flow))], ["a", "b"]);
    for (const r of j.rows) {
      if (r.a !== null && r.b !== null) assert.equal(r.diff, r.b - r.a);
      assert.equal(r.tolerance, r.metric === "medianCwnd" ? "0" : null);
      if (r.metric !== "medianCwnd") assert.equal(r.ok, true);
    }
    assert.equal(j.ok, j.rows.every((r) => r.ok));

    const html = readFileSync(join(dir, "seeds.html"), "utf8");
    assert.match(html, /structops compare: seed1 vs seed2/);
    for (const id of ["cwnd", "throughput", "rtt", "queue"]) assert.match(html, new RegExp(`id="plot-${id}"`));
    assert.match(html, /period between reductions/);
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (apt-get install chromium): the page was not opened in a browser`);
      return;
    }
    const browser = await launchChromium();
    try {
      const r = await renderedPlots(browser, join(dir, "seeds.html"));
      assert.deepEqual(r.errors, []);
      // Both flows of both runs, A's and B's series one after the other.
      assert.deepEqual(r.plots.slice(0, 3).map((p) => [p.id, p.series.length]), [["cwnd", 4], ["throughput", 4], ["rtt", 4]]);
      for (const p of r.plots.slice(0, 3)) for (const n of p.series) assert.ok(n > 50, `${p.id} has data`);
      assert.equal(r.plots[3]?.id, "queue");
      assert.ok((r.plots[3]?.series.length ?? 0) >= 2, "the bottleneck queue of each run");
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compare: a folder that is not a run, a bad tolerance", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-compare-"));
  try {
    let io = memoryIo();
    assert.equal(compareMain(join(dir, "nope"), dir, { out: join(dir, "x.html") }, io), 1);
    assert.match(io.err(), /nope: not a run folder \(no such directory\)/);
    io = memoryIo();
    assert.equal(compareMain(dir, dir, { out: join(dir, "x.html") }, io), 1);
    assert.match(io.err(), /has no flows\.csv or flows\.jsonl/);
    writeFileSync(join(dir, "flows.csv"), "t_ns,something,else\n1,2,3\n");
    io = memoryIo();
    assert.equal(compareMain(dir, dir, { out: join(dir, "x.html") }, io), 1);
    assert.match(io.err(), /flows\.csv:1: not a structops flows trace/);
    io = memoryIo();
    assert.equal(compareMain(dir, dir, { tolerance: ["cwnd=2"] }, io), 1);
    assert.match(io.err(), /unknown metric 'cwnd' \(one of all, medianCwnd/);
    assert.throws(() => parseTolerance("medianCwnd=-1"), /expected METRIC=VALUE/);
    assert.deepEqual(parseTolerance("srttMs=2%"), ["srttMs", { value: 0.02, relative: true }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a CSV line of quoted fields splits back into the fields written (RFC 4180)", () => {
  fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (fields) => {
    const clean = fields.map((f) => f.replace(/[\r\n]/g, ""));
    assert.deepEqual(splitCsvLine(clean.map(csvField).join(",")), clean);
  }));
});

test("time-weighted cwnd percentiles: p10 <= median <= p90, and all lie among the values", () => {
  const sample = fc.record({ dt: fc.integer({ min: 1, max: 50 }), cwnd: fc.integer({ min: 1, max: 500 }) });
  fc.assert(fc.property(fc.array(sample, { minLength: 2, maxLength: 60 }), (xs) => {
    let t = 0;
    const trace = xs.map((x) => ({ tS: (t += x.dt) / 1000, cwnd: x.cwnd }));
    const from = trace[0]?.tS as number;
    const to = (trace[trace.length - 1]?.tS as number) + 0.01;
    const p10 = timeWeightedQuantile(trace, from, to, 0.1);
    const med = timeWeightedMedian(trace, from, to);
    const p90 = timeWeightedQuantile(trace, from, to, 0.9);
    assert.ok(p10 <= med && med <= p90, `${p10} ${med} ${p90}`);
    const values = new Set(trace.map((s) => s.cwnd));
    assert.ok(values.has(p10) && values.has(p90));
  }));
});
