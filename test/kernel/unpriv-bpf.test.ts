/**
 * @fileoverview kernel.unprivileged_bpf_disabled and the capability checks
 * of bpf(2) on the emulated kernel, where Linux cannot be probed without
 * harm (kernel/bpf/syscall.c bpf_unpriv_handler, map_create, bpf_prog_load,
 * Linux 6.18): the value 1 is permanent until reboot, so it was read in the
 * kernel source, not tried on the machine. The values 0 and 2, who may
 * write them, and the checks per capability run on both backends in
 * test/parity/sock-scenarios.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BPF_MAP_CREATE, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH } from "../../src/uapi/bpf-enums.js";
import { EACCES, EINVAL, EPERM } from "../../src/uapi/errno.js";
import { CONFIG_BPF_UNPRIV_DEFAULT_OFF, UNPRIV_BPF_DISABLED_DEFAULT, bpfTokenCapable, mapCreateCap } from "../../src/kernel/capability.js";
import { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN } from "../../src/kernel/task.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { EMULATED_KCONFIG } from "../../src/lib/target.js";
import { boot, finish } from "./harness.js";

const UNPRIV = "/proc/sys/kernel/unprivileged_bpf_disabled";
const ARRAY = { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 1 } as const;

test("unprivileged_bpf_disabled boots at 2: CONFIG_BPF_UNPRIV_DEFAULT_OFF=y, as the mirrored kernel config says", () => {
  assert.equal(CONFIG_BPF_UNPRIV_DEFAULT_OFF, true);
  assert.equal(EMULATED_KCONFIG.get("CONFIG_BPF_UNPRIV_DEFAULT_OFF"), "y");
  const env = boot();
  assert.equal(env.p.readFile(UNPRIV).text, `${UNPRIV_BPF_DISABLED_DEFAULT}\n`);
  assert.equal(UNPRIV_BPF_DISABLED_DEFAULT, 2);
  finish(env);
});

test("unprivileged_bpf_disabled = 1 is permanent: writing 0 or 2 is EPERM, 1 again succeeds (bpf_unpriv_handler locked_state)", () => {
  const env = boot();
  assert.equal(env.p.writeFile(UNPRIV, "1").errno, 0);
  assert.equal(env.p.writeFile(UNPRIV, "0").errno, EPERM);
  assert.equal(env.p.writeFile(UNPRIV, "2").errno, EPERM);
  assert.equal(env.p.writeFile(UNPRIV, "1\n").errno, 0);
  assert.equal(env.p.readFile(UNPRIV).text, "1\n");
  finish(env);
});

test("unprivileged_bpf_disabled: EACCES for another uid (0644 root), EPERM without CAP_SYS_ADMIN, EINVAL outside 0..2", () => {
  const env = boot();
  const other = new ModelProcess(env.kernel.spawn("user", [], 1000), env.tcp);
  assert.equal(other.writeFile(UNPRIV, "2").errno, EACCES);
  const rootNoCaps = new ModelProcess(env.kernel.spawn("root-nocaps", [CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON], 0), env.tcp);
  assert.equal(rootNoCaps.writeFile(UNPRIV, "2").errno, EPERM);
  for (const v of ["3", "-1", "two"]) assert.equal(env.p.writeFile(UNPRIV, v).errno, EINVAL, v);
  assert.equal(env.p.readFile(UNPRIV).text, "2\n");
  other.exit();
  rootNoCaps.exit();
  finish(env);
});

test("unprivileged_bpf_disabled = 0 at boot: a process without capabilities creates array and hash maps (map_create's unprivileged types)", () => {
  const env = boot({ unprivilegedBpfDisabled: 0 });
  const user = new ModelProcess(env.kernel.spawn("user", [], 1000), env.tcp);
  for (const type of [BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH]) {
    const r = user.bpf(BPF_MAP_CREATE, { ...ARRAY, map_type: type });
    assert.equal(r.errno, 0, `type ${type}`);
    user.close(r.ret);
  }
  assert.equal(env.p.writeFile(UNPRIV, "2").errno, 0);
  assert.equal(user.bpf(BPF_MAP_CREATE, ARRAY).errno, EPERM);
  user.exit();
  finish(env);
});

test("capset: a dropped capability comes back from the permitted set; one never permitted is EPERM (cap_capset)", () => {
  const env = boot();
  const p = new ModelProcess(env.kernel.spawn("p", [CAP_BPF], 0), env.tcp);
  assert.equal(p.setCapabilities([]).errno, 0);
  assert.equal(p.bpf(BPF_MAP_CREATE, ARRAY).errno, EPERM);
  assert.equal(p.setCapabilities([CAP_SYS_ADMIN]).errno, EPERM);
  assert.equal(p.setCapabilities(null).errno, 0);
  const r = p.bpf(BPF_MAP_CREATE, ARRAY);
  assert.equal(r.errno, 0);
  p.exit();
  finish(env);
});

test("bpf_token_capable: CAP_SYS_ADMIN stands in for CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, not the other way round", () => {
  const env = boot();
  const admin = env.kernel.spawn("admin", [CAP_SYS_ADMIN], 0);
  const bpf = env.kernel.spawn("bpf", [CAP_BPF], 0);
  for (const c of [CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN]) assert.equal(bpfTokenCapable(admin, c), true);
  assert.equal(bpfTokenCapable(bpf, CAP_SYS_ADMIN), false);
  assert.equal(bpfTokenCapable(bpf, CAP_PERFMON), false);
  assert.equal(mapCreateCap(BPF_MAP_TYPE_ARRAY), null);
  admin.exit();
  bpf.exit();
  finish(env);
});
