#!/usr/bin/env node
// Entry point of the `structops` command: runs the compiled CLI (dist/, which
// the package ships and `npm run build` writes in a checkout). It never needs
// a dev dependency; an unbuilt checkout gets a one-line hint instead. The
// command `sweep` goes to a second node started with
// --single-threaded-gc (dist/cli/reexec.js says which, and why;
// STRUCTOPS_NO_REEXEC=1 runs everything here).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), "..");
const built = join(root, "dist", "cli", "main.js");
if (existsSync(built)) {
  const argv = process.argv.slice(2);
  const { exitWithParent, reexecWithSingleThreadedGc } = await import(pathToFileURL(join(root, "dist", "cli", "reexec.js")).href);
  exitWithParent();
  const code = await reexecWithSingleThreadedGc(self, argv);
  if (code !== null) process.exitCode = code;
  else {
    const { main } = await import(pathToFileURL(built).href);
    process.exitCode = await main(argv);
  }
} else {
  process.stderr.write(`structops: this checkout is not built (no ${join("dist", "cli", "main.js")}): run \`npm run build\` first, or \`npx tsx src/cli/main.ts\` to run the sources\n`);
  process.exitCode = 1;
}
