/**
 * @fileoverview `structops object show`: what a BPF object file holds, as
 * data (the `-j` JSON, schemas/object-show.json): ELF sections, maps,
 * programs, struct_ops maps with each member's program or value, global
 * variables, externs and CO-RE relocations. Read from the same
 * CollectionSpec the loader builds (src/obj), before any load, so it shows
 * what libbpf's bpf_object__open sees. The field choice follows what
 * `bpftool map show` / `prog show` print for loaded objects
 * (tools/bpf/bpftool/map.c, prog.c; facts only), in lower-case kernel names.
 */
import { BTF_KIND_DATASEC, BTF_KIND_VAR } from "../../uapi/btf.js";
import { BPF_ATTACH_TYPE_NAMES, BPF_MAP_TYPE_NAMES, BPF_PROG_TYPE_NAMES, BPF_PROG_TYPE_STRUCT_OPS } from "../../uapi/bpf-enums.js";
import * as F from "../../uapi/bpf-flags.js";
import { parseElf, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS, SHT_REL, SHT_STRTAB, SHT_SYMTAB } from "../../obj/elf.js";
import { loadCollectionSpec } from "../../obj/collection.js";
import { describeCoreRelo } from "../../obj/core.js";
import { btfValue } from "../../obj/btf/value.js";
import type { BtfJson } from "../../obj/btf/value.js";
import type { Btf } from "../../btf/btf.js";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../../obj/spec.js";

/** `bpf_map_type` / `bpf_prog_type` / `bpf_attach_type` as bpftool spells them: the enum name, lower case, without its prefix. */
export function enumShort(names: ReadonlyMap<number, string>, prefix: string, v: number): string {
  const n = names.get(v);
  return n === undefined ? String(v) : n.slice(prefix.length).toLowerCase();
}
export const mapTypeName = (t: number): string => enumShort(BPF_MAP_TYPE_NAMES, "BPF_MAP_TYPE_", t);
export const progTypeName = (t: number): string => enumShort(BPF_PROG_TYPE_NAMES, "BPF_PROG_TYPE_", t);

const MAP_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [F.BPF_F_NO_PREALLOC, "BPF_F_NO_PREALLOC"], [F.BPF_F_NO_COMMON_LRU, "BPF_F_NO_COMMON_LRU"], [F.BPF_F_NUMA_NODE, "BPF_F_NUMA_NODE"],
  [F.BPF_F_RDONLY, "BPF_F_RDONLY"], [F.BPF_F_WRONLY, "BPF_F_WRONLY"], [F.BPF_F_STACK_BUILD_ID, "BPF_F_STACK_BUILD_ID"],
  [F.BPF_F_ZERO_SEED, "BPF_F_ZERO_SEED"], [F.BPF_F_RDONLY_PROG, "BPF_F_RDONLY_PROG"], [F.BPF_F_WRONLY_PROG, "BPF_F_WRONLY_PROG"],
  [F.BPF_F_CLONE, "BPF_F_CLONE"], [F.BPF_F_MMAPABLE, "BPF_F_MMAPABLE"], [F.BPF_F_PRESERVE_ELEMS, "BPF_F_PRESERVE_ELEMS"],
  [F.BPF_F_INNER_MAP, "BPF_F_INNER_MAP"], [F.BPF_F_LINK, "BPF_F_LINK"], [F.BPF_F_PATH_FD, "BPF_F_PATH_FD"],
  [F.BPF_F_VTYPE_BTF_OBJ_FD, "BPF_F_VTYPE_BTF_OBJ_FD"], [F.BPF_F_TOKEN_FD, "BPF_F_TOKEN_FD"], [F.BPF_F_SEGV_ON_FAULT, "BPF_F_SEGV_ON_FAULT"],
  [F.BPF_F_NO_USER_CONV, "BPF_F_NO_USER_CONV"],
];

/** The names of the BPF_MAP_CREATE flags set in `flags` (unknown bits as hex). */
export function mapFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of MAP_FLAGS) {
    if ((rest & bit) === 0) continue;
    out.push(name);
    rest &= ~bit;
  }
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out;
}

export interface SectionInfo { index: number; name: string; type: string; size: number; flags: string }
export interface MapInfo {
  name: string; kernel_name: string; origin: MapSpec["kind"]; section: string; type: string; key_size: number; value_size: number;
  max_entries: number; flags: number; flag_names: string[]; pinning: "none" | "by_name"; autocreate: boolean;
}
export interface ProgramInfo {
  name: string; section: string; type: string; expected_attach_type: string | null; struct_ops_member: string | null; sleepable: boolean;
  insns: number; license: string; gpl_compatible: boolean; autoload: boolean; func_info: number; line_info: number; core_relos: number;
}
export interface StructOpsMember { name: string; program: string | null; value: BtfJson }
export interface StructOpsInfo { map: string; struct: string; link: boolean; autocreate: boolean; members: StructOpsMember[] }
export interface GlobalInfo { name: string; section: string; map: string; offset: number; size: number; type: string; value: BtfJson }
export interface ExternInfo { name: string; kind: "kconfig" | "ksym" | "kfunc"; weak: boolean; type: string }
export interface CoreReloInfo { program: string; insn: number; kind: string; type: string; access: string; path: string }
/** The whole `object show -j` document. */
export interface ObjectShow {
  file: string; name: string; license: string; kern_version: number;
  sections: SectionInfo[]; maps: MapInfo[]; programs: ProgramInfo[]; struct_ops: StructOpsInfo[];
  globals: GlobalInfo[]; externs: ExternInfo[]; core_relos: CoreReloInfo[];
}

const SHT: Record<number, string> = { [SHT_PROGBITS]: "PROGBITS", [SHT_SYMTAB]: "SYMTAB", [SHT_STRTAB]: "STRTAB", [SHT_REL]: "REL", [SHT_NOBITS]: "NOBITS", 0x6fff4c03: "LLVM_ADDRSIG" };

/** The licences the kernel takes as GPL-compatible (include/linux/license.h license_is_gpl_compatible). */
export function gplCompatible(license: string): boolean {
  return ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"].includes(license);
}

/** The struct_ops member each program fills ("tcp_congestion_ops.ssthresh"), from every struct_ops map of the object. */
function structOpsMembers(spec: CollectionSpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of spec.maps.values()) {
    if (m.structOps === undefined) continue;
    for (const [member, prog] of m.structOps.funcs) if (!out.has(prog)) out.set(prog, `${m.structOps.typeName}.${member}`);
  }
  return out;
}

function programInfo(p: ProgramSpec, spec: CollectionSpec, members: Map<string, string>): ProgramInfo {
  const so = p.progType === BPF_PROG_TYPE_STRUCT_OPS;
  return {
    name: p.name, section: p.section, type: progTypeName(p.progType),
    // struct_ops programs get the kernel member's index at load (libbpf); the member is what the object says.
    expected_attach_type: so ? null : enumShort(BPF_ATTACH_TYPE_NAMES, "BPF_", p.expectedAttachType),
    struct_ops_member: members.get(p.name) ?? null, sleepable: p.sleepable, insns: p.insns.length / 8,
    license: spec.license, gpl_compatible: gplCompatible(spec.license), autoload: p.autoload,
    func_info: p.funcInfo.length, line_info: p.lineInfo.length, core_relos: p.coreRelos.length,
  };
}

function structOpsInfo(m: MapSpec, btf: Btf): StructOpsInfo {
  const so = m.structOps as NonNullable<MapSpec["structOps"]>;
  const members = btf.type(so.localTypeId).members.map((mem): StructOpsMember => {
    const prog = so.funcs.get(mem.name) ?? null;
    const fnPtr = btf.isFuncPtr(mem.type);
    return { name: mem.name, program: prog, value: fnPtr ? null : btfValue(btf, mem.type, so.data, mem.bit_offset / 8) };
  });
  return { map: m.name, struct: so.typeName, link: so.link, autocreate: m.autocreate, members };
}

function globals(spec: CollectionSpec, btf: Btf): GlobalInfo[] {
  const out: GlobalInfo[] = [];
  for (const m of spec.maps.values()) {
    if (m.kind !== "data") continue;
    const ds = btf.findByNameKind(m.section, BTF_KIND_DATASEC);
    if (ds < 0) continue;
    for (const si of btf.type(ds).secinfos) {
      const v = btf.type(si.type);
      if (v.kind !== BTF_KIND_VAR) continue;
      const init = m.initial ?? new Uint8Array(m.valueSize);
      out.push({ name: v.name, section: m.section, map: m.kernelName, offset: si.offset, size: si.size, type: btf.cTypeName(v.type), value: btfValue(btf, v.type, init, si.offset) });
    }
  }
  return out;
}

/**
 * Describes object `bytes` (file `file`, shown as given).
 * @throws {ObjError} when the file is not an object this loader can open
 */
export function describeObject(bytes: Uint8Array, file: string, name: string): ObjectShow {
  const elf = parseElf(bytes);
  const spec = loadCollectionSpec(bytes, { name });
  const btf = spec.btf;
  const members = structOpsMembers(spec);
  const sections = elf.sections.filter((s) => s.index !== 0).map((s): SectionInfo => ({
    index: s.index, name: s.name, type: SHT[s.type] ?? `0x${s.type.toString(16)}`, size: s.size,
    flags: `${s.flags & SHF_WRITE ? "W" : ""}${s.flags & SHF_ALLOC ? "A" : ""}${s.flags & SHF_EXECINSTR ? "X" : ""}`,
  }));
  const maps = [...spec.maps.values()].map((m): MapInfo => ({
    name: m.name, kernel_name: m.kernelName, origin: m.kind, section: m.section, type: mapTypeName(m.type), key_size: m.keySize,
    // A struct_ops map's value size is the kernel's bpf_struct_ops_<type>, known only at load.
    value_size: m.valueSize, max_entries: m.maxEntries, flags: m.flags, flag_names: mapFlagNames(m.flags),
    pinning: m.pinning === 1 ? "by_name" : "none", autocreate: m.autocreate,
  }));
  const programs = [...spec.programs.values()].map((p) => programInfo(p, spec, members));
  const structOps = btf === undefined ? [] : [...spec.maps.values()].filter((m) => m.structOps !== undefined).map((m) => structOpsInfo(m, btf));
  const externs = spec.externs.map((e): ExternInfo => ({
    name: e.name, kind: e.kind === "kconfig" ? "kconfig" : e.isFunc ? "kfunc" : "ksym", weak: e.weak,
    type: btf === undefined ? "" : btf.cTypeName(e.isFunc ? e.btfId : btf.type(e.btfId).type ?? 0),
  }));
  const core: CoreReloInfo[] = [];
  if (btf !== undefined) {
    for (const p of spec.programs.values()) {
      for (const r of p.coreRelos) {
        const d = describeCoreRelo(btf, r);
        core.push({ program: p.name, insn: r.insn, kind: d.kind, type: btf.describe(r.typeId), access: r.accessStr, path: d.path });
      }
    }
  }
  return {
    file, name: spec.name, license: spec.license, kern_version: spec.kernVersion, sections, maps, programs, struct_ops: structOps,
    globals: btf === undefined ? [] : globals(spec, btf), externs, core_relos: core,
  };
}
