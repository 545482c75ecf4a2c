/**
 * @fileoverview What bpf_conformance's runner sends in `--elf` mode, for the
 * tests: a relocatable EM_BPF ELF64 with a section-name string table (which
 * also holds the symbol names, as the runner's ELFIO writer links it), a
 * symbol table with one global STT_FUNC symbol, and the instructions in one
 * executable section. Written from the ELF-64 format, not from the runner.
 */
const EHDR = 64;
const SHDR = 64;
const SYM = 24;

/** An ELF object holding `insns` as function `fn` in section `section`. */
export function conformanceElf(insns: Uint8Array, section = ".text", fn = "main"): Uint8Array {
  const names = ["", ".shstrtab", ".symtab", section, fn];
  const strOff: number[] = [];
  let strs = "";
  for (const n of names) {
    strOff.push(strs.length);
    strs += `${n}\0`;
  }
  const strBytes = new TextEncoder().encode(strs);
  const sym = new Uint8Array(2 * SYM);
  const sv = new DataView(sym.buffer);
  sv.setUint32(SYM, strOff[4] as number, true); // st_name
  sv.setUint8(SYM + 4, (1 << 4) | 2); // STB_GLOBAL, STT_FUNC
  sv.setUint16(SYM + 6, 3, true); // st_shndx: the text section
  sv.setBigUint64(SYM + 16, BigInt(insns.length), true); // st_size
  const align8 = (n: number): number => (n + 7) & ~7;
  const strAt = EHDR;
  const symAt = align8(strAt + strBytes.length);
  const textAt = align8(symAt + sym.length);
  const shAt = align8(textAt + insns.length);
  const out = new Uint8Array(shAt + 4 * SHDR);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 1, true); // ET_REL
  v.setUint16(18, 247, true); // EM_BPF
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shAt), true);
  v.setUint16(52, EHDR, true);
  v.setUint16(58, SHDR, true);
  v.setUint16(60, 4, true);
  v.setUint16(62, 1, true);
  out.set(strBytes, strAt);
  out.set(sym, symAt);
  out.set(insns, textAt);
  const sh = (i: number, name: number, type: number, flags: number, off: number, size: number, link: number, info: number, align: number, entsize: number): void => {
    const b = shAt + i * SHDR;
    v.setUint32(b, name, true);
    v.setUint32(b + 4, type, true);
    v.setBigUint64(b + 8, BigInt(flags), true);
    v.setBigUint64(b + 24, BigInt(off), true);
    v.setBigUint64(b + 32, BigInt(size), true);
    v.setUint32(b + 40, link, true);
    v.setUint32(b + 44, info, true);
    v.setBigUint64(b + 48, BigInt(align), true);
    v.setBigUint64(b + 56, BigInt(entsize), true);
  };
  sh(1, strOff[1] as number, 3, 0, strAt, strBytes.length, 0, 0, 1, 0);
  sh(2, strOff[2] as number, 2, 0, symAt, sym.length, 1, 1, 8, SYM);
  sh(3, strOff[3] as number, 1, 0x6, textAt, insns.length, 0, 0, 8, 0);
  return out;
}
