/**
 * @fileoverview The pure description of a BPF object that the loader builds
 * from ELF bytes (cilium/ebpf's CollectionSpec, libbpf's bpf_object before
 * load): programs with their linked subprograms and pending relocations,
 * maps (BTF-defined, global data, kconfig, struct_ops), externs, BTF.
 * Nothing here refers to a kernel; src/lib turns a spec into kernel objects.
 * A spec is immutable once built (`readonly` throughout): what a user
 * changes before load, and what a load decides, lives on src/lib's objects.
 */
import type { Btf } from "../btf/btf.js";

/** A relocation left for load time, at an instruction index of the linked program. */
export type InsnReloc =
  /** ld_imm64 of a map: src_reg = BPF_PSEUDO_MAP_FD, imm = map fd. */
  | { readonly kind: "map"; readonly insn: number; readonly map: string }
  /** ld_imm64 of a map value address: src_reg = BPF_PSEUDO_MAP_VALUE, imm = map fd, imm2 = offset. */
  | { readonly kind: "map_value"; readonly insn: number; readonly map: string; readonly offset: number }
  /** call of a kernel function: src_reg = BPF_PSEUDO_KFUNC_CALL, imm = its BTF id in the target. */
  | { readonly kind: "kfunc"; readonly insn: number; readonly name: string; readonly weak: boolean }
  /** ld_imm64 of a kernel variable: src_reg = BPF_PSEUDO_BTF_ID, imm = its VAR's BTF id in the target. */
  | { readonly kind: "ksym"; readonly insn: number; readonly name: string; readonly weak: boolean };

/** A CO-RE relocation of a linked program (insn index after linking). */
export interface ProgCoreRelo {
  readonly insn: number;
  readonly typeId: number;
  readonly accessStr: string;
  readonly kind: number;
  /** File offset of the .BTF.ext record (errors). */
  readonly fileOffset: number;
  /** Index in the program's relocation list (errors name it). */
  readonly index: number;
}

/** bpf_func_info / bpf_line_info with the insn offset as an instruction index of the linked program. */
export interface ProgFuncInfo {
  readonly insn: number;
  readonly typeId: number;
}
export interface ProgLineInfo {
  readonly insn: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  readonly lineCol: number;
}

/** One program: its instructions with subprograms appended. */
export interface ProgramSpec {
  readonly name: string;
  readonly section: string;
  readonly progType: number;
  /** expected_attach_type the object asks for (struct_ops programs get their member index at load, on the BpfObjectProgram). */
  readonly expectedAttachType: number;
  readonly sleepable: boolean;
  /** The part of the section name after the prefix ("" for bare `struct_ops`). */
  readonly attachTo: string;
  /** Instructions (8 bytes each) after subprogram linking; relocations not yet applied. */
  readonly insns: Uint8Array;
  readonly relocs: readonly InsnReloc[];
  readonly coreRelos: readonly ProgCoreRelo[];
  readonly funcInfo: readonly ProgFuncInfo[];
  readonly lineInfo: readonly ProgLineInfo[];
  /** File offset of the program's first instruction (errors). */
  readonly fileOffset: number;
  /**
   * Whether a load loads it by default: false for a struct_ops program only
   * maps that are not auto-created reference (libbpf's rule at open). The
   * choice a load acts on lives on the BpfObjectProgram.
   */
  readonly autoload: boolean;
}

/** What a struct_ops map holds in the object: the local struct and which programs fill its function members. */
export interface StructOpsSpec {
  /** Local struct name (`tcp_congestion_ops`), flavour suffix kept. */
  readonly typeName: string;
  readonly localTypeId: number;
  /** The local struct's bytes as the object initialises them (function pointers zeroed). */
  readonly data: Uint8Array;
  /** member name -> program name. */
  readonly funcs: ReadonlyMap<string, string>;
  /** `.struct_ops.link`: created with BPF_F_LINK. */
  readonly link: boolean;
}

/** Where a map comes from. */
export type MapKind = "btf" | "data" | "kconfig" | "struct_ops";

/** One map. */
export interface MapSpec {
  readonly name: string;
  /** The name the kernel gets (BPF_OBJ_NAME_LEN - 1 chars; libbpf's internal map names for global data). */
  readonly kernelName: string;
  readonly kind: MapKind;
  readonly section: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly numaNode: number;
  readonly mapExtra: bigint;
  /** LIBBPF_PIN_BY_NAME = 1. */
  readonly pinning: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  /** Initial contents (global data), key 0. */
  readonly initial: Uint8Array | undefined;
  /** Whether a load creates it by default (not for `?.struct_ops`); the choice a load acts on lives on the BpfObjectMap. */
  readonly autocreate: boolean;
  /** Global data the program may not write (.rodata, .kconfig): frozen after population. */
  readonly readonly: boolean;
  readonly structOps: StructOpsSpec | undefined;
}

/** A `__kconfig` or `__ksym` extern. */
export interface ExternSpec {
  readonly name: string;
  readonly kind: "kconfig" | "ksym";
  readonly weak: boolean;
  /** BTF id of the VAR or FUNC in the object BTF. */
  readonly btfId: number;
  readonly isFunc: boolean;
  /** kconfig: offset in the .kconfig map value and size. */
  readonly offset: number;
  readonly size: number;
  /** kconfig: the value's kind, for encoding. */
  readonly kconfigType: "bool" | "tristate" | "char" | "int" | "char_array" | "none";
  readonly signed: boolean;
}

/** A whole object, ready to load. */
export interface CollectionSpec {
  /** The object's name (file name without .o / .bpf.o), used in internal map names. */
  readonly name: string;
  readonly license: string;
  readonly kernVersion: number;
  readonly btf: Btf | undefined;
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly maps: ReadonlyMap<string, MapSpec>;
  readonly externs: readonly ExternSpec[];
}
