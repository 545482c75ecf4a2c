/**
 * @fileoverview A scenario's network and flows in the simulator's terms
 * (src/sim/api.ts): every flow gets its own sender `s<i>` and receiver
 * `r<i>`; senders attach to router `left`, receivers to router `right`, and
 * between them run the bottleneck and then the scenario's hops in series
 * (`left` → `hop1` → ... → `right`). Link ids are `bottleneck`, `hop1`...,
 * `s<i>` and `r<i>` for access links. Mahimahi traces are read here, relative
 * to the scenario file's folder, and a bad trace is reported at the line of
 * its `trace` field.
 */
import { isAbsolute, join } from "node:path";
import type { FlowSpec, LinkDirSpec, LinkSpec, QueueSpec, TopologySpec } from "../../sim/api.js";
import { parseMahimahiTrace } from "../../sim/net/capacity-trace.js";
import { InputFileError, readBoundedFile } from "../bounded-read.js";
import { ScenarioError } from "../scenario/errors.js";
import { MAX_TRACE_BYTES, MAX_TRACE_MS } from "../scenario/limits.js";
import type { Scenario, ScenarioLink, ScenarioQueue } from "../scenario/types.js";

/** Access links run at this multiple of the fastest router link unless the scenario says otherwise. */
const ACCESS_RATE_FACTOR = 10;
/** Assumed rate of a traced link when choosing access link rates. */
const TRACED_RATE_GUESS = 1e9;

function queueSpec(q: ScenarioQueue): QueueSpec {
  return q;
}

/**
 * One direction of a router link. A tbf shaper becomes the simulator's token
 * bucket: the bucket is tc's `burst` (bytes of frames) and every packet
 * counts `overhead` L2 bytes, so a full segment costs 1514 bytes of tokens
 * and of a byte-limited queue, as sch_tbf and bfifo count on a veth.
 */
function dirSpec(l: ScenarioLink, trace: LinkDirSpec["trace"] | undefined): LinkDirSpec {
  const sh = l.shaper;
  return {
    rateBps: l.rateBps,
    delayNs: l.delayNs,
    ...(l.queue !== undefined ? { queue: queueSpec(l.queue) } : {}),
    ...(l.lossRate !== undefined ? { lossRate: l.lossRate } : {}),
    ...(trace !== undefined ? { trace } : {}),
    ...(sh?.kind === "tbf" ? { tokenBucketBytes: sh.burstBytes, overheadBytes: sh.overheadBytes } : {}),
    ...(sh?.kind === "tbf" && sh.watchdogLate !== undefined ? { watchdogLate: sh.watchdogLate } : {}),
    ...(l.jitterNs !== undefined ? { jitterNs: l.jitterNs } : {}),
    ...(l.wake !== undefined ? { wake: l.wake } : {}),
  };
}

function readTrace(s: Scenario, l: ScenarioLink, field: string, baseDir: string, maxBytes: number): LinkDirSpec["trace"] | undefined {
  if (l.tracePath === undefined) return undefined;
  const path = isAbsolute(l.tracePath) ? l.tracePath : join(baseDir, l.tracePath);
  const pos = l.tracePos ?? { line: 1, col: 1 };
  const fail = (message: string): ScenarioError => new ScenarioError(s.source.file, [{ path: field, ...pos, message }]);
  let text: string;
  try {
    text = readBoundedFile(path, { what: "mahimahi trace", maxBytes, raise: "raise the limit with --max-input-size" }).toString("utf8");
  } catch (e) {
    if (e instanceof InputFileError) throw fail(e.message.replace(path, l.tracePath));
    throw e;
  }
  let trace: NonNullable<LinkDirSpec["trace"]>;
  try {
    trace = parseMahimahiTrace(text, l.tracePath.replace(/^.*[\\/]/, ""));
  } catch (e) {
    throw fail(`${l.tracePath}: ${(e as Error).message}`);
  }
  // Timestamps are scheduled as nanoseconds: the period (the last one) is bounded like every other time.
  const period = trace.opportunitiesMs[trace.opportunitiesMs.length - 1] as number;
  if (period > MAX_TRACE_MS) throw fail(`${l.tracePath}: the last timestamp (the trace's period) is ${period} ms, above the limit of ${MAX_TRACE_MS} ms (1 day, the longest run)`);
  return trace;
}

/**
 * Builds the simulator's topology and flows.
 * @param baseDir folder the scenario's relative trace paths start from
 * @throws {ScenarioError} when a mahimahi trace cannot be read or parsed
 */
export function simTopology(s: Scenario, baseDir: string, maxTraceBytes = MAX_TRACE_BYTES): { topology: TopologySpec; flows: FlowSpec[] } {
  const t = s.topology;
  const chain = [t.bottleneck, ...t.hops];
  const routers = ["left", ...t.hops.map((_, i) => `hop${i + 1}`), "right"];
  const links: LinkSpec[] = chain.map((l, i) => {
    const field = i === 0 ? "topology.bottleneck.trace" : `topology.hops[${i - 1}].trace`;
    const trace = readTrace(s, l, field, baseDir, maxTraceBytes);
    const rev = l.reverse;
    return {
      id: i === 0 ? "bottleneck" : `hop${i}`,
      a: routers[i] as string,
      b: routers[i + 1] as string,
      ...dirSpec(l, trace),
      ...(rev !== undefined ? { reverse: { ...rev, ...(rev.queue !== undefined ? { queue: queueSpec(rev.queue) } : {}) } } : {}),
    };
  });
  const fastest = Math.max(...chain.map((l) => (l.tracePath !== undefined ? TRACED_RATE_GUESS : l.rateBps)));
  const accessRate = t.access.rateBps ?? fastest * ACCESS_RATE_FACTOR;
  const accessDelay = t.access.delayNs ?? 0;
  const noise = t.access.noiseNs !== undefined ? { jitterNs: t.access.noiseNs } : {};
  const nodes = [...routers];
  const flows: FlowSpec[] = [];
  s.flows.forEach((f, i) => {
    const snd = `s${i}`;
    const rcv = `r${i}`;
    nodes.push(snd, rcv);
    links.push({ id: snd, a: snd, b: "left", rateBps: accessRate, delayNs: accessDelay + f.extraDelayNs, ...noise, reverse: { delayNs: accessDelay + f.extraDelayNs } });
    links.push({ id: rcv, a: "right", b: rcv, rateBps: accessRate, delayNs: accessDelay, ...noise });
    flows.push({
      id: f.id, from: snd, to: rcv, startNs: f.startNs, ecn: f.ecn,
      ...(f.stopNs !== undefined ? { stopNs: f.stopNs } : {}),
      ...(f.bytes !== undefined ? { bytes: f.bytes } : {}),
      ...(f.cc !== undefined ? { cc: f.cc } : {}),
      ...(f.drops !== undefined ? { dropList: f.drops } : {}),
      ...(f.writeBytes !== undefined ? { writeBytes: f.writeBytes } : {}),
      ...(t.access.qdisc !== undefined ? { qdisc: t.access.qdisc } : {}),
    });
  });
  return { topology: { nodes, links }, flows };
}
