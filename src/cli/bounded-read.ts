/**
 * @fileoverview Reading an input file the CLI was pointed at (a scenario, a
 * mahimahi trace, a BPF object) with a size limit: the file is opened once,
 * without blocking (O_NONBLOCK, so a FIFO or a terminal cannot stall the
 * open), checked through the open descriptor with fstat (no path check
 * followed by a read of something else: no TOCTOU), refused unless it is a
 * regular file no larger than the limit, and read through the same
 * descriptor, never past the limit even if the file grows meanwhile.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { Stats } from "node:fs";
import { errnoValue, formatErrno } from "../uapi/errno.js";

/** An input file that cannot be used: `message` names the file, what it is for, and the limit when that is the reason. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";

  constructor(
    message: string,
    /** The path as given. */
    readonly file: string,
    /** The system's error code when the file could not be opened or read (ENOENT, EACCES...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Limits and wording for {@link readBoundedFile}. */
export interface BoundedReadOptions {
  /** What the file is, for messages: "scenario", "mahimahi trace", "BPF object". */
  readonly what: string;
  /** Largest accepted size in bytes. */
  readonly maxBytes: number;
  /** How a user raises the limit, appended to the message when the file is too large (e.g. "raise it with --max-input-size"). */
  readonly raise?: string;
}

/** "64 KiB", "16 MiB": the limit as a person reads it. */
export function formatBytes(n: number): string {
  for (const [unit, scale] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= scale) return `${Number((n / scale).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

/** "ENOENT (2)" for a system error code, as the rest of the CLI writes errnos. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const errno = code === undefined ? undefined : errnoValue(code);
  return errno !== undefined ? formatErrno(errno) : (code ?? (e as Error).message);
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a regular file of at most `opts.maxBytes` bytes.
 * @param path the path as the user gave it (relative paths resolve against the working directory)
 * @throws {InputFileError} when the file cannot be opened, is not a regular file (directory, FIFO, device,
 *   socket), or is larger than the limit; the message names the file and the limit
 */
export function readBoundedFile(path: string, opts: BoundedReadOptions): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputFileError(`cannot read ${opts.what} ${path}: ${reason(e)}`, path, (e as NodeJS.ErrnoException).code);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError(`cannot read ${opts.what} ${path}: ${formatErrno(errnoValue("EISDIR") as number)}: it is a directory`, path, "EISDIR");
    if (!st.isFile()) throw new InputFileError(`cannot read ${opts.what} ${path}: it is ${kindOf(st)}, not a regular file`, path);
    const tooLarge = (size: string): InputFileError => new InputFileError(
      `${opts.what} ${path} is ${size}, above the limit of ${formatBytes(opts.maxBytes)} (${opts.maxBytes} bytes)${opts.raise !== undefined ? `: ${opts.raise}` : ""}`, path);
    if (st.size > opts.maxBytes) throw tooLarge(formatBytes(st.size));
    // Read through the descriptor until EOF, never more than one byte past the limit: a file that grew after fstat is refused.
    const chunks: Buffer[] = [];
    let total = 0;
    let want = Math.min(st.size, opts.maxBytes) + 1;
    for (;;) {
      const chunk = Buffer.allocUnsafe(want);
      let got: number;
      try {
        got = readSync(fd, chunk, 0, want, null);
      } catch (e) {
        throw new InputFileError(`cannot read ${opts.what} ${path}: ${reason(e)}`, path, (e as NodeJS.ErrnoException).code);
      }
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (total > opts.maxBytes) throw tooLarge("larger than it was when opened");
      want = Math.min(1 << 20, opts.maxBytes + 1 - total);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
