/**
 * @fileoverview Fuzzer 4: mutations of the committed scenarios
 * (scenarios/*.yaml, their times divided by 30 so a valid mutant's run stays
 * cheap): field values made huge, negative, fractional, of the wrong type or
 * very long; keys deleted or duplicated; values nested deeply; alias bombs;
 * object paths pointing at special files. Each mutant goes through the CLI's
 * validation (parseScenario) and, when valid, `structops run` (runMain, with
 * the interpreter) in the sandbox child. A violation: validation throwing
 * something other than a ScenarioError, the run printing an internal error
 * (a stack trace) or throwing, a hang past the watchdog, an RSS above the cap.
 */
import fc from "fast-check";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { parseScenario } from "../../src/cli/scenario/load.js";
import { ScenarioError } from "../../src/cli/scenario/errors.js";
import { formatDuration, parseDuration } from "../../src/cli/scenario/units.js";
import { runMain } from "../../src/cli/run.js";
import { memoryIo } from "../../src/cli/io.js";
import type { Fuzzer } from "./framework.js";
import { fromJson } from "./framework.js";
import type { Sandbox } from "./sandbox.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCENARIOS = join(ROOT, "scenarios");
export const SCENARIO_FILES = readdirSync(SCENARIOS).filter((n) => n.endsWith(".yaml")).sort();

/** Time fields scaled down so a scenario simulates about a second. */
const TIME_KEYS = new Set(["duration", "start", "stagger", "at"]);
const TIME_SCALE = 30;

function shorten(v: unknown): void {
  if (Array.isArray(v)) v.forEach(shorten);
  else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(o)) {
      const ns = TIME_KEYS.has(k) ? parseDuration(x) : "";
      if (typeof ns === "number") o[k] = formatDuration(Math.round(ns / TIME_SCALE));
      else shorten(x);
    }
  }
}

/** The base document: fixture paths made absolute, times divided by TIME_SCALE. */
function baseDoc(name: string): unknown {
  const doc: unknown = parse(readFileSync(join(SCENARIOS, name), "utf8").replaceAll("../test/fixtures/", `${join(ROOT, "test/fixtures")}/`));
  shorten(doc);
  return doc;
}

/** Replacement values, by kind. */
const VALUES: readonly unknown[] = [
  1e308, -1, -1e9, 0, 0.5, 2 ** 53, -(2 ** 63), "abc", true, null, [], {}, [1, 2, 3], { a: 1 },
  "999999999999999s", "1e30mbit", "-5ms", "0s", "1ns", "0mbit", "1bit", "100%", "-3%", "1e400", "NaN", ".inf", "0x10",
  "9999999999GB", "1TB", "x".repeat(10000), "ü\u0000\u202e", 4294967296, 65536, 1000000,
];

const SPECIAL_PATHS = [
  "/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/mem", "/proc/self/status", "/", "/dev/stdin", "", ".",
  "/nonexistent/x.o", "a".repeat(5000), "/etc/shadow", "/dev/full", "/sys/kernel/btf/vmlinux",
] as const;

export type ScenarioMutation =
  | { readonly k: "set"; readonly path: number; readonly value: number }
  | { readonly k: "delete"; readonly path: number }
  | { readonly k: "nest"; readonly path: number; readonly depth: number }
  | { readonly k: "dupLine"; readonly line: number }
  | { readonly k: "aliasBomb"; readonly width: number; readonly levels: number }
  | { readonly k: "specialPath"; readonly which: number }
  | { readonly k: "copyFlows"; readonly times: number };

export interface ScenarioInput {
  readonly file: string;
  readonly muts: readonly ScenarioMutation[];
}

const mutation: fc.Arbitrary<ScenarioMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant("set" as const), path: fc.nat(), value: fc.nat(VALUES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("delete" as const), path: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("nest" as const), path: fc.nat(), depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.constantFrom(1000, 5000, 20000)) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("dupLine" as const), line: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("aliasBomb" as const), width: fc.integer({ min: 2, max: 10 }), levels: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("specialPath" as const), which: fc.nat(SPECIAL_PATHS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("copyFlows" as const), times: fc.constantFrom(2, 10, 100, 1000) }) },
);

export const scenarioInput: fc.Arbitrary<ScenarioInput> = fc.record({
  file: fc.constantFrom(...SCENARIO_FILES),
  muts: fc.array(mutation, { minLength: 1, maxLength: 3 }),
});

type Json = unknown;
/** Every path to a value in a parsed document (containers included), in document order. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(root: Json, path: readonly (string | number)[], f: (parent: Record<string | number, unknown>, key: string | number) => void): void {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  f(o, path[path.length - 1] as string | number);
}

/** The mutated scenario text. */
export function applyScenario(input: ScenarioInput): string {
  let doc: Json = baseDoc(input.file);
  const textMuts: ScenarioMutation[] = [];
  for (const m of input.muts) {
    const ps = paths(doc);
    const p = ps.length === 0 ? null : true;
    switch (m.k) {
      case "set":
        if (p !== null) setAt(doc, ps[m.path % ps.length] as (string | number)[], (o, k) => (o[k] = structuredClone(VALUES[m.value])));
        break;
      case "delete":
        if (p !== null) setAt(doc, ps[m.path % ps.length] as (string | number)[], (o, k) => (Array.isArray(o) ? o.splice(k as number, 1) : delete o[k]));
        break;
      case "nest": {
        // A placeholder, written out in flow style below (the yaml writer recurses).
        if (p !== null) setAt(doc, ps[m.path % ps.length] as (string | number)[], (o, k) => (o[k] = `__nest_${m.depth}__`));
        break;
      }
      case "specialPath": {
        const d = doc as { objects?: { name?: string; path?: string }[] };
        const path = SPECIAL_PATHS[m.which] as string;
        if (Array.isArray(d.objects) && d.objects.length > 0 && typeof d.objects[0] === "object" && d.objects[0] !== null) d.objects[0].path = path;
        else if (d !== null && typeof d === "object") d.objects = [{ name: "special", path }];
        break;
      }
      case "copyFlows": {
        const d = doc as { flows?: unknown[] };
        if (Array.isArray(d.flows) && d.flows.length > 0) {
          const f = d.flows[0] as Record<string, unknown>;
          d.flows = Array.from({ length: m.times }, (_, i) => (typeof f === "object" && f !== null ? { ...f, id: `f${i}`, count: m.times } : f));
        }
        break;
      }
      default:
        textMuts.push(m);
    }
    if (doc === undefined) doc = null;
  }
  let text = stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 })
    .replace(/__nest_(\d+)__/g, (_, d: string) => `${"[".repeat(Number(d))}1${"]".repeat(Number(d))}`);
  for (const m of textMuts) {
    const lines = text.split("\n");
    if (m.k === "dupLine") {
      const keyed = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*[A-Za-z_]+:/.test(l));
      const pick = keyed[m.line % Math.max(1, keyed.length)];
      if (pick !== undefined) lines.splice(pick[1] + 1, 0, pick[0].replace(/^(\s*)- /, "$1  "));
      text = lines.join("\n");
    } else if (m.k === "aliasBomb") {
      const defs = [`bomb0: &a0 [${Array.from({ length: m.width }, () => '"lol"').join(", ")}]`];
      for (let l = 1; l <= m.levels; l++) defs.push(`bomb${l}: &a${l} [${Array.from({ length: m.width }, () => `*a${l - 1}`).join(", ")}]`);
      text = `${defs.join("\n")}\n${text}`;
    }
  }
  return text;
}

/** Runs one input (in the sandbox child); returns a violation or null. */
export async function checkScenario(input: ScenarioInput): Promise<string | null> {
  let text: string;
  try {
    text = applyScenario(input);
  } catch (e) {
    return `fuzzer: cannot build the mutant: ${e instanceof Error ? e.stack : String(e)}`;
  }
  const dir = mkdtempSync(join(tmpdir(), "structops-fuzz-"));
  try {
    const file = join(dir, "fuzz.yaml");
    writeFileSync(file, text);
    try {
      parseScenario(text, file);
    } catch (e) {
      if (e instanceof ScenarioError) return null;
      return `validation threw a ${e instanceof Error ? e.name : typeof e}, not a ScenarioError\n${e instanceof Error ? e.stack : String(e)}`;
    }
    const io = memoryIo();
    try {
      await runMain(file, { engine: "interp", out: join(dir, "out"), progress: false }, io);
    } catch (e) {
      return `structops run threw: ${e instanceof Error ? e.stack : String(e)}`;
    }
    if (io.err().includes("internal error")) return `structops run printed an internal error:\n${io.err()}`;
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A one-line account of a mutant, for the violations the watchdog reports. */
export function describeScenario(input: ScenarioInput): string {
  const one = (m: ScenarioMutation): string => {
    switch (m.k) {
      case "set": return `set #${m.path} = ${JSON.stringify(VALUES[m.value])?.slice(0, 40)}`;
      case "specialPath": return `object path ${JSON.stringify(SPECIAL_PATHS[m.which]?.slice(0, 40))}`;
      default: return JSON.stringify(m);
    }
  };
  return `${input.file}: ${input.muts.map(one).join("; ")}`;
}

export function scenarioFuzzer(sandbox: Sandbox): Fuzzer<ScenarioInput> {
  return {
    name: "scenario",
    description: "mutated scenarios/*.yaml through the CLI's validation and a watched `structops run` (child)",
    arbitrary: scenarioInput,
    check: (input) => sandbox.run("scenario", input, ` (${describeScenario(input)})`),
    close: () => sandbox.close(),
  };
}

export const decodeScenario = (j: unknown): ScenarioInput => fromJson<ScenarioInput>(j);
