/**
 * @fileoverview Field readers for the scenario validator: each reads one
 * field of a plain object parsed from YAML/JSON, checks its type and range,
 * converts units, and on a problem records an issue located at that field's
 * line and column (through a {@link Locator} over the YAML document). They
 * never throw for bad input: a bad field yields `undefined` and one issue,
 * so a single pass reports every problem in the file.
 */
import type { ScenarioIssue } from "./errors.js";
import { formatPath } from "./errors.js";
import type { SourcePos } from "./types.js";
import { MAX_RATE_BPS, MAX_TIME_NS } from "./limits.js";
import { formatDuration, formatRate, parseDuration, parseProbability, parseRate, parseSize } from "./units.js";

/** A path into the document: keys and sequence indices. */
export type Path = readonly (string | number)[];

/** Finds the position of a path's key or value in the source (nearest existing ancestor when absent). */
export type Locator = (path: Path, at: "key" | "value") => SourcePos;

/** A plain object (mapping) from the document. */
export type Obj = Readonly<Record<string, unknown>>;

function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === "string" ? JSON.stringify(v) : v === undefined ? "undefined" : (JSON.stringify(v) ?? String(v));
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

function box(fn: (v: unknown) => number | string): (v: unknown) => { v: number } | string {
  return (v) => {
    const r = fn(v);
    return typeof r === "string" ? r : { v: r };
  };
}

/** Collects issues and reads typed fields. */
export class Reader {
  readonly issues: ScenarioIssue[] = [];

  constructor(private readonly locate: Locator) {}

  /** Records an issue at `path` (its key or its value). */
  error(path: Path, message: string, at: "key" | "value" = "value"): void {
    const pos = this.locate(path, at);
    this.issues.push({ path: formatPath(path), line: pos.line, col: pos.col, message });
  }

  /** Position of a path's value, for runtime messages. */
  pos(path: Path): SourcePos {
    return this.locate(path, "value");
  }

  /** Checks that `v` is a mapping whose keys are all in `keys`; reports unknown keys (with a suggestion). */
  obj(v: unknown, path: Path, keys: readonly string[]): Obj | undefined {
    if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Uint8Array) {
      this.error(path, `must be a mapping with fields ${keys.join(", ")}: current value is ${kindOf(v)} ${show(v)}`);
      return undefined;
    }
    const o = v as Obj;
    for (const k of Object.keys(o)) {
      if (keys.includes(k)) continue;
      // Only names of similar length can be close, so a long key costs no edit-distance table.
      const near = keys.filter((c) => Math.abs(c.length - k.length) <= 5 && editDistance(c, k) <= Math.max(1, Math.ceil(c.length / 3)));
      const hint = near.length > 0 ? ` (did you mean '${near[0]}'?)` : `; known fields: ${keys.join(", ")}`;
      this.error([...path, k], `unknown field '${k.length > 40 ? `${k.slice(0, 37)}...` : k}'${hint}`, "key");
    }
    return o;
  }

  /** Checks that `v` is a list. */
  list(v: unknown, path: Path): readonly unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.error(path, `must be a list: current value is ${kindOf(v)} ${show(v)}`);
      return undefined;
    }
    return v;
  }

  /** Reports a missing required field (located at the parent mapping). */
  required(o: Obj, key: string, path: Path, what: string): unknown {
    const v = o[key];
    if (v === undefined || v === null) {
      this.error([...path, key], `is required: ${what}`);
      return undefined;
    }
    return v;
  }

  /** Reads `o[key]` through `fn`, which returns the value in a box or what was expected. */
  private conv<T>(o: Obj, key: string, path: Path, required: string | false, fn: (v: unknown) => { v: T } | string): T | undefined {
    const v = required === false ? o[key] : this.required(o, key, path, required);
    if (v === undefined || v === null) return undefined;
    const r = fn(v);
    if (typeof r === "string") {
      this.error([...path, key], `must be ${r}: current value is ${show(v)}`);
      return undefined;
    }
    return r.v;
  }

  /** A duration of at most MAX_TIME_NS (limits.ts), so that every time derived from the file stays exact. */
  duration(o: Obj, key: string, path: Path, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, (v) => {
      const r = parseDuration(v);
      if (typeof r === "string") return r;
      return r <= MAX_TIME_NS ? { v: r } : `a duration of at most ${formatDuration(MAX_TIME_NS)} (1 day, the longest run)`;
    });
  }

  /** A rate of at most MAX_RATE_BPS (limits.ts). */
  rate(o: Obj, key: string, path: Path, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, (v) => {
      const r = parseRate(v);
      if (typeof r === "string") return r;
      return r <= MAX_RATE_BPS ? { v: r } : `a rate of at most ${formatRate(MAX_RATE_BPS)}`;
    });
  }

  size(o: Obj, key: string, path: Path, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, box(parseSize));
  }

  probability(o: Obj, key: string, path: Path, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, box(parseProbability));
  }

  int(o: Obj, key: string, path: Path, min: number, max: number, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, (v) =>
      typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? { v } : `an integer in [${min}, ${max}]`);
  }

  number(o: Obj, key: string, path: Path, min: number, max: number, required: string | false = false): number | undefined {
    return this.conv(o, key, path, required, (v) =>
      typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? { v } : `a number in [${min}, ${max}]`);
  }

  bool(o: Obj, key: string, path: Path): boolean | undefined {
    return this.conv(o, key, path, false, (v) => (typeof v === "boolean" ? { v } : "true or false"));
  }

  /** A string matching `re` (described by `what`). */
  string(o: Obj, key: string, path: Path, re: RegExp, what: string, required: string | false = false): string | undefined {
    return this.conv(o, key, path, required, (v) => (typeof v === "string" && re.test(v) ? { v } : what));
  }

  oneOf<const T extends string>(o: Obj, key: string, path: Path, choices: readonly T[], required: string | false = false): T | undefined {
    return this.conv(o, key, path, required, (v) =>
      typeof v === "string" && (choices as readonly string[]).includes(v) ? { v: v as T } : `one of ${choices.join(", ")}`);
  }
}
