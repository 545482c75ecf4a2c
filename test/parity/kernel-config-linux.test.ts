/**
 * @fileoverview The kernel's congestion-control configuration, read on this
 * machine's Linux (in a private network namespace, read-only apart from
 * writes the kernel refuses) and on the emulated kernel configured as it:
 *
 * - tcp_available_congestion_control lists reno first, then the built-ins
 *   in link order (net/ipv4/Makefile; tcp_register_congestion_control
 *   appends); tcp_allowed_congestion_control the non-restricted ones (reno
 *   and the default, tcp_congestion_default); tcp_congestion_control the
 *   default (struct_ops CAs other processes register at run time follow the
 *   built-ins and are left out). The model is booted with the machine's built-ins and default
 *   where it implements them; when it implements all of them the three
 *   files must read the same, otherwise they must read the same once the
 *   missing names are left out, and the model must refuse the machine's full
 *   configuration naming what it lacks.
 * - tcp_set_default_congestion_control with a name that is not built in:
 *   ENOENT on both, nothing changes.
 * - check_kfunc_call (kernel/bpf/verifier.c): a call to a FUNC outside the
 *   tcp_congestion_ops kfunc set (tcp_init_sock, on both) is refused with
 *   EACCES and "calling kernel function <name> is not allowed"; a call to a
 *   BTF id that is no FUNC: EINVAL, "kernel btf_id N is not a function".
 * - An algorithm's kfuncs exist only where it is built in (each tcp_*.c
 *   registers its set with register_btf_kfunc_id_set from its initcall, and
 *   vmlinux BTF describes only built-in code): the clang-built
 *   test/fixtures/kfset.bpf.c's bbr_* congestion control loads on both
 *   (bbr is built in here), its dctcp_* one fails in the loader with ESRCH
 *   and libbpf's "extern (func ksym) 'NAME': not found in kernel or module
 *   BTFs" on both (dctcp is not).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Backend } from "../../src/backend/backend.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { parseKernelBtf } from "../../src/backend/linux/vmlinux-btf.js";
import { structOpsValueLayout } from "../../src/backend/struct-ops-value.js";
import type { Btf } from "../../src/btf/btf.js";
import { BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { EACCES, EINVAL, ENOENT } from "../../src/uapi/errno.js";
import { BTF_KIND_FUNC } from "../../src/uapi/btf.js";
import { BPF_REG_0 } from "../../src/uapi/insn.js";
import { assemble, BPF_CALL_KFUNC, BPF_EXIT_INSN, BPF_MOV64_IMM } from "../../src/asm/index.js";
import { EmulatedKernel, getVmlinuxBtf, KernelConfigError, knownTcpCong } from "../../src/lib/kernel.js";
import { BpfObject } from "../../src/lib/object.js";
import { BpfError } from "../../src/lib/errors.js";
import { hostTarget } from "../../src/lib/target.js";
import type { Target } from "../../src/lib/target.js";
import { fixture } from "../obj/helpers.js";
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

const SYS = "/proc/sys/net/ipv4/";
const FILES = ["tcp_available_congestion_control", "tcp_allowed_congestion_control", "tcp_congestion_control"] as const;

function lists(be: Backend): string[][] {
  return FILES.map((f) => {
    const r = be.readFile(SYS + f);
    assert.equal(r.errno, 0, f);
    return r.text.trim().split(/\s+/);
  });
}

/** Link order of the congestion controls in net/ipv4/Makefile (v6.18). */
const LINK_ORDER = ["bbr", "bic", "cdg", "cubic", "dctcp", "westwood", "highspeed", "hybla", "htcp", "vegas", "nv", "veno", "scalable", "lp", "yeah", "illinois"];

test("available, allowed and default read as this machine's kernel: reno first, built-ins in link order, reno and the default allowed", (t) => {
  const lb = linux(t);
  if (lb === undefined) return;
  let real: string[][];
  try {
    real = lists(lb);
  } finally {
    lb.dispose();
  }
  // Built-ins only: struct_ops CAs registered at run time (other test processes' programs) follow them in the list.
  const builtIn = (l: string[]): string[] => l.filter((n) => n === "reno" || LINK_ORDER.includes(n));
  const [available, allowed, def] = [builtIn(real[0] as string[]), builtIn(real[1] as string[]), real[2] as string[]];
  const name = def[0] as string;
  assert.equal(available[0], "reno", "reno registers first (tcp_init)");
  const rest = available.slice(1);
  assert.deepEqual(rest, [...rest].sort((a, b) => LINK_ORDER.indexOf(a) - LINK_ORDER.indexOf(b)), "the others in link order");
  assert.deepEqual(allowed, available.filter((n) => n === "reno" || n === name), "allowed: reno and the default");

  const known = knownTcpCong();
  const builtin = rest.filter((n) => known.includes(n));
  const missing = rest.filter((n) => !known.includes(n));
  if (missing.length > 0) {
    assert.throws(() => new EmulatedKernel({ tcpCong: { builtin: rest, default: name } }), (e: unknown) => e instanceof KernelConfigError && e.message.includes(`"${missing[0]}"`));
  }
  const modelDefault = known.includes(name) ? name : builtin.includes("cubic") ? "cubic" : "reno";
  const model = lists(new EmulatedKernel({ tcpCong: { builtin, default: modelDefault } }).process());
  const keep = (l: string[]): string[] => l.filter((n) => known.includes(n));
  if (missing.length === 0) {
    assert.deepEqual(model, [available, allowed, def], "the model configured as this kernel reads the same three files");
  } else {
    // Without the missing algorithms, and with the default moved to one the model has when the machine's is missing.
    assert.deepEqual(model[0], keep(available));
    assert.deepEqual(model[1], keep(available).filter((n) => n === "reno" || n === modelDefault));
    assert.deepEqual(model[2], [modelDefault]);
  }
});

test("setting a default that is not built in (dctcp, on both): ENOENT, and nothing changes", (t) => {
  const model = new EmulatedKernel().process();
  const before = lists(model);
  assert.equal(model.writeFile(SYS + "tcp_congestion_control", "dctcp\n").errno, ENOENT);
  assert.deepEqual(lists(model), before);
  const lb = linux(t);
  if (lb === undefined) return;
  try {
    const b = lists(lb);
    assert.ok(!(b[0] as string[]).includes("dctcp"), "dctcp is not built in on this machine");
    assert.equal(lb.writeFile(SYS + "tcp_congestion_control", "dctcp\n").errno, ENOENT);
    assert.deepEqual(lists(lb), b);
  } finally {
    lb.dispose();
  }
});

/** A struct_ops ssthresh program calling BTF id `id` as a kfunc: its errno and the log line that says why. */
function callKfunc(be: Backend, btf: Btf, id: number): { errno: number; why: string } {
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const insns = assemble([BPF_CALL_KFUNC(id), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()]);
  const log = new Uint8Array(8192);
  const r = be.bpf(BPF_PROG_LOAD, {
    prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
    expected_attach_type: btf.memberIndex(ops.typeId, "ssthresh"), attach_btf_id: ops.typeId, prog_name: "kfunc_probe",
    log_level: 1, log_size: log.length, log_buf: log,
  });
  if (r.errno === 0) be.close(r.ret);
  const lines = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0)))).split("\n");
  return { errno: r.errno, why: lines.find((l) => /is not allowed|is not a function/.test(l)) ?? lines.join("\\n") };
}

test("a kfunc outside the tcp_congestion_ops set is refused by name (EACCES), a BTF id that is no function with EINVAL, on both", (t) => {
  const mbtf = getVmlinuxBtf();
  const model = new EmulatedKernel().process();
  const mOps = structOpsValueLayout(mbtf, "tcp_congestion_ops");
  assert.equal(mbtf.kfuncId("tcp_init_sock"), -ENOENT, "tcp_init_sock is a function of the model's BTF but no kfunc");
  assert.deepEqual(callKfunc(model, mbtf, mbtf.findByNameKind("tcp_init_sock", BTF_KIND_FUNC)), { errno: EACCES, why: "calling kernel function tcp_init_sock is not allowed" });
  assert.deepEqual(callKfunc(model, mbtf, mOps.typeId), { errno: EINVAL, why: `kernel btf_id ${mOps.typeId} is not a function` });
  const lb = linux(t);
  if (lb === undefined) return;
  try {
    const lbtf = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
    const kfuncId = (name: string): number => lbtf.findByNameKind(name, BTF_KIND_FUNC);
    const lOps = structOpsValueLayout(lbtf, "tcp_congestion_ops");
    assert.deepEqual(callKfunc(lb, lbtf, kfuncId("tcp_init_sock")), { errno: EACCES, why: "calling kernel function tcp_init_sock is not allowed" });
    assert.deepEqual(callKfunc(lb, lbtf, lOps.typeId), { errno: EINVAL, why: `kernel btf_id ${lOps.typeId} is not a function` });
  } finally {
    lb.dispose();
  }
});

/** Loads test/fixtures/kfset (its `build`) into `be`, with fx_kf_dctcp created or not: "ok" or "<ERRNO>: <detail>". */
function loadKfset(be: Backend, build: "linux" | "model", dctcp: boolean, target?: Target): string {
  const obj = BpfObject.open(fixture("kfset", build), { name: "kfset" });
  try {
    obj.map("fx_kf_dctcp").setAutocreate(dctcp);
    obj.load(be, target === undefined ? {} : { target });
    return "ok";
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return `${e.errnoName}: ${e.detail}`;
  } finally {
    obj.close();
  }
}

const DCTCP_ABSENT = /^ESRCH: .*extern \(func ksym\) 'dctcp_\w+': not found in kernel or module BTFs$/;

test("an algorithm's kfuncs exist only where it is built in: bbr_* load, dctcp_* are not found (ESRCH), on both; the model with dctcp built in loads them", (t) => {
  const model = new EmulatedKernel().process();
  for (const build of ["model", "linux"] as const) {
    assert.equal(loadKfset(model, build, false), "ok", `${build} build, bbr kfuncs`);
    assert.match(loadKfset(model, build, true), DCTCP_ABSENT, `${build} build, dctcp kfuncs`);
  }
  const withDctcp = new EmulatedKernel({ tcpCong: { builtin: ["bbr", "cubic", "dctcp"], default: "cubic" } }).process();
  assert.equal(loadKfset(withDctcp, "linux", true), "ok", "dctcp built in: its kfuncs are there");
  const lb = linux(t);
  if (lb === undefined) return;
  try {
    const lbtf = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
    assert.equal(lbtf.findByNameKind("dctcp_init", BTF_KIND_FUNC), -ENOENT, "no dctcp_init in this kernel's BTF: dctcp is not built in");
    assert.ok(lbtf.findByNameKind("bbr_main", BTF_KIND_FUNC) > 0, "bbr is built in");
    const host = hostTarget();
    assert.equal(loadKfset(lb, "linux", false, host), "ok", "Linux: bbr kfuncs");
    assert.match(loadKfset(lb, "linux", true, host), DCTCP_ABSENT, "Linux: dctcp kfuncs");
  } finally {
    lb.dispose();
  }
});
