/**
 * @fileoverview The per-field probe (test/fixtures/probe.bpf.c, "fx_probe")
 * on both kernels: it records, at every hook, the tcp_sock, inet_connection_sock
 * and sock fields a congestion control reads (docs/tcp-sock-fields.md).
 *
 * - {@link runProbeModel}: the model's testbed, the fidelity configuration's
 *   path (test/fidelity/sim-adapter.ts) with one fx_probe flow.
 * - {@link runProbeLinux}: this machine's Linux, fx_probe registered through
 *   the Linux backend (in its private netns), one real TCP transfer over
 *   veth + tbf + delay line (test/fidelity/linux-testbed.ts).
 *
 * Each returns the per-field statistics the program kept and the cwnd
 * trajectory; {@link fieldClass} reduces a field to what both kernels must
 * agree on (zero, constant or live), never its exact values.
 */
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import type { ProgFaultCount } from "../../src/lib/kernel.js";
import { hostTarget } from "../../src/lib/target.js";
import { runTestbed } from "../../src/testbed/index.js";
import type { TraceRecord } from "../../src/sim/api.js";
import { fixture } from "../obj/helpers.js";
import type { FidelityConfig } from "../fidelity/configs.js";
import { runLinuxFlow } from "../fidelity/linux-testbed.js";
import type { LinuxRun, Tools } from "../fidelity/linux-testbed.js";
import type { CwndSample } from "../fidelity/metrics.js";
import { simSpecFor, simTrace } from "../fidelity/sim-adapter.js";

/** The recorded fields, in probe.bpf.c's `enum fx_field` order. */
export const PROBE_FIELDS = [
  "snd_cwnd", "snd_ssthresh", "snd_cwnd_cnt", "snd_cwnd_stamp", "snd_cwnd_clamp", "prior_cwnd", "prior_ssthresh",
  "sk_pacing_rate", "sk_max_pacing_rate", "sk_pacing_status", "ecn_flags", "app_limited", "reordering",
  "prr_out", "high_seq", "mdev_us", "srtt_us", "tcp_mstamp", "lost_out", "sacked_out", "retrans_out",
  "packets_out", "delivered", "delivered_ce", "snd_una", "snd_nxt", "rcv_nxt", "mss_cache", "lsndtime",
  "is_cwnd_limited", "icsk_ca_state", "icsk_ack.pending", "max_packets_out", "undo_marker", "undo_retrans",
  "retrans_stamp", "total_retrans", "mdev_max_us", "rttvar_us", "rtt_seq", "rate_delivered",
  "rate_interval_us", "lost",
] as const;
export type ProbeField = (typeof PROBE_FIELDS)[number];

/** probe.bpf.c's `enum fx_hook` order. */
export const PROBE_HOOKS = ["init", "ssthresh", "cong_control", "set_state", "cwnd_event", "pkts_acked", "undo_cwnd"] as const;

/** What fx_probe kept of one field (struct fx_stat). */
export interface FieldStat {
  readonly n: bigint;
  readonly zero: bigint;
  readonly first: bigint;
  readonly last: bigint;
  readonly min: bigint;
  readonly max: bigint;
  readonly changes: bigint;
}

/** One probe run. */
export interface ProbeRun {
  readonly fields: Readonly<Record<ProbeField, FieldStat>>;
  readonly hooks: Readonly<Record<(typeof PROBE_HOOKS)[number], bigint>>;
  readonly trace: readonly CwndSample[];
}

const STAT_WORDS = 7;

function decode(stats: Uint8Array, hooks: Uint8Array): Omit<ProbeRun, "trace"> {
  const sv = new DataView(stats.buffer, stats.byteOffset, stats.byteLength);
  const hv = new DataView(hooks.buffer, hooks.byteOffset, hooks.byteLength);
  if (stats.byteLength !== PROBE_FIELDS.length * STAT_WORDS * 8) throw new Error(`fx_probe_stats is ${stats.byteLength} bytes, not ${PROBE_FIELDS.length} fields`);
  const fields = {} as Record<ProbeField, FieldStat>;
  PROBE_FIELDS.forEach((name, i) => {
    const w = (k: number): bigint => sv.getBigUint64((i * STAT_WORDS + k) * 8, true);
    fields[name] = { n: w(0), zero: w(1), first: w(2), last: w(3), min: w(4), max: w(5), changes: w(6) };
  });
  const hookCounts = {} as Record<(typeof PROBE_HOOKS)[number], bigint>;
  PROBE_HOOKS.forEach((h, i) => (hookCounts[h] = hv.getBigUint64(i * 8, true)));
  return { fields, hooks: hookCounts };
}

function readProbe(obj: BpfObject): Omit<ProbeRun, "trace"> {
  return decode(obj.variable("fx_probe_stats").get(), obj.variable("fx_probe_hooks").get());
}

/** zero: never anything but 0; constant: one nonzero value throughout; live: changed while the flow ran. */
export type FieldClass = "zero" | "constant" | "live";

export function fieldClass(s: FieldStat): FieldClass {
  if (s.max === 0n) return "zero";
  return s.changes === 0n ? "constant" : "live";
}

/** fx_probe on the model's testbed: `cfg`'s path for `seconds`, its faults (must be none) and what it recorded. */
export function runProbeModel(cfg: FidelityConfig, seconds: number): ProbeRun & { readonly faults: readonly ProgFaultCount[] } {
  const kernel = new EmulatedKernel();
  const process = kernel.process("probe");
  const obj = BpfObject.open(fixture("probe", "linux"), { name: "probe" });
  try {
    obj.load(process);
    const link = obj.attachStructOps("fx_probe");
    const records: TraceRecord[] = [];
    runTestbed(simSpecFor(cfg, "fx_probe", seconds), { seed: 1, kernel, process, onRecord: (r) => records.push(r) });
    const out = { ...readProbe(obj), trace: simTrace(records), faults: kernel.progFaults() };
    link.close();
    return out;
  } finally {
    obj.close();
  }
}

/**
 * fx_probe on this machine's Linux: registered through the Linux backend
 * (a private netns; the registration itself is global while the link
 * lives), one flow over the Linux testbed, then unregistered.
 */
export async function runProbeLinux(tools: Tools, cfg: FidelityConfig, seconds: number, seed = 1): Promise<ProbeRun & { readonly linux: LinuxRun }> {
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) throw new Error(`Linux backend: ${o.reason}`);
  const be = o.backend;
  const obj = BpfObject.open(fixture("probe", "linux"), { name: "probe" });
  try {
    obj.load(be, { target: hostTarget() });
    const link = obj.attachStructOps("fx_probe");
    try {
      const run = await runLinuxFlow(tools, cfg, "fx_probe", { seconds, seed });
      return { ...readProbe(obj), trace: run.trace, linux: run };
    } finally {
      link.close();
    }
  } finally {
    obj.close();
    be.dispose();
  }
}
