/**
 * The emulated kernel's build configuration for TCP congestion control
 * (net/ipv4/Makefile link order, CONFIG_TCP_CONG_*, CONFIG_DEFAULT_TCP_CONG):
 * what tcp_available_congestion_control, tcp_allowed_congestion_control and
 * tcp_congestion_control read after boot (tcp_register_congestion_control
 * in registration order, tcp_get_allowed_congestion_control,
 * tcp_congestion_default), the errno of setting an unavailable default
 * (tcp_set_default_congestion_control), and the kfunc sets the built-ins
 * register (register_btf_kfunc_id_set; the verifier's check_kfunc_call
 * message "calling kernel function %s is not allowed"), present in a
 * kernel's BTF only when their algorithm is built in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { EACCES, EINVAL, ENOENT } from "../../src/uapi/errno.js";
import { assemble, BPF_CALL_KFUNC, BPF_EXIT_INSN, BPF_MOV64_IMM } from "../../src/asm/index.js";
import { BPF_REG_0 } from "../../src/uapi/insn.js";
import { BTF_KIND_FUNC } from "../../src/uapi/btf.js";
import { DEFAULT_TCP_CONG_CONFIG, EmulatedKernel, getVmlinuxBtf, KernelConfigError, structOpsValueLayout } from "../../src/lib/kernel.js";
import type { TcpCongConfig } from "../../src/lib/kernel.js";
import { TCP_CONG_BUILTINS } from "../../src/net/tcp-cc/tcp-cong-config.js";
import { TCP_CA_KFUNC_SETS } from "../../src/kernel/btf/vmlinux-tcp-cc.js";

const SYS = "/proc/sys/net/ipv4/";

function readCc(k: EmulatedKernel): { available: string; allowed: string; default: string } {
  const p = k.process();
  const r = (f: string): string => p.readFile(SYS + f).text.trimEnd();
  return { available: r("tcp_available_congestion_control"), allowed: r("tcp_allowed_congestion_control"), default: r("tcp_congestion_control") };
}

test("default configuration: reno bbr cubic as the reference machine's kernel, default cubic (bbr and cubic allowed)", () => {
  assert.deepEqual(DEFAULT_TCP_CONG_CONFIG, { builtin: ["bbr", "cubic"], default: "cubic" });
  // bbr is declared TCP_CONG_NON_RESTRICTED (tcp_bbr.c), cubic is allowed as the default.
  assert.deepEqual(readCc(new EmulatedKernel()), { available: "reno bbr cubic", allowed: "reno bbr cubic", default: "cubic" });
});

test("configured as this machine's kernel (CONFIG_TCP_CONG_BBR, CUBIC, DEFAULT bbr): the three files read as on Linux 6.18.44", () => {
  const k = new EmulatedKernel({ tcpCong: { builtin: ["cubic", "bbr"], default: "bbr" } });
  assert.deepEqual(readCc(k), { available: "reno bbr cubic", allowed: "reno bbr", default: "bbr" });
});

test("built-ins register in link order (reno first, then tcp_cubic.o before tcp_dctcp.o), whatever order the configuration names them", () => {
  const k = new EmulatedKernel({ tcpCong: { builtin: ["dctcp", "cubic"], default: "cubic" } });
  assert.deepEqual(readCc(k), { available: "reno cubic dctcp", allowed: "reno cubic", default: "cubic" });
  // The default is what tcp_congestion_default marks non-restricted; the others stay restricted.
  const d = new EmulatedKernel({ tcpCong: { builtin: ["cubic", "dctcp"], default: "dctcp" } });
  assert.deepEqual(readCc(d), { available: "reno cubic dctcp", allowed: "reno dctcp", default: "dctcp" });
  const r = new EmulatedKernel({ tcpCong: { builtin: [], default: "reno" } });
  assert.deepEqual(readCc(r), { available: "reno", allowed: "reno", default: "reno" });
});

test("a default that is not built in: ENOENT from the sysctl, and the default is unchanged", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  assert.equal(p.writeFile(SYS + "tcp_congestion_control", "dctcp\n").errno, ENOENT);
  assert.equal(p.writeFile(SYS + "tcp_congestion_control", "vegas").errno, ENOENT);
  assert.equal(readCc(k).default, "cubic");
  const withDctcp = new EmulatedKernel({ tcpCong: { builtin: ["cubic", "dctcp"], default: "cubic" } });
  const q = withDctcp.process();
  assert.equal(q.writeFile(SYS + "tcp_congestion_control", "dctcp\n").errno, 0);
  assert.deepEqual(readCc(withDctcp), { available: "reno cubic dctcp", allowed: "reno cubic dctcp", default: "dctcp" });
});

test("a bad configuration is refused at boot with the reason in words", () => {
  const boot = (c: TcpCongConfig): unknown => new EmulatedKernel({ tcpCong: c });
  assert.throws(() => boot({ builtin: ["cubic", "vegas"], default: "cubic" }), (e: unknown) => {
    assert.ok(e instanceof KernelConfigError);
    assert.equal(e.message, 'unknown congestion control "vegas" to build in (the model implements: reno bbr cubic dctcp)');
    return true;
  });
  assert.throws(() => boot({ builtin: ["cubic"], default: "dctcp" }), /default congestion control "dctcp" is not built in \(built in: reno cubic\)/);
});

/** BPF_PROG_LOAD into `k` (built with `cfg`) of a struct_ops `ssthresh` program that calls FUNC `name` of its BTF and returns 2. */
function loadCalling(k: EmulatedKernel, cfg: TcpCongConfig, name: string): { errno: number; log: string } {
  const btf = getVmlinuxBtf(cfg);
  const id = btf.findByNameKind(name, BTF_KIND_FUNC);
  assert.ok(id > 0, `${name} is a function of the kernel's BTF`);
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const insns = assemble([BPF_CALL_KFUNC(id), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()]);
  const log = new Uint8Array(4096);
  const r = k.process().bpf(BPF_PROG_LOAD, {
    prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
    expected_attach_type: btf.memberIndex(ops.typeId, "ssthresh"), attach_btf_id: ops.typeId, prog_name: "probe",
    log_level: 1, log_size: log.length, log_buf: log,
  });
  return { errno: r.errno, log: new TextDecoder().decode(log.subarray(0, log.indexOf(0))) };
}

const DCTCP_ONLY: TcpCongConfig = { builtin: ["dctcp"], default: "reno" };

test("a kernel's BTF has the kfuncs of its built-ins only (register_btf_kfunc_id_set in each tcp_*.c initcall; vmlinux describes built-in code)", () => {
  const names = (cfg: TcpCongConfig): string[] => [...getVmlinuxBtf(cfg).kfuncNames].sort();
  const reno = TCP_CA_KFUNC_SETS["net/ipv4/bpf_tcp_ca.c"] ?? [];
  const setOf = (file: string): readonly string[] => TCP_CA_KFUNC_SETS[file] ?? [];
  assert.deepEqual(names(DEFAULT_TCP_CONG_CONFIG), [...reno, ...setOf("net/ipv4/tcp_bbr.c"), ...setOf("net/ipv4/tcp_cubic.c")].sort());
  assert.deepEqual(names(DCTCP_ONLY), [...reno, ...setOf("net/ipv4/tcp_dctcp.c")].sort());
  assert.deepEqual(names({ builtin: [], default: "reno" }), [...reno].sort());
  for (const cfg of [DEFAULT_TCP_CONG_CONFIG, DCTCP_ONLY]) {
    const btf = getVmlinuxBtf(cfg);
    for (const absent of TCP_CONG_BUILTINS.filter((b) => !cfg.builtin.includes(b.name)).flatMap((b) => Object.keys(b.kfuncs))) {
      assert.equal(btf.findByNameKind(absent, BTF_KIND_FUNC), -ENOENT, `${absent} is not in the BTF of ${cfg.builtin.join("+")}`);
    }
    assert.ok(btf.findByNameKind("tcp_init_sock", BTF_KIND_FUNC) > 0, "tcp_init_sock: a function of every kernel");
    assert.equal(btf.kfuncId("tcp_init_sock"), -ENOENT, "tcp_init_sock is no kfunc");
  }
  assert.equal(getVmlinuxBtf(DEFAULT_TCP_CONG_CONFIG), getVmlinuxBtf({ builtin: ["cubic", "bbr"], default: "bbr" }), "one BTF per set of built-ins");
  assert.throws(() => getVmlinuxBtf({ builtin: ["vegas"], default: "reno" }), KernelConfigError);
});

test("kfunc sets follow the built-ins: each registered kfunc loads; a function outside the set is refused by name (check_kfunc_call)", () => {
  const plain = new EmulatedKernel();
  for (const fn of ["tcp_reno_ssthresh", "tcp_slow_start", "cubictcp_recalc_ssthresh", "bbr_main", "bbr_min_tso_segs"]) {
    assert.equal(loadCalling(plain, DEFAULT_TCP_CONG_CONFIG, fn).errno, 0, fn);
  }
  const dctcp = new EmulatedKernel({ tcpCong: DCTCP_ONLY });
  for (const fn of ["dctcp_init", "dctcp_ssthresh", "dctcp_cwnd_undo", "tcp_reno_cong_avoid"]) assert.equal(loadCalling(dctcp, DCTCP_ONLY, fn).errno, 0, fn);
  for (const [k, cfg] of [[plain, DEFAULT_TCP_CONG_CONFIG], [dctcp, DCTCP_ONLY]] as const) {
    const r = loadCalling(k, cfg, "tcp_init_sock");
    assert.equal(r.errno, EACCES);
    assert.match(r.log, /^calling kernel function tcp_init_sock is not allowed$/m);
  }
});

test("a kfunc call whose BTF id is no function: EINVAL, 'kernel btf_id N is not a function'", () => {
  const btf = getVmlinuxBtf();
  const k = new EmulatedKernel();
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const insns = assemble([BPF_CALL_KFUNC(ops.typeId), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()]);
  const log = new Uint8Array(4096);
  const r = k.process().bpf(BPF_PROG_LOAD, {
    prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
    expected_attach_type: btf.memberIndex(ops.typeId, "ssthresh"), attach_btf_id: ops.typeId, prog_name: "probe",
    log_level: 1, log_size: log.length, log_buf: log,
  });
  assert.equal(r.errno, EINVAL);
  assert.match(new TextDecoder().decode(log), new RegExp(`kernel btf_id ${ops.typeId} is not a function`));
});

test("each built-in's kfunc set is the one its kernel file registers, every name declared as a kfunc in the BTF of a kernel that builds it in", () => {
  for (const b of TCP_CONG_BUILTINS) {
    assert.deepEqual(Object.keys(b.kfuncs), TCP_CA_KFUNC_SETS[b.file], b.name);
    for (const n of Object.keys(b.kfuncs)) assert.ok(getVmlinuxBtf({ builtin: [b.name], default: "reno" }).kfuncId(n) > 0, n);
  }
});
