/**
 * @fileoverview The one check of an output folder (`run --out`, `demo
 * --out`), made before the expensive run: the folder is a directory or can
 * be created as one, on a filesystem that stores files (not procfs, sysfs,
 * debugfs, ...), writable, and every file the run will write there is absent
 * or a regular file (a FIFO would block the run, a directory would fail it at
 * the end). Each refusal is one line naming the path and the reason.
 */
import { accessSync, constants, mkdirSync, statfsSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EACCES, EEXIST, EINVAL, EISDIR, ENOTDIR, EROFS, errnoValue, formatErrno } from "../uapi/errno.js";

/** An output folder that cannot be used: `message` is the one line to print. */
export class OutputPathError extends Error {
  override readonly name = "OutputPathError";
  constructor(
    readonly path: string,
    /** The positive errno of the refusal. */
    readonly errno: number,
    why: string,
  ) {
    super(`cannot write output to ${path}: ${formatErrno(errno)}: ${why}`);
  }
}

/** statfs f_type of filesystems that hold no ordinary files (include/uapi/linux/magic.h). */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "procfs"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroupfs"],
  [0x63677270, "cgroup2"],
  [0xcafe4a11, "bpffs"],
  [0x1cd1, "devpts"],
  [0x42494e4d, "binfmt_misc"],
  [0x6e736673, "nsfs"],
]);

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined; // the walk up finds the part that exists (a file, for ENOTDIR)
    throw new OutputPathError(p, errnoValue(code ?? "") ?? EINVAL, "cannot look at it");
  }
}

/**
 * Checks `dir` as the output folder of a run that writes `files` into it,
 * and creates it (with its parents).
 * @throws {OutputPathError} naming the path and the reason
 */
export function prepareOutputDir(dir: string, files: readonly string[]): void {
  const abs = resolve(dir);
  // The deepest part of the path that exists must be a directory: "out" a file, or "file/out", is refused here.
  let existing = abs;
  let st = statOrUndefined(existing);
  while (st === undefined && dirname(existing) !== existing) {
    existing = dirname(existing);
    st = statOrUndefined(existing);
  }
  if (st === undefined) throw new OutputPathError(dir, EINVAL, "no part of the path exists");
  if (!st.isDirectory()) {
    if (existing === abs) throw new OutputPathError(dir, EEXIST, "it exists and is not a directory");
    throw new OutputPathError(dir, ENOTDIR, `${existing} is not a directory`);
  }
  const fs = PSEUDO_FS.get(Number(statfsSync(existing).type));
  if (fs !== undefined) throw new OutputPathError(dir, EINVAL, `${existing} is on ${fs}, which holds no ordinary files`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OutputPathError(dir, errnoValue(code ?? "") ?? EACCES, `${existing} is not writable`);
  }
  if (existing !== abs) {
    try {
      mkdirSync(abs, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new OutputPathError(dir, errnoValue(code ?? "") ?? EROFS, "cannot create it");
    }
    return;
  }
  for (const f of files) {
    const fst = statOrUndefined(join(abs, f));
    if (fst === undefined || fst.isFile()) continue;
    throw new OutputPathError(dir, fst.isDirectory() ? EISDIR : EINVAL, `${f} there is ${fst.isDirectory() ? "a directory" : "not a regular file"}`);
  }
}
