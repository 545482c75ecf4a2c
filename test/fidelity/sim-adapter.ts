/**
 * @fileoverview The simulated side of the fidelity comparison (issue #5): the
 * testbed scenario equivalent to one Linux configuration of configs.ts, and
 * the conversion of the simulator's trace records into metrics.ts samples.
 *
 * Equivalence with the Linux testbed (linux-testbed.ts):
 * - bottleneck rate: sch_tbf counts L2 frames (1514 bytes for a full
 *   segment), the simulator counts payload + 52 header bytes (1500), so the
 *   simulated rate is scaled by 1500/1514 to give the same time per segment;
 * - the rate is enforced as tbf does it (the link's token bucket, not
 *   serialization): `burst 3028` is two frames, two simulated segments; the
 *   packet waiting for tokens stays in pfifo and counts against its limit,
 *   so the queue holds `limit` packets in all, not `limit` plus one on the wire;
 * - propagation: RTT/2 each way (the delay line), access links without delay;
 *   optionally the delay line's lateness on the ACKs (PathNoise);
 * - queue: drop-tail of the same number of packets; random loss on the
 *   forward path only, like the delay line;
 * - time 0: the connection is established (flow `startNs`), as in native/testbed/flow.c;
 * - samples every 1 ms, like the TCP_INFO poll.
 */
import type { FlowSampleRecord, SimSpec, TraceRecord } from "../../src/sim/api.js";
import type { FidelityConfig } from "./configs.js";
import { FRAME_BYTES } from "./configs.js";
import type { CwndSample } from "./metrics.js";

const MS = 1_000_000;
const SEC = 1_000_000_000;
/** Bytes the simulator puts on the wire for a full segment (MSS 1448 + 52 header bytes). */
export const SIM_SEGMENT_BYTES = 1500;
export const FLOW_ID = "fid";
/** tbf's `burst` in full frames (linux-testbed.ts: burst 3028 = 2 x 1514). */
export const TBF_BURST_FRAMES = 2;

/**
 * The Linux testbed's delay line as a noise model. The delay line is a single
 * thread that reads every packet of both directions off its TUN device and
 * writes it back when due; its own counters show it late by some tens of µs
 * on average (`delayLineLateMeanUs`: 51-74 µs in every bbr reference run),
 * now and then by milliseconds. What the congestion control sees of that is
 * the ACK clock: tcp_rate_gen measures a delivery-rate sample's ACK phase
 * between ACK arrivals, so an ACK that was late opens a short phase and a
 * sample above the bottleneck rate, which bbr's max filter keeps. The model
 * gives each ACK an exponential extra delay of the recorded mean lateness,
 * drawn from the seed, FIFO (the delay line's queues are). Data segments get
 * none: the same noise on the forward direction moved the 100 Mbit/s STARTUP
 * exit two to three rounds before Linux's (docs/fidelity.md, "BBR"). 0 gives
 * the exact path.
 */
export interface PathNoise {
  /** Mean extra delay of each ACK on the delay line, ns (exponential); 0: none. */
  readonly ackLateNs: number;
}

/** No noise: the exact path (the adapter's default). */
export const EXACT_PATH: PathNoise = { ackLateNs: 0 };

/** The simulator scenario equivalent to `cfg` with one `cc` flow. */
export function simSpecFor(cfg: FidelityConfig, cc: string, seconds = cfg.seconds, noise: PathNoise = EXACT_PATH): SimSpec {
  return simSpecForFlows(cfg, [{ cc, startNs: 0 }], seconds, noise);
}

/** The flow id of the i-th flow of simSpecForFlows: FLOW_ID, then FLOW_ID2, FLOW_ID3, ... */
export function flowId(i: number): string {
  return i === 0 ? FLOW_ID : `${FLOW_ID}${i + 1}`;
}

/** The scenario equivalent to `cfg` with several flows side by side (same sender and receiver, each starting at its startNs). */
export function simSpecForFlows(cfg: FidelityConfig, flows: readonly { cc: string; startNs: number }[], seconds = cfg.seconds, noise: PathNoise = EXACT_PATH): SimSpec {
  const oneWayNs = Math.round((cfg.rttMs * MS) / 2);
  const late = noise.ackLateNs > 0 ? { jitterNs: Math.round(noise.ackLateNs), jitterKind: "exponential" as const } : {};
  const fast = { rateBps: 10e9, delayNs: 0, queue: { kind: "droptail" as const, packets: 10_000 } };
  return {
    topology: {
      nodes: ["snd", "rtr", "rcv"],
      links: [
        { id: "access", a: "snd", b: "rtr", ...fast },
        {
          id: "bottleneck",
          a: "rtr",
          b: "rcv",
          rateBps: (cfg.rateBps * SIM_SEGMENT_BYTES) / FRAME_BYTES,
          tokenBucketBytes: TBF_BURST_FRAMES * SIM_SEGMENT_BYTES,
          delayNs: oneWayNs,
          queue: { kind: "droptail", packets: cfg.queuePackets },
          lossRate: cfg.lossRate,
          reverse: { rateBps: 10e9, delayNs: oneWayNs, lossRate: 0, queue: { kind: "droptail", packets: 10_000 }, ...late },
        },
      ],
    },
    flows: flows.map((f, i) => ({ id: flowId(i), from: "snd", to: "rcv", startNs: f.startNs, cc: f.cc })),
    durationNs: Math.round(seconds * SEC + Math.max(...flows.map((f) => f.startNs))),
    trace: { sampleIntervalNs: MS, caStates: true },
  };
}

/** The `flow` samples of one flow as metrics.ts samples, time relative to its start event (else its first sample). */
export function simTrace(records: Iterable<TraceRecord>, flowId = FLOW_ID): CwndSample[] {
  const out: CwndSample[] = [];
  let t0: number | undefined;
  for (const r of records) {
    if (r.type === "flow_event" && r.flow === flowId && r.event === "start") t0 ??= r.t;
    if (r.type !== "flow" || r.flow !== flowId) continue;
    const f = r as FlowSampleRecord;
    t0 ??= f.t;
    out.push({ tS: (f.t - t0) / SEC, cwnd: f.cwnd, ssthresh: f.ssthresh, caState: f.caState, rttUs: f.rttUs });
  }
  return out;
}
