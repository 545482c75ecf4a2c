/**
 * @fileoverview The fuzzers' common frame (issue #16 part 5): a fuzzer is a
 * fast-check arbitrary of inputs and a check that returns a violation text
 * (or null); `fuzz` runs it for a wall-clock budget from a seed (same seed,
 * same inputs), counts inputs, shrinks the first violation and returns it
 * as a corpus entry (test/fuzz/corpus/<fuzzer>/*.json) that
 * test/fuzz/corpus.test.ts replays.
 */
import fc from "fast-check";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "corpus");

/** A fuzzer: inputs (JSON-serializable through `encode`/`decode`) and the property they must hold. */
export interface Fuzzer<I> {
  readonly name: string;
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<I>;
  /** The violation found on `input` (a one-line summary first), or null. */
  check(input: I): Promise<string | null>;
  /** Releases what the fuzzer holds (child processes). */
  close?(): void;
}

/** What one corpus file holds. */
export interface CorpusEntry {
  readonly fuzzer: string;
  readonly seed: number;
  /** The violation's text when found. */
  readonly violation: string;
  /**
   * Set while the fix is on another branch: which branch, and why. The replay
   * test then reports the entry as a todo instead of failing; remove the field
   * once the fix is merged.
   */
  readonly pending?: string;
  /** A regular expression every violation of the same bug matches (default: the violation's first line, literally); `npm run fuzz` matches new violations against it. */
  readonly signature?: string;
  readonly input: unknown;
}

export interface FuzzResult {
  readonly name: string;
  readonly inputs: number;
  readonly seconds: number;
  readonly violation: CorpusEntry | null;
}

/** Runs `f` from `seed` for `seconds` (then shrinks a violation for at most `shrinkSeconds`). */
export async function fuzz<I>(f: Fuzzer<I>, seed: number, seconds: number, shrinkSeconds = 60): Promise<FuzzResult> {
  let inputs = 0;
  const t0 = performance.now();
  let firstFail: number | null = null;
  const prop = fc.asyncProperty(f.arbitrary, async (input) => {
    // During shrinking, stop trying once the shrink budget is spent (the last failing input stands).
    if (firstFail !== null && performance.now() - firstFail > shrinkSeconds * 1000) return;
    if (firstFail === null) inputs++;
    const v = await f.check(input);
    if (v !== null) {
      firstFail ??= performance.now();
      throw new FuzzViolation(v);
    }
  });
  const details = await fc.check(prop, {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    // Interrupts generation only: a failure found in time is still shrunk (bounded above).
    interruptAfterTimeLimit: seconds * 1000,
    markInterruptAsFailure: false,
  });
  const secs = (firstFail ?? performance.now()) - t0;
  let violation: CorpusEntry | null = null;
  if (details.failed && details.counterexample !== null) {
    const input = details.counterexample[0];
    const err = details.errorInstance;
    const text = err instanceof FuzzViolation ? err.message : `the check itself threw: ${err instanceof Error ? err.stack : String(err)}`;
    violation = { fuzzer: f.name, seed, violation: text, input: toJson(input) };
  }
  return { name: f.name, inputs, seconds: secs / 1000, violation };
}

export class FuzzViolation extends Error {
  override readonly name = "FuzzViolation";
}

/** Writes a reproducer to corpus/<fuzzer>/<name>.json (or under `dir`); returns its path. */
export function writeReproducer(e: CorpusEntry, dir = CORPUS): string {
  const d = join(dir, e.fuzzer);
  mkdirSync(d, { recursive: true });
  const path = join(d, `seed-${e.seed}-${Date.now().toString(36)}.json`);
  writeFileSync(path, JSON.stringify(e, null, 2) + "\n");
  return path;
}

/** Every corpus entry, by file (sorted). */
export function readCorpus(dir = CORPUS): { file: string; entry: CorpusEntry }[] {
  const out: { file: string; entry: CorpusEntry }[] = [];
  let fuzzers: string[];
  try {
    fuzzers = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const f of fuzzers) {
    for (const name of readdirSync(join(dir, f)).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = join(dir, f, name);
      out.push({ file, entry: JSON.parse(readFileSync(file, "utf8")) as CorpusEntry });
    }
  }
  return out;
}

/** An input as plain JSON: bigints become {"$big": "..."}, byte arrays {"$hex": "..."}. */
export function toJson(v: unknown): unknown {
  if (typeof v === "bigint") return { $big: v.toString() };
  if (v instanceof Uint8Array) return { $hex: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

/** The inverse of {@link toJson}. */
export function fromJson<T>(v: unknown): T {
  if (Array.isArray(v)) return v.map((x) => fromJson(x)) as T;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o["$big"] === "string") return BigInt(o["$big"]) as T;
    if (typeof o["$hex"] === "string") return new Uint8Array(Buffer.from(o["$hex"], "hex")) as T;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJson(x)])) as T;
  }
  return v as T;
}

/** First line of an error's text, with its class name. */
export function errLine(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split("\n")[0] ?? ""}`;
  return String(e);
}
