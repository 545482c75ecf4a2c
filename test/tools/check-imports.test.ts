/**
 * @fileoverview tools/check-imports.ts on small trees written to a temporary
 * folder: one that breaks each rule of docs/architecture.md ("Dependency
 * rules", "Tests") once, one that keeps them all, and the project itself.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkImports, readAreaRules } from "../../tools/check-imports.js";

const TABLE = (rows: string): string => `# Architecture\n\n| area | may import | holds |\n|---|---|---|\n${rows}\nafter the table\n`;

/** Writes `files` (path -> text) under a new temporary root and runs the checker there. */
function check(files: Record<string, string>): string[] {
  const root = mkdtempSync(join(tmpdir(), "check-imports-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return [...checkImports(root).errors];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const RULES = TABLE("| `a` | - | base |\n| `b` | a | middle |\n| `c` | a, b | top |");

test("readAreaRules() reads each row's area and the areas it may import, '-' meaning none", () => {
  const r = readAreaRules(RULES, "x.md");
  assert.deepEqual([...r.entries()], [["a", []], ["b", ["a"]], ["c", ["a", "b"]]]);
  assert.throws(() => readAreaRules("# no table\n", "x.md"), /x\.md: no '\| area \| may import/);
});

test("checkImports() passes a tree that keeps every rule, type-only cycles inside an area and tests importing anything included", () => {
  const errors = check({
    "docs/architecture.md": RULES,
    "src/a/x.ts": `export const x = 1;\n`,
    "src/b/y.ts": `import { x } from "../a/x.js";\nexport const y = x;\n`,
    "src/c/p.ts": `import type { Q } from "./q.js";\nimport { y } from "../b/y.js";\nexport type P = Q | number;\nexport const p = y;\n`,
    "src/c/q.ts": `import type { P } from "./p.js";\nexport type Q = P[];\n`,
    "src/a/x.test.ts": `import { p } from "../c/p.js";\nimport { h } from "../../test/h.js";\nvoid p; void h;\n`,
    "test/h.ts": `import { y } from "../src/b/y.js";\nexport const h = y;\n`,
    "test/a/t.test.ts": `import { h } from "../h.js";\nimport { p } from "../../src/c/p.js";\nvoid h; void p;\n`,
  });
  assert.deepEqual(errors, []);
});

test("checkImports() reports each broken rule once, naming the file and the import", () => {
  const errors = check({
    "docs/architecture.md": RULES,
    // 1. A relative import without its .js extension.
    "src/a/x.ts": `import { z } from "./z";\nexport const x = z;\n`,
    "src/a/z.ts": `export const z = 1;\n`,
    // 2. A value import of an area the row does not allow.
    "src/a/v.ts": `import { y } from "../b/y.js";\nexport const v = y;\n`,
    // 3. The same through a type-only import.
    "src/a/t.ts": `import type { Y } from "../b/y.js";\nexport type T = Y;\n`,
    // 4. Shipped code importing a test helper.
    "src/b/y.ts": `import { h } from "../../test/h.js";\nexport type Y = number;\nexport const y = h;\n`,
    "test/h.ts": `export const h = 1;\n`,
    // 5. An area with no row.
    "src/d/w.ts": `import { z } from "../a/z.js";\nexport const w = z;\n`,
    // 6. A value cycle among src/ modules, through a dynamic import that is not part of it.
    "src/c/p.ts": `import { q } from "./q.js";\nexport const p = () => q;\nexport const later = () => import("./r.js");\n`,
    "src/c/q.ts": `import { p } from "./p.js";\nexport const q = () => p;\n`,
    "src/c/r.ts": `export { p } from "./p.js";\n`,
    // 7. A value cycle among test/ helpers.
    "test/h1.ts": `import { h2 } from "./h2.js";\nexport const h1 = () => h2;\n`,
    "test/h2.ts": `import { h1 } from "./h1.js";\nexport const h2 = () => h1;\n`,
  });
  assert.deepEqual(errors.sort(), [
    "import cycle: src/c/p.ts -> src/c/q.ts -> src/c/p.ts",
    "import cycle: test/h1.ts -> test/h2.ts -> test/h1.ts",
    "src/a/t.ts: area 'a' may not import 'b' (not even types) ('../b/y.js')",
    "src/a/v.ts: area 'a' may not import 'b' ('../b/y.js')",
    "src/a/x.ts: relative import './z' must spell out the .js extension",
    "src/b/y.ts: shipped code may not import test/ ('../../test/h.js')",
    "src/d/w.ts: area 'd' has no row in docs/architecture.md",
  ]);
});

test("checkImports() rejects area rules that form a cycle (two areas could then import each other's types) or name a missing area", () => {
  const errors = check({
    "docs/architecture.md": TABLE("| `a` | b | |\n| `b` | a, e | |"),
    "src/a/x.ts": `export const x = 1;\n`,
  });
  assert.deepEqual(errors, [
    "docs/architecture.md: the area rules form a cycle: a -> b -> a",
    "docs/architecture.md: area 'b' may import 'e', which has no row",
  ]);
});

test("checkImports() finds no violation in this project (what npm run check:imports runs)", () => {
  const r = checkImports(new URL("../..", import.meta.url).pathname);
  assert.deepEqual(r.errors, []);
  assert.ok(r.files > 300, `only ${r.files} files read`);
});
