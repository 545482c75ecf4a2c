/**
 * @fileoverview The layout of a struct_ops map value, `struct
 * bpf_struct_ops_<type>`, read from a kernel's BTF: the ops struct and its
 * members (index = a program's expected_attach_type, byte offset, size,
 * function pointer or `struct module *`), where `data` sits in the value, and
 * the padding holes that must stay zero. It is what kernel/bpf/bpf_struct_ops.c
 * derives in bpf_struct_ops_desc_init and checks in
 * bpf_struct_ops_map_update_elem, and what libbpf's
 * bpf_map__init_kern_struct_ops reads; the loader (obj/struct-ops.ts), the
 * emulated kernel's descriptor (backend/model-layout.ts) and the value
 * builder (backend/struct-ops-value.ts) all take it from here.
 */
import { BTF_KIND_FWD, BTF_KIND_PTR, BTF_KIND_STRUCT } from "../uapi/btf.js";
import type { Btf } from "./btf.js";

/** One member of the ops struct. */
export interface StructOpsMemberLayout {
  readonly name: string;
  /** Index in the struct (what `expected_attach_type` names for a program). */
  readonly index: number;
  /** Declared type id. */
  readonly type: number;
  /** Byte offset inside the ops struct (of the first byte, for a bitfield). */
  readonly offset: number;
  /** Byte size of the declared type (negative when it has none). */
  readonly size: number;
  /** Bitfield width; 0 when not a bitfield. */
  readonly bitfield_size: number;
  /** A function pointer (a BPF program can implement it). */
  readonly isFuncPtr: boolean;
  /** A `struct module *` member (`owner`): must be zero; the kernel sets it. */
  readonly isModule: boolean;
}

/** A byte range. */
export interface StructOpsHole {
  readonly offset: number;
  readonly size: number;
}

/** The layout of `struct bpf_struct_ops_<type>`. */
export interface StructOpsLayout {
  /** BTF id of the ops struct (what a program's attach_btf_id names). */
  readonly typeId: number;
  /** BTF id of `struct bpf_struct_ops_<name>` (the map's btf_vmlinux_value_type_id). */
  readonly valueTypeId: number;
  /** Size of the value type (the map's value_size). */
  readonly valueSize: number;
  /** Offset of `data` (the ops struct) inside the value. */
  readonly dataOffset: number;
  /** Size of the ops struct. */
  readonly dataSize: number;
  readonly members: readonly StructOpsMemberLayout[];
  /**
   * Byte ranges of the value (absolute offsets) that are padding holes of the
   * value type or of the ops struct; they must be zero on update.
   */
  readonly holes: readonly StructOpsHole[];
}

/** Why a BTF has no struct_ops layout for a type: no `bpf_struct_ops_<type>` (or no ops struct), or no `data` member of the ops struct. */
export type StructOpsLayoutMissing = "value type" | "data";

/** Whether member type `t` is `struct module *`. */
function isModulePtr(btf: Btf, t: number): boolean {
  const p = btf.type(btf.skipModifiers(t));
  if (p.kind !== BTF_KIND_PTR) return false;
  const target = btf.type(btf.skipModifiers(p.type));
  return (target.kind === BTF_KIND_STRUCT || target.kind === BTF_KIND_FWD) && target.name === "module";
}

/** Byte ranges of `[0, sizeof id)` no member covers, shifted by `base`. */
function holes(btf: Btf, id: number, base: number): StructOpsHole[] {
  const size = Math.max(btf.resolveSize(id), 0);
  const covered = new Uint8Array(size);
  for (const m of btf.members(id)) {
    const start = Math.floor(m.bit_offset / 8);
    const len = m.bitfield_size > 0 ? Math.ceil(((m.bit_offset % 8) + m.bitfield_size) / 8) : Math.max(btf.resolveSize(m.type), 0);
    covered.fill(1, start, start + len);
  }
  const out: StructOpsHole[] = [];
  for (let i = 0; i < size; i++) {
    if (covered[i]) continue;
    let j = i;
    while (j < size && !covered[j]) j++;
    out.push({ offset: base + i, size: j - i });
    i = j;
  }
  return out;
}

/**
 * The layout of `struct bpf_struct_ops_<type>` in `btf`, or what is missing.
 * @see kernel/bpf/bpf_struct_ops.c bpf_struct_ops_desc_init (v6.18)
 */
export function structOpsLayout(btf: Btf, type: string): StructOpsLayout | StructOpsLayoutMissing {
  const typeId = btf.findByNameKind(type, BTF_KIND_STRUCT);
  const valueTypeId = btf.findByNameKind(`bpf_struct_ops_${type}`, BTF_KIND_STRUCT);
  if (typeId < 0 || valueTypeId < 0) return "value type";
  const data = btf.members(valueTypeId).find((m) => m.name === "data");
  if (data === undefined || btf.skipModifiers(data.type) !== typeId) return "data";
  const dataOffset = data.bit_offset >>> 3;
  const members = btf.members(typeId).map((m, index): StructOpsMemberLayout => ({
    name: m.name,
    index,
    type: m.type,
    offset: m.bit_offset >>> 3,
    size: btf.resolveSize(m.type),
    bitfield_size: m.bitfield_size,
    isFuncPtr: btf.isFuncPtr(m.type),
    isModule: isModulePtr(btf, m.type),
  }));
  return {
    typeId,
    valueTypeId,
    valueSize: btf.resolveSize(valueTypeId),
    dataOffset,
    dataSize: btf.resolveSize(typeId),
    members,
    holes: [...holes(btf, valueTypeId, 0), ...holes(btf, typeId, dataOffset)],
  };
}
