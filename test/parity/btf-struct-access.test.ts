/**
 * @fileoverview The struct_ops write rules at BPF_PROG_LOAD on both kernels
 * (net/ipv4/bpf_tcp_ca.c bpf_tcp_ca_btf_struct_access, Linux 6.18): for each
 * probed tcp_sock field, a tcp_congestion_ops program storing to it through
 * its `struct sock *` argument loads on both or is refused on both with
 * EACCES and the same log line (offsets are each kernel's own: the model's
 * tcp_sock layout differs from Linux's, CO-RE hides that from programs). The
 * probes are built with the project's asm builders. Also checked: the
 * verifier log's last line, "processed N insns (limit 1000000) ..."
 * (kernel/bpf/verifier.c bpf_check), on a load that succeeds and one refused.
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
import { BPF_B, BPF_DW, BPF_H, BPF_REG_0, BPF_REG_1, BPF_W } from "../../src/uapi/insn.js";
import { BTF_KIND_STRUCT } from "../../src/uapi/btf.js";
import { assemble, BPF_EXIT_INSN, BPF_LDX_MEM, BPF_MOV64_IMM, BPF_ST_MEM } from "../../src/asm/index.js";
import { EmulatedKernel, getVmlinuxBtf } from "../../src/lib/kernel.js";
import { lockedLinuxGate } from "./linux-checks.js";

const { gate, release } = lockedLinuxGate();
after(() => release());

/** Byte offset of `path` (dots for nested members) inside `struct tcp_sock`, looking through the embedded socks and anonymous members. */
function offsetIn(btf: Btf, id: number, path: string): number | undefined {
  const [head, ...rest] = path.split(".");
  for (const m of btf.members(id)) {
    if (m.name === head) return rest.length === 0 ? m.bit_offset / 8 : ((o) => (o === undefined ? undefined : m.bit_offset / 8 + o))(offsetIn(btf, m.type, rest.join(".")));
    if (m.name === "" || ["inet_conn", "icsk_inet", "sk", "__sk_common"].includes(m.name)) {
      const r = offsetIn(btf, m.type, path);
      if (r !== undefined) return m.bit_offset / 8 + r;
    }
  }
  return undefined;
}

const SIZE_CODE: Record<number, number> = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW };

/** Loads `sk = ctx[0]; *(size *)(sk + off(field) + delta) = 1; return 0` as tcp_congestion_ops.`member`: errno, the log's refusal line (or "") and its last line. */
function probe(be: Backend, btf: Btf, field: string, size: number, delta = 0, member = "cong_avoid"): { errno: number; why: string; last: string } {
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const base = offsetIn(btf, btf.findByNameKind("tcp_sock", BTF_KIND_STRUCT), field);
  assert.ok(base !== undefined, `tcp_sock.${field} exists`);
  const off = base + delta;
  const insns = assemble([BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, 0), BPF_ST_MEM(SIZE_CODE[size] as number, BPF_REG_1, off, 1), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
  const log = new Uint8Array(16384);
  const r = be.bpf(BPF_PROG_LOAD, {
    prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
    expected_attach_type: btf.memberIndex(ops.typeId, member), attach_btf_id: ops.typeId, prog_name: "wr_probe",
    log_level: 1, log_size: log.length, log_buf: log,
  });
  if (r.errno === 0) be.close(r.ret);
  const lines = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0)))).trimEnd().split("\n");
  // Offsets differ between the kernels' layouts: name them relative to the probed field.
  const why = (lines.find((l) => /no write support|beyond the member|only read is supported/.test(l)) ?? "")
    .replace(new RegExp(`\\b${off}\\b`, "g"), "OFF").replace(/ended at (\d+)/, (_, e: string) => `ended at OFF+${Number(e) - off}`);
  return { errno: r.errno, why, last: (lines[lines.length - 1] ?? "").replace(/processed \d+ insns/, "processed N insns") };
}

/** [field, store size, byte delta, what Linux 6.18 answers]. */
const CASES: readonly (readonly [string, number, number, string])[] = [
  ["snd_cwnd", 4, 0, ""],
  ["snd_cwnd", 2, 0, ""],
  ["snd_cwnd", 8, 0, "write access at off OFF with size 8 beyond the member of tcp_sock ended at OFF+4"],
  ["snd_cwnd", 1, 1, "no write support to tcp_sock at off OFF"],
  ["snd_ssthresh", 4, 0, ""],
  ["snd_cwnd_cnt", 4, 0, ""],
  ["snd_cwnd_stamp", 4, 0, ""],
  ["ecn_flags", 1, 0, ""],
  ["app_limited", 4, 0, ""],
  ["sk_pacing_rate", 8, 0, ""],
  ["sk_pacing_status", 4, 0, ""],
  ["icsk_ca_priv", 8, 0, ""],
  ["icsk_ack.pending", 1, 0, ""],
  ["mss_cache", 4, 0, "no write support to tcp_sock at off OFF"],
  ["prr_out", 4, 0, "no write support to tcp_sock at off OFF"],
  ["snd_cwnd_clamp", 4, 0, "no write support to tcp_sock at off OFF"],
  ["srtt_us", 4, 0, "no write support to tcp_sock at off OFF"],
  ["reordering", 4, 0, "no write support to tcp_sock at off OFF"],
  ["high_seq", 4, 0, "no write support to tcp_sock at off OFF"],
  ["sk_max_pacing_rate", 8, 0, "no write support to tcp_sock at off OFF"],
];

const LAST = "processed N insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0";

test("bpf_tcp_ca_btf_struct_access in the model: each probed tcp_sock store loads or is refused at BPF_PROG_LOAD with Linux 6.18's errno and log line", () => {
  const btf = getVmlinuxBtf();
  const p = new EmulatedKernel().process();
  for (const [field, size, delta, why] of CASES) {
    assert.deepEqual(probe(p, btf, field, size, delta), { errno: why === "" ? 0 : 13, why, last: LAST }, `${field} (${size} bytes at +${delta})`);
  }
});

test("bpf_tcp_ca_btf_struct_access: the same load results (errno and log line) on Linux 6.18 and the model", (t) => {
  if (gate !== null) {
    if (gate.skip) return t.skip(`Linux side skipped: ${gate.reason}`);
    assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
  }
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) assert.fail(`Linux backend: ${o.reason}`);
  const lb = o.backend;
  try {
    const lbtf = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
    const mb = new EmulatedKernel().process();
    for (const [field, size, delta] of CASES) {
      assert.deepEqual(probe(mb, getVmlinuxBtf(), field, size, delta), probe(lb, lbtf, field, size, delta), `${field} (${size} bytes at +${delta})`);
    }
  } finally {
    lb.dispose();
  }
});
