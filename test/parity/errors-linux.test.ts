/**
 * @fileoverview The errors a user sees for the two refusals that reach the
 * running kernel, checked on the emulated kernel and on Linux (in a private
 * network namespace, so the machine's default CC never changes):
 *
 * - attach of a struct_ops map lacking required ops: Linux's
 *   bpf_struct_ops_map_update_elem runs the type's validate
 *   (tcp_validate_congestion_control, net/ipv4/tcp_cong.c) and returns a bare
 *   EINVAL, its reason going to dmesg only; the loader's own check names the
 *   missing members, and the message is the same on both kernels;
 * - an unknown congestion control name (tcp_set_congestion_control and the
 *   net.ipv4.tcp_congestion_control sysctl, tcp_set_default_congestion_control):
 *   ENOENT on both, and the message lists that kernel's
 *   tcp_available_congestion_control.
 *
 * The Linux side skips with the reason without Linux, privileges or the
 * addon, and fails where the feature probes say it should run.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ENOENT, EINVAL } from "../../src/uapi/errno.js";
import type { Backend } from "../../src/backend/backend.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import { ccRefusal } from "../../src/sim/index.js";
import { FIXTURES } from "../obj/helpers.js";
import { lockedLinuxGate, readCc } from "./linux-checks.js";

const { gate, release } = lockedLinuxGate();
const machineBefore = gate === null ? readCc() : undefined;
after(() => {
  try {
    if (machineBefore !== undefined) assert.deepEqual(readCc(), machineBefore, "the machine's congestion-control state is unchanged");
  } finally {
    release();
  }
});

/** The Linux backend in a private netns, or the test is skipped (or failed) with the gate's reason. */
function linux(t: { skip: (m: string) => void }): LinuxBackend | undefined {
  if (gate !== null) {
    if (gate.skip) {
      t.skip(`Linux side skipped: ${gate.reason}`);
      return undefined;
    }
    assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
  }
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) assert.fail(`Linux backend: ${o.reason}`);
  assert.ok(o.backend.privateNetns, "a private network namespace");
  return o.backend;
}

/** The error of attaching incompl's map (loaded into `be`), which must throw. */
function attachIncomplete(be: Backend, flavor: "model" | "linux"): BpfError {
  const obj = BpfObject.open(join(FIXTURES, `incompl.${flavor}.bpf.o`), { name: "incompl" });
  obj.load(be);
  try {
    obj.attachStructOps("fx_incompl");
  } catch (e) {
    assert.ok(e instanceof BpfError, String(e));
    return e;
  } finally {
    obj.close();
  }
  return assert.fail("attach of a map without cong_avoid succeeded");
}

const MISSING = "attach struct_ops map 'fx_incompl': update element: EINVAL (22): struct tcp_congestion_ops requires cong_avoid or cong_control; the map does not set it";

test("attach of a map lacking cong_avoid: EINVAL from BPF_MAP_UPDATE_ELEM, with the missing members named, on both kernels", (t) => {
  const model = attachIncomplete(new EmulatedKernel().process(), "linux");
  assert.equal(model.errno, EINVAL);
  assert.equal(model.cmd, "BPF_MAP_UPDATE_ELEM");
  assert.equal(model.message, MISSING);
  const lb = linux(t);
  if (lb === undefined) return;
  try {
    const real = attachIncomplete(lb, "linux");
    assert.equal(real.errno, EINVAL);
    assert.equal(real.cmd, "BPF_MAP_UPDATE_ELEM");
    assert.equal(real.message, MISSING);
  } finally {
    lb.dispose();
  }
});

/** setsockopt(TCP_CONGESTION) and the default-CC sysctl with an unknown name on `be`: the errnos and the messages. */
function unknownCc(be: Backend, name: string): { sock: number; sysctl: number; message: string; available: string[] } {
  const s = be.socket();
  assert.equal(s.errno, 0, "socket()");
  const r = be.setCongestion(s.ret, name);
  be.close(s.ret);
  const w = be.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", name);
  const av = be.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control");
  assert.equal(av.errno, 0);
  const available = av.text.trim().split(/\s+/);
  return { sock: r.errno, sysctl: w.errno, message: ccRefusal(r.errno, name, available), available };
}

test("an unknown congestion control: ENOENT from setsockopt and the sysctl, and the message lists that kernel's available names, on both kernels", (t) => {
  const name = "structops_nocc";
  const model = unknownCc(new EmulatedKernel().process(), name);
  assert.equal(model.sock, ENOENT);
  assert.equal(model.sysctl, ENOENT);
  assert.equal(model.message, `ENOENT (2): no congestion control "${name}"; available: reno bbr cubic`);
  const lb = linux(t);
  if (lb === undefined) return;
  try {
    const real = unknownCc(lb, name);
    assert.equal(real.sock, ENOENT);
    assert.equal(real.sysctl, ENOENT);
    assert.ok(real.available.includes("reno"), real.available.join(" "));
    assert.equal(real.message, `ENOENT (2): no congestion control "${name}"; available: ${real.available.join(" ")}`);
  } finally {
    lb.dispose();
  }
});
