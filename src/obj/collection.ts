/**
 * @fileoverview Builds a {@link CollectionSpec} from the bytes of a clang-built
 * BPF object, following libbpf's bpf_object__open (tools/lib/bpf/libbpf.c):
 * programs by section name, subprograms from `.text` (or the same section)
 * appended per program, BTF-defined `.maps`, global data sections as array
 * maps, `.kconfig`/`.ksyms` externs, `.struct_ops[.link]` maps, the DATASEC
 * size and offset fixups, license and version. DWARF sections are never read.
 * Pure and deterministic: no syscalls, same bytes in, same spec out.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_FUNC, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT,
  BTF_KIND_VAR, BTF_KIND_ENUM, BTF_VAR_GLOBAL_EXTERN, BTF_FUNC_EXTERN, BTF_INT_SIGNED, BTF_INT_BOOL, BTF_INT_CHAR,
} from "../uapi/btf.js";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_STRUCT_OPS } from "../uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_RDONLY_PROG, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from "../uapi/bpf-flags.js";
import { parseBtf } from "./btf/btf.js";
import type { Btf } from "../btf/btf.js";
import { parseBtfExt } from "./btf/ext.js";
import type { BtfExt, BtfExtSection } from "./btf/ext.js";
import { ObjError } from "./errors.js";
import {
  parseElf, R_BPF_64_32, R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_ABS32, R_BPF_64_NODYLD32, SHF_EXECINSTR, SHF_WRITE, SHN_UNDEF,
  SHT_NOBITS, SHT_PROGBITS, STB_WEAK, STT_FUNC, STT_OBJECT, STT_SECTION, STB_LOCAL,
} from "./elf.js";
import type { ElfFile, ElfRel, ElfSection, ElfSymbol } from "./elf.js";
import { isDataSection, sectionDef, structOpsSection } from "./sections.js";
import { structOpsAutoload } from "./struct-ops.js";
import type {
  CollectionSpec, ExternSpec, InsnReloc, MapSpec, ProgCoreRelo, ProgFuncInfo, ProgLineInfo, ProgramSpec, StructOpsSpec,
} from "./spec.js";

const INSN = 8;
/** Largest global data section accepted (a .bss is NOBITS: its size is only a header field). */
const MAX_DATA_SECTION = 1 << 24;
const LD_IMM64 = 0x18;
const CALL = 0x85;

/** Options for {@link loadCollectionSpec}. */
export interface CollectionSpecOptions {
  /** Object name used in internal map names (libbpf: the file name without extension). Default "obj". */
  readonly name?: string;
}

/** A function in an executable section. */
interface Func {
  readonly name: string;
  readonly sec: ElfSection;
  /** First insn index in the section. */
  readonly start: number;
  readonly len: number;
  readonly global: boolean;
}

/**
 * Reads an object file into a spec.
 * @throws {ObjError} with the section and byte offset of the first problem
 * @example
 * const spec = loadCollectionSpec(readFileSync("cc.bpf.o"), { name: "cc" });
 */
export function loadCollectionSpec(bytes: Uint8Array, opts: CollectionSpecOptions = {}): CollectionSpec {
  const elf = parseElf(bytes);
  const b = new Builder(elf, opts.name ?? "obj");
  return b.build();
}

class Builder {
  private readonly btf: Btf | undefined;
  private readonly ext: BtfExt | undefined;
  /** File offset of the .BTF section (error offsets are relative to the file). */
  private readonly btfBase: number;
  private readonly funcs = new Map<number, Func[]>();
  private readonly maps = new Map<string, MapSpec>();
  private readonly externs = new Map<string, ExternSpec>();
  /** section index -> data map name. */
  private readonly dataMapBySec = new Map<number, string>();

  constructor(private readonly elf: ElfFile, private readonly objName: string) {
    const btfSec = this.sec(".BTF");
    this.btfBase = btfSec?.offset ?? 0;
    this.btf = btfSec === undefined ? undefined : parseBtf(btfSec.data, ".BTF", btfSec.offset);
    const extSec = this.sec(".BTF.ext");
    this.ext = extSec === undefined || this.btf === undefined ? undefined : parseBtfExt(extSec.data, this.btf, ".BTF.ext", extSec.offset);
  }

  private sec(name: string): ElfSection | undefined {
    return this.elf.sections.find((s) => s.name === name);
  }

  build(): CollectionSpec {
    const license = this.license();
    const kernVersion = this.version();
    this.fixupDatasecs();
    this.collectFuncs();
    this.collectExterns();
    this.collectBtfMaps();
    this.collectDataMaps();
    const programs = this.collectPrograms();
    this.collectStructOps(programs);
    // libbpf's struct_ops autoload rule gives the default: a program only maps of `?.struct_ops` use is off.
    const maps = [...this.maps.values()].map((m) => ({ autocreate: m.autocreate, funcs: m.structOps?.funcs }));
    for (const [name, on] of structOpsAutoload(programs.values(), maps)) programs.set(name, { ...(programs.get(name) as ProgramSpec), autoload: on });
    return { name: this.objName, license, kernVersion, btf: this.btf, programs, maps: this.maps, externs: [...this.externs.values()] };
  }

  // ---- license / version --------------------------------------------------

  private license(): string {
    const s = this.sec("license");
    if (s === undefined) return "";
    const end = s.data.indexOf(0);
    return new TextDecoder().decode(end < 0 ? s.data : s.data.subarray(0, end));
  }

  private version(): number {
    const s = this.sec("version");
    if (s === undefined) return 0;
    if (s.size !== 4) throw new ObjError(`size ${s.size} is not 4`, "version", s.offset);
    return new DataView(s.data.buffer, s.data.byteOffset, 4).getUint32(0, true);
  }

  // ---- DATASEC fixups (btf_fixup_datasec) ---------------------------------

  private fixupDatasecs(): void {
    const btf = this.btf;
    if (btf === undefined) return;
    for (const t of btf.types) {
      if (t.kind !== BTF_KIND_DATASEC) continue;
      const name = t.name;
      if (name === ".kconfig" || name === ".ksyms") continue; // laid out by the extern pass
      const sec = this.sec(name);
      if (sec === undefined) {
        if (t.size !== 0 || t.secinfos.length > 0) throw new ObjError(`DATASEC '${name}' names no ELF section`, ".BTF", this.btfBase + t.blob_off);
        continue;
      }
      const fixed = t.secinfos.map((si) => {
        const v = btf.type(si.type);
        if (v.kind !== BTF_KIND_VAR) return si;
        if (v.linkage === 0 && si.offset !== 0) return si; // static vars keep what the compiler set
        const sym = this.elf.symbols.find((s) => s.name === v.name && s.shndx === sec.index && s.type === STT_OBJECT);
        if (sym === undefined) {
          if (v.linkage === 0) return si;
          throw new ObjError(`no symbol for variable '${v.name}' of DATASEC '${name}'`, ".BTF", this.btfBase + t.blob_off);
        }
        const vs = btf.resolveSize(v.type);
        const e = { type: si.type, offset: sym.value, size: vs >= 0 ? vs : si.size };
        if (e.offset + e.size > sec.size) throw new ObjError(`variable '${v.name}' [${e.offset}, ${e.offset + e.size}) is outside section '${name}' (${sec.size} bytes)`, ".BTF", this.btfBase + t.blob_off);
        return e;
      });
      btf.patchDatasec(t.id, sec.size, fixed);
    }
  }

  // ---- functions ----------------------------------------------------------

  private collectFuncs(): void {
    for (const s of this.elf.sections) {
      if (s.type !== SHT_PROGBITS || (s.flags & SHF_EXECINSTR) === 0 || s.size === 0) continue;
      if (s.size % INSN !== 0) throw new ObjError(`code size ${s.size} is not a multiple of ${INSN}`, s.name, s.offset);
      const list: Func[] = [];
      for (const sym of this.elf.symbols) {
        if (sym.shndx !== s.index || sym.type !== STT_FUNC) continue;
        if (sym.value % INSN !== 0 || sym.size % INSN !== 0 || sym.value + sym.size > s.size || sym.size === 0) {
          throw new ObjError(`function '${sym.name}' [${sym.value}, +${sym.size}) is not whole instructions inside the section`, s.name, s.offset + Math.min(sym.value, s.size));
        }
        list.push({ name: sym.name, sec: s, start: sym.value / INSN, len: sym.size / INSN, global: sym.bind !== STB_LOCAL });
      }
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        const p = list[i - 1] as Func, c = list[i] as Func;
        if (c.start < p.start + p.len) throw new ObjError(`functions '${p.name}' and '${c.name}' overlap`, s.name, s.offset + c.start * INSN);
      }
      this.funcs.set(s.index, list);
    }
  }

  private funcAt(secIndex: number, insn: number, where: { section: string; offset: number }): Func {
    const f = this.funcs.get(secIndex)?.find((x) => x.start === insn);
    if (f === undefined) throw new ObjError(`call or address target insn ${insn} of section ${this.elf.sections[secIndex]?.name ?? secIndex} is not the start of a function`, where.section, where.offset);
    return f;
  }

  // ---- externs ------------------------------------------------------------

  private collectExterns(): void {
    const btf = this.btf;
    const undef = this.elf.symbols.filter((s) => s.shndx === SHN_UNDEF && s.index !== 0 && s.name !== "" && s.bind !== STB_LOCAL);
    if (undef.length === 0) return;
    const symtab = this.elf.sections.find((s) => s.type === 2);
    if (btf === undefined) throw new ObjError(`extern '${undef[0]?.name}' needs BTF to be resolved`, ".symtab", symtab?.offset ?? -1);
    const kconfig: ExternSpec[] = [];
    for (const sym of undef) {
      let where: "kconfig" | "ksym" | undefined;
      let btfId = 0;
      for (const ds of [".kconfig", ".ksyms"]) {
        const dsId = btf.findByNameKind(ds, BTF_KIND_DATASEC);
        if (dsId < 0) continue;
        for (const si of btf.type(dsId).secinfos) {
          const v = btf.type(si.type);
          if (v.name === sym.name && (v.kind === BTF_KIND_VAR || v.kind === BTF_KIND_FUNC)) {
            where = ds === ".kconfig" ? "kconfig" : "ksym";
            btfId = v.id;
          }
        }
      }
      if (where === undefined) {
        // clang may leave an extern FUNC outside any DATASEC: a ksym kfunc.
        const fn = btf.idsByName(sym.name).find((id) => btf.type(id).kind === BTF_KIND_FUNC && btf.type(id).linkage === BTF_FUNC_EXTERN);
        if (fn === undefined) throw new ObjError(`extern '${sym.name}' is neither __kconfig nor __ksym (no BTF in .kconfig or .ksyms)`, ".symtab", symtab === undefined ? -1 : symtab.offset + sym.index * 24);
        where = "ksym";
        btfId = fn;
      }
      const t = btf.type(btfId);
      if (t.kind === BTF_KIND_VAR && t.linkage !== BTF_VAR_GLOBAL_EXTERN) throw new ObjError(`extern '${sym.name}' has BTF linkage ${t.linkage}, not extern`, ".BTF", this.btfBase + t.blob_off);
      const isFunc = t.kind === BTF_KIND_FUNC;
      let size = 0, kconfigType: ExternSpec["kconfigType"] = "none", signed = false;
      if (where === "kconfig") {
        if (isFunc) throw new ObjError(`__kconfig extern '${sym.name}' is a function`, ".BTF", this.btfBase + t.blob_off);
        ({ kconfigType, signed, size } = kconfigKind(btf, t.type));
        if (kconfigType === "none") throw new ObjError(`__kconfig extern '${sym.name}' has unsupported type ${btf.describe(t.type)}`, ".BTF", this.btfBase + t.blob_off);
      }
      const e: ExternSpec = { name: sym.name, kind: where, weak: sym.bind === STB_WEAK, btfId, isFunc, offset: 0, size, kconfigType, signed };
      if (where === "kconfig") kconfig.push(e);
      this.externs.set(sym.name, e);
    }
    if (kconfig.length === 0) return;
    // Layout: by alignment (desc), then size, then name, as libbpf's extern ordering.
    kconfig.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let off = 0;
    for (const e of kconfig) {
      const align = Math.min(8, e.size);
      off = Math.ceil(off / align) * align;
      this.externs.set(e.name, { ...e, offset: off });
      off += e.size;
    }
    const valueSize = Math.max(8, Math.ceil(off / 8) * 8);
    const dsId = Math.max(btf.findByNameKind(".kconfig", BTF_KIND_DATASEC), 0);
    this.maps.set(".kconfig", dataMap(this.internalName(".kconfig"), ".kconfig", "kconfig", valueSize, true, new Uint8Array(valueSize), dsId));
  }

  private internalName(sec: string): string {
    // libbpf: up to 8 chars of the object name, then the section name; '.' and alnum/_ kept, others become '_'.
    const pfx = sec.startsWith(".data.") || sec.startsWith(".rodata.") ? "" : this.objName.slice(0, Math.min(8, 15 - sec.length));
    return `${pfx}${sec}`.slice(0, 15).replace(/[^A-Za-z0-9_.]/g, "_");
  }

  // ---- maps ---------------------------------------------------------------

  private collectBtfMaps(): void {
    const s = this.sec(".maps");
    if (s === undefined) return;
    const btf = this.btf;
    if (btf === undefined) throw new ObjError("BTF-defined maps need .BTF", ".maps", s.offset);
    const dsId = btf.findByNameKind(".maps", BTF_KIND_DATASEC);
    if (dsId < 0) throw new ObjError("no DATASEC .maps in BTF", ".maps", s.offset);
    for (const si of btf.type(dsId).secinfos) {
      const v = btf.type(si.type);
      if (v.kind !== BTF_KIND_VAR) throw new ObjError(`entry of DATASEC .maps is not a VAR`, ".maps", s.offset + si.offset);
      const def = btf.type(btf.skipModifiers(v.type));
      if (def.kind !== BTF_KIND_STRUCT) throw new ObjError(`map '${v.name}' definition is not a struct`, ".maps", s.offset + si.offset);
      const m: MapDraft = {
        name: v.name, kernelName: v.name.slice(0, 15), kind: "btf", section: ".maps", type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0,
        mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: 0, initial: undefined, autocreate: true, readonly: false, structOps: undefined,
      };
      const at = s.offset + si.offset;
      for (const mem of def.members) {
        const uint = (): number => {
          const p = btf.type(btf.skipModifiers(mem.type));
          if (p.kind !== BTF_KIND_PTR) throw new ObjError(`map '${v.name}' attribute '${mem.name}' is not __uint() (a pointer to an array)`, ".maps", at);
          const a = btf.type(btf.skipModifiers(p.type));
          if (a.kind !== BTF_KIND_ARRAY || a.array === undefined) throw new ObjError(`map '${v.name}' attribute '${mem.name}' is not __uint()`, ".maps", at);
          return a.array.nelems;
        };
        const typ = (): { id: number; size: number } => {
          const p = btf.type(btf.skipModifiers(mem.type));
          if (p.kind !== BTF_KIND_PTR) throw new ObjError(`map '${v.name}' attribute '${mem.name}' is not __type()`, ".maps", at);
          const id = p.type;
          const size = btf.resolveSize(id);
          if (size <= 0) throw new ObjError(`map '${v.name}' ${mem.name} type has no size`, ".maps", at);
          return { id, size };
        };
        switch (mem.name) {
          case "type": m.type = uint(); break;
          case "max_entries": m.maxEntries = uint(); break;
          case "map_flags": m.flags = uint(); break;
          case "numa_node": m.numaNode = uint(); break;
          case "map_extra": m.mapExtra = BigInt(uint()); break;
          case "pinning": m.pinning = uint(); break;
          case "key_size": m.keySize = uint(); break;
          case "value_size": m.valueSize = uint(); break;
          case "key": { const t = typ(); m.btfKeyTypeId = t.id; m.keySize = t.size; break; }
          case "value": { const t = typ(); m.btfValueTypeId = t.id; m.valueSize = t.size; break; }
          case "values": throw new ObjError(`map '${v.name}': map-in-map and prog-array initial values are not supported`, ".maps", at);
          default: throw new ObjError(`map '${v.name}': unknown attribute '${mem.name}'`, ".maps", at);
        }
      }
      if (m.pinning > 1) throw new ObjError(`map '${v.name}': invalid pinning ${m.pinning}`, ".maps", at);
      this.maps.set(m.name, m);
    }
  }

  private collectDataMaps(): void {
    const btf = this.btf;
    for (const s of this.elf.sections) {
      if (!isDataSection(s.name) || (s.type !== SHT_PROGBITS && s.type !== SHT_NOBITS)) continue;
      if (s.size === 0) continue;
      // At the header's sh_size: a NOBITS section's sh_offset need not lie inside the file.
      if (s.size > MAX_DATA_SECTION) throw new ObjError(`global data section of ${s.size} bytes is larger than ${MAX_DATA_SECTION}`, s.name, s.headerOffset + 32);
      const ro = s.name.startsWith(".rodata") && (s.flags & SHF_WRITE) === 0;
      const dsId = Math.max(btf?.findByNameKind(s.name, BTF_KIND_DATASEC) ?? 0, 0);
      const initial = s.type === SHT_NOBITS ? new Uint8Array(s.size) : s.data.slice();
      const m = dataMap(this.internalName(s.name), s.name, "data", s.size, ro, initial, dsId);
      this.maps.set(s.name, m);
      this.dataMapBySec.set(s.index, s.name);
    }
  }

  // ---- programs -----------------------------------------------------------

  private collectPrograms(): Map<string, ProgramSpec> {
    const programs = new Map<string, ProgramSpec>();
    for (const [secIndex, list] of this.funcs) {
      const sec = this.elf.sections[secIndex] as ElfSection;
      if (sec.name === ".text") continue; // subprograms
      const def = sectionDef(sec.name);
      if (def === undefined) throw new ObjError(`unknown program section '${sec.name}' (libbpf's section names)`, sec.name, sec.offset);
      for (const f of list) {
        if (!f.global) continue;
        if (programs.has(f.name)) throw new ObjError(`duplicate program '${f.name}'`, sec.name, sec.offset + f.start * INSN);
        programs.set(f.name, this.link(f, def));
      }
    }
    return programs;
  }

  /** Copies program `main` and appends every subprogram it reaches (bpf_object__reloc_code). */
  private link(main: Func, def: NonNullable<ReturnType<typeof sectionDef>>): ProgramSpec {
    const chunks: Uint8Array[] = [];
    const placed = new Map<Func, number>();
    const order: Func[] = [];
    const relocs: InsnReloc[] = [];
    const core: ProgCoreRelo[] = [];
    const funcInfo: ProgFuncInfo[] = [];
    const lineInfo: ProgLineInfo[] = [];
    let total = 0;
    const place = (f: Func): number => {
      const at = placed.get(f);
      if (at !== undefined) return at;
      placed.set(f, total);
      order.push(f);
      chunks.push(f.sec.data.slice(f.start * INSN, (f.start + f.len) * INSN));
      total += f.len;
      return total - f.len;
    };
    place(main);
    for (let i = 0; i < order.length; i++) {
      const f = order[i] as Func;
      const base = placed.get(f) as number;
      const code = chunks[i] as Uint8Array;
      const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
      const ext = this.ext?.sections.get(f.sec.name);
      this.takeExt(ext, f, base, core, funcInfo, lineInfo);
      const rels = new Map<number, ElfRel>();
      for (const r of this.elf.relocs.get(f.sec.index) ?? []) {
        const idx = r.offset / INSN;
        if (r.offset % INSN !== 0) throw new ObjError(`relocation offset ${r.offset} is not at an instruction`, `.rel${f.sec.name}`, r.fileOffset);
        if (idx >= f.start && idx < f.start + f.len) rels.set(idx - f.start, r);
      }
      for (let k = 0; k < f.len; k++) {
        const op = code[k * INSN] as number;
        const src = ((code[k * INSN + 1] as number) >> 4) & 0xf;
        const fileOff = f.sec.offset + (f.start + k) * INSN;
        const where = { section: f.sec.name, offset: fileOff };
        const r = rels.get(k);
        if (op === LD_IMM64 && k + 1 >= f.len) throw new ObjError("ld_imm64 is the last instruction of its function", f.sec.name, fileOff);
        if (r !== undefined) {
          const sym = this.elf.symbols[r.sym] as ElfSymbol;
          this.relocInsn(r, sym, code, dv, k, base, f, where, relocs, place);
        } else if (op === CALL && src === BPF_PSEUDO_CALL) {
          // Static call inside the same section: no relocation, imm is pc-relative.
          const target = f.start + k + dv.getInt32(k * INSN + 4, true) + 1;
          const callee = this.funcAt(f.sec.index, target, where);
          const at = place(callee);
          dv.setInt32(k * INSN + 4, at - (base + k) - 1, true);
        }
        if (op === LD_IMM64) k++;
      }
    }
    const insns = new Uint8Array(total * INSN);
    let off = 0;
    for (const c of chunks) {
      insns.set(c, off);
      off += c.length;
    }
    return {
      name: main.name, section: main.sec.name, progType: def.progType, expectedAttachType: def.expectedAttachType,
      sleepable: def.sleepable, attachTo: def.attachTo, insns, relocs, coreRelos: core.map((c, index) => ({ ...c, index })),
      funcInfo, lineInfo, fileOffset: main.sec.offset + main.start * INSN, autoload: true,
    };
  }

  private takeExt(ext: BtfExtSection | undefined, f: Func, base: number, core: ProgCoreRelo[], fi: ProgFuncInfo[], li: ProgLineInfo[]): void {
    if (ext === undefined) return;
    const lo = f.start * INSN, hi = (f.start + f.len) * INSN;
    const idx = (off: number): number => base + (off - lo) / INSN;
    for (const r of ext.funcInfo) if (r.insnOff >= lo && r.insnOff < hi && r.insnOff % INSN === 0) fi.push({ insn: idx(r.insnOff), typeId: r.typeId });
    for (const r of ext.lineInfo) if (r.insnOff >= lo && r.insnOff < hi && r.insnOff % INSN === 0) li.push({ insn: idx(r.insnOff), fileNameOff: r.fileNameOff, lineOff: r.lineOff, lineCol: r.lineCol });
    for (const r of ext.coreRelos) {
      if (r.insnOff < lo || r.insnOff >= hi) continue;
      if (r.insnOff % INSN !== 0) throw new ObjError(`CO-RE relocation insn_off ${r.insnOff} is not at an instruction`, ".BTF.ext", r.fileOffset);
      core.push({ insn: idx(r.insnOff), typeId: r.typeId, accessStr: r.accessStr, kind: r.kind, fileOffset: r.fileOffset, index: 0 });
    }
  }

  private relocInsn(
    r: ElfRel, sym: ElfSymbol, code: Uint8Array, dv: DataView, k: number, base: number, f: Func,
    where: { section: string; offset: number }, relocs: InsnReloc[], place: (f: Func) => number,
  ): void {
    const op = code[k * INSN] as number;
    const relSec = `.rel${f.sec.name}`;
    const insn = base + k;
    const imm = dv.getInt32(k * INSN + 4, true);
    const err = (m: string): ObjError => new ObjError(`insn ${k} of '${f.name}': ${m}`, relSec, r.fileOffset);
    if (r.type === R_BPF_64_32) {
      if (op !== CALL) throw err(`R_BPF_64_32 relocation on opcode 0x${op.toString(16)} (not a call)`);
      if (sym.shndx === SHN_UNDEF) {
        const e = this.externs.get(sym.name);
        if (e === undefined || e.kind !== "ksym" || !e.isFunc) throw err(`call of '${sym.name}', which is not a __ksym kernel function`);
        relocs.push({ kind: "kfunc", insn, name: sym.name, weak: e.weak });
        return;
      }
      const tsec = this.elf.sections[sym.shndx];
      if (tsec === undefined || (tsec.flags & SHF_EXECINSTR) === 0) throw err(`call of '${sym.name}', which is not in a code section`);
      const target = (sym.type === STT_SECTION ? 0 : sym.value / INSN) + imm + 1;
      const callee = this.funcAt(tsec.index, target, where);
      const at = place(callee);
      code[k * INSN + 1] = ((code[k * INSN + 1] as number) & 0x0f) | (BPF_PSEUDO_CALL << 4);
      dv.setInt32(k * INSN + 4, at - insn - 1, true);
      return;
    }
    if (r.type !== R_BPF_64_64) throw err(`unsupported relocation type ${r.type}`);
    if (op !== LD_IMM64) throw err(`R_BPF_64_64 relocation on opcode 0x${op.toString(16)} (not ld_imm64)`);
    if (sym.shndx === SHN_UNDEF) {
      const e = this.externs.get(sym.name);
      if (e === undefined) throw err(`reference to undefined symbol '${sym.name}'`);
      if (e.kind === "kconfig") relocs.push({ kind: "map_value", insn, map: ".kconfig", offset: e.offset });
      else if (e.isFunc) throw err(`address of kernel function '${sym.name}' is not supported`);
      else relocs.push({ kind: "ksym", insn, name: sym.name, weak: e.weak });
      return;
    }
    const tsec = this.elf.sections[sym.shndx];
    if (tsec === undefined) throw err(`symbol '${sym.name}' has no section`);
    if ((tsec.flags & SHF_EXECINSTR) !== 0) {
      const byteOff = (sym.type === STT_SECTION ? 0 : sym.value) + imm;
      if (byteOff % INSN !== 0) throw err(`function address offset ${byteOff} is not at an instruction`);
      const callee = this.funcAt(tsec.index, byteOff / INSN, where);
      const at = place(callee);
      code[k * INSN + 1] = ((code[k * INSN + 1] as number) & 0x0f) | (BPF_PSEUDO_FUNC << 4);
      dv.setInt32(k * INSN + 4, at - insn - 1, true);
      return;
    }
    if (tsec.name === ".maps") {
      if (sym.type === STT_SECTION) throw err("map reference through a section symbol");
      if (!this.maps.has(sym.name)) throw err(`reference to '${sym.name}', which is not a map of .maps`);
      relocs.push({ kind: "map", insn, map: sym.name });
      return;
    }
    const dm = this.dataMapBySec.get(tsec.index);
    if (dm !== undefined) {
      const offset = (sym.type === STT_SECTION ? 0 : sym.value) + imm;
      if (offset < 0 || offset >= tsec.size) throw err(`offset ${offset} is outside '${tsec.name}' (${tsec.size} bytes)`);
      relocs.push({ kind: "map_value", insn, map: dm, offset });
      return;
    }
    throw err(`reference to '${sym.name}' in section '${tsec.name}', which is neither a map, global data nor code`);
  }

  // ---- struct_ops -----------------------------------------------------------

  private collectStructOps(programs: Map<string, ProgramSpec>): void {
    for (const s of this.elf.sections) {
      const kind = structOpsSection(s.name);
      if (kind === undefined || s.size === 0) continue;
      const btf = this.btf;
      if (btf === undefined) throw new ObjError("struct_ops maps need .BTF", s.name, s.offset);
      if (s.type !== SHT_PROGBITS) throw new ObjError("struct_ops section has no data", s.name, s.offset);
      const dsId = btf.findByNameKind(s.name, BTF_KIND_DATASEC);
      if (dsId < 0) throw new ObjError(`no DATASEC ${s.name} in BTF`, s.name, s.offset);
      const rels = this.elf.relocs.get(s.index) ?? [];
      const ds = btf.type(dsId);
      for (const si of ds.secinfos) {
        const v = btf.type(si.type);
        const at = s.offset + si.offset;
        if (v.kind !== BTF_KIND_VAR) throw new ObjError("struct_ops DATASEC entry is not a VAR", s.name, at);
        const tid = btf.skipModifiers(v.type);
        const t = btf.type(tid);
        if (t.kind !== BTF_KIND_STRUCT) throw new ObjError(`struct_ops variable '${v.name}' is not a struct`, s.name, at);
        const size = t.size;
        if (si.offset + size > s.size) throw new ObjError(`struct_ops variable '${v.name}' runs past the section`, s.name, at);
        const data = s.data.slice(si.offset, si.offset + size);
        const funcs = new Map<string, string>();
        for (const r of rels) {
          if (r.offset < si.offset || r.offset >= si.offset + size) continue;
          if (r.type !== R_BPF_64_ABS64) throw new ObjError(`unsupported relocation type ${r.type} in struct_ops data`, `.rel${s.name}`, r.fileOffset);
          const sym = this.elf.symbols[r.sym] as ElfSymbol;
          const moff = r.offset - si.offset;
          const mem = t.members.find((m) => m.bit_offset === moff * 8);
          if (mem === undefined) throw new ObjError(`relocation at offset ${moff} of '${v.name}' is not at a member`, `.rel${s.name}`, r.fileOffset);
          if (!btf.isFuncPtr(mem.type)) throw new ObjError(`member '${mem.name}' of '${v.name}' holds a program but is not a function pointer`, `.rel${s.name}`, r.fileOffset);
          const p = programs.get(sym.name);
          if (p === undefined || sym.type !== STT_FUNC) throw new ObjError(`member '${mem.name}' of '${v.name}' points to '${sym.name}', which is not a program`, `.rel${s.name}`, r.fileOffset);
          if (p.progType !== 27) throw new ObjError(`program '${sym.name}' in member '${mem.name}' of '${v.name}' is not a struct_ops program (section '${p.section}')`, `.rel${s.name}`, r.fileOffset);
          funcs.set(mem.name, sym.name);
          data.fill(0, moff, moff + 8);
        }
        const so: StructOpsSpec = { typeName: t.name, localTypeId: tid, data, funcs, link: kind.link };
        if (this.maps.has(v.name)) throw new ObjError(`duplicate map name '${v.name}'`, s.name, at);
        this.maps.set(v.name, {
          name: v.name, kernelName: v.name.slice(0, 15), kind: "struct_ops", section: s.name, type: BPF_MAP_TYPE_STRUCT_OPS, keySize: 4, valueSize: 0, maxEntries: 1,
          flags: kind.link ? BPF_F_LINK : 0, numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
          initial: undefined, autocreate: kind.autocreate, readonly: false, structOps: so,
        });
      }
    }
    // Relocation kinds that only DWARF/BTF sections use are ignored; anything else in data is an error.
    for (const [idx, rels] of this.elf.relocs) {
      const s = this.elf.sections[idx] as ElfSection;
      if (s.name.startsWith(".debug") || s.name === ".BTF" || s.name === ".BTF.ext" || structOpsSection(s.name) !== undefined) continue;
      if ((s.flags & SHF_EXECINSTR) !== 0) continue;
      if (s.name === ".maps") continue;
      for (const r of rels) {
        if (r.type === R_BPF_64_ABS32 || r.type === R_BPF_64_NODYLD32 || r.type === R_BPF_64_ABS64) {
          throw new ObjError(`relocation in data section '${s.name}' is not supported (pointers in global data)`, `.rel${s.name}`, r.fileOffset);
        }
      }
    }
  }
}

/** A BTF-defined map while its attributes are read; the spec is immutable once built. */
type MapDraft = { -readonly [K in keyof MapSpec]: MapSpec[K] };

function dataMap(name: string, section: string, kind: "data" | "kconfig", size: number, readonly: boolean, initial: Uint8Array, dsId: number): MapSpec {
  return {
    name: section, kind, section, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: size, maxEntries: 1,
    flags: readonly ? BPF_F_RDONLY_PROG : 0, numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: dsId,
    initial, autocreate: true, readonly, structOps: undefined, kernelName: name,
  };
}

function kconfigKind(btf: Btf, id: number): { kconfigType: ExternSpec["kconfigType"]; signed: boolean; size: number } {
  const t = btf.type(btf.skipModifiers(id));
  const size = btf.resolveSize(t.id);
  if (t.kind === BTF_KIND_INT) {
    const enc = t.int_encoding;
    if (enc & BTF_INT_BOOL) return { kconfigType: "bool", signed: false, size };
    if (enc & BTF_INT_CHAR && size === 1) return { kconfigType: "char", signed: false, size };
    return { kconfigType: "int", signed: (enc & BTF_INT_SIGNED) !== 0, size };
  }
  if (t.kind === BTF_KIND_ENUM) return { kconfigType: t.name === "libbpf_tristate" ? "tristate" : "int", signed: t.kflag, size };
  if (t.kind === BTF_KIND_ARRAY && t.array !== undefined) {
    const e = btf.type(btf.skipModifiers(t.array.type));
    if (e.kind === BTF_KIND_INT && btf.resolveSize(e.id) === 1) return { kconfigType: "char_array", signed: false, size };
  }
  return { kconfigType: "none", signed: false, size };
}
