/**
 * @fileoverview The size of a run, estimated before it starts from what the
 * scenario fixes: link rates (a traced link's mean rate), the run's and each
 * flow's duration and `size`, the number of flows, the hops a packet
 * crosses, the sample interval and what the trace records. A run whose
 * estimate is above the budget (limits.ts defaults, `--max-events` and
 * `--max-output` raise them) is refused before it starts, with the figures,
 * instead of running for hours or filling a disk.
 *
 * The constants are measured on the scenarios in scenarios/ (about 3.6
 * simulator events per MTU-sized packet the bottleneck carries with no hop;
 * about 80 bytes per CSV flow sample, 40 per queue sample) and rounded up:
 * the estimate is meant to be an upper bound within a small factor.
 */
import type { TopologySpec } from "../../sim/api.js";
import type { Scenario } from "../scenario/types.js";
import { formatDuration, formatRate } from "../scenario/units.js";
import { formatBytes } from "../bounded-read.js";

/** Bits of one full-sized packet on the wire. */
const PACKET_BITS = 1500 * 8;
/** Payload bytes per packet (a `size` flow needs about size / MSS packets). */
const MSS = 1448;
/** Simulator events per packet for the bottleneck alone, and per extra hop. */
const EVENTS_PER_PACKET = 4;
const EVENTS_PER_PACKET_PER_HOP = 2;
/** Bytes of one CSV record by kind; JSON Lines records are about this much longer. */
const FLOW_SAMPLE_BYTES = 90;
const QUEUE_SAMPLE_BYTES = 45;
const HOOK_RECORD_BYTES = 80;
const DROP_RECORD_BYTES = 60;
const JSONL_FACTOR = 2.5;
/** Per-ACK hook records per packet with `hooks: all`; with `events`, a small fraction of packets has one. */
const HOOKS_ALL_PER_PACKET = 2;
const HOOKS_EVENTS_PER_PACKET = 0.02;
/** Share of packets assumed dropped when every drop is recorded. */
const DROP_SHARE = 0.05;

/** What a run is expected to cost. */
export interface RunEstimate {
  /** Simulator events. */
  readonly events: number;
  /** Bytes of trace files (flows, queues, events). */
  readonly outputBytes: number;
  /** Packets the path carries, and the figures they come from, for the message. */
  readonly packets: number;
  readonly pathRateBps: number;
}

/** The run's budget. */
export interface RunBudget {
  readonly maxEvents: number;
  readonly maxOutputBytes: number;
}

/** Mean rate of a link direction: its rate, or a traced link's opportunities per period. */
function meanRate(l: TopologySpec["links"][number]): number {
  const t = l.trace;
  if (t === undefined) return l.rateBps;
  const periodMs = t.opportunitiesMs[t.opportunitiesMs.length - 1] as number;
  return (t.opportunitiesMs.length * PACKET_BITS) / (periodMs / 1000);
}

/**
 * Estimates a run of `s` on the built topology (traces already read).
 * Pure and cheap: O(flows + links).
 */
export function estimateRun(s: Scenario, topology: TopologySpec): RunEstimate {
  const hops = s.topology.hops.length;
  const chain = topology.links.filter((l) => l.id === "bottleneck" || /^hop\d+$/.test(l.id ?? ""));
  const pathRateBps = Math.min(...chain.map(meanRate));
  const end = s.durationNs;
  let flowPackets = 0;
  let flowSeconds = 0;
  let first = end;
  let last = 0;
  for (const f of s.flows) {
    const stop = Math.min(f.stopNs ?? end, end);
    const secs = Math.max(0, stop - f.startNs) / 1e9;
    first = Math.min(first, f.startNs);
    last = Math.max(last, stop);
    flowSeconds += secs;
    let pk = (pathRateBps * secs) / PACKET_BITS;
    if (f.bytes !== undefined) pk = Math.min(pk, f.bytes / MSS + 10);
    flowPackets += pk;
  }
  // Flows share the path: together they cannot carry more than it does while any of them runs.
  const packets = Math.min(flowPackets, (pathRateBps * Math.max(0, last - first)) / 1e9 / PACKET_BITS);
  const samples = s.outputs.sampleNs > 0 ? end / s.outputs.sampleNs : 0;
  const events = packets * (EVENTS_PER_PACKET + EVENTS_PER_PACKET_PER_HOP * hops) + samples + s.flows.length * 10 + s.actions.length;
  const queueDirs = 2 * (1 + hops);
  const flowSamples = s.outputs.sampleNs > 0 ? (flowSeconds * 1e9) / s.outputs.sampleNs : 0;
  const hookRecords = packets * (s.outputs.hooks === "all" ? HOOKS_ALL_PER_PACKET : s.outputs.hooks === "events" ? HOOKS_EVENTS_PER_PACKET : 0);
  const drops = s.outputs.drops ? packets * DROP_SHARE : 0;
  const csvBytes = flowSamples * FLOW_SAMPLE_BYTES + samples * queueDirs * QUEUE_SAMPLE_BYTES + hookRecords * HOOK_RECORD_BYTES + drops * DROP_RECORD_BYTES;
  const outputBytes = csvBytes * (s.outputs.format === "jsonl" ? JSONL_FACTOR : 1);
  return { events: Math.ceil(events), outputBytes: Math.ceil(outputBytes), packets: Math.ceil(packets), pathRateBps };
}

/** 1.2M, 35k: a count as a person reads it. */
function formatCount(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(3))}G`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(3))}k`;
  return String(n);
}

/**
 * The reasons a run exceeds its budget, each with the estimate, the budget and the option that raises it; empty when it fits.
 */
export function overBudget(s: Scenario, e: RunEstimate, b: RunBudget): string[] {
  const what = `${s.flows.length} flow${s.flows.length === 1 ? "" : "s"} over a ${formatRate(e.pathRateBps)} path for ${formatDuration(s.durationNs)}, about ${formatCount(e.packets)} packets`;
  const out: string[] = [];
  if (e.events > b.maxEvents) {
    out.push(`the run is estimated at ${formatCount(e.events)} simulator events (${what}), above the budget of ${formatCount(b.maxEvents)}: raise it with --max-events ${e.events}, or shorten the run, lower the rates or run fewer flows`);
  }
  if (e.outputBytes > b.maxOutputBytes) {
    out.push(`the run is estimated to write ${formatBytes(e.outputBytes)} of traces (${what}, a sample every ${formatDuration(s.outputs.sampleNs)}, hooks: ${s.outputs.hooks}${s.outputs.drops ? ", drops: true" : ""}), above the budget of ${formatBytes(b.maxOutputBytes)}: raise it with --max-output ${e.outputBytes}, or sample less often, record fewer hooks, or shorten the run`);
  }
  return out;
}
