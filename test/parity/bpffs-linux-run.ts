/**
 * @fileoverview The Linux half of the bpffs parity test, run as a child
 * process in a mount namespace of its own (`unshare --mount`) with a fresh
 * bpffs instance mounted at /sys/fs/bpf, so the machine's mounts and pins are
 * never touched. Prints the scenario's lines as JSON.
 */
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { bpffsScenario } from "./bpffs-scenario.js";

const o = LinuxBackend.open({ netns: "current" });
if (!o.ok) {
  process.stderr.write(`Linux backend: ${o.reason}\n`);
  process.exit(1);
}
const nap = new Int32Array(new SharedArrayBuffer(4));
let waits = 0;
try {
  const lines = bpffsScenario(o.backend, () => {}, () => {
    Atomics.wait(nap, 0, 0, 10);
    return ++waits < 500;
  });
  process.stdout.write(JSON.stringify(lines));
} finally {
  o.backend.dispose();
}
