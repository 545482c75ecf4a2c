/**
 * @fileoverview Shared helpers of the loader tests: the committed fixtures
 * (test/fixtures), and a clang driver that builds small BPF objects from C
 * in a temp dir (returns a skip reason when clang is absent).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = resolve(here, "../fixtures");
export const OBJ_SRC = resolve(here, "src");

/** The bytes of a committed fixture, e.g. fixture("update", "model"). */
export function fixture(name: string, flavor: "linux" | "model"): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, `${name}.${flavor}.bpf.o`)));
}

/** Whether a committed fixture exists. */
export function hasFixture(name: string, flavor: "linux" | "model"): boolean {
  return existsSync(join(FIXTURES, `${name}.${flavor}.bpf.o`));
}

let clangMissing: string | undefined | null = null;

/** Why clang cannot build BPF here, or undefined when it can. */
export function missingClang(): string | undefined {
  if (clangMissing === null) {
    const r = spawnSync("clang", ["--version"], { encoding: "utf8" });
    clangMissing = r.error !== undefined || r.status !== 0 ? "clang is not on PATH" : undefined;
  }
  return clangMissing;
}

/**
 * Compiles C `source` for BPF (-O2 -g) and returns the object bytes.
 * `includeDirs` are added with -I; the fixture include dirs are always available.
 */
export function compileBpf(source: string, includeDirs: readonly string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "structops-obj-"));
  try {
    const src = join(dir, "prog.bpf.c");
    const out = join(dir, "prog.bpf.o");
    writeFileSync(src, source);
    const args = ["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-c", src, "-o", out, ...includeDirs.flatMap((d) => ["-I", d])];
    const r = spawnSync("clang", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles a source of test/obj/src against the model's vmlinux.h (test/fixtures/include/model). */
export function compileObjSrc(name: string): Uint8Array {
  return compileBpf(readFileSync(join(OBJ_SRC, name), "utf8"), [join(FIXTURES, "include/model"), join(FIXTURES, "include")]);
}
