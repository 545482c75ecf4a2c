/**
 * @fileoverview The model's BTF against the real toolchain: `bpftool btf dump
 * file <blob> format c` must give a vmlinux.h that clang accepts, whose C
 * layout equals the BTF offsets, and that builds a struct_ops congestion
 * control using BPF_PROG, a CO-RE bitfield read and a `__ksym` kfunc.
 *
 * Skips, with the reason, when bpftool, clang or libbpf's headers are absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BTF_KIND_STRUCT, BTF_KIND_UNION } from "../../uapi/btf.js";
import { getVmlinuxBtf } from "./vmlinux.js";
import type { VmlinuxBtf } from "./vmlinux.js";

function run(cmd: string, args: readonly string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 16 << 20 });
  return { ok: r.error === undefined && r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}` };
}

function missingTools(): string | undefined {
  if (!run("bpftool", ["version"]).ok) return "bpftool is not on PATH";
  if (!run("clang", ["--version"]).ok) return "clang is not on PATH";
  const probe = spawnSync("clang", ["-target", "bpf", "-E", "-x", "c", "-", "-o", "/dev/null"], { input: "#include <bpf/bpf_helpers.h>\n", encoding: "utf8" });
  if (probe.status !== 0) return "libbpf headers (<bpf/bpf_helpers.h>) are not installed";
  return undefined;
}

const PROG = `
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_slow_start(struct tcp_sock *tp, __u32 acked) __ksym;
extern void tcp_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

static inline struct tcp_sock *tcp_sk(const struct sock *sk) { return (struct tcp_sock *)sk; }
static inline struct inet_connection_sock *inet_csk(const struct sock *sk) { return (struct inet_connection_sock *)sk; }

struct model_ca { __u32 acked_total; __u32 last_state; };

SEC("struct_ops")
void BPF_PROG(model_init, struct sock *sk)
{
	struct model_ca *ca = (struct model_ca *)inet_csk(sk)->icsk_ca_priv;

	ca->acked_total = 0;
	ca->last_state = BPF_CORE_READ_BITFIELD(inet_csk(sk), icsk_ca_state);
	sk->sk_pacing_status = SK_PACING_NEEDED;
}

SEC("struct_ops")
void BPF_PROG(model_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct model_ca *ca = (struct model_ca *)inet_csk(sk)->icsk_ca_priv;

	if (BPF_CORE_READ_BITFIELD(inet_csk(sk), icsk_ca_state) != TCP_CA_Open)
		return;
	ca->acked_total += acked;
	if (tp->snd_cwnd < tp->snd_ssthresh) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(model_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return tp->snd_cwnd >> 1 > 2 ? tp->snd_cwnd >> 1 : 2;
}

SEC("struct_ops")
void BPF_PROG(model_cong_control, struct sock *sk, __u32 ack, int flag, const struct rate_sample *rs)
{
	if (rs->delivered > 0 && !rs->is_app_limited)
		sk->sk_pacing_rate = sk->sk_max_pacing_rate;
}

SEC("struct_ops")
__u32 BPF_PROG(model_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops model_cc = {
	.init = (void *)model_init,
	.cong_avoid = (void *)model_cong_avoid,
	.ssthresh = (void *)model_ssthresh,
	.cong_control = (void *)model_cong_control,
	.undo_cwnd = (void *)model_undo_cwnd,
	.name = "model_cc",
};
`;

/** `_Static_assert`s pinning clang's view of vmlinux.h to the BTF offsets, for every named non-bitfield member path. */
function layoutAsserts(k: VmlinuxBtf, structs: readonly string[]): string {
  const lines = ['#include "vmlinux.h"'];
  const walk = (outer: string, id: number, bitBase: number, path: string): void => {
    for (const m of k.members(id)) {
      const bit = bitBase + m.bit_offset;
      const p = m.name === "" ? path : path === "" ? m.name : `${path}.${m.name}`;
      const inner = k.typeById(k.skipModifiers(m.type));
      if (m.name !== "" && m.bitfield_size === 0) {
        lines.push(`_Static_assert(__builtin_offsetof(struct ${outer}, ${p}) == ${bit / 8}, "${outer}.${p}");`);
      }
      if (m.bitfield_size === 0 && (inner?.kind === BTF_KIND_STRUCT || inner?.kind === BTF_KIND_UNION)) walk(outer, m.type, bit, p);
    }
  };
  for (const s of structs) {
    const id = k.findByNameKind(s, BTF_KIND_STRUCT);
    assert.ok(id > 0, s);
    lines.push(`_Static_assert(sizeof(struct ${s}) == ${k.sizeOf(s)}, "sizeof ${s}");`);
    walk(s, id, 0, "");
  }
  return lines.join("\n") + "\n";
}

const skip = missingTools();

test("vmlinux.h dumped by bpftool builds a struct_ops CC program with clang", skip === undefined ? {} : { skip }, () => {
  const k = getVmlinuxBtf();
  const dir = mkdtempSync(join(tmpdir(), "structops-btf-"));
  try {
    writeFileSync(join(dir, "vmlinux.btf"), k.bytes);
    const dump = run("bpftool", ["btf", "dump", "file", join(dir, "vmlinux.btf"), "format", "c"]);
    assert.ok(dump.ok, dump.out);
    assert.match(dump.out, /struct tcp_congestion_ops \{/);
    writeFileSync(join(dir, "vmlinux.h"), dump.out);

    // clang's layout of the dumped header equals the BTF, member by member.
    const structs = ["tcp_sock", "tcp_congestion_ops", "bpf_struct_ops_tcp_congestion_ops", "rate_sample", "ack_sample", "bpf_map"];
    writeFileSync(join(dir, "layout.c"), layoutAsserts(k, structs));
    const layout = run("clang", ["-target", "bpf", "-fsyntax-only", "layout.c"], dir);
    assert.ok(layout.ok, layout.out);

    writeFileSync(join(dir, "model_cc.bpf.c"), PROG);
    const cc = run("clang", ["-O2", "-g", "-target", "bpf", "-Wall", "-c", "model_cc.bpf.c", "-o", "model_cc.bpf.o"], dir);
    assert.ok(cc.ok, cc.out);
    const obj = readFileSync(join(dir, "model_cc.bpf.o"));
    assert.ok(obj.includes(".struct_ops.link"), "object has a .struct_ops.link section");
    const btf = run("bpftool", ["btf", "dump", "file", join(dir, "model_cc.bpf.o"), "format", "raw"]);
    assert.ok(btf.ok, btf.out);
    assert.match(btf.out, /FUNC 'tcp_slow_start' type_id=\d+ linkage=extern/);
    assert.match(btf.out, /STRUCT 'tcp_congestion_ops' size=192 vlen=18/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
