/**
 * @fileoverview `structops run --linux`: a scenario on this machine's
 * kernel, through the Linux testbed (src/testbed/linux): real TCP flows in
 * network namespaces over a tbf bottleneck and a delay line, the scenario's
 * objects loaded and its actions issued through bpf(2) and setsockopt at
 * their times, TCP_INFO written to the same trace files, and the same
 * summary and report as a simulated run (docs/linux-run.md).
 *
 * What the real path cannot reproduce is refused by name, with the line of
 * the field, before anything is created ({@link linuxRefusals}); an
 * algorithm this kernel does not have is refused before the network is
 * built, and none is ever loaded as a module.
 */
import { release } from "node:os";
import { dirname } from "node:path";
import { RunCollector } from "../../report/collect.js";
import type { TraceRecord } from "../../sim/api.js";
import { latenessAlwaysZero } from "../../sim/net/lateness.js";
import type { LinuxTestbedSpec } from "../../testbed/linux/index.js";
import { CliUserError } from "../errors.js";
import { prepareOutputDir } from "../out-dir.js";
import { formatPath, ScenarioError } from "../scenario/errors.js";
import type { ScenarioIssue } from "../scenario/errors.js";
import { parseYamlDocument } from "../scenario/load.js";
import type { Locator, Path } from "../scenario/reader.js";
import { MAX_OBJECT_BYTES } from "../scenario/limits.js";
import type { Scenario, ScenarioLink, TraceFormat } from "../scenario/types.js";
import { availableCongestion, ScenarioKernel } from "./kernel-actions.js";
import { runOutputFiles, TraceFiles } from "./output.js";
import type { Progress } from "./progress.js";
import { finishRun } from "./run-scenario.js";
import type { ScenarioRun } from "./run-scenario.js";

/** The longest run --linux accepts: it runs in real time. */
export const MAX_LINUX_DURATION_NS = 3600e9;
/** Bytes the simulator puts on the wire for a full segment (MSS 1448 + 52 header bytes); tbf counts 14 more (the Ethernet header). */
const SIM_SEGMENT_BYTES = 1500;

/** An issue at a field of the scenario file (the file is parsed again only when there is one to report). */
function issuesAt(s: Scenario): { out: ScenarioIssue[]; add: (path: Path, message: string) => void } {
  let locate: Locator | undefined;
  const out: ScenarioIssue[] = [];
  return {
    out,
    add: (path, message) => {
      locate ??= parseYamlDocument(s.source.text, s.source.file, "empty").locate;
      out.push({ path: formatPath(path), ...locate(path, "key"), message });
    },
  };
}

/** Index of each flow group (`flows[i]` of the file) by its id. */
function groupIndex(s: Scenario): Map<string, number> {
  return new Map([...new Set(s.flows.map((f) => f.group))].map((g, i) => [g, i]));
}

/**
 * The scenario's features the Linux testbed cannot reproduce, each at its
 * field's line. Pure: no root and no kernel needed.
 */
export function linuxRefusals(s: Scenario): ScenarioIssue[] {
  const { out, add: refuse } = issuesAt(s);
  const t = s.topology;
  const bn = t.bottleneck;
  if (t.hops.length > 0) refuse(["topology", "hops"], "--linux has one bottleneck (tbf + fifo): further links in series (hops) are not reproduced");
  if (bn.tracePath !== undefined) refuse(["topology", "bottleneck", "trace"], "--linux shapes a fixed rate with tbf: a mahimahi capacity trace is not reproduced");
  const q = bn.queue;
  if (q !== undefined && q.kind !== "droptail") {
    refuse(["topology", "bottleneck", "queue"], `--linux's bottleneck queue is a drop-tail fifo (pfifo or bfifo under tbf): '${q.kind}' is not reproduced`);
  }
  if (q !== undefined && q.kind === "droptail" && q.packets !== undefined && q.bytes !== undefined) {
    refuse(["topology", "bottleneck", "queue"], "--linux's fifo has one limit: give packets or bytes, not both");
  }
  const sh = bn.shaper;
  if (sh?.kind === "tbf" && (sh.burstBytes !== 2 * 1514 || sh.overheadBytes !== 14)) {
    refuse(["topology", "bottleneck", "shaper"], "--linux's tbf has a two-frame bucket (burst 3028) and counts Ethernet frames: another burst or overhead is not reproduced");
  }
  const rev = bn.reverse;
  if (rev?.rateBps !== undefined) refuse(["topology", "bottleneck", "reverse", "rate"], "--linux does not shape the ACK direction: reverse.rate is not reproduced");
  if (rev?.queue !== undefined) refuse(["topology", "bottleneck", "reverse", "queue"], "--linux has no queue on the ACK direction: reverse.queue is not reproduced");
  const fastest = bn.rateBps;
  if (t.access.rateBps !== undefined && t.access.rateBps < fastest) {
    refuse(["topology", "access", "rate"], "--linux's access links are veths, faster than the bottleneck: an access rate below the bottleneck's is not reproduced");
  }
  if (s.durationNs > MAX_LINUX_DURATION_NS) refuse(["duration"], `--linux runs in real time: at most ${MAX_LINUX_DURATION_NS / 3600e9} h`);
  for (const [g, i] of groupIndex(s)) {
    if (s.flows.some((f) => f.group === g && f.ecn)) refuse(["flows", i, "ecn"], "--linux's fifo marks no packets: ECN flows are not reproduced");
    if (s.flows.some((f) => f.group === g && f.drops !== undefined)) refuse(["flows", i, "drops"], "--linux's delay line drops at random (loss): a drop list is not replayed");
  }
  s.objects.forEach((o, i) => {
    if (o.kind === "bytecode") refuse(["objects", i, "bytecode"], "a bytecode: object is built against the emulated kernel's BTF: --linux loads clang-built objects (path:) only");
  });
  return out;
}

/**
 * `topology.access.qdisc: fq` on a kernel without sch_fq (`probe`, from
 * probeQdisc), refused at its line before anything starts: the run would
 * otherwise pace with TCP's internal timer and silently be another run.
 */
export function fqRefusal(s: Scenario, probe: { readonly ok: true } | { readonly ok: false; readonly reason: string }): ScenarioIssue[] {
  const { out, add } = issuesAt(s);
  if (s.topology.access.qdisc === "fq" && !probe.ok) {
    add(["topology", "access", "qdisc"], `--linux cannot pace with fq: ${probe.reason}; use qdisc: none (TCP's internal pacing, what this kernel runs)`);
  }
  return out;
}

/** What a Linux run writes differently from a simulated one, for the terminal and the report. */
export function linuxNotes(s: Scenario): string[] {
  const notes: string[] = [
    "Run on this machine's kernel (structops run --linux): real TCP flows over veth, a tbf + fifo bottleneck and a delay line, sampled through TCP_INFO; the RTT columns hold the smoothed RTT (tcpi_rtt).",
  ];
  if (s.outputs.hooks !== "none") notes.push(`outputs.hooks: ${s.outputs.hooks}: the real kernel's congestion-control hooks are not traced (no hook records, no β).`);
  if (s.outputs.drops) notes.push("outputs.drops: no per-packet drop records on Linux; the queue samples count the bottleneck's drops.");
  const bn = s.topology.bottleneck;
  if (bn.shaper?.kind === "wire") notes.push("shaper: wire: the Linux bottleneck is tbf + fifo (the fifo's limit counts the packet waiting for tokens), not a serializing link; the default shaper (tbf) is the simulated equivalent.");
  if (bn.jitterNs !== undefined || bn.reverse?.jitterNs !== undefined || s.topology.access.noiseNs !== undefined) {
    notes.push("jitter and noise are not applied: the real path has its own timing noise (the delay line's lateness, softirq scheduling).");
  }
  // A reverse override may carry a lateness of 0 (no wake-up on the ACK direction).
  const wakes = (l: ScenarioLink): boolean => l.wake !== undefined || (l.reverse?.wake !== undefined && !latenessAlwaysZero(l.reverse.wake.late));
  if (wakes(bn) || s.topology.hops.some(wakes)) {
    notes.push("wake is not applied: the real delay line wakes as late after a sleep as this machine's timers do (docs/fidelity.md measures it).");
  }
  if (bn.shaper?.kind === "tbf" && bn.shaper.watchdogLate !== undefined) {
    notes.push("shaper.watchdog_late is not applied: Linux's tbf watchdog cannot be told to be late; it fires as late as this machine's timers do (docs/fidelity.md measures them).");
  }
  if (s.actions.some((a) => a.kind === "iterate")) {
    notes.push("iterate: the iterator runs over the real sockets; which flows it moved between maps registered under one name is not visible (getsockopt(TCP_CONGESTION) gives the name only), so each flow is labelled with the version it chose at its start or at a setsockopt.");
  }
  if (s.kernel !== undefined) notes.push(`kernel.builtin describes the emulated kernel's build; this kernel has its own algorithms.`);
  return notes;
}

/** The algorithms the scenario selects that are in neither `have` nor registered by it, each at its field: run --linux loads no module. */
export function missingAlgorithms(s: Scenario, available: readonly string[], registered: readonly string[]): ScenarioIssue[] {
  const { out, add } = issuesAt(s);
  const have = new Set([...available, ...registered]);
  const why = (name: string): string =>
    `this kernel has no congestion control "${name}" (available: ${available.join(" ")}; the scenario registers: ${registered.join(" ") || "none"}); run --linux loads no module`;
  for (const [g, i] of groupIndex(s)) {
    const cc = s.flows.find((f) => f.group === g)?.cc;
    if (cc !== undefined && !have.has(cc)) add(["flows", i, "algorithm"], why(cc));
  }
  const inFileOrder = [...s.actions].sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  inFileOrder.forEach((a, i) => {
    if ((a.kind === "setsockopt" || a.kind === "default") && !have.has(a.algorithm)) add(["actions", i, "algorithm"], why(a.algorithm));
  });
  if (s.defaultCc !== undefined && !have.has(s.defaultCc)) add(["default_cc"], why(s.defaultCc));
  else if (s.defaultCc === undefined && s.kernel !== undefined && !have.has(s.kernel.default)) add(["kernel", "default"], why(s.kernel.default));
  return out;
}

/**
 * The Linux testbed's spec of a scenario. A tbf shaper (the default) is tc's
 * tbf as it is: its rate and a bfifo limit count 1514-byte frames on both
 * sides. For `shaper: wire`, whose rate counts 1500-byte packets, the rate
 * and a byte limit are scaled by 1514/1500 so a full segment takes the time
 * it takes in the simulator.
 */
export function linuxSpec(s: Scenario, sk: ScenarioKernel): LinuxTestbedSpec {
  const t = s.topology;
  const bn = t.bottleneck;
  const access = t.access.delayNs ?? 0;
  const frame = bn.shaper?.kind === "tbf" ? 1 : 1514 / SIM_SEGMENT_BYTES;
  const q = bn.queue ?? { kind: "droptail" as const, packets: 1000 };
  const queue = q.kind === "droptail" && q.bytes !== undefined ? { bytes: Math.round(q.bytes * frame) } : { packets: q.kind === "droptail" ? q.packets ?? 1000 : 1000 };
  const delayNs = bn.delayNs + 2 * access;
  const d = s.defaultCc ?? s.kernel?.default;
  return {
    path: {
      rateBps: bn.rateBps * frame, queue, delayNs, reverseDelayNs: (bn.reverse?.delayNs ?? bn.delayNs) + 2 * access,
      lossRate: bn.lossRate ?? 0, reverseLossRate: bn.reverse?.lossRate ?? bn.lossRate ?? 0,
      ...(t.access.qdisc !== undefined ? { senderQdisc: t.access.qdisc } : {}),
    },
    flows: s.flows.map((f) => ({
      id: f.id, startNs: f.startNs, extraDelayNs: f.extraDelayNs,
      ...(f.stopNs !== undefined ? { stopNs: f.stopNs } : {}), ...(f.bytes !== undefined ? { bytes: f.bytes } : {}), ...(f.cc !== undefined ? { cc: f.cc } : {}),
      ...(f.writeBytes !== undefined ? { writeBytes: f.writeBytes } : {}),
    })),
    durationNs: s.durationNs, sampleNs: s.outputs.sampleNs, ...(d !== undefined ? { defaultCc: d } : {}),
    actions: sk.simActions(),
  };
}

/** Options of {@link runLinuxScenario}. */
export interface LinuxRunOptions {
  readonly outDir: string;
  readonly seed?: number;
  readonly format?: TraceFormat;
  readonly progress?: Progress;
  readonly maxInputBytes?: number;
}

/**
 * Runs `scenario` on this machine's kernel and writes its outputs.
 * @throws {ScenarioError} for refused features (before anything starts) and objects that cannot be loaded;
 *   CliUserError when this machine cannot run it (not root, Linux before 6.4, tools missing, an algorithm it lacks)
 */
export async function runLinuxScenario(scenario: Scenario, scenarioPath: string, opts: LinuxRunOptions): Promise<ScenarioRun & { notes: string[] }> {
  const refused = linuxRefusals(scenario);
  if (refused.length > 0) throw new ScenarioError(scenario.source.file, refused);
  const tb = await import("../../testbed/linux/index.js");
  const probe = tb.probeLinux();
  if (!probe.ok) throw new CliUserError(`run --linux: this machine cannot run it: ${probe.reason}`);
  if (scenario.topology.access.qdisc === "fq") {
    const noFq = fqRefusal(scenario, tb.probeQdisc("fq"));
    if (noFq.length > 0) throw new ScenarioError(scenario.source.file, noFq);
  }
  const seed = opts.seed ?? scenario.seed;
  const format = opts.format ?? scenario.outputs.format;
  const snapshotTimes = scenario.actions.filter((a) => a.kind === "snapshot").map((a) => a.atNs);
  const iterateTimes = scenario.actions.filter((a) => a.kind === "iterate").map((a) => a.atNs);
  prepareOutputDir(opts.outDir, runOutputFiles(format, scenario.outputs.report, snapshotTimes, iterateTimes));
  const opened = tb.openHostKernel();
  if (!opened.ok) throw new CliUserError(`run --linux: ${opened.reason}`);
  const be = opened.kernel.backend;
  try {
    const sk = ScenarioKernel.load(scenario, be, dirname(scenarioPath), opts.maxInputBytes ?? MAX_OBJECT_BYTES, { kind: "linux", btf: opened.kernel.btf });
    const missing = missingAlgorithms(scenario, availableCongestion(be), sk.caNames());
    if (missing.length > 0) throw new ScenarioError(scenario.source.file, missing);
    const tools = tb.buildTools();
    const records: TraceRecord[] = [];
    let run;
    try {
      run = await tb.runLinuxTestbed(linuxSpec(scenario, sk), {
        tools, backend: be, seed,
        ...(opts.progress !== undefined ? { onProgress: (now: number, dur: number) => opts.progress?.update(now, dur) } : {}),
      });
    } finally {
      opts.progress?.done();
    }
    records.push(...run.records);
    const collector = new RunCollector();
    const traces = new TraceFiles(opts.outDir, format);
    try {
      for (const r of records) {
        traces.add(r);
        collector.add(r);
      }
    } finally {
      traces.close();
    }
    const notes = linuxNotes(scenario);
    const done = finishRun({
      scenario, seed, engine: "linux", result: run.result, collector, sk, progFaults: [], traces: traces.paths, outDir: opts.outDir,
      title: `structops run --linux: ${scenario.name}`, notes, realKernel: `Linux ${release()}`,
    });
    return { ...done, notes };
  } finally {
    be.dispose();
  }
}
