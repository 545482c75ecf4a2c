/**
 * @fileoverview Reading a sweep file (docs/sweep.md) into its plan: the base
 * scenario, the axes, and every point as a complete resolved scenario
 * document with its stable id. The file is read like a scenario (the same
 * YAML reader, limits and field readers, src/cli/scenario/), and every
 * point is checked by the scenario validator before anything runs; a
 * problem is reported at the sweep file's line: an unknown field path at the
 * axis's `field`, a value the scenario refuses at that value.
 *
 * Input files (BPF objects, mahimahi traces) are content-addressed: each
 * point's scenario names `../../inputs/<sha256 prefix>-<file name>`, the
 * sweep writes the file there, so a point's id changes with the bytes of
 * what it loads, and a sweep's output folder is self-contained (every
 * `points/<id>/scenario.yaml` reruns alone with `structops run`).
 */
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { stringify } from "yaml";
import { InputFileError, readBoundedFile } from "../bounded-read.js";
import { ScenarioError, formatPath } from "../scenario/errors.js";
import type { ScenarioIssue } from "../scenario/errors.js";
import { parseYamlDocument } from "../scenario/load.js";
import type { Locator, Obj, Path } from "../scenario/reader.js";
import { Reader } from "../scenario/reader.js";
import { MAX_OBJECT_BYTES, MAX_SCENARIO_BYTES, MAX_TRACE_BYTES } from "../scenario/limits.js";
import { formatDuration, formatRate, parseDuration, parseRate } from "../scenario/units.js";
import { validateScenario } from "../scenario/validate.js";
import type { EngineChoice } from "../run/run-scenario.js";
import type { ScenarioKernelConfig } from "../scenario/types.js";
import type { Axis, ExcludeRule } from "../../sweep/expand.js";
import { expandPoints, productSize } from "../../sweep/expand.js";
import { formatFieldPath, getAtPath, parseFieldPath, pathCovers, setAtPath } from "../../sweep/doc-path.js";
import type { PathStep } from "../../sweep/doc-path.js";
import { pointId, sha256, sweepId } from "../../sweep/id.js";
import { bpfAlgorithm, builtinAlgorithms } from "./algorithms.js";
import { DEFAULT_MAX_POINTS, HARD_MAX_POINTS, MAX_AXES, MAX_AXIS_VALUES } from "./limits.js";

/** Wire size of a full segment: MSS 1448 + 52 bytes of headers (src/sim/net/packet.ts): what `shaper: wire`'s rate counts. */
const PACKET_BYTES = 1500;
/** The frame the default tbf shaper's rate counts: the packet and a 14-byte Ethernet header (docs/scenarios.md "Shapers"). */
const FRAME_BYTES = 1514;
/** The object name and link a `bpf:` algorithm value adds to a point's scenario. */
const SWEEP_OBJECT = "sweep_cc";

/** What an axis value does to a point. */
type Effect =
  | { readonly kind: "set"; readonly value: unknown }
  | { readonly kind: "bdp"; readonly factor: number }
  | { readonly kind: "bpf"; readonly file: string; readonly map: string; readonly caName: string }
  | { readonly kind: "engine"; readonly engine: EngineChoice };

interface AxisSpec extends Axis<Effect> {
  readonly field: string;
  /** null for the `engine` pseudo-field. */
  readonly steps: readonly PathStep[] | null;
  /** Its index in the file's axes list. */
  readonly index: number;
  /** Where each value is written (a `builtin` or `range` value: the entry that produced it). */
  readonly valuePaths: readonly Path[];
}

/** A point of the plan. */
export interface PlannedPoint {
  readonly id: string;
  /** Axis value labels, in axis order. */
  readonly labels: readonly string[];
  readonly engine: EngineChoice;
  /** The point's scenario.yaml. */
  readonly text: string;
  /** The outputs its run writes a report (links go to report.html, else summary.txt). */
  readonly report: boolean;
}

/** A sweep, resolved. */
export interface SweepPlan {
  readonly name: string;
  readonly sweepId: string;
  readonly axes: readonly { readonly name: string; readonly field: string; readonly labels: readonly string[] }[];
  readonly points: readonly PlannedPoint[];
  /** Files points load, by the name they have under inputs/. */
  readonly inputs: ReadonlyMap<string, Buffer>;
  /** Heatmap axes: x, and y when the sweep has a second axis to show. */
  readonly heatmap: readonly [string, string | null];
  readonly seedAxis: string | null;
}

/** Options of {@link loadSweepFile}. */
export interface SweepLoadOptions {
  readonly maxPoints?: number;
  readonly version: string;
  readonly maxInputBytes?: number;
}

const TOP_KEYS = ["name", "description", "base", "scenario", "engine", "axes", "zip", "exclude", "report"];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const AXIS_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const ENGINES = ["interp", "jit", "auto"] as const;

const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v) ?? String(v));

/** A value's label: strings as written, numbers in JS notation, anything else as compact JSON. */
function labelOf(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

const isAlgorithmField = (steps: readonly PathStep[] | null): boolean => {
  const last = steps?.[steps.length - 1];
  return last !== undefined && "key" in last && (last.key === "algorithm" || last.key === "default_cc");
};

/** Range endpoints: numbers, or rates / durations with units; returns how to read and write them. */
function rangeKind(from: unknown, to: unknown): { parse: (v: unknown) => number | string; out: (n: number) => unknown; label: (n: number) => string } | undefined {
  if (typeof from === "number" && typeof to === "number") return { parse: (v) => v as number, out: (n) => n, label: (n) => String(n) };
  if (typeof parseRate(from) === "number" && typeof parseRate(to) === "number" && typeof from === "string" && /bit|bps|b\/s/i.test(from)) {
    return { parse: parseRate, out: (n) => `${Math.round(n)}bit`, label: (n) => formatRate(Math.round(n)).replace(" ", "") };
  }
  if (typeof parseDuration(from) === "number" && typeof parseDuration(to) === "number") {
    return { parse: parseDuration, out: (n) => `${Math.round(n)}ns`, label: (n) => formatDuration(Math.round(n)) };
  }
  return undefined;
}

/** Reads `range: { from, to, step | steps, scale }` into values. */
function readRange(r: Reader, v: unknown, path: Path): { label: string; value: unknown }[] | undefined {
  const o = r.obj(v, path, ["from", "to", "step", "steps", "scale"]);
  if (o === undefined) return undefined;
  const from = r.required(o, "from", path, "the first value");
  const to = r.required(o, "to", path, "the last value");
  if (from === undefined || to === undefined) return undefined;
  const kind = rangeKind(from, to);
  if (kind === undefined) {
    r.error([...path, "from"], `must be a number, a rate ("10mbit") or a duration ("5ms"), of the same kind as 'to': current values are ${show(from)} and ${show(to)}`);
    return undefined;
  }
  const a = kind.parse(from) as number;
  const b = kind.parse(to) as number;
  if (b < a) {
    r.error([...path, "to"], `must not be below 'from' (${show(from)}): current value is ${show(to)}`);
    return undefined;
  }
  const scale = r.oneOf(o, "scale", path, ["linear", "log"]) ?? "linear";
  const steps = r.int(o, "steps", path, 1, MAX_AXIS_VALUES);
  const out: number[] = [];
  if (steps !== undefined) {
    if (o["step"] !== undefined) r.error([...path, "step"], "cannot be given with 'steps': give one of them", "key");
    if (scale === "log" && a <= 0) r.error([...path, "from"], "must be > 0 for scale: log");
    for (let k = 0; k < steps; k++) {
      const f = steps === 1 ? 0 : k / (steps - 1);
      out.push(scale === "log" ? a * (b / a) ** f : a + (b - a) * f);
    }
  } else {
    if (scale === "log") r.error([...path, "scale"], "log needs 'steps' (a number of values), not 'step'");
    const stepRaw = o["step"] ?? (typeof from === "number" ? 1 : undefined);
    if (stepRaw === undefined) {
      r.error([...path, "steps"], "is required (or step): how many values between from and to");
      return undefined;
    }
    const step = kind.parse(stepRaw);
    if (typeof step !== "number" || step <= 0) {
      r.error([...path, "step"], `must be > 0, of the same kind as from and to: current value is ${show(stepRaw)}`);
      return undefined;
    }
    if ((b - a) / step + 1 > MAX_AXIS_VALUES) {
      r.error([...path, "step"], `gives more than ${MAX_AXIS_VALUES} values`);
      return undefined;
    }
    for (let k = 0; a + k * step <= b * (1 + 1e-12); k++) out.push(a + k * step);
  }
  const rounded = out.map((n) => (typeof from === "number" ? Number(n.toPrecision(12)) : n));
  return rounded.map((n) => ({ label: kind.label(n), value: kind.out(n) }));
}

/**
 * Reads and checks the sweep file at `file` and resolves every point.
 * @throws {ScenarioError} naming the field and line of every problem (of the sweep file, or of its base scenario);
 *   InputFileError when the sweep file cannot be read
 */
export function loadSweepFile(file: string, opts: SweepLoadOptions): SweepPlan {
  const text = readBoundedFile(file, { what: "sweep file", maxBytes: opts.maxInputBytes ?? MAX_SCENARIO_BYTES, raise: "raise the limit with --max-input-size" }).toString("utf8");
  const doc = parseYamlDocument(text, file, "the file is empty: a sweep needs a base scenario (base or scenario) and axes");
  const r = new Reader(doc.locate);
  const fail = (): never => {
    throw new ScenarioError(file, [...r.issues].sort((a, b) => a.line - b.line || a.col - b.col));
  };
  const top = r.obj(doc.value, [], TOP_KEYS);
  if (top === undefined) return fail();
  const name = r.string(top, "name", [], NAME_RE, "a name of 1-64 letters, digits, '_', '.' or '-'") ?? (basename(file).replace(/\.(ya?ml|json)$/i, "") || "sweep");
  r.string(top, "description", [], /^[^]{0,2000}$/, "a text of at most 2000 characters");
  const engine = r.oneOf(top, "engine", [], ENGINES) ?? "auto";
  const sweepDir = dirname(resolve(file));
  const maxIn = opts.maxInputBytes;

  // The base scenario: a file, or inline under `scenario`; it must be valid alone.
  let base: unknown;
  let baseKernel: ScenarioKernelConfig | undefined;
  let baseDir = sweepDir;
  if ((top["base"] === undefined) === (top["scenario"] === undefined)) {
    r.error(top["base"] !== undefined ? ["scenario"] : ["base"], top["base"] !== undefined ? "cannot be given with 'base': give one of them" : "is required (or scenario: inline): the scenario file the axes change", top["base"] !== undefined ? "key" : "value");
  } else if (top["base"] !== undefined) {
    const rel = r.string(top, "base", [], /^[^\0]{1,4096}$/, "the path of a scenario file");
    if (rel !== undefined) {
      const abs = resolve(sweepDir, rel);
      baseDir = dirname(abs);
      try {
        const btext = readBoundedFile(abs, { what: "scenario", maxBytes: maxIn ?? MAX_SCENARIO_BYTES, raise: "raise the limit with --max-input-size" }).toString("utf8");
        const bdoc = parseYamlDocument(btext, rel, "the base scenario is empty");
        const v = validateScenario(bdoc.value, bdoc.locate, { file: rel, text: btext });
        if (!v.ok) throw new ScenarioError(rel, v.issues);
        base = bdoc.value;
        baseKernel = v.scenario.kernel;
      } catch (e) {
        if (!(e instanceof InputFileError)) throw e;
        r.error(["base"], e.message);
      }
    }
  } else {
    const at = (p: Path, w: "key" | "value"): ReturnType<Locator> => doc.locate(["scenario", ...p], w);
    const v = validateScenario(top["scenario"], at, { file, text });
    if (!v.ok) for (const i of v.issues) r.issues.push({ ...i, path: i.path === "" ? "scenario" : `scenario.${i.path}` });
    else {
      base = top["scenario"];
      baseKernel = v.scenario.kernel;
    }
  }

  const axes = readAxes(r, top, sweepDir, maxIn, baseKernel);
  const zips = readZip(r, top, axes);
  const excludes = readExcludes(r, top, axes);
  const heat = readReport(r, top, axes);
  if (r.issues.length > 0 || base === undefined) return fail();

  // Count before expanding: a product above the limit is refused without building it.
  const size = productSize(axes, zips);
  const limit = Math.min(opts.maxPoints ?? DEFAULT_MAX_POINTS, HARD_MAX_POINTS);
  const count = size > limit && excludes.length > 0 && size <= HARD_MAX_POINTS ? expandPoints(axes, zips, excludes).length : size;
  if (count > limit) {
    const terms = axes.map((a) => `${a.name} ${a.values.length}`).join(" × ");
    const raise = limit < HARD_MAX_POINTS ? `raise it with --max-points (at most ${HARD_MAX_POINTS}: every resolved point is held in memory)` : "split the sweep into several files";
    r.error(["axes"], `the sweep has ${count} points (${terms}${zips.length > 0 ? ", zip groups counted once" : ""}${excludes.length > 0 ? ", after exclude" : ""}), above the limit of ${limit}: ${raise}`, "key");
    return fail();
  }
  const indices = expandPoints(axes, zips, excludes);
  if (indices.length === 0) {
    r.error(["exclude"], "leaves no point to run", "key");
    return fail();
  }

  // Base paths start from the base file's folder; axis values' paths from the sweep file's.
  const inputs = new Map<string, Buffer>();
  const inputName = new Map<string, string>();
  const addInput = (abs: string, what: string, maxBytes: number): string => {
    const known = inputName.get(abs);
    if (known !== undefined) return known;
    const bytes = readBoundedFile(abs, { what, maxBytes: maxIn ?? maxBytes, raise: "raise the limit with --max-input-size" });
    const n = `${sha256(bytes).slice(0, 12)}-${basename(abs)}`;
    inputs.set(n, bytes);
    inputName.set(abs, n);
    return n;
  };
  let baseDoc: unknown;
  try {
    baseDoc = mapInputPaths(base, (p, what, max) => addInput(isAbsolute(p) ? p : resolve(baseDir, p), what, max));
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    r.error([top["base"] !== undefined ? "base" : "scenario"], e.message);
    return fail();
  }
  for (const a of axes) {
    for (const v of a.values) {
      if (v.value.kind !== "bpf") continue;
      inputName.set(v.value.file, addInput(v.value.file, "BPF object", MAX_OBJECT_BYTES));
    }
  }

  const points: PlannedPoint[] = [];
  const seen = new Map<string, string>();
  const issueKeys = new Set<string>();
  const addIssue = (i: ScenarioIssue): void => {
    const k = `${i.line}:${i.col}:${i.path}:${i.message}`;
    if (!issueKeys.has(k)) {
      issueKeys.add(k);
      r.issues.push(i);
    }
  };
  for (const idx of indices) {
    const labels = axes.map((a, k) => (a.values[idx[k] as number] as { label: string }).label);
    const resolved = resolvePoint(baseDoc, axes, idx, inputName, name, labels, addIssue, doc.locate, engine);
    if (resolved === undefined) continue;
    const id = pointId(resolved.doc, resolved.engine, opts.version);
    const dup = seen.get(id);
    if (dup !== undefined) {
      addIssue({ ...posOf(doc.locate, ["axes"]), path: "axes", message: `points ${dup} and ${labels.join(", ")} resolve to the same scenario: two values of an axis give the same field value` });
      continue;
    }
    seen.set(id, labels.join(", "));
    const outputs = (resolved.doc as Obj)["outputs"] as Obj | undefined;
    points.push({
      id, labels, engine: resolved.engine, report: outputs?.["report"] !== false,
      text: `# structops sweep ${name}, point ${id}: ${axes.map((a, k) => `${a.name}=${labels[k]}`).join(", ")}\n# Rerun alone: structops run scenario.yaml --engine ${resolved.engine}\n${stringify(resolved.doc, { lineWidth: 0 })}`,
    });
  }
  if (r.issues.length > 0) return fail();
  const seedAxis = axes.find((a) => a.field === "seed")?.name ?? null;
  return {
    name, sweepId: sweepId(points.map((p) => p.id)),
    axes: axes.map((a) => ({ name: a.name, field: a.field, labels: a.values.map((v) => v.label) })),
    points, inputs, heatmap: heat, seedAxis,
  };
}

function posOf(locate: Locator, path: Path): { line: number; col: number } {
  return locate(path, "key");
}

/** Replaces every input file path of a scenario document (objects[].path, traces) with `../../inputs/<name>`. */
function mapInputPaths(doc: unknown, add: (path: string, what: string, maxBytes: number) => string): unknown {
  let d = doc;
  const set = (steps: PathStep[], what: string, max: number): void => {
    const v = getAtPath(d, steps);
    if (typeof v !== "string") return;
    const r = setAtPath(d, steps, `../../inputs/${add(v, what, max)}`);
    if ("doc" in r) d = r.doc;
  };
  const top = d as Obj;
  const objects = top["objects"];
  if (Array.isArray(objects)) objects.forEach((_, i) => set([{ key: "objects" }, { index: i }, { key: "path" }], "BPF object", MAX_OBJECT_BYTES));
  set([{ key: "topology" }, { key: "bottleneck" }, { key: "trace" }], "mahimahi trace", MAX_TRACE_BYTES);
  const hops = (top["topology"] as Obj | undefined)?.["hops"];
  if (Array.isArray(hops)) hops.forEach((_, i) => set([{ key: "topology" }, { key: "hops" }, { index: i }, { key: "trace" }], "mahimahi trace", MAX_TRACE_BYTES));
  return d;
}

/** Round-trip time of the base path of a point's document: 2 × (router links' delays + 2 × access delay), ns; undefined if unreadable. */
function baseRttNs(doc: unknown): { rttNs: number; rateBps: number; packetBytes: number } | undefined {
  const t = (doc as Obj)["topology"] as Obj | undefined;
  const b = t?.["bottleneck"] as Obj | undefined;
  const sh = b?.["shaper"];
  const wire = sh === "wire" || (typeof sh === "object" && sh !== null && (sh as Obj)["kind"] === "wire");
  const rate = parseRate(b?.["rate"]);
  const delay = parseDuration(b?.["delay"]);
  if (typeof rate !== "number" || typeof delay !== "number") return undefined;
  let oneWay = delay;
  for (const h of Array.isArray(t?.["hops"]) ? (t?.["hops"] as Obj[]) : []) {
    const d = parseDuration(h?.["delay"]);
    if (typeof d === "number") oneWay += d;
  }
  const access = parseDuration(((t?.["access"] as Obj | undefined)?.["delay"]) ?? 0);
  if (typeof access === "number") oneWay += 2 * access;
  return { rttNs: 2 * oneWay, rateBps: rate, packetBytes: wire ? PACKET_BYTES : FRAME_BYTES };
}

/** Builds one point's document and checks it with the scenario validator; problems go to `issue` at the sweep file's lines. */
function resolvePoint(
  base: unknown, axes: readonly AxisSpec[], idx: readonly number[], inputName: ReadonlyMap<string, string>, sweepName: string,
  labels: readonly string[], issue: (i: ScenarioIssue) => void, locate: Locator, defaultEngine: EngineChoice,
): { doc: unknown; engine: EngineChoice } | undefined {
  let d = base;
  let engine: EngineChoice | undefined;
  let ok = true;
  const valuePath = (a: AxisSpec, k: number): Path => a.valuePaths[k] ?? ["axes", a.index];
  const at = (a: AxisSpec, k: number, message: string, field = false): void => {
    const p: Path = field ? ["axes", a.index, "field"] : valuePath(a, k);
    issue({ path: formatPath(p), ...locate(p, "value"), message });
    ok = false;
  };
  const apply = (a: AxisSpec, k: number, value: unknown): void => {
    const r = setAtPath(d, a.steps as PathStep[], value);
    if ("error" in r) at(a, k, `field ${a.field}: ${r.error}`, true);
    else d = r.doc;
  };
  axes.forEach((a, i) => {
    const k = idx[i] as number;
    const e = (a.values[k] as { value: Effect }).value;
    if (e.kind === "engine") engine = e.engine;
    else if (e.kind === "set") apply(a, k, e.value);
    else if (e.kind === "bpf") {
      apply(a, k, e.caName);
      const top = d as Obj;
      const objects = Array.isArray(top["objects"]) ? (top["objects"] as unknown[]) : [];
      if (objects.some((o) => (o as Obj | null)?.["name"] === SWEEP_OBJECT)) {
        at(a, k, `the base scenario already has an object named ${SWEEP_OBJECT}, the name bpf: values use`);
        return;
      }
      const actions = Array.isArray(top["actions"]) ? (top["actions"] as unknown[]) : [];
      d = {
        ...top,
        objects: [...objects, { name: SWEEP_OBJECT, path: `../../inputs/${inputName.get(e.file) as string}`, maps: [e.map] }],
        actions: [{ at: "0s", do: "attach", map: SWEEP_OBJECT, link: SWEEP_OBJECT }, ...actions],
      };
    }
  });
  // Buffers in BDPs last: they depend on the point's rate and delays.
  axes.forEach((a, i) => {
    const k = idx[i] as number;
    const e = (a.values[k] as { value: Effect }).value;
    if (e.kind !== "bdp") return;
    const path = baseRttNs(d);
    if (path === undefined) return; // the validator reports the bad rate or delay
    const packets = Math.max(1, Math.round((e.factor * path.rateBps * path.rttNs) / 8e9 / path.packetBytes));
    const last = a.steps?.[a.steps.length - 1];
    apply(a, k, last !== undefined && "key" in last && last.key === "packets" ? packets : { kind: "droptail", packets });
  });
  if (!ok) return undefined;
  const top = d as Obj;
  const desc = `${typeof top["description"] === "string" ? `${top["description"] as string}\n` : ""}sweep ${sweepName}: ${axes.map((a, k) => `${a.name}=${labels[k]}`).join(", ")}`;
  d = { ...top, description: desc.length > 2000 ? desc.slice(desc.length - 2000) : desc };
  const v = validateScenario(d, () => ({ line: 0, col: 0 }), { file: "scenario.yaml", text: "" });
  if (!v.ok) {
    for (const i of v.issues) {
      const unknownField = /^unknown field/.test(i.message);
      const owners = axes.filter((a) => a.steps !== null && (pathCovers(a.steps, i.path, unknownField) || (a.values.some((x) => x.value.kind === "bpf") && /^(objects|actions)\b/.test(i.path))));
      const owner = owners[owners.length - 1];
      if (owner === undefined) {
        const p: Path = ["axes"];
        issue({ path: "axes", ...locate(p, "key"), message: `point ${axes.map((a, k) => `${a.name}=${labels[k]}`).join(", ")}: ${i.path}: ${i.message}` });
        continue;
      }
      const k = idx[axes.indexOf(owner)] as number;
      const unknown = /^unknown field/.test(i.message);
      const p: Path = unknown ? ["axes", owner.index, "field"] : valuePath(owner, k);
      issue({ path: formatPath(p), ...locate(p, "value"), message: `${i.path}: ${i.message}` });
    }
    return undefined;
  }
  return { doc: d, engine: engine ?? defaultEngine };
}

function lastKey(steps: readonly PathStep[]): string | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i] as PathStep;
    if ("key" in st) return st.key;
  }
  return undefined;
}

/** Reads `axes`: each a field and its values (`values`, `range` or `bdp`). */
function readAxes(r: Reader, top: Obj, sweepDir: string, maxIn: number | undefined, kernel: ScenarioKernelConfig | undefined): AxisSpec[] {
  const v = r.required(top, "axes", [], "the axes: a list of { field, values | range | bdp }");
  if (v === undefined) return [];
  const list = r.list(v, ["axes"]);
  if (list === undefined) return [];
  if (list.length === 0) r.error(["axes"], "must list at least one axis");
  if (list.length > MAX_AXES) r.error(["axes"], `must have at most ${MAX_AXES} axes: current length is ${list.length}`);
  const out: AxisSpec[] = [];
  const names = new Set<string>();
  let builtins: string[] | undefined;
  list.slice(0, MAX_AXES).forEach((av, i) => {
    const path: Path = ["axes", i];
    const o = r.obj(av, path, ["name", "field", "values", "range", "bdp"]);
    if (o === undefined) return;
    const field = r.string(o, "field", path, /^[^\0]{1,200}$/, "a field path such as topology.bottleneck.rate", "the scenario field this axis changes (topology.bottleneck.rate, flows[*].algorithm, seed, engine...)");
    if (field === undefined) return;
    let steps: PathStep[] | null = null;
    if (field !== "engine") {
      const s = parseFieldPath(field);
      if (typeof s === "string") {
        r.error([...path, "field"], `must be ${s}: current value is ${JSON.stringify(field)}`);
        return;
      }
      steps = s;
    }
    const name = r.string(o, "name", path, AXIS_RE, "an axis name of 1-32 letters, digits, '_' or '-' starting with a letter") ?? (steps === null ? "engine" : (lastKey(steps) ?? "axis"));
    if (names.has(name)) r.error([...path, o["name"] !== undefined ? "name" : "field"], `the axis name '${name}' is taken by another axis: give this one its own name:`);
    names.add(name);
    const given = ["values", "range", "bdp"].filter((k) => o[k] !== undefined);
    if (given.length !== 1) {
      if (given.length === 0) r.error([...path, "values"], "is required (or range, or bdp): the axis's values");
      else r.error([...path, given[1] as string], `cannot be given with '${given[0] as string}': give one of values, range, bdp`, "key");
      return;
    }
    const values: { label: string; value: Effect }[] = [];
    const valuePaths: Path[] = [];
    const push = (label: string, value: Effect, at: Path): void => {
      values.push({ label, value });
      valuePaths.push(at);
    };
    const kind = given[0] as string;
    if (kind === "values") {
      const l = r.list(o["values"], [...path, "values"]);
      if (l === undefined) return;
      if (l.length === 0) {
        r.error([...path, "values"], "must list at least one value: an empty axis gives no point");
        return;
      }
      l.forEach((x, j) => {
        const vp: Path = [...path, "values", j];
        if (steps === null) {
          if (typeof x === "string" && (ENGINES as readonly string[]).includes(x)) push(x, { kind: "engine", engine: x as EngineChoice }, vp);
          else r.error(vp, `must be one of ${ENGINES.join(", ")}: current value is ${show(x)}`);
          return;
        }
        const algo = isAlgorithmField(steps);
        if (x === "builtin" && algo) {
          builtins ??= builtinAlgorithms(kernel);
          for (const n of builtins) push(n, { kind: "set", value: n }, vp);
          return;
        }
        if (x !== null && typeof x === "object" && !Array.isArray(x) && "bpf" in x) {
          if (!algo) {
            r.error(vp, "a bpf: value belongs on an algorithm field (flows[*].algorithm, flows[i].algorithm or default_cc)");
            return;
          }
          const bo = r.obj(x, vp, ["bpf", "map"]);
          if (bo === undefined) return;
          const rel = r.string(bo, "bpf", vp, /^[^\0]{1,4096}$/, "the path of a clang-built BPF object (.bpf.o)");
          const map = r.string(bo, "map", vp, /^[A-Za-z_.][A-Za-z0-9_.]{0,14}$/, "a struct_ops map name");
          if (rel === undefined) return;
          const abs = resolve(sweepDir, rel);
          let bytes: Buffer;
          try {
            bytes = readBoundedFile(abs, { what: "BPF object", maxBytes: maxIn ?? MAX_OBJECT_BYTES, raise: "raise the limit with --max-input-size" });
          } catch (e) {
            if (!(e instanceof InputFileError)) throw e;
            r.error([...vp, "bpf"], e.message);
            return;
          }
          const alg = bpfAlgorithm(bytes, rel, map);
          if (typeof alg === "string") r.error([...vp, "bpf"], alg);
          else push(alg.caName, { kind: "bpf", file: abs, map: alg.map, caName: alg.caName }, vp);
          return;
        }
        push(labelOf(x), { kind: "set", value: x }, vp);
      });
    } else if (kind === "range") {
      if (steps === null) {
        r.error([...path, "range"], "engine takes values (interp, jit, auto), not a range", "key");
        return;
      }
      for (const x of readRange(r, o["range"], [...path, "range"]) ?? []) push(x.label, { kind: "set", value: x.value }, [...path, "range"]);
    } else {
      const lk = steps === null ? undefined : lastKey(steps);
      if (lk !== "queue" && lk !== "packets") {
        r.error([...path, "field"], "must be a queue (topology.bottleneck.queue) or its packets for bdp: values, which size a drop-tail queue in bandwidth-delay products");
        return;
      }
      const l = r.list(o["bdp"], [...path, "bdp"]);
      if (l === undefined) return;
      if (l.length === 0) r.error([...path, "bdp"], "must list at least one value: an empty axis gives no point");
      l.forEach((x, j) => {
        if (typeof x === "number" && Number.isFinite(x) && x > 0 && x <= 1000) push(String(x), { kind: "bdp", factor: x }, [...path, "bdp", j]);
        else r.error([...path, "bdp", j], `must be a number of bandwidth-delay products in (0, 1000]: current value is ${show(x)}`);
      });
    }
    if (values.length > MAX_AXIS_VALUES) r.error(path, `has ${values.length} values, above the limit of ${MAX_AXIS_VALUES}`);
    const labels = new Map<string, number>();
    values.forEach((x, k) => {
      const prev = labels.get(x.label);
      if (prev !== undefined) r.error(valuePaths[k] as Path, `gives the value '${x.label}' twice on axis '${name}'`);
      labels.set(x.label, k);
    });
    out.push({ name, field: steps === null ? "engine" : formatFieldPath(steps), steps, index: i, values, valuePaths });
  });
  return out;
}

/** Reads `zip`: groups of axes (by name, at least two, of equal lengths) that advance together. */
function readZip(r: Reader, top: Obj, axes: readonly AxisSpec[]): string[][] {
  if (top["zip"] === undefined) return [];
  const list = r.list(top["zip"], ["zip"]);
  const out: string[][] = [];
  const used = new Set<string>();
  list?.forEach((g, i) => {
    const names = r.list(g, ["zip", i]);
    if (names === undefined) return;
    if (names.length < 2) r.error(["zip", i], "must name at least two axes");
    const group: string[] = [];
    names.forEach((n, j) => {
      const a = axes.find((x) => x.name === n);
      if (a === undefined) r.error(["zip", i, j], `names no axis: ${show(n)} is not one of ${axes.map((x) => x.name).join(", ")}`);
      else if (used.has(a.name)) r.error(["zip", i, j], `axis '${a.name}' is in another zip group already`);
      else {
        used.add(a.name);
        group.push(a.name);
      }
    });
    const lens = group.map((n) => axes.find((x) => x.name === n)?.values.length ?? 0);
    if (new Set(lens).size > 1) r.error(["zip", i], `zips axes of different lengths (${group.map((n, k) => `${n} ${lens[k]}`).join(", ")}): zipped axes advance together`);
    if (group.length >= 2) out.push(group);
  });
  return out;
}

/** Reads `exclude`: mappings of axis name to a value's label. */
function readExcludes(r: Reader, top: Obj, axes: readonly AxisSpec[]): ExcludeRule[] {
  if (top["exclude"] === undefined) return [];
  const out: ExcludeRule[] = [];
  r.list(top["exclude"], ["exclude"])?.forEach((e, i) => {
    const o = r.obj(e, ["exclude", i], axes.map((a) => a.name));
    if (o === undefined) return;
    const rule: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
      const a = axes.find((x) => x.name === k);
      if (a === undefined) continue;
      const label = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
      if (label === undefined || !a.values.some((x) => x.label === label)) {
        r.error(["exclude", i, k], `names no value of axis '${k}': ${show(v)} is not one of ${a.values.map((x) => x.label).join(", ")}`);
      } else rule[k] = label;
    }
    if (Object.keys(rule).length > 0) out.push(rule);
  });
  return out;
}

/** Reads `report: { heatmap: [x, y] }`; the default is the first two axes that are not seeds, engines or algorithms. */
function readReport(r: Reader, top: Obj, axes: readonly AxisSpec[]): readonly [string, string | null] {
  const plain = axes.filter((a) => a.field !== "seed" && a.steps !== null && !isAlgorithmField(a.steps));
  const pick = plain.length > 0 ? plain : axes;
  const dflt: [string, string | null] = [pick[0]?.name ?? "", pick[1]?.name ?? null];
  if (top["report"] === undefined) return dflt;
  const o = r.obj(top["report"], ["report"], ["heatmap"]);
  if (o === undefined || o["heatmap"] === undefined) return dflt;
  const l = r.list(o["heatmap"], ["report", "heatmap"]);
  if (l === undefined) return dflt;
  if (l.length < 1 || l.length > 2) {
    r.error(["report", "heatmap"], "must name one or two axes: the heatmaps' columns, then rows");
    return dflt;
  }
  l.forEach((n, j) => {
    if (!axes.some((a) => a.name === n)) r.error(["report", "heatmap", j], `names no axis: ${show(n)} is not one of ${axes.map((a) => a.name).join(", ")}`);
  });
  return [String(l[0]), l[1] === undefined ? null : String(l[1])];
}
