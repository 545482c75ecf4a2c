/**
 * @fileoverview Child process of test/cli/limits.test.ts: runs the CLI's
 * `main` on its arguments with collecting streams and prints one JSON line:
 * the exit status, the streams, the milliseconds `main` took, in wall-clock
 * and CPU time (without the process's start-up, which tsx dominates), and
 * the process's peak RSS
 * (VmHWM from /proc/self/status, in KiB).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

const io = memoryIo();
const t0 = performance.now();
const c0 = process.cpuUsage();
const code = await main(process.argv.slice(2), io);
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
const cpuMs = (c.user + c.system) / 1000;
const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
process.stdout.write(`${JSON.stringify({ code, ms, cpuMs, hwmKiB: Number(hwm?.[1] ?? -1), stdout: io.out(), stderr: io.err() })}\n`);
