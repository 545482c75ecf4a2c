/**
 * @fileoverview Measures how late Linux's tbf really serves the bottleneck
 * on this machine, for the model's `shaper.watchdog_late` (docs/fidelity.md,
 * "tbf's watchdog"). Needs root (tracefs, the Linux testbed).
 *
 * While one fidelity run of a configuration goes on, the kernel's own
 * tracepoints are read from a private tracefs mount and instance (nothing of
 * the machine's tracing is touched; both are removed at the end):
 * `timer:hrtimer_start` and `timer:hrtimer_expire_entry` filtered on
 * `qdisc_watchdog` (the timer `tbf_dequeue` arms with
 * `qdisc_watchdog_schedule_ns` when the bucket is short of the head frame,
 * net/sched/sch_tbf.c, net/sched/sch_api.c), and `qdisc:qdisc_dequeue` with
 * a packet (`dequeue_skb`, net/sched/sch_generic.c). The run's own tbf is
 * the root qdisc dequeued in the delay line's process context (its writes
 * are forwarded to the bottleneck), and its watchdog the qdisc_watchdog
 * timer armed from that context at a fixed offset after it. Two lateness
 * figures per arming, against the expiry it was armed for:
 * - `watchdog`: when the timer fired (`now` of hrtimer_expire_entry);
 * - `service`: when tbf next handed out a frame (the first dequeue at or
 *   after the expiry): what the model's watchdog lateness stands for, since
 *   in Linux an enqueue also runs the qdisc and can release the frame before
 *   a late timer does.
 * Histograms use the delay line's bins (its `lateHist.edgesUs`).
 *
 *   npx tsx test/fidelity/tbf-lateness.ts [--config NAME] [--cc cubic] [--runs N] [--seconds S] [--write]
 *
 * `--write` stores the pooled histograms in reference/<config>.json as
 * `tbfLateness`; the scenario file's `watchdog_late` is printed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { configByName } from "./configs.js";
import { buildTools, probeLinux, runLinuxFlow } from "./linux-testbed.js";
import { referencePath } from "./reference.js";
import type { ReferenceFile, TbfLateness } from "./reference.js";

/** One traced event of interest. */
export interface Ev {
  readonly kind: 0 | 1 | 2; // 0 hrtimer_start, 1 hrtimer_expire_entry, 2 qdisc_dequeue
  readonly ptr: bigint;
  /** expires (start), now (expire_entry), or the event's timestamp (dequeue), ns of CLOCK_MONOTONIC. */
  readonly ns: number;
  readonly mine: boolean;
}

const LINE_RE = /^\s*(.+?)-\d+\s+\[\d+\]\s+\S+\s+(\d+)\.(\d+): (hrtimer_start|hrtimer_expire_entry|qdisc_dequeue): (.*)$/;

function field(rest: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}=(0x[0-9a-f]+|\\d+)`).exec(rest);
  return m?.[1];
}

/** One line of trace_pipe (options/fields, hash-ptr off), or undefined for other lines. */
export function parseTraceLine(line: string, myComm: string): Ev | undefined {
  const m = LINE_RE.exec(line);
  if (m === null) return undefined;
  const [, comm, sec, frac, name, rest] = m as unknown as [string, string, string, string, string, string];
  const mine = comm.trim() === myComm;
  if (name === "qdisc_dequeue") {
    const q = field(rest, "qdisc");
    // Timestamps print in µs; the trace clock is CLOCK_MONOTONIC (trace_clock mono), the hrtimers' base.
    return q === undefined ? undefined : { kind: 2, ptr: BigInt(q), ns: Number(sec) * 1e9 + Number(frac.padEnd(9, "0").slice(0, 9)), mine };
  }
  const h = field(rest, "hrtimer");
  const t = field(rest, name === "hrtimer_start" ? "expires" : "now");
  if (h === undefined || t === undefined) return undefined;
  return { kind: name === "hrtimer_start" ? 0 : 1, ptr: BigInt(h), ns: Number(BigInt(t)), mine };
}

function mostCommon(xs: Iterable<bigint>): bigint | undefined {
  const c = new Map<bigint, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  let best: bigint | undefined;
  let n = 0;
  for (const [k, v] of c) if (v > n) [best, n] = [k, v];
  return best;
}

/** Lateness in µs per arming of the run's tbf watchdog: when it fired, and when the next frame left. */
export function latenessOf(events: readonly Ev[]): { watchdog: number[]; service: number[] } {
  const q = mostCommon(events.filter((e) => e.kind === 2 && e.mine).map((e) => e.ptr));
  if (q === undefined) throw new Error("no dequeue of the run's tbf was traced");
  // The watchdog lives in tbf's private data, right after the Qdisc: the timer armed from the delay line nearest above it.
  const h = mostCommon(events.filter((e) => e.kind === 0 && e.mine && e.ptr > q && e.ptr - q < 4096n).map((e) => e.ptr));
  if (h === undefined) throw new Error("no qdisc_watchdog of the run's tbf was traced");
  const watchdog: number[] = [];
  const service: number[] = [];
  let armed: number | undefined;
  let pending: number[] = [];
  for (const e of events) {
    if (e.kind === 0 && e.ptr === h) {
      armed = e.ns;
      pending.push(e.ns);
    } else if (e.kind === 1 && e.ptr === h && armed !== undefined) {
      watchdog.push((e.ns - armed) / 1000);
      armed = undefined;
    } else if (e.kind === 2 && e.ptr === q && pending.length > 0) {
      // A batch's trace follows the re-arming inside it; the frame served is the latest expiry already due (µs timestamps: 1 µs slack).
      const due = pending.filter((x) => x <= e.ns + 1000);
      if (due.length === 0) continue;
      service.push(Math.max(0, e.ns - (due[due.length - 1] as number)) / 1000);
      pending = pending.filter((x) => x > e.ns + 1000);
    }
  }
  return { watchdog, service };
}

/** Counts per bin: bin i is [edges[i-1], edges[i]) µs, the last holds the rest. */
export function histogram(valuesUs: readonly number[], edgesUs: readonly number[]): number[] {
  const h = new Array<number>(edgesUs.length + 1).fill(0);
  for (const v of valuesUs) {
    let i = 0;
    while (i < edgesUs.length && v >= (edgesUs[i] as number)) i++;
    h[i] = (h[i] as number) + 1;
  }
  return h;
}

/** The histogram as the scenario's `watchdog_late: { histogram: [...] }` (trailing empty bins dropped; the last bin ends at the maximum). */
export function scenarioHistogram(counts: readonly number[], edgesUs: readonly number[], maxUs: number): string {
  const last = counts.reduce((a, c, i) => (c > 0 ? i : a), 0);
  const bins: string[] = [];
  for (let i = 0; i <= last; i++) {
    const upto = i < edgesUs.length ? (edgesUs[i] as number) : Math.max(Math.ceil(maxUs) + 1, (edgesUs[edgesUs.length - 1] as number) + 1);
    bins.push(`[${upto}us, ${counts[i]}]`);
  }
  return `{ histogram: [${bins.join(", ")}] }`;
}

function sh(argv: readonly string[]): void {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.trim() || `exit ${r.status}`}`);
}

/** A private tracefs mount with one instance, removed by `close` (also used by path-delay.ts). */
export function openTrace(): { dir: string; close: () => void } {
  const mnt = mkdtempSync(join(tmpdir(), "structops-tracefs-"));
  sh(["mount", "-t", "tracefs", "nodev", mnt]);
  const inst = join(mnt, "instances", `structops-${process.pid}`);
  try {
    mkdirSync(inst);
  } catch (e) {
    sh(["umount", mnt]);
    throw e;
  }
  return {
    dir: inst,
    close: () => {
      try {
        rmdirSync(inst);
      } finally {
        sh(["umount", mnt]);
        rmdirSync(mnt);
      }
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: "string" }, cc: { type: "string" }, runs: { type: "string" }, seconds: { type: "string" }, write: { type: "boolean" } },
  });
  const cfg = configByName(values.config ?? "100mbit-20ms-0.5bdp");
  const cc = values.cc ?? "cubic";
  const runs = Number(values.runs ?? "1");
  const probe = probeLinux();
  if (!probe.ok) throw new Error(`cannot run the Linux side here: ${probe.reason}`);
  const sym = readFileSync("/proc/kallsyms", "utf8").split("\n").find((l) => l.endsWith(" qdisc_watchdog"));
  const addr = sym?.split(" ")[0];
  if (addr === undefined || /^0+$/.test(addr)) throw new Error("qdisc_watchdog's address is not readable in /proc/kallsyms");
  const tools = buildTools();
  const myComm = basename(tools.delayline).slice(0, 15);
  const all = { watchdog: [] as number[], service: [] as number[] };
  let edgesUs: readonly number[] = [];
  const wakeups: number[] = [];
  const loads: string[] = [];
  const trace = openTrace();
  try {
    const w = (f: string, v: string): void => writeFileSync(join(trace.dir, f), v);
    w("buffer_size_kb", "60000");
    w("trace_clock", "mono");
    w("options/hash-ptr", "0");
    w("options/fields", "1");
    for (const ev of ["hrtimer_start", "hrtimer_expire_entry"]) {
      w(`events/timer/${ev}/filter`, `function == 0x${addr}`);
      w(`events/timer/${ev}/enable`, "1");
    }
    // A late watchdog finds more than one frame of tokens: tbf then hands out two frames in one bulk dequeue.
    w("events/qdisc/qdisc_dequeue/filter", "packets > 0");
    w("events/qdisc/qdisc_dequeue/enable", "1");
    for (let i = 0; i < runs; i++) {
      const events: Ev[] = [];
      const cat = spawn("cat", [join(trace.dir, "trace_pipe")], { stdio: ["ignore", "pipe", "ignore"] });
      const rl = createInterface({ input: cat.stdout });
      rl.on("line", (l) => {
        const e = parseTraceLine(l, myComm);
        if (e !== undefined) events.push(e);
      });
      loads.push(loadavg().map((x) => x.toFixed(1)).join(" "));
      const run = await runLinuxFlow(tools, cfg, cc, { ...(values.seconds !== undefined ? { seconds: Number(values.seconds) } : {}), seed: i + 1 });
      await new Promise((r) => setTimeout(r, 500));
      cat.kill();
      await new Promise((r) => cat.once("close", r));
      const lat = latenessOf(events);
      const hist = run.delayLine.lateHist;
      if (hist === undefined) throw new Error("the delay line printed no lateness histogram");
      edgesUs = hist.edgesUs;
      hist.wakeups.forEach((c, j) => (wakeups[j] = (wakeups[j] ?? 0) + c));
      for (const x of lat.watchdog) all.watchdog.push(x);
      for (const x of lat.service) all.service.push(x);
      const over = (xs: number[], us: number): number => xs.filter((x) => x > us).length;
      console.log(`${cfg.name} ${cc} run ${i + 1}/${runs} (load ${loads[i]}): ${lat.watchdog.length} firings; late > 121/250/500/1000 µs: watchdog ${[121, 250, 500, 1000].map((u) => over(lat.watchdog, u)).join("/")}, service ${[121, 250, 500, 1000].map((u) => over(lat.service, u)).join("/")}; delay line late mean ${run.delayLine.lateMeanUs} µs`);
    }
    w("events/timer/enable", "0");
    w("events/qdisc/enable", "0");
  } finally {
    trace.close();
    tools.dispose();
  }
  const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);
  const result: TbfLateness = {
    measuredAt: new Date().toISOString().slice(0, 16),
    loadAverages: loads,
    config: cfg.name,
    cc,
    runs,
    edgesUs,
    service: histogram(all.service, edgesUs),
    serviceMaxUs: Math.round(max(all.service)),
    watchdog: histogram(all.watchdog, edgesUs),
    watchdogMaxUs: Math.round(max(all.watchdog)),
    delayLineWakeups: wakeups,
  };
  console.log(`watchdog_late: ${scenarioHistogram(result.service, edgesUs, result.serviceMaxUs)}`);
  if (values.write === true) {
    const ref = JSON.parse(readFileSync(referencePath(cfg.name), "utf8")) as ReferenceFile;
    writeFileSync(referencePath(cfg.name), JSON.stringify({ ...ref, tbfLateness: result }) + "\n");
    console.log(`wrote ${referencePath(cfg.name)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`tbf-lateness: ${(e as Error).message}`);
    process.exit(1);
  });
}
