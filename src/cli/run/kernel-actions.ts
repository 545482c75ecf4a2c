/**
 * @fileoverview The kernel side of a scenario run: loading its objects into
 * the emulated kernel before the run, and turning its timed actions into
 * testbed actions that make the bpf(2) and setsockopt calls a user would
 * make (BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH,
 * setsockopt(TCP_CONGESTION), a write to net.ipv4.tcp_congestion_control,
 * a BPF iterator run: BPF_LINK_CREATE of an iter/ program, BPF_ITER_CREATE, read).
 *
 * `path:` objects are clang-built `.bpf.o` files opened and loaded through
 * the library (src/lib/object.ts: BpfObject.open/load, attachStructOps,
 * BpfLink.updateMap/detach), exactly as a libbpf program would; `bytecode:`
 * objects are the bundled raw-bytecode algorithms (bytecode-cc.ts). Every
 * problem found while loading names the object's line in the scenario.
 *
 * After load and after every attach, update and detach it asks the kernel
 * which struct_ops map each CA name is registered to (the reads of
 * `structops cc list`: struct_ops maps, links, tcp_available_congestion_control)
 * and keeps the answers, so it can say which map a name meant at a past
 * moment. A socket takes a reference on the ops registered under its name
 * when it selects the algorithm (tcp_set_congestion_control /
 * tcp_assign_congestion_control) and keeps them until it changes algorithm or
 * closes, however the name is updated later (KERNEL-SPEC.md §7.4, §7.5); so the map
 * a flow runs is the one registered under its algorithm's name when it
 * started or was last moved. That is how flows are labelled with versions.
 */
import { basename, resolve as resolvePath } from "node:path";
import { BPF_LINK_UPDATE, BPF_MAP_TYPE_STRUCT_OPS, BPF_OBJ_GET_INFO_BY_FD, BPF_TRACE_ITER } from "../../uapi/bpf-enums.js";
import { decodeMapInfo, MAP_INFO_LAYOUT } from "../../uapi/info.js";
import { ENOENT, formatErrno } from "../../uapi/errno.js";
import { ccRefusal, ccUnknown } from "../../sim/index.js";
import type { SimAction, SimActionContext } from "../../sim/api.js";
import type { Backend } from "../../lib/kernel.js";
import { ModelProcess } from "../../lib/kernel.js";
import { BpfError, check } from "../../lib/errors.js";
import { BpfObject, linkStructOps, ObjError, ObjFileError } from "../../lib/object.js";
import type { BpfLink } from "../../lib/object.js";
import type { BpfObjectMap } from "../../lib/object.js";
import { InputFileError, readBoundedFile } from "../bounded-read.js";
import { ScenarioError } from "../scenario/errors.js";
import { MAX_OBJECT_BYTES } from "../scenario/limits.js";
import type { ScenarioIssue } from "../scenario/errors.js";
import type { MapRef, Scenario, ScenarioAction, ScenarioObject } from "../scenario/types.js";
import { formatDuration } from "../scenario/units.js";
import { listCc, listLinks, listStructOps, snapshotKernel } from "../../lib/inspect/kernel-snapshot.js";
import type { BtfSource, KernelSnapshot } from "../../lib/inspect/kernel-snapshot.js";
import { emulatedTarget } from "../../lib/target.js";
import { loadBytecodeReno, loadUserBtf } from "./bytecode-cc.js";

/** What an action did, for the report's markers and the terminal. */
export interface ActionOutcome {
  readonly tNs: number;
  readonly label: string;
  readonly detail: string;
  readonly ok: boolean;
  /** See ExplainedAction.movesHidden. */
  readonly movesHidden?: boolean;
}

/**
 * What the scenario's actions need from a run, simulated (src/testbed's
 * TestbedActionContext) or on Linux (src/testbed/linux's LinuxActionContext).
 */
export interface ScenarioActionContext {
  readonly sim: Pick<SimActionContext, "nowNs" | "setCongestion" | "congestionOf" | "runningFlows" | "mark"> & Partial<Pick<SimActionContext, "congestionOpsOf">>;
  /**
   * Sets the default congestion control of new flows, 0 or a negative
   * errno; absent: the `default` action writes net.ipv4.tcp_congestion_control
   * through the kernel's procfs.
   */
  readonly setDefaultCongestion?: (name: string) => number;
}

/** The kernel a scenario runs on: the emulated one (with its BTF) or this machine's. */
export interface ScenarioKernelHost {
  readonly kind: KernelSnapshot["kernel"];
  readonly btf: BtfSource;
}

const EMULATED_HOST: ScenarioKernelHost = { kind: "emulated", btf: () => emulatedTarget().btf };

/** A loaded struct_ops map, ready to attach. */
interface LoadedMap {
  /** Its name in the timeline and in flow labels: the map's name, or object/map when two objects share it. */
  readonly label: string;
  /** tcp_congestion_ops.name it registers. */
  readonly caName: string;
  readonly mapFd: number;
  /** The library's map for `path:` objects; bytecode maps are driven with raw bpf(2) calls. */
  readonly elf?: BpfObjectMap;
}

/** From `tNs` on, the kernel had a CA name registered to a scenario map (`map`: its label; null: none of the scenario's). */
interface Registration {
  readonly tNs: number;
  readonly map: string | null;
}

/** The message of a refused call; anything but a BpfError is a bug and is rethrown, to be reported with its stack. */
const failure = (e: unknown): string => {
  if (!(e instanceof BpfError)) throw e;
  return e.message;
};

/** The names in tcp_available_congestion_control of process `p`'s network namespace. */
export function availableCongestion(p: Backend): string[] {
  const r = p.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control");
  return r.errno !== 0 ? [] : r.text.trim().split(/\s+/).filter((x) => x !== "");
}
const cstring = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));

/** An action names a struct_ops map the scenario did not load (the message says what was loaded). */
class UnknownMapError extends Error {
  override readonly name = "UnknownMapError";
}

/** The `name` a struct_ops map of an object registers, from the object's own struct bytes. */
export function caNameOf(m: BpfObjectMap): string {
  const so = m.spec.structOps;
  const btf = m.obj.spec.btf;
  if (so === undefined || btf === undefined) return m.name;
  const mem = (btf.type(so.localTypeId).members ?? []).find((x) => x.name === "name");
  if (mem === undefined) return m.name;
  const off = mem.bit_offset / 8;
  return cstring(so.data.subarray(off, off + btf.resolveSize(mem.type)));
}

/** Objects loaded into a kernel, and the actions on them. */
export class ScenarioKernel {
  /** Keyed by the object name (bytecode) or object/map (ELF). */
  private readonly maps = new Map<string, LoadedMap>();
  /** ELF objects' struct_ops maps by object name, in the object's order. */
  private readonly elfMaps = new Map<string, string[]>();
  private readonly elfObjects = new Map<string, BpfObject>();
  private readonly links = new Map<string, { link: BpfLink; map: LoadedMap }>();
  /** The kernel's answers: per CA name, the scenario map registered to it from each time on. */
  private readonly registrations = new Map<string, Registration[]>();
  readonly outcomes: ActionOutcome[] = [];
  /**
   * Successful setsockopt(TCP_CONGESTION) calls of the actions, in time order.
   * A flow that selects the name it already runs after the name was updated
   * gets the new map's ops (Linux compares ops, not names) though its
   * algorithm's name does not change, so these, not name changes, say when a
   * flow moved.
   */
  readonly moves: { readonly tNs: number; readonly flow: string; readonly cc: string }[] = [];
  /** What each `iterate` action's program printed (written to iterate-<t>.txt by the runner). */
  readonly iterations: { readonly tNs: number; readonly program: string; readonly text: string }[] = [];
  /** What each `snapshot` action saw (written to snapshot-<t>.json by the runner). */
  readonly snapshots: { readonly tNs: number; readonly snapshot: KernelSnapshot }[] = [];

  private constructor(
    private readonly scenario: Scenario,
    private readonly p: Backend,
    private readonly maxObjectBytes: number,
    private readonly host: ScenarioKernelHost,
  ) {}

  /**
   * Loads the scenario's objects through process `p` and checks that every
   * action's map names a loaded struct_ops map.
   * @param baseDir where `path:` objects are relative to (the scenario file's folder)
   * @param maxObjectBytes the largest `path:` object file read
   * @param host which kernel `p` calls (default: the emulated one)
   * @throws {ScenarioError} naming the object's (or action's) line when it cannot be loaded
   */
  static load(scenario: Scenario, p: Backend, baseDir = ".", maxObjectBytes = MAX_OBJECT_BYTES, host = EMULATED_HOST): ScenarioKernel {
    const sk = new ScenarioKernel(scenario, p, maxObjectBytes, host);
    let btfFd = -1;
    const bytecode: { o: ScenarioObject & { kind: "bytecode" }; i: number }[] = [];
    const issues: ScenarioIssue[] = [];
    scenario.objects.forEach((o, i) => {
      const issue = (message: string, field = ""): void => {
        issues.push({ path: `objects[${i}]${field}`, ...o.pos, message });
      };
      try {
        if (o.kind === "bytecode") {
          // Bundled bytecode is built against the emulated kernel's BTF ids.
          if (!(p instanceof ModelProcess)) return issue("a bytecode: object runs only on the emulated kernel (its BTF ids are the model's)");
          if (btfFd < 0) btfFd = loadUserBtf(p);
          const m = loadBytecodeReno(p, btfFd, o.name, o.caName, o.beta);
          sk.maps.set(o.name, { label: o.name, caName: o.caName, mapFd: m.mapFd });
          bytecode.push({ o, i });
        } else {
          sk.loadElf(o, p, baseDir, issue);
        }
      } catch (e) {
        // A refused bpf(2) call is the object's problem; anything else is a bug and goes up to be reported as one.
        if (!(e instanceof BpfError)) throw e;
        issue(`cannot load: ${e.message}`);
      }
    });
    if (issues.length === 0) sk.labelMaps();
    if (issues.length === 0) sk.checkRefs(issues);
    if (issues.length === 0) sk.observe(0);
    if (issues.length > 0) {
      for (const o of sk.elfObjects.values()) o.close();
      throw new ScenarioError(scenario.source.file, issues);
    }
    return sk;
  }

  /** Opens and loads one `path:` object through the library; only the maps it lists (default all) are created. */
  private loadElf(o: ScenarioObject & { kind: "elf" }, p: Backend, baseDir: string, issue: (m: string, field?: string) => void): void {
    const file = resolvePath(baseDir, o.path);
    let obj: BpfObject;
    let bytes: Buffer;
    try {
      bytes = readBoundedFile(file, { what: "BPF object", maxBytes: this.maxObjectBytes, raise: "raise the limit with --max-input-size" });
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      issue(e.message);
      return;
    }
    try {
      obj = BpfObject.open(bytes, { name: basename(file).replace(/(\.bpf)?\.o$/, "") });
    } catch (e) {
      // ObjError: the file, section and offset of what is malformed (the bytes were read here, so the file is added).
      if (!(e instanceof ObjError)) throw e;
      issue(e instanceof ObjFileError ? e.message : `not a BPF object this loader can open: ${e.inFile(file).message}`);
      return;
    }
    const structOps = [...obj.maps.values()].filter((m) => m.type === BPF_MAP_TYPE_STRUCT_OPS);
    const iterators = [...obj.programs.values()].filter((p) => p.spec.expectedAttachType === BPF_TRACE_ITER);
    if (structOps.length === 0 && iterators.length === 0) {
      issue(`${o.path} has no struct_ops map and no iterator program: a congestion control is a SEC(".struct_ops.link") struct tcp_congestion_ops, an iterator a SEC("iter/tcp") program`);
      return;
    }
    const names = structOps.map((m) => m.name);
    let bad = false;
    o.maps?.forEach((want, j) => {
      if (names.includes(want)) return;
      bad = true;
      issue(`${o.path} has no struct_ops map '${want}' (it has ${names.join(", ")})`, `.maps[${j}]`);
    });
    if (bad) return;
    const used = o.maps === undefined ? structOps.filter((m) => m.autocreate) : structOps.filter((m) => o.maps?.includes(m.name));
    for (const m of structOps) m.setAutocreate(used.includes(m));
    try {
      obj.load(p);
    } catch (e) {
      issue(`cannot load ${o.path}: ${failure(e)}`);
      return;
    }
    this.elfObjects.set(o.name, obj);
    this.elfMaps.set(o.name, used.map((m) => m.name));
    for (const m of used) this.maps.set(`${o.name}/${m.name}`, { label: m.name, caName: caNameOf(m), mapFd: m.fd, elf: m });
  }

  /** Map labels are the maps' names unless two objects have a map of the same name. */
  private labelMaps(): void {
    const count = new Map<string, number>();
    for (const m of this.maps.values()) count.set(m.label, (count.get(m.label) ?? 0) + 1);
    for (const [key, m] of this.maps) if ((count.get(m.label) ?? 0) > 1) this.maps.set(key, { ...m, label: key });
  }

  /** Every attach/update names one loaded map (the file decides how many maps an ELF object has, so the validator cannot). */
  private checkRefs(issues: ScenarioIssue[]): void {
    const inFileOrder = [...this.scenario.actions].sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    inFileOrder.forEach((a, i) => {
      if (a.kind === "iterate") {
        const obj = this.elfObjects.get(a.object);
        const iters = [...(obj?.programs.values() ?? [])].filter((p) => p.spec.expectedAttachType === BPF_TRACE_ITER).map((p) => p.name);
        if (!iters.includes(a.program)) {
          issues.push({ path: `actions[${i}].program`, ...a.pos, message: `object '${a.object}' has no iterator program '${a.program}' (${iters.length > 0 ? `its iterators: ${iters.join(", ")}` : "it has no iter/ program"})` });
        }
        return;
      }
      if (a.kind !== "attach" && a.kind !== "update") return;
      try {
        this.resolve(a.map);
      } catch (e) {
        if (!(e instanceof UnknownMapError)) throw e;
        issues.push({ path: `actions[${i}].map`, ...a.pos, message: e.message });
      }
    });
  }

  private resolve(ref: MapRef): LoadedMap {
    const elf = this.elfMaps.get(ref.object);
    if (elf === undefined) {
      const m = this.maps.get(ref.object);
      if (m === undefined) throw new UnknownMapError(`no struct_ops map ${ref.object} was loaded; loaded: ${[...this.maps.keys()].join(" ") || "(none)"}`);
      return m;
    }
    let name = ref.map;
    if (name === undefined) {
      if (elf.length !== 1) throw new UnknownMapError(`object '${ref.object}' has ${elf.length} struct_ops maps (${elf.join(", ")}): name one as ${ref.object}/<map>`);
      name = elf[0] as string;
    }
    const m = this.maps.get(`${ref.object}/${name}`);
    if (m === undefined) throw new UnknownMapError(`object '${ref.object}' has no loaded struct_ops map '${name}' (it has ${elf.join(", ")})`);
    return m;
  }

  /** The tcp_congestion_ops names the scenario's loaded struct_ops maps register, in load order. */
  caNames(): string[] {
    return [...new Set([...this.maps.values()].map((m) => m.caName))];
  }

  /** A loaded `path:` object by its scenario name (to read its globals after a run). */
  object(name: string): BpfObject | undefined {
    return this.elfObjects.get(name);
  }

  /**
   * Asks the kernel which struct_ops map each CA name is registered to now
   * (as `structops cc list` does) and keeps the answers that changed, as of `tNs`.
   */
  private observe(tNs: number): void {
    const structOps = listStructOps(this.p, this.host.btf, { dump: true });
    const ops = listCc(this.p, structOps, listLinks(this.p)).ops;
    const byId = new Map<number, string>();
    for (const m of this.maps.values()) {
      const info = new Uint8Array(MAP_INFO_LAYOUT.size);
      check(BPF_OBJ_GET_INFO_BY_FD, this.p.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: m.mapFd, info_len: info.length, info }), `info of map '${m.label}'`);
      byId.set(decodeMapInfo(info).id, m.label);
    }
    const now = new Map<string, string | null>();
    for (const o of ops) now.set(o.name, o.struct_ops_id === null ? null : byId.get(o.struct_ops_id) ?? null);
    for (const ca of new Set([...this.registrations.keys(), ...now.keys()])) {
      const map = now.get(ca) ?? null;
      if (map === this.mapAt(ca, tNs)) continue;
      let t = this.registrations.get(ca);
      if (t === undefined) {
        t = [];
        this.registrations.set(ca, t);
      }
      t.push({ tNs, map });
    }
  }

  /** The scenario's struct_ops map the kernel had registered under `ca` at `tNs` (actions at `tNs` included), or null. */
  mapAt(ca: string, tNs: number): string | null {
    let m: string | null = null;
    for (const r of this.registrations.get(ca) ?? []) if (r.tNs <= tNs) m = r.map;
    return m;
  }

  /** The testbed actions of the scenario, in time order. */
  simActions(): SimAction<ScenarioActionContext>[] {
    return this.scenario.actions.map((a) => ({
      atNs: a.atNs, label: labelOf(a),
      run: (ctx: ScenarioActionContext) => {
        this.run(a, ctx);
        // Only these calls change what a name is registered to; the kernel says what they did.
        if (a.kind === "attach" || a.kind === "update" || a.kind === "detach") this.observe(ctx.sim.nowNs);
      },
    }));
  }

  private done(a: ScenarioAction, ctx: ScenarioActionContext, ok: boolean, detail: string, movesHidden = false): void {
    const label = labelOf(a);
    this.outcomes.push({ tNs: ctx.sim.nowNs, label, detail, ok, ...(movesHidden ? { movesHidden } : {}) });
    // The simulator records that the action ran; this record says what it did.
    ctx.sim.mark(`${label}: ${ok ? "done" : "failed"}`, detail);
  }

  /** bpf_map__attach_struct_ops for an ELF map; BPF_LINK_CREATE for a bytecode one (its element is already set). */
  private attach(m: LoadedMap): BpfLink {
    const obj = m.elf?.obj;
    if (m.elf !== undefined && obj !== undefined) return obj.attachStructOps(m.elf);
    return linkStructOps(this.p, m.mapFd, `create link for map '${m.label}'`);
  }

  /**
   * Runs an iterator program once (bpf_program__attach_iter, BPF_ITER_CREATE,
   * read to the end, close), as a process moving every running flow after a
   * BPF_LINK_UPDATE would. Which flows moved is what the kernel says: the
   * flows whose sockets hold other ops after the walk.
   */
  private iterate(a: ScenarioAction & { kind: "iterate" }, ctx: ScenarioActionContext): void {
    const obj = this.elfObjects.get(a.object) as BpfObject;
    const now = ctx.sim.nowNs;
    const running = ctx.sim.runningFlows();
    // The ops a flow holds tell a move under the same name; a host that cannot say (Linux) compares names.
    const opsOf = (id: string): unknown => ctx.sim.congestionOpsOf?.(id) ?? ctx.sim.congestionOf(id);
    const before = new Map(running.map((id) => [id, opsOf(id)]));
    let text: string;
    const link = obj.attachIter(a.program);
    try {
      text = link.iterate();
    } finally {
      link.close();
    }
    this.iterations.push({ tNs: now, program: a.program, text });
    const moved: string[] = [];
    for (const id of running) {
      if (opsOf(id) === before.get(id)) continue;
      const cc = ctx.sim.congestionOf(id) ?? "";
      moved.push(`${id} → ${cc}${this.mapAt(cc, now) !== null ? ` (${this.mapAt(cc, now) as string})` : ""}`);
      this.moves.push({ tNs: now, flow: id, cc });
    }
    const lines = text.trimEnd().split("\n").filter((l) => l !== "");
    const last = lines[lines.length - 1] ?? "";
    // Linux's getsockopt(TCP_CONGESTION) gives a name: a move between two maps registered under one name is not visible there.
    const seen = ctx.sim.congestionOpsOf !== undefined
      ? (moved.length > 0 ? `moved ${moved.join(", ")}` : "moved no flow")
      : `${moved.length > 0 ? `moved ${moved.join(", ")} to another algorithm name` : "no flow changed its algorithm's name"} ` +
        "(getsockopt(TCP_CONGESTION) names the algorithm: a move to another version under the same name is not visible on this kernel)";
    return this.done(a, ctx, true,
      `iterator ${a.object}/${a.program} over TCP sockets: ${seen}` +
      `; of ${running.length} running flow${running.length === 1 ? "" : "s"}; its output: ${lines.length} line${lines.length === 1 ? "" : "s"}, the last "${last}"`,
      ctx.sim.congestionOpsOf === undefined);
  }

  private run(a: ScenarioAction, ctx: ScenarioActionContext): void {
    const p = this.p;
    const now = ctx.sim.nowNs;
    try {
      switch (a.kind) {
        case "attach": {
          const m = this.resolve(a.map);
          let link: BpfLink;
          try {
            link = this.attach(m);
          } catch (e) {
            return this.done(a, ctx, false, `attaching ${m.label} failed: ${failure(e)}`);
          }
          this.links.set(a.link, { link, map: m });
          const how = link.fake ? `map without BPF_F_LINK: registered by BPF_MAP_UPDATE_ELEM, no kernel link` : `BPF_LINK_CREATE: link "${a.link}" (fd ${link.fd})`;
          return this.done(a, ctx, true, `${how} registers "${m.caName}" as ${m.label}`);
        }
        case "update": {
          const l = this.links.get(a.link);
          const m = this.resolve(a.map);
          if (l === undefined) return this.done(a, ctx, false, `link "${a.link}" is not attached`);
          try {
            // bpf_link__update_map for an ELF map (it sets the map's element first); the bare command for bytecode.
            if (m.elf !== undefined) l.link.updateMap(m.elf);
            else {
              const r = p.bpf(BPF_LINK_UPDATE, { link_fd: l.link.fd, new_map_fd: m.mapFd });
              if (r.errno !== 0) throw BpfError.fromCmd(BPF_LINK_UPDATE, r.errno, `update link to map '${m.label}'`);
            }
          } catch (e) {
            return this.done(a, ctx, false, `BPF_LINK_UPDATE of link "${a.link}" to ${m.label} failed: ${failure(e)}`);
          }
          const old = l.map;
          this.links.set(a.link, { link: l.link, map: m });
          return this.done(a, ctx, true,
            `BPF_LINK_UPDATE: "${m.caName}" now means ${m.label}; sockets that chose it before keep ${old.label}`);
        }
        case "detach": {
          const l = this.links.get(a.link);
          if (l === undefined) return this.done(a, ctx, false, `link "${a.link}" is not attached`);
          try {
            // A map without BPF_F_LINK has libbpf's fake link: destroying it deletes the element, which unregisters.
            if (l.link.fake) l.link.close();
            else l.link.detach();
          } catch (e) {
            return this.done(a, ctx, false, `BPF_LINK_DETACH of link "${a.link}" failed: ${failure(e)}`);
          }
          this.links.delete(a.link);
          return this.done(a, ctx, true, `${l.link.fake ? "BPF_MAP_DELETE_ELEM" : "BPF_LINK_DETACH"}: "${l.map.caName}" is unregistered; sockets on ${l.map.label} keep running it`);
        }
        case "setsockopt": {
          const running = ctx.sim.runningFlows();
          const ids = a.flows === "all"
            ? running
            : this.scenario.flows.filter((f) => (a.flows as readonly string[]).some((s) => s === f.id || s === f.group)).map((f) => f.id);
          const res: string[] = [];
          let ok = true;
          let unknown = false;
          for (const id of ids) {
            if (!running.includes(id)) {
              res.push(`${id} not running`);
              continue;
            }
            const rc = ctx.sim.setCongestion(id, a.algorithm);
            if (rc < 0) ok = false;
            else this.moves.push({ tNs: now, flow: id, cc: a.algorithm });
            if (rc === -ENOENT) unknown = true;
            res.push(`${id} ${rc < 0 ? formatErrno(rc) : "ok"}`);
          }
          const version = this.mapAt(a.algorithm, now);
          return this.done(a, ctx, ok,
            `setsockopt(TCP_CONGESTION, "${a.algorithm}"${version !== null ? ` = ${version}` : ""}): ${res.length > 0 ? res.join(", ") : "no flow running"}`
            + (unknown ? `; ${ccUnknown(a.algorithm, availableCongestion(p))}` : ""));
        }
        case "default": {
          if (ctx.setDefaultCongestion !== undefined) {
            const rc = ctx.setDefaultCongestion(a.algorithm);
            if (rc < 0) return this.done(a, ctx, false, `default ${a.algorithm}: ${ccRefusal(-rc, a.algorithm, availableCongestion(p))}`);
            return this.done(a, ctx, true, `default ${a.algorithm}: new flows without an algorithm select it with setsockopt(TCP_CONGESTION)`);
          }
          const r = p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", `${a.algorithm}\n`);
          if (r.errno !== 0) return this.done(a, ctx, false, `net.ipv4.tcp_congestion_control = ${a.algorithm}: ${ccRefusal(r.errno, a.algorithm, availableCongestion(p))}`);
          return this.done(a, ctx, true, `net.ipv4.tcp_congestion_control = ${a.algorithm}: new flows without an algorithm get it`);
        }
        case "iterate":
          return this.iterate(a, ctx);
        case "snapshot": {
          // The same reads `structops struct_ops dump|link list|cc list --linux -j` makes, on this kernel; each running flow is a socket.
          // A flow holds the ops registered under its algorithm when it started or was last moved (KERNEL-SPEC.md §7.4, §7.5).
          const sockets = ctx.sim.runningFlows().map((id) => {
            const cc = ctx.sim.congestionOf(id) ?? "";
            let picked = this.scenario.flows.find((f) => f.id === id)?.startNs ?? 0;
            for (const m of this.moves) if (m.flow === id && m.tNs <= now) picked = Math.max(picked, m.tNs);
            return { socket: id, cc, struct_ops_map: this.mapAt(cc, picked) };
          });
          const snapshot = snapshotKernel(p, this.host.kind, this.host.btf, sockets);
          this.snapshots.push({ tNs: now, snapshot });
          return this.done(a, ctx, true, `${snapshot.struct_ops.length} struct_ops maps, ${snapshot.links.length} links, ${sockets.length} sockets`);
        }
      }
    } catch (e) {
      // A refused call fails the action and the run goes on; anything else is a bug and stops the run with its stack.
      if (!(e instanceof BpfError || e instanceof UnknownMapError)) throw e;
      return this.done(a, ctx, false, `at ${formatDuration(now)} (line ${a.pos.line}): ${e.message}`);
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
    case "snapshot":
      return "snapshot";
    case "iterate":
      return `iterate ${a.object}/${a.program}`;
  }
}
