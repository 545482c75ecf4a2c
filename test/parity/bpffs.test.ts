/**
 * @fileoverview bpffs on both kernels: BPF_OBJ_PIN, BPF_OBJ_GET, unlink(2),
 * mkdir(2) and rmdir(2) through the Backend, over paths with `//`, `/./`,
 * `..` and a trailing `/`, and the release of an object whose last reference
 * was a pin. Linux runs in a child process in a private mount namespace with
 * a bpffs of its own (`unshare --mount`, then `mount -t bpf`), so the
 * machine's /sys/fs/bpf is never touched; the model's lines must equal it.
 *
 * @see kernel/bpf/inode.c bpf_obj_do_pin, bpf_obj_do_get, bpf_free_inode (v6.18)
 * @see fs/namei.c filename_create, do_unlinkat, do_rmdir (v6.18)
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ModelProcess } from "../../src/backend/model-process.js";
import { createModelKernel } from "../../src/backend/model.js";
import { BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_MAP_TYPE_ARRAY, BPF_OBJ_PIN } from "../../src/uapi/bpf-enums.js";
import { EEXIST, ENOENT } from "../../src/uapi/errno.js";
import { BPFFS_PARITY_ROOT, bpffsScenario } from "./bpffs-scenario.js";
import { lockedLinuxGate } from "./linux-checks.js";

const { gate, release } = lockedLinuxGate();
after(release);

function modelRun(): { lines: string[]; p: ModelProcess; settle: () => void } {
  const { kernel, tcp } = createModelKernel();
  const p = new ModelProcess(kernel.spawn(), tcp);
  const settle = (): void => kernel.settle();
  return { lines: bpffsScenario(p, settle, () => false), p, settle };
}

test("model: x and x/ name one pin, // and /./ are skipped, .. is the parent (fs/namei.c filename_create)", () => {
  const { lines } = modelRun();
  const R = BPFFS_PARITY_ROOT;
  const line = (prefix: string): string | undefined => lines.find((l) => l.startsWith(prefix));
  assert.equal(line(`pin "${R}/x/"`), `pin "${R}/x/": errno ${ENOENT}`, "a new name with a trailing / asks for a directory");
  assert.equal(lines.filter((l) => l.startsWith(`pin "${R}/x/"`))[1], `pin "${R}/x/": errno ${EEXIST}`, "x/ after x: the same name");
  assert.equal(line(`get "${R}//z"`), `get "${R}//z": map value 5eed`);
  assert.equal(line(`get "${R}/sub/./../w"`), `get "${R}/sub/./../w": map value 5eed`);
  assert.equal(line(`get "${R}/../nothing"`), `get "${R}/../nothing": errno ${ENOENT}`);
  assert.equal(line("map ID after the last unlink"), "map ID after the last unlink: gone");
});

test("model: unlinking the last pin frees the object after a grace period, not at once (kernel/bpf/inode.c bpf_free_inode)", () => {
  const { kernel, tcp } = createModelKernel();
  const p = new ModelProcess(kernel.spawn(), tcp);
  const m = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1 });
  assert.equal(p.bpf(BPF_OBJ_PIN, { pathname: "/sys/fs/bpf/m", bpf_fd: m.ret }).errno, 0);
  const id = [...kernel.liveMaps][0]?.id as number;
  p.close(m.ret);
  kernel.settle();
  assert.equal(p.unlink("/sys/fs/bpf/m").errno, 0);
  assert.equal(p.unlink("/sys/fs/bpf/m").errno, ENOENT, "the name goes at once");
  assert.ok(kernel.rcu.pending().some((c) => c.what.includes("free_inode")), "the put waits for free_inode");
  const r = p.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: id });
  assert.equal(r.errno, 0, "until the grace period the pin's reference holds the map");
  p.close(r.ret);
  kernel.settle();
  assert.equal(p.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: id }).errno, ENOENT);
  p.exit();
  kernel.settle();
  assert.deepEqual(kernel.leaks(), []);
});

test("parity: bpffs paths, unlink and the release of a pinned map answer as Linux 6.18 does", (t) => {
  if (gate !== null) {
    if (gate.skip) return t.skip(`Linux side skipped: ${gate.reason}`);
    assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
  }
  const runner = join(import.meta.dirname, "bpffs-linux-run.ts");
  const child = spawnSync(
    "unshare",
    ["--mount", "--propagation", "private", "sh", "-c", 'mount -t bpf bpf /sys/fs/bpf && exec "$0" --import tsx "$1"', process.execPath, runner],
    { encoding: "utf8", timeout: 120_000 },
  );
  assert.equal(child.status, 0, `Linux run failed: ${child.error?.message ?? ""}${child.stderr}`);
  const linux = JSON.parse(child.stdout) as string[];
  const { lines: model } = modelRun();
  assert.deepEqual(model, linux);
});
