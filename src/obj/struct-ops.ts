/**
 * @fileoverview libbpf's struct_ops map preparation (bpf_map__init_kern_struct_ops
 * and bpf_object_adjust_struct_ops_autoload, LANDSCAPE.md 2.1), pure: find
 * `struct bpf_struct_ops_<type>` and its `data` in the target BTF, match the
 * local struct's members by name, copy scalars whose sizes match, allow a
 * member the kernel lacks only when it is zero (a program there is dropped),
 * reject bitfields and kind mismatches, and give every function member's
 * program its attach_btf_id and expected_attach_type (the member index).
 */
import { BTF_KIND_STRUCT, BTF_KIND_PTR, BTF_KIND_FUNC_PROTO } from "../uapi/btf.js";
import { BPF_PROG_TYPE_STRUCT_OPS } from "../uapi/bpf-enums.js";
import type { Btf } from "./btf/btf.js";
import { essentialName } from "./core.js";
import { ObjError } from "./errors.js";
import type { CollectionSpec, MapSpec } from "./spec.js";

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

function isFuncPtr(btf: Btf, id: number): boolean {
  const p = btf.type(btf.skipModsAndTypedefs(id));
  return p.kind === BTF_KIND_PTR && btf.type(btf.skipModsAndTypedefs(p.type ?? 0)).kind === BTF_KIND_FUNC_PROTO;
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
  const typeId = target.find(tname, BTF_KIND_STRUCT);
  const valueTypeId = target.find(`bpf_struct_ops_${tname}`, BTF_KIND_STRUCT);
  if (typeId === 0 || valueTypeId === 0) fail(`the target kernel has no struct bpf_struct_ops_${tname}`);
  const data = (target.type(valueTypeId).members ?? []).find((m) => m.name === "data");
  if (data === undefined || target.skipModsAndTypedefs(data.type) !== typeId) fail(`bpf_struct_ops_${tname} has no data member of struct ${tname}`);
  const valueSize = target.resolveSize(valueTypeId);
  const dataOffset = data.bitOffset / 8;
  const value = new Uint8Array(valueSize);
  const kmembers = target.type(typeId).members ?? [];
  const lt = local.type(so.localTypeId);
  const slots: StructOpsSlot[] = [];
  const dropped: string[] = [];
  for (const lm of lt.members ?? []) {
    if (lm.bitfieldSize > 0) fail(`bitfield member '${lm.name}' is not supported`);
    const moff = lm.bitOffset / 8;
    const lsize = local.resolveSize(lm.type);
    const prog = so.funcs.get(lm.name);
    const ki = kmembers.findIndex((k) => k.name === lm.name);
    if (ki < 0) {
      const bytes = so.data.subarray(moff, moff + Math.max(lsize, 0));
      if (prog !== undefined) {
        dropped.push(prog);
        continue;
      }
      if (bytes.some((x) => x !== 0)) fail(`member '${lm.name}' is not found in the kernel's struct ${tname} and is not zero`);
      continue;
    }
    const km = kmembers[ki] as (typeof kmembers)[number];
    if (km.bitfieldSize > 0) fail(`kernel member '${lm.name}' is a bitfield`);
    const lk = local.type(local.skipModsAndTypedefs(lm.type)).kind;
    const kk = target.type(target.skipModsAndTypedefs(km.type)).kind;
    if (lk !== kk) fail(`member '${lm.name}' has kind ${lk} locally and ${kk} in the kernel`);
    const kout = dataOffset + km.bitOffset / 8;
    if (isFuncPtr(local, lm.type)) {
      if (!isFuncPtr(target, km.type)) fail(`member '${lm.name}' is a function pointer locally but not in the kernel`);
      if (prog !== undefined) slots.push({ member: lm.name, program: prog, valueOffset: kout, memberIndex: ki });
      continue;
    }
    const ksize = target.resolveSize(km.type);
    if (ksize !== lsize) fail(`member '${lm.name}' is ${lsize} bytes locally and ${ksize} in the kernel`);
    value.set(so.data.subarray(moff, moff + lsize), kout);
  }
  return { typeId, typeName: tname, valueTypeId, valueSize, dataOffset, value, slots, dropped };
}

/**
 * libbpf's autoload rule for struct_ops programs: a program some struct_ops
 * map references loads iff one of those maps is auto-created; unreferenced
 * programs keep their autoload (and then fail to load: nothing to attach to).
 */
export function adjustStructOpsAutoload(spec: CollectionSpec): void {
  for (const p of spec.programs.values()) {
    if (p.progType !== BPF_PROG_TYPE_STRUCT_OPS) continue;
    let uses = 0, load = false;
    for (const m of spec.maps.values()) {
      if (m.structOps === undefined || ![...m.structOps.funcs.values()].includes(p.name)) continue;
      uses++;
      if (m.autocreate) load = true;
    }
    if (uses > 0) p.autoload = load;
  }
}
