/**
 * @fileoverview Builds the optional native part of the Linux backend
 * (native/structops_linux.c → build/Release/structops_linux.node) with
 * node-gyp. Run by `npm install` / `npm ci` (the package's install script),
 * by `npm run build:native`, and lazily by the Linux backend's loader.
 *
 * Without `--strict` a failed build is not an error: the install goes on,
 * the reason is printed, and the Linux backend reports itself unavailable
 * with that reason; the emulated kernel needs none of this. Node headers come
 * from `--nodedir` when the running node was installed with them
 * (<prefix>/include/node), so no download is needed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const strict = process.argv.includes("--strict");
const quiet = process.argv.includes("--quiet");
const reasonFile = join(root, "build", "native-build-failure.txt");

function done(ok, reason) {
  if (!ok) {
    mkdirSync(join(root, "build"), { recursive: true });
    writeFileSync(reasonFile, reason + "\n");
    console.error(`structops: native Linux backend not built: ${reason}`);
    console.error("structops: the emulated kernel works without it; `npm rebuild structops` (`npm run build:native` in a checkout) retries");
  } else {
    rmSync(reasonFile, { force: true });
    if (!quiet) console.error("structops: native Linux backend built: build/Release/structops_linux.node");
  }
  process.exit(ok || !strict ? 0 : 1);
}

if (process.platform !== "linux") done(false, `the Linux backend needs Linux: this is ${process.platform}`);

/** node-gyp: on PATH (npm run-script puts npm's bundled copy there), else npm's bundled copy found from the npm CLI. */
function findNodeGyp() {
  const candidates = [];
  try {
    const req = createRequire(join(process.env.npm_execpath ?? join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js")));
    candidates.push(req.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not found this way
  }
  candidates.push(join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((p) => existsSync(p));
}

// No compiler is the common case on a minimal machine: say so plainly rather than through make's error.
const cc = process.env.CC || "cc";
const ccProbe = spawnSync(cc, ["--version"], { encoding: "utf8" });
if (ccProbe.error !== undefined || ccProbe.status !== 0) done(false, `no C compiler: \`${cc} --version\` failed (install gcc or clang, then rebuild)`);

const gyp = findNodeGyp();
if (gyp === undefined) done(false, "node-gyp was not found (it ships with npm)");
const args = [gyp, "rebuild"];
const prefix = join(dirname(process.execPath), "..");
if (existsSync(join(prefix, "include", "node", "node_api.h")) && existsSync(join(prefix, "include", "node", "common.gypi"))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
if (r.status === 0 && existsSync(join(root, "build", "Release", "structops_linux.node"))) done(true, "");
const out = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
const lines = out.split("\n").filter((l) => !/^gyp info/.test(l));
const line = lines.find((l) => /not found|No such file|ENOENT|command not found/i.test(l)) ?? lines.find((l) => /error/i.test(l));
done(false, `node-gyp rebuild failed (${line?.trim() ?? `exit ${String(r.status)}`})`);
