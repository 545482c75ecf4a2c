/**
 * @fileoverview The per-field and per-kfunc probe suite of issue #19
 * (test/fixtures/fields.bpf.c): one small congestion control per socket
 * field read, per field written and per kfunc, run on one kernel through
 * any Backend (the model's, or this machine's Linux in a private netns).
 *
 * {@link runFieldsSuite} loads, in one object load, every probe that must
 * load (fields.bpf.c: the reads, the allowed writes, the kfuncs of the
 * default configuration), registers each as its own congestion control and
 * opens one loopback connection per read or write probe (a listener of its
 * own, the client choosing the probe with setsockopt(TCP_CONGESTION)); then
 * it loads each probe a kernel refuses (fields_bad.bpf.c) on its own. What it returns is what
 * the kernel said: each probe's load result (errno and the loader's or
 * verifier's text) and what each init() read or wrote back.
 */
import type { Backend } from "../../src/backend/backend.js";
import type { Btf } from "../../src/btf/btf.js";
import { BpfObject } from "../../src/lib/object.js";
import { BpfError } from "../../src/lib/errors.js";
import type { Target } from "../../src/lib/target.js";
import { fixture } from "../obj/helpers.js";

/** The read probes, in fields.bpf.c's FX_READ index order. */
export const READ_FIELDS = [
  "snd_cwnd", "snd_ssthresh", "snd_cwnd_cnt", "snd_cwnd_stamp", "snd_cwnd_clamp", "prior_cwnd", "prior_ssthresh",
  "sk_pacing_rate", "sk_max_pacing_rate", "sk_pacing_status", "ecn_flags", "app_limited", "reordering", "prr_out",
  "high_seq", "mdev_us", "srtt_us", "tcp_mstamp", "lost_out", "sacked_out", "retrans_out", "packets_out", "delivered",
  "delivered_ce", "snd_una", "snd_nxt", "rcv_nxt", "mss_cache", "lsndtime", "is_cwnd_limited", "icsk_ca_state",
  "icsk_ack_pending", "max_packets_out", "undo_marker", "undo_retrans", "retrans_stamp", "total_retrans", "mdev_max_us",
  "rttvar_us", "rtt_seq", "rate_delivered", "rate_interval_us", "lost", "sk_pacing_shift", "rtt_min",
  "icsk_ca_initialized", "icsk_ca_priv", "skc_state", "skc_family", "skc_num", "skc_dport", "inet_sport",
  "sk_gso_max_size", "delivered_mstamp",
] as const;
export type ReadField = (typeof READ_FIELDS)[number];

/** The write probes Linux allows (FX_WRITE order) and the value each stores. */
export const WRITES = [
  ["snd_cwnd", 17n], ["snd_cwnd_cnt", 3n], ["snd_cwnd_stamp", 12345n], ["snd_ssthresh", 77n], ["ecn_flags", 4n],
  ["app_limited", 5n], ["sk_pacing_rate", 123456789n], ["sk_pacing_status", 1n], ["icsk_ca_priv_first", 0x1122334455667788n],
  ["icsk_ca_priv_last", 0x8877665544332211n], ["icsk_ack_pending", 4n],
] as const;

/** The read-only fields written (FX_RO order), with their path in tcp_sock for the offset in the log line. */
export const READ_ONLY = [
  "mss_cache", "prr_out", "snd_cwnd_clamp", "srtt_us", "reordering", "high_seq", "sk_max_pacing_rate", "rcv_nxt",
  "snd_una", "packets_out", "delivered", "lost_out", "undo_marker", "mdev_us", "prior_cwnd", "icsk_rto",
] as const;

/** The kfunc probes (FX_KF index order): reno's helpers, cubic's and bbr's sets, dctcp's, one function in no set. */
export const KFUNCS = [
  "tcp_reno_ssthresh", "tcp_reno_cong_avoid", "tcp_reno_undo_cwnd", "tcp_slow_start", "tcp_cong_avoid_ai",
  "cubictcp_init", "cubictcp_recalc_ssthresh", "cubictcp_cong_avoid", "cubictcp_state", "cubictcp_cwnd_event", "cubictcp_acked",
  "bbr_init", "bbr_main", "bbr_sndbuf_expand", "bbr_undo_cwnd", "bbr_cwnd_event", "bbr_ssthresh", "bbr_min_tso_segs", "bbr_set_state",
  "dctcp_init", "dctcp_update_alpha", "dctcp_cwnd_event", "dctcp_ssthresh", "dctcp_cwnd_undo", "dctcp_state",
  "tcp_init_sock",
] as const;

/** Kfunc probes a kernel without dctcp built in, or any kernel, refuses: loaded one at a time. */
const KFUNC_REFUSED: ReadonlySet<string> = new Set(KFUNCS.filter((f) => f.startsWith("dctcp_") || f === "tcp_init_sock"));

/** What one read probe's init() recorded. */
export interface ReadRecord {
  /** The field's value. */
  readonly val: bigint;
  /** The reference read on the same socket (fields.bpf.c's FX_READ `ref`), 0 for most. */
  readonly ref: bigint;
  /** tcp_jiffies32 and the monotonic clock (µs) when init() ran. */
  readonly jif: bigint;
  readonly us: bigint;
  /** How often init() ran. */
  readonly n: bigint;
}

export interface SuiteRun {
  /** Per probe map: "ok" or "<ERRNO>: <detail>" with each read-only field's offset written OFF(field). */
  readonly loads: Readonly<Record<string, string>>;
  readonly reads: Readonly<Record<ReadField, ReadRecord>>;
  /** Per write probe: the value init() read back after its store, and its runs. */
  readonly writes: Readonly<Record<string, { readonly val: bigint; readonly n: bigint }>>;
  /** The port every probe's client connected to. */
  readonly port: number;
}

const readMap = (f: string): string => `fx_rd_${f}_ca`;
const writeMap = (f: string): string => `fx_wr_${f}_ca`;
const roMap = (f: string): string => `fx_ro_${f}_ca`;
const kfMap = (f: string): string => `fx_kf_${f}_ca`;

/** The probe maps of the suite, by group. */
export const PROBE_MAPS = {
  reads: READ_FIELDS.map(readMap),
  writes: WRITES.map(([f]) => writeMap(f)),
  readOnly: [...READ_ONLY.map(roMap), "fx_ro_rs_ca"],
  kfuncs: KFUNCS.map(kfMap),
};

function open(name: "fields" | "fields_bad"): BpfObject {
  return BpfObject.open(fixture(name, "linux"), { name });
}

function loadResult(e: unknown, offsets: ReadonlyMap<number, string>): string {
  if (!(e instanceof BpfError)) throw e;
  const detail = e.detail.replace(/at off (\d+)/g, (all, n: string) => {
    const f = offsets.get(Number(n));
    return f === undefined ? all : `at off OFF(${f})`;
  });
  return `${e.errnoName}: ${detail}`;
}

function u64s(b: Uint8Array): (i: number) => bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return (i) => dv.getBigUint64(i * 8, true);
}

/**
 * Runs the suite on `be`: `btf` is that kernel's vmlinux BTF (it names the
 * offsets in refusals), `target` the load target (the host's BTF for Linux).
 * Every socket, link and object it makes is closed before it returns.
 */
export function runFieldsSuite(be: Backend, btf: Btf, target?: Target): SuiteRun {
  const opts = target === undefined ? {} : { target };
  const offsets = new Map(READ_ONLY.map((f) => [btf.offsetOf("tcp_sock", f), f] as const));
  const loads: Record<string, string> = {};
  const batch = [...PROBE_MAPS.reads, ...PROBE_MAPS.writes, ...PROBE_MAPS.kfuncs.filter((m) => !KFUNC_REFUSED.has(m.slice(6, -3)))];
  const obj = open("fields");
  const fds: number[] = [];
  const links: { close(): void }[] = [];
  try {
    for (const m of batch) obj.map(m).setAutocreate(true);
    try {
      obj.load(be, opts);
      for (const m of batch) loads[m] = "ok";
    } catch {
      // One probe broke the batch: say which, by loading each on its own.
      for (const m of batch) loads[m] = loadOne(be, "fields", m, opts, offsets);
      return { loads, reads: {} as SuiteRun["reads"], writes: {}, port: 0 };
    }
    for (const m of batch) links.push(obj.attachStructOps(m));
    const l = be.tcpSocket();
    fds.push(l.ret);
    if (l.errno !== 0 || be.bind(l.ret, 0).errno !== 0 || be.listen(l.ret, 128).errno !== 0) throw new Error("fields suite: no listener");
    const port = be.localPort(l.ret).port;
    const connectAs = (ca: string): void => {
      const c = be.tcpSocket();
      fds.push(c.ret);
      const e = [be.setCongestion(c.ret, ca).errno, be.connect(c.ret, port).errno];
      if (e.some((x) => x !== 0)) throw new Error(`fields suite: connect with ${ca}: errno ${e.join(", ")}`);
      fds.push(be.accept(l.ret).ret);
    };
    READ_FIELDS.forEach((_, i) => connectAs(`fxr${i}`));
    WRITES.forEach((_, i) => connectAs(`fxw${i}`));
    const v = (n: string): ((i: number) => bigint) => u64s(obj.variable(n).get());
    const [val, ref, jif, us, cnt, wval, wcnt] = ["fx_rd_val", "fx_rd_ref", "fx_rd_jif", "fx_rd_us", "fx_rd_cnt", "fx_wr_val", "fx_wr_cnt"].map(v) as [
      (i: number) => bigint, (i: number) => bigint, (i: number) => bigint, (i: number) => bigint, (i: number) => bigint, (i: number) => bigint, (i: number) => bigint,
    ];
    const reads = Object.fromEntries(READ_FIELDS.map((f, i) => [f, { val: val(i), ref: ref(i), jif: jif(i), us: us(i), n: cnt(i) }])) as Record<ReadField, ReadRecord>;
    const writes = Object.fromEntries(WRITES.map(([f], i) => [f, { val: wval(i), n: wcnt(i) }]));
    for (const m of [...PROBE_MAPS.readOnly, ...PROBE_MAPS.kfuncs.filter((x) => KFUNC_REFUSED.has(x.slice(6, -3)))]) loads[m] = loadOne(be, "fields_bad", m, opts, offsets);
    return { loads, reads, writes, port };
  } finally {
    for (const fd of fds.reverse()) if (fd >= 0) be.close(fd);
    for (const link of links) link.close();
    obj.close();
  }
}

function loadOne(be: Backend, file: "fields" | "fields_bad", map: string, opts: { target?: Target }, offsets: ReadonlyMap<number, string>): string {
  const obj = open(file);
  try {
    obj.map(map).setAutocreate(true);
    obj.load(be, opts);
    return "ok";
  } catch (e) {
    return loadResult(e, offsets);
  } finally {
    obj.close();
  }
}
