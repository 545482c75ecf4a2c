/**
 * @fileoverview What the README shows, parsed for the tests that run it: the
 * code blocks of a section, and every `structops ...` command line of its
 * `sh` blocks (with an `echo ... |` input, a `# prints X` promise, and the
 * arguments split the way a POSIX shell splits these simple lines).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The checkout's root. */
export const ROOT = join(import.meta.dirname, "..", "..");

/** The README's text. */
export function readme(): string {
  return readFileSync(join(ROOT, "README.md"), "utf8");
}

/** One fenced code block. */
export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced code block of `md`, in order. */
export function codeBlocks(md: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    out.push({ lang: open[1] as string, code: body.join("\n"), line: start + 1 });
  }
  return out;
}

/** The text of the `## title` section (up to the next `## ` heading); throws when there is none. */
export function section(md: string, title: string): string {
  const at = md.search(new RegExp(`^## ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`, "m"));
  if (at < 0) throw new Error(`README.md has no "## ${title}" section`);
  const rest = md.slice(at + 3);
  const next = rest.search(/^## /m);
  return md.slice(at, next < 0 ? undefined : at + 3 + next);
}

/** A `structops ...` line of a README `sh` block. */
export interface ReadmeCommand {
  /** The command as written, without its comment. */
  readonly text: string;
  /** README line number. */
  readonly line: number;
  /** Arguments after `structops`. */
  readonly argv: string[];
  /** What `echo "..." |` feeds on stdin, if anything. */
  readonly stdin?: string;
  /** What a trailing `# prints X` comment promises on stdout. */
  readonly prints?: string;
  /** Needs root or the real kernel (`sudo`, `--linux`). */
  readonly needsLinux: boolean;
}

/** Splits a simple shell line into words: single and double quotes, no expansions. */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${s}`);
      cur = (cur ?? "") + s.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else cur = (cur ?? "") + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** Drops a trailing `# comment` that is outside quotes; returns [command, comment]. */
function splitComment(s: string): [string, string] {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(s[i - 1] as string))) return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
  }
  return [s.trim(), ""];
}

/**
 * Every command line of the README's `sh` blocks that runs `structops`
 * (also as `npx structops` or `sudo structops`), optionally fed by one
 * `echo "..." |`.
 */
export function structopsCommands(md: string = readme()): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  for (const b of codeBlocks(md)) {
    if (b.lang !== "sh" && b.lang !== "bash" && b.lang !== "shell") continue;
    b.code.split("\n").forEach((raw, k) => {
      const [cmd, comment] = splitComment(raw);
      const pipe = /^echo\s+(.*?)\s*\|\s*(.*)$/.exec(cmd);
      const run = pipe === null ? cmd : (pipe[2] as string);
      const words = shellWords(run);
      const sudo = words[0] === "sudo";
      if (sudo) words.shift();
      if (words[0] === "npx") words.shift();
      if (words[0] !== "structops") return;
      const stdin = pipe === null ? undefined : `${shellWords(pipe[1] as string).join(" ")}\n`;
      const prints = /^prints\s+(\S+)/.exec(comment)?.[1];
      const argv = words.slice(1);
      out.push({
        text: cmd,
        line: b.line + 1 + k,
        argv,
        ...(stdin === undefined ? {} : { stdin }),
        ...(prints === undefined ? {} : { prints }),
        needsLinux: sudo || argv.includes("--linux"),
      });
    });
  }
  return out;
}
