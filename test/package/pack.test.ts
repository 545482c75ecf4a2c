/**
 * @fileoverview The package as a user gets it: `npm pack` (whose prepack
 * builds dist/), then `npm install <tarball> --omit=dev` into an empty
 * temporary project, and from there: the README's library example runs,
 * `npx structops demo` writes its report, a sweep runs (in a node the bin
 * re-executed with --single-threaded-gc), `structops/asm` and
 * `structops/uapi` import, `structops --version` prints package.json's
 * version, `structops object show|dump` read the bundled object. The tarball holds dist/ with declarations, the bin, the demo's
 * object, docs and the native sources, and no tests; the compiled code
 * imports nothing but node builtins and the package's dependencies. The
 * native addon builds on install where a C compiler exists; without one the
 * build step still succeeds and the Linux backend says why it is missing.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { builtinModules } from "node:module";
import { ROOT, codeBlocks, readme, section } from "./readme.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  exports: Record<string, string | { types: string; import: string }>;
};

let dir = "";
let proj = "";
let files: string[] = [];
const installed = (): string => join(proj, "node_modules", "structops");

/** Runs a command, failing the test with its output when it does not exit 0. */
function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 });
  assert.equal(r.error, undefined, `${cmd} ${args.join(" ")}: ${String(r.error)}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "structops-pack-"));
  const packed = run("npm", ["pack", "--json", "--pack-destination", dir], ROOT);
  const info = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  files = info[0].files.map((f) => f.path);
  proj = join(dir, "proj");
  mkdirSync(proj);
  writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "structops-pack-test", private: true, type: "module" }));
  run("npm", ["install", join(dir, info[0].filename), "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], proj);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the tarball holds dist/ with declarations, the bin, the demo's object, docs, JSON schemas and native sources, and no tests", () => {
  for (const f of ["package.json", "README.md", "bin/structops.js", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "assets/demo.linux.bpf.o", "docs/architecture.md", "schemas/object-show.json", "native/build.mjs", "native/structops_linux.c", "native/testbed/flow.c", "native/testbed/delayline.c", "binding.gyp"]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  for (const [sub, target] of Object.entries(pkg.exports)) {
    for (const t of typeof target === "string" ? [target] : [target.types, target.import]) assert.ok(files.includes(t.replace(/^\.\//, "")), `export ${sub}: ${t} is in the tarball`);
  }
  const tests = files.filter((f) => /\.test\.|(^|\/)test\/|(^|\/)test-[^/]*$|\.bench\./.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")));
  assert.deepEqual(tests, [], "no tests, test doubles, benchmarks or TypeScript sources");
});

test("the compiled code imports only node builtins and the package's dependencies", () => {
  const deps = new Set(Object.keys(pkg.dependencies));
  const builtins = new Set(builtinModules);
  const bad: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".js")) {
        const src = readFileSync(p, "utf8");
        const specs = /^\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\b(?:import|require|require\.resolve)\(\s*["']([^"']+)["']\s*\)/gm;
        for (const m of src.matchAll(specs)) {
          const spec = (m[1] ?? m[2] ?? m[3]) as string;
          if (spec.startsWith(".") || spec.startsWith("node:")) continue;
          const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
          if (!deps.has(name) && !builtins.has(name)) bad.push(`${relative(installed(), p)}: ${spec}`);
        }
      }
    }
  };
  walk(join(installed(), "dist"));
  walk(join(installed(), "bin"));
  assert.deepEqual(bad, []);
});

test("the README's library example runs from the installed package", () => {
  const example = codeBlocks(section(readme(), "The library")).find((b) => b.lang === "ts" || b.lang === "js");
  assert.ok(example !== undefined, "README's library section has a ts/js example");
  // The example names a clang-built object by its path in the repository; the project provides it there.
  for (const m of example.code.matchAll(/"(test\/fixtures\/[^"]+\.bpf\.o)"/g)) {
    mkdirSync(join(proj, "test", "fixtures"), { recursive: true });
    copyFileSync(join(ROOT, m[1] as string), join(proj, m[1] as string));
  }
  writeFileSync(join(proj, "example.mjs"), example.code);
  const r = run(process.execPath, ["example.mjs"], proj);
  assert.equal(r.stderr, "");
});

test("npx structops demo writes its report", () => {
  const out = join(dir, "demo-out");
  const r = run("npx", ["--no", "--", "structops", "demo", "--no-progress", "--out", out], proj);
  assert.ok(existsSync(join(out, "report.html")), `report.html in ${out}`);
  assert.match(r.stdout, /report\.html/);
  assert.ok(readFileSync(join(out, "demo.bpf.o")).equals(readFileSync(join(ROOT, "assets", "demo.linux.bpf.o"))), "the bundled object was used");
});

test("a tiny sweep runs on worker threads from the installed package (dist/), with the bundled BPF object, in a node the bin re-executed with --single-threaded-gc", () => {
  const object = join(installed(), "assets", "demo.linux.bpf.o");
  writeFileSync(join(proj, "sweep.yaml"), `name: packed
scenario:
  duration: 500ms
  topology: { bottleneck: { rate: 5mbit, delay: 5ms } }
  flows: [{ id: a }]
  outputs: { sample: 20ms, hooks: none, report: false }
axes:
  - { name: cc, field: "flows[*].algorithm", values: [reno, { bpf: ${JSON.stringify(object)}, map: demo_v1 }] }
`);
  const out = join(dir, "sweep-out");
  // Every node process started (npx's, the bin's, the one it re-executes) says at exit which node options it has.
  writeFileSync(join(proj, "execargv.mjs"), `process.on("exit", () => process.stderr.write("EXECARGV " + JSON.stringify(process.execArgv) + "\\n"));\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(join(proj, "execargv.mjs")).href}` };
  delete env["STRUCTOPS_NO_REEXEC"];
  const r = run("npx", ["--no", "--", "structops", "sweep", "sweep.yaml", "--jobs", "2", "--out", out], proj, env);
  assert.match(r.stdout, /packed: 2 points, 2 run, 0 already done, 0 failed now, 2 jobs/);
  assert.ok(r.stderr.includes('EXECARGV ["--single-threaded-gc"]\n'), `the bin re-executed node with --single-threaded-gc:\n${r.stderr}`);
  const csv = readFileSync(join(out, "results.csv"), "utf8");
  assert.match(csv, /,reno,ok,,a,reno,1,0\.\d+/);
  assert.match(csv, /,demo_cc,ok,,a,demo_cc,1,0\.\d+/);
});

test("structops/asm and structops/uapi import from the installed package", () => {
  const script = `
    import { assembleText, disassemble } from "structops/asm";
    import { BPF_MAP_CREATE } from "structops/uapi";
    import { asm, uapi } from "structops";
    const insns = assembleText("mov %r0, 42\\nexit");
    process.stdout.write(\`\${insns.length} \${typeof disassemble} \${BPF_MAP_CREATE} \${asm.assembleText === assembleText} \${uapi.BPF_MAP_CREATE}\\n\`);
  `;
  const r = run(process.execPath, ["--input-type=module", "-e", script], proj);
  assert.equal(r.stdout, "16 function 0 true 0\n");
});

test("structops --version and -V print package.json's version", () => {
  for (const flag of ["--version", "-V"]) assert.equal(run("npx", ["--no", "--", "structops", flag], proj).stdout, `${pkg.version}\n`);
});

test("structops object show and object dump read the bundled object from the installed package", () => {
  const object = join(installed(), "assets", "demo.linux.bpf.o");
  const show = JSON.parse(run("npx", ["--no", "--", "structops", "object", "show", "-j", object], proj).stdout) as { maps: { name: string }[] };
  assert.deepEqual(show.maps.map((m) => m.name).filter((n) => n.startsWith("demo_")), ["demo_v1", "demo_v2"]);
  const dump = run("npx", ["--no", "--", "structops", "object", "dump", object, "demo_v1_init"], proj).stdout;
  assert.match(dump, /^demo_v1_init:\n/);
  assert.match(dump, /demo_v1_inits/, "the disassembly names the .bss counter the program increments");
  assert.match(dump, /\(95\) exit/);
});

const cc = process.env["CC"] || "cc";
const noCompiler = spawnSync(cc, ["--version"]).status === 0 ? undefined : `no C compiler (${cc}) on this machine`;

test("npm install built the native Linux addon with the machine's C compiler", noCompiler === undefined ? {} : { skip: noCompiler }, () => {
  const why = join(installed(), "build", "native-build-failure.txt");
  assert.ok(existsSync(join(installed(), "build", "Release", "structops_linux.node")), existsSync(why) ? readFileSync(why, "utf8") : "no reason recorded");
});

test("without a C compiler the install step succeeds, the Linux backend says why, the emulated kernel works", () => {
  rmSync(join(installed(), "build"), { recursive: true, force: true });
  const env = { ...process.env, CC: "false" };
  const r = run(process.execPath, [join(installed(), "native", "build.mjs")], proj, env);
  assert.match(r.stderr, /native Linux backend not built: no C compiler/);
  const script = `
    import { LinuxBackend, EmulatedKernel } from "structops";
    const open = LinuxBackend.open();
    const p = new EmulatedKernel().process();
    process.stdout.write(\`\${open.ok ? "opened" : open.reason}\\n\${p.socket().ret >= 0}\\n\`);
  `;
  const s = run(process.execPath, ["--input-type=module", "-e", script], proj, env);
  assert.equal(s.stdout, "the native addon build/Release/structops_linux.node is missing: no C compiler: `false --version` failed (install gcc or clang, then rebuild)\ntrue\n");
});
