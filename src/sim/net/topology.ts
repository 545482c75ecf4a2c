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
  /** Breadth-first trees already computed, by root (see {@link route}). */
  private readonly trees = new Map<string, Map<string, [string, number]>>();

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
      // One element sleeps for both directions when both run their delay on it (the testbed's delay line).
      if (d0.wakeElement !== null && d1.wakeElement !== null) d1.wakeElement = d0.wakeElement;
      this.adj.get(l.a)?.push([l.b, d0.index]);
      this.adj.get(l.b)?.push([l.a, d1.index]);
    });
  }

  has(node: string): boolean {
    return this.nodes.has(node);
  }

  /**
   * Link-direction indices from `from` to `to` (shortest in hops).
   *
   * Each breadth-first tree is computed once per root and kept, so routing
   * every flow of a topology costs one search per distinct root plus the
   * length of each path. A node with a single link (a dumbbell's host) is
   * routed through its neighbour's tree: every path from it starts with that
   * link, and the neighbour's search visits the other nodes in the very order
   * a search from the leaf does (the leaf discovers nothing), so ties break
   * the same way.
   * @throws RangeError when no route exists
   */
  route(from: string, to: string): number[] {
    if (from === to) return [];
    const path: number[] = [];
    let root = from;
    const out = this.adj.get(from);
    if (out !== undefined && out.length === 1) {
      const [n, d] = out[0] as [string, number];
      if (n === to) return [d];
      root = n;
    }
    const tree = this.treeOf(root);
    if (!tree.has(to)) throw new RangeError(`topology: no route from '${from}' to '${to}'`);
    for (let n = to; n !== root; ) {
      const [p, d] = tree.get(n) as [string, number];
      path.push(d);
      n = p;
    }
    if (root !== from) path.push((out as [string, number][])[0]?.[1] as number);
    return path.reverse();
  }

  /** Breadth-first tree from `root` (links in listed order): node -> [parent, link direction]; the root maps to itself. */
  private treeOf(root: string): Map<string, [string, number]> {
    let tree = this.trees.get(root);
    if (tree !== undefined) return tree;
    tree = new Map([[root, [root, -1]]]);
    const q = [root];
    for (let h = 0; h < q.length; h++) {
      const n = q[h] as string;
      for (const [m, d] of this.adj.get(n) ?? []) {
        if (tree.has(m)) continue;
        tree.set(m, [n, d]);
        q.push(m);
      }
    }
    this.trees.set(root, tree);
    return tree;
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
  if (l.jitterKind !== undefined) d.jitterKind = l.jitterKind;
  if (l.watchdogLate !== undefined) d.watchdogLate = l.watchdogLate;
  if (l.wake !== undefined) d.wake = l.wake;
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
