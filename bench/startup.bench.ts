/**
 * @fileoverview Start-up of the `structops` command (issue #11): wall time of
 * `node bin/structops.js --help` and `--version` (the compiled CLI, exactly
 * what an installed package runs) against `node -e ''`, Node's own start-up,
 * measured alternately in the same run; the ratio is the figure to compare.
 * Builds dist/ first when it is missing or older than src/cli/main.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { QUICK, report, type BenchRow } from "./harness.js";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist", "cli", "main.js");
if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, "src", "cli", "main.ts")).mtimeMs) {
  const b = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) throw new Error("startup bench: the build (tsc -p tsconfig.build.json) failed");
}

/** Wall milliseconds of one `node <args>` run; throws unless it exits 0. */
function wallMs(args: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const bin = join(root, "bin", "structops.js");
const CASES: Record<string, readonly string[]> = {
  "node -e ''": ["-e", ""],
  "structops --help": [bin, "--help"],
  "structops --version": [bin, "--version"],
};
const rounds = QUICK ? 1 : 21;
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
if (!QUICK) for (const args of Object.values(CASES)) wallMs(args); // warm the file cache
for (let i = 0; i < rounds; i++) for (const [name, args] of Object.entries(CASES)) samples[name]?.push(wallMs(args));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const floor = median(samples["node -e ''"] ?? []);
const rows: BenchRow[] = [];
for (const name of Object.keys(CASES)) {
  const m = median(samples[name] ?? []);
  rows.push({ case: name, value: m, unit: "ms", note: `median of ${rounds}${name.startsWith("structops") ? `, ${(m / floor).toFixed(2)}x node's start-up, +${(m - floor).toFixed(0)} ms` : ""}` });
}
report("startup", "CLI start-up: the compiled bin against node's own start-up", rows);
