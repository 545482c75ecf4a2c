/**
 * @fileoverview CO-RE (src/obj/core.ts) on a clang object whose local types
 * are `___local` flavours of the model kernel's: every relocation kind clang
 * 14 emits is applied against the emulated kernel's BTF and checked against
 * the kernel's own layout; unmatched fields are poisoned as libbpf does;
 * failures name relocation, program, instruction and access path; and the
 * real kernel's BTF (when present) relocates the same program differently.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { applyCoreRelos, CORE_POISON_HELPER, essentialName } from "../../src/obj/core.js";
import { loadCollectionSpec } from "../../src/obj/collection.js";
import { parseBtf } from "../../src/obj/btf/btf.js";
import { CoreError } from "../../src/obj/errors.js";
import type { ProgramSpec } from "../../src/obj/spec.js";
import { getVmlinuxBtf } from "../../src/kernel/btf/vmlinux.js";
import { BTF_KIND_STRUCT } from "../../src/uapi/btf.js";
import { compileObjSrc, missingClang } from "./helpers.js";

/** The immediates the program stores into out[i], in order, after relocation. */
function storedValues(insns: Uint8Array): bigint[] {
  const dv = new DataView(insns.buffer, insns.byteOffset);
  const out: bigint[] = [];
  let last = 0n;
  for (let i = 0; i < insns.length / 8; i++) {
    const op = insns[i * 8];
    if (op === 0xb7) last = BigInt(dv.getInt32(i * 8 + 4, true));
    else if (op === 0x18 && ((insns[i * 8 + 1] as number) & 0x0f) === 3) {
      last = BigInt(dv.getUint32(i * 8 + 4, true)) | (BigInt(dv.getUint32(i * 8 + 12, true)) << 32n);
      i++;
    } else if (op === 0x7b) out.push(last);
  }
  return out;
}

test("essentialName strips the last ___flavor suffix as libbpf does", () => {
  assert.equal(essentialName("tcp_sock___local"), "tcp_sock");
  assert.equal(essentialName("a___b___c"), "a___b");
  assert.equal(essentialName("tcp_sock"), "tcp_sock");
  assert.equal(essentialName("x____y"), "x____y");
});

test("every relocation kind against the emulated kernel's BTF", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const spec = loadCollectionSpec(compileObjSrc("core_kinds.bpf.c"));
  const prog = spec.programs.get("core_kinds") as ProgramSpec;
  const k = getVmlinuxBtf();
  const target = parseBtf(k.bytes);
  const { insns, log } = applyCoreRelos(prog, spec.btf, target);
  assert.equal(log.length, prog.coreRelos.length);
  const icsk = k.fieldOf(k.findByNameKind("inet_connection_sock", BTF_KIND_STRUCT), "icsk_ca_state");
  assert.ok(icsk !== undefined);
  const bit = icsk.bit_offset;
  const byteOff = Math.floor(bit / 8);
  const localId = spec.btf?.findByNameKind("tcp_sock___local", BTF_KIND_STRUCT) ?? 0;
  assert.deepEqual(storedValues(insns), [
    BigInt(k.offsetOf("tcp_sock", "snd_cwnd")), 4n, 1n, 0n, 0n,
    BigInt(byteOff), 1n, BigInt(64 - (bit + 5 - byteOff * 8)), 59n,
    1n, BigInt(k.sizeOf("tcp_sock")), 0n,
    1n, 3n, 0n,
    BigInt(localId), BigInt(k.findByNameKind("tcp_sock", BTF_KIND_STRUCT)),
  ]);
  // The LDX of tp->snd_ssthresh got the target offset.
  const last = insns.length - 16;
  assert.equal(insns[last], 0x61);
  assert.equal(new DataView(insns.buffer).getInt16(last + 2, true), k.offsetOf("tcp_sock", "snd_ssthresh"));
});

test("an access to a field the target lacks is poisoned; its existence check gives 0", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const spec = loadCollectionSpec(compileObjSrc("core_kinds.bpf.c"));
  const prog = spec.programs.get("core_poison") as ProgramSpec;
  const { insns, log } = applyCoreRelos(prog, spec.btf, parseBtf(getVmlinuxBtf().bytes));
  const dv = new DataView(insns.buffer);
  const poisoned = [...Array(insns.length / 8).keys()].filter((i) => insns[i * 8] === 0x85 && dv.getInt32(i * 8 + 4, true) === CORE_POISON_HELPER);
  assert.equal(poisoned.length, 1);
  assert.ok(log.some((l) => /no_such_field.*poisoned/.test(l)), log.join("\n"));
});

test("errors name the relocation, program, instruction and access path", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  const spec = loadCollectionSpec(compileObjSrc("core_kinds.bpf.c"));
  const prog = spec.programs.get("core_kinds") as ProgramSpec;
  const target = parseBtf(getVmlinuxBtf().bytes);
  const first = prog.coreRelos[0];
  assert.ok(first !== undefined);
  // A field-offset relocation pointed at an ALU insn that takes a register is not patchable.
  const broken: ProgramSpec = { ...prog, coreRelos: [{ ...first, accessStr: "0:9" }] };
  assert.throws(() => applyCoreRelos(broken, spec.btf, target), (e: unknown) => {
    assert.ok(e instanceof CoreError);
    assert.equal(e.program, "core_kinds");
    assert.equal(e.insnIndex, first.insn);
    assert.match(e.message, /member index 9 is beyond the members of struct tcp_sock___local/);
    assert.match(e.message, /access path struct tcp_sock___local \(0:9\)/);
    assert.equal(e.section, ".BTF.ext");
    assert.equal(e.offset, first.fileOffset);
    return true;
  });
  const badKind: ProgramSpec = { ...prog, coreRelos: [{ ...first, kind: 42 }] };
  assert.throws(() => applyCoreRelos(badKind, spec.btf, target), /unknown relocation kind 42/);
  const badInsn: ProgramSpec = { ...prog, coreRelos: [{ ...first, insn: prog.insns.length / 8 - 1 }] };
  assert.throws(() => applyCoreRelos(badInsn, spec.btf, target), /instruction 0x95 cannot be relocated/);
});

test("the real kernel's BTF relocates the same accesses to its own layout", (t) => {
  const why = missingClang();
  if (why !== undefined) return t.skip(why);
  if (!existsSync("/sys/kernel/btf/vmlinux")) return t.skip("/sys/kernel/btf/vmlinux is absent on this machine");
  const spec = loadCollectionSpec(compileObjSrc("core_kinds.bpf.c"));
  const prog = spec.programs.get("core_kinds") as ProgramSpec;
  const real = parseBtf(new Uint8Array(readFileSync("/sys/kernel/btf/vmlinux")));
  const { insns } = applyCoreRelos(prog, spec.btf, real);
  const v = storedValues(insns);
  const tcpSock = real.findByNameKind("tcp_sock", BTF_KIND_STRUCT);
  assert.equal(v[10], BigInt(real.resolveSize(tcpSock)), "TYPE_SIZE is the real struct's size");
  assert.equal(v[16], BigInt(tcpSock), "TYPE_ID_TARGET is the real id");
  assert.equal(v[13], 3n, "CA_EVENT_LOSS is 3 on Linux too");
});
