/**
 * @fileoverview The kernel side of a scenario run: loading its objects into
 * the emulated kernel before the run, and turning its timed actions into
 * testbed actions that make the bpf(2) and setsockopt calls a user would
 * make (BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH,
 * setsockopt(TCP_CONGESTION), a write to net.ipv4.tcp_congestion_control).
 *
 * It also keeps the registration timeline: which struct_ops map each CA name
 * meant at each moment. A socket takes a reference on the ops registered
 * under its name when it selects the algorithm (tcp_set_congestion_control /
 * tcp_assign_congestion_control) and keeps them until it changes algorithm or
 * closes, however the name is updated later (KERNEL-SPEC.md §6); so the map
 * a flow runs is the one registered under its algorithm's name when it
 * started or was last moved. That is how flows are labelled with versions.
 */
import { BPF_LINK_DETACH, BPF_LINK_UPDATE } from "../../uapi/bpf-enums.js";
import { errnoName } from "../../uapi/errno.js";
import type { SimAction } from "../../sim/api.js";
import type { TestbedActionContext } from "../../testbed/api.js";
import type { ModelProcess } from "../../lib/kernel.js";
import { BpfError } from "../../lib/errors.js";
import { ScenarioError } from "../scenario/errors.js";
import type { MapRef, Scenario, ScenarioAction } from "../scenario/types.js";
import { formatDuration } from "../scenario/units.js";
import { attachStructOps, loadBytecodeReno, loadUserBtf } from "./bytecode-cc.js";
import type { LoadedStructOps } from "./bytecode-cc.js";

/** What an action did, for the report's markers and the terminal. */
export interface ActionOutcome {
  readonly tNs: number;
  readonly label: string;
  readonly detail: string;
  readonly ok: boolean;
}

/** A period during which a CA name meant a map (`map` null: not registered by the scenario). */
interface Registration {
  readonly tNs: number;
  readonly map: string | null;
}

const errStr = (neg: number): string => `${errnoName(neg)} (${-neg})`;

/** Objects loaded into a kernel, and the actions on them. */
export class ScenarioKernel {
  private readonly maps = new Map<string, LoadedStructOps>();
  private readonly links = new Map<string, { fd: number; map: LoadedStructOps }>();
  private readonly timeline = new Map<string, Registration[]>();
  readonly outcomes: ActionOutcome[] = [];

  private constructor(
    private readonly scenario: Scenario,
    private readonly p: ModelProcess,
  ) {}

  /**
   * Loads the scenario's objects through process `p`.
   * @throws {ScenarioError} naming the object's line when it cannot be loaded
   */
  static load(scenario: Scenario, p: ModelProcess): ScenarioKernel {
    const sk = new ScenarioKernel(scenario, p);
    let btfFd = -1;
    scenario.objects.forEach((o, i) => {
      try {
        if (o.kind === "bytecode") {
          if (btfFd < 0) btfFd = loadUserBtf(p);
          sk.maps.set(o.name, loadBytecodeReno(p, btfFd, o.name, o.caName, o.beta));
        } else {
          throw new Error(
            `loading ${o.path} needs the BPF object loader (src/obj + src/lib loadCollection), which this build does not have yet; use a bytecode object meanwhile`,
          );
        }
      } catch (e) {
        const msg = e instanceof BpfError ? `cannot load: ${e.message}` : (e as Error).message;
        throw new ScenarioError(scenario.source.file, [{ path: `objects[${i}]`, ...o.pos, message: msg }]);
      }
    });
    return sk;
  }

  private resolve(ref: MapRef): LoadedStructOps {
    // The validator checked that the object exists; ELF objects' maps are keyed object/map.
    const m = this.maps.get(ref.map === undefined || ref.map === ref.object ? ref.object : `${ref.object}/${ref.map}`);
    if (m === undefined) throw new Error(`no struct_ops map ${ref.object}${ref.map === undefined ? "" : `/${ref.map}`} was loaded`);
    return m;
  }

  private register(ca: string, tNs: number, map: string | null): void {
    let t = this.timeline.get(ca);
    if (t === undefined) {
      t = [];
      this.timeline.set(ca, t);
    }
    t.push({ tNs, map });
  }

  /** The struct_ops map registered under `ca` at `tNs` (actions at `tNs` included), or null. */
  mapAt(ca: string, tNs: number): string | null {
    let m: string | null = null;
    for (const r of this.timeline.get(ca) ?? []) if (r.tNs <= tNs) m = r.map;
    return m;
  }

  /** The testbed actions of the scenario, in time order. */
  simActions(): SimAction<TestbedActionContext>[] {
    return this.scenario.actions.map((a) => ({ atNs: a.atNs, label: labelOf(a), run: (ctx: TestbedActionContext) => this.run(a, ctx) }));
  }

  private done(a: ScenarioAction, ctx: TestbedActionContext, ok: boolean, detail: string): void {
    const label = labelOf(a);
    this.outcomes.push({ tNs: ctx.sim.nowNs, label, detail, ok });
    // The simulator records that the action ran; this record says what it did.
    ctx.sim.mark(`${label}: ${ok ? "done" : "failed"}`, detail);
  }

  private run(a: ScenarioAction, ctx: TestbedActionContext): void {
    const p = this.p;
    const now = ctx.sim.nowNs;
    try {
      switch (a.kind) {
        case "attach": {
          const m = this.resolve(a.map);
          const fd = attachStructOps(p, m.mapFd);
          if (fd < 0) return this.done(a, ctx, false, `BPF_LINK_CREATE of ${m.mapName} failed: ${errStr(fd)}`);
          this.links.set(a.link, { fd, map: m });
          this.register(m.caName, now, m.mapName);
          return this.done(a, ctx, true, `BPF_LINK_CREATE: link "${a.link}" (fd ${fd}) registers "${m.caName}" as ${m.mapName}`);
        }
        case "update": {
          const l = this.links.get(a.link);
          const m = this.resolve(a.map);
          if (l === undefined) return this.done(a, ctx, false, `link "${a.link}" is not attached`);
          const r = p.bpf(BPF_LINK_UPDATE, { link_fd: l.fd, new_map_fd: m.mapFd });
          if (r.errno !== 0) return this.done(a, ctx, false, `BPF_LINK_UPDATE of link "${a.link}" to ${m.mapName} failed: ${errStr(-r.errno)}`);
          const old = l.map;
          this.links.set(a.link, { fd: l.fd, map: m });
          this.register(m.caName, now, m.mapName);
          return this.done(a, ctx, true,
            `BPF_LINK_UPDATE: "${m.caName}" now means ${m.mapName}; sockets that chose it before keep ${old.mapName}`);
        }
        case "detach": {
          const l = this.links.get(a.link);
          if (l === undefined) return this.done(a, ctx, false, `link "${a.link}" is not attached`);
          const r = p.bpf(BPF_LINK_DETACH, { link_fd: l.fd });
          if (r.errno !== 0) return this.done(a, ctx, false, `BPF_LINK_DETACH of link "${a.link}" failed: ${errStr(-r.errno)}`);
          this.links.delete(a.link);
          this.register(l.map.caName, now, null);
          return this.done(a, ctx, true, `BPF_LINK_DETACH: "${l.map.caName}" is unregistered; sockets on ${l.map.mapName} keep running it`);
        }
        case "setsockopt": {
          const running = ctx.sim.runningFlows();
          const ids = a.flows === "all"
            ? running
            : this.scenario.flows.filter((f) => (a.flows as readonly string[]).some((s) => s === f.id || s === f.group)).map((f) => f.id);
          const res: string[] = [];
          let ok = true;
          for (const id of ids) {
            if (!running.includes(id)) {
              res.push(`${id} not running`);
              continue;
            }
            const rc = ctx.sim.setCongestion(id, a.algorithm);
            if (rc < 0) ok = false;
            res.push(`${id} ${rc < 0 ? errStr(rc) : "ok"}`);
          }
          const version = this.mapAt(a.algorithm, now);
          return this.done(a, ctx, ok,
            `setsockopt(TCP_CONGESTION, "${a.algorithm}"${version !== null ? ` = ${version}` : ""}): ${res.length > 0 ? res.join(", ") : "no flow running"}`);
        }
        case "default": {
          const r = p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", `${a.algorithm}\n`);
          if (r.errno !== 0) return this.done(a, ctx, false, `net.ipv4.tcp_congestion_control = ${a.algorithm} failed: ${errStr(-r.errno)}`);
          return this.done(a, ctx, true, `net.ipv4.tcp_congestion_control = ${a.algorithm}: new flows without an algorithm get it`);
        }
      }
    } catch (e) {
      return this.done(a, ctx, false, `at ${formatDuration(now)} (line ${a.pos.line}): ${(e as Error).message}`);
    }
  }
}

/** A short label for plots and traces. */
export function labelOf(a: ScenarioAction): string {
  const ref = (m: MapRef): string => (m.map === undefined ? m.object : `${m.object}/${m.map}`);
  switch (a.kind) {
    case "attach":
      return `attach ${ref(a.map)}`;
    case "update":
      return `update ${a.link} → ${ref(a.map)}`;
    case "detach":
      return `detach ${a.link}`;
    case "setsockopt":
      return `setsockopt ${a.algorithm}`;
    case "default":
      return `default ${a.algorithm}`;
  }
}
