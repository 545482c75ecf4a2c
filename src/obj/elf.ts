/**
 * @fileoverview ELF64 little-endian reader for BPF relocatable objects (the
 * System V gABI and the BPF psABI, llvm's ELF output): header, section
 * headers, section names, the symbol table and REL relocation sections.
 * Nothing is interpreted beyond the ELF structures; see collection.ts.
 */
import { ByteView } from "./bytes.js";
import { ObjError } from "./errors.js";

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_LLVM_ADDRSIG = 0x6fff4c03;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STV_DEFAULT = 0;
export const STV_HIDDEN = 2;
export const EM_BPF = 247;
export const ET_REL = 1;
/** R_BPF_64_64: ld_imm64 (map, global data, extern, function address). */
export const R_BPF_64_64 = 1;
/** R_BPF_64_ABS64: 64-bit data (struct_ops function pointers). */
export const R_BPF_64_ABS64 = 2;
/** R_BPF_64_ABS32: 32-bit data (DWARF, .BTF). */
export const R_BPF_64_ABS32 = 3;
/** R_BPF_64_NODYLD32: .BTF.ext and DWARF references. */
export const R_BPF_64_NODYLD32 = 4;
/** R_BPF_64_32: call imm (subprogram, kfunc). */
export const R_BPF_64_32 = 10;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
/** Bounds on what a sane BPF object holds, so hostile counts cannot make work unbounded. */
const MAX_SECTIONS = 65_535;

/** One section header with its name and (unless NOBITS) its bytes. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** File offset of this section's header (where a NOBITS section's size, which has no bytes to point at, is read). */
  readonly headerOffset: number;
  /** The bytes (empty for NOBITS). */
  readonly data: Uint8Array;
}

/** One symbol. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly bind: number;
  readonly type: number;
  readonly visibility: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

/** One REL entry. */
export interface ElfRel {
  /** Byte offset inside the target section. */
  readonly offset: number;
  readonly sym: number;
  readonly type: number;
  /** Absolute file offset of the entry (for errors). */
  readonly fileOffset: number;
}

/** A parsed ELF file. */
export interface ElfFile {
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  /** REL sections by the index of the section they apply to. */
  readonly relocs: ReadonlyMap<number, readonly ElfRel[]>;
  readonly bytes: Uint8Array;
}

/**
 * Parses the ELF structures of a BPF object.
 * @throws {ObjError} naming the section and byte offset of the first problem
 */
export function parseElf(bytes: Uint8Array): ElfFile {
  const f = new ByteView(bytes, "ELF header", 0);
  f.need(0, EHDR_SIZE, "ELF header");
  if (f.u32(0) !== 0x464c457f) f.fail(0, "not an ELF file (bad magic)");
  if (f.u8(4) !== 2) f.fail(4, "not a 64-bit ELF file (EI_CLASS must be ELFCLASS64)");
  if (f.u8(5) !== 1) f.fail(5, "not a little-endian ELF file (EI_DATA must be ELFDATA2LSB); big-endian BPF objects are not supported");
  if (f.u16(16) !== ET_REL) f.fail(16, `e_type ${f.u16(16)} is not ET_REL (a relocatable object)`);
  const machine = f.u16(18);
  if (machine !== EM_BPF && machine !== 0) f.fail(18, `e_machine ${machine} is not EM_BPF (247)`);
  const shoff = f.u64n(40, "e_shoff");
  const shentsize = f.u16(58);
  let shnum = f.u16(60);
  let shstrndx = f.u16(62);
  if (shoff === 0) f.fail(40, "no section header table");
  if (shentsize !== SHDR_SIZE) f.fail(58, `e_shentsize ${shentsize} is not ${SHDR_SIZE}`);
  const shView = new ByteView(bytes, "section headers", 0);
  if (shnum === 0) {
    // Extended numbering: the real count is in section 0's sh_size, the string index in its sh_link.
    shnum = shView.u64n(shoff + 32, "section 0 sh_size");
    if (shstrndx === 0xffff) shstrndx = shView.u32(shoff + 40, "section 0 sh_link");
  }
  if (shnum > MAX_SECTIONS) f.fail(60, `too many sections (${shnum})`);
  shView.need(shoff, shnum * SHDR_SIZE, "section header table");
  interface RawSh { name: number; type: number; flags: number; offset: number; size: number; link: number; info: number; entsize: number; at: number }
  const raw: RawSh[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    const r: RawSh = {
      name: shView.u32(at), type: shView.u32(at + 4), flags: Number(shView.u64(at + 8) & 0xffffffffn),
      offset: shView.u64n(at + 24, "sh_offset"), size: shView.u64n(at + 32, "sh_size"),
      link: shView.u32(at + 40), info: shView.u32(at + 44), entsize: shView.u64n(at + 56, "sh_entsize"), at,
    };
    if (r.type !== SHT_NOBITS && r.type !== SHT_NULL && r.offset + r.size > bytes.length) {
      shView.fail(at + 24, `section ${i} [${r.offset}, ${r.offset + r.size}) runs past the end of the file (${bytes.length} bytes)`);
    }
    raw.push(r);
  }
  const strSh = raw[shstrndx];
  if (strSh === undefined || strSh.type !== SHT_STRTAB) throw f.err(62, `e_shstrndx ${shstrndx} is not a string table`);
  const shstr = new ByteView(bytes.subarray(strSh.offset, strSh.offset + strSh.size), "section names", strSh.offset);
  const sections: ElfSection[] = raw.map((r, index) => {
    const name = index === 0 ? "" : shstr.cstr(r.name, `name of section ${index}`);
    const data = r.type === SHT_NOBITS || r.type === SHT_NULL ? new Uint8Array(0) : bytes.subarray(r.offset, r.offset + r.size);
    return { index, name, type: r.type, flags: r.flags, offset: r.offset, size: r.size, link: r.link, info: r.info, entsize: r.entsize, headerOffset: r.at, data };
  });

  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length > 1) throw new ObjError("more than one symbol table", symtabs[1]?.name ?? ".symtab", symtabs[1]?.offset ?? -1);
  const symbols: ElfSymbol[] = [];
  const symtab = symtabs[0];
  if (symtab !== undefined) {
    const sv = new ByteView(symtab.data, symtab.name, symtab.offset);
    if (symtab.entsize !== SYM_SIZE || symtab.size % SYM_SIZE !== 0) sv.fail(0, `symbol table entry size ${symtab.entsize} / size ${symtab.size} is not a multiple of ${SYM_SIZE}`);
    const strs = sections[symtab.link];
    if (strs === undefined || strs.type !== SHT_STRTAB) throw sv.err(0, `sh_link ${symtab.link} is not a string table`);
    const sstr = new ByteView(strs.data, strs.name, strs.offset);
    for (let i = 0, at = 0; at < symtab.size; i++, at += SYM_SIZE) {
      const info = sv.u8(at + 4);
      const shndx = sv.u16(at + 6);
      if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.length) sv.fail(at + 6, `symbol ${i} st_shndx ${shndx} names no section`);
      symbols.push({
        index: i, name: sstr.cstr(sv.u32(at), `name of symbol ${i}`), bind: info >> 4, type: info & 0xf,
        visibility: sv.u8(at + 5) & 3, shndx, value: sv.u64n(at + 8, "st_value"), size: sv.u64n(at + 16, "st_size"),
      });
    }
  }

  const relocs = new Map<number, ElfRel[]>();
  for (const s of sections) {
    if (s.type === SHT_RELA) throw new ObjError("RELA relocations are not used by BPF objects", s.name, s.offset);
    if (s.type !== SHT_REL) continue;
    const rv = new ByteView(s.data, s.name, s.offset);
    if (s.size % REL_SIZE !== 0) rv.fail(0, `size ${s.size} is not a multiple of ${REL_SIZE}`);
    if (symtab === undefined || s.link !== symtab.index) rv.fail(0, `sh_link ${s.link} is not the symbol table`);
    const target = sections[s.info];
    if (target === undefined || s.info === 0) throw rv.err(0, `sh_info ${s.info} names no section`);
    const list: ElfRel[] = [];
    for (let at = 0; at < s.size; at += REL_SIZE) {
      const offset = rv.u64n(at, "r_offset");
      const info = rv.u64(at + 8);
      const sym = Number(info >> 32n);
      if (sym >= symbols.length) rv.fail(at + 8, `relocation symbol ${sym} is outside the symbol table (${symbols.length} symbols)`);
      list.push({ offset, sym, type: Number(info & 0xffffffffn), fileOffset: s.offset + at });
    }
    const prev = relocs.get(s.info);
    relocs.set(s.info, prev === undefined ? list : [...prev, ...list]);
  }
  return { sections, symbols, relocs, bytes };
}

/** The section named `name`, if any. */
export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}
