/**
 * @fileoverview libbpf's struct_ops map preparation (bpf_map__init_kern_struct_ops
 * and bpf_object_adjust_struct_ops_autoload, LANDSCAPE.md 2.1), pure: take
 * the value layout from the target BTF (src/btf/struct-ops-layout.ts), match the
 * local struct's members by name, copy scalars whose sizes match, allow a
 * member the kernel lacks only when it is zero (a program there is dropped),
 * reject bitfields and kind mismatches, and give every function member's
 * program its attach_btf_id and expected_attach_type (the member index).
 */
import { BPF_PROG_TYPE_STRUCT_OPS } from "../uapi/bpf-enums.js";
import type { Btf } from "../btf/btf.js";
import { structOpsLayout } from "../btf/struct-ops-layout.js";
import { essentialName } from "./core.js";
import { ObjError } from "./errors.js";
import type { MapSpec, ProgramSpec } from "./spec.js";

/** A function member to fill with a program fd. */
export interface StructOpsSlot {
  readonly member: string;
  readonly program: string;
  /** Byte offset of the fd in the kernel value. */
  readonly valueOffset: number;
  /** Index of the member in the kernel struct: the program's expected_attach_type. */
  readonly memberIndex: number;
}

/** The kernel side of one struct_ops map. */
export interface StructOpsKern {
  /** Kernel type (`tcp_congestion_ops`) id: the programs' attach_btf_id. */
  readonly typeId: number;
  readonly typeName: string;
  /** `bpf_struct_ops_<type>` id: the map's btf_vmlinux_value_type_id. */
  readonly valueTypeId: number;
  readonly valueSize: number;
  readonly dataOffset: number;
  /** The value with data members copied and program slots zero. */
  readonly value: Uint8Array;
  readonly slots: readonly StructOpsSlot[];
  /** Programs the object put in members the kernel lacks (libbpf drops them). */
  readonly dropped: readonly string[];
}

/**
 * Lays out struct_ops map `map` for the kernel described by `target`.
 * @throws {ObjError} naming the map and member (libbpf's messages, EINVAL/ENOTSUP in libbpf)
 */
export function prepareStructOps(map: MapSpec, local: Btf, target: Btf): StructOpsKern {
  const so = map.structOps;
  if (so === undefined) throw new ObjError(`map '${map.name}' is not a struct_ops map`, map.section, -1);
  const tname = essentialName(so.typeName);
  const fail: (m: string) => never = (m) => {
    throw new ObjError(`struct_ops map '${map.name}': ${m}`, map.section, -1);
  };
  const layout = structOpsLayout(target, tname);
  if (layout === "value type") fail(`the target kernel has no struct bpf_struct_ops_${tname}`);
  if (layout === "data") fail(`bpf_struct_ops_${tname} has no data member of struct ${tname}`);
  const { typeId, valueTypeId, valueSize, dataOffset } = layout;
  const value = new Uint8Array(valueSize);
  const slots: StructOpsSlot[] = [];
  const dropped: string[] = [];
  for (const lm of local.type(so.localTypeId).members) {
    if (lm.bitfield_size > 0) fail(`bitfield member '${lm.name}' is not supported`);
    const moff = lm.bit_offset / 8;
    const lsize = local.resolveSize(lm.type);
    const prog = so.funcs.get(lm.name);
    const km = layout.members.find((k) => k.name === lm.name);
    if (km === undefined) {
      const bytes = so.data.subarray(moff, moff + Math.max(lsize, 0));
      if (prog !== undefined) {
        dropped.push(prog);
        continue;
      }
      if (bytes.some((x) => x !== 0)) fail(`member '${lm.name}' is not found in the kernel's struct ${tname} and is not zero`);
      continue;
    }
    if (km.bitfield_size > 0) fail(`kernel member '${lm.name}' is a bitfield`);
    const lk = local.type(local.skipModifiers(lm.type)).kind;
    const kk = target.type(target.skipModifiers(km.type)).kind;
    if (lk !== kk) fail(`member '${lm.name}' has kind ${lk} locally and ${kk} in the kernel`);
    const kout = dataOffset + km.offset;
    if (local.isFuncPtr(lm.type)) {
      if (!km.isFuncPtr) fail(`member '${lm.name}' is a function pointer locally but not in the kernel`);
      if (prog !== undefined) slots.push({ member: lm.name, program: prog, valueOffset: kout, memberIndex: km.index });
      continue;
    }
    if (km.size !== lsize) fail(`member '${lm.name}' is ${lsize} bytes locally and ${km.size} in the kernel`);
    value.set(so.data.subarray(moff, moff + lsize), kout);
  }
  return { typeId, typeName: tname, valueTypeId, valueSize, dataOffset, value, slots, dropped };
}

/** What the autoload rule reads of a map: whether a load creates it, and its struct_ops member -> program table. */
export interface StructOpsAutoloadMap {
  readonly autocreate: boolean;
  readonly funcs: ReadonlyMap<string, string> | undefined;
}

/**
 * libbpf's autoload rule for struct_ops programs
 * (bpf_object_adjust_struct_ops_autoload): a program some struct_ops map
 * references loads iff one of those maps is auto-created; unreferenced
 * programs keep their autoload (and then fail to load: nothing to attach
 * to). Pure: returns the decision for each referenced program.
 */
export function structOpsAutoload(
  programs: Iterable<Pick<ProgramSpec, "name" | "progType">>,
  maps: Iterable<StructOpsAutoloadMap>,
): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const all = [...maps];
  for (const p of programs) {
    if (p.progType !== BPF_PROG_TYPE_STRUCT_OPS) continue;
    let uses = 0, load = false;
    for (const m of all) {
      if (m.funcs === undefined || ![...m.funcs.values()].includes(p.name)) continue;
      uses++;
      if (m.autocreate) load = true;
    }
    if (uses > 0) out.set(p.name, load);
  }
  return out;
}
