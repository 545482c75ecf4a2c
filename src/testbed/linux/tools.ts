/**
 * @fileoverview The two programs of the Linux testbed, native/testbed/
 * delayline.c (the delay line on a TUN device) and native/testbed/flow.c (a
 * TCP sender or receiver with TCP_INFO sampling), compiled with the system's
 * C compiler on first use. The binaries are kept in build/testbed/ of the
 * package (or a folder of the temporary directory when that is not
 * writable), named by a hash of their source, so an edited source is
 * rebuilt and an unchanged one never is.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "./netns.js";

/** The package root (this file is src/testbed/linux/ or dist/testbed/linux/). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SOURCES = join(ROOT, "native", "testbed");

/** Paths of the compiled programs. */
export interface Tools {
  readonly delayline: string;
  readonly flow: string;
}

function cacheDir(): string {
  const inPackage = join(ROOT, "build", "testbed");
  try {
    mkdirSync(inPackage, { recursive: true });
    accessSync(inPackage, constants.W_OK);
    return inPackage;
  } catch {
    const dir = join(tmpdir(), `structops-testbed-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }
}

function build(name: string, extra: readonly string[]): string {
  const src = join(SOURCES, `${name}.c`);
  if (!existsSync(src)) throw new Error(`the Linux testbed's source ${src} is missing from this installation`);
  const hash = createHash("sha256").update(readFileSync(src)).update(extra.join(" ")).digest("hex").slice(0, 12);
  const out = join(cacheDir(), `${name}-${hash}`);
  if (existsSync(out)) return out;
  // Compiled to a private name and renamed: two runs building at once never execute a half-written file.
  const tmp = `${out}.${process.pid}.tmp`;
  runCommand([process.env.CC ?? "cc", "-O2", "-Wall", ...extra, "-o", tmp, src], 120_000);
  renameSync(tmp, out);
  return out;
}

/** Compiles (once) and returns the delay line and the flow program. */
export function buildTools(): Tools {
  return { delayline: build("delayline", []), flow: build("flow", ["-pthread"]) };
}
