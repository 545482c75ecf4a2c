/**
 * @fileoverview The worker pool of `structops sweep`: N threads of
 * node:worker_threads (README, "Dependencies", says why not a pool library),
 * each running worker.ts; points go to whichever thread is free, in order.
 * A thread that dies (an uncaught error, running out of memory) fails only
 * the point it held, which is recorded with the reason, and is replaced.
 *
 * Run from the sources (tsx), the worker is a .ts file, which Node's worker
 * loader does not take; the thread then first registers tsx's loader
 * through its API (tsx/esm/api) and imports the file. From the installed
 * package it is dist/cli/sweep/worker.js, started directly.
 */
import { Worker } from "node:worker_threads";
import type { PointTask } from "./point-run.js";
import { writeResult } from "./point-run.js";

/** What a worker reports for a point. */
export interface PointDone {
  readonly id: string;
  readonly status: "ok" | "failed";
  readonly error?: string;
}

function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const api = import.meta.resolve("tsx/esm/api");
    const file = new URL("./worker.ts", here).href;
    return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); })`, { eval: true });
  }
  return new Worker(new URL("./worker.js", here));
}

/**
 * Runs `tasks` on `jobs` threads; `onDone` sees each point as it finishes (in completion order).
 * Resolves when every point is done.
 */
export function runPool(tasks: readonly PointTask[], jobs: number, onDone: (d: PointDone) => void): Promise<void> {
  return new Promise((resolveAll) => {
    let next = 0;
    let finished = 0;
    let live = 0;
    if (tasks.length === 0) {
      resolveAll();
      return;
    }
    const spawn = (): void => {
      const w = startWorker();
      live++;
      let current: PointTask | undefined;
      let ready = false;
      let startError = "";
      const feed = (): void => {
        if (next < tasks.length) {
          current = tasks[next++] as PointTask;
          w.postMessage(current);
        } else {
          current = undefined;
          void w.terminate();
        }
      };
      w.on("message", (m: PointDone | { ready: true }) => {
        if ("ready" in m) {
          ready = true;
          feed();
          return;
        }
        current = undefined;
        finished++;
        onDone(m);
        feed();
      });
      const died = (why: string): void => {
        const t = current;
        current = undefined;
        if (t !== undefined) {
          writeResult(t.dir, { id: t.id, status: "failed", error: `the worker thread died: ${why}`, rows: [] });
          finished++;
          onDone({ id: t.id, status: "failed", error: `the worker thread died: ${why}` });
        }
      };
      w.on("error", (e) => {
        startError = e.message;
        died(e.message);
      });
      w.on("exit", (code) => {
        live--;
        if (current !== undefined) died(`exit code ${code}`);
        if (!ready) {
          // A thread that cannot even start would fail the same way again: the remaining points fail with its reason.
          while (next < tasks.length) {
            const t = tasks[next++] as PointTask;
            const error = `the worker thread could not start: ${startError || `exit code ${code}`}`;
            writeResult(t.dir, { id: t.id, status: "failed", error, rows: [] });
            finished++;
            onDone({ id: t.id, status: "failed", error });
          }
        }
        if (finished === tasks.length && live === 0) resolveAll();
        else if (next < tasks.length && live < jobs) spawn();
        else if (live === 0 && finished === tasks.length) resolveAll();
      });
    };
    for (let i = 0; i < Math.min(jobs, tasks.length); i++) spawn();
  });
}
