/**
 * @fileoverview Enforces the dependency rules of docs/architecture.md.
 *
 * The area table there ("| area | may import | holds |") is the only copy of
 * the rules: this checker reads it, so the page and the check cannot drift.
 * What it checks (docs/architecture.md, "Dependency rules" and "Tests"):
 *
 * 1. Every relative import, re-export and dynamic import in src/ and test/
 *    spells out the `.js` extension.
 * 2. A module of src/ (not a `*.test.ts`) imports only its own area and the
 *    areas its row allows; type-only imports obey the same rule (`net/tcp-cc`
 *    counts as `net`, `src/index.ts` as `.`).
 * 3. Shipped code never imports test/: only tests (`*.test.ts` beside the
 *    code, or anything under test/) may.
 * 4. The area table itself has no cycle, so no two areas can import each
 *    other, not even through type-only imports; every area of src/ has a row.
 * 5. No cycle among the value imports of src/'s modules, nor among test/'s
 *    helper modules (type-only and dynamic imports are erased or lazy and
 *    cannot deadlock module evaluation).
 *
 * Exit status 1 lists every violation; `npm run check:imports` is part of
 * `npm test`, and test/tools/check-imports.test.ts runs the checker on a tree
 * that breaks each rule.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

/** area -> areas it may import (itself is always allowed). */
export type AreaRules = ReadonlyMap<string, readonly string[]>;

/** The result of a check: how many files were read and every violation, one line each. */
export interface ImportCheck {
  readonly files: number;
  readonly errors: readonly string[];
}

/** The page whose area table holds the rules, relative to the project root. */
export const RULES_PAGE = "docs/architecture.md";

/**
 * Reads the area table of {@link RULES_PAGE}: rows `| \`area\` | a, b | ... |`
 * after the header `| area | may import | holds |`; `-` means none.
 */
export function readAreaRules(markdown: string, where: string): AreaRules {
  const lines = markdown.split("\n");
  const head = lines.findIndex((l) => /^\|\s*area\s*\|\s*may import\s*\|/.test(l));
  if (head < 0) throw new Error(`${where}: no '| area | may import | holds |' table`);
  const rules = new Map<string, readonly string[]>();
  for (let i = head + 2; i < lines.length && (lines[i] as string).startsWith("|"); i++) {
    const cells = (lines[i] as string).split("|").map((c) => c.trim());
    const name = /`([^`]+)`/.exec(cells[1] ?? "")?.[1];
    if (name === undefined) throw new Error(`${where}:${i + 1}: the first cell names no area in backticks`);
    const deps = (cells[2] ?? "").replace(/`/g, "");
    rules.set(name, deps === "-" || deps === "" ? [] : deps.split(",").map((d) => d.trim()));
  }
  return rules;
}

/** Cycles in the area table (each reported once, from its first area in table order). */
function ruleCycles(rules: AreaRules): string[] {
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (a: string): void => {
    state.set(a, 1);
    path.push(a);
    for (const d of rules.get(a) ?? []) {
      if (state.get(d) === 1) out.push(`${RULES_PAGE}: the area rules form a cycle: ${path.slice(path.indexOf(d)).concat(d).join(" -> ")}`);
      else if (state.get(d) === undefined && rules.has(d)) visit(d);
    }
    path.pop();
    state.set(a, 2);
  };
  for (const a of rules.keys()) if (state.get(a) === undefined) visit(a);
  for (const [a, deps] of rules) {
    for (const d of deps) if (!rules.has(d)) out.push(`${RULES_PAGE}: area '${a}' may import '${d}', which has no row`);
  }
  return out;
}

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
}

/** Static imports and re-exports (group 1: `type` when type-only, group 2: the specifier). */
const STATIC_RE = /^\s*(?:import|export)\s(type\s)?[^;]*?from\s+["']([^"']+)["']/gm;
/** Side-effect imports: `import "./x.js";`. */
const BARE_RE = /^\s*import\s+["']([^"']+)["']/gm;
/** Dynamic imports with a literal specifier. */
const DYNAMIC_RE = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

interface Edge {
  readonly spec: string;
  readonly kind: "value" | "type" | "dynamic";
}

function edgesOf(text: string): Edge[] {
  const out: Edge[] = [];
  for (const m of text.matchAll(STATIC_RE)) out.push({ spec: m[2] as string, kind: m[1] === undefined ? "value" : "type" });
  for (const m of text.matchAll(BARE_RE)) out.push({ spec: m[1] as string, kind: "value" });
  for (const m of text.matchAll(DYNAMIC_RE)) out.push({ spec: m[1] as string, kind: "dynamic" });
  return out;
}

/** Runs every check on the project at `root`. */
export function checkImports(root: string): ImportCheck {
  const src = join(root, "src");
  const testDir = join(root, "test");
  const page = join(root, RULES_PAGE);
  const rules = readAreaRules(readFileSync(page, "utf8"), RULES_PAGE);
  const errors: string[] = ruleCycles(rules);
  const inside = (dir: string, f: string): boolean => f.startsWith(dir + sep);
  const areaOf = (file: string): string => {
    const rel = relative(src, file).split(sep);
    return rel.length === 1 ? "." : (rel[0] as string);
  };

  const files: string[] = [];
  walk(src, files);
  walk(testDir, files);
  const graph = new Map<string, string[]>();
  const unruled = new Set<string>();

  for (const file of files) {
    const rel = relative(root, file);
    const isTest = file.endsWith(".test.ts") || inside(testDir, file);
    const from = inside(src, file) ? areaOf(file) : null;
    const deps: string[] = [];
    for (const { spec, kind } of edgesOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      if (!spec.endsWith(".js")) errors.push(`${rel}: relative import '${spec}' must spell out the .js extension`);
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      if (kind === "value") deps.push(target);
      if (inside(testDir, target) && !isTest) {
        errors.push(`${rel}: shipped code may not import test/ ('${spec}')`);
        continue;
      }
      if (from === null || isTest || !inside(src, target)) continue;
      const to = areaOf(target);
      if (from === to) continue;
      const allowed = rules.get(from);
      if (allowed === undefined) {
        if (!unruled.has(from)) errors.push(`${rel}: area '${from}' has no row in ${RULES_PAGE}`);
        unruled.add(from);
      } else if (!allowed.includes(to)) {
        errors.push(`${rel}: area '${from}' may not import '${to}'${kind === "type" ? " (not even types)" : ""} ('${spec}')`);
      }
    }
    // Tests are leaves: nothing imports them, so they close no cycle.
    if (!file.endsWith(".test.ts")) graph.set(file, deps);
  }
  errors.push(...fileCycles(graph, root));
  return { files: files.length, errors };
}

/** Cycles in the module graph (iterative DFS with colours), as paths from the root. */
function fileCycles(graph: ReadonlyMap<string, readonly string[]>, root: string): string[] {
  const out: string[] = [];
  const colour = new Map<string, 1 | 2>();
  for (const start of graph.keys()) {
    if (colour.get(start) !== undefined) continue;
    const stack: Array<[string, number]> = [[start, 0]];
    const path: string[] = [start];
    colour.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [string, number];
      const deps = graph.get(top[0]) ?? [];
      if (top[1] >= deps.length) {
        colour.set(top[0], 2);
        stack.pop();
        path.pop();
        continue;
      }
      const next = deps[top[1]++] as string;
      const c = colour.get(next);
      if (c === 1) {
        const cycle = path.slice(path.indexOf(next)).concat(next).map((f) => relative(root, f));
        out.push(`import cycle: ${cycle.join(" -> ")}`);
      } else if (c === undefined && graph.has(next)) {
        colour.set(next, 1);
        path.push(next);
        stack.push([next, 0]);
      }
    }
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL("..", import.meta.url).pathname;
  const r = checkImports(root);
  if (r.errors.length > 0) {
    for (const e of r.errors) console.error(e);
    process.exit(1);
  }
  console.log(`check-imports: ${r.files} files, no violations`);
}
