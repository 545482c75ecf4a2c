/**
 * @fileoverview A one-line progress bar on stderr for terminals only: it
 * redraws in place with a carriage return when the simulated time has moved
 * by at least one percent, and erases itself at the end so the summary
 * starts on a clean line. Nothing is written when stderr is not a TTY (CI
 * logs, pipes), and nothing it writes goes into the run's files.
 */

/** Where the bar draws; `isTTY` decides whether it draws at all. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

/** The bar: call `update` with simulated time, then `done` once. */
export interface Progress {
  update(nowNs: number, durationNs: number): void;
  done(): void;
}

const NOOP: Progress = { update: () => {}, done: () => {} };

/** A bar labelled `label` on `sink`, or a no-op when `enabled` is false or the sink is not a terminal. */
export function progressBar(sink: ProgressSink, label: string, enabled = true): Progress {
  if (!enabled || sink.isTTY !== true) return NOOP;
  let lastPct = -1;
  let drawn = false;
  return {
    update(nowNs, durationNs) {
      const frac = durationNs > 0 ? Math.min(1, nowNs / durationNs) : 1;
      const pct = Math.floor(frac * 100);
      if (pct === lastPct) return;
      lastPct = pct;
      const width = Math.max(10, Math.min(40, (sink.columns ?? 80) - label.length - 30));
      const fill = Math.round(frac * width);
      sink.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${(nowNs / 1e9).toFixed(1)}/${(durationNs / 1e9).toFixed(1)} s`);
      drawn = true;
    },
    done() {
      if (drawn) sink.write("\r\x1b[2K");
      drawn = false;
    },
  };
}
