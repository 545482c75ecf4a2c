/**
 * @fileoverview Errors about a scenario file. Each issue names the field
 * path (`flows[1].start`) and the line and column in the file, so a message
 * reads like a compiler's: `swap.yaml:12:12: flows[1].start: must be a
 * duration such as "200ms" ...: current value is "soon"`.
 */
import { MAX_ISSUES_SHOWN } from "./limits.js";

/** One problem in a scenario file. */
export interface ScenarioIssue {
  /** Field path in the document, e.g. `flows[1].start`; empty for the whole document. */
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Formats a path of keys and indices as `a.b[2].c`. */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else s += s === "" ? seg : `.${seg}`;
  }
  return s;
}

/** Formats an issue as `file:line:col: path: message`. */
export function formatIssue(file: string, i: ScenarioIssue): string {
  return `${file}:${i.line}:${i.col}: ${i.path === "" ? "" : `${i.path}: `}${i.message}`;
}

/** A scenario that cannot run; `issues` lists every problem found (in file order). */
export class ScenarioError extends SyntaxError {
  override readonly name = "ScenarioError";

  constructor(
    readonly file: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => formatIssue(file, i));
    if (issues.length > MAX_ISSUES_SHOWN) shown.push(`${file}: ... and ${issues.length - MAX_ISSUES_SHOWN} more problems (${issues.length} in all)`);
    super(shown.join("\n"));
  }
}
