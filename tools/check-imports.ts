/**
 * @fileoverview Enforces the dependency rules of ARCHITECTURE.md.
 *
 * Every relative import in src/ is resolved to its area (the first folder
 * under src/, `net/tcp-cc` counting as `net`), checked against the allowed
 * edges below, and the file graph is searched for cycles. Exit status 1 lists
 * every violation; this is part of `npm test`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");

/** area -> areas it may import (itself is always allowed). */
const ALLOWED: Record<string, readonly string[]> = {
  uapi: [],
  asm: ["uapi"],
  // The one BTF decoder, query API and struct_ops value layout, shared by the loader, the kernel and the backends.
  btf: ["uapi"],
  obj: ["uapi", "asm", "btf"],
  kernel: ["uapi", "asm", "btf"],
  net: ["uapi", "asm", "kernel"],
  vm: ["uapi", "asm", "kernel"],
  jit: ["uapi", "asm", "kernel", "vm"],
  sim: ["uapi"],
  backend: ["uapi", "asm", "btf", "kernel", "net", "vm", "jit", "obj"],
  lib: ["uapi", "asm", "btf", "obj", "backend"],
  report: ["uapi", "sim"],
  testbed: ["uapi", "asm", "lib", "sim", "backend"],
  sweep: ["uapi", "sim", "report"],
  cli: ["uapi", "asm", "lib", "sim", "report", "testbed", "sweep"],
  ".": ["uapi", "asm", "obj", "lib", "backend", "sim", "report", "testbed"],
};

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
}

function areaOf(file: string): string {
  const rel = relative(src, file).split("/");
  return rel.length === 1 ? "." : (rel[0] as string);
}

const files: string[] = [];
walk(src, files);
const errors: string[] = [];
const graph = new Map<string, string[]>();
const importRe = /^\s*(import|export)\s(type\s)?[^;]*?from\s+["']([^"']+)["']/gm;

for (const file of files) {
  const text = readFileSync(file, "utf8");
  const isTest = file.endsWith(".test.ts");
  const deps: string[] = [];
  for (const m of text.matchAll(importRe)) {
    const typeOnly = m[2] !== undefined;
    const spec = m[3] as string;
    if (!spec.startsWith(".")) continue;
    if (!spec.endsWith(".js")) errors.push(`${relative(root, file)}: relative import '${spec}' must spell out the .js extension`);
    const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    if (!target.startsWith(src)) continue;
    // Type-only imports are erased at run time: they obey the area rules but cannot form a cycle.
    if (!typeOnly) deps.push(target);
    const from = areaOf(file);
    const to = areaOf(target);
    if (from === to || isTest) continue;
    const allowed = ALLOWED[from];
    if (allowed === undefined) errors.push(`${relative(root, file)}: area '${from}' has no dependency rule in tools/check-imports.ts`);
    else if (!allowed.includes(to)) errors.push(`${relative(root, file)}: area '${from}' may not import '${to}' ('${spec}')`);
  }
  if (!isTest) graph.set(file, deps);
}

// Cycle search over the non-test file graph (iterative DFS with colours).
const colour = new Map<string, 0 | 1 | 2>();
for (const start of graph.keys()) {
  if (colour.get(start)) continue;
  const stack: Array<[string, number]> = [[start, 0]];
  const path: string[] = [];
  colour.set(start, 1);
  path.push(start);
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
    const c = colour.get(next) ?? 0;
    if (c === 1) {
      const cycle = path.slice(path.indexOf(next)).concat(next).map((f) => relative(src, f));
      errors.push(`import cycle: ${cycle.join(" -> ")}`);
    } else if (c === 0 && graph.has(next)) {
      colour.set(next, 1);
      path.push(next);
      stack.push([next, 0]);
    }
  }
}

if (errors.length > 0) {
  for (const e of errors) console.error(e);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, no violations`);
