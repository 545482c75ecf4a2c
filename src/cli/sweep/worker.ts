/**
 * @fileoverview A sweep worker thread (pool.ts starts it): loads the
 * testbed once, then runs each point it is sent (point-run.ts) and answers
 * with the point's id and status. The outputs go to the point's folder; the
 * message only says it is done.
 */
import { parentPort } from "node:worker_threads";
import { loadTestbed } from "../run/testbed.js";
import type { PointTask } from "./point-run.js";
import { runPoint } from "./point-run.js";

const port = parentPort;
if (port !== null) {
  const runner = await loadTestbed();
  port.on("message", (task: PointTask) => {
    if (typeof runner === "string") {
      port.postMessage({ id: task.id, status: "failed", error: runner });
      return;
    }
    const r = runPoint(task, runner);
    port.postMessage({ id: r.id, status: r.status, ...(r.error !== undefined ? { error: r.error } : {}) });
  });
  port.postMessage({ ready: true });
}
