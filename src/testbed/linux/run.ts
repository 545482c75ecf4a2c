/**
 * @fileoverview The Linux testbed: a run of real TCP flows on this
 * machine's kernel over the network of netns.ts, in real time. Every flow is
 * a flow.c sender in the sender namespace and a receiver in the receiver
 * namespace; the delay line gives the one-way delays and random loss; the
 * bottleneck's queue is sampled through a `tc -batch` process; timed actions
 * run at their times in the sender namespace (so a write to
 * net.ipv4.tcp_congestion_control changes that namespace's default only) and
 * may call setsockopt(TCP_CONGESTION) on a running flow's socket through a
 * copy taken with pidfd_getfd.
 *
 * The run produces the testbed's own trace records (src/sim/api.ts), in
 * time order, and a RunResult, so the trace files, summary and report are
 * the simulator's. Everything is removed whatever happens: child processes,
 * namespaces (and with them the TUN device, veths and qdiscs), on return, on
 * an exception, on SIGINT/SIGTERM; namespaces of a run killed outright are
 * removed at the next start (removeStaleNamespaces).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinuxBackend } from "../../backend/linux/linux-backend.js";
import type {
  FlowEventRecord, FlowSummary, LinkSummary, QueueSampleRecord, RunResult, SimAction, SimActionContext, TraceRecord,
} from "../../sim/api.js";
import { ENOENT, ENOTCONN } from "../../uapi/errno.js";
import type { BottleneckQdisc, NsNames } from "./netns.js";
import {
  delayRouteCommands, deleteNamespaces, freshNames, RECEIVER_IP, removeStaleNamespaces, runCommand, runCommands, SENDER_NET, TestbedError, topologyCommands,
} from "./netns.js";
import { flowRecordOf, parseTcpInfoCsv } from "./tcp-info.js";
import type { TcpInfoRow } from "./tcp-info.js";
import type { Tools } from "./tools.js";

/** One flow: a bulk sender from `startNs`, optionally stopping at `stopNs` or after `bytes`. */
export interface LinuxFlowSpec {
  readonly id: string;
  readonly startNs: number;
  readonly stopNs?: number;
  readonly bytes?: number;
  /** Bytes per write() of the sending application (flow.c's --write); absent: its default, 65536. */
  readonly writeBytes?: number;
  /** setsockopt(TCP_CONGESTION) before connect; absent: the sender namespace's default. */
  readonly cc?: string;
  /** Extra one-way delay of this flow, each way (RTT diversity). */
  readonly extraDelayNs: number;
}

/** The path: the tbf bottleneck and the delay line's parameters. */
export interface LinuxPathSpec extends BottleneckQdisc {
  /** One-way propagation delay towards the receiver. */
  readonly delayNs: number;
  /** One-way propagation delay of the ACKs. */
  readonly reverseDelayNs: number;
  /** Probability that a data packet is lost. */
  readonly lossRate: number;
  /** Probability that an ACK is lost. */
  readonly reverseLossRate: number;
}

/** What an action may do on the Linux testbed: the calls of the simulator's action API that a real run can make. */
export type LinuxSimContext = Pick<SimActionContext, "nowNs" | "setCongestion" | "congestionOf" | "runningFlows" | "mark">;

/** The context of an action on the Linux testbed. */
export interface LinuxActionContext {
  readonly sim: LinuxSimContext;
  /**
   * The run's default congestion control: what flows without an algorithm
   * select (setsockopt before connect) from now on. Returns 0 or -ENOENT
   * when the kernel has no such algorithm. A network namespace other than
   * the initial one may only default to tcp_allowed_congestion_control
   * (tcp_set_default_congestion_control: EPERM otherwise), a machine-wide
   * list the testbed does not change; so the default is applied per flow.
   */
  setDefaultCongestion(name: string): number;
}

/** A run on the Linux testbed. */
export interface LinuxTestbedSpec {
  readonly path: LinuxPathSpec;
  readonly flows: readonly LinuxFlowSpec[];
  readonly durationNs: number;
  /** TCP_INFO poll interval. */
  readonly sampleNs: number;
  /** Queue samples of the bottleneck every max(sampleNs, 5 ms); default true. */
  readonly queueSamples?: boolean;
  /** The algorithm of flows without one, from time 0 (see LinuxActionContext.setDefaultCongestion); absent: the sender namespace's default. */
  readonly defaultCc?: string;
  readonly actions?: readonly SimAction<LinuxActionContext>[];
}

/** Options of {@link runLinuxTestbed}. */
export interface LinuxTestbedOptions {
  readonly tools: Tools;
  /** The backend whose fd calls (setsockopt on a flow's socket, the namespace switches) the actions use. */
  readonly backend: LinuxBackend;
  /** Seed of the delay line's loss generator. */
  readonly seed: number;
  /** Called about every 100 ms of the run and once at the end. */
  readonly onProgress?: (nowNs: number, durationNs: number) => void;
}

/** The delay line's second line: the dropped data segments of the first connection (c/delayline.c), when it printed one. */
function dropSeqsOf(stdout: string): Pick<DelayLineStats, "dropSeqs"> {
  const line = stdout.split("\n").find((l) => l.startsWith('{"dropSeqs"'));
  return line === undefined ? {} : (JSON.parse(line) as Pick<DelayLineStats, "dropSeqs">);
}

/** The delay line's third line: its lateness histograms (c/delayline.c), when it printed one. */
function lateHistOf(stdout: string): Pick<DelayLineStats, "lateHist"> {
  const line = stdout.split("\n").find((l) => l.startsWith('{"lateHist"'));
  return line === undefined ? {} : (JSON.parse(line) as Pick<DelayLineStats, "lateHist">);
}

/**
 * How late the delay line ran, as histograms over fixed bins: bin i counts
 * lateness in [edgesUs[i-1], edgesUs[i]) µs (from 0 for the first; the last
 * bin, one more than the edges, holds the rest, up to `wakeupMaxUs` for the
 * wake-ups). `packets`: each packet's release after its due time; `wakeups`:
 * each wake-up of the task by its ppoll timeout after the deadline (the
 * hrtimer's expiry and the real-time task's wake-up: the host's timer latency).
 */
export interface DelayLineLateness {
  readonly edgesUs: readonly number[];
  readonly packets: readonly number[];
  readonly wakeups: readonly number[];
  readonly wakeupMaxUs: number;
}

/** The delay line's counters (delayline.c). */
export interface DelayLineStats {
  readonly rxFwd: number;
  readonly rxRev: number;
  readonly txFwd: number;
  readonly txRev: number;
  readonly lost: number;
  readonly overflowFwd: number;
  readonly overflowRev: number;
  readonly writeErrors: number;
  readonly nonIp: number;
  readonly lateMaxUs: number;
  readonly lateMeanUs: number;
  /** Whether the delay line got SCHED_FIFO. */
  readonly realtime: boolean;
  /** The first connection's data segments it dropped: [sequence number relative to the first data byte, 1 if a retransmission]. */
  readonly dropSeqs?: readonly (readonly [number, number])[];
  /** Its lateness histograms. */
  readonly lateHist?: DelayLineLateness;
}

/** The bottleneck qdisc's counters at the end. */
export interface QdiscStats {
  readonly sentPackets: number;
  readonly sentBytes: number;
  readonly drops: number;
}

/** What a run gives. */
export interface LinuxTestbedRun {
  readonly result: RunResult;
  /** Every record, in time order. */
  readonly records: readonly TraceRecord[];
  /** Each flow's TCP_INFO rows. */
  readonly rows: ReadonlyMap<string, readonly TcpInfoRow[]>;
  readonly delayLine: DelayLineStats;
  readonly bottleneck: QdiscStats;
}

const BASE_PORT = 5001;
const MIN_QUEUE_POLL_NS = 5_000_000;
/** Time from handing the senders their time 0 to that time: each has read it by then. */
const LEAD_NS = 100_000_000n;

interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
  onLine?: (line: string) => void;
}

function start(argv: readonly string[], stdin: "ignore" | "pipe" = "ignore"): Proc {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: [stdin, "pipe", "pipe"] });
  let partial = "";
  const p: Proc = {
    child, stdout: "", stderr: "",
    exited: new Promise((resolve) => {
      child.on("error", () => resolve(-1));
      child.on("close", (code) => resolve(code));
    }),
  };
  child.stdout?.on("data", (d: Buffer) => {
    const s = d.toString();
    p.stdout += s;
    if (p.onLine === undefined) return;
    partial += s;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) p.onLine(l);
  });
  child.stderr?.on("data", (d: Buffer) => (p.stderr += d.toString()));
  return p;
}

async function waitFor(p: Proc, what: RegExp, label: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!what.test(p.stdout)) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new TestbedError(`${label} exited before it was ready: ${p.stderr.trim()}`);
    if (Date.now() - t0 > timeoutMs) throw new TestbedError(`${label} not ready after ${timeoutMs} ms: ${p.stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stop(p: Proc | undefined, timeoutMs = 3000): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  await p.exited;
  clearTimeout(timer);
}


/** The state of one flow during the run. */
interface FlowState {
  readonly spec: LinuxFlowSpec;
  readonly index: number;
  readonly sender: Proc;
  readonly receiver: Proc;
  /** Our copy of the sender's socket (pidfd_getfd), -1 until established. */
  fd: number;
  startedNs?: number;
  endedNs?: number;
  cc?: string;
}

/** The tbf entry of `tc -s -j qdisc show dev rr`. */
interface TcQdisc {
  readonly kind: string;
  readonly bytes: number;
  readonly packets: number;
  readonly drops: number;
  readonly backlog?: number;
  readonly qlen?: number;
}

function tbfOf(json: string): TcQdisc | undefined {
  try {
    return (JSON.parse(json) as TcQdisc[]).find((x) => x.kind === "tbf");
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile of sorted values. */
function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function flowSummary(f: FlowState, rows: readonly TcpInfoRow[], durationNs: number): FlowSummary {
  const last = rows[rows.length - 1];
  const startNs = f.startedNs ?? f.spec.startNs;
  const endNs = f.endedNs ?? durationNs;
  const rtts = rows.map((r) => r.rttUs).filter((x) => x > 0).sort((a, b) => a - b);
  let rtos = 0;
  let recoveries = 0;
  for (let i = 1; i < rows.length; i++) {
    const a = (rows[i - 1] as TcpInfoRow).caState;
    const b = (rows[i] as TcpInfoRow).caState;
    if (b === 4 && a !== 4) rtos++;
    if (b === 3 && a !== 3) recoveries++;
  }
  const bytesAcked = last?.bytesAcked ?? 0;
  return {
    id: f.spec.id, from: `s${f.index}`, to: `r${f.index}`, ccStart: rows[0]?.cc ?? f.cc ?? "", ccEnd: last?.cc ?? f.cc ?? "",
    startNs, endNs, bytesAcked, throughputBps: endNs > startNs ? (bytesAcked * 8) / ((endNs - startNs) / 1e9) : 0,
    segsOut: last?.segsOut ?? 0, retrans: last?.totalRetrans ?? 0, rtos, recoveries, undos: 0,
    rttUs: {
      min: last?.minRttUs ?? 0, p50: pct(rtts, 50), p90: pct(rtts, 90), p99: pct(rtts, 99), max: rtts[rtts.length - 1] ?? 0,
      mean: rtts.length === 0 ? 0 : rtts.reduce((a, b) => a + b, 0) / rtts.length, count: rtts.length,
    },
    completed: f.spec.bytes !== undefined && f.endedNs !== undefined,
  };
}

/**
 * Runs `spec` on this machine's kernel in real time (needs root: see
 * probeLinux) and tears everything down whatever happens.
 * @throws {TestbedError} naming the command or flow that failed
 */
export async function runLinuxTestbed(spec: LinuxTestbedSpec, opts: LinuxTestbedOptions): Promise<LinuxTestbedRun> {
  removeStaleNamespaces();
  const names: NsNames = freshNames();
  const be = opts.backend;
  const procs: Proc[] = [];
  const timers: NodeJS.Timeout[] = [];
  const scratch = join(tmpdir(), names.sender.replace(/-s$/, ""));
  const teardownSync = (): void => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    deleteNamespaces([names.sender, names.router, names.receiver]);
    rmSync(scratch, { recursive: true, force: true });
  };
  // A signal would end node without running finally blocks: tear down first, then die as asked.
  const onSignal = (sig: NodeJS.Signals): void => {
    teardownSync();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("exit", teardownSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const records: TraceRecord[] = [];
  const flows: FlowState[] = [];
  let senderNs = -1;
  let homeNs = -1;
  try {
    runCommands(topologyCommands(names, spec.path));
    mkdirSync(scratch, { recursive: true, mode: 0o700 });
    const defaultFile = join(scratch, "default-cc");
    // Written whole and renamed: a flow connecting at that moment reads the old name or the new one.
    const writeDefault = (name: string): void => {
      writeFileSync(`${defaultFile}.tmp`, `${name}\n`);
      renameSync(`${defaultFile}.tmp`, defaultFile);
    };
    writeDefault(spec.defaultCc ?? "");
    const us = (ns: number): string => String(Math.round(ns / 1000));
    const extras = spec.flows.flatMap((f, i) => (f.extraDelayNs > 0 ? ["--extra", `${BASE_PORT + i}:${us(f.extraDelayNs)}`] : []));
    const dl = start([
      opts.tools.delayline, "--netns", `/run/netns/${names.router}`, "--dev", "dl0",
      "--fwd-delay-us", us(spec.path.delayNs), "--rev-delay-us", us(spec.path.reverseDelayNs), "--rev-net", SENDER_NET,
      "--loss", String(spec.path.lossRate), "--rev-loss", String(spec.path.reverseLossRate), "--seed", String(opts.seed), ...extras,
    ]);
    procs.push(dl);
    await waitFor(dl, /^ready /m, "delay line");
    runCommands(delayRouteCommands(names));
    senderNs = openSync(`/run/netns/${names.sender}`, "r");

    // Every receiver listens and every sender waits before time 0 is chosen and handed to the senders.
    const receivers = spec.flows.map((_, i) => start([opts.tools.flow, "recv", "--netns", `/run/netns/${names.receiver}`, "--port", String(BASE_PORT + i)]));
    procs.push(...receivers);
    for (const [i, r] of receivers.entries()) await waitFor(r, /^ready$/m, `receiver of flow ${(spec.flows[i] as LinuxFlowSpec).id}`);
    let t0 = 0n;
    const nowNs = (): number => Number(process.hrtime.bigint() - t0);
    for (const [i, f] of spec.flows.entries()) {
      const port = String(BASE_PORT + i);
      const receiver = receivers[i] as Proc;
      const sender = start([
        opts.tools.flow, "send", "--netns", `/run/netns/${names.sender}`, "--dst", RECEIVER_IP, "--port", port,
        "--t0-ns", "stdin", "--start-us", us(f.startNs), "--end-us", us(spec.durationNs), "--interval-us", us(spec.sampleNs),
        ...(f.cc !== undefined ? ["--cc", f.cc] : ["--cc-file", defaultFile]),
        ...(f.stopNs !== undefined ? ["--stop-us", us(f.stopNs)] : []),
        ...(f.bytes !== undefined ? ["--bytes", String(f.bytes)] : []),
        ...(f.writeBytes !== undefined ? ["--write", String(f.writeBytes)] : []),
      ], "pipe");
      procs.push(sender);
      const st: FlowState = { spec: f, index: i, sender, receiver, fd: -1 };
      flows.push(st);
      sender.onLine = (line) => {
        const est = /^established (\d+) (\d+) (\S+)$/.exec(line);
        if (est !== null) {
          const pid = sender.child.pid ?? -1;
          const r = be.fdOfProcess(pid, Number(est[1]));
          st.fd = r.errno === 0 ? r.ret : -1;
          st.startedNs = Number(est[2]) * 1000;
          st.cc = est[3] as string;
          records.push({ type: "flow_event", t: st.startedNs, flow: f.id, event: "start", cc: st.cc });
          return;
        }
        const done = /^complete (\d+)$/.exec(line);
        if (done !== null && st.endedNs === undefined) {
          st.endedNs = Number(done[1]) * 1000;
          records.push({ type: "flow_event", t: st.endedNs, flow: f.id, event: "end", cc: st.cc ?? "" });
        }
      };
    }
    for (const f of flows) await waitFor(f.sender, /^ready$/m, `sender of flow ${f.spec.id}`);
    t0 = process.hrtime.bigint() + LEAD_NS;
    for (const f of flows) f.sender.child.stdin?.end(`${t0}\n`);

    // setsockopt on the copy of a running flow's socket; an algorithm the kernel lacks is ENOENT without a call (no module is loaded).
    const running = (): string[] => flows.filter((f) => f.fd >= 0 && f.endedNs === undefined && f.sender.child.exitCode === null).map((f) => f.spec.id);
    const available = (): string[] => (be.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text ?? "").trim().split(/\s+/);
    const sim: LinuxSimContext = {
      get nowNs() {
        return nowNs();
      },
      setCongestion: (id, name) => {
        const f = flows.find((x) => x.spec.id === id);
        if (f === undefined || !running().includes(id)) return -ENOTCONN;
        if (!available().includes(name)) return -ENOENT;
        const r = be.setCongestion(f.fd, name);
        if (r.errno !== 0) return -r.errno;
        const prev = f.cc ?? "";
        f.cc = name;
        const ev: FlowEventRecord = { type: "flow_event", t: nowNs(), flow: id, event: "cc_change", cc: name, prevCc: prev };
        records.push(ev);
        return 0;
      },
      congestionOf: (id) => {
        const f = flows.find((x) => x.spec.id === id);
        if (f === undefined || f.fd < 0) return undefined;
        const r = be.getCongestion(f.fd);
        return r.errno === 0 ? r.name : undefined;
      },
      runningFlows: running,
      mark: (label, detail) => records.push(detail === undefined ? { type: "action", t: nowNs(), label } : { type: "action", t: nowNs(), label, detail }),
    };
    const setDefaultCongestion = (name: string): number => {
      if (!available().includes(name)) return -ENOENT;
      writeDefault(name);
      return 0;
    };
    const home = be.openNetns();
    if (home.errno !== 0) throw new TestbedError(`cannot open this thread's network namespace (errno ${home.errno})`);
    homeNs = home.ret;
    const runAction = (a: SimAction<LinuxActionContext>): void => {
      records.push({ type: "action", t: nowNs(), label: a.label });
      // In the sender namespace: a sysctl write changes that namespace, never the machine's.
      const entered = be.setNetns(senderNs);
      if (entered.errno !== 0) throw new TestbedError(`cannot enter the sender namespace (errno ${entered.errno})`);
      try {
        a.run({ sim, setDefaultCongestion });
      } finally {
        be.setNetns(homeNs);
      }
    };
    let actionError: unknown;
    for (const a of spec.actions ?? []) {
      timers.push(setTimeout(() => {
        try {
          runAction(a);
        } catch (e) {
          actionError ??= e;
        }
      }, Math.max(0, Number((t0 - process.hrtime.bigint()) / 1_000_000n) + a.atNs / 1e6)));
    }

    // Queue samples: one `tc -batch` process, asked again when it has answered.
    let tc: Proc | undefined;
    if (spec.queueSamples !== false) {
      tc = start(["stdbuf", "-oL", "tc", "-n", names.router, "-s", "-j", "-batch", "-"], "pipe");
      procs.push(tc);
      let askedAt: number | null = null;
      tc.onLine = (line) => {
        const q = tbfOf(line);
        if (askedAt === null || q === undefined) return;
        const rec: QueueSampleRecord = { type: "queue", t: askedAt, link: "bottleneck", bytes: q.backlog ?? 0, packets: q.qlen ?? 0, drops: q.drops, marks: 0 };
        if (askedAt >= 0 && askedAt <= spec.durationNs) records.push(rec);
        askedAt = null;
      };
      const poll = Math.max(spec.sampleNs, MIN_QUEUE_POLL_NS) / 1e6;
      const ask = (): void => {
        const t = nowNs();
        if (t > spec.durationNs) return;
        if (askedAt === null && t >= 0) {
          askedAt = t;
          tc?.child.stdin?.write("qdisc show dev rr\n");
        }
        timers.push(setTimeout(ask, poll));
      };
      ask();
    }
    const progress = opts.onProgress;
    if (progress !== undefined) {
      const tick = (): void => {
        const t = nowNs();
        if (t >= spec.durationNs) return;
        progress(Math.max(0, t), spec.durationNs);
        timers.push(setTimeout(tick, 100));
      };
      tick();
    }

    const deadline = setTimeout(() => flows.forEach((f) => f.sender.child.kill("SIGKILL")), Number(LEAD_NS) / 1e6 + spec.durationNs / 1e6 + 15_000);
    timers.push(deadline);
    const codes = await Promise.all(flows.map((f) => f.sender.exited));
    for (const f of flows) {
      if (f.fd >= 0) be.close(f.fd);
      f.fd = -1;
    }
    if (actionError !== undefined) throw actionError;
    codes.forEach((code, i) => {
      const f = flows[i] as FlowState;
      if (code !== 0) throw Object.assign(new TestbedError(`flow ${f.spec.id}: sender exited with ${code}: ${f.sender.stderr.trim()}`), { flow: f.spec.id });
    });
    tc?.child.stdin?.end();
    const tbf = tbfOf(runCommand(["tc", "-n", names.router, "-s", "-j", "qdisc", "show", "dev", "rr"]));
    await Promise.all(flows.map(async (f) => {
      const t = setTimeout(() => f.receiver.child.kill("SIGKILL"), 5000);
      await f.receiver.exited;
      clearTimeout(t);
    }));
    await stop(dl);
    const dlLine = dl.stdout.split("\n").find((l) => l.startsWith("{"));
    if (dlLine === undefined) throw new TestbedError(`delay line printed no counters: ${dl.stderr.trim()}`);
    opts.onProgress?.(spec.durationNs, spec.durationNs);

    const rows = new Map<string, TcpInfoRow[]>();
    for (const f of flows) {
      const r = parseTcpInfoCsv(f.sender.stdout);
      rows.set(f.spec.id, r);
      for (const row of r) records.push(flowRecordOf(f.spec.id, row));
      if (f.spec.stopNs !== undefined && f.spec.stopNs < spec.durationNs) {
        records.push({ type: "flow_event", t: f.spec.stopNs, flow: f.spec.id, event: "stop", cc: r[r.length - 1]?.cc ?? "" });
      }
      if (f.endedNs === undefined && f.startedNs !== undefined) {
        records.push({ type: "flow_event", t: spec.durationNs, flow: f.spec.id, event: "end", cc: r[r.length - 1]?.cc ?? "" });
      }
    }
    // Stable: records of one time keep the order they were made in.
    records.sort((a, b) => a.t - b.t);
    const bottleneck = { sentPackets: tbf?.packets ?? 0, sentBytes: tbf?.bytes ?? 0, drops: tbf?.drops ?? 0 };
    const link: LinkSummary = {
      id: "bottleneck", from: "left", to: "right", packetsOut: bottleneck.sentPackets, bytesOut: bottleneck.sentBytes, drops: bottleneck.drops, marks: 0,
      utilization: (bottleneck.sentBytes * 8) / (spec.durationNs / 1e9) / spec.path.rateBps,
    };
    const result: RunResult = {
      seed: opts.seed, durationNs: spec.durationNs, events: 0,
      flows: flows.map((f) => flowSummary(f, rows.get(f.spec.id) ?? [], spec.durationNs)), links: [link],
    };
    return { result, records, rows, delayLine: { ...(JSON.parse(dlLine) as DelayLineStats), ...dropSeqsOf(dl.stdout), ...lateHistOf(dl.stdout) }, bottleneck };
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const f of flows) if (f.fd >= 0) be.close(f.fd);
    for (const p of procs) await stop(p);
    if (senderNs >= 0) closeSync(senderNs);
    if (homeNs >= 0) be.close(homeNs);
    teardownSync();
    process.removeListener("exit", teardownSync);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}
