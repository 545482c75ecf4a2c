/**
 * @fileoverview bin/structops.js outside a built package: in a checkout with
 * no dist/ it prints one line saying to run `npm run build` and exits 1 (it
 * never falls back to a dev dependency such as tsx).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./readme.js";

test("the bin of an unbuilt checkout says to run npm run build, in one line, with status 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-bin-"));
  try {
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "structops", type: "module" }));
    copyFileSync(join(ROOT, "bin", "structops.js"), join(dir, "bin", "structops.js"));
    const r = spawnSync(process.execPath, [join(dir, "bin", "structops.js"), "--help"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^structops: this checkout is not built \(no dist\/cli\/main\.js\): run `npm run build` first[^\n]*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
