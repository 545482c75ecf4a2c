/**
 * @fileoverview `structops --help` and `--version` stay light: what the CLI's
 * entry (src/cli/main.ts, which the compiled bin runs) imports statically,
 * followed module by module, stays inside src/cli and reaches no package but
 * commander; every command's real work is imported inside its action.
 * bench/startup.bench.ts times it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./readme.js";

const CLI = join(ROOT, "src", "cli");
/** Where `--help` may reach: the CLI's own modules and the UAPI's constant tables. */
const LIGHT = [CLI, join(ROOT, "src", "uapi")];

/** Value imports (not `import type`) of a TypeScript source: static ones only. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^;"]*?\bfrom\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm)) {
    if (m[1] === undefined) out.push((m[2] ?? m[3]) as string);
  }
  return out;
}

test("src/cli/main.ts statically reaches only src/cli and src/uapi modules, commander and node builtins", () => {
  const seen = new Set<string>();
  const heavy: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith("node:") || spec === "commander") continue;
      if (!spec.startsWith(".")) {
        heavy.push(`${relative(ROOT, file)}: ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      if (LIGHT.every((d) => relative(d, target).startsWith(".."))) heavy.push(`${relative(ROOT, file)}: ${spec}`);
      else visit(target);
    }
  };
  visit(join(CLI, "main.ts"));
  assert.deepEqual(heavy, [], "import these inside the command's action (await import(...))");
  assert.ok(!seen.has(join(CLI, "demo.ts")) && !seen.has(join(CLI, "run.ts")), "demo and run load when they run");
});
