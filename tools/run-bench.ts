/**
 * @fileoverview Runs every bench/*.bench.ts in its own Node process, one
 * after the other (so they do not share a JIT warm-up or compete for cores).
 *
 *   tsx tools/run-bench.ts [--quick] [--record] [name-filter...]
 *
 * --quick   one short batch per case: what CI runs, to prove each bench works.
 * --record  writes docs/benchmarks.md: the machine, then each bench's table.
 * Exit status 1 if any bench fails.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machine } from "../bench/harness.js";

interface BenchJson {
  bench: string;
  title: string;
  quick: boolean;
  rows: { case: string; value: number; unit: string; note?: string }[];
}

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const record = args.includes("--record");
const filters = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const results: BenchJson[] = [];
let failed = 0;
for (const f of files) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join("bench", f), ...(quick ? ["--quick"] : [])], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  const out = r.stdout ?? "";
  process.stdout.write(out.split("\n").filter((l) => !l.startsWith("BENCH_JSON ")).join("\n"));
  if (r.status !== 0) {
    failed++;
    console.error(`\nbench ${f} failed (status ${r.status}):\n${r.stderr}`);
    continue;
  }
  for (const line of out.split("\n")) if (line.startsWith("BENCH_JSON ")) results.push(JSON.parse(line.slice(11)) as BenchJson);
  console.log(`  [${f}: ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
}

if (record && !quick && failed === 0) {
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  let md = `# Benchmark results\n\nRecorded by \`npm run bench -- --record\`. Figures are medians of several batches after a warm-up\n(bench/harness.ts); they vary with the machine and its load, so compare rows of one run with each other.\n\nMachine: ${machine()}\n`;
  for (const b of results) {
    md += `\n## ${b.title} (\`bench/${b.bench}.bench.ts\`)\n\n| case | value | unit | note |\n|---|---:|---|---|\n`;
    for (const r of b.rows) md += `| ${r.case} | ${fmt(r.value)} | ${r.unit} | ${r.note ?? ""} |\n`;
  }
  writeFileSync(join(root, "docs", "benchmarks.md"), md);
  console.log("\nwrote docs/benchmarks.md");
}
process.exit(failed === 0 ? 0 : 1);
