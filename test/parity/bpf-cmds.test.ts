/**
 * @fileoverview Every bpf(2) command number, known to Linux 6.18 or not,
 * with a zeroed `union bpf_attr`, on the emulated kernel and on Linux (in a
 * private network namespace): the same return and errno on both. Commands the
 * model has no objects for (cgroups, tracing, tokens, map batches) return
 * what Linux returns when the fd the command resolves first names no such
 * object (fd 0 is open and not a BPF object in both processes); numbers past
 * the last command take __sys_bpf's default case, -EINVAL; BPF_ENABLE_STATS
 * (BPF_STATS_RUN_TIME) returns a read-only "bpf-stats" fd.
 *
 * @see kernel/bpf/syscall.c __sys_bpf, bpf_enable_stats, bpf_task_fd_query (v6.18)
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fstatSync } from "node:fs";
import { BPF_ATTR_SIZE } from "../../src/uapi/attr-layout.js";
import {
  BPF_BTF_GET_NEXT_ID, BPF_CMD_NAMES, BPF_ENABLE_STATS, BPF_LINK_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_DETACH, BPF_PROG_GET_NEXT_ID,
  BPF_PROG_QUERY, BPF_TASK_FD_QUERY,
} from "../../src/uapi/bpf-enums.js";
import { EBADF, EINVAL, ENOENT } from "../../src/uapi/errno.js";
import type { Backend } from "../../src/backend/backend.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { createModelKernel } from "../../src/backend/model.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { lockedLinuxGate } from "./linux-checks.js";

const { gate, release } = lockedLinuxGate();
after(release);

/** Command numbers past the last one Linux 6.18 knows, still tried. */
const PAST_LAST_CMD = 8;
const LAST_CMD = Math.max(...BPF_CMD_NAMES.keys());
const CMDS = [...Array(LAST_CMD + 1 + PAST_LAST_CMD).keys(), 0x7fffffff];

/**
 * The ID walks: with start_id 0 they return 0 when the kernel holds any such
 * object (the machine's own programs, vmlinux BTF) and -ENOENT otherwise, so
 * both answers read the same here; the lifetime scenario checks the walks.
 */
const GET_NEXT_ID: ReadonlySet<number> = new Set([BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_BTF_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID]);

/** What one backend answers to each command; a returned fd reads "fd" and is closed. */
function answers(be: Backend): Map<number, string> {
  const out = new Map<number, string>();
  for (const cmd of CMDS) {
    const r = be.bpfBytes(cmd, new Uint8Array(BPF_ATTR_SIZE));
    if (GET_NEXT_ID.has(cmd) && (r.ret === 0 || r.errno === ENOENT)) out.set(cmd, "an ID walk: 0 or ENOENT");
    else if (r.errno !== 0) out.set(cmd, `errno ${r.errno}`);
    else if (cmd === BPF_ENABLE_STATS) {
      const info = be.readFile(`/proc/self/fdinfo/${r.ret}`).text.replace(/^(mnt_id|ino):.*\n/gm, "");
      out.set(cmd, `fd, fdinfo ${JSON.stringify(info)}`);
      be.close(r.ret);
    } else out.set(cmd, `ret ${r.ret}`);
  }
  return out;
}

function model(): ModelProcess {
  const { kernel, tcp } = createModelKernel();
  return new ModelProcess(kernel.spawn(), tcp);
}

test("model: a zeroed attr gets each command's own errno, never a throw (kernel/bpf/syscall.c __sys_bpf)", () => {
  const a = answers(model());
  assert.equal(a.get(BPF_PROG_DETACH), `errno ${EBADF}`, "cgroup_get_from_fd: fd 0 is no cgroup");
  assert.equal(a.get(BPF_PROG_QUERY), `errno ${EBADF}`);
  assert.equal(a.get(BPF_TASK_FD_QUERY), `errno ${ENOENT}`, "no task with pid 0");
  assert.equal(a.get(BPF_ENABLE_STATS), `fd, fdinfo ${JSON.stringify("pos:\t0\nflags:\t02000000\n")}`, "bpf_enable_runtime_stats: an O_RDONLY anon fd");
  assert.equal(a.get(LAST_CMD + 1), `errno ${EINVAL}`);
  assert.equal(a.get(0x7fffffff), `errno ${EINVAL}`);
});

test("parity: every command number with a zeroed attr answers as Linux 6.18 does", (t) => {
  if (gate !== null) {
    if (gate.skip) return t.skip(`Linux side skipped: ${gate.reason}`);
    assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
  }
  // fd 0 is open (a terminal, pipe or /dev/null) in both processes, as the model's task has it.
  assert.doesNotThrow(() => fstatSync(0), "this process has an fd 0");
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) assert.fail(`Linux backend: ${o.reason}`);
  try {
    const linux = answers(o.backend);
    const m = answers(model());
    for (const cmd of CMDS) {
      assert.equal(m.get(cmd), linux.get(cmd), `${BPF_CMD_NAMES.get(cmd) ?? `cmd ${cmd}`}: model vs Linux`);
    }
  } finally {
    o.backend.dispose();
  }
});
