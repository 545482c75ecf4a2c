/**
 * @fileoverview `structops --help` and `--version` stay light: the CLI's
 * entry (src/cli/main.ts, which the compiled bin runs) imports statically
 * only node builtins, commander and its own io module; every command's
 * module is imported inside its action. bench/startup.bench.ts times it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./readme.js";

/** What `--help` may load. */
const LIGHT = /^(node:.*|commander|\.\/io\.js)$/;

test("src/cli/main.ts statically imports only commander, node builtins and ./io.js (commands load in their actions)", () => {
  const src = readFileSync(join(ROOT, "src", "cli", "main.ts"), "utf8");
  const heavy: string[] = [];
  for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s*"([^"]+)"/gm)) {
    if (m[2] === undefined && !LIGHT.test(m[3] as string)) heavy.push(m[3] as string);
  }
  assert.deepEqual(heavy, [], "import these inside the command's action (await import(...))");
  assert.match(src, /await import\("\.\/demo\.js"\)/, "the demo command loads its module when it runs");
});
