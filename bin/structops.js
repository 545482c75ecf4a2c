#!/usr/bin/env node
// Entry point of the `structops` command: runs the compiled CLI (dist/, which
// the package ships and `npm run build` writes in a checkout). It never needs
// a dev dependency; an unbuilt checkout gets a one-line hint instead.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");
if (existsSync(built)) {
  const { main } = await import(pathToFileURL(built).href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  process.stderr.write(`structops: this checkout is not built (no ${join("dist", "cli", "main.js")}): run \`npm run build\` first, or \`npx tsx src/cli/main.ts\` to run the sources\n`);
  process.exitCode = 1;
}
