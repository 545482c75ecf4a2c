/**
 * @fileoverview Topologies: nodes joined by full-duplex links, routes as
 * shortest paths in hops (breadth-first, ties broken by the order links are
 * listed, so routing is deterministic), and the dumbbell builder.
 */
import type { DumbbellSpec, LinkDirSpec, TopologySpec } from "../api.js";
import type { Rng } from "../rng.js";
import { LinkDir } from "./link.js";

/** A topology with its link directions instantiated. */
export class Topology {
  readonly dirs: LinkDir[] = [];
  private readonly nodes = new Set<string>();
  /** node -> [neighbour, dir index] in link order. */
  private readonly adj = new Map<string, [string, number][]>();

  constructor(spec: TopologySpec, rng: Rng) {
    if (typeof spec !== "object" || spec === null || !Array.isArray(spec.nodes) || !Array.isArray(spec.links)) {
      throw new TypeError("topology: 'nodes' and 'links' must be arrays");
    }
    for (const n of spec.nodes) {
      if (typeof n !== "string" || n === "") throw new TypeError(`topology: node names must be non-empty strings: current value is ${JSON.stringify(n)}`);
      if (this.nodes.has(n)) throw new RangeError(`topology: node '${n}' is listed twice`);
      this.nodes.add(n);
      this.adj.set(n, []);
    }
    const ids = new Set<string>();
    spec.links.forEach((l, i) => {
      const where = `topology.links[${i}]`;
      if (!this.nodes.has(l.a)) throw new RangeError(`${where}: 'a' names unknown node '${l.a}'`);
      if (!this.nodes.has(l.b)) throw new RangeError(`${where}: 'b' names unknown node '${l.b}'`);
      if (l.a === l.b) throw new RangeError(`${where}: a link needs two different nodes: '${l.a}'`);
      const id = l.id ?? `${l.a}-${l.b}`;
      if (ids.has(id)) throw new RangeError(`${where}: link id '${id}' is used twice`);
      ids.add(id);
      const fwd: LinkDirSpec = pickDir(l);
      const rev: LinkDirSpec = { ...fwd, ...(l.reverse ?? {}) };
      const d0 = new LinkDir(id, this.dirs.length, l.a, l.b, fwd, rng.fork());
      this.dirs.push(d0);
      const d1 = new LinkDir(`${id}:rev`, this.dirs.length, l.b, l.a, rev, rng.fork());
      this.dirs.push(d1);
      this.adj.get(l.a)?.push([l.b, d0.index]);
      this.adj.get(l.b)?.push([l.a, d1.index]);
    });
  }

  has(node: string): boolean {
    return this.nodes.has(node);
  }

  /**
   * Link-direction indices from `from` to `to` (shortest in hops).
   * @throws RangeError when no route exists
   */
  route(from: string, to: string): number[] {
    const prev = new Map<string, [string, number]>();
    const seen = new Set([from]);
    const q = [from];
    while (q.length > 0) {
      const n = q.shift() as string;
      if (n === to) break;
      for (const [m, d] of this.adj.get(n) ?? []) {
        if (seen.has(m)) continue;
        seen.add(m);
        prev.set(m, [n, d]);
        q.push(m);
      }
    }
    if (!seen.has(to)) throw new RangeError(`topology: no route from '${from}' to '${to}'`);
    const path: number[] = [];
    for (let n = to; n !== from; ) {
      const [p, d] = prev.get(n) as [string, number];
      path.push(d);
      n = p;
    }
    return path.reverse();
  }
}

function pickDir(l: LinkDirSpec): LinkDirSpec {
  const d: { -readonly [K in keyof LinkDirSpec]: LinkDirSpec[K] } = { rateBps: l.rateBps, delayNs: l.delayNs };
  if (l.queue !== undefined) d.queue = l.queue;
  if (l.lossRate !== undefined) d.lossRate = l.lossRate;
  if (l.trace !== undefined) d.trace = l.trace;
  if (l.tokenBucketBytes !== undefined) d.tokenBucketBytes = l.tokenBucketBytes;
  if (l.overheadBytes !== undefined) d.overheadBytes = l.overheadBytes;
  if (l.jitterNs !== undefined) d.jitterNs = l.jitterNs;
  return d;
}

/**
 * A dumbbell: senders `s0..`, receivers `r0..`, routers `left` and `right`;
 * `s_i — left — right — r_i`. The bottleneck is `left→right`; access links
 * are fast and short unless told otherwise.
 */
export function dumbbell(spec: DumbbellSpec): TopologySpec {
  if (!Number.isInteger(spec.pairs) || spec.pairs < 1) throw new RangeError(`dumbbell: 'pairs' must be an integer ≥ 1: current value is ${spec.pairs}`);
  const bn = spec.bottleneck;
  const fast = bn.trace !== undefined ? 1e9 : bn.rateBps * 10;
  const nodes = ["left", "right"];
  const links: TopologySpec["links"][number][] = [];
  const { reverse, ...bnFwd } = bn;
  links.push({ id: "bottleneck", a: "left", b: "right", ...bnFwd, ...(reverse === undefined ? {} : { reverse }) });
  for (let i = 0; i < spec.pairs; i++) {
    nodes.push(`s${i}`, `r${i}`);
    const extra = spec.accessDelayNs?.[i] ?? 0;
    const acc = { rateBps: fast, delayNs: 0, queue: { kind: "droptail" as const, packets: 1000 }, ...(spec.access ?? {}) };
    links.push({ id: `s${i}-left`, a: `s${i}`, b: "left", ...acc, delayNs: acc.delayNs + extra });
    links.push({ id: `right-r${i}`, a: "right", b: `r${i}`, ...acc });
  }
  return { nodes, links };
}
