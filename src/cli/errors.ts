/**
 * @fileoverview How a command reports a failure: errors the user can act on
 * (a bad scenario, an input file that cannot be read, an object file that
 * cannot be read or loaded, a refused bpf(2) call, an unknown name, a bad
 * output folder, a file system error on a named path) are one line, `structops: <message>`; anything else is a bug
 * in structops, shown with its stack and a request to report it. Every
 * command goes through {@link describeFailure}, so no user error prints a
 * stack and no bug goes unreported.
 */
import { BpfError } from "../lib/errors.js";
import { ObjError } from "../lib/object.js";
import { errnoValue, formatErrno } from "../uapi/errno.js";
import { InputFileError } from "./bounded-read.js";
import { OutputPathError } from "./out-dir.js";
import { ScenarioError } from "./scenario/errors.js";

/** A problem the CLI itself finds in what the user asked for (an engine this build lacks, a default CC that is not registered). */
export class CliUserError extends Error {
  override readonly name = "CliUserError";
}

/** The sentence under the stack of an internal error. */
export const BUG_REPORT = "this is a bug in structops; please report it with the command that caused it";

/** Error names of the simulator's typed errors (src/sim: FlowError, SimSpecError, TraceFormatError), matched by name to keep the CLI off their modules. */
const SIM_ERRORS = new Set(["FlowError", "SimSpecError", "TraceFormatError"]);

/** A file system error from Node (it has a code, a syscall and the path). */
function fsError(e: unknown): (Error & { code: string; path: string; syscall?: string }) | undefined {
  const x = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof x.code === "string" && typeof x.path === "string" && errnoValue(x.code) !== undefined
    ? (x as Error & { code: string; path: string })
    : undefined;
}

/**
 * The one line for an error the user can act on, or undefined for a bug.
 * A plain RangeError or TypeError is a bug: a scenario the validator accepted
 * must not reach the simulator's own spec checks, and the engine's
 * TypeErrors ("x is not a function") are bugs.
 */
export function userMessage(e: unknown): string | undefined {
  if (e instanceof ScenarioError || e instanceof BpfError || e instanceof ObjError || e instanceof OutputPathError || e instanceof CliUserError || e instanceof InputFileError) return e.message;
  if (e instanceof Error && SIM_ERRORS.has(e.name)) return e.message;
  const f = fsError(e);
  if (f !== undefined) return `cannot ${f.syscall ?? "access"} ${f.path}: ${formatErrno(errnoValue(f.code) as number)}`;
  return undefined;
}

/** What to print (without the trailing newline) for a failed command: `structops: ...`, with a stack only for a bug. */
export function describeFailure(e: unknown): string {
  const m = userMessage(e);
  if (m !== undefined) return `structops: ${m}`;
  const stack = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  return `structops: internal error: ${stack}\n${BUG_REPORT}`;
}
