/**
 * @fileoverview A stand-in for src/testbed's runTestbed in CLI and report
 * tests: a deterministic fluid model (flows share the bottleneck, a queue
 * fills, every flow halves or keeps 70% of its window when it overflows)
 * that emits the same record types, runs the same timed actions with the same
 * context, and returns the same RunResult shape. It checks the CLI's plumbing
 * (scenario → spec → records → files → report) without depending on the
 * packet-level simulator; it models nothing of TCP beyond that.
 */
import type { FlowSummary, RunResult, SimActionContext, TraceRecord } from "../../src/sim/api.js";
import type { TestbedActionContext, TestbedOptions, TestbedSpec } from "../../src/testbed/api.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";

const MSS = 1448;

interface FlowState {
  readonly id: string;
  readonly startNs: number;
  readonly stopNs: number;
  readonly baseRttNs: number;
  cc: string;
  ccStart: string;
  cwnd: number;
  ssthresh: number;
  running: boolean;
  started: boolean;
  bytes: number;
  segs: number;
  retrans: number;
  recoveries: number;
  endNs: number;
  rtts: number[];
}

/** Runs `spec` in the fluid model. */
export function fakeTestbed(spec: TestbedSpec, opts: TestbedOptions): RunResult {
  const emit = (r: TraceRecord): void => opts.onRecord?.(r);
  const kernel = opts.kernel ?? new EmulatedKernel();
  const process = opts.process ?? kernel.process("testbed");
  const dt = spec.trace?.sampleIntervalNs ?? 10_000_000;
  const bn = spec.topology.links.find((l) => l.id === "bottleneck") ?? spec.topology.links[0];
  if (bn === undefined) throw new RangeError("no links");
  const cap = bn.rateBps;
  const limit = bn.queue?.kind === "droptail" ? (bn.queue.packets ?? 1000) : 1000;
  const linkDelay = new Map(spec.topology.links.map((l) => [l.id ?? `${l.a}-${l.b}`, l.delayNs]));
  const flows: FlowState[] = spec.flows.map((f, i) => ({
    id: f.id ?? `f${i}`,
    startNs: f.startNs,
    stopNs: f.stopNs ?? spec.durationNs,
    baseRttNs: 2 * (bn.delayNs + (linkDelay.get(f.from) ?? 0)),
    cc: f.cc ?? "cubic", ccStart: f.cc ?? "cubic",
    cwnd: 10, ssthresh: 0x7fffffff, running: false, started: false, bytes: 0, segs: 0, retrans: 0, recoveries: 0, endNs: spec.durationNs, rtts: [],
  }));
  let now = 0;
  let q = 0;
  let drops = 0;
  let events = 0;
  const byId = new Map(flows.map((f) => [f.id, f]));
  const sim: SimActionContext = {
    get nowNs() {
      return now;
    },
    setCongestion(id, name) {
      const f = byId.get(id);
      if (f === undefined || !f.running) return -107;
      const prev = f.cc;
      f.cc = name;
      emit({ type: "flow_event", t: now, flow: id, event: "cc_change", cc: name, prevCc: prev });
      return 0;
    },
    addFlow: () => {
      throw new Error("fake testbed: addFlow is not modelled");
    },
    stopFlow(id) {
      const f = byId.get(id);
      if (f !== undefined) f.running = false;
    },
    congestionOf: (id) => (byId.get(id)?.running === true ? byId.get(id)?.cc : undefined),
    congestionOpsOf: () => undefined,
    runningFlows: () => flows.filter((f) => f.running).map((f) => f.id),
    mark: (label, detail) => emit({ type: "action", t: now, label, ...(detail !== undefined ? { detail } : {}) }),
  };
  const ctx: TestbedActionContext = { sim, kernel, process };
  const actions = [...(spec.actions ?? [])].sort((a, b) => a.atNs - b.atNs);
  let ai = 0;
  for (now = 0; now <= spec.durationNs; now += dt) {
    events++;
    while (ai < actions.length && (actions[ai]?.atNs as number) <= now) actions[ai++]?.run(ctx);
    for (const f of flows) {
      if (!f.started && f.startNs <= now) {
        f.started = true;
        f.running = true;
        emit({ type: "flow_event", t: now, flow: f.id, event: "start", cc: f.cc });
      }
      if (f.running && f.stopNs <= now) {
        f.running = false;
        f.endNs = now;
        emit({ type: "flow_event", t: now, flow: f.id, event: "stop", cc: f.cc });
      }
    }
    const run = flows.filter((f) => f.running);
    const qDelay = (q * MSS * 8 * 1e9) / cap;
    const demand = run.reduce((a, f) => a + (f.cwnd * MSS * 8 * 1e9) / (f.baseRttNs + qDelay), 0);
    q = Math.max(0, q + ((demand - cap) * dt) / 1e9 / (MSS * 8));
    const share = demand > cap ? cap / demand : 1;
    const overflow = q > limit;
    if (overflow) {
      drops += Math.ceil(q - limit);
      q = limit;
    }
    for (const f of run) {
      const rtt = f.baseRttNs + qDelay;
      const rate = ((f.cwnd * MSS * 8 * 1e9) / rtt) * share;
      const acked = Math.floor((rate * dt) / 8 / 1e9);
      f.bytes += acked;
      f.segs += Math.ceil(acked / MSS);
      f.rtts.push(Math.round(rtt / 1000));
      if (overflow) {
        const beta = f.cc.includes("cubic") ? 0.7 : 0.5;
        const ret = Math.max(2, Math.floor(f.cwnd * beta));
        emit({ type: "hook", t: now, flow: f.id, cc: f.cc, hook: "ssthresh", args: [], ret, cwnd: Math.floor(f.cwnd) });
        emit({ type: "ca_state", t: now, flow: f.id, from: 0, to: 3 });
        f.ssthresh = ret;
        f.cwnd = ret;
        f.retrans++;
        f.recoveries++;
        emit({ type: "ca_state", t: now, flow: f.id, from: 3, to: 0 });
      } else if (f.cwnd < f.ssthresh) f.cwnd *= 2 ** (dt / rtt);
      else f.cwnd += dt / rtt;
      emit({
        type: "flow", t: now, flow: f.id, cc: f.cc, cwnd: Math.floor(f.cwnd), ssthresh: f.ssthresh, caState: 0, srttUs: Math.round(rtt / 1000),
        rttUs: Math.round(rtt / 1000), inflight: Math.floor(f.cwnd), deliveryRateBps: Math.round(rate), bytesAcked: f.bytes, retrans: f.retrans, pacingRate: 0, deliveredBytes: f.bytes,
      });
    }
    emit({ type: "queue", t: now, link: "bottleneck", bytes: Math.round(q) * (MSS + 52), packets: Math.round(q), drops, marks: 0 });
    opts.onProgress?.(now, spec.durationNs);
  }
  const pct = (v: readonly number[], p: number): number => {
    const s = [...v].sort((a, b) => a - b);
    return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number);
  };
  const summaries: FlowSummary[] = flows.map((f, i) => {
    const life = Math.max(1, f.endNs - f.startNs);
    return {
      id: f.id, from: spec.flows[i]?.from ?? "", to: spec.flows[i]?.to ?? "", ccStart: f.ccStart, ccEnd: f.cc, startNs: f.startNs, endNs: f.endNs,
      bytesAcked: f.bytes, throughputBps: (f.bytes * 8 * 1e9) / life, segsOut: f.segs, retrans: f.retrans, rtos: 0, recoveries: f.recoveries, undos: 0,
      rttUs: {
        min: pct(f.rtts, 0), p50: pct(f.rtts, 50), p90: pct(f.rtts, 90), p99: pct(f.rtts, 99), max: pct(f.rtts, 100),
        mean: f.rtts.reduce((a, b) => a + b, 0) / Math.max(1, f.rtts.length), count: f.rtts.length,
      },
      completed: false,
    };
  });
  const out = summaries.reduce((a, f) => a + f.bytesAcked, 0);
  return {
    seed: opts.seed, durationNs: spec.durationNs, events, flows: summaries,
    links: [{ id: "bottleneck", from: bn.a, to: bn.b, packetsOut: Math.ceil(out / MSS), bytesOut: out, drops, marks: 0, utilization: (out * 8 * 1e9) / spec.durationNs / cap }],
  };
}
