/**
 * @fileoverview Test helpers for the simulator: a kernel with a recording
 * congestion control ("rec": Reno's arithmetic, every hook logged), a
 * one-flow dumbbell simulation with a packet-drop filter, and record capture.
 */
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { TcpCcSimHost } from "../../src/backend/model.js";
import { Simulation } from "../../src/sim/run.js";
import { dumbbell, MS } from "../../src/sim/index.js";
import type { FlowSpec, LinkDirSpec, TraceRecord } from "../../src/sim/api.js";
import type { TcpCcHost } from "../../src/uapi/tcp-cc.js";
import type { TcpCongestionOps } from "../../src/net/tcp-cc/ca-types.js";
import { tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd } from "../../src/net/tcp-cc/tcp-cong.js";

/** One hook call of the recording CA. */
export interface HookCall {
  readonly hook: string;
  readonly args: readonly number[];
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly state: number;
  readonly t: number;
}

/** Registers "rec" (all hooks, Reno behaviour) and returns its call log. */
export function recordingCa(ek: EmulatedKernel, now: () => number, flags = 0): HookCall[] {
  const log: HookCall[] = [];
  const rec = (hook: string, sk: { snd_cwnd: number; snd_ssthresh: number; icsk_ca_state: number }, args: number[]): void => {
    log.push({ hook, args, cwnd: sk.snd_cwnd, ssthresh: sk.snd_ssthresh, state: sk.icsk_ca_state, t: now() });
  };
  const ops: TcpCongestionOps = {
    name: "rec",
    flags,
    key: 0,
    init: (sk) => rec("init", sk, []),
    release: (sk) => rec("release", sk, []),
    ssthresh: (sk) => {
      rec("ssthresh", sk, []);
      return tcp_reno_ssthresh(sk);
    },
    cong_avoid: (sk, ack, acked) => {
      rec("cong_avoid", sk, [acked]);
      tcp_reno_cong_avoid(sk, ack, acked);
    },
    set_state: (sk, s) => rec("set_state", sk, [s]),
    cwnd_event: (sk, ev) => rec("cwnd_event", sk, [ev]),
    in_ack_event: (sk, f) => rec("in_ack_event", sk, [f]),
    pkts_acked: (sk, s) => rec("pkts_acked", sk, [s.pkts_acked, s.rtt_us]),
    undo_cwnd: (sk) => {
      rec("undo_cwnd", sk, []);
      return tcp_reno_undo_cwnd(sk);
    },
  };
  const r = ek.tcp.registry.register(ops);
  if (r !== 0) throw new Error(`register rec: ${r}`);
  return log;
}

/** A one-pair dumbbell simulation on a fresh kernel. */
export function oneFlowSim(opts: {
  bottleneck?: Partial<LinkDirSpec>;
  flow?: Partial<FlowSpec>;
  durationNs: number;
  seed?: number;
  ek?: EmulatedKernel;
  /** A `drop` record per dropped packet. */
  drops?: boolean;
}): { sim: Simulation; ek: EmulatedKernel; records: TraceRecord[] } {
  const ek = opts.ek ?? new EmulatedKernel();
  const host: TcpCcHost = new TcpCcSimHost(ek.tcp);
  const records: TraceRecord[] = [];
  const topology = dumbbell({ pairs: 1, bottleneck: { rateBps: 10e6, delayNs: 10 * MS, queue: { kind: "droptail", packets: 1000 }, ...opts.bottleneck } });
  const sim = new Simulation(
    { topology, flows: [{ id: "f", from: "s0", to: "r0", startNs: 0, ...opts.flow }], durationNs: opts.durationNs, trace: { sampleIntervalNs: 0, hooks: "events", drops: opts.drops ?? false } },
    host,
    { seed: opts.seed ?? 1, onRecord: (r) => records.push(r) },
  );
  return { sim, ek, records };
}

/** Drops the first transmission of the listed data segments on the bottleneck. */
export function dropSegsOnce(sim: Simulation, segs: readonly number[]): void {
  const pending = new Set(segs);
  sim.net.dropFilter = (link, p) => {
    if (link.id !== "bottleneck" || !p.isData || !pending.has(p.seg)) return false;
    pending.delete(p.seg);
    return true;
  };
}
