/**
 * @fileoverview A simulation run: validates the spec, builds the topology,
 * the flows and their sockets (through a {@link TcpCcHost}, the emulated
 * kernel's TCP), schedules timed actions and periodic samples, runs the
 * event loop to the end time and summarizes.
 *
 * Order at one instant: actions and flow starts/stops scheduled up front run
 * before packet events of the same nanosecond (they were scheduled first).
 */
import type {
  FlowSpec, FlowSummary, LinkSummary, RunOptions, RunResult, SimAction, SimActionContext, SimSpec, TraceRecord,
} from "./api.js";
import { ENOENT } from "../uapi/errno.js";
import { Network } from "./net/network.js";
import { PacketPool } from "./net/packet.js";
import { Topology } from "./net/topology.js";
import { DROP_REASONS } from "./net/link.js";
import type { LinkDir } from "./net/link.js";
import { Rng } from "./rng.js";
import { Scheduler } from "./scheduler.js";
import type { EventHandler } from "./scheduler.js";
import type { TcpCcHost, TcpCcSocket } from "../uapi/tcp-cc.js";
import { Flow } from "./tcp/flow.js";
import type { FlowEnv } from "./tcp/flow.js";
import { HOOKS_ALL, HOOKS_EVENTS, HOOKS_NONE } from "./tcp/hooks.js";
import { AckScratch } from "./tcp/ack.js";

const EV_ACTION = 0;
const EV_SAMPLE = 1;
const EV_PROGRESS = 2;

/** A spec or action error, naming the field. */
export class SimSpecError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "SimSpecError";
  }
}

/** One simulation. Use {@link runSim}, or drive it step by step (tests). */
export class Simulation implements EventHandler {
  readonly sched = new Scheduler();
  readonly topo: Topology;
  readonly net: Network;
  readonly flows: Flow[] = [];
  private readonly byId = new Map<string, Flow>();
  private readonly env: FlowEnv;
  private readonly sampleNs: number;
  private readonly actions: SimAction<never>[] = [];
  private actionCtx: unknown;
  private readonly rng: Rng;
  private readonly sinks: ((r: TraceRecord) => void)[] = [];
  private readonly monitored: LinkDir[];
  /** Of each monitored direction: its index in the topology, its id, and its backlog bytes and packets, drops and marks at its last read (4 numbers). */
  private readonly monIndex: Int32Array;
  private readonly monIds: string[];
  private readonly monLast: Float64Array;
  private readonly traceDrops: boolean;

  constructor(
    readonly spec: SimSpec,
    readonly host: TcpCcHost,
    readonly opts: RunOptions,
  ) {
    if (!Number.isSafeInteger(spec.durationNs) || spec.durationNs <= 0) throw new SimSpecError(`'durationNs' must be a positive integer: current value is ${spec.durationNs}`);
    if (!Number.isInteger(opts.seed)) throw new SimSpecError(`'seed' must be an integer: current value is ${opts.seed}`);
    this.rng = new Rng(opts.seed);
    this.topo = new Topology(spec.topology, this.rng.fork());
    this.net = new Network(this.sched, this.topo.dirs, new PacketPool());
    const tr = spec.trace ?? {};
    this.sampleNs = tr.sampleIntervalNs ?? 10_000_000;
    if (!Number.isSafeInteger(this.sampleNs) || this.sampleNs < 0) throw new SimSpecError(`trace.sampleIntervalNs must be an integer ≥ 0: current value is ${this.sampleNs}`);
    const hooks = tr.hooks ?? "none";
    const hookLevel = hooks === "all" ? HOOKS_ALL : hooks === "events" ? HOOKS_EVENTS : hooks === "none" ? HOOKS_NONE : -1;
    if (hookLevel < 0) throw new SimSpecError(`trace.hooks must be "none", "events" or "all": current value is ${JSON.stringify(hooks)}`);
    this.traceDrops = tr.drops ?? false;
    if (opts.onRecord !== undefined) this.sinks.push(opts.onRecord);
    const emit = (r: TraceRecord): void => {
      const sinks = this.sinks;
      for (let i = 0; i < sinks.length; i++) (sinks[i] as (r: TraceRecord) => void)(r);
    };
    this.env = { sched: this.sched, net: this.net, host, hookLevel, traceCaStates: tr.caStates ?? true, ackScratch: new AckScratch(), byRcvSk: new Map(), emit };
    this.net.onDrop = (link, p, t) => {
      if (!this.traceDrops) return;
      const f = this.flows[p.flow];
      emit({ type: "drop", t, link: link.id, flow: f?.id ?? "", reason: DROP_REASONS[link.lastDrop] ?? "queue", seg: p.isData ? p.seg : -1 });
    };
    host.onSendAck?.((sk, rcvNxt) => {
      this.env.byRcvSk.get(sk)?.sendAckNow(rcvNxt);
    });
    for (const f of spec.flows) this.addFlow(f);
    this.monitored = [];
    // Sample shared links and every link with a bounded queue someone uses.
    for (const d of this.topo.dirs) if (d.users > 1 || (d.users > 0 && d.spec.queue !== undefined)) this.monitored.push(d);
    this.monIndex = Int32Array.from(this.monitored, (d) => d.index);
    this.monIds = this.monitored.map((d) => d.id);
    this.monLast = new Float64Array(4 * this.monitored.length);
  }

  /** Adds a record sink. */
  onRecord(fn: (r: TraceRecord) => void): void {
    this.sinks.push(fn);
  }

  private emit(r: TraceRecord): void {
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) (sinks[i] as (r: TraceRecord) => void)(r);
  }

  /** Adds a flow (before or during the run). Returns its id. */
  addFlow(f: FlowSpec): string {
    const i = this.flows.length;
    const where = `flows[${i}]`;
    if (typeof f !== "object" || f === null) throw new SimSpecError(`${where}: must be an object`);
    const id = f.id ?? `f${i}`;
    if (this.byId.has(id)) throw new SimSpecError(`${where}: flow id '${id}' is used twice`);
    if (!this.topo.has(f.from)) throw new SimSpecError(`${where}: 'from' names unknown node '${f.from}'`);
    if (!this.topo.has(f.to)) throw new SimSpecError(`${where}: 'to' names unknown node '${f.to}'`);
    if (f.from === f.to) throw new SimSpecError(`${where}: 'from' and 'to' are the same node '${f.to}'`);
    if (!Number.isSafeInteger(f.startNs) || f.startNs < 0) throw new SimSpecError(`${where}: 'startNs' must be an integer ≥ 0: current value is ${f.startNs}`);
    if (f.stopNs !== undefined && (!Number.isSafeInteger(f.stopNs) || f.stopNs < f.startNs)) throw new SimSpecError(`${where}: 'stopNs' must be an integer ≥ startNs: current value is ${f.stopNs}`);
    if (f.bytes !== undefined && (!Number.isSafeInteger(f.bytes) || f.bytes <= 0)) throw new SimSpecError(`${where}: 'bytes' must be a positive integer: current value is ${f.bytes}`);
    if (f.mss !== undefined && (!Number.isInteger(f.mss) || f.mss < 64 || f.mss > 65000)) throw new SimSpecError(`${where}: 'mss' must be an integer in [64, 65000]: current value is ${f.mss}`);
    if (f.qdisc !== undefined && f.qdisc !== "none" && f.qdisc !== "fq") throw new SimSpecError(`${where}: 'qdisc' must be 'none' or 'fq': current value is ${String(f.qdisc)}`);
    if (f.dropList !== undefined) {
      for (const k of ["segments", "seqs"] as const) {
        const list = f.dropList[k];
        if (list === undefined) continue;
        const min = k === "segments" ? 1 : 0;
        if (!Array.isArray(list)) throw new SimSpecError(`${where}: 'dropList.${k}' must be an array`);
        list.forEach((v, j) => {
          if (!Number.isSafeInteger(v) || v < min) throw new SimSpecError(`${where}: 'dropList.${k}[${j}]' must be an integer ≥ ${min}: current value is ${String(v)}`);
        });
      }
    }
    let fwd: number[];
    let rev: number[];
    try {
      fwd = this.topo.route(f.from, f.to);
      rev = this.topo.route(f.to, f.from);
    } catch (e) {
      throw new SimSpecError(`${where}: ${(e as Error).message}`);
    }
    for (const d of fwd) (this.topo.dirs[d] as LinkDir).users++;
    for (const d of rev) (this.topo.dirs[d] as LinkDir).users++;
    let base = 0;
    for (const d of [...fwd, ...rev]) {
      const l = this.topo.dirs[d] as LinkDir;
      base += l.delayNs + Math.ceil((52 * 8e9) / l.rateBps) + l.idleLateNs();
    }
    const flow = new Flow(i, id, f, fwd, rev, base, this.env);
    this.flows.push(flow);
    this.byId.set(id, flow);
    // The spec's own flows are scheduled by run(), after the actions added before it: at equal times, actions come first.
    if (this.started) flow.schedule();
    return id;
  }

  /** Schedules a timed action; `ctx` is what its `run` receives. */
  addAction<C>(a: SimAction<C>, ctx: C): void {
    if (!Number.isSafeInteger(a.atNs) || a.atNs < 0) throw new SimSpecError(`action '${a.label}': 'atNs' must be an integer ≥ 0: current value is ${a.atNs}`);
    this.actions.push(a as unknown as SimAction<never>);
    this.actionCtx = ctx;
    const idx = this.actions.length - 1;
    this.ctxs[idx] = ctx;
    this.sched.at(Math.max(a.atNs, this.sched.now), this, EV_ACTION, idx);
  }

  private readonly ctxs: unknown[] = [];
  /** Set by run(): flows added from then on (by actions) are scheduled at once. */
  private started = false;

  /** The simulator side of an action's context. */
  readonly actionApi: SimActionContext = {
    nowNs: 0,
    setCongestion: (flowId, name) => {
      const f = this.byId.get(flowId);
      return f === undefined ? -ENOENT : f.setCongestion(name);
    },
    addFlow: (spec) => this.addFlow({ ...spec, startNs: Math.max(spec.startNs, this.sched.now) }),
    stopFlow: (flowId) => {
      const f = this.byId.get(flowId);
      if (f === undefined) throw new SimSpecError(`stopFlow: unknown flow '${flowId}'`);
      f.stop();
    },
    congestionOf: (flowId) => {
      const f = this.byId.get(flowId);
      return f !== undefined && (f.state === "running" || f.state === "draining") ? (f.sk as TcpCcSocket).ca.name : undefined;
    },
    congestionOpsOf: (flowId) => {
      const f = this.byId.get(flowId);
      return f !== undefined && (f.state === "running" || f.state === "draining") ? (f.sk as TcpCcSocket).ca : undefined;
    },
    runningFlows: () => this.flows.filter((f) => f.state === "running" || f.state === "draining").map((f) => f.id),
    mark: (label, detail) => this.emit(detail === undefined ? { type: "action", t: this.sched.now, label } : { type: "action", t: this.sched.now, label, detail }),
  };

  onEvent(kind: number, num: number): void {
    const now = this.sched.now;
    if (kind === EV_ACTION) {
      const a = this.actions[num] as SimAction<unknown>;
      (this.actionApi as { nowNs: number }).nowNs = now;
      this.host.setTime(now);
      this.emit({ type: "action", t: now, label: a.label });
      a.run(this.ctxs[num]);
      return;
    }
    if (kind === EV_SAMPLE) {
      this.sample(now);
      if (now + this.sampleNs <= this.spec.durationNs) this.sched.at(now + this.sampleNs, this, EV_SAMPLE);
      return;
    }
    if (kind === EV_PROGRESS) {
      this.opts.onProgress?.(now, this.spec.durationNs);
      const step = this.opts.progressIntervalNs ?? 100_000_000;
      if (now + step < this.spec.durationNs) this.sched.at(now + step, this, EV_PROGRESS);
    }
  }

  private sample(t: number): void {
    // Indexed, not for-of: this walks every flow every interval (10,000 at a time), and makes nothing but the records.
    const flows = this.flows;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i] as Flow;
      if (f.state !== "running" && f.state !== "draining") continue;
      const sk = f.sk;
      if (!f.started || sk === null) continue;
      const tcb = f.tcb;
      this.emit({
        type: "flow",
        t,
        flow: f.id,
        cc: sk.ca.name,
        cwnd: sk.snd_cwnd,
        ssthresh: sk.snd_ssthresh,
        caState: sk.icsk_ca_state,
        srttUs: sk.srtt_us >>> 3,
        rttUs: tcb.lastRttUs,
        inflight: tcb.inFlight(),
        deliveryRateBps: Math.round(tcb.lastRateBps),
        bytesAcked: tcb.bytesAcked,
        retrans: tcb.retrans,
        pacingRate: sk.sk_pacing_rate,
        deliveredBytes: sk.delivered * sk.mss_cache,
      });
    }
    // A direction no packet reached since its last sample, with nothing queued then, has the same backlog,
    // drops and marks: its record comes from the numbers kept at that sample, without reading the direction
    // (with thousands of flows, most are idle access links, and reading each was a cache miss or more).
    const mon = this.monitored;
    const last = this.monLast;
    const touched = this.net.touched;
    for (let i = 0; i < mon.length; i++) {
      const di = this.monIndex[i] as number;
      const k = 4 * i;
      if (touched[di] !== 0 || last[k + 1] !== 0) {
        touched[di] = 0;
        const d = mon[i] as LinkDir;
        const b = d.backlog(t);
        last[k] = b.bytes;
        last[k + 1] = b.packets;
        last[k + 2] = d.drops;
        last[k + 3] = d.marks;
      }
      this.emit({ type: "queue", t, link: this.monIds[i] as string, bytes: last[k] as number, packets: last[k + 1] as number, drops: last[k + 2] as number, marks: last[k + 3] as number });
    }
  }

  /**
   * Starts the run if it has not started and dispatches the events due up to
   * `untilNs` (at most the end); {@link run} then runs the rest. The events
   * and their order are those of one `run()`: a benchmark uses this to time a
   * window of the run (bench/sim.bench.ts).
   */
  advance(untilNs: number): void {
    if (!this.started) {
      this.started = true;
      for (const f of this.flows) f.schedule();
      if (this.sampleNs > 0) this.sched.at(0, this, EV_SAMPLE);
      if (this.opts.onProgress !== undefined) this.sched.at(0, this, EV_PROGRESS);
    }
    this.sched.run(Math.min(untilNs, this.spec.durationNs));
  }

  /** Runs to the end and returns the summary. Sockets still open are closed at the end. */
  run(): RunResult {
    const end = this.spec.durationNs;
    this.advance(end);
    for (const f of this.flows) if (f.state === "running" || f.state === "draining") f.finish();
    this.opts.onProgress?.(end, end);
    return this.summary();
  }

  private summary(): RunResult {
    const dur = this.spec.durationNs;
    const flows: FlowSummary[] = this.flows.map((f) => {
      const st = f.started ? f.tcb : undefined;
      const endNs = f.endNs >= 0 ? f.endNs : dur;
      const startNs = f.spec.startNs;
      const bytes = st?.bytesAcked ?? 0;
      const secs = (endNs - startNs) / 1e9;
      return {
        id: f.id,
        from: f.spec.from,
        to: f.spec.to,
        ccStart: f.ccStart,
        ccEnd: f.ccEnd || f.ccStart,
        startNs,
        endNs,
        bytesAcked: bytes,
        throughputBps: secs > 0 ? (bytes * 8) / secs : 0,
        segsOut: st?.segsOut ?? 0,
        retrans: st?.retrans ?? 0,
        rtos: st?.rtos ?? 0,
        recoveries: st?.recoveries ?? 0,
        undos: st?.undos ?? 0,
        rttUs: {
          min: f.rtt.count === 0 ? 0 : f.rtt.min,
          p50: f.rtt.quantile(0.5),
          p90: f.rtt.quantile(0.9),
          p99: f.rtt.quantile(0.99),
          max: f.rtt.max,
          mean: Math.round(f.rtt.mean),
          count: f.rtt.count,
        },
        completed: f.started && Number.isFinite(f.bytes) && f.tcb.una >= f.tcb.endSeg,
      };
    });
    const links: LinkSummary[] = this.topo.dirs
      .filter((d) => d.users > 0)
      .map((d) => ({
        id: d.id,
        from: d.from,
        to: d.to,
        packetsOut: d.packetsOut,
        bytesOut: d.bytesOut,
        drops: d.drops,
        marks: d.marks,
        utilization: (d.bytesOut * 8) / (dur / 1e9) / d.rateBps,
      }));
    return { seed: this.opts.seed, durationNs: dur, events: this.sched.dispatched, flows, links };
  }
}

/**
 * Runs a simulation on `host` (the sockets' network stack).
 * @throws SimSpecError (a RangeError) naming the bad field; FlowError when a socket call fails at a flow's start
 */
export function runSim(spec: SimSpec, host: TcpCcHost, opts: RunOptions & { readonly actions?: readonly SimAction[] }): RunResult {
  const sim = new Simulation(spec, host, opts);
  for (const a of opts.actions ?? []) sim.addAction(a, sim.actionApi);
  return sim.run();
}
