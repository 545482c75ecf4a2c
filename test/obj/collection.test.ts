/**
 * @fileoverview CollectionSpec from clang-built objects (src/obj/collection.ts):
 * programs by libbpf section names with subprograms linked in, BTF.ext
 * records moved with them, global data maps with DATASEC fixups, kconfig and
 * ksym externs, struct_ops maps (`.struct_ops`, `.struct_ops.link`, `?`
 * variants) with their function members, license; and determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCollectionSpec } from "../../src/obj/collection.js";
import { parseElf } from "../../src/obj/elf.js";
import { ObjError } from "../../src/obj/errors.js";
import { BTF_KIND_DATASEC } from "../../src/uapi/btf.js";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_STRUCT_OPS, BPF_PROG_TYPE_STRUCT_OPS } from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_RDONLY_PROG, BPF_PSEUDO_CALL } from "../../src/uapi/bpf-flags.js";
import { compileObjSrc, fixture, missingClang } from "./helpers.js";

test("update fixture: four struct_ops maps, link flags, programs per member, .bss counters", () => {
  const spec = loadCollectionSpec(fixture("update", "model"), { name: "update" });
  assert.equal(spec.license, "Dual MIT/GPL");
  const so = [...spec.maps.values()].filter((m) => m.type === BPF_MAP_TYPE_STRUCT_OPS).map((m) => [m.name, m.flags, m.autocreate]);
  assert.deepEqual(so, [["ca_update_1", BPF_F_LINK, true], ["ca_update_2", BPF_F_LINK, true], ["ca_wrong", BPF_F_LINK, true], ["ca_no_link", 0, true]]);
  const m1 = spec.maps.get("ca_update_1")?.structOps;
  assert.equal(m1?.typeName, "tcp_congestion_ops");
  assert.equal(m1?.funcs.get("init"), "ca_update_1_init");
  assert.equal(spec.maps.get("ca_update_2")?.structOps?.funcs.get("init"), "ca_update_2_init");
  assert.equal(spec.maps.get("ca_wrong")?.structOps?.funcs.get("init"), undefined);
  // name is copied as bytes, function pointers zeroed
  const name = new TextDecoder().decode(m1?.data.subarray(0, 13));
  assert.ok(name.length > 0);
  const bss = spec.maps.get(".bss");
  assert.equal(bss?.type, BPF_MAP_TYPE_ARRAY);
  assert.equal(bss?.valueSize, 16);
  assert.equal(bss?.kernelName, "update.bss");
  for (const p of spec.programs.values()) {
    assert.equal(p.progType, BPF_PROG_TYPE_STRUCT_OPS);
    assert.equal(p.autoload, true);
    assert.equal(p.funcInfo[0]?.insn, 0, "func_info of the entry at insn 0");
  }
  const init = spec.programs.get("ca_update_1_init");
  assert.deepEqual(init?.relocs.map((r) => [r.kind, "map" in r ? r.map : ""]), [["map_value", ".bss"]]);
});

test("the ?.struct_ops.link map of the reno fixture is not auto-created", () => {
  const spec = loadCollectionSpec(fixture("reno", "model"));
  const opt = [...spec.maps.values()].filter((m) => !m.autocreate).map((m) => m.name);
  assert.deepEqual(opt, ["fx_reno_opt"]);
});

test("object from test/obj/src: kconfig, kfuncs, .rodata/.data/.bss, a .text subprogram, CO-RE records, DATASEC fixups", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const bytes = compileObjSrc("reno_link.bpf.c");
  const spec = loadCollectionSpec(bytes, { name: "reno_link" });
  assert.deepEqual([...spec.maps.keys()].sort(), [".bss", ".data", ".kconfig", ".rodata", "obj_reno"]);
  assert.equal(spec.maps.get(".rodata")?.flags, BPF_F_RDONLY_PROG);
  assert.equal(spec.maps.get(".kconfig")?.flags, BPF_F_RDONLY_PROG);
  assert.equal(spec.maps.get(".kconfig")?.kernelName, "reno_li.kconfig");
  assert.deepEqual(spec.externs.map((e) => [e.name, e.kind, e.isFunc]).sort(), [
    ["CONFIG_HZ", "kconfig", false], ["tcp_cong_avoid_ai", "ksym", true], ["tcp_reno_undo_cwnd", "ksym", true], ["tcp_slow_start", "ksym", true],
  ]);
  // obj_ssthresh calls half_cwnd in .text: appended after the program, call rewritten pc-relative.
  const ss = spec.programs.get("obj_ssthresh");
  assert.ok(ss !== undefined);
  const n = ss.insns.length / 8;
  const dv = new DataView(ss.insns.buffer);
  const callAt = [...Array(n).keys()].find((i) => ss.insns[i * 8] === 0x85 && (ss.insns[i * 8 + 1] as number) >> 4 === BPF_PSEUDO_CALL);
  assert.ok(callAt !== undefined);
  const target = callAt + 1 + dv.getInt32(callAt * 8 + 4, true);
  assert.equal(ss.funcInfo.map((f) => f.insn).join(","), `0,${target}`, "func_info for the entry and the appended subprogram");
  assert.ok(ss.relocs.some((r) => r.kind === "map_value" && r.map === ".rodata" && r.insn > target), "the subprogram's .rodata reference moved with it");
  // DATASEC .bss got the section size and symbol offsets.
  const btf = spec.btf;
  assert.ok(btf !== undefined);
  const ds = btf.type(btf.findByNameKind(".bss", BTF_KIND_DATASEC));
  assert.equal(ds.size, 16);
  assert.deepEqual(ds.secinfos.map((s) => [btf.type(s.type).name, s.offset, s.size]), [["init_calls", 0, 8], ["hz_seen", 8, 4], ["ca_state_seen", 12, 4]]);
  const init = spec.programs.get("obj_init");
  assert.ok((init?.coreRelos.length ?? 0) >= 5, "BPF_CORE_READ_BITFIELD gives offset, size, signed and shift relocations");
});

test("the same bytes give the same spec", () => {
  const a = loadCollectionSpec(fixture("cubic", "linux"));
  const b = loadCollectionSpec(fixture("cubic", "linux"));
  assert.deepEqual([...a.programs.values()].map((p) => [p.name, [...p.insns], p.relocs, p.coreRelos]), [...b.programs.values()].map((p) => [p.name, [...p.insns], p.relocs, p.coreRelos]));
  assert.deepEqual(a.btf?.raw, b.btf?.raw);
});

test("a NOBITS data section too large is reported at its header's sh_size, inside the file (fuzz: test/fuzz/corpus/elf/bss-size-offset-outside-file.json)", () => {
  const b = fixture("update", "model").slice();
  const bss = parseElf(b).sections.find((s) => s.type === 8 && s.name.startsWith(".bss"));
  assert.ok(bss !== undefined, "the fixture has a .bss");
  const dv = new DataView(b.buffer);
  // sh_offset past the end of the file (legal for NOBITS), sh_size above the limit.
  dv.setBigUint64(bss.headerOffset + 24, BigInt(b.length + 1), true);
  dv.setBigUint64(bss.headerOffset + 32, (1n << 24n) + 1n, true);
  assert.throws(() => loadCollectionSpec(b), (e: unknown) => e instanceof ObjError && e.offset === bss.headerOffset + 32 && /larger than/.test(e.message));
});
