/**
 * @fileoverview The README's example, examples/swap-cc.ts, run unchanged on
 * the emulated kernel and, with `--linux`, on the running Linux kernel:
 * register a BPF congestion control through a link, swap it with
 * BPF_LINK_UPDATE, detach it (KERNEL-SPEC.md §9.1, §9.22). Both runs must
 * print the same story after their first line. The Linux run skips with the
 * parity suite's reasons (linux-checks.ts), holds its lock, and leaves the
 * machine's congestion-control state as it found it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lockedLinuxGate, readCc } from "./linux-checks.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The lines both kernels print after their "on <kernel>" line. */
const EXPECTED = [
  "attach ca_update_1 through a link: tcp_ca_update registered=true",
  "socket A on tcp_ca_update (ok): ca1_cnt=1 ca2_cnt=0  <- A runs version 1",
  "updateMap(ca_update_2): the link holds ca_update_2=true",
  "socket B on tcp_ca_update (ok): ca1_cnt=1 ca2_cnt=1  <- B runs version 2, A keeps version 1",
  "detach: registered=false; socket C on tcp_ca_update: ENOENT",
  "sockets A and B still run tcp_ca_update, tcp_ca_update",
];

function runExample(args: readonly string[]): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/swap-cc.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `examples/swap-cc.ts ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

test("examples/swap-cc.ts on the emulated kernel (§9.1, §9.22)", () => {
  assert.deepEqual(runExample([]), ["on the emulated kernel", ...EXPECTED]);
});

test("examples/swap-cc.ts --linux on the running kernel prints the same (§9.1, §9.22)", (t) => {
  const { gate, release } = lockedLinuxGate();
  if (gate !== null) {
    if (gate.skip) {
      t.skip(`Linux run skipped: ${gate.reason}`);
      return;
    }
    assert.fail(`the example cannot run on a kernel that should support it: ${gate.reason}`);
  }
  try {
    const before = readCc();
    assert.deepEqual(runExample(["--linux"]), ["on Linux", ...EXPECTED]);
    assert.deepEqual(readCc(), before, "the machine's congestion-control state is unchanged");
  } finally {
    release();
  }
});
