/**
 * @fileoverview Parity of the loader's library-level scenarios
 * (lib-scenarios.ts; KERNEL-SPEC.md §9 1-7, 9, 13, 22, and the reno, cubic and
 * dctcp fixtures): each runs on the emulated kernel with both builds of the
 * fixtures and on the running Linux kernel (a private network namespace of
 * this process) with the `.linux` build relocated against
 * /sys/kernel/btf/vmlinux, through the same `BpfObject`/`BpfLink` calls.
 * Every recorded step must agree: outcomes and errnos, struct_ops lookups,
 * the link's map, `.bss` counters, sockets' CAs, the CC lists, fdinfo. A
 * difference prints both sides.
 *
 * Skips, self-checks and the lock are those of parity.test.ts: the Linux side
 * skips with the reason without Linux, privileges or the addon, and fails on
 * a new privileged kernel whose probe says "missing"; the machine's CC state
 * is the same after the run and nothing the run created is left.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { linuxTarget, modelTarget } from "./target.js";
import type { ObjKind, Target } from "./target.js";
import { Run, diffRuns, formatDiffs } from "./observe.js";
import { LibRun } from "./lib-harness.js";
import type { Build, LibScenario } from "./lib-harness.js";
import { LIB_SCENARIOS } from "./lib-scenarios.js";
import { leftovers, lockedLinuxGate, readCc } from "./linux-checks.js";

const { gate, release: releaseLock } = lockedLinuxGate();
const machineBefore = gate === null ? readCc() : undefined;
const createdOnLinux: Array<{ kind: ObjKind; id: number }> = [];

/** Runs one scenario on one target with one fixture build; always cleans up. */
function runOn(t: Target, build: Build, s: LibScenario): { run: Run; x: LibRun; error: unknown } {
  const run = new Run(t);
  const x = new LibRun(run, build);
  let error: unknown = null;
  try {
    s.run(x);
  } catch (e) {
    error = e;
  } finally {
    try {
      x.cleanup();
    } finally {
      t.dispose();
    }
  }
  return { run, x, error };
}

/** The emulated kernel with one build; nothing may be left after it. */
function onModel(s: LibScenario, build: Build): { run: Run; x: LibRun } {
  const model = modelTarget();
  const m = runOn(model, build, s);
  if (m.error !== null) throw m.error;
  assert.deepEqual(model.leaks?.() ?? [], [], `model (${build} build): nothing left after the scenario`);
  return m;
}

for (const s of LIB_SCENARIOS) {
  test(`library: ${s.name} (${s.spec})`, async (t) => {
    const { run: modelLinuxBuild, x: mx } = onModel(s, "linux");
    const { run: modelModelBuild } = onModel(s, "model");
    const builds = diffRuns(modelLinuxBuild, modelModelBuild);
    assert.equal(builds.length, 0, `the two builds differ on the emulated kernel:\n${builds
      .map((d) => `  step ${d.index} ${d.label}\n    .linux.bpf.o: ${inspect(d.model)}\n    .model.bpf.o: ${inspect(d.linux)}`).join("\n")}`);
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
    const l = runOn(linux, "linux", s);
    createdOnLinux.push(...linux.created);
    const mapsLinks = await leftovers(linux.created, ["map", "link"]);
    if (l.error !== null) throw l.error;
    for (const [prog, n] of l.x.verifiedInsns) {
      const m = mx.verifiedInsns.get(prog);
      if (m !== n) t.diagnostic(`known divergence: ${prog} verified_insns model ${m ?? "-"}, Linux ${n} (the model has no path-exploring verifier)`);
    }
    const diffs = diffRuns(modelLinuxBuild, l.run);
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
