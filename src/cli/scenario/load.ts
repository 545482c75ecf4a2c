/**
 * @fileoverview Reading a scenario file: a bounded read of a regular file
 * (../bounded-read.ts), YAML 1.2 through the `yaml` package (JSON is YAML
 * 1.2 too, so `.json` files go the same way and get the same line numbers),
 * syntax errors with their line and column, then one linear pass over the
 * syntax tree that builds the plain value, rejects duplicate keys, unresolved
 * aliases and documents above the node and alias limits (limits.ts) at their
 * line and column, and indexes every mapping for the locator, so validating
 * a file of n keys takes O(n) time (yaml's own duplicate-key check and alias
 * resolution are quadratic and are not used).
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { Alias, Document, Node as YamlNode, Pair } from "yaml";
import { readBoundedFile } from "../bounded-read.js";
import { ScenarioError } from "./errors.js";
import type { ScenarioIssue } from "./errors.js";
import { MAX_ALIASES, MAX_DOCUMENT_DEPTH, MAX_DOCUMENT_INDENT, MAX_DOCUMENT_LINES, MAX_DOCUMENT_NODES, MAX_SCENARIO_BYTES } from "./limits.js";
import type { Locator, Path } from "./reader.js";
import type { Scenario, SourcePos } from "./types.js";
import { validateScenario } from "./validate.js";

/** The syntax tree's index: each mapping's pairs by key, each alias's anchored node. */
interface TreeIndex {
  readonly keys: WeakMap<object, Map<string, Pair>>;
  readonly aliases: WeakMap<object, YamlNode>;
}

/** Thrown inside the walk for a problem that stops it; becomes one issue. */
class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const startOf = (n: unknown): number => {
  const r = (n as YamlNode | null | undefined)?.range;
  return Array.isArray(r) ? r[0] : 0;
};

/** A mapping key as the value's property name (scalars only: a scenario's keys are names). */
function keyName(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  return undefined;
}

/**
 * Builds the plain value of the document in one walk, indexing it, with every
 * alias expansion counted against the node limit (a "billion laughs" file
 * stops at the limit instead of expanding).
 */
function buildValue(doc: Document, issues: ScenarioIssue[], lc: LineCounter): { value: unknown; index: TreeIndex } | undefined {
  const index: TreeIndex = { keys: new WeakMap(), aliases: new WeakMap() };
  const anchors = new Map<string, YamlNode>();
  const built = new WeakMap<object, { value: unknown; nodes: number }>();
  let nodes = 0;
  let aliases = 0;
  const count = (n: number, at: unknown): void => {
    nodes += n;
    if (nodes > MAX_DOCUMENT_NODES) {
      throw new Stop(startOf(at), `the document has more than ${MAX_DOCUMENT_NODES} nodes (keys, values and list items, counting what aliases expand to): a scenario needs far fewer`);
    }
  };
  const walk = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const a = node as Alias;
      if (++aliases > MAX_ALIASES) throw new Stop(startOf(a), `more than ${MAX_ALIASES} aliases in the document`);
      const target = anchors.get(a.source);
      if (target === undefined) throw new Stop(startOf(a), `alias *${a.source} names no anchor &${a.source} defined before it`);
      index.aliases.set(a, target);
      const b = built.get(target);
      if (b === undefined) throw new Stop(startOf(a), `alias *${a.source} refers to the node that contains it`);
      count(b.nodes, a);
      return b.value;
    }
    const before = nodes;
    const anchor = (node as YamlNode).anchor;
    let value: unknown;
    count(1, node);
    if (isScalar(node)) value = node.value;
    else if (isMap(node)) {
      const o: Record<string, unknown> = {};
      const byKey = new Map<string, Pair>();
      index.keys.set(node, byKey);
      // Registered before its items, so an alias inside it to itself is caught (no entry in `built` yet).
      if (anchor !== undefined) anchors.set(anchor, node as YamlNode);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = keyName(pair.key);
        if (k === undefined) throw new Stop(startOf(pair.key), "a key must be a plain name, not a list, mapping or alias");
        if (byKey.has(k)) throw new Stop(startOf(pair.key), `duplicate key '${k}' (first at ${posText(lc, startOf(byKey.get(k)?.key))})`);
        byKey.set(k, pair);
        count(1, pair.key);
        // defineProperty, not assignment: a key named __proto__ stays a plain key.
        Object.defineProperty(o, k, { value: walk(pair.value), enumerable: true, writable: true, configurable: true });
      }
      value = o;
    } else if (isSeq(node)) {
      if (anchor !== undefined) anchors.set(anchor, node as YamlNode);
      value = node.items.map((item) => walk(item));
    } else throw new Stop(startOf(node), "unsupported YAML node");
    if (anchor !== undefined) anchors.set(anchor, node as YamlNode);
    built.set(node as object, { value, nodes: nodes - before });
    return value;
  };
  try {
    return { value: walk(doc.contents), index };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const p = lc.linePos(e.offset);
    issues.push({ path: "", line: p.line, col: p.col, message: e.message });
    return undefined;
  }
}

function posText(lc: LineCounter, offset: number): string {
  const p = lc.linePos(offset);
  return `${p.line}:${p.col}`;
}

/**
 * The locator: a field path to its position, through the walk's index
 * (O(path length) per lookup). A path that goes through an alias is located
 * at the alias, where the field is used, not at the anchored node.
 */
function makeLocator(doc: Document, lc: LineCounter, index: TreeIndex): Locator {
  const at = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  return (path: Path, which: "key" | "value"): SourcePos => {
    let node: unknown = doc.contents;
    let pos: SourcePos = node !== null && node !== undefined ? at(startOf(node)) : { line: 1, col: 1 };
    let viaAlias = false;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isAlias(node)) {
        if (!viaAlias) pos = at(startOf(node));
        viaAlias = true;
        node = index.aliases.get(node);
      }
      if (isMap(node)) {
        const pair = index.keys.get(node)?.get(String(seg));
        if (pair === undefined) return pos;
        if (!viaAlias) pos = at(startOf(pair.key));
        if (last && which === "key") return pos;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
      } else return pos;
      if (!viaAlias && node !== null && node !== undefined && (node as YamlNode).range) pos = at(startOf(node));
    }
    return pos;
  };
}

/**
 * The first place where the text passes a structural limit (lines and commas, flow nesting depth,
 * indentation, nesting indicators on one line), with what it passes; one scan before any parsing, so the YAML parser (which recurses per
 * level and takes tens of microseconds per node) only ever sees a bounded document.
 */
function structuralLimit(text: string): (SourcePos & { message: string }) | undefined {
  let seps = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let indicators = 0;
  let indenting = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (indenting && c === 32) {
      if (i - lineStart >= MAX_DOCUMENT_INDENT) {
        return { line, col: i - lineStart + 1, message: `a line is indented more than ${MAX_DOCUMENT_INDENT} columns: a scenario nests a few levels` };
      }
      continue;
    }
    indenting = false;
    // Outside flow collections, "- ", "? " and ": " each open a level on the same line ("- - - x", "a: b: c").
    if (depth === 0 && (c === 45 || c === 63 || c === 58) && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10)) {
      if (++indicators > MAX_DOCUMENT_DEPTH) {
        return { line, col: i - lineStart + 1, message: `a line holds more than ${MAX_DOCUMENT_DEPTH} '- ', '? ' or ': ' indicators, each a level of nesting: a scenario nests a few levels` };
      }
    }
    if (c === 91 || c === 123) {
      if (++depth > MAX_DOCUMENT_DEPTH) return { line, col: i - lineStart + 1, message: `lists and mappings nest more than ${MAX_DOCUMENT_DEPTH} levels deep: a scenario nests a few levels` };
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
    if (c !== 10 && c !== 44) continue;
    if (++seps > MAX_DOCUMENT_LINES) {
      return { line, col: i - lineStart + 1, message: `the document has more than ${MAX_DOCUMENT_LINES} lines and commas (each node of a mapping or list needs one): a scenario needs far fewer` };
    }
    if (c === 10) {
      line++;
      lineStart = i + 1;
      indenting = true;
      indicators = 0;
    }
  }
  return undefined;
}

/** A parsed YAML/JSON document: its plain value and the locator of its field paths. */
export interface ParsedDocument {
  readonly value: unknown;
  readonly locate: Locator;
}

/**
 * Parses YAML/JSON text into a plain value and a locator, within the
 * document limits; the first step of reading a scenario or a sweep file.
 * @param empty the message for an empty file
 * @throws {ScenarioError} for syntax errors and documents over the limits, with line and column
 */
export function parseYamlDocument(text: string, file: string, empty: string): ParsedDocument {
  const over = structuralLimit(text);
  if (over !== undefined) throw new ScenarioError(file, [{ path: "", line: over.line, col: over.col, message: over.message }]);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: true });
  if (doc.errors.length > 0) {
    const issues: ScenarioIssue[] = doc.errors.map((e) => {
      const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      return { path: "", line: p.line, col: p.col, message: `syntax: ${e.message.split("\n")[0] ?? e.code}` };
    });
    throw new ScenarioError(file, issues);
  }
  const issues: ScenarioIssue[] = [];
  const built = buildValue(doc, issues, lc);
  if (built === undefined) throw new ScenarioError(file, issues);
  if (built.value === null || built.value === undefined) throw new ScenarioError(file, [{ path: "", line: 1, col: 1, message: empty }]);
  return { value: built.value, locate: makeLocator(doc, lc, built.index) };
}

/**
 * Parses and validates scenario text.
 * @param text the file's contents
 * @param file the name used in messages (and for the default scenario name)
 * @throws {ScenarioError} listing every syntax or validation problem with its line and column
 */
export function parseScenario(text: string, file: string): Scenario {
  const d = parseYamlDocument(text, file, "the file is empty: a scenario needs at least duration, topology and flows");
  const r = validateScenario(d.value, d.locate, { file, text });
  if (!r.ok) throw new ScenarioError(file, r.issues);
  return r.scenario;
}

/**
 * Reads and validates a scenario file: a regular file of at most `maxBytes` bytes.
 * @throws {ScenarioError} for problems in the file, with line and column;
 *   an InputFileError (../bounded-read.ts) naming the file when it cannot be read, is not a regular file or is too large
 */
export function loadScenarioFile(path: string, maxBytes = MAX_SCENARIO_BYTES): Scenario {
  const bytes = readBoundedFile(path, { what: "scenario", maxBytes, raise: "raise the limit with --max-input-size" });
  return parseScenario(bytes.toString("utf8"), path);
}
