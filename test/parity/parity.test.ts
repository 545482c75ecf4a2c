/**
 * @fileoverview The parity suite: every scenario of scenarios.ts runs on the
 * emulated kernel and on the running Linux kernel (a private network
 * namespace of this process), and every recorded step must agree (errno,
 * lookup state and refcnt, fdinfo lines, link info, the CC lists, counters
 * showing which program a socket runs). KERNEL-SPEC.md §4, §7 and §9.
 *
 * The suite checks itself: the machine's congestion-control state
 * (available, allowed, default) is the same before and after, and no map,
 * program, link or BTF object it created is left (BPF_*_GET_NEXT_ID walks).
 * Without Linux, root or the native addon it skips, saying why; on a Linux
 * kernel new enough for a feature, with privileges, a missing feature fails
 * (featureVerdict, the cilium/ebpf rule).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BPF_BTF_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_NEXT_ID } from "../../src/uapi/bpf-enums.js";
import {
  featureVerdict, haveCapBpf, haveCapNetAdmin, haveCapSysAdmin, haveLinkDetachEpollHup, haveLinkUpdate, haveStructOpsLink, haveStructOpsMap,
} from "../../src/backend/probes.js";
import type { FeatureProbe } from "../../src/backend/probes.js";
import { loadNative } from "../../src/backend/linux/native.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { linuxTarget, modelTarget } from "./target.js";
import type { ObjKind, Target } from "./target.js";
import { KNOWN_DIVERGENCES, Run, diffRuns, formatDiffs } from "./observe.js";
import { Ca } from "./ca.js";
import { SCENARIOS } from "./scenarios.js";
import type { Scenario } from "./scenarios.js";

/** Why the Linux side cannot run here (skip), or why it must but cannot (fail), or null: run it. */
function linuxGate(): { skip: boolean; reason: string } | null {
  if (process.platform !== "linux") return { skip: true, reason: `not Linux (${process.platform})` };
  const caps = [haveCapBpf(), haveCapSysAdmin(), haveCapNetAdmin()];
  const lacking = caps.find((c) => !c.available);
  if (lacking !== undefined) return { skip: true, reason: `unprivileged: ${lacking.reason}` };
  const n = loadNative();
  const probes: FeatureProbe[] = [haveStructOpsMap(), haveStructOpsLink(), haveLinkUpdate(), haveLinkDetachEpollHup()];
  for (const p of probes) {
    const v = featureVerdict(p);
    if (!v.run) return { skip: v.skip, reason: n.ok ? v.reason : `${v.reason} (${n.reason})` };
  }
  return null;
}

const gate = linuxGate();
const CC = ["tcp_available_congestion_control", "tcp_allowed_congestion_control", "tcp_congestion_control"] as const;
const readCc = (): Record<string, string> => Object.fromEntries(CC.map((f) => [f, readFileSync(`/proc/sys/net/ipv4/${f}`, "utf8").trim()]));
const machineBefore = gate === null ? readCc() : undefined;
const createdOnLinux: Array<{ kind: ObjKind; id: number }> = [];

const NEXT_ID: Record<ObjKind, number> = { map: BPF_MAP_GET_NEXT_ID, prog: BPF_PROG_GET_NEXT_ID, link: BPF_LINK_GET_NEXT_ID, btf: BPF_BTF_GET_NEXT_ID };

/** Every ID of `kind` the running kernel has (BPF_*_GET_NEXT_ID walk). */
function liveIds(b: LinuxBackend, kind: ObjKind): Set<number> {
  const out = new Set<number>();
  const attr = { start_id: 0, next_id: 0 };
  for (;;) {
    if (b.bpf(NEXT_ID[kind] as typeof BPF_MAP_GET_NEXT_ID, attr).errno !== 0) return out;
    out.add(attr.next_id);
    attr.start_id = attr.next_id;
  }
}

/** Objects of `created` still alive, retried while the kernel's deferred frees (RCU, RCU tasks) run. */
async function leftovers(created: ReadonlyArray<{ kind: ObjKind; id: number }>, kinds: readonly ObjKind[], waitMs: number): Promise<string[]> {
  const o = LinuxBackend.open({ netns: "current" });
  assert.ok(o.ok, o.ok ? "" : o.reason);
  const b = o.backend;
  try {
    let left: string[] = [];
    for (let waited = 0; ; waited += 100) {
      const live = Object.fromEntries(kinds.map((k) => [k, liveIds(b, k)])) as Record<ObjKind, Set<number>>;
      left = created.filter((c) => kinds.includes(c.kind) && live[c.kind].has(c.id)).map((c) => `${c.kind} ${c.id}`);
      if (left.length === 0 || waited >= waitMs) return left;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    b.dispose();
  }
}

/** Runs one scenario on one target; always cleans up (closes fds, deletes non-link registrations). */
function runOn(t: Target, s: Scenario): { run: Run; error: unknown } {
  const run = new Run(t);
  let error: unknown = null;
  let ca: Ca | undefined;
  try {
    ca = new Ca(run);
    s.run(ca);
  } catch (e) {
    error = e;
  } finally {
    ca?.cleanup();
    t.dispose();
  }
  return { run, error };
}

for (const s of SCENARIOS) {
  test(`${s.name} (${s.spec})`, async (t) => {
    const model = modelTarget();
    const m = runOn(model, s);
    if (m.error !== null) throw m.error;
    assert.deepEqual(model.leaks?.() ?? [], [], "model: nothing left after the scenario");
    if (s.modelOnly !== undefined) {
      t.diagnostic(`emulated kernel only: ${s.modelOnly}`);
      return;
    }
    if (gate !== null) {
      if (gate.skip) {
        t.skip(`Linux side skipped: ${gate.reason}`);
        return;
      }
      assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
    }
    const opened = linuxTarget();
    if (!opened.ok) assert.fail(`Linux target: ${opened.reason}`);
    const linux = opened.target;
    const l = runOn(linux, s);
    createdOnLinux.push(...linux.created);
    const mapsLinks = await leftovers(linux.created, ["map", "link"], 3000);
    if (l.error !== null) throw l.error;
    const diffs = diffRuns(m.run, l.run).filter((d) => {
      const known = KNOWN_DIVERGENCES.find((k) => k.match(d));
      if (known !== undefined) t.diagnostic(`known divergence at step ${d.index} ${d.label}: ${known.what} (${known.why})`);
      return known === undefined;
    });
    assert.equal(diffs.length, 0, formatDiffs(s.name, diffs));
    assert.deepEqual(mapsLinks, [], "Linux: maps and links the scenario created are gone");
  });
}

after(async () => {
  if (gate !== null) return;
  const left = await leftovers(createdOnLinux, ["map", "link", "prog", "btf"], 15000);
  assert.deepEqual(left, [], "Linux: every map, program, link and BTF object the suite created is gone");
  assert.deepEqual(readCc(), machineBefore, "the machine's congestion-control state is unchanged");
});
