/**
 * @fileoverview CO-RE candidate matching (src/obj/core.ts) on hand-built BTF,
 * no compiler needed: members found through anonymous unions and structs,
 * array indexes, flavoured names on both sides, ENUM against ENUM64, a
 * field whose size changed (the load is resized), ambiguity between
 * candidates that disagree, and incompatible field types.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BtfBuilder } from "../../src/kernel/btf/builder.js";
import { parseBtf } from "../../src/obj/btf/btf.js";
import type { Btf } from "../../src/btf/btf.js";
import { applyCoreRelos, BPF_CORE_FIELD_BYTE_OFFSET, BPF_CORE_ENUMVAL_VALUE } from "../../src/obj/core.js";
import { CoreError } from "../../src/obj/errors.js";
import type { ProgramSpec } from "../../src/obj/spec.js";
import { BTF_INT_SIGNED } from "../../src/uapi/btf.js";

/** One-instruction program `insn` with one CO-RE relocation. */
function prog(insn: number[], typeId: number, accessStr: string, kind: number): ProgramSpec {
  return {
    name: "p", section: "struct_ops/p", progType: 27, expectedAttachType: 0, sleepable: false, attachTo: "p",
    insns: new Uint8Array(insn), relocs: [], funcInfo: [], lineInfo: [], fileOffset: 0, autoload: true,
    coreRelos: [{ insn: 0, typeId, accessStr, kind, fileOffset: 99, index: 0 }],
  };
}
const LDX_W = [0x61, 0x12, 0, 0, 0, 0, 0, 0]; // r2 = *(u32 *)(r1 + 0)
const MOV_IMM = [0xb7, 0x02, 0, 0, 0, 0, 0, 0]; // r2 = imm

function local(): { btf: Btf; s: number; e: number } {
  const b = new BtfBuilder();
  const u32 = b.int("unsigned int", 4);
  const arr = b.array(u32, u32, 4);
  const s = b.struct("thing___local", 24, [{ name: "a", type: u32, bit_offset: 0 }, { name: "b", type: arr, bit_offset: 32 }]);
  const e = b.enum("mode___local", [{ name: "MODE_X", val: 1n }, { name: "MODE_Y", val: 2n }]);
  return { btf: parseBtf(b.encode()), s, e };
}

test("members are found through anonymous unions, arrays index by position, flavours are stripped", () => {
  const b = new BtfBuilder();
  const u32 = b.int("unsigned int", 4);
  const u64 = b.int("long long unsigned int", 8);
  const arr = b.array(u32, u32, 8);
  const anon = b.union("", 8, [{ name: "a", type: u32, bit_offset: 0 }, { name: "other", type: u64, bit_offset: 0 }]);
  b.struct("thing", 48, [{ name: "", type: anon, bit_offset: 0 }, { name: "pad", type: u64, bit_offset: 64 }, { name: "b", type: arr, bit_offset: 128 }]);
  const target = parseBtf(b.encode());
  const { btf, s } = local();
  const at = (access: string): number => new DataView(applyCoreRelos(prog(LDX_W, s, access, BPF_CORE_FIELD_BYTE_OFFSET), btf, target).insns.buffer).getInt16(2, true);
  assert.equal(at("0:0"), 0, "a inside the anonymous union");
  assert.equal(at("0:1:2"), 16 + 8, "b[2]");
  assert.equal(at("1:0"), 48, "the second element of the root array");
});

test("a field that grew from u32 to u64 moves and its load widens; ENUM matches ENUM64", () => {
  const b = new BtfBuilder();
  const u64 = b.int("long long unsigned int", 8);
  b.struct("thing", 16, [{ name: "x", type: u64, bit_offset: 0 }, { name: "a", type: u64, bit_offset: 64 }]);
  b.enum64("mode", [{ name: "MODE_Y", val: 1n << 33n }, { name: "MODE_X", val: 5n }], 8, false);
  const target = parseBtf(b.encode());
  const { btf, s, e } = local();
  const r = applyCoreRelos(prog(LDX_W, s, "0:0", BPF_CORE_FIELD_BYTE_OFFSET), btf, target).insns;
  assert.equal(r[0], 0x79, "LDX_W became LDX_DW");
  assert.equal(new DataView(r.buffer).getInt16(2, true), 8);
  const ld = [0x18, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const v = applyCoreRelos(prog(ld, e, "1", BPF_CORE_ENUMVAL_VALUE), btf, target).insns;
  const dv = new DataView(v.buffer);
  assert.equal(BigInt(dv.getUint32(4, true)) | (BigInt(dv.getUint32(12, true)) << 32n), 1n << 33n, "MODE_Y's 64-bit value in the ld_imm64");
});

test("candidates that disagree are an ambiguity error; incompatible field types do not match", () => {
  const b = new BtfBuilder();
  const u32 = b.int("unsigned int", 4);
  const s32 = b.int("int", 4, BTF_INT_SIGNED);
  const f = b.float("float", 4);
  b.struct("thing___v1", 8, [{ name: "pad", type: u32, bit_offset: 0 }, { name: "a", type: u32, bit_offset: 32 }]);
  b.struct("thing___v2", 4, [{ name: "a", type: s32, bit_offset: 0 }]);
  b.struct("thing", 4, [{ name: "a", type: f, bit_offset: 0 }]);
  const target = parseBtf(b.encode());
  const { btf, s } = local();
  assert.throws(() => applyCoreRelos(prog(MOV_IMM, s, "0:0", BPF_CORE_FIELD_BYTE_OFFSET), btf, target), (e: unknown) => {
    assert.ok(e instanceof CoreError);
    assert.match(e.message, /candidates \[\d+\] and \[\d+\] give different values \(4 vs 0\)/);
    assert.match(e.message, /access path struct thing___local\.a \(0:0\)/);
    assert.equal(e.relocation, "0 [byte_off]");
    assert.equal(e.offset, 99);
    return true;
  });
});
