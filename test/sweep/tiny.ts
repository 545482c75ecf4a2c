/**
 * @fileoverview Small sweeps for the sweep tests: a few points of one
 * simulated second each, so a test runs them in seconds on the CI's two
 * cores; and helpers to compare output folders byte for byte.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

export const ROOT = new URL("../..", import.meta.url).pathname;
/** tsx's loader, by URL: children run from other folders, where the bare name does not resolve. */
export const TSX = import.meta.resolve("tsx");

/** A sweep of 2 rates × (reno, cubic) × 2 seeds = 8 points, a late flow in each. */
export const TINY_SWEEP = `name: tiny
scenario:
  duration: 1s
  topology:
    bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 40 } }
  flows:
    - { id: first }
    - { id: late, start: 400ms }
  outputs: { sample: 20ms, hooks: none }
axes:
  - { name: rate, field: topology.bottleneck.rate, values: [5mbit, 20mbit] }
  - { name: cc, field: "flows[*].algorithm", values: [reno, cubic] }
  - { name: seed, field: seed, range: { from: 1, to: 2 } }
`;

/** A fresh folder with `text` as sweep.yaml; returns the folder. */
export function sweepDir(text = TINY_SWEEP): string {
  const d = mkdtempSync(join(tmpdir(), "structops-sweep-"));
  writeFileSync(join(d, "sweep.yaml"), text);
  return d;
}

/** Every file under `dir` (relative path → SHA-256 of its bytes), sorted. */
export function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}

/** Runs the CLI from the sources in a child process (as a batch engine would start it). */
export function cli(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, join(ROOT, "src/cli/main.ts"), ...args], {
    cwd, encoding: "utf8", env: { ...process.env, ...env, NODE_OPTIONS: "" }, timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
