/**
 * @fileoverview The network of the Linux testbed: three network namespaces
 * joined by veth, a token-bucket bottleneck (sch_tbf with a pfifo or bfifo
 * child) and a delay line, built with `ip` and `tc` (iproute2) entirely
 * inside namespaces of its own, so the root namespace's routes, qdiscs and
 * sysctls are never touched.
 *
 *   sender ns            router ns                          receiver ns
 *   s0 10.201.1.1 --veth-- rs 10.201.1.254
 *                          dl0 (TUN, delay line, one-way delay each way)
 *                          rr 10.201.2.254 [tbf + fifo] --veth-- r0 10.201.2.1
 *
 * Both directions enter the router on a veth and are policy-routed into the
 * TUN device (`ip rule iif rs|rr lookup 100`, table 100: default dev dl0);
 * the delay-line program (native/testbed/delayline.c) writes them back into
 * dl0 after the delay, and the main table's connected routes take them on.
 * docs/fidelity.md says why this kernel needs a delay line (no sch_netem, no
 * sch_fq for EDT) and what the choices cost.
 *
 * Namespace names start with {@link NS_PREFIX} and carry the creating
 * process's pid, so the namespaces a killed run left behind are found and
 * deleted at the next start ({@link removeStaleNamespaces}).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A failure of the Linux testbed, naming the command or step that failed. */
export class TestbedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestbedError";
  }
}

/** Every namespace of the testbed is named `<prefix><pid>-<n>-<s|m|r>`. */
export const NS_PREFIX = "structops-tb-";
const NS_NAME = /^structops-tb-(\d+)-[a-z0-9]+-[smr]$/;
const NS_SCRATCH = /^structops-tb-(\d+)-\d+$/;
export const SENDER_IP = "10.201.1.1";
export const RECEIVER_IP = "10.201.2.1";
/** The sender side's subnet: packets to it are the reverse (ACK) direction of the delay line. */
export const SENDER_NET = "10.201.1.0/24";
const ROUTE_TABLE = "100";
/** Bytes of a full-sized frame on the bottleneck (what sch_tbf and bfifo count): a 1500-byte IP packet and a 14-byte Ethernet header. */
export const FRAME_BYTES = 1514;

/** The three namespaces of one run. */
export interface NsNames {
  readonly sender: string;
  readonly router: string;
  readonly receiver: string;
}

let runCounter = 0;
/** Names for a new run of this process. */
export function freshNames(): NsNames {
  const base = `${NS_PREFIX}${process.pid}-${runCounter++}`;
  return { sender: `${base}-s`, router: `${base}-m`, receiver: `${base}-r` };
}

/** The bottleneck as sch_tbf enforces it: rate in bits/s of L2 frames, the fifo's limit in packets or bytes. */
export interface BottleneckQdisc {
  readonly rateBps: number;
  readonly queue: { readonly packets: number } | { readonly bytes: number };
  /** The sender's egress qdisc on s0: absent, none (veth's noqueue: TCP paces internally); `fq`, sch_fq with its defaults. */
  readonly senderQdisc?: "fq";
}

/** tbf parameters: the bucket holds two full frames (the queue is the fifo child, not the bucket). */
export function tbfArgs(q: BottleneckQdisc): string[] {
  const limit = "packets" in q.queue ? q.queue.packets * FRAME_BYTES * 2 : q.queue.bytes * 2;
  return ["rate", `${Math.round(q.rateBps)}bit`, "burst", String(2 * FRAME_BYTES), "limit", String(Math.max(2 * FRAME_BYTES, limit))];
}

/** The fifo child of tbf: pfifo with a packet limit, or bfifo with a byte limit. */
export function fifoArgs(q: BottleneckQdisc): string[] {
  return "packets" in q.queue ? ["pfifo", "limit", String(q.queue.packets)] : ["bfifo", "limit", String(q.queue.bytes)];
}

/**
 * The `ip`/`tc`/`sysctl` argv lists that build the topology up to (not
 * including) the delay line, in order. Pure, so the topology is testable and
 * printable without root.
 */
export function topologyCommands(n: NsNames, q: BottleneckQdisc): string[][] {
  const { sender: S, router: M, receiver: R } = n;
  const sysctl = (ns: string, ...kv: string[]): string[] => ["ip", "netns", "exec", ns, "sysctl", "-qw", ...kv];
  // One segment per skb: no TSO/GSO super-packets on the path, so queue and cwnd count the same packets.
  const up = (ns: string, dev: string): string[] => ["ip", "-n", ns, "link", "set", "dev", dev, "mtu", "1500", "gso_max_segs", "1", "up"];
  // Grouped by namespace, so runCommands starts one `ip -batch` per group.
  return [
    ["ip", "netns", "add", S],
    ["ip", "netns", "add", M],
    ["ip", "netns", "add", R],
    // Veths are created inside the router namespace with the peer moved straight into its namespace.
    ["ip", "-n", M, "link", "add", "rs", "type", "veth", "peer", "name", "s0", "netns", S],
    ["ip", "-n", M, "link", "add", "rr", "type", "veth", "peer", "name", "r0", "netns", R],
    up(M, "rs"),
    up(M, "rr"),
    ["ip", "-n", M, "link", "set", "lo", "up"],
    ["ip", "-n", M, "addr", "add", "10.201.1.254/24", "dev", "rs"],
    ["ip", "-n", M, "addr", "add", "10.201.2.254/24", "dev", "rr"],
    up(S, "s0"),
    ["ip", "-n", S, "link", "set", "lo", "up"],
    ["ip", "-n", S, "addr", "add", `${SENDER_IP}/24`, "dev", "s0"],
    ["ip", "-n", S, "route", "add", "default", "via", "10.201.1.254"],
    up(R, "r0"),
    ["ip", "-n", R, "link", "set", "lo", "up"],
    ["ip", "-n", R, "addr", "add", `${RECEIVER_IP}/24`, "dev", "r0"],
    ["ip", "-n", R, "route", "add", "default", "via", "10.201.2.254"],
    sysctl(M, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"),
    // A fresh namespace has no cached metrics; say so anyway so a reused one would not carry ssthresh over.
    sysctl(S, "net.ipv4.tcp_no_metrics_save=1"),
    sysctl(R, "net.ipv4.tcp_no_metrics_save=1"),
    ["tc", "-n", M, "qdisc", "add", "dev", "rr", "root", "handle", "1:", "tbf", ...tbfArgs(q)],
    ["tc", "-n", M, "qdisc", "add", "dev", "rr", "parent", "1:1", "handle", "10:", ...fifoArgs(q)],
    ...(q.senderQdisc === "fq" ? [["tc", "-n", S, "qdisc", "add", "dev", "s0", "root", "fq"]] : []),
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

/** Runs one command; throws TestbedError with its argv and stderr when it fails. */
export function runCommand(argv: readonly string[], timeoutMs = 10_000, input?: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8", timeout: timeoutMs, ...(input !== undefined ? { input } : {}) });
  const what = input === undefined ? argv.join(" ") : `${argv.join(" ")} (${input.trim().split("\n").join("; ")})`;
  if (r.error) throw new TestbedError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new TestbedError(`${what}: exit ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Runs commands in order; consecutive `ip -n NS` (or `tc -n NS`) commands of
 * one namespace run as one `ip -n NS -batch -` process (their arguments hold
 * no spaces), which is what makes a run's set-up quick on a busy machine.
 */
export function runCommands(list: readonly (readonly string[])[]): void {
  const key = (a: readonly string[]): string | undefined => ((a[0] === "ip" || a[0] === "tc") && a[1] === "-n" ? `${a[0]} ${a[2]}` : undefined);
  for (let i = 0; i < list.length;) {
    const a = list[i] as readonly string[];
    const k = key(a);
    let j = i + 1;
    while (k !== undefined && j < list.length && key(list[j] as readonly string[]) === k) j++;
    if (j - i === 1) runCommand(a);
    else runCommand([a[0] as string, "-n", a[2] as string, "-batch", "-"], 10_000, list.slice(i, j).map((c) => c.slice(3).join(" ")).join("\n") + "\n");
    i = j;
  }
}

/** The named network namespaces (`ip netns list`). */
export function listNetns(): string[] {
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

/**
 * Deletes the testbed's namespaces whose creating process is gone (a run
 * killed with SIGKILL, or a crash), and that run's scratch folder in the
 * temporary directory (same name without the `-s|m|r` suffix).
 */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNetns()) {
    const m = NS_NAME.exec(ns);
    if (m === null || pidAlive(Number(m[1]))) continue;
    spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    removed.push(ns);
  }
  for (const d of readdirSync(tmpdir())) {
    const m = NS_SCRATCH.exec(d);
    if (m !== null && !pidAlive(Number(m[1]))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
  return removed;
}

/**
 * Whether this kernel has the qdisc `kind` (sch_fq for `fq`): `tc qdisc add
 * dev a0 root <kind>` on a veth in a scratch namespace, which the kernel
 * may satisfy by loading a module (request_module); on failure the reason
 * holds tc's own words ("Specified qdisc kind is unknown." without
 * CONFIG_NET_SCH_FQ). Needs root; changes nothing outside the scratch
 * namespace, which it deletes.
 */
export function probeQdisc(kind: string): Probe {
  const ns = `${NS_PREFIX}${process.pid}-qdisc-s`;
  try {
    runCommand(["ip", "netns", "add", ns]);
    runCommand(["ip", "-n", ns, "link", "add", "a0", "type", "veth", "peer", "name", "a1"]);
  } catch (e) {
    deleteNamespaces([ns]);
    return { ok: false, reason: `cannot build a scratch namespace to look for sch_${kind}: ${(e as Error).message}` };
  }
  const r = spawnSync("tc", ["-n", ns, "qdisc", "add", "dev", "a0", "root", kind], { encoding: "utf8", timeout: 10_000 });
  deleteNamespaces([ns]);
  if (r.status === 0) return { ok: true };
  const said = (r.stderr ?? "").trim().split("\n")[0] ?? "";
  return { ok: false, reason: `this kernel has no sch_${kind} (tc qdisc add ... ${kind}: ${said || `exit ${String(r.status)}`})` };
}

/** Deletes namespaces by name (missing ones are ignored). */
export function deleteNamespaces(names: readonly string[]): void {
  for (const ns of names) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
}

export type Probe = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The oldest kernel the Linux testbed runs on: BPF_LINK_UPDATE of struct_ops links (tcp_congestion_ops through bpf_link) came in 6.4. */
export const MIN_KERNEL: readonly [number, number] = [6, 4];

/** Whether kernel release `rel` (uname -r) is at least {@link MIN_KERNEL}. */
export function kernelAtLeast(rel: string, min: readonly [number, number] = MIN_KERNEL): boolean {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > min[0] || (a === min[0] && b >= min[1]);
}

/**
 * Whether this machine can run the Linux testbed: Linux 6.4 or later, root,
 * ip/tc/cc/stdbuf present, /dev/net/tun, and a scratch namespace with veth
 * and tbf. Changes nothing outside the scratch namespace, which it deletes.
 */
export function probeLinux(): Probe {
  if (process.platform !== "linux") return { ok: false, reason: `needs Linux: this is ${process.platform}` };
  const rel = existsSync("/proc/sys/kernel/osrelease") ? readFileSync("/proc/sys/kernel/osrelease", "utf8").trim() : "";
  if (!kernelAtLeast(rel)) return { ok: false, reason: `needs Linux ${MIN_KERNEL.join(".")} or later (struct_ops links); this kernel is ${rel || "unknown"}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for network namespaces, CAP_BPF for struct_ops)" };
  for (const tool of ["ip", "tc", "stdbuf", process.env.CC ?? "cc"]) {
    if (spawnSync("sh", ["-c", `command -v "$0"`, tool]).status !== 0) return { ok: false, reason: `'${tool}' is not installed` };
  }
  if (!existsSync("/dev/net/tun")) return { ok: false, reason: "/dev/net/tun is missing (CONFIG_TUN)" };
  removeStaleNamespaces();
  const ns = `${NS_PREFIX}${process.pid}-probe-s`;
  try {
    runCommand(["ip", "netns", "add", ns]);
    runCommand(["ip", "-n", ns, "link", "add", "a0", "type", "veth", "peer", "name", "a1"]);
    runCommand(["tc", "-n", ns, "qdisc", "add", "dev", "a0", "root", "handle", "1:", "tbf", "rate", "10mbit", "burst", "3028", "limit", "30000"]);
    runCommand(["tc", "-n", ns, "qdisc", "add", "dev", "a0", "parent", "1:1", "pfifo", "limit", "10"]);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `network namespaces, veth or tbf unusable: ${(e as Error).message}` };
  } finally {
    deleteNamespaces([ns]);
  }
}
