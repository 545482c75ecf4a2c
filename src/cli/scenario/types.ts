/**
 * @fileoverview A validated scenario: what `structops run` executes. The
 * file format (docs/scenarios.md) is parsed and checked by validate.ts into
 * these types, with quantities already in the simulator's units (integer
 * nanoseconds, bits per second, bytes) and `count` already expanded, so the
 * runner never sees an unchecked value.
 */
import type { LatenessSpec } from "../../sim/api.js";

/** A line and column in the scenario file (1-based), for messages about a field. */
export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

/** A queue at the head of a link (the simulator's QueueSpec, scenario spelling). */
export type ScenarioQueue =
  | { readonly kind: "droptail"; readonly packets?: number; readonly bytes?: number }
  | {
      readonly kind: "red";
      readonly limitBytes: number;
      readonly minBytes: number;
      readonly maxBytes: number;
      readonly maxP?: number;
      readonly wlog?: number;
      readonly ecn?: boolean;
    }
  | { readonly kind: "step"; readonly markPackets?: number; readonly markBytes?: number; readonly packets?: number; readonly bytes?: number };

/**
 * How a link enforces its rate. `wire`: a serializing transmitter (a packet
 * occupies the link for its size at the rate; the one being sent is not in
 * the queue). `tbf`: Linux's sch_tbf with a fifo child, `tc qdisc add dev D
 * root tbf rate R burst B limit L`: a packet waits in the queue, counted
 * against its limit, until the bucket of `burstBytes` holds its frame, then
 * leaves at once; frames are counted with `overheadBytes` of L2 header.
 * `watchdogLate`: how late tbf's watchdog fires when the bucket is short
 * (absent: on time).
 */
export type ScenarioShaper =
  | { readonly kind: "wire" }
  | { readonly kind: "tbf"; readonly burstBytes: number; readonly overheadBytes: number; readonly watchdogLate?: LatenessSpec };

/** One direction's parameters of a router-to-router link. */
export interface ScenarioLink {
  readonly rateBps: number;
  readonly delayNs: number;
  readonly queue?: ScenarioQueue;
  readonly lossRate?: number;
  /** Rate enforcement; `tbf` (tc's defaults) unless the scenario says otherwise; absent only on a link that follows a trace. */
  readonly shaper?: ScenarioShaper;
  /** Per-packet delay jitter bound (uniform, order-preserving, from the seed); absent or 0: exact delays. */
  readonly jitterNs?: number;
  /** The delay runs first on an element that wakes late after a sleep (`wake: { after, late }`): LinkDirSpec.wake. */
  readonly wake?: { readonly idleNs: number; readonly late: LatenessSpec };
  /** A mahimahi trace, resolved against the scenario file's folder. */
  readonly tracePath?: string;
  /** Where `trace` is in the file, for messages about the trace file. */
  readonly tracePos?: SourcePos;
  /** Overrides for the reverse (ACK) direction. */
  readonly reverse?: {
    readonly rateBps?: number;
    readonly delayNs?: number;
    readonly queue?: ScenarioQueue;
    readonly lossRate?: number;
    readonly jitterNs?: number;
    readonly wake?: { readonly idleNs: number; readonly late: LatenessSpec };
  };
}

/** Senders → bottleneck → hops... → receivers; every flow has its own pair of hosts. */
export interface ScenarioTopology {
  readonly bottleneck: ScenarioLink;
  /** Further router-to-router links in series after the bottleneck. */
  readonly hops: readonly ScenarioLink[];
  /** Host access links; defaults are the simulator's. */
  readonly access: {
    readonly rateBps?: number;
    readonly delayNs?: number;
    /** Per-packet processing noise at every host (jitter on its access link, both ways); absent or 0: none. */
    readonly noiseNs?: number;
    /** The senders' egress qdisc: absent (`none`), TCP's internal pacing; `fq`, sch_fq pacing every socket (FlowSpec.qdisc). */
    readonly qdisc?: "fq";
  };
}

/** One flow after `count` expansion. */
export interface ScenarioFlow {
  /** Unique: the group id, or `group.N` (N from 1) when `count` > 1. */
  readonly id: string;
  /** The `id` written in the file. */
  readonly group: string;
  readonly startNs: number;
  readonly stopNs?: number;
  readonly bytes?: number;
  /** setsockopt(TCP_CONGESTION) before connecting; absent: the default CC at start. */
  readonly cc?: string;
  readonly ecn: boolean;
  /** Extra one-way delay on the sender's access link (RTT diversity). */
  readonly extraDelayNs: number;
  /** Data segments to lose (a replayed drop pattern): 1-based transmission indices and/or relative sequence numbers. */
  readonly drops?: { readonly segments?: readonly number[]; readonly seqs?: readonly number[] };
  /** The sending application's write() size in bytes (FlowSpec.writeBytes); absent: 65536, the testbed writer's. */
  readonly writeBytes?: number;
  readonly pos: SourcePos;
}

/** An object to load: a clang-built ELF file, or a bundled bytecode algorithm. */
export type ScenarioObject =
  | { readonly kind: "elf"; readonly name: string; readonly path: string; readonly maps?: readonly string[]; readonly pos: SourcePos }
  | {
      readonly kind: "bytecode";
      readonly name: string;
      /** The bundled algorithm. */
      readonly algorithm: "reno";
      /** tcp_congestion_ops.name the map registers. */
      readonly caName: string;
      /** Multiplicative decrease: ssthresh = max(cwnd × beta, 2). */
      readonly beta: number;
      readonly pos: SourcePos;
    };

/** A struct_ops map: `object` or `object/map`. */
export interface MapRef {
  readonly object: string;
  readonly map?: string;
}

interface ActionBase {
  readonly atNs: number;
  readonly pos: SourcePos;
}

/** A timed action, in kernel terms. */
export type ScenarioAction =
  | (ActionBase & { readonly kind: "attach"; readonly map: MapRef; readonly link: string })
  | (ActionBase & { readonly kind: "update"; readonly link: string; readonly map: MapRef })
  | (ActionBase & { readonly kind: "detach"; readonly link: string })
  | (ActionBase & { readonly kind: "setsockopt"; readonly algorithm: string; readonly flows: readonly string[] | "all" })
  | (ActionBase & { readonly kind: "default"; readonly algorithm: string })
  /**
   * Runs a BPF iterator program of an ELF object once (`iter/tcp`:
   * bpf_program__attach_iter, BPF_ITER_CREATE, read to the end, close): the
   * way Linux moves running flows to another algorithm after a
   * BPF_LINK_UPDATE. The output goes to iterate-<t>.txt.
   */
  | (ActionBase & { readonly kind: "iterate"; readonly object: string; readonly program: string })
  /** Writes what the kernel has registered (struct_ops maps, links, CC, each flow's CC) to snapshot-<t>.json, as `structops struct_ops dump/link list/cc list -j` would. */
  | (ActionBase & { readonly kind: "snapshot" });

/** Trace file format. */
export type TraceFormat = "csv" | "jsonl";

/** What `structops run` writes. */
export interface ScenarioOutputs {
  readonly format: TraceFormat;
  readonly sampleNs: number;
  readonly hooks: "none" | "events" | "all";
  readonly drops: boolean;
  readonly report: boolean;
}

/**
 * The emulated kernel's build configuration (the `kernel:` section): the
 * congestion controls built in besides reno (CONFIG_TCP_CONG_<NAME>=y; they
 * register in the kernel's link order) and CONFIG_DEFAULT_TCP_CONG.
 */
export interface ScenarioKernelConfig {
  readonly builtin: readonly string[];
  readonly default: string;
}

/** A validated scenario. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly seed: number;
  readonly durationNs: number;
  /** net.ipv4.tcp_congestion_control at time 0; absent: the kernel's CONFIG_DEFAULT_TCP_CONG. */
  readonly defaultCc?: string;
  /** The kernel's build configuration; absent: the model's default (DEFAULT_TCP_CONG_CONFIG). */
  readonly kernel?: ScenarioKernelConfig;
  readonly topology: ScenarioTopology;
  readonly flows: readonly ScenarioFlow[];
  readonly objects: readonly ScenarioObject[];
  /** Sorted by time; actions at the same time keep file order. */
  readonly actions: readonly ScenarioAction[];
  readonly outputs: ScenarioOutputs;
  /** The file as given (name for messages, text for the report). */
  readonly source: { readonly file: string; readonly text: string };
}
