/**
 * @fileoverview Routing of the testbed's topologies: every route is a
 * shortest path in hops with ties broken by the order links are listed
 * (what makes a run deterministic), whether it comes from a breadth-first
 * tree kept per root or, for a node with one link, through its neighbour's
 * tree. Checked against a plain breadth-first search written here, on
 * random connected and disconnected graphs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Topology, dumbbell } from "../../src/sim/net/topology.js";
import { Rng } from "../../src/sim/rng.js";
import type { TopologySpec } from "../../src/sim/api.js";

/** The reference: a breadth-first search from `from`, neighbours in link order, stopping at `to`. */
function bfsRoute(spec: TopologySpec, from: string, to: string): number[] | null {
  const adj = new Map<string, [string, number][]>(spec.nodes.map((n) => [n, []]));
  spec.links.forEach((l, i) => {
    adj.get(l.a)?.push([l.b, 2 * i]);
    adj.get(l.b)?.push([l.a, 2 * i + 1]);
  });
  const prev = new Map<string, [string, number]>();
  const seen = new Set([from]);
  const q = [from];
  while (q.length > 0) {
    const n = q.shift() as string;
    if (n === to) break;
    for (const [m, d] of adj.get(n) ?? []) {
      if (seen.has(m)) continue;
      seen.add(m);
      prev.set(m, [n, d]);
      q.push(m);
    }
  }
  if (!seen.has(to)) return null;
  const path: number[] = [];
  for (let n = to; n !== from; ) {
    const [p, d] = prev.get(n) as [string, number];
    path.push(d);
    n = p;
  }
  return path.reverse();
}

const graph = fc
  .integer({ min: 2, max: 12 })
  .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 24 })));

test("Topology.route: the shortest path in hops, ties by link order, for every pair (cached trees and leaves included)", () => {
  fc.assert(
    fc.property(graph, ([n, pairs]) => {
      const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
      const links = pairs
        .filter(([a, b]) => a !== b)
        .map(([a, b], i) => ({ id: `l${i}`, a: `n${a}`, b: `n${b}`, rateBps: 1e6, delayNs: 0 }));
      const spec: TopologySpec = { nodes, links };
      const topo = new Topology(spec, new Rng(1));
      // Every ordered pair, twice: the second pass comes from the cached trees.
      for (let pass = 0; pass < 2; pass++) {
        for (const a of nodes) {
          for (const b of nodes) {
            const want = bfsRoute(spec, a, b);
            if (want === null) assert.throws(() => topo.route(a, b), /no route from/);
            else assert.deepEqual(topo.route(a, b), want, `${a} -> ${b}`);
          }
        }
      }
    }),
  );
});

test("Topology.route: a dumbbell's hosts reach each other through left and right", () => {
  const spec = dumbbell({ pairs: 3, bottleneck: { rateBps: 1e6, delayNs: 1 } });
  const topo = new Topology(spec, new Rng(1));
  const name = (d: number): string => topo.dirs[d]?.id ?? "?";
  assert.deepEqual(topo.route("s1", "r1").map(name), ["s1-left", "bottleneck", "right-r1"]);
  assert.deepEqual(topo.route("r2", "s2").map(name), ["right-r2:rev", "bottleneck:rev", "s2-left:rev"]);
  assert.deepEqual(topo.route("s0", "s2").map(name), ["s0-left", "s2-left:rev"]);
  assert.deepEqual(topo.route("s0", "left").map(name), ["s0-left"]);
  assert.deepEqual(topo.route("s0", "s0"), []);
});
