/**
 * @fileoverview The copy-paste check of `npm test` (`npm run check:dup`):
 * jscpd over src/ with the settings and the threshold of `.jscpd.json`.
 *
 * Prints the totals (clones, duplicated lines and their share of all lines)
 * and every clone as `a.ts:12-20 = b.ts:40-48`; exits 1, with one line saying
 * by how much, when the share of duplicated lines is over the threshold.
 * (jscpd's own command line reports the same figures but ends in a stack
 * trace when the threshold is crossed.)
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as Jscpd from "jscpd";

// jscpd's CommonJS build: its ESM entry pulls in sources tsx cannot load.
const { detectClonesAndStatistic } = createRequire(import.meta.url)("jscpd") as typeof Jscpd;

const root = new URL("..", import.meta.url).pathname;
const config = JSON.parse(readFileSync(join(root, ".jscpd.json"), "utf8")) as { threshold: number; path: string[] } & Record<string, unknown>;
const { threshold, ...options } = config;
process.chdir(root);
const { clones, statistic } = await detectClonesAndStatistic({ ...options, path: config.path, silent: true, reporters: [] });
const t = statistic.total;
const where = (f: { sourceId: string; start: { line?: number }; end: { line?: number } }): string => `${f.sourceId}:${f.start.line ?? 0}-${f.end.line ?? 0}`;
for (const c of clones) console.log(`  ${where(c.duplicationA)} = ${where(c.duplicationB)}`);
console.log(`check-dup: ${t.sources} files, ${t.lines} lines; ${t.clones} clones, ${t.duplicatedLines} duplicated lines (${t.percentage}%), threshold ${threshold}%`);
if (t.percentage > threshold) {
  console.error(`check-dup: ${t.percentage}% of the lines of ${config.path.join(", ")} are duplicated, over the threshold of ${threshold}% in .jscpd.json`);
  process.exit(1);
}
