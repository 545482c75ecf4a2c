/**
 * @fileoverview The sweep's one progress bar on stderr: points done and
 * failed out of the total, and the time left estimated from the points per
 * second so far. Like the run's bar (src/cli/run/progress.ts) it draws only
 * on a terminal, in place, and erases itself at the end; nothing it shows
 * goes into a file.
 */
import type { ProgressSink } from "../run/progress.js";

/** The sweep's bar: `point` after each finished point, `done` once. */
export interface SweepProgress {
  point(failed: boolean): void;
  done(): void;
}

function clock(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m` : t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s` : `${t}s`;
}

/** A bar for `total` points labelled `label`; a no-op off a terminal or when disabled. */
export function sweepProgress(sink: ProgressSink, label: string, total: number, enabled = true, now: () => number = () => performance.now()): SweepProgress {
  if (!enabled || sink.isTTY !== true || total === 0) return { point: () => {}, done: () => {} };
  const t0 = now();
  let done = 0;
  let failed = 0;
  let drawn = false;
  const draw = (): void => {
    const width = Math.max(10, Math.min(30, (sink.columns ?? 80) - label.length - 45));
    const fill = Math.round((done / total) * width);
    const rate = done / Math.max(1e-3, (now() - t0) / 1000);
    const eta = done === 0 ? "?" : clock((total - done) / rate);
    sink.write(`\r\x1b[2K${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${done}/${total} done, ${failed} failed, ETA ${eta}`);
    drawn = true;
  };
  draw();
  return {
    point(f) {
      done++;
      if (f) failed++;
      draw();
    },
    done() {
      if (drawn) sink.write("\r\x1b[2K");
      drawn = false;
    },
  };
}
