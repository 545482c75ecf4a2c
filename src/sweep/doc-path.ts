/**
 * @fileoverview Field paths into a scenario document, as sweep axes name
 * them: `topology.bottleneck.rate`, `flows[1].algorithm`, and `flows[*].start`
 * for every item of a list. The path is applied to the plain value parsed
 * from YAML (the scenario file's own spelling, before validation), so the
 * scenario validator (src/cli/scenario/validate.ts) judges the result and
 * its messages name the same path the sweep file wrote.
 */

/** One step of a field path: a key, a list index, or `*` for every item. */
export type PathStep = { readonly key: string } | { readonly index: number } | { readonly every: true };

const STEP_RE = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:\d+|\*)\])*)$/;

/** Parses `a.b[2].c` / `flows[*].algorithm`; returns the steps or what is wrong. */
export function parseFieldPath(text: string): PathStep[] | string {
  if (text.length === 0 || text.length > 200) return "a field path such as topology.bottleneck.rate or flows[*].algorithm";
  const steps: PathStep[] = [];
  for (const part of text.split(".")) {
    const m = STEP_RE.exec(part);
    if (m === null) return `a field path such as topology.bottleneck.rate or flows[*].algorithm ('${part}' is not a key optionally followed by [index] or [*])`;
    steps.push({ key: m[1] as string });
    for (const ix of (m[2] as string).matchAll(/\[(\d+|\*)\]/g)) {
      steps.push(ix[1] === "*" ? { every: true } : { index: Number(ix[1]) });
    }
  }
  return steps;
}

/** Formats steps back to text (the canonical spelling). */
export function formatFieldPath(steps: readonly PathStep[]): string {
  let s = "";
  for (const st of steps) {
    if ("key" in st) s += s === "" ? st.key : `.${st.key}`;
    else s += "index" in st ? `[${st.index}]` : "[*]";
  }
  return s;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

class PathError extends Error {}

function setIn(doc: unknown, steps: readonly PathStep[], value: unknown, at: number): unknown {
  if (at === steps.length) return value;
  const st = steps[at] as PathStep;
  const where = formatFieldPath(steps.slice(0, at)) || "the document";
  if ("key" in st) {
    if (doc !== undefined && doc !== null && !isObj(doc)) throw new PathError(`${where} is not a mapping, so it has no field '${st.key}'`);
    const o: Record<string, unknown> = isObj(doc) ? { ...doc } : {};
    // defineProperty, not assignment: a key named __proto__ stays a plain key.
    Object.defineProperty(o, st.key, { value: setIn(o[st.key], steps, value, at + 1), enumerable: true, writable: true, configurable: true });
    return o;
  }
  if (!Array.isArray(doc)) throw new PathError(`${where} is not a list, so ${"index" in st ? `[${st.index}]` : "[*]"} cannot follow it`);
  if ("index" in st && st.index >= doc.length) throw new PathError(`${where} has ${doc.length} items, so [${st.index}] is past its end`);
  const copy = [...doc];
  for (const i of "index" in st ? [st.index] : copy.map((_, k) => k)) copy[i] = setIn(copy[i], steps, value, at + 1);
  return copy;
}

/**
 * A copy of `doc` with `value` at `steps` (missing mappings on the way are
 * created; lists are never extended; only the nodes on the path are copied),
 * or why the path cannot be followed: an index past the end of a list, `[*]`
 * or an index on something that is not a list, a key on something that is
 * not a mapping.
 */
export function setAtPath(doc: unknown, steps: readonly PathStep[], value: unknown): { readonly doc: unknown } | { readonly error: string } {
  try {
    return { doc: setIn(doc, steps, value, 0) };
  } catch (e) {
    if (e instanceof PathError) return { error: e.message };
    throw e;
  }
}

/** The value at `steps` (the first item's for `[*]`), or undefined. */
export function getAtPath(doc: unknown, steps: readonly PathStep[]): unknown {
  let v = doc;
  for (const st of steps) {
    if ("key" in st) v = isObj(v) ? v[st.key] : undefined;
    else v = Array.isArray(v) ? v["index" in st ? st.index : 0] : undefined;
  }
  return v;
}

/**
 * Whether issue path `issue` (as the validator formats it: `flows[1].start`) lies at or under `steps`,
 * or, with `orAbove`, on the way to it (an unknown key the path created).
 */
export function pathCovers(steps: readonly PathStep[], issue: string, orAbove = false): boolean {
  const parsed = parseFieldPath(issue);
  if (typeof parsed === "string" || (parsed.length < steps.length && !orAbove)) return false;
  return steps.slice(0, parsed.length).every((st, i) => {
    const p = parsed[i] as PathStep;
    if ("key" in st) return "key" in p && p.key === st.key;
    if ("every" in st) return "index" in p;
    return "index" in p && p.index === st.index;
  });
}
