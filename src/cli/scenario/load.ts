/**
 * @fileoverview Reading a scenario file: YAML 1.2 through the `yaml`
 * package (JSON is YAML 1.2 too, so `.json` files go the same way and get
 * the same line numbers), syntax errors with their line and column, then the
 * validator with a locator that maps a field path back to the node it came
 * from. Aliases are expanded with yaml's alias-count guard, so a hostile
 * file cannot blow up memory.
 */
import { readFileSync } from "node:fs";
import { LineCounter, isAlias, isMap, isSeq, isScalar, parseDocument } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { ScenarioError } from "./errors.js";
import type { ScenarioIssue } from "./errors.js";
import type { Locator, Path } from "./reader.js";
import type { Scenario, SourcePos } from "./types.js";
import { validateScenario } from "./validate.js";

function makeLocator(doc: Document, lc: LineCounter): Locator {
  const at = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  return (path: Path, which: "key" | "value"): SourcePos => {
    let node: unknown = doc.contents;
    let pos: SourcePos = node !== null && typeof node === "object" && "range" in node && Array.isArray((node as YamlNode).range)
      ? at(((node as YamlNode).range as [number, number, number])[0])
      : { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (pair === undefined) return pos;
        const key = pair.key as YamlNode | null;
        if (key !== null && typeof key === "object" && key.range) pos = at(key.range[0]);
        if (last && which === "key") return pos;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
      } else return pos;
      const range = (node as YamlNode | null | undefined)?.range;
      if (node !== null && node !== undefined && range) pos = at(range[0]);
    }
    return pos;
  };
}

/**
 * Parses and validates scenario text.
 * @param text the file's contents
 * @param file the name used in messages (and for the default scenario name)
 * @throws {ScenarioError} listing every syntax or validation problem with its line and column
 */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    const issues: ScenarioIssue[] = doc.errors.map((e) => {
      const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      return { path: "", line: p.line, col: p.col, message: `syntax: ${e.message.split("\n")[0] ?? e.code}` };
    });
    throw new ScenarioError(file, issues);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ScenarioError(file, [{ path: "", line: 1, col: 1, message: `cannot read the document: ${(e as Error).message}` }]);
  }
  if (value === null || value === undefined) {
    throw new ScenarioError(file, [{ path: "", line: 1, col: 1, message: "the file is empty: a scenario needs at least duration, topology and flows" }]);
  }
  const r = validateScenario(value, makeLocator(doc, lc), { file, text });
  if (!r.ok) throw new ScenarioError(file, r.issues);
  return r.scenario;
}

/**
 * Reads and validates a scenario file.
 * @throws {ScenarioError} for problems in the file, with line and column;
 *   an `Error` with the system's reason when the file cannot be read
 */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read scenario ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseScenario(text, path);
}
