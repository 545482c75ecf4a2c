/**
 * @fileoverview The public, programmatic API of the TCP testbed simulator:
 * what a run is made of (topology, flows, timed actions), what it reports
 * (trace records, a summary) and how it is driven (progress, a record sink).
 * Types only; the engine lives in `run.ts` and the composition with the
 * emulated kernel in `src/testbed/`.
 *
 * Units are fixed and spelled in names: time is integer nanoseconds of
 * simulated time (`Ns`, a safe integer far below 2^53: 2^53 ns is 104 days),
 * rates are bits per second, sizes are bytes. Nothing here reads a wall clock.
 *
 * Stability: this file only grows (new optional fields, new record types).
 *
 * @example
 * // A dumbbell with two flows, a congestion-control change at 5 s, 10 s long
 * // (the composition root provides the emulated kernel and performs bpf(2)).
 * import { dumbbell, MS, SEC } from "../sim/index.js";
 * import { runTestbed } from "../testbed/index.js";
 * const topo = dumbbell({ pairs: 2, bottleneck: { rateBps: 100e6, delayNs: 10 * MS, queue: { kind: "droptail", packets: 100 } } });
 * const result = runTestbed({
 *   topology: topo,
 *   flows: [
 *     { id: "a", from: "s0", to: "r0", startNs: 0, cc: "reno" },
 *     { id: "b", from: "s1", to: "r1", startNs: 0, cc: "cubic" },
 *   ],
 *   durationNs: 10 * SEC,
 *   actions: [{ atNs: 5 * SEC, label: "b to reno", run: (ctx) => ctx.sim.setCongestion("b", "reno") }],
 * }, { seed: 1, onRecord: (r) => lines.push(formatRecord(r)) });
 * console.log(result.flows.map((f) => f.throughputBps));
 */
import type { TcpCongestionOps } from "../uapi/tcp-cc.js";

/** Simulated time or duration in integer nanoseconds. */
export type Ns = number;

/** One microsecond, millisecond and second in {@link Ns}. */
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

// ---------------------------------------------------------------------------
// Topology
// ---------------------------------------------------------------------------

/**
 * A queue discipline at the head of a link direction.
 * - `droptail`: FIFO dropping arrivals once `packets` or `bytes` would be exceeded
 *   (either limit, whichever is set; both may be).
 * - `red`: RED (Floyd & Jacobson 1993, as Linux sch_red): EWMA of the queue in
 *   bytes with weight 2^-`wlog`, drop/mark probability rising from 0 at `minBytes`
 *   to `maxP` at `maxBytes`; arrivals above `limitBytes` are dropped. With `ecn`,
 *   ECN-capable packets are CE-marked instead of dropped below `maxBytes`.
 * - `step`: DCTCP-style step marking: an ECN-capable packet arriving while the
 *   instantaneous queue holds ≥ `markPackets` packets (or `markBytes`) is CE-marked;
 *   drop-tail at `packets`/`bytes` otherwise.
 */
export type QueueSpec =
  | { readonly kind: "droptail"; readonly packets?: number; readonly bytes?: number }
  | {
      readonly kind: "red";
      readonly limitBytes: number;
      readonly minBytes: number;
      readonly maxBytes: number;
      /** Maximum probability at maxBytes (0 < maxP ≤ 1). Default 0.1. */
      readonly maxP?: number;
      /** EWMA weight exponent: weight 2^-wlog. Default 9. */
      readonly wlog?: number;
      /** Mark instead of drop for ECN-capable packets. Default false. */
      readonly ecn?: boolean;
    }
  | {
      readonly kind: "step";
      readonly markPackets?: number;
      readonly markBytes?: number;
      readonly packets?: number;
      readonly bytes?: number;
    };

/**
 * A link capacity trace in mahimahi's format: each entry is a millisecond
 * timestamp at which one 1500-byte delivery opportunity occurs (repeated
 * timestamps give several opportunities in that ms). The trace loops with a
 * period of its last timestamp, as mahimahi's does.
 */
export interface CapacityTrace {
  /** Non-decreasing ms timestamps; the last one (> 0) is the period. */
  readonly opportunitiesMs: readonly number[];
  /** Name shown in reports (e.g. the file name). */
  readonly name?: string;
}

/** Parameters of one direction of a link. */
export interface LinkDirSpec {
  /** Serialization rate in bits per second (ignored when `trace` is set). */
  readonly rateBps: number;
  /** One-way propagation delay. */
  readonly delayNs: Ns;
  /** Queue at the sending end. Default: drop-tail of 1000 packets. */
  readonly queue?: QueueSpec;
  /** Probability in [0, 1) that a packet is lost on the wire (after the queue). Default 0. */
  readonly lossRate?: number;
  /** When set, capacity follows this trace instead of `rateBps`. */
  readonly trace?: CapacityTrace;
  /**
   * When set, `rateBps` is enforced by a token bucket of this many bytes
   * (Linux sch_tbf's `burst` with a child queue) instead of a serializing
   * transmitter: a packet leaves whole as soon as the bucket holds its size,
   * and occupies the queue (counts against its limit) until then; the bucket
   * starts full and refills at `rateBps` up to this depth, so after an idle
   * period up to this many bytes leave at once. A packet larger than the
   * bucket is dropped, as tbf does. Not with `trace`.
   */
  readonly tokenBucketBytes?: number;
  /**
   * Bytes this direction counts per packet on top of the simulator's packet
   * size (IP + TCP headers + payload): 14 for the Ethernet header sch_tbf
   * and bfifo see on a veth or Ethernet device. It lengthens the time per
   * packet at `rateBps` and counts against a queue's byte limit. Default 0.
   */
  readonly overheadBytes?: number;
  /**
   * Delay jitter: each packet's propagation delay is `delayNs` plus a draw
   * uniform in [0, jitterNs) from this direction's own seeded stream, then
   * raised if needed to the previous packet's arrival, so the direction
   * stays FIFO (no reordering, as a delay line or a host's softirq backlog).
   * 0 (the default) draws nothing: runs without jitter are exact.
   */
  readonly jitterNs?: Ns;
  /**
   * How the jitter is drawn: `uniform` (the default) in [0, jitterNs), or
   * `exponential` with mean jitterNs (floor(-jitterNs × ln(1 - u)), one draw
   * per packet from the same stream): the lateness of a single-threaded
   * delay line or softirq backlog, mostly a few µs and now and then much
   * more, as the Linux testbed's delay line measures it.
   */
  readonly jitterKind?: "uniform" | "exponential";
  /**
   * With `tokenBucketBytes`: how late the bucket's watchdog fires. When the
   * bucket is short of a packet's length, the packet leaves when the timer
   * armed for the moment the bucket holds it has fired (Linux sch_tbf's
   * `qdisc_watchdog`), late by a draw from this distribution on the
   * direction's own seeded stream; the bucket keeps filling meanwhile, up to
   * its depth, and what it cannot hold is capacity lost. Nothing else
   * dequeues during that time (the lateness stands for the host not running
   * the qdisc: arrivals do not release the packet). Absent (the default):
   * the watchdog is exact and nothing is drawn.
   */
  readonly watchdogLate?: LatenessSpec;
  /**
   * The direction's delay runs first, on a host element that sleeps and
   * wakes late (shared with the link's other direction when it has `wake`
   * too), and the queue or shaper after it: a packet is due `delayNs` after
   * it enters; one due after the element slept for at least `idleNs` (no
   * entry and no release in either direction since it last woke) is
   * released `late` (a draw from the distribution, on a stream of its own)
   * later, and the releases due meanwhile with it, in order. It stands for
   * a timer-driven element on a host whose CPU halts when idle, such as the
   * Linux testbed's delay line on a virtual machine (one thread for both
   * directions, in front of the tbf): a wake-up after it slept comes late
   * (the CPU's exit from halt), the ones while it is busy do not. The
   * handshake's packets find the path idle: each direction adds one draw to
   * the handshake's RTT. Absent, or a lateness of 0 (the default): the
   * queue comes first and nothing is drawn.
   */
  readonly wake?: { readonly idleNs: Ns; readonly late: LatenessSpec };
}

/**
 * A distribution of lateness, drawn once per timer firing: `constant`;
 * `uniform` in [0, maxNs); `exponential` of mean meanNs; `histogram`: bin i
 * covers [edgesNs[i-1], edgesNs[i]) (from 0 for the first) with weight
 * weights[i], uniform inside the bin (an empirical distribution, such as
 * the Linux testbed's measured timer lateness).
 */
export type LatenessSpec =
  | { readonly kind: "constant"; readonly ns: Ns }
  | { readonly kind: "uniform"; readonly maxNs: Ns }
  | { readonly kind: "exponential"; readonly meanNs: Ns }
  | { readonly kind: "histogram"; readonly edgesNs: readonly Ns[]; readonly weights: readonly number[] };

/**
 * A full-duplex link between two nodes. `a→b` uses the fields of the spec;
 * `b→a` uses them overridden by `reverse`.
 */
export interface LinkSpec extends LinkDirSpec {
  /** Name in traces; default `${a}-${b}`. Unique. */
  readonly id?: string;
  readonly a: string;
  readonly b: string;
  readonly reverse?: Partial<LinkDirSpec>;
}

/**
 * Nodes and links. A node is a host (flow endpoint) or a router; routes are
 * shortest paths in hops, ties broken by the order of `links`.
 */
export interface TopologySpec {
  readonly nodes: readonly string[];
  readonly links: readonly LinkSpec[];
}

/** Options of {@link DumbbellSpec}'s bottleneck and access links. */
export interface DumbbellSpec {
  /** Number of sender/receiver pairs: hosts `s0..s{n-1}` and `r0..r{n-1}`. */
  readonly pairs: number;
  /** The bottleneck `left`→`right` (its reverse carries the ACKs). */
  readonly bottleneck: LinkDirSpec & { readonly reverse?: Partial<LinkDirSpec> };
  /** Access links host↔router. Default: 10× the bottleneck rate (1 Gb/s if traced), 0 delay, 1000-packet drop-tail. */
  readonly access?: Partial<LinkDirSpec>;
  /** Per-pair extra one-way delay on sender access links (index = pair), for RTT diversity. */
  readonly accessDelayNs?: readonly Ns[];
}

// ---------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------

/** A bulk TCP transfer from `from` to `to`. */
export interface FlowSpec {
  /** Name in traces and summaries; unique. Default `f${index}`. */
  readonly id?: string;
  readonly from: string;
  readonly to: string;
  /** When the connection is established and starts sending. */
  readonly startNs: Ns;
  /** When the sender stops sending new data (the socket closes once all is ACKed). Default: run end. */
  readonly stopNs?: Ns;
  /** Bytes to send; the flow completes when all are ACKed. Default: unlimited until `stopNs`. */
  readonly bytes?: number;
  /**
   * setsockopt(TCP_CONGESTION) before connecting; default: the netns
   * default (net.ipv4.tcp_congestion_control) at `startNs`.
   */
  readonly cc?: string;
  /** Negotiate ECN (both ends ECN-capable). Default false. */
  readonly ecn?: boolean;
  /** MSS in bytes (payload per segment). Default 1448. */
  readonly mss?: number;
  /**
   * The sending application's write() size in bytes: where the sender sets
   * PSH (src/sim/tcp/psh.ts), and a Linux receiver ACKs a full-sized PSH
   * segment once its reader has emptied the queue instead of waiting for a
   * second segment (tcp_measure_rcv_mss, tcp_cleanup_rbuf). Default 65536,
   * the testbed writer's (native/testbed/flow.c); 0: no PSH at all.
   */
  readonly writeBytes?: number;
  /** Receiver: delayed ACKs (Linux quick-ack then 40 ms). Default true. */
  readonly delayedAck?: boolean;
  /** Data segments to lose on their way out of the sender (a replayed drop pattern); see {@link DropListSpec}. */
  readonly dropList?: DropListSpec;
  /**
   * The sender's egress qdisc. `none` (the default): TCP paces with its
   * internal pacing timer, and only a CA that asks for pacing (bbr) is
   * paced. `fq`: sch_fq, which switches the socket to SK_PACING_FQ (every
   * CA is paced, by EDT stamps released by the qdisc) and brings TCP Small
   * Queues into play (src/sim/tcp/fq.ts).
   */
  readonly qdisc?: "none" | "fq";
}

/**
 * A replayable drop pattern for one flow's data segments, applied as they
 * leave the sender (before any queue, like a delay line's loss on the data
 * path). Either or both lists may be given.
 */
export interface DropListSpec {
  /**
   * 1-based indices among the data segments the flow transmits, counting
   * retransmissions (1: the first data segment sent).
   */
  readonly segments?: readonly number[];
  /**
   * Sequence numbers relative to the first data byte (0 = the first byte):
   * the first transmission of the segment holding that byte is lost, its
   * retransmissions are not; a number listed n times loses the segment's
   * first n transmissions.
   */
  readonly seqs?: readonly number[];
}

// ---------------------------------------------------------------------------
// Timed actions
// ---------------------------------------------------------------------------

/** What the simulator lets an action do at its time. */
export interface SimActionContext {
  /** Current simulated time. */
  readonly nowNs: Ns;
  /**
   * setsockopt(TCP_CONGESTION) on the running socket of flow `flowId`.
   * Returns 0 or a negative errno (ENOENT unknown algorithm, EPERM, EBUSY,
   * ENOTCONN when the flow is not running).
   */
  setCongestion(flowId: string, name: string): number;
  /** Starts a new flow now (its `startNs` is ignored if earlier than now). Returns its id. */
  addFlow(spec: FlowSpec): string;
  /** Stops a flow from sending new data now. */
  stopFlow(flowId: string): void;
  /** getsockopt(TCP_CONGESTION) of a flow's socket, or undefined when not running. */
  congestionOf(flowId: string): string | undefined;
  /**
   * The ops a flow's socket holds (icsk_ca_ops), or undefined when not
   * running. After a BPF_LINK_UPDATE one name stands for other ops, so
   * comparing these, not names, tells whether something moved the flow.
   */
  congestionOpsOf(flowId: string): TcpCongestionOps | undefined;
  /** Ids of flows currently running. */
  runningFlows(): string[];
  /** Adds an `action` record (a marker for plots). */
  mark(label: string, detail?: string): void;
}

/** A callback run at simulated time `atNs` (before any packet event at that time). */
export interface SimAction<C = SimActionContext> {
  readonly atNs: Ns;
  /** Shown in traces and reports. */
  readonly label: string;
  run(ctx: C): void;
}

// ---------------------------------------------------------------------------
// Trace records
// ---------------------------------------------------------------------------

/** Congestion-control hook names (tcp_congestion_ops members the sender calls). */
export type CcHookName =
  | "init"
  | "release"
  | "ssthresh"
  | "cong_avoid"
  | "cong_control"
  | "set_state"
  | "cwnd_event"
  | "in_ack_event"
  | "pkts_acked"
  | "undo_cwnd";

/** Which trace records to produce. */
export interface TraceOptions {
  /** Interval of `flow` and `queue` samples; 0 disables sampling. Default 10 ms. */
  readonly sampleIntervalNs?: Ns;
  /**
   * `hook` records: "none" (default), "events" (every hook except the
   * per-ACK cong_avoid/cong_control/pkts_acked/in_ack_event), or "all".
   */
  readonly hooks?: "none" | "events" | "all";
  /** A `drop` record per dropped packet. Default false. */
  readonly drops?: boolean;
  /** A `ca_state` record per CA state change. Default true. */
  readonly caStates?: boolean;
}

/** enum tcp_ca_state names, indexed by value. */
export const CA_STATE_NAMES = ["Open", "Disorder", "CWR", "Recovery", "Loss"] as const;

/** A periodic per-flow sample of the sender. */
export interface FlowSampleRecord {
  readonly type: "flow";
  readonly t: Ns;
  readonly flow: string;
  readonly cc: string;
  /** snd_cwnd in packets. */
  readonly cwnd: number;
  /** snd_ssthresh in packets (0x7fffffff = infinite). */
  readonly ssthresh: number;
  /** icsk_ca_state (0 Open .. 4 Loss). */
  readonly caState: number;
  /** srtt_us >> 3 (µs), 0 before the first sample. */
  readonly srttUs: number;
  /** Latest RTT sample in µs (-1 if none yet). */
  readonly rttUs: number;
  /** packets in flight (tcp_packets_in_flight). */
  readonly inflight: number;
  /** Latest delivery-rate sample in bits/s (0 if none). */
  readonly deliveryRateBps: number;
  /** Cumulative bytes ACKed (bytes_acked). */
  readonly bytesAcked: number;
  /** Cumulative retransmitted segments (total_retrans). */
  readonly retrans: number;
  /** sk_pacing_rate in bytes/s (0 = unset). */
  readonly pacingRate: number;
  /**
   * Bytes delivered: tp->delivered (segments ACKed or SACKed) × MSS. Unlike
   * bytesAcked it grows when the receiver reports data by SACK, so it tracks
   * what crossed the path, not the jump of a cumulative ACK after a recovery.
   */
  readonly deliveredBytes: number;
}

/** A periodic sample of one link direction's queue. */
export interface QueueSampleRecord {
  readonly type: "queue";
  readonly t: Ns;
  readonly link: string;
  readonly bytes: number;
  readonly packets: number;
  /** Cumulative drops (queue overflow, AQM and random loss). */
  readonly drops: number;
  /** Cumulative CE marks. */
  readonly marks: number;
}

/** A CC hook call of a flow's socket. */
export interface HookRecord {
  readonly type: "hook";
  readonly t: Ns;
  readonly flow: string;
  /** Name of the algorithm whose hook ran (icsk_ca_ops->name). */
  readonly cc: string;
  readonly hook: CcHookName;
  /** The hook's integer arguments after `sk` (cong_avoid: ack, acked; set_state: state; ...). */
  readonly args: readonly number[];
  /** Return value for ssthresh / undo_cwnd. */
  readonly ret?: number;
  /** snd_cwnd after the hook. */
  readonly cwnd: number;
}

/** A change of icsk_ca_state. */
export interface CaStateRecord {
  readonly type: "ca_state";
  readonly t: Ns;
  readonly flow: string;
  readonly from: number;
  readonly to: number;
}

/** A dropped packet. */
export interface DropRecord {
  readonly type: "drop";
  readonly t: Ns;
  readonly link: string;
  readonly flow: string;
  /** "queue" (tail drop), "aqm" (RED early drop), "loss" (random wire loss). */
  readonly reason: "queue" | "aqm" | "loss";
  /** Segment number (seq / mss) or -1 for an ACK. */
  readonly seg: number;
}

/** A flow's lifecycle: start (socket established), cc change, stop, end (closed). */
export interface FlowEventRecord {
  readonly type: "flow_event";
  readonly t: Ns;
  readonly flow: string;
  readonly event: "start" | "cc_change" | "stop" | "end";
  /** The algorithm after the event. */
  readonly cc: string;
  /** For cc_change, the previous algorithm. */
  readonly prevCc?: string;
}

/** A timed action ran (or `mark()` was called). */
export interface ActionRecord {
  readonly type: "action";
  readonly t: Ns;
  readonly label: string;
  readonly detail?: string;
  /** 0, or the negative errno the action reported through `mark`'s detail convention. */
  readonly error?: string;
}

/** Every record the simulator emits, discriminated by `type`. */
export type TraceRecord = FlowSampleRecord | QueueSampleRecord | HookRecord | CaStateRecord | DropRecord | FlowEventRecord | ActionRecord;

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/** Summary of one flow. */
export interface FlowSummary {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** The algorithm at start and at the end (they differ after a setsockopt action). */
  readonly ccStart: string;
  readonly ccEnd: string;
  readonly startNs: Ns;
  /** When the flow stopped (all ACKed, stopNs, or the run end). */
  readonly endNs: Ns;
  /** Bytes cumulatively ACKed. */
  readonly bytesAcked: number;
  /** Goodput: bytesAcked * 8 / (endNs - startNs) seconds. */
  readonly throughputBps: number;
  /** Segments sent, including retransmissions. */
  readonly segsOut: number;
  /** Retransmitted segments. */
  readonly retrans: number;
  /** Retransmission timeouts. */
  readonly rtos: number;
  /** Fast recoveries entered. */
  readonly recoveries: number;
  /** Undos (spurious reductions reverted). */
  readonly undos: number;
  /** RTT sample statistics in µs (all samples the sender took). */
  readonly rttUs: { readonly min: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number; readonly count: number };
  /** Whether a `bytes`-sized flow completed. */
  readonly completed: boolean;
}

/** Summary of one link direction. */
export interface LinkSummary {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly drops: number;
  readonly marks: number;
  /** bytesOut * 8 / run duration, over capacity (for fixed-rate links). */
  readonly utilization: number;
}

/** What a run returns. */
export interface RunResult {
  readonly seed: number;
  readonly durationNs: Ns;
  /** Events the scheduler dispatched. */
  readonly events: number;
  readonly flows: readonly FlowSummary[];
  readonly links: readonly LinkSummary[];
}

/** A simulation to run (no kernel-specific parts). */
export interface SimSpec {
  readonly topology: TopologySpec;
  readonly flows: readonly FlowSpec[];
  readonly durationNs: Ns;
  readonly trace?: TraceOptions;
}

/** Options of a run. */
export interface RunOptions {
  /** PRNG seed (u32). Same spec and seed give the same records, byte for byte. */
  readonly seed: number;
  /** Receives every trace record in time order. */
  readonly onRecord?: (rec: TraceRecord) => void;
  /** Called about every `progressIntervalNs` of simulated time, and once at the end. */
  readonly onProgress?: (nowNs: Ns, durationNs: Ns) => void;
  /** Default 100 ms. */
  readonly progressIntervalNs?: Ns;
}
