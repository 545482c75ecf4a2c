/**
 * @fileoverview The real-Linux side of the fidelity comparison (issue #5):
 * builds three network namespaces joined by veth, with a rate-limited
 * drop-tail bottleneck and a fixed propagation delay, runs one bulk TCP flow
 * with Linux's own congestion control and returns its TCP_INFO trace.
 *
 *   sender ns            router ns                          receiver ns
 *   s0 10.201.1.1 --veth-- rs 10.201.1.254
 *                          dl0 (TUN, delay line, RTT/2 each way)
 *                          rr 10.201.2.254 [tbf + pfifo] --veth-- r0 10.201.2.1
 *
 * Both directions enter the router on a veth and are policy-routed into the
 * TUN device (`ip rule iif rs|rr lookup 100`, table 100: default dev dl0);
 * the delay-line program (c/delayline.c) writes them back into dl0 after the
 * delay, and the main table's connected routes take them on. The bottleneck
 * is sch_tbf (rate, 2-frame bucket) with a pfifo child (the queue limit in
 * packets) on rr, the router's egress towards the receiver; see
 * docs/fidelity.md for why this kernel needs a delay line (no sch_netem, no
 * sch_fq for EDT) and what the choices cost.
 *
 * Everything is created inside the three namespaces: the root namespace's
 * routes, qdiscs and congestion-control settings are never touched. Cleanup
 * (processes, namespaces; the TUN device and veths go with them) runs in a
 * finally block, on process exit, and for namespaces that a killed run left
 * behind (names carry the creating pid).
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FidelityConfig } from "./configs.js";
import type { CwndSample } from "./metrics.js";

/** A failure of the Linux testbed, naming the command or step that failed. */
export class TestbedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestbedError";
  }
}

const NS_PREFIX = "sofid-";
const SENDER_IP = "10.201.1.1";
const RECEIVER_IP = "10.201.2.1";
const PORT = 5001;
const ROUTE_TABLE = "100";
const here = new URL(".", import.meta.url).pathname;

export interface NsNames {
  readonly sender: string;
  readonly router: string;
  readonly receiver: string;
}

let runCounter = 0;
function freshNames(): NsNames {
  const base = `${NS_PREFIX}${process.pid}-${runCounter++}`;
  return { sender: `${base}-s`, router: `${base}-m`, receiver: `${base}-r` };
}

/** tbf parameters: the bucket holds two full frames (the queue is the pfifo child, not the bucket). */
export function tbfArgs(cfg: FidelityConfig): string[] {
  return ["rate", `${Math.round(cfg.rateBps)}bit`, "burst", "3028", "limit", String(Math.max(3028, cfg.queuePackets * 1514 * 2))];
}

/**
 * The `ip`/`tc`/`sysctl` argv lists that build the topology up to (not
 * including) the delay line, in order. Pure, so the topology is testable and
 * printable without root.
 */
export function topologyCommands(n: NsNames, cfg: FidelityConfig): string[][] {
  const { sender: S, router: M, receiver: R } = n;
  const sysctl = (ns: string, ...kv: string[]): string[] => ["ip", "netns", "exec", ns, "sysctl", "-qw", ...kv];
  return [
    ["ip", "netns", "add", S],
    ["ip", "netns", "add", M],
    ["ip", "netns", "add", R],
    // Veths are created inside the router namespace with the peer moved straight into its namespace.
    ["ip", "-n", M, "link", "add", "rs", "type", "veth", "peer", "name", "s0", "netns", S],
    ["ip", "-n", M, "link", "add", "rr", "type", "veth", "peer", "name", "r0", "netns", R],
    // One segment per skb: no TSO/GSO super-packets on the path, so queue and cwnd count the same packets.
    ...[["-n", S, "s0"], ["-n", M, "rs"], ["-n", M, "rr"], ["-n", R, "r0"]].map(([f, ns, dev]) => [
      "ip", f as string, ns as string, "link", "set", "dev", dev as string, "mtu", "1500", "gso_max_segs", "1", "up",
    ]),
    ["ip", "-n", S, "link", "set", "lo", "up"],
    ["ip", "-n", M, "link", "set", "lo", "up"],
    ["ip", "-n", R, "link", "set", "lo", "up"],
    ["ip", "-n", S, "addr", "add", `${SENDER_IP}/24`, "dev", "s0"],
    ["ip", "-n", M, "addr", "add", "10.201.1.254/24", "dev", "rs"],
    ["ip", "-n", M, "addr", "add", "10.201.2.254/24", "dev", "rr"],
    ["ip", "-n", R, "addr", "add", `${RECEIVER_IP}/24`, "dev", "r0"],
    ["ip", "-n", S, "route", "add", "default", "via", "10.201.1.254"],
    ["ip", "-n", R, "route", "add", "default", "via", "10.201.2.254"],
    sysctl(M, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"),
    // A fresh namespace has no cached metrics; say so anyway so a reused one would not carry ssthresh over.
    sysctl(S, "net.ipv4.tcp_no_metrics_save=1"),
    sysctl(R, "net.ipv4.tcp_no_metrics_save=1"),
    ["tc", "-n", M, "qdisc", "add", "dev", "rr", "root", "handle", "1:", "tbf", ...tbfArgs(cfg)],
    ["tc", "-n", M, "qdisc", "add", "dev", "rr", "parent", "1:1", "handle", "10:", "pfifo", "limit", String(cfg.queuePackets)],
  ];
}

/** Commands that route both directions through the delay line once its TUN device exists. */
export function delayRouteCommands(n: NsNames): string[][] {
  const M = n.router;
  return [
    ["ip", "-n", M, "link", "set", "dev", "dl0", "mtu", "1500", "up"],
    ["ip", "netns", "exec", M, "sysctl", "-qw", "net.ipv4.conf.dl0.rp_filter=0"],
    ["ip", "-n", M, "route", "add", "default", "dev", "dl0", "table", ROUTE_TABLE],
    ["ip", "-n", M, "rule", "add", "iif", "rs", "lookup", ROUTE_TABLE, "pref", "100"],
    ["ip", "-n", M, "rule", "add", "iif", "rr", "lookup", ROUTE_TABLE, "pref", "101"],
  ];
}

function run(argv: readonly string[], timeoutMs = 10_000): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8", timeout: timeoutMs });
  if (r.error) throw new TestbedError(`${argv.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new TestbedError(`${argv.join(" ")}: exit ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

function listNetns(): string[] {
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return r.stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((s) => s.length > 0);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes namespaces of this testbed whose creating process is gone (a run killed with SIGKILL). */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNetns()) {
    const m = /^sofid-(\d+)-\d+-[smr]$/.exec(ns);
    if (m === null || pidAlive(Number(m[1]))) continue;
    spawnSync("ip", ["netns", "del", ns]);
    removed.push(ns);
  }
  return removed;
}

export type Probe = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether this machine can run the Linux side: root, ip/tc/gcc present,
 * /dev/net/tun, a scratch namespace with veth and tbf, and the algorithms
 * built in or loaded. Loads no module and changes nothing outside the scratch
 * namespace, which it deletes.
 */
export function probeLinux(algorithms: readonly string[] = ["reno", "cubic"]): Probe {
  if (process.platform !== "linux") return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for network namespaces" };
  for (const tool of ["ip", "tc", "gcc", "sysctl"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return { ok: false, reason: `'${tool}' is not installed` };
  }
  if (!existsSync("/dev/net/tun")) return { ok: false, reason: "/dev/net/tun is missing (CONFIG_TUN)" };
  let avail = "";
  try {
    avail = run(["cat", "/proc/sys/net/ipv4/tcp_available_congestion_control"]).trim();
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const missing = algorithms.filter((a) => !avail.split(/\s+/).includes(a));
  if (missing.length > 0) {
    return { ok: false, reason: `congestion control ${missing.join(", ")} not available (have: ${avail}); this test loads no module` };
  }
  removeStaleNamespaces();
  const ns = `${NS_PREFIX}${process.pid}-probe-s`;
  try {
    run(["ip", "netns", "add", ns]);
    run(["ip", "-n", ns, "link", "add", "a0", "type", "veth", "peer", "name", "a1"]);
    run(["tc", "-n", ns, "qdisc", "add", "dev", "a0", "root", "handle", "1:", "tbf", "rate", "10mbit", "burst", "3028", "limit", "30000"]);
    run(["tc", "-n", ns, "qdisc", "add", "dev", "a0", "parent", "1:1", "pfifo", "limit", "10"]);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `network namespaces, veth or tbf unusable: ${(e as Error).message}` };
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}

export interface Tools {
  readonly dir: string;
  readonly delayline: string;
  readonly flow: string;
  dispose(): void;
}

/** Compiles the delay line and the flow program into a fresh temporary directory. */
export function buildTools(): Tools {
  const dir = mkdtempSync(join(tmpdir(), "structops-fidelity-"));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  // Also on process.exit (which runLinuxFlow's signal handler calls), where finally blocks do not run.
  process.once("exit", remove);
  const dispose = (): void => {
    process.removeListener("exit", remove);
    remove();
  };
  try {
    const delayline = join(dir, "delayline");
    const flow = join(dir, "flow");
    run(["gcc", "-O2", "-Wall", "-o", delayline, join(here, "c", "delayline.c")], 60_000);
    run(["gcc", "-O2", "-Wall", "-pthread", "-o", flow, join(here, "c", "flow.c")], 60_000);
    return { dir, delayline, flow, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** One TCP_INFO row of c/flow.c. */
export interface TcpInfoRow {
  readonly tUs: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly rttUs: number;
  readonly caState: number;
  readonly totalRetrans: number;
  readonly bytesAcked: number;
  readonly deliveryRate: number;
  readonly minRttUs: number;
  /** tcpi_pacing_rate: sk_pacing_rate in bytes/s. */
  readonly pacingRate: number;
}

const CSV_HEADER =
  "t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,lost,retrans,total_retrans,delivered,bytes_acked,delivery_rate,min_rtt_us,pacing_rate";

/** Parses the CSV of c/flow.c; throws TestbedError naming the bad line. */
export function parseTcpInfoCsv(text: string): TcpInfoRow[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines[0] !== CSV_HEADER) throw new TestbedError(`flow CSV line 1: unexpected header '${(lines[0] ?? "").slice(0, 80)}'`);
  return lines.slice(1).map((line, i) => {
    const f = line.split(",").map(Number);
    if (f.length !== 16 || f.some((x) => !Number.isFinite(x))) throw new TestbedError(`flow CSV line ${i + 2}: malformed '${line}'`);
    const g = (k: number): number => f[k] as number;
    return {
      tUs: g(0), cwnd: g(1), ssthresh: g(2), rttUs: g(3), caState: g(5), totalRetrans: g(10),
      bytesAcked: g(12), deliveryRate: g(13), minRttUs: g(14), pacingRate: g(15),
    };
  });
}

/** TCP_INFO rows as the metric functions' samples. */
export function rowsToTrace(rows: readonly TcpInfoRow[]): CwndSample[] {
  return rows.map((r) => ({ tS: r.tUs / 1e6, cwnd: r.cwnd, ssthresh: r.ssthresh, caState: r.caState, rttUs: r.rttUs }));
}

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
}

export interface QdiscStats {
  readonly sentPackets: number;
  readonly sentBytes: number;
  readonly drops: number;
}

export interface LinuxRun {
  readonly cc: string;
  readonly config: string;
  readonly seconds: number;
  readonly rows: readonly TcpInfoRow[];
  readonly trace: readonly CwndSample[];
  readonly receivedBytes: number;
  readonly delayLine: DelayLineStats;
  readonly bottleneck: QdiscStats;
}

interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function start(argv: readonly string[]): Proc {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  const p: Proc = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => {
      child.on("error", () => resolve(-1));
      child.on("close", (code) => resolve(code));
    }),
  };
  child.stdout?.on("data", (d: Buffer) => (p.stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (p.stderr += d.toString()));
  return p;
}

async function waitFor(p: Proc, what: RegExp, label: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!what.test(p.stdout)) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new TestbedError(`${label} exited before it was ready: ${p.stderr.trim()}`);
    }
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

export interface RunOptions {
  /** Overrides cfg.seconds (the CI test runs shorter). */
  readonly seconds?: number;
  /** Seed of the delay line's loss generator. */
  readonly seed?: number;
  /** TCP_INFO poll interval in microseconds; default 1000. */
  readonly intervalUs?: number;
}

/**
 * Builds the topology for `cfg`, runs one `cc` flow for the configured time,
 * and tears everything down whatever happens.
 */
export async function runLinuxFlow(tools: Tools, cfg: FidelityConfig, cc: string, opts: RunOptions = {}): Promise<LinuxRun> {
  const names = freshNames();
  const seconds = opts.seconds ?? cfg.seconds;
  const procs: Proc[] = [];
  const teardownSync = (): void => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    for (const ns of [names.sender, names.router, names.receiver]) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  };
  // A signal would end node without running finally blocks: tear down first, then die as asked.
  const onSignal = (sig: NodeJS.Signals): void => {
    teardownSync();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("exit", teardownSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const argv of topologyCommands(names, cfg)) run(argv);
    const halfUs = String(Math.round((cfg.rttMs * 1000) / 2));
    const dl = start([
      tools.delayline, "--netns", `/run/netns/${names.router}`, "--dev", "dl0",
      "--fwd-delay-us", halfUs, "--rev-delay-us", halfUs, "--rev-net", "10.201.1.0/24",
      "--loss", String(cfg.lossRate), "--seed", String(opts.seed ?? 1),
    ]);
    procs.push(dl);
    await waitFor(dl, /^ready /m, "delay line");
    for (const argv of delayRouteCommands(names)) run(argv);
    const rcv = start([tools.flow, "recv", "--netns", `/run/netns/${names.receiver}`, "--port", String(PORT)]);
    procs.push(rcv);
    await waitFor(rcv, /^ready$/m, "receiver");
    const snd = start([
      tools.flow, "send", "--netns", `/run/netns/${names.sender}`, "--dst", RECEIVER_IP, "--port", String(PORT),
      "--cc", cc, "--seconds", String(seconds), "--interval-us", String(opts.intervalUs ?? 1000),
    ]);
    procs.push(snd);
    const killer = setTimeout(() => snd.child.kill("SIGKILL"), (seconds + 15) * 1000);
    const code = await snd.exited;
    clearTimeout(killer);
    if (code !== 0) throw new TestbedError(`sender (${cc}) exited with ${code}: ${snd.stderr.trim()}`);
    const q = JSON.parse(run(["tc", "-n", names.router, "-s", "-j", "qdisc", "show", "dev", "rr"])) as Array<{
      kind: string; bytes: number; packets: number; drops: number;
    }>;
    const tbf = q.find((x) => x.kind === "tbf");
    const rcvTimer = setTimeout(() => rcv.child.kill("SIGKILL"), 5000);
    await rcv.exited;
    clearTimeout(rcvTimer);
    await stop(dl);
    const dlLine = dl.stdout.split("\n").find((l) => l.startsWith("{"));
    if (dlLine === undefined) throw new TestbedError(`delay line printed no counters: ${dl.stderr.trim()}`);
    const rcvLine = rcv.stdout.split("\n").find((l) => l.startsWith("{"));
    const rows = parseTcpInfoCsv(snd.stdout);
    return {
      cc,
      config: cfg.name,
      seconds,
      rows,
      trace: rowsToTrace(rows),
      receivedBytes: rcvLine === undefined ? 0 : (JSON.parse(rcvLine) as { bytes: number }).bytes,
      delayLine: JSON.parse(dlLine) as DelayLineStats,
      bottleneck: { sentPackets: tbf?.packets ?? 0, sentBytes: tbf?.bytes ?? 0, drops: tbf?.drops ?? 0 },
    };
  } finally {
    for (const p of procs) await stop(p);
    teardownSync();
    process.removeListener("exit", teardownSync);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}
