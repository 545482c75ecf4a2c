/**
 * @fileoverview Tests for out-dir.ts: every unusable output folder is
 * refused with one line naming the path and the errno, before anything is
 * written; a usable one is created.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputPathError, prepareOutputDir } from "./out-dir.js";

function refusal(dir: string, files: readonly string[] = ["flows.csv"]): string {
  try {
    prepareOutputDir(dir, files);
  } catch (e) {
    assert.ok(e instanceof OutputPathError, String(e));
    return e.message;
  }
  return "accepted";
}

test("a new folder (and its parents) is created; an existing folder is accepted", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-outdir-"));
  try {
    prepareOutputDir(join(dir, "a", "b"), ["flows.csv"]);
    assert.ok(statSync(join(dir, "a", "b")).isDirectory());
    writeFileSync(join(dir, "a", "b", "flows.csv"), "old");
    prepareOutputDir(join(dir, "a", "b"), ["flows.csv"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an existing file, a path through a file, a directory or FIFO where an output file goes are refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-outdir-"));
  try {
    const f = join(dir, "file");
    writeFileSync(f, "x");
    assert.equal(refusal(f), `cannot write output to ${f}: EEXIST (17): it exists and is not a directory`);
    assert.equal(refusal(join(f, "sub", "deeper")), `cannot write output to ${join(f, "sub", "deeper")}: ENOTDIR (20): ${f} is not a directory`);
    assert.equal(existsSync(join(f, "sub")), false);
    mkdirSync(join(dir, "o", "flows.csv"), { recursive: true });
    assert.equal(refusal(join(dir, "o")), `cannot write output to ${join(dir, "o")}: EISDIR (21): flows.csv there is a directory`);
    mkdirSync(join(dir, "p"));
    execFileSync("mkfifo", [join(dir, "p", "flows.csv")]);
    assert.equal(refusal(join(dir, "p")), `cannot write output to ${join(dir, "p")}: EINVAL (22): flows.csv there is not a regular file`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("procfs and sysfs folders are refused without creating anything (statfs f_type, include/uapi/linux/magic.h)", () => {
  assert.equal(refusal("/proc/structops-x"), "cannot write output to /proc/structops-x: EINVAL (22): /proc is on procfs, which holds no ordinary files");
  assert.equal(refusal("/proc/self"), "cannot write output to /proc/self: EINVAL (22): /proc/self is on procfs, which holds no ordinary files");
  assert.equal(refusal("/sys/kernel/x/y"), "cannot write output to /sys/kernel/x/y: EINVAL (22): /sys/kernel is on sysfs, which holds no ordinary files");
});

test("a folder that cannot be written is refused: a read-only mount (root, in a private mount namespace) or a mode 555 folder (non-root)", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-outdir-"));
  try {
    const ro = join(dir, "ro");
    mkdirSync(ro);
    const out = join(ro, "out");
    if (process.getuid?.() === 0) {
      // Root passes every permission check, so the folder is a read-only tmpfs in a mount namespace of the child's own.
      const self = new URL("./out-dir.ts", import.meta.url).pathname;
      const js = `import(${JSON.stringify(self)}).then((m) => { try { m.prepareOutputDir(${JSON.stringify(out)}, []); console.log("accepted"); } catch (e) { console.log(e.message); } })`;
      const got = execFileSync("unshare", ["-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs -o ro tmpfs "$1" && exec "$2" --import tsx -e "$3"`, "sh", ro, process.execPath, js], { encoding: "utf8" });
      assert.equal(got, `cannot write output to ${out}: EROFS (30): ${ro} is not writable\n`);
    } else {
      execFileSync("chmod", ["555", ro]);
      assert.equal(refusal(out), `cannot write output to ${out}: EACCES (13): ${ro} is not writable`);
    }
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
