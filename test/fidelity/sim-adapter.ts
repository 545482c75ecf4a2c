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

/** The simulator scenario equivalent to `cfg` with one `cc` flow. */
export function simSpecFor(cfg: FidelityConfig, cc: string, seconds = cfg.seconds): SimSpec {
  return simSpecForFlows(cfg, [{ cc, startNs: 0 }], seconds);
}

/** The flow id of the i-th flow of simSpecForFlows: FLOW_ID, then FLOW_ID2, FLOW_ID3, ... */
export function flowId(i: number): string {
  return i === 0 ? FLOW_ID : `${FLOW_ID}${i + 1}`;
}

/** The scenario equivalent to `cfg` with several flows side by side (same sender and receiver, each starting at its startNs). */
export function simSpecForFlows(cfg: FidelityConfig, flows: readonly { cc: string; startNs: number }[], seconds = cfg.seconds): SimSpec {
  const oneWayNs = Math.round((cfg.rttMs * MS) / 2);
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
          reverse: { rateBps: 10e9, delayNs: oneWayNs, lossRate: 0, queue: { kind: "droptail", packets: 10_000 } },
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
