/**
 * @fileoverview Where the CLI reads and writes: the process's streams by
 * default, strings and collectors in tests. Commands never touch
 * `process.stdout` directly, so every command runs in-process under test.
 */
import { readFileSync } from "node:fs";
import type { ProgressSink } from "./run/progress.js";

/** The streams a command uses. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** All of stdin (read on demand: only the conformance plugin needs it). */
  readonly stdin: () => string;
  /** Where progress bars draw (stderr; a bar appears only when it is a terminal). */
  readonly progress: ProgressSink;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stdin: () => {
      try {
        return readFileSync(0, "utf8");
      } catch {
        return "";
      }
    },
    progress: process.stderr,
  };
}

/** Collecting streams for tests: what was written, and no terminal. */
export function memoryIo(stdin = ""): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    stdin: () => stdin,
    progress: { isTTY: false, write: () => true },
    out: () => out,
    err: () => err,
  };
}
