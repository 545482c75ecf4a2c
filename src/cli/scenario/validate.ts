/**
 * @fileoverview The scenario validator: a plain value parsed from YAML or
 * JSON in, a {@link Scenario} or the list of every problem out. It checks
 * each field's type, units and range (reader.ts), then the cross-references
 * that make a run meaningful: flow ids are unique, actions name objects,
 * links and flows that exist, links are attached before they are updated or
 * detached (in time order, as the kernel would see the calls), and times lie
 * within the run. The format is documented in docs/scenarios.md.
 */
import type { Locator, Obj, Path } from "./reader.js";
import { Reader } from "./reader.js";
import type { ScenarioIssue } from "./errors.js";
import { MAX_FLOWS } from "./limits.js";
import { formatDuration, parseDuration } from "./units.js";
import { latenessAlwaysZero, MAX_LATENESS_BINS } from "../../sim/net/lateness.js";
import type { LatenessSpec } from "../../sim/api.js";
import { checkTcpCongConfig, DEFAULT_TCP_CONG_CONFIG, knownTcpCong } from "../../lib/kernel.js";
import type {
  MapRef, Scenario, ScenarioAction, ScenarioKernelConfig, ScenarioFlow, ScenarioLink, ScenarioObject, ScenarioOutputs, ScenarioQueue, ScenarioShaper,
  ScenarioTopology,
} from "./types.js";

/** Flow, link and group ids: a letter, then letters, digits, `_` or `-`. */
const ID_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const ID_WHAT = "an id of 1-32 letters, digits, '_' or '-' starting with a letter";
/** Object names become struct_ops map names: BPF_OBJ_NAME_LEN is 16 with the NUL. */
const OBJ_RE = /^[A-Za-z_][A-Za-z0-9_]{0,14}$/;
const OBJ_WHAT = "a name of 1-15 letters, digits or '_' (it names the struct_ops map)";
/** TCP_CA_NAME_MAX is 16 with the NUL. */
const CA_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const CA_WHAT = "a congestion-control name of 1-15 characters (TCP_CA_NAME_MAX)";
const MAP_REF_RE = /^[A-Za-z_][A-Za-z0-9_]{0,14}(\/[A-Za-z_.][A-Za-z0-9_.]{0,14})?$/;

/** The largest `write` a flow may give: native/testbed/flow.c allocates one buffer of that size. */
const MAX_WRITE_BYTES = 16 * 1024 * 1024;
/** A drop-tail queue given without `packets` or `bytes` holds this many packets (as the default queue). */
const DEFAULT_DROPTAIL_PACKETS = 1000;

const TOP_KEYS = ["name", "description", "seed", "duration", "default_cc", "kernel", "topology", "flows", "objects", "actions", "outputs"];
const LINK_KEYS = ["rate", "delay", "queue", "loss", "trace", "reverse", "shaper", "jitter", "wake"];

/** Bytes of a full-sized frame as sch_tbf counts it: 1500-byte IP packet + 14-byte Ethernet header. */
const FULL_FRAME_BYTES = 1514;
/**
 * tbf's defaults: the bucket holds two full frames (`burst 3028`, the smallest
 * that keeps tbf at its rate packet by packet, and what the Linux testbed
 * uses), and frames count the 14-byte Ethernet header, as sch_tbf sees them
 * on a veth or Ethernet device.
 */
const TBF_DEFAULT_BURST = 2 * FULL_FRAME_BYTES;
const TBF_DEFAULT_OVERHEAD = 14;
/** A router link's shaper when `shaper` is absent: tc-tbf with tc's defaults as the Linux testbed uses them. */
const DEFAULT_SHAPER: ScenarioShaper = { kind: "tbf", burstBytes: TBF_DEFAULT_BURST, overheadBytes: TBF_DEFAULT_OVERHEAD };

/** The validator's result: a scenario, or every issue found. */
export type ValidationResult = { readonly ok: true; readonly scenario: Scenario } | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

/**
 * Validates a parsed scenario document.
 * @param value what YAML/JSON parsing produced
 * @param locate maps a field path to its line and column
 * @param source the file name and text, kept for messages and the report
 */
export function validateScenario(value: unknown, locate: Locator, source: { file: string; text: string }): ValidationResult {
  const r = new Reader(locate);
  const top = r.obj(value, [], TOP_KEYS);
  if (top === undefined) return { ok: false, issues: r.issues };

  const defaultName = source.file.replace(/^.*[\\/]/, "").replace(/\.(ya?ml|json)$/i, "") || "scenario";
  const name = r.string(top, "name", [], /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a name of 1-64 letters, digits, '_', '.' or '-'") ?? defaultName;
  const description = r.string(top, "description", [], /^[^]{0,2000}$/, "a text of at most 2000 characters");
  const seed = r.int(top, "seed", [], 0, 0xffffffff) ?? 1;
  const durationNs = r.duration(top, "duration", [], "how long the run lasts in simulated time, e.g. 20s");
  if (durationNs === 0) r.error(["duration"], "must be > 0");
  const defaultCc = r.string(top, "default_cc", [], CA_RE, CA_WHAT);
  const kernel = readKernel(r, top);
  const end = durationNs ?? Number.MAX_SAFE_INTEGER;

  const topology = readTopology(r, top);
  const objects = readObjects(r, top);
  const flows = readFlows(r, top, end);
  const outputs = readOutputs(r, top);
  const actions = readActions(r, top, end, objects, flows);

  if (r.issues.length > 0 || topology === undefined || durationNs === undefined) {
    const issues = [...r.issues].sort((a, b) => a.line - b.line || a.col - b.col);
    return { ok: false, issues };
  }
  const scenario: Scenario = {
    name, seed, durationNs, topology, flows, objects, actions, outputs, source,
    ...(description !== undefined ? { description } : {}),
    ...(defaultCc !== undefined ? { defaultCc } : {}),
    ...(kernel !== undefined ? { kernel } : {}),
  };
  return { ok: true, scenario };
}

/**
 * The `kernel:` section: `builtin`, the congestion controls built in besides
 * reno (names the model implements; they register in the kernel's link
 * order whatever the order here), and `default`, CONFIG_DEFAULT_TCP_CONG:
 * reno or a built-in; absent, cubic when built in (Kconfig's default), else reno.
 */
function readKernel(r: Reader, top: Obj): ScenarioKernelConfig | undefined {
  if (top["kernel"] === undefined) return undefined;
  const k = r.obj(top["kernel"], ["kernel"], ["builtin", "default"]);
  if (k === undefined) return undefined;
  const known = knownTcpCong();
  const builtin: string[] = [];
  let allKnown = true;
  if (k["builtin"] === undefined) {
    allKnown = false;
    r.error(["kernel", "builtin"], `is required: the congestion controls built in besides reno (the model implements: ${known.join(" ")})`);
  } else {
    const list = r.list(k["builtin"], ["kernel", "builtin"]);
    if (list === undefined) allKnown = false;
    list?.forEach((v, i) => {
      if (typeof v !== "string" || !known.includes(v)) {
        allKnown = false;
        r.error(["kernel", "builtin", i], `must name a congestion control the model implements (${known.join(" ")}): current value is ${JSON.stringify(v)}`);
      } else if (!builtin.includes(v)) builtin.push(v);
    });
  }
  const given = r.string(k, "default", ["kernel"], CA_RE, CA_WHAT);
  const cfg = { builtin, default: given ?? (builtin.includes(DEFAULT_TCP_CONG_CONFIG.default) ? DEFAULT_TCP_CONG_CONFIG.default : "reno") };
  if (given !== undefined && allKnown && checkTcpCongConfig(cfg) !== undefined) {
    r.error(["kernel", "default"], `must be reno or a built-in congestion control (${["reno", ...builtin.filter((b) => b !== "reno")].join(" ")}): current value is "${given}"`);
  }
  return cfg;
}

function readQueue(r: Reader, v: unknown, path: Path): ScenarioQueue | undefined {
  const kindObj = r.obj(v, path, ["kind", "packets", "bytes", "limit", "min", "max", "max_p", "wlog", "ecn", "mark_packets", "mark_bytes"]);
  if (kindObj === undefined) return undefined;
  const kind = r.oneOf(kindObj, "kind", path, ["droptail", "red", "step"], "the queue discipline: droptail, red or step");
  const only = (allowed: readonly string[]): void => {
    for (const k of Object.keys(kindObj)) {
      if (k !== "kind" && !allowed.includes(k)) r.error([...path, k], `is not a field of a ${kind} queue (its fields: ${allowed.join(", ")})`, "key");
    }
  };
  const packets = r.int(kindObj, "packets", path, 1, 1e7);
  const bytes = r.size(kindObj, "bytes", path);
  const limits = { ...(packets !== undefined ? { packets } : {}), ...(bytes !== undefined ? { bytes } : {}) };
  switch (kind) {
    case "droptail":
      only(["packets", "bytes"]);
      // Without a limit (absent or null: `packets: ~`), the documented default: 1000 packets (Linux's txqueuelen).
      // A limit that is present but invalid has been reported, so the scenario is refused whatever this returns.
      return { kind, ...(packets === undefined && bytes === undefined ? { packets: DEFAULT_DROPTAIL_PACKETS } : limits) };
    case "step": {
      only(["packets", "bytes", "mark_packets", "mark_bytes"]);
      const markPackets = r.int(kindObj, "mark_packets", path, 1, 1e7);
      const markBytes = r.size(kindObj, "mark_bytes", path);
      if (markPackets === undefined && markBytes === undefined && kindObj["mark_packets"] === undefined && kindObj["mark_bytes"] === undefined) {
        r.error([...path, "mark_packets"], "is required for a step queue (or mark_bytes): the marking threshold K");
      }
      return { kind, ...limits, ...(markPackets !== undefined ? { markPackets } : {}), ...(markBytes !== undefined ? { markBytes } : {}) };
    }
    case "red": {
      only(["limit", "min", "max", "max_p", "wlog", "ecn"]);
      const limitBytes = r.size(kindObj, "limit", path, "the hard limit in bytes");
      const minBytes = r.size(kindObj, "min", path, "the average queue in bytes where marking starts");
      const maxBytes = r.size(kindObj, "max", path, "the average queue in bytes where the probability reaches max_p");
      const maxP = r.probability(kindObj, "max_p", path);
      if (maxP === 0) r.error([...path, "max_p"], "must be > 0");
      const wlog = r.int(kindObj, "wlog", path, 1, 31);
      const ecn = r.bool(kindObj, "ecn", path);
      if (minBytes !== undefined && maxBytes !== undefined && minBytes >= maxBytes) r.error([...path, "max"], `must be above min (${minBytes} bytes): current value is ${maxBytes} bytes`);
      if (maxBytes !== undefined && limitBytes !== undefined && maxBytes > limitBytes) r.error([...path, "limit"], `must be at least max (${maxBytes} bytes): current value is ${limitBytes} bytes`);
      if (limitBytes === undefined || minBytes === undefined || maxBytes === undefined) return undefined;
      return {
        kind, limitBytes, minBytes, maxBytes,
        ...(maxP !== undefined ? { maxP } : {}), ...(wlog !== undefined ? { wlog } : {}), ...(ecn !== undefined ? { ecn } : {}),
      };
    }
    default:
      return undefined;
  }
}

function readLink(r: Reader, v: unknown, path: Path): ScenarioLink | undefined {
  const o = r.obj(v, path, LINK_KEYS);
  if (o === undefined) return undefined;
  const tracePath = r.string(o, "trace", path, /^[^\0]{1,4096}$/, "the path of a mahimahi trace file");
  const rateBps = r.rate(o, "rate", path, tracePath === undefined ? "the link rate, e.g. 100mbit" : false);
  const delayNs = r.duration(o, "delay", path, "the one-way propagation delay, e.g. 20ms");
  const queue = o["queue"] === undefined ? undefined : readQueue(r, o["queue"], [...path, "queue"]);
  const lossRate = r.probability(o, "loss", path);
  if (lossRate === 1) r.error([...path, "loss"], "must be below 1 (every packet lost)");
  const given = o["shaper"] === undefined ? undefined : readShaper(r, o["shaper"], [...path, "shaper"]);
  if (given?.kind === "tbf" && tracePath !== undefined) r.error([...path, "shaper"], "cannot be tbf on a link whose capacity follows a 'trace'");
  // tbf is the default (how links are shaped on Linux); a traced link's capacity is the trace's, so it has none.
  const shaper = given ?? (tracePath === undefined ? DEFAULT_SHAPER : undefined);
  const jitterNs = r.duration(o, "jitter", path);
  const wake = o["wake"] === undefined ? undefined : readWake(r, o["wake"], [...path, "wake"]);
  let reverse: ScenarioLink["reverse"];
  if (o["reverse"] !== undefined) {
    const rp = [...path, "reverse"];
    const ro = r.obj(o["reverse"], rp, ["rate", "delay", "queue", "loss", "jitter", "wake"]);
    if (ro !== undefined) {
      const rr = r.rate(ro, "rate", rp);
      const rd = r.duration(ro, "delay", rp);
      const rq = ro["queue"] === undefined ? undefined : readQueue(r, ro["queue"], [...rp, "queue"]);
      const rl = r.probability(ro, "loss", rp);
      const rj = r.duration(ro, "jitter", rp);
      // Kept with a lateness of 0: the ACK direction then has none, rather than the forward direction's.
      const rw = ro["wake"] === undefined ? undefined : readWake(r, ro["wake"], [...rp, "wake"], true);
      reverse = {
        ...(rr !== undefined ? { rateBps: rr } : {}), ...(rd !== undefined ? { delayNs: rd } : {}),
        ...(rq !== undefined ? { queue: rq } : {}), ...(rl !== undefined ? { lossRate: rl } : {}),
        ...(rj !== undefined ? { jitterNs: rj } : {}), ...(rw !== undefined ? { wake: rw } : {}),
      };
    }
  }
  if (delayNs === undefined || (rateBps === undefined && tracePath === undefined)) return undefined;
  return {
    rateBps: rateBps ?? 0, delayNs,
    ...(queue !== undefined ? { queue } : {}), ...(lossRate !== undefined ? { lossRate } : {}),
    ...(shaper !== undefined ? { shaper } : {}), ...(jitterNs !== undefined && jitterNs > 0 ? { jitterNs } : {}),
    ...(wake !== undefined ? { wake } : {}),
    ...(tracePath !== undefined ? { tracePath, tracePos: r.pos([...path, "trace"]) } : {}), ...(reverse !== undefined ? { reverse } : {}),
  };
}

/**
 * `wake: { after: D, late: LATENESS }`: the link's delay runs first, on an element that sleeps; a packet due after
 * it slept for `after` leaves `late` later (a lateness as watchdog_late's). A lateness of 0 is no wake-up at all:
 * absent, or with `keepZero` (a `reverse` override, which must not fall back to the forward direction's) kept as it
 * is, which the simulator's link treats as none.
 */
function readWake(r: Reader, v: unknown, path: Path, keepZero = false): ScenarioLink["wake"] {
  const o = r.obj(v, path, ["after", "late"]);
  if (o === undefined) return undefined;
  const idleNs = r.duration(o, "after", path, "how long the link's element must sleep before its next release is late, e.g. 500us");
  if (idleNs === 0) r.error([...path, "after"], "must be above 0");
  if (o["late"] === undefined) r.error(path, "needs 'late': how late the element wakes after a sleep, e.g. 250us or { histogram: [...] }");
  const late = o["late"] === undefined ? undefined : readLateness(r, o["late"], [...path, "late"]);
  if (idleNs === undefined || idleNs === 0 || late === undefined) return undefined;
  return latenessAlwaysZero(late) && !keepZero ? undefined : { idleNs, late };
}

/** `shaper: wire | tbf`, or `{ kind: tbf, burst, overhead, watchdog_late }` (tc-tbf's burst in bytes of frames; L2 bytes per packet; the watchdog's lateness). */
function readShaper(r: Reader, v: unknown, path: Path): ScenarioShaper | undefined {
  const WHAT = "how the link enforces its rate: wire (serialization) or tbf (a token bucket with a fifo child, as tc-tbf)";
  if (typeof v === "string") {
    if (v === "wire") return { kind: "wire" };
    if (v === "tbf") return DEFAULT_SHAPER;
    r.error(path, `must be ${WHAT}: current value is ${JSON.stringify(v)}`);
    return undefined;
  }
  const o = r.obj(v, path, ["kind", "burst", "overhead", "watchdog_late"]);
  if (o === undefined) return undefined;
  const kind = r.oneOf(o, "kind", path, ["wire", "tbf"], WHAT);
  if (kind === "wire") {
    for (const k of ["burst", "overhead", "watchdog_late"]) if (o[k] !== undefined) r.error([...path, k], "belongs to a tbf shaper", "key");
    return { kind };
  }
  const burstBytes = r.size(o, "burst", path) ?? TBF_DEFAULT_BURST;
  const overheadBytes = r.int(o, "overhead", path, 0, 256) ?? TBF_DEFAULT_OVERHEAD;
  const frame = 1500 + overheadBytes;
  if (burstBytes < frame) {
    r.error([...path, "burst"], `must hold at least one full frame (${frame} bytes with overhead ${overheadBytes}): a smaller bucket drops every full-sized segment, as sch_tbf does: current value is ${burstBytes} bytes`);
  }
  const watchdogLate = o["watchdog_late"] === undefined ? undefined : readLateness(r, o["watchdog_late"], [...path, "watchdog_late"]);
  // A lateness of 0 is the exact watchdog: the same scenario as without the field.
  const late = watchdogLate === undefined || latenessAlwaysZero(watchdogLate) ? {} : { watchdogLate };
  return kind === undefined ? undefined : { kind, burstBytes, overheadBytes, ...late };
}

/** The longest lateness a distribution may give: a timer a second late is a stalled host, not a late one. */
const MAX_LATENESS_NS = 1e9;

/**
 * A timer's lateness: a duration (always that late), `{ uniform: D }` (in
 * [0, D)), `{ exponential: D }` (mean D), or `{ histogram: [[UPTO, WEIGHT], ...] }`
 * (bins from the previous edge, 0 for the first, up to UPTO; uniform inside).
 */
function readLateness(r: Reader, v: unknown, path: Path): LatenessSpec | undefined {
  const WHAT = "a timer's lateness: a duration, { uniform: D }, { exponential: D } or { histogram: [[UPTO, WEIGHT], ...] }";
  const dur = (x: unknown, at: Path): number | undefined => {
    const ns = parseDuration(x);
    if (typeof ns === "string") r.error(at, `must be ${ns}: current value is ${JSON.stringify(x) ?? String(x)}`);
    else if (ns > MAX_LATENESS_NS) r.error(at, `must be at most 1s (a timer that late is a stalled host): current value is ${formatDuration(ns)}`);
    else return ns;
    return undefined;
  };
  if (typeof v === "string" || typeof v === "number") {
    const ns = dur(v, path);
    return ns === undefined ? undefined : { kind: "constant", ns };
  }
  const o = r.obj(v, path, ["uniform", "exponential", "histogram"]);
  if (o === undefined) return undefined;
  const given = ["uniform", "exponential", "histogram"].filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    // An unknown field alone was reported as such.
    if (given.length > 1 || Object.keys(o).length === 0) r.error(path, `must give exactly one of uniform, exponential, histogram (${WHAT}): current value gives ${given.length === 0 ? "none" : given.join(", ")}`);
    return undefined;
  }
  if (o["uniform"] !== undefined) {
    const ns = dur(o["uniform"], [...path, "uniform"]);
    return ns === undefined ? undefined : { kind: "uniform", maxNs: ns };
  }
  if (o["exponential"] !== undefined) {
    const ns = dur(o["exponential"], [...path, "exponential"]);
    return ns === undefined ? undefined : { kind: "exponential", meanNs: ns };
  }
  const hp = [...path, "histogram"];
  const list = r.list(o["histogram"], hp);
  if (list === undefined) return undefined;
  if (list.length === 0 || list.length > MAX_LATENESS_BINS) {
    r.error(hp, `must have 1-${MAX_LATENESS_BINS} bins [UPTO, WEIGHT]: current length is ${list.length}`);
    return undefined;
  }
  const edgesNs: number[] = [];
  const weights: number[] = [];
  let ok = true;
  let prev = 0;
  let total = 0;
  list.forEach((bin, i) => {
    if (!Array.isArray(bin) || bin.length !== 2) {
      r.error([...hp, i], `must be a bin [UPTO, WEIGHT]: the bin's upper edge (a duration above the previous one) and its weight (a count or a fraction): current value is ${JSON.stringify(bin) ?? String(bin)}`);
      ok = false;
      return;
    }
    const edge = dur(bin[0], [...hp, i, 0]);
    const w: unknown = bin[1];
    if (edge === undefined) ok = false;
    else if (edge <= prev) {
      r.error([...hp, i, 0], `must be above the previous bin's edge (${formatDuration(prev)}): current value is ${formatDuration(edge)}`);
      ok = false;
    } else prev = edge;
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      r.error([...hp, i, 1], `must be a weight: a number ≥ 0 (a count or a fraction): current value is ${JSON.stringify(w) ?? String(w)}`);
      ok = false;
    } else total += w;
    if (edge !== undefined) edgesNs.push(edge);
    if (typeof w === "number") weights.push(w);
  });
  if (ok && !(total > 0)) {
    r.error(hp, "must have a bin of weight > 0");
    ok = false;
  }
  return ok ? { kind: "histogram", edgesNs, weights } : undefined;
}

/** A flow's `drops: { segments: [...], seqs: [...] }`: the data segments to lose, replayed exactly. */
function readDrops(r: Reader, v: unknown, path: Path): ScenarioFlow["drops"] {
  const o = r.obj(v, path, ["segments", "seqs"]);
  if (o === undefined) return undefined;
  const out: { segments?: number[]; seqs?: number[] } = {};
  for (const [key, min, what] of [
    ["segments", 1, "a 1-based index among the data segments the flow sends, retransmissions included"],
    ["seqs", 0, "a sequence number relative to the first data byte (0 = the first byte)"],
  ] as const) {
    if (o[key] === undefined) continue;
    const list = r.list(o[key], [...path, key]);
    const got: number[] = [];
    list?.forEach((x, i) => {
      if (typeof x === "number" && Number.isSafeInteger(x) && x >= min) got.push(x);
      else r.error([...path, key, i], `must be ${what} (an integer ≥ ${min}): current value is ${JSON.stringify(x) ?? String(x)}`);
    });
    out[key] = got;
  }
  if (o["segments"] === undefined && o["seqs"] === undefined) r.error(path, "must give 'segments' or 'seqs' (or both): the data segments to lose");
  return out;
}

function readTopology(r: Reader, top: Obj): ScenarioTopology | undefined {
  const v = r.required(top, "topology", [], "the network: at least a bottleneck with rate and delay");
  if (v === undefined) return undefined;
  const o = r.obj(v, ["topology"], ["bottleneck", "hops", "access"]);
  if (o === undefined) return undefined;
  const bv = r.required(o, "bottleneck", ["topology"], "the bottleneck link (rate, delay, queue, loss, trace)");
  const bottleneck = bv === undefined ? undefined : readLink(r, bv, ["topology", "bottleneck"]);
  const hops: ScenarioLink[] = [];
  if (o["hops"] !== undefined) {
    const list = r.list(o["hops"], ["topology", "hops"]);
    if (list !== undefined && list.length > 8) r.error(["topology", "hops"], `must have at most 8 links: current length is ${list.length}`);
    list?.forEach((h, i) => {
      const l = readLink(r, h, ["topology", "hops", i]);
      if (l !== undefined) hops.push(l);
    });
  }
  let access: ScenarioTopology["access"] = {};
  if (o["access"] !== undefined) {
    const ao = r.obj(o["access"], ["topology", "access"], ["rate", "delay", "noise", "qdisc"]);
    if (ao !== undefined) {
      const rate = r.rate(ao, "rate", ["topology", "access"]);
      const delay = r.duration(ao, "delay", ["topology", "access"]);
      const noise = r.duration(ao, "noise", ["topology", "access"]);
      const qdisc = r.oneOf(ao, "qdisc", ["topology", "access"], ["none", "fq"]);
      access = {
        ...(rate !== undefined ? { rateBps: rate } : {}), ...(delay !== undefined ? { delayNs: delay } : {}),
        ...(noise !== undefined && noise > 0 ? { noiseNs: noise } : {}),
        ...(qdisc === "fq" ? { qdisc } : {}),
      };
    }
  }
  return bottleneck === undefined ? undefined : { bottleneck, hops, access };
}

function readObjects(r: Reader, top: Obj): ScenarioObject[] {
  const out: ScenarioObject[] = [];
  if (top["objects"] === undefined) return out;
  const list = r.list(top["objects"], ["objects"]);
  const seen = new Set<string>();
  list?.forEach((v, i) => {
    const path = ["objects", i];
    const o = r.obj(v, path, ["name", "path", "maps", "bytecode", "ca_name", "beta"]);
    if (o === undefined) return;
    const name = r.string(o, "name", path, OBJ_RE, OBJ_WHAT, "the name actions use for this object");
    if (name !== undefined && seen.has(name)) r.error([...path, "name"], `'${name}' names another object already`);
    if (name !== undefined) seen.add(name);
    const pos = r.pos(path);
    if (o["path"] !== undefined && o["bytecode"] !== undefined) r.error([...path, "bytecode"], "cannot be given with 'path': an object is either a file or a bundled algorithm", "key");
    if (o["path"] !== undefined) {
      for (const k of ["ca_name", "beta"]) if (o[k] !== undefined) r.error([...path, k], "belongs to bytecode objects; an ELF object's maps carry their own name", "key");
      const file = r.string(o, "path", path, /^[^\0]{1,4096}$/, "the path of a clang-built BPF object (.bpf.o)");
      let maps: string[] | undefined;
      if (o["maps"] !== undefined) {
        const ml = r.list(o["maps"], [...path, "maps"]);
        maps = [];
        ml?.forEach((m, j) => {
          if (typeof m === "string" && /^[A-Za-z_.][A-Za-z0-9_.]{0,14}$/.test(m)) maps?.push(m);
          else r.error([...path, "maps", j], `must be a struct_ops map name of the object: current value is ${JSON.stringify(m) ?? String(m)}`);
        });
      }
      if (name !== undefined && file !== undefined) out.push({ kind: "elf", name, path: file, ...(maps !== undefined ? { maps } : {}), pos });
    } else if (o["bytecode"] !== undefined) {
      if (o["maps"] !== undefined) r.error([...path, "maps"], "belongs to ELF objects; a bytecode object has one struct_ops map named like the object", "key");
      const algorithm = r.oneOf(o, "bytecode", path, ["reno"]);
      const caName = r.string(o, "ca_name", path, CA_RE, CA_WHAT, "the tcp_congestion_ops.name the object registers");
      const beta = r.number(o, "beta", path, 0.05, 1) ?? 0.5;
      if (name !== undefined && algorithm !== undefined && caName !== undefined) out.push({ kind: "bytecode", name, algorithm, caName, beta, pos });
    } else {
      r.error([...path, "path"], "is required: the .bpf.o file to load (or 'bytecode' for a bundled algorithm)");
    }
  });
  return out;
}

function readFlows(r: Reader, top: Obj, end: number): ScenarioFlow[] {
  const out: ScenarioFlow[] = [];
  const v = r.required(top, "flows", [], "the TCP flows to run (a list)");
  if (v === undefined) return out;
  const list = r.list(v, ["flows"]);
  if (list !== undefined && list.length === 0) r.error(["flows"], "must list at least one flow");
  const ids = new Set<string>();
  list?.forEach((fv, i) => {
    const path = ["flows", i];
    const o = r.obj(fv, path, ["id", "count", "start", "stop", "duration", "size", "algorithm", "ecn", "stagger", "extra_delay", "drops", "write"]);
    if (o === undefined) return;
    const group = r.string(o, "id", path, ID_RE, ID_WHAT) ?? `f${i + 1}`;
    const count = r.int(o, "count", path, 1, MAX_FLOWS) ?? 1;
    const startNs = r.duration(o, "start", path) ?? 0;
    const stop = r.duration(o, "stop", path);
    const duration = r.duration(o, "duration", path);
    const bytes = r.size(o, "size", path);
    const writeBytes = r.size(o, "write", path);
    if (writeBytes !== undefined && writeBytes > MAX_WRITE_BYTES) {
      r.error([...path, "write"], `must be at most ${MAX_WRITE_BYTES} bytes (16MiB, the testbed writer's largest buffer): current value is ${writeBytes} bytes`);
    }
    const cc = r.string(o, "algorithm", path, CA_RE, CA_WHAT);
    const ecn = r.bool(o, "ecn", path) ?? false;
    const stagger = r.duration(o, "stagger", path) ?? 0;
    const extraDelayNs = r.duration(o, "extra_delay", path) ?? 0;
    const drops = o["drops"] === undefined ? undefined : readDrops(r, o["drops"], [...path, "drops"]);
    if (stop !== undefined && duration !== undefined) r.error([...path, "duration"], "cannot be given with 'stop': give one of them", "key");
    if (stop !== undefined && stop <= startNs) r.error([...path, "stop"], `must be after start (${formatDuration(startNs)}): current value is ${formatDuration(stop)}`);
    if (duration === 0) r.error([...path, "duration"], "must be > 0");
    const lastStart = startNs + stagger * (count - 1);
    const startField = count > 1 && stagger > 0 ? "stagger" : "start";
    if (lastStart >= end) r.error([...path, startField], `starts a flow at ${formatDuration(lastStart)}, not before the end of the run (${formatDuration(end)})`);
    else if (stop !== undefined && stop > startNs && lastStart >= stop) {
      // `stop` is absolute: every copy must start before it, not only the first.
      r.error([...path, startField], `starts a flow at ${formatDuration(lastStart)}, not before the group's stop (${formatDuration(stop)}): start + stagger × (count - 1) must be before stop`);
    }
    if (out.length + count > MAX_FLOWS) {
      r.error([...path, "count"], `brings the number of flows above ${MAX_FLOWS}`);
      return;
    }
    const pos = r.pos(path);
    for (let k = 0; k < count; k++) {
      const id = count === 1 ? group : `${group}.${k + 1}`;
      if (ids.has(id) || ids.has(group)) {
        r.error([...path, "id"], `'${id}' names another flow already`);
        return;
      }
      ids.add(id);
      const s = startNs + stagger * k;
      const stopNs = stop ?? (duration !== undefined ? s + duration : undefined);
      out.push({
        id, group, startNs: s, ecn, extraDelayNs, pos,
        ...(stopNs !== undefined ? { stopNs } : {}), ...(bytes !== undefined ? { bytes } : {}), ...(cc !== undefined ? { cc } : {}),
        ...(drops !== undefined ? { drops } : {}), ...(writeBytes !== undefined ? { writeBytes } : {}),
      });
    }
    if (count > 1) ids.add(group);
  });
  return out;
}

function readOutputs(r: Reader, top: Obj): ScenarioOutputs {
  const d: ScenarioOutputs = { format: "csv", sampleNs: 10_000_000, hooks: "events", drops: false, report: true };
  if (top["outputs"] === undefined) return d;
  const o = r.obj(top["outputs"], ["outputs"], ["format", "sample", "hooks", "drops", "report"]);
  if (o === undefined) return d;
  const sampleNs = r.duration(o, "sample", ["outputs"]);
  if (sampleNs !== undefined && sampleNs < 100_000) r.error(["outputs", "sample"], `must be at least 100us: current value is ${formatDuration(sampleNs)}`);
  return {
    format: r.oneOf(o, "format", ["outputs"], ["csv", "jsonl"]) ?? d.format,
    sampleNs: sampleNs ?? d.sampleNs,
    hooks: r.oneOf(o, "hooks", ["outputs"], ["none", "events", "all"]) ?? d.hooks,
    drops: r.bool(o, "drops", ["outputs"]) ?? d.drops,
    report: r.bool(o, "report", ["outputs"]) ?? d.report,
  };
}

/** `object/program`: an object name and a C function name. */
const PROGRAM_REF_RE = /^[A-Za-z_][A-Za-z0-9_]{0,14}\/[A-Za-z_][A-Za-z0-9_]*$/;

function parseMapRef(r: Reader, o: Obj, key: string, path: Path, objects: readonly ScenarioObject[]): MapRef | undefined {
  const s = r.string(o, key, path, MAP_REF_RE, "an object name, or object/map for one struct_ops map of an ELF object", "the struct_ops map: object or object/map");
  if (s === undefined) return undefined;
  const [object, map] = s.split("/") as [string, string | undefined];
  const obj = objects.find((x) => x.name === object);
  if (obj === undefined) {
    const names = objects.map((x) => x.name);
    r.error([...path, key], `names no object: '${object}' is not in objects (${names.length > 0 ? names.join(", ") : "none are declared"})`);
    return undefined;
  }
  if (map !== undefined && obj.kind === "bytecode" && map !== obj.name) r.error([...path, key], `a bytecode object has one map, named '${obj.name}'`);
  if (map !== undefined && obj.kind === "elf" && obj.maps !== undefined && !obj.maps.includes(map)) r.error([...path, key], `'${map}' is not in ${object}'s maps (${obj.maps.join(", ")})`);
  return map === undefined ? { object } : { object, map };
}

function readActions(r: Reader, top: Obj, end: number, objects: readonly ScenarioObject[], flows: readonly ScenarioFlow[]): ScenarioAction[] {
  const out: { a: ScenarioAction; path: Path }[] = [];
  if (top["actions"] === undefined) return [];
  const list = r.list(top["actions"], ["actions"]);
  const KEYS: Record<string, readonly string[]> = {
    attach: ["map", "link"], update: ["link", "map"], detach: ["link"], setsockopt: ["algorithm", "flows"], default: ["algorithm"], snapshot: [],
    iterate: ["program"],
  };
  list?.forEach((v, i) => {
    const path = ["actions", i];
    const o = r.obj(v, path, ["at", "do", "map", "link", "algorithm", "flows", "program"]);
    if (o === undefined) return;
    const atNs = r.duration(o, "at", path, "when the action runs, e.g. 10s");
    const kind = r.oneOf(o, "do", path, ["attach", "update", "detach", "setsockopt", "default", "snapshot", "iterate"], "what to do: attach, update, detach, setsockopt, default, snapshot or iterate");
    if (atNs !== undefined && atNs > end) r.error([...path, "at"], `is after the end of the run (${formatDuration(end)}): current value is ${formatDuration(atNs)}`);
    if (kind === undefined || atNs === undefined) return;
    for (const k of Object.keys(o)) {
      if (k !== "at" && k !== "do" && ["map", "link", "algorithm", "flows", "program"].includes(k) && !(KEYS[kind] as readonly string[]).includes(k)) {
        const fields = KEYS[kind] as readonly string[];
        r.error([...path, k], `is not a field of a '${kind}' action (${fields.length > 0 ? `its fields: ${fields.join(", ")}` : "it has none besides at and do"})`, "key");
      }
    }
    const pos = r.pos(path);
    switch (kind) {
      case "attach": {
        const map = parseMapRef(r, o, "map", path, objects);
        const link = r.string(o, "link", path, ID_RE, ID_WHAT) ?? (map?.object);
        if (map !== undefined && link !== undefined) out.push({ a: { kind, atNs, pos, map, link }, path });
        return;
      }
      case "update": {
        const link = r.string(o, "link", path, ID_RE, ID_WHAT, "the link to update (the name its attach action gave)");
        const map = parseMapRef(r, o, "map", path, objects);
        if (map !== undefined && link !== undefined) out.push({ a: { kind, atNs, pos, link, map }, path });
        return;
      }
      case "detach": {
        const link = r.string(o, "link", path, ID_RE, ID_WHAT, "the link to detach");
        if (link !== undefined) out.push({ a: { kind, atNs, pos, link }, path });
        return;
      }
      case "setsockopt": {
        const algorithm = r.string(o, "algorithm", path, CA_RE, CA_WHAT, "the algorithm to move the flows to");
        let sel: string[] | "all" = "all";
        if (o["flows"] !== undefined && o["flows"] !== "all") {
          const fl = r.list(o["flows"], [...path, "flows"]);
          sel = [];
          fl?.forEach((f, j) => {
            if (typeof f !== "string" || !flows.some((x) => x.id === f || x.group === f)) {
              r.error([...path, "flows", j], `must be a flow id or group id from flows: current value is ${JSON.stringify(f) ?? String(f)}`);
            } else (sel as string[]).push(f);
          });
        }
        if (algorithm !== undefined) out.push({ a: { kind, atNs, pos, algorithm, flows: sel }, path });
        return;
      }
      case "default": {
        const algorithm = r.string(o, "algorithm", path, CA_RE, CA_WHAT, "the new net.ipv4.tcp_congestion_control");
        if (algorithm !== undefined) out.push({ a: { kind, atNs, pos, algorithm }, path });
        return;
      }
      case "snapshot":
        out.push({ a: { kind, atNs, pos }, path });
        return;
      case "iterate": {
        const s = r.string(o, "program", path, PROGRAM_REF_RE, "object/program: an iter/ program of an ELF object", "the iterator program to run: object/program");
        if (s === undefined) return;
        const [object, program] = s.split("/") as [string, string];
        const obj = objects.find((x) => x.name === object);
        if (obj === undefined || obj.kind !== "elf") {
          const elf = objects.filter((x) => x.kind === "elf").map((x) => x.name);
          r.error([...path, "program"], `names no ELF object: '${object}' is not a path: object in objects (${elf.length > 0 ? elf.join(", ") : "none are declared"})`);
          return;
        }
        out.push({ a: { kind, atNs, pos, object, program }, path });
        return;
      }
    }
  });
  // Replay link operations in time order, as the kernel will see them.
  out.sort((x, y) => x.a.atNs - y.a.atNs);
  const live = new Map<string, number>();
  const gone = new Map<string, number>();
  for (const { a, path } of out) {
    if (a.kind === "attach") {
      if (live.has(a.link)) r.error([...path, "link"], `'${a.link}' is already attached (at ${formatDuration(live.get(a.link) as number)}); give this link another name`);
      live.set(a.link, a.atNs);
      gone.delete(a.link);
    } else if (a.kind === "update" || a.kind === "detach") {
      if (!live.has(a.link)) {
        const when = gone.get(a.link);
        r.error([...path, "link"], when !== undefined
          ? `'${a.link}' was detached at ${formatDuration(when)}, before this ${a.kind} at ${formatDuration(a.atNs)}`
          : `'${a.link}' is not attached at ${formatDuration(a.atNs)}: an earlier action must attach it (do: attach, link: ${a.link})`);
      } else if (a.kind === "detach") {
        live.delete(a.link);
        gone.set(a.link, a.atNs);
      }
    }
  }
  return out.map((x) => x.a);
}
