/**
 * @fileoverview The inspection commands on the committed fixtures and on a
 * fresh emulated kernel: `object show|dump` facts a user relies on (the
 * update fixture's struct_ops maps, BPF_F_LINK and member programs; globals,
 * externs, CO-RE relocations; source lines from .BTF.ext as bpftool's
 * `prog dump xlated linum` prints them), every `-j` output validated against
 * its schema in schemas/, bad input as one line and status 1, and the
 * scenario `snapshot` action's file. The real kernel is in
 * test/parity/inspect-linux.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { assertSchema, SCHEMAS } from "./inspect-schemas.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIX = (n: string): string => join(ROOT, "test/fixtures", `${n}.bpf.o`);
const FIXTURES = ["demo", "cubic", "dctcp", "dctcp_exact", "update", "reno", "incompl", "nogpl", "unsupp"].flatMap((n) => [`${n}.linux`, `${n}.model`]);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function json<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
  const r = await run(...argv, "-j");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.split("\n").length, 2, "-j prints one line");
  return JSON.parse(r.out) as T;
}

interface Show {
  maps: { name: string; type: string; flags: number; flag_names: string[]; section: string }[];
  programs: { name: string; insns: number; type: string; struct_ops_member: string | null; line_info: number }[];
  struct_ops: { map: string; struct: string; link: boolean; members: { name: string; program: string | null; value: unknown }[] }[];
  globals: { name: string; section: string; size: number; value: unknown }[];
  externs: { name: string; kind: string; weak: boolean }[];
  core_relos: { program: string; kind: string; path: string }[];
}
interface Dump { program: string; insns: number; lines: { insn: number; opcode: string; text: string; func?: string; source?: { file: string; line: number; col: number; text: string } }[] }

test("every schema in schemas/ compiles and the output of each command has one", () => {
  for (const s of ["object-show", "object-dump", "struct-ops", "link", "cc", "snapshot"]) assert.ok(SCHEMAS.includes(s), s);
});

test("object show -j and object dump -j follow their schemas on every fixture; dump and show agree on instruction counts", async () => {
  for (const f of FIXTURES) {
    const show = await json<Show>("object", "show", FIX(f));
    assertSchema("object-show", show);
    const dump = await json<Dump[]>("object", "dump", FIX(f));
    assertSchema("object-dump", dump);
    assert.deepEqual(dump.map((d) => [d.program, d.insns]), show.programs.map((p) => [p.name, p.insns]), f);
    for (const d of dump) {
      // ld_imm64 is one line over two slots: lines and slots agree.
      const slots = d.lines.reduce((n, l) => n + (l.opcode === "18" ? 2 : 1), 0);
      assert.equal(slots, d.insns, `${f} ${d.program}`);
    }
  }
});

test("a document with a field the schema does not name fails validation (the schemas are closed)", async () => {
  const show = await json<Show & { extra?: number }>("object", "show", FIX("demo.linux"));
  show.extra = 1;
  assert.throws(() => assertSchema("object-show", show), /must NOT have additional properties/);
});

test("object show: update.linux.bpf.o has ca_update_1 and ca_update_2 with BPF_F_LINK, ca_no_link without, and each member's program", async () => {
  const s = await json<Show>("object", "show", FIX("update.linux"));
  const map = (n: string): Show["maps"][number] => s.maps.find((m) => m.name === n) as Show["maps"][number];
  for (const n of ["ca_update_1", "ca_update_2"]) {
    assert.equal(map(n).type, "struct_ops");
    assert.equal(map(n).section, ".struct_ops.link");
    assert.deepEqual(map(n).flag_names, ["BPF_F_LINK"]);
    assert.equal(map(n).flags, 0x2000);
  }
  assert.deepEqual(map("ca_no_link").flag_names, []);
  const so = (n: string): Show["struct_ops"][number] => s.struct_ops.find((m) => m.map === n) as Show["struct_ops"][number];
  const prog = (n: string, member: string): string | null | undefined => so(n).members.find((m) => m.name === member)?.program;
  assert.equal(so("ca_update_1").struct, "tcp_congestion_ops");
  assert.equal(so("ca_update_1").link, true);
  assert.equal(so("ca_no_link").link, false);
  assert.equal(prog("ca_update_1", "init"), "ca_update_1_init");
  assert.equal(prog("ca_update_2", "init"), "ca_update_2_init");
  for (const n of ["ca_update_1", "ca_update_2"]) {
    assert.equal(prog(n, "ssthresh"), "ca_update_ssthresh");
    assert.equal(prog(n, "cong_avoid"), "ca_update_cong_avoid");
    assert.equal(prog(n, "undo_cwnd"), "ca_update_undo_cwnd");
    assert.equal(prog(n, "release"), null);
    assert.equal(so(n).members.find((m) => m.name === "name")?.value, "tcp_ca_update");
  }
  assert.deepEqual(s.globals.map((g) => [g.name, g.section, g.size, g.value]), [["ca1_cnt", ".bss", 8, 0], ["ca2_cnt", ".bss", 8, 0]]);
  const p = s.programs.find((x) => x.name === "ca_update_1_init");
  assert.equal(p?.type, "struct_ops");
  assert.equal(p?.struct_ops_member, "tcp_congestion_ops.init");
  assert.equal(p?.insns, 5);
});

test("object show: cubic's externs (kconfig, ksym, kfuncs) and CO-RE relocations by access path", async () => {
  const s = await json<Show>("object", "show", FIX("cubic.linux"));
  const ext = Object.fromEntries(s.externs.map((e) => [e.name, [e.kind, e.weak]]));
  assert.deepEqual(ext["CONFIG_HZ"], ["kconfig", false]);
  assert.deepEqual(ext["jiffies_64"], ["ksym", true]);
  assert.deepEqual(ext["tcp_slow_start"], ["kfunc", false]);
  assert.ok(s.core_relos.some((r) => r.program === "fx_cubic_cong_avoid" && r.kind === "byte_off" && r.path === "struct tcp_sock.snd_cwnd"));
  assert.ok(s.core_relos.some((r) => r.kind === "lshift_u64" && r.path === "struct tcp_sock.is_cwnd_limited"), "bitfield relocations");
});

test("object show without -j: aligned plain text naming maps, flags and members", async () => {
  const r = await run("object", "show", FIX("update.linux"));
  assert.equal(r.code, 0);
  assert.match(r.out, /^ca_update_1: struct_ops {2}name ca_update_1 {2}flags 0x2000 \(BPF_F_LINK\)$/m);
  assert.match(r.out, /^\tinit +ca_update_1_init$/m);
  assert.match(r.out, /^\tname +"tcp_ca_update"$/m);
  const pretty = await run("object", "show", "-p", FIX("update.linux"));
  assert.deepEqual(JSON.parse(pretty.out), JSON.parse((await run("object", "show", "-j", FIX("update.linux"))).out));
  assert.match(pretty.out, /^ {2}"file"/m, "-p indents");
});

test("object dump: source lines from .BTF.ext before the instructions they start, as bpftool prog dump xlated linum", async () => {
  const [d] = await json<Dump[]>("object", "dump", FIX("update.linux"), "ca_update_1_init");
  assert.equal(d?.program, "ca_update_1_init");
  assert.equal(d?.lines[0]?.func, "ca_update_1_init");
  const l1 = d?.lines.find((l) => l.insn === 1);
  assert.deepEqual(l1?.source, { file: "./update.bpf.c", line: 28, col: 2, text: "\t__sync_fetch_and_add(&ca1_cnt, 1);" });
  assert.equal(l1?.text, "r2 = 0x0 ll");
  const txt = (await run("object", "dump", FIX("update.linux"), "ca_update_1_init")).out.split("\n");
  assert.deepEqual(txt.slice(0, 6), [
    "ca_update_1_init:",
    "; void BPF_PROG(ca_update_1_init, struct sock *sk) [file:./update.bpf.c line_num:26 line_col:0]",
    "   0: (b7) r1 = 1",
    "; __sync_fetch_and_add(&ca1_cnt, 1); [file:./update.bpf.c line_num:28 line_col:2]",
    "   1: (18) r2 = 0x0 ll",
    "   3: (db) lock *(u64 *)(r2 + 0) += r1",
  ]);
});

test("bad input: a missing file, not an ELF object, an unknown program: one line naming the file, status 1", async () => {
  const missing = await run("object", "show", "no/such.bpf.o");
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "structops: cannot read BPF object no/such.bpf.o: ENOENT (2)\n");
  const notElf = await run("object", "dump", join(ROOT, "README.md"));
  assert.equal(notElf.code, 1);
  assert.match(notElf.err, /^structops: \S+README\.md is not a BPF object this loader can open: .*not an ELF file.*\n$/);
  const unknown = await run("object", "dump", FIX("update.linux"), "nope");
  assert.equal(unknown.code, 1);
  assert.equal(unknown.err, `structops: ${FIX("update.linux")} has no program 'nope' (programs: ca_update_1_init, ca_update_2_init, ca_update_ssthresh, ca_update_cong_avoid, ca_update_undo_cwnd)\n`);
  for (const r of [missing, notElf, unknown]) {
    assert.equal(r.out, "");
    assert.equal(r.err.split("\n").length, 2, "one line");
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  }
});

test("kernel commands without --linux or --fresh say there is no live emulated kernel, status 1", async () => {
  for (const argv of [["struct_ops", "list"], ["struct_ops", "dump"], ["link", "list"], ["cc", "list"]]) {
    const r = await run(...argv);
    assert.equal(r.code, 1);
    assert.match(r.err, /no live emulated kernel outside a scenario run: pass --linux .* --fresh .* 'snapshot' action/);
  }
  assert.equal((await run("cc", "list", "--linux", "--fresh")).code, 1);
});

test("--fresh: a newly booted emulated kernel has reno, bbr and cubic in link order, cubic the default, no struct_ops maps and no links (net/ipv4/tcp_cong.c)", async () => {
  const cc = await json<{ available: string[]; default: string; ops: { struct_ops_id: number | null }[] }>("cc", "list", "--fresh");
  assertSchema("cc", cc);
  assert.deepEqual(cc.available, ["reno", "bbr", "cubic"]);
  assert.equal(cc.default, "cubic");
  assert.ok(cc.ops.every((o) => o.struct_ops_id === null));
  for (const sub of ["list", "show", "dump"]) {
    const so = await json<unknown[]>("struct_ops", sub, "--fresh");
    assertSchema("struct-ops", so);
    assert.deepEqual(so, []);
  }
  const links = await json<unknown[]>("link", "list", "--fresh");
  assertSchema("link", links);
  assert.deepEqual(links, []);
  const none = await run("struct_ops", "show", "--fresh", "demo_v1");
  assert.equal(none.code, 1);
  assert.equal(none.err, "structops: struct_ops show: no struct_ops map 'demo_v1' (there are none)\n");
});

test("a scenario's snapshot action writes snapshot-<t>.json: registered maps with states and member programs, links, CC, each flow's CC", async () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-snap-"));
  try {
    const sc = join(dir, "snap.yaml");
    writeFileSync(sc, [
      "name: snap", "seed: 1", "duration: 300ms",
      "topology: { bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 50 } } }",
      `objects: [{ name: demo, path: ${FIX("demo.linux")}, maps: [demo_v1, demo_v2] }]`,
      "flows: [{ id: f, start: 10ms, algorithm: demo_cc }]",
      "actions:",
      "  - { at: 0s, do: attach, map: demo/demo_v1, link: cc }",
      "  - { at: 100ms, do: snapshot }",
      "  - { at: 150ms, do: update, link: cc, map: demo/demo_v2 }",
      "  - { at: 200ms, do: snapshot }",
      "outputs: { hooks: none, report: false }",
    ].join("\n"));
    const r = await run("run", sc, "--out", join(dir, "out"), "--no-progress", "--engine", "interp");
    assert.equal(r.code, 0, r.err);
    type Snap = { kernel: string; struct_ops: { id: number; name: string; state: string; members: { name: string; program: string | null; value: unknown }[] }[]; links: { map_id: number | null }[]; cc: { available: string[]; ops: { name: string; struct_ops_map: string | null }[]; sockets: { socket: string; cc: string; struct_ops_map: string | null }[] } };
    const read = (t: string): Snap => JSON.parse(readFileSync(join(dir, "out", `snapshot-${t}.json`), "utf8")) as Snap;
    const a = read("100ms"), b = read("200ms");
    for (const s of [a, b]) assertSchema("snapshot", s);
    assert.equal(a.kernel, "emulated");
    const v1 = a.struct_ops.find((m) => m.name === "demo_v1");
    assert.equal(v1?.state, "BPF_STRUCT_OPS_STATE_READY", "a BPF_F_LINK map held by a link (bpf_struct_ops_map_link_attach)");
    assert.equal(v1?.members.find((m) => m.name === "name")?.value, "demo_cc");
    assert.deepEqual(a.links.map((l) => l.map_id), [v1?.id]);
    assert.ok(a.cc.available.includes("demo_cc"));
    assert.equal(a.cc.ops.find((o) => o.name === "demo_cc")?.struct_ops_map, "demo_v1");
    assert.equal(b.cc.ops.find((o) => o.name === "demo_cc")?.struct_ops_map, "demo_v2", "after BPF_LINK_UPDATE the name means demo_v2");
    assert.deepEqual(a.cc.sockets, [{ socket: "f", cc: "demo_cc", struct_ops_map: "demo_v1" }]);
    assert.deepEqual(b.cc.sockets, [{ socket: "f", cc: "demo_cc", struct_ops_map: "demo_v1" }], "the running flow keeps demo_v1's ops after the update (§7.5)");
    // The output folder check (src/cli/out-dir.ts) covers the snapshot files: a directory in the way is refused before the run.
    mkdirSync(join(dir, "out2", "snapshot-200ms.json"), { recursive: true });
    const refused = await run("run", sc, "--out", join(dir, "out2"), "--no-progress", "--engine", "interp");
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^structops: cannot write output to .*snapshot-200ms\.json.*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the snapshot action takes no fields besides at and do; validation says so at the field's line", async () => {
  const { parseScenario } = await import("../../src/cli/scenario/load.js");
  const text = [
    "name: s", "duration: 1s",
    "topology: { bottleneck: { rate: 10mbit, delay: 5ms } }",
    "flows: [{ id: f }]",
    "actions:",
    "  - { at: 1s, do: snapshot, link: x }",
  ].join("\n");
  assert.throws(() => parseScenario(text, "s.yaml"), (e: Error) => {
    assert.match(e.message, /s\.yaml:6:\d+: actions\[0\]\.link: is not a field of a 'snapshot' action \(it has none besides at and do\)/);
    return true;
  });
  const ok = parseScenario(text.replace(", link: x", ""), "s.yaml");
  assert.deepEqual(ok.actions.map((a) => [a.kind, a.atNs]), [["snapshot", 1e9]]);
});
