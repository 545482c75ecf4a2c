/**
 * @fileoverview The files of a run in its output folder: the three trace
 * files (written as records arrive, through a buffer, so long runs do not
 * hold every line in memory), the summary, and the report. Writes are
 * synchronous and in record order, so the bytes depend only on the records.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CSV_HEADERS, traceFileOf, traceLine } from "../../report/trace-files.js";
import type { TraceFileFormat, TraceFileKind } from "../../report/trace-files.js";
import type { TraceRecord } from "../../sim/api.js";
import { formatDuration } from "../scenario/units.js";

const FLUSH_AT = 1 << 20;

class BufferedFile {
  private fd: number;
  private buf: string[] = [];
  private size = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    try {
      if (this.buf.length > 0) writeSync(this.fd, this.buf.join(""));
    } catch (e) {
      // writeSync's error names no file (it has an fd): add the path, so the user sees which file could not be written (ENOSPC, EIO).
      throw Object.assign(e as Error, { path: this.path });
    }
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Writes trace records into `flows`, `queues` and `events` files of one format. */
export class TraceFiles {
  private readonly files: Record<TraceFileKind, BufferedFile>;
  /** Paths written, in a fixed order. */
  readonly paths: string[];

  constructor(
    dir: string,
    private readonly format: TraceFileFormat,
  ) {
    mkdirSync(dir, { recursive: true });
    const open = (k: TraceFileKind): BufferedFile => {
      const f = new BufferedFile(join(dir, `${k}.${format}`));
      if (format === "csv") f.write(`${CSV_HEADERS[k]}\n`);
      return f;
    };
    this.files = { flows: open("flows"), queues: open("queues"), events: open("events") };
    this.paths = [this.files.flows.path, this.files.queues.path, this.files.events.path];
  }

  add(rec: TraceRecord): void {
    this.files[traceFileOf(rec)].write(`${traceLine(rec, this.format)}\n`);
  }

  close(): void {
    for (const f of Object.values(this.files)) f.close();
  }
}

/** The files of `snapshot` actions at these times (ns, in run order): `snapshot-10s.json`, then `-2`, `-3` for more at one time. */
export function snapshotFiles(timesNs: readonly number[]): string[] {
  return timedFiles("snapshot", "json", timesNs);
}

/** The files of `iterate` actions at these times (ns, in run order): `iterate-20s.txt`, then `-2`, `-3` for more at one time. */
export function iterateFiles(timesNs: readonly number[]): string[] {
  return timedFiles("iterate", "txt", timesNs);
}

function timedFiles(kind: string, ext: string, timesNs: readonly number[]): string[] {
  const seen = new Set<string>();
  return timesNs.map((t) => {
    let name = `${kind}-${formatDuration(t)}`;
    for (let i = 2; seen.has(name); i++) name = `${kind}-${formatDuration(t)}-${i}`;
    seen.add(name);
    return `${name}.${ext}`;
  });
}

/** The names of the files a run writes in its output folder, in the order it writes them. */
export function runOutputFiles(format: TraceFileFormat, report: boolean, snapshotTimesNs: readonly number[] = [], iterateTimesNs: readonly number[] = []): string[] {
  const traces: TraceFileKind[] = ["flows", "queues", "events"];
  return [
    ...traces.map((k) => `${k}.${format}`), "summary.txt", "summary.json", ...snapshotFiles(snapshotTimesNs), ...iterateFiles(iterateTimesNs),
    ...(report ? ["report.html"] : []),
  ];
}

/** Writes a whole file (creating its folder). */
export function writeOutput(dir: string, name: string, text: string | Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
