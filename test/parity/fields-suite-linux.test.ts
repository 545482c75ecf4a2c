/**
 * @fileoverview Issue #19's probe suite on both kernels: one clang-built
 * congestion control per socket field read, per field written and per kfunc
 * (test/fixtures/fields.bpf.c, run by ./fields-suite.ts), on the model and on
 * this machine's Linux 6.18 (private netns, loopback connections). Checked:
 *
 * - each probe loads, or is refused with the same errno and text, on both:
 *   bpf_tcp_ca_btf_struct_access's write list (a read-only field: EACCES,
 *   "no write support to tcp_sock at off N" with N that field's offset in
 *   that kernel's tcp_sock; the rate sample: "only read is supported"),
 *   the tcp_congestion_ops kfunc set of the default configuration (reno's
 *   helpers, cubic's and bbr's functions load; dctcp's are not in the
 *   kernel's BTF, so the loader fails with ESRCH; tcp_init_sock is in no
 *   set: check_kfunc_call's EACCES naming it), each with do_check's
 *   "processed N insns" line;
 * - each readable field's value at init() on a fresh connected socket
 *   (tcp_init_transfer, after the SYN-ACK's tcp_ack), the same on both, or
 *   where it is the connection's own (ISNs, ports, clocks, the loopback
 *   RTT), the same relation on both;
 * - each allowed write lands: init() reads back what it stored.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { EmulatedKernel, getVmlinuxBtf } from "../../src/lib/kernel.js";
import { hostTarget } from "../../src/lib/target.js";
import { lockedLinuxGate, readCc } from "./linux-checks.js";
import { KFUNCS, PROBE_MAPS, READ_FIELDS, READ_ONLY, runFieldsSuite, WRITES } from "./fields-suite.js";
import type { ReadField, ReadRecord, SuiteRun } from "./fields-suite.js";

const U64_MAX = (1n << 64n) - 1n;

/**
 * Fields every fresh connected socket holds the same value in at init():
 * sock_init_data, tcp_init_sock, tcp_connect_init (tcp_clear_retrans), the
 * SYN-ACK's tcp_ack (delivered 1, tcp_rate_gen ending the app-limited
 * bubble, tcp_rtt_estimator's first sample: rttvar_us = mdev_max_us =
 * tcp_rto_min) and tcp_init_transfer (snd_cwnd = TCP_INIT_CWND). Loopback:
 * mss_cache is half the SYN-ACK's 65483-byte window (tcp_bound_to_half_wnd),
 * sk_gso_max_size lo's 65536 less MAX_TCP_HEADER + 1 (sk_setup_caps).
 * snd_cwnd_clamp: 1048576 on this Linux 6.18 (older kernels: ~0U).
 */
const EXACT: Readonly<Partial<Record<ReadField, bigint>>> = {
  snd_cwnd: 10n, snd_ssthresh: 0x7fffffffn, snd_cwnd_cnt: 0n, snd_cwnd_clamp: 1n << 20n, prior_cwnd: 0n, prior_ssthresh: 0n,
  sk_max_pacing_rate: U64_MAX, sk_pacing_status: 0n, ecn_flags: 0n, app_limited: 0n, reordering: 3n, prr_out: 0n, high_seq: 0n,
  lost_out: 0n, sacked_out: 0n, retrans_out: 0n, packets_out: 0n, delivered: 1n, delivered_ce: 0n, mss_cache: 32741n, lsndtime: 0n,
  is_cwnd_limited: 0n, icsk_ca_state: 0n, icsk_ack_pending: 0n, max_packets_out: 0n, undo_marker: 0n, undo_retrans: 0xffffffffn,
  retrans_stamp: 0n, total_retrans: 0n, mdev_max_us: 200_000n, rttvar_us: 200_000n, rate_delivered: 0n, rate_interval_us: 0n, lost: 0n,
  sk_pacing_shift: 10n, icsk_ca_initialized: 0n, icsk_ca_priv: 0n, skc_state: 1n, skc_family: 2n, sk_gso_max_size: 65343n,
};

const bswap16 = (v: bigint): bigint => ((v & 0xffn) << 8n) | ((v >> 8n) & 0xffn);
const ephemeral = (p: bigint): boolean => p >= 32768n && p <= 60999n;

/**
 * Fields that are the connection's own, with the relation that holds on
 * every kernel (null when it holds, else why not). `ref` is the second
 * field fields.bpf.c reads on the same socket.
 */
const RELATIONS: Readonly<Partial<Record<ReadField, (r: ReadRecord, run: SuiteRun) => string | null>>> = {
  // tcp_init_transfer stamps tcp_jiffies32 just before init() runs.
  snd_cwnd_stamp: (r) => (((r.jif - r.val) & 0xffffffffn) <= 1n ? null : `jiffies ${r.jif}`),
  // The SYN-ACK's arrival (tcp_mstamp_refresh), which also stamps delivered_mstamp (tcp_rate_skb_delivered); at most 1 s before init().
  tcp_mstamp: (r) => (r.val === r.ref && r.us >= r.val && r.us - r.val < 1_000_000n ? null : `delivered_mstamp ${r.ref}, clock ${r.us} µs`),
  delivered_mstamp: (r) => (r.val === r.ref && r.us >= r.val && r.us - r.val < 1_000_000n ? null : `tcp_mstamp ${r.ref}, clock ${r.us} µs`),
  // tcp_rtt_estimator's first sample m: srtt_us = 8m, mdev_us = 2m; tcp_update_rtt_min: rtt_min = m.
  srtt_us: (r) => (r.val > 0n && r.val % 8n === 0n && r.val === 4n * r.ref ? null : `mdev_us ${r.ref}`),
  mdev_us: (r) => (r.val > 0n && r.ref === 4n * r.val ? null : `srtt_us ${r.ref}`),
  rtt_min: (r) => (r.val > 0n && r.ref === 8n * r.val ? null : `srtt_us ${r.ref}`),
  // The SYN is ACKed: snd_una = snd_nxt = ISN + 1, and the first RTT sample set rtt_seq = snd_nxt.
  snd_una: (r) => (r.val === r.ref ? null : `snd_nxt ${r.ref}`),
  snd_nxt: (r) => (r.val === r.ref ? null : `snd_una ${r.ref}`),
  rtt_seq: (r) => (r.val === r.ref ? null : `snd_nxt ${r.ref}`),
  // The peer's ISN + 1 (tcp_rcv_synsent_state_process), not ours.
  rcv_nxt: (r) => (r.val !== 0n && r.val !== r.ref ? null : `snd_una ${r.ref}`),
  // tcp_update_pacing_rate on the SYN-ACK: mss × (USEC_PER_SEC / 100 << 3) × 200 % × cwnd 10 / srtt_us.
  sk_pacing_rate: (r, run) => (r.ref > 0n && r.val === (run.reads.mss_cache.val * 80_000n * 200n * 10n) / r.ref ? null : `srtt_us ${r.ref}`),
  // An ephemeral port (ip_local_port_range) in host order; inet_sport is the same port in network order.
  skc_num: (r) => (ephemeral(r.val) && bswap16(r.ref) === r.val ? null : `inet_sport ${r.ref}`),
  inet_sport: (r) => (ephemeral(bswap16(r.val)) && bswap16(r.val) === r.ref ? null : `skc_num ${r.ref}`),
  skc_dport: (r, run) => (bswap16(r.val) === BigInt(run.port) ? null : `listener port ${run.port}`),
};

const NOT_LOADED = /^ESRCH: .*extern \(func ksym\) 'dctcp_\w+': not found in kernel or module BTFs$/;
const PROCESSED = "; processed \\d+ insns \\(limit 1000000\\) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0$";

/** What each probe's load must give on Linux 6.18 in its default configuration (bbr and cubic built in, dctcp not). */
function expectedLoad(map: string): RegExp {
  const ro = /^fx_ro_(\w+)_ca$/.exec(map)?.[1];
  if (ro === "rs") return new RegExp(`^EACCES: verifier: only read is supported${PROCESSED}`);
  if (ro !== undefined) return new RegExp(`^EACCES: verifier: no write support to tcp_sock at off OFF\\(${ro}\\)${PROCESSED}`);
  if (map.startsWith("fx_kf_dctcp_")) return NOT_LOADED;
  if (map === "fx_kf_tcp_init_sock_ca") return new RegExp(`^EACCES: verifier: calling kernel function tcp_init_sock is not allowed${PROCESSED}`);
  return /^ok$/;
}

/** The suite's checks of one kernel's run on its own. */
function checkRun(who: string, run: SuiteRun): void {
  const maps = [...PROBE_MAPS.reads, ...PROBE_MAPS.writes, ...PROBE_MAPS.readOnly, ...PROBE_MAPS.kfuncs];
  for (const m of maps) assert.match(run.loads[m] ?? "(not loaded)", expectedLoad(m), `${who}: load of ${m}`);
  for (const f of READ_FIELDS) {
    const r = run.reads[f];
    assert.equal(r.n, 1n, `${who}: ${f}: init() ran once`);
    const exact = EXACT[f];
    const rel = RELATIONS[f];
    if (exact !== undefined) assert.equal(r.val, exact, `${who}: ${f} at init()`);
    else assert.equal(rel?.(r, run) ?? null, null, `${who}: ${f} = ${r.val} at init()`);
  }
  for (const [f, v] of WRITES) assert.deepEqual(run.writes[f], { val: v, n: 1n }, `${who}: the store to ${f} lands`);
}

test("the suite covers each readable field once (an exact value or a relation), each read-only field and kfunc with a probe", () => {
  for (const f of READ_FIELDS) assert.ok((EXACT[f] !== undefined) !== (RELATIONS[f] !== undefined), f);
  assert.equal(PROBE_MAPS.readOnly.length, READ_ONLY.length + 1);
  assert.equal(PROBE_MAPS.kfuncs.length, KFUNCS.length);
});

/** The model's run, made once for both tests. */
let modelRun: { run: SuiteRun; faults: ReturnType<EmulatedKernel["progFaults"]> } | undefined;
function model(): SuiteRun {
  if (modelRun === undefined) {
    const k = new EmulatedKernel();
    modelRun = { run: runFieldsSuite(k.process("fields"), getVmlinuxBtf()), faults: k.progFaults() };
  }
  return modelRun.run;
}

test("the model: every probe loads or is refused as Linux 6.18 does, reads Linux's initial values, no program faults", () => {
  checkRun("model", model());
  assert.deepEqual(modelRun?.faults, [], "no probe faults at run time");
});

const { gate, release } = lockedLinuxGate();
const machineBefore = gate === null ? readCc() : undefined;
let skip: string | undefined;
before(() => {
  if (gate !== null) {
    skip = gate.reason;
    if (!gate.skip) assert.fail(`Linux side cannot run on a kernel that should support it: ${gate.reason}`);
  }
});
after(() => {
  try {
    if (machineBefore !== undefined) assert.deepEqual(readCc(), machineBefore, "the machine's congestion-control state is unchanged");
  } finally {
    release();
  }
});

test("Linux 6.18 and the model: the same load results, the same initial values and relations, the same stores", (t) => {
  if (skip !== undefined) return t.skip(`Linux side skipped: ${skip}`);
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) assert.fail(`Linux backend: ${o.reason}`);
  let linux: SuiteRun;
  try {
    const host = hostTarget();
    linux = runFieldsSuite(o.backend, host.btf, host);
  } finally {
    o.backend.dispose();
  }
  const m = model();
  for (const f of READ_FIELDS) t.diagnostic(`${f.padEnd(20)} model ${m.reads[f].val} (ref ${m.reads[f].ref})  Linux ${linux.reads[f].val} (ref ${linux.reads[f].ref})`);
  checkRun("Linux", linux);
  assert.deepEqual(m.loads, linux.loads, "load results: errno and text");
  for (const f of READ_FIELDS) if (EXACT[f] !== undefined) assert.equal(m.reads[f].val, linux.reads[f].val, f);
  assert.deepEqual(m.writes, linux.writes, "stores read back");
});
