/**
 * @fileoverview Runs the whole test suite with node's test runner.
 *
 * Node 20's `--test` takes no globs, so this collects every `*.test.ts` under
 * src/ and test/ (sorted, for a stable order) and hands the list to
 * `node --import tsx --test`. Extra arguments filter files by substring.
 * `--quick` (`npm run test:quick`) runs {@link QUICK} instead: a file or two
 * per area, for a check in well under two minutes.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function collect(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    // Fixture data is skipped, except test/fixtures, which holds the BPF fixtures' own tests.
    if (name === "fixtures" && dir !== join(root, "test")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
}

/** The quick subset: a file or two per area (paths from the root; each must exist). */
const QUICK = [
  "src/uapi/attr-codec.test.ts",
  "src/asm/text-asm.test.ts",
  "test/kernel/update-ca.test.ts",
  "test/kernel/detach.test.ts",
  "src/net/tcp-cc/cubic.test.ts",
  "src/vm/interp.test.ts",
  "test/jit/entry.test.ts",
  "test/jit/kernel-scenarios.test.ts",
  "test/obj/elf.test.ts",
  "test/obj/btf.test.ts",
  "test/lib/object-api.test.ts",
  "test/sim/determinism.test.ts",
  "test/cli/scenario.test.ts",
  "src/cli/conformance.test.ts",
  "test/conformance/conformance.test.ts",
  "test/package/bin.test.ts",
  "test/package/startup.test.ts",
];

const files: string[] = [];
collect(join(root, "src"), files);
collect(join(root, "test"), files);
const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const quick = process.argv.includes("--quick");
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("-") && a !== "--quick");
const pool = quick ? QUICK.map((f) => join(root, f)) : files;
const missing = pool.filter((f) => !files.includes(f));
if (missing.length > 0) {
  console.error(`run-tests: the quick list names files that are not tests: ${missing.map((f) => relative(root, f)).join(", ")}`);
  process.exit(1);
}
const chosen = filters.length === 0 ? pool : pool.filter((f) => filters.some((s) => f.includes(s)));
if (chosen.length === 0) {
  console.error(`run-tests: no test file matches ${JSON.stringify(filters)}`);
  process.exit(1);
}
console.log(`run-tests: ${chosen.length} files`);
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...passthrough, ...chosen.map((f) => relative(root, f))],
  { cwd: root, stdio: "inherit" },
);
process.exit(r.status ?? 1);
