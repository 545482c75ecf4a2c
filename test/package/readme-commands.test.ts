/**
 * @fileoverview Every `structops ...` command of the README's `sh` blocks
 * runs as written and succeeds (status 0, and the output a `# prints X`
 * comment promises), so the README cannot drift from the CLI. Commands are
 * found by parsing README.md (test/package/readme.ts): a command added there
 * is run here with no change to this file. They run in-process through the
 * checkout's `main()`, from a temporary folder that links the checkout's
 * top-level entries (so `scenarios/...` resolves and outputs land there).
 * Commands that need the real kernel (`sudo`, `--linux`) run only as root
 * with the native addon, and say why they skip otherwise.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { loadNative } from "../../src/backend/linux/native.js";
import { ROOT, structopsCommands } from "./readme.js";

const commands = structopsCommands();
/** Outputs of the checkout and what the folder must not share. */
const NOT_LINKED = new Set([".git", "node_modules", "structops-demo", "structops-out", "structops-sweep", "dist", "build"]);

let dir = "";
const home = process.cwd();
before(() => {
  dir = mkdtempSync(join(tmpdir(), "structops-readme-"));
  for (const name of readdirSync(ROOT)) if (!NOT_LINKED.has(name)) symlinkSync(join(ROOT, name), join(dir, name));
  process.chdir(dir);
});
after(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

test("the README shows structops commands, the main job among them", () => {
  assert.ok(commands.length >= 5, `found ${commands.length}: ${commands.map((c) => c.text).join("; ")}`);
  assert.ok(commands.some((c) => c.argv[0] === "demo"), "structops demo");
  assert.ok(commands.some((c) => c.stdin !== undefined && c.prints !== undefined), "a piped command with a `# prints` promise");
});

function linuxGate(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (the README runs it with sudo or --linux)";
  const n = loadNative();
  return n.ok ? undefined : `needs the native Linux backend: ${n.reason}`;
}

for (const c of commands) {
  const gate = c.needsLinux ? linuxGate() : undefined;
  test(`README.md:${c.line}: ${c.text}`, gate === undefined ? {} : { skip: gate }, async () => {
    const io = memoryIo(c.stdin ?? "");
    const code = await main(c.argv, io);
    assert.equal(code, 0, `exit ${code}\nstdout: ${io.out()}\nstderr: ${io.err()}`);
    if (c.prints !== undefined) assert.equal(io.out().trim(), c.prints);
  });
}
