/**
 * @fileoverview ELF64 reader (src/obj/elf.ts): sections, symbols and REL
 * entries of a clang-built object, and typed errors (section + byte offset)
 * for each malformed header field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseElf, sectionByName, SHT_REL, STT_FUNC, R_BPF_64_64 } from "../../src/obj/elf.js";
import { ObjError } from "../../src/obj/errors.js";
import { fixture } from "./helpers.js";

test("parses sections, symbols and relocations of the update fixture", () => {
  const elf = parseElf(fixture("update", "model"));
  const names = elf.sections.map((s) => s.name);
  for (const n of [".struct_ops.link", ".struct_ops", ".bss", "license", ".BTF", ".BTF.ext"]) assert.ok(names.includes(n), n);
  const init = elf.symbols.find((s) => s.name === "ca_update_1_init");
  assert.equal(init?.type, STT_FUNC);
  const link = sectionByName(elf, ".struct_ops.link");
  assert.ok(link !== undefined);
  const rels = elf.relocs.get(link.index) ?? [];
  assert.ok(rels.length >= 4, "function pointers of the .struct_ops.link maps are relocated");
  assert.ok(elf.sections.some((s) => s.type === SHT_REL));
  const anyCode = [...elf.relocs.values()].flat().some((r) => r.type === R_BPF_64_64);
  assert.ok(anyCode, "the ld_imm64 of a .bss counter has an R_BPF_64_64");
});

function expectObjError(bytes: Uint8Array, section: string, offset: number, re: RegExp): void {
  assert.throws(() => parseElf(bytes), (e: unknown) => {
    assert.ok(e instanceof ObjError, String(e));
    assert.equal(e.section, section);
    assert.equal(e.offset, offset);
    assert.match(e.message, re);
    return true;
  });
}

test("malformed ELF headers give ObjErrors naming the field's offset", () => {
  const good = fixture("reno", "model");
  const mut = (f: (b: Uint8Array, dv: DataView) => void): Uint8Array => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return b;
  };
  expectObjError(new Uint8Array(10), "ELF header", 0, /ELF header \(64 bytes at 0\) runs past the end/);
  expectObjError(mut((b) => (b[0] = 0)), "ELF header", 0, /bad magic/);
  expectObjError(mut((b) => (b[4] = 1)), "ELF header", 4, /64-bit/);
  expectObjError(mut((b) => (b[5] = 2)), "ELF header", 5, /little-endian/);
  expectObjError(mut((_b, dv) => dv.setUint16(16, 2, true)), "ELF header", 16, /ET_REL/);
  expectObjError(mut((_b, dv) => dv.setUint16(18, 62, true)), "ELF header", 18, /EM_BPF/);
  expectObjError(mut((_b, dv) => dv.setUint16(58, 40, true)), "ELF header", 58, /e_shentsize/);
  const shoff = Number(new DataView(good.buffer).getBigUint64(40, true));
  expectObjError(good.subarray(0, shoff + 10), "section headers", shoff, /section header table/);
  // Section 1's size pushed past the end of the file.
  expectObjError(mut((_b, dv) => dv.setBigUint64(shoff + 64 + 32, 1n << 40n, true)), "section headers", shoff + 64 + 24, /runs past the end of the file/);
});
