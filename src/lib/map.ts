/**
 * @fileoverview A map of an opened BPF object (libbpf's bpf_map,
 * LANDSCAPE.md 2.1, KERNEL-SPEC.md §8): autocreate, flags and struct_ops
 * member values (libbpf's shadow types) before load; after load its fd,
 * element lookup/update/delete, info and pinning through bpf(2). For a
 * struct_ops map it also holds the kernel layout and value the load sequence
 * (load.ts) prepared. What a user sets before load (autocreate, flags, the
 * initial data of global variables, struct_ops members) lives here, on
 * copies: the MapSpec it starts from is never written.
 */
import { BPF_MAP_DELETE_ELEM, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN, BPF_PROG_TYPE_STRUCT_OPS } from "../uapi/bpf-enums.js";
import { EINVAL } from "../uapi/errno.js";
import { BTF_KIND_PTR } from "../uapi/btf.js";
import { decodeMapInfo, MAP_INFO_LAYOUT } from "../uapi/info.js";
import type { BpfMapInfo } from "../uapi/info.js";
import { BTF_KIND_ARRAY } from "../uapi/btf.js";
import type { MapSpec, StructOpsSpec } from "../obj/spec.js";
import type { StructOpsKern } from "../obj/struct-ops.js";
import { fail, sys, unpin } from "./bpf-call.js";
import { BpfObjectProgram } from "./program.js";
import type { OwnedFd } from "./fd.js";
import type { BpfObject } from "./object.js";

/** A struct_ops member value set before load: text for char arrays, numbers for scalars, a program or null for callbacks. */
export type StructOpsFieldValue = string | number | bigint | BpfObjectProgram | null;

/** A map of an object (libbpf's bpf_map). */
export class BpfObjectMap {
  private owned: OwnedFd | undefined;
  private autocreateValue: boolean;
  private flagsValue: number;
  /** The initial data once a variable was set before load (a copy of the spec's). */
  private initialCopy: Uint8Array | undefined;
  /** The struct_ops struct as the user set it (copies of the spec's bytes and member -> program table). */
  private readonly so: { readonly data: Uint8Array; readonly funcs: Map<string, string> } | undefined;
  /** The value bytes given to the kernel for a struct_ops map (program fds filled in at load). */
  kernValue: Uint8Array | undefined;
  /** The kernel layout of a struct_ops map, known after load. */
  structOpsKern: StructOpsKern | undefined;
  /** Programs the object put in a callback the user then replaced or cleared (their autoload goes off at load). */
  readonly replacedPrograms = new Set<string>();

  constructor(readonly obj: BpfObject, readonly spec: MapSpec) {
    this.autocreateValue = spec.autocreate;
    this.flagsValue = spec.flags;
    const so = spec.structOps;
    this.so = so === undefined ? undefined : { data: so.data.slice(), funcs: new Map(so.funcs) };
  }

  get name(): string {
    return this.spec.name;
  }
  get type(): number {
    return this.spec.type;
  }
  get flags(): number {
    return this.flagsValue;
  }
  get valueSize(): number {
    return this.spec.valueSize;
  }
  get autocreate(): boolean {
    return this.autocreateValue;
  }
  /** The map fd after load, or -1 (libbpf's bpf_map__fd). */
  get fd(): number {
    return this.owned === undefined ? -1 : this.owned.raw;
  }
  /** @internal The fd a load opened (created or reused from a pin); the map owns it until {@link release}. */
  adopt(fd: OwnedFd): void {
    this.owned = fd;
  }
  /** @internal Closes the fd (if any) and forgets what the load prepared. */
  release(): void {
    this.owned?.close();
    this.owned = undefined;
    this.kernValue = undefined;
    this.structOpsKern = undefined;
  }

  /** The data a load puts in a global-data map: the object's initial bytes with the variables set before load. */
  get initial(): Uint8Array | undefined {
    return this.initialCopy ?? this.spec.initial;
  }
  /** @internal The initial data to write a variable into before load (copied from the spec the first time). */
  writableInitial(): Uint8Array {
    this.initialCopy ??= this.spec.initial?.slice() ?? new Uint8Array(this.spec.valueSize);
    return this.initialCopy;
  }

  /** A struct_ops map's member -> program table as set before load (undefined for other maps). */
  get structOpsFuncs(): ReadonlyMap<string, string> | undefined {
    return this.so?.funcs;
  }

  /** @internal The spec with this map's choices applied, for the pure struct_ops preparation (obj/struct-ops.ts). */
  asSet(): MapSpec {
    const so: StructOpsSpec | undefined = this.spec.structOps === undefined || this.so === undefined ? undefined : { ...this.spec.structOps, ...this.so };
    return { ...this.spec, flags: this.flagsValue, autocreate: this.autocreateValue, initial: this.initial, structOps: so };
  }

  /** bpf_map__set_autocreate: only before load. */
  setAutocreate(on: boolean): void {
    this.obj.assertNotLoaded("set autocreate", this.name);
    this.autocreateValue = on;
  }

  /** bpf_map__set_map_flags: only before load. */
  setFlags(flags: number): void {
    this.obj.assertNotLoaded("set map flags", this.name);
    this.flagsValue = flags;
  }

  /**
   * Sets a member of a struct_ops map's struct before load (libbpf's shadow
   * types): text for char arrays, a number for scalars, a program (or null to
   * clear it) for a callback.
   * @throws {BpfError} EINVAL for an unknown member or a value that does not fit
   */
  setStructOpsField(member: string, value: StructOpsFieldValue): void {
    this.obj.assertNotLoaded("set struct_ops field", this.name);
    const local = this.spec.structOps;
    const so = this.so;
    const btf = this.obj.spec.btf;
    const ctx = `set struct_ops field '${member}' of map '${this.name}'`;
    if (local === undefined || so === undefined || btf === undefined) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a struct_ops map`);
    const m = btf.type(local.localTypeId).members.find((x) => x.name === member);
    if (m === undefined) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: struct ${local.typeName} has no such member`);
    const off = m.bit_offset / 8;
    const size = btf.resolveSize(m.type);
    const t = btf.type(btf.skipModifiers(m.type));
    if (value === null || value instanceof BpfObjectProgram) {
      if (t.kind !== BTF_KIND_PTR) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a callback`);
      // libbpf: a program the object declared in this member, replaced or nulled out, is not loaded.
      const before = so.funcs.get(member);
      if (before !== undefined && before !== value?.name) this.replacedPrograms.add(before);
      if (value === null) so.funcs.delete(member);
      else {
        if (value.spec.progType !== BPF_PROG_TYPE_STRUCT_OPS) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: program '${value.name}' is not a struct_ops program`);
        so.funcs.set(member, value.name);
      }
      return;
    }
    if (typeof value === "string") {
      if (t.kind !== BTF_KIND_ARRAY) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a char array`);
      const b = new TextEncoder().encode(value);
      if (b.length >= size) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: '${value}' does not fit ${size} bytes with its NUL`);
      so.data.fill(0, off, off + size);
      so.data.set(b, off);
      return;
    }
    if (m.bitfield_size > 0 || ![1, 2, 4, 8].includes(size)) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a scalar`);
    const dv = new DataView(so.data.buffer, so.data.byteOffset, so.data.byteLength);
    const n = BigInt.asUintN(64, BigInt(value));
    if (size === 8) dv.setBigUint64(off, n, true);
    else if (size === 4) dv.setUint32(off, Number(n & 0xffffffffn), true);
    else if (size === 2) dv.setUint16(off, Number(n & 0xffffn), true);
    else dv.setUint8(off, Number(n & 0xffn));
  }

  private needFd(op: string): number {
    if (this.owned === undefined) fail(op, EINVAL, `${op.toLowerCase()} map '${this.name}': not loaded`);
    return this.owned.raw;
  }

  private key(key: number | Uint8Array): Uint8Array {
    if (key instanceof Uint8Array) return key;
    const k = new Uint8Array(this.spec.keySize || 4);
    new DataView(k.buffer).setUint32(0, key >>> 0, true);
    return k;
  }

  /** BPF_MAP_LOOKUP_ELEM: the value bytes. */
  lookup(key: number | Uint8Array = 0): Uint8Array {
    const fd = this.needFd("BPF_MAP_LOOKUP_ELEM");
    const value = new Uint8Array(this.spec.type === BPF_MAP_TYPE_STRUCT_OPS ? this.kernValue?.length ?? 0 : this.spec.valueSize);
    sys(this.obj.backendOrThrow(), BPF_MAP_LOOKUP_ELEM, { map_fd: fd, key: this.key(key), value }, `lookup map '${this.name}'`);
    return value;
  }

  /** BPF_MAP_UPDATE_ELEM. */
  update(value: Uint8Array, key: number | Uint8Array = 0, flags = 0): void {
    const fd = this.needFd("BPF_MAP_UPDATE_ELEM");
    sys(this.obj.backendOrThrow(), BPF_MAP_UPDATE_ELEM, { map_fd: fd, key: this.key(key), value, flags: BigInt(flags) }, `update map '${this.name}'`);
  }

  /** BPF_MAP_DELETE_ELEM. */
  delete(key: number | Uint8Array = 0): void {
    const fd = this.needFd("BPF_MAP_DELETE_ELEM");
    sys(this.obj.backendOrThrow(), BPF_MAP_DELETE_ELEM, { map_fd: fd, key: this.key(key) }, `delete from map '${this.name}'`);
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the map. */
  info(): BpfMapInfo {
    const fd = this.needFd("BPF_OBJ_GET_INFO_BY_FD");
    const info = new Uint8Array(MAP_INFO_LAYOUT.size);
    sys(this.obj.backendOrThrow(), BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: fd, info_len: info.length, info }, `info of map '${this.name}'`);
    return decodeMapInfo(info);
  }

  /** BPF_OBJ_PIN of the map at `path` (a bpffs path). */
  pin(path: string): void {
    sys(this.obj.backendOrThrow(), BPF_OBJ_PIN, { pathname: path, bpf_fd: this.needFd("BPF_OBJ_PIN") }, `pin map '${this.name}' at ${path}`);
  }

  /** bpf_map__unpin: unlink(2) of the pin at `path`. */
  unpin(path: string): void {
    unpin(this.obj.backendOrThrow(), path, `unpin map '${this.name}' from ${path}`);
  }
}
