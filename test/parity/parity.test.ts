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
import { linuxTarget, modelTarget } from "./target.js";
import type { ObjKind, Target } from "./target.js";
import { KNOWN_DIVERGENCES, Run, diffRuns, formatDiffs } from "./observe.js";
import { Ca } from "./ca.js";
import { SCENARIOS } from "./scenarios.js";
import { SOCK_SCENARIOS } from "./sock-scenarios.js";
import type { Scenario } from "./scenarios.js";
import { leftovers, lockedLinuxGate, readCc } from "./linux-checks.js";

const { gate, release: releaseLock } = lockedLinuxGate();
const machineBefore = gate === null ? readCc() : undefined;
const createdOnLinux: Array<{ kind: ObjKind; id: number }> = [];

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

for (const s of [...SCENARIOS, ...SOCK_SCENARIOS]) {
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
    const mapsLinks = await leftovers(linux.created, ["map", "link"]);
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
  try {
    const left = await leftovers(createdOnLinux, ["map", "link", "prog", "btf"]);
    assert.deepEqual(left, [], "Linux: every map, program, link and BTF object the suite created is gone");
    assert.deepEqual(readCc(), machineBefore, "the machine's congestion-control state is unchanged");
  } finally {
    releaseLock();
  }
});
