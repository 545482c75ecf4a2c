/**
 * @fileoverview The user API to BPF objects, in libbpf's shape (bpf_object,
 * bpf_map, bpf_program, bpf_link; LANDSCAPE.md 2.1, KERNEL-SPEC.md §8) with
 * cilium/ebpf's naming where it reads better: open a clang-built object,
 * adjust it (autoload, autocreate, flags, struct_ops fields, read-only
 * data), load it into a backend, attach struct_ops maps, update and detach
 * links, pin, read info. Every kernel call goes through `backend.bpf(cmd,
 * attr)`, so the emulated kernel and a real one are driven the same way.
 *
 * A failed load leaves nothing behind: every fd it opened is closed.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_FREEZE,
  BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN,
  BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS, BPF_STRUCT_OPS,
} from "../uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_REPLACE, BPF_F_SLEEPABLE } from "../uapi/bpf-flags.js";
import { EBUSY, EINVAL, ENOENT, ESRCH } from "../uapi/errno.js";
import { decodeLinkInfo, decodeMapInfo, decodeProgInfo, LINK_INFO_LAYOUT, MAP_INFO_LAYOUT, PROG_INFO_LAYOUT } from "../uapi/info.js";
import type { BpfLinkInfo, BpfMapInfo, BpfProgInfo } from "../uapi/info.js";
import { BTF_KIND_DATASEC, BTF_KIND_FUNC, BTF_KIND_VAR, BTF_KIND_ARRAY } from "../uapi/btf.js";
import { loadCollectionSpec } from "../obj/collection.js";
import type { CollectionSpec, ExternSpec, MapSpec, ProgramSpec } from "../obj/spec.js";
import { applyCoreRelos, essentialName } from "../obj/core.js";
import { applyRelocs } from "../obj/relocate.js";
import { adjustStructOpsAutoload, prepareStructOps } from "../obj/struct-ops.js";
import type { StructOpsKern } from "../obj/struct-ops.js";
import { ObjError } from "../obj/errors.js";
import type { Btf } from "../obj/btf/btf.js";
import { ModelProcess } from "../backend/model-process.js";
import type { Backend } from "../backend/backend.js";
import { BpfError } from "./errors.js";
import { sanitizeObjectBtf } from "./btf-sanitize.js";
import { emulatedTarget, hostTarget } from "./target.js";
import type { KconfigValue, Target } from "./target.js";

/** Options for {@link BpfObject.open}. */
export interface OpenOptions {
  /** Object name (internal map name prefix); default: the file name without `.bpf.o`/`.o`. */
  readonly name?: string;
}

/** Options for {@link BpfObject.load}. */
export interface LoadOptions {
  /** The kernel to relocate against; default the emulated kernel's for a ModelProcess, the host's otherwise. */
  readonly target?: Target;
  /** Extra kconfig values, overriding the target's. */
  readonly kconfig?: Readonly<Record<string, KconfigValue>>;
  /** Verifier log level for every program (0: only on failure, to explain it). */
  readonly logLevel?: number;
  /** Directory of `LIBBPF_PIN_BY_NAME` maps (default /sys/fs/bpf). */
  readonly pinRoot?: string;
}

/** A struct_ops member value set before load: text for char arrays, numbers for scalars, a program or null for callbacks. */
export type StructOpsFieldValue = string | number | bigint | BpfObjectProgram | null;

const LIBBPF_PIN_BY_NAME = 1;

function fail(op: string, errno: number, context: string, cause?: unknown): never {
  throw new BpfError(op, errno, context, cause === undefined ? undefined : { cause });
}

/** Calls bpf(2) on `backend` and throws a BpfError naming the operation and object on failure. */
function sys<C extends Parameters<Backend["bpf"]>[0]>(backend: Backend, cmd: C, attr: Parameters<Backend["bpf"]>[1] & object, context: string): number {
  const r = backend.bpf(cmd, attr as never);
  if (r.errno !== 0) throw BpfError.fromCmd(cmd, r.errno, context);
  return r.ret;
}

/** A map of an object (libbpf's bpf_map). */
export class BpfObjectMap {
  private fdValue = -1;
  /** The value bytes given to the kernel for a struct_ops map (program fds filled in at load). */
  kernValue: Uint8Array | undefined;
  /** The kernel layout of a struct_ops map, known after load. */
  structOpsKern: StructOpsKern | undefined;
  /** Programs the object put in a callback the user then replaced or cleared (their autoload goes off at load). */
  readonly replacedPrograms = new Set<string>();

  constructor(readonly obj: BpfObject, readonly spec: MapSpec) {}

  get name(): string {
    return this.spec.name;
  }
  get type(): number {
    return this.spec.type;
  }
  get flags(): number {
    return this.spec.flags;
  }
  get valueSize(): number {
    return this.spec.valueSize;
  }
  get autocreate(): boolean {
    return this.spec.autocreate;
  }
  /** The map fd after load, or -1. */
  get fd(): number {
    return this.fdValue;
  }
  /** @internal */
  setFd(fd: number): void {
    this.fdValue = fd;
  }

  /** bpf_map__set_autocreate: only before load. */
  setAutocreate(on: boolean): void {
    this.obj.assertNotLoaded("set autocreate", this.name);
    this.spec.autocreate = on;
  }

  /** bpf_map__set_map_flags: only before load. */
  setFlags(flags: number): void {
    this.obj.assertNotLoaded("set map flags", this.name);
    this.spec.flags = flags;
  }

  /**
   * Sets a member of a struct_ops map's struct before load (libbpf's shadow
   * types): text for char arrays, a number for scalars, a program (or null to
   * clear it) for a callback.
   * @throws {BpfError} EINVAL for an unknown member or a value that does not fit
   */
  setStructOpsField(member: string, value: StructOpsFieldValue): void {
    this.obj.assertNotLoaded("set struct_ops field", this.name);
    const so = this.spec.structOps;
    const btf = this.obj.spec.btf;
    const ctx = `set struct_ops field '${member}' of map '${this.name}'`;
    if (so === undefined || btf === undefined) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a struct_ops map`);
    const m = (btf.type(so.localTypeId).members ?? []).find((x) => x.name === member);
    if (m === undefined) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: struct ${so.typeName} has no such member`);
    const off = m.bitOffset / 8;
    const size = btf.resolveSize(m.type);
    const t = btf.type(btf.skipModsAndTypedefs(m.type));
    if (value === null || value instanceof BpfObjectProgram) {
      if (t.kind !== 2) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a callback`);
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
    if (m.bitfieldSize > 0 || ![1, 2, 4, 8].includes(size)) fail("bpf_map__set_struct_ops", EINVAL, `${ctx}: not a scalar`);
    const dv = new DataView(so.data.buffer, so.data.byteOffset, so.data.byteLength);
    const n = BigInt.asUintN(64, BigInt(value));
    if (size === 8) dv.setBigUint64(off, n, true);
    else if (size === 4) dv.setUint32(off, Number(n & 0xffffffffn), true);
    else if (size === 2) dv.setUint16(off, Number(n & 0xffffn), true);
    else dv.setUint8(off, Number(n & 0xffn));
  }

  private needFd(op: string): number {
    if (this.fdValue < 0) fail(op, EINVAL, `${op.toLowerCase()} map '${this.name}': not loaded`);
    return this.fdValue;
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
}

/** A program of an object (libbpf's bpf_program). */
export class BpfObjectProgram {
  private fdValue = -1;
  /** attach_btf_id / expected_attach_type chosen by struct_ops preparation. */
  attachBtfId = 0;
  /** The struct_ops (type, member) this program was bound to, for the reuse rule. */
  boundTo: string | undefined;
  /** The verifier log of the last load attempt, when one was asked for. */
  log = "";
  /** The instructions given to BPF_PROG_LOAD (after CO-RE and relocations). */
  finalInsns: Uint8Array | undefined;

  constructor(readonly obj: BpfObject, readonly spec: ProgramSpec) {}

  get name(): string {
    return this.spec.name;
  }
  get fd(): number {
    return this.fdValue;
  }
  /** @internal */
  setFd(fd: number): void {
    this.fdValue = fd;
  }
  get autoload(): boolean {
    return this.spec.autoload;
  }

  /** bpf_program__set_autoload: only before load. */
  setAutoload(on: boolean): void {
    this.obj.assertNotLoaded("set autoload", this.name);
    this.spec.autoload = on;
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the program. */
  info(): BpfProgInfo {
    if (this.fdValue < 0) fail("BPF_OBJ_GET_INFO_BY_FD", EINVAL, `info of program '${this.name}': not loaded`);
    const info = new Uint8Array(PROG_INFO_LAYOUT.size);
    sys(this.obj.backendOrThrow(), BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: this.fdValue, info_len: info.length, info }, `info of program '${this.name}'`);
    return decodeProgInfo(info);
  }

  /** BPF_OBJ_PIN of the program. */
  pin(path: string): void {
    if (this.fdValue < 0) fail("BPF_OBJ_PIN", EINVAL, `pin program '${this.name}': not loaded`);
    sys(this.obj.backendOrThrow(), BPF_OBJ_PIN, { pathname: path, bpf_fd: this.fdValue }, `pin program '${this.name}' at ${path}`);
  }
}

/**
 * A link (libbpf's bpf_link). For a struct_ops map without BPF_F_LINK it is
 * libbpf's "fake" link: no kernel object, its fd is the map's, and
 * destroying it deletes the map element (unregistering the ops).
 */
export class BpfLink {
  private closed = false;

  constructor(
    readonly backend: Backend,
    private fdValue: number,
    /** The map this link registers (struct_ops), if known. */
    public map: BpfObjectMap | undefined,
    /** True for the fake link of a non-BPF_F_LINK struct_ops map. */
    readonly fake: boolean,
  ) {}

  get fd(): number {
    return this.fdValue;
  }

  /**
   * bpf_link__update_map: registers `map` (EBUSY tolerated) then swaps it in
   * with BPF_LINK_UPDATE. With `replace`, BPF_F_REPLACE with old_map_fd.
   * @throws {BpfError} EINVAL for a fake link or a map not loaded; the kernel's errno otherwise
   */
  updateMap(map: BpfObjectMap, opts: { readonly replace?: BpfObjectMap } = {}): void {
    const ctx = `update link to map '${map.name}'`;
    if (map.type !== BPF_MAP_TYPE_STRUCT_OPS || map.fd < 0) fail("bpf_link__update_map", EINVAL, `${ctx}: not a loaded struct_ops map`);
    if (this.fake) fail("bpf_link__update_map", EINVAL, `${ctx}: the link of a map without BPF_F_LINK cannot be updated`);
    this.assertOpen(ctx);
    const r = this.backend.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: map.fd, key: new Uint8Array(4), value: map.kernValue ?? new Uint8Array(0), flags: 0n });
    if (r.errno !== 0 && r.errno !== EBUSY) throw BpfError.fromCmd(BPF_MAP_UPDATE_ELEM, r.errno, `${ctx}: register map '${map.name}'`);
    this.updateRaw(map, opts.replace);
  }

  /** BPF_LINK_UPDATE alone (no element update), optionally with BPF_F_REPLACE. */
  updateRaw(map: BpfObjectMap, replace?: BpfObjectMap): void {
    const ctx = `update link to map '${map.name}'`;
    const attr = replace === undefined ? { link_fd: this.fdValue, new_map_fd: map.fd } : { link_fd: this.fdValue, new_map_fd: map.fd, flags: BPF_F_REPLACE, old_map_fd: replace.fd };
    sys(this.backend, BPF_LINK_UPDATE, attr, ctx);
    this.map = map;
  }

  /** bpf_link__detach: BPF_LINK_DETACH (the link fd stays open). */
  detach(): void {
    if (this.fake) fail("bpf_link__detach", EINVAL, "detach link: the link of a map without BPF_F_LINK has no kernel link");
    this.assertOpen("detach link");
    sys(this.backend, BPF_LINK_DETACH, { link_fd: this.fdValue }, "detach link");
  }

  /** bpf_link__destroy: closes the link fd, or for a fake link deletes the map element. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fake) {
      sys(this.backend, BPF_MAP_DELETE_ELEM, { map_fd: this.fdValue, key: new Uint8Array(4) }, `destroy link of map '${this.map?.name ?? this.fdValue}'`);
      return;
    }
    this.backend.close(this.fdValue);
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the link. */
  info(): BpfLinkInfo {
    if (this.fake) fail("BPF_OBJ_GET_INFO_BY_FD", EINVAL, "link info: a fake link has no kernel link");
    this.assertOpen("link info");
    const info = new Uint8Array(LINK_INFO_LAYOUT.size);
    sys(this.backend, BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: this.fdValue, info_len: info.length, info }, "link info");
    return decodeLinkInfo(info);
  }

  /** BPF_OBJ_PIN of the link. */
  pin(path: string): void {
    if (this.fake) fail("BPF_OBJ_PIN", EINVAL, `pin link at ${path}: a fake link cannot be pinned`);
    this.assertOpen(`pin link at ${path}`);
    sys(this.backend, BPF_OBJ_PIN, { pathname: path, bpf_fd: this.fdValue }, `pin link at ${path}`);
  }

  /** bpf_link__open: a link from a bpffs pin. */
  static loadPinned(backend: Backend, path: string): BpfLink {
    const fd = sys(backend, BPF_OBJ_GET, { pathname: path }, `open pinned link ${path}`);
    return new BpfLink(backend, fd, undefined, false);
  }

  private assertOpen(ctx: string): void {
    if (this.closed) fail("bpf_link", EINVAL, `${ctx}: link is closed`);
  }
}

/** A global variable of an object's data sections (cilium's VariableSpec). */
export interface GlobalVariable {
  readonly name: string;
  readonly map: BpfObjectMap;
  readonly offset: number;
  readonly size: number;
  /** The bytes: before load from the object's initial data, after load from the map. */
  get(): Uint8Array;
  /** The value as an unsigned little-endian integer (1, 2, 4 or 8 bytes). */
  getBigInt(): bigint;
  /** Writes the bytes (before load: the initial data; after load: the map). */
  set(value: Uint8Array | number | bigint): void;
}

/**
 * An opened BPF object: programs and maps from the ELF, editable until
 * {@link load}, then backed by kernel objects until {@link close}.
 * @example
 * const obj = BpfObject.open("update.bpf.o");
 * obj.load(kernel.process());
 * const link = obj.attachStructOps("ca_update_1");
 */
export class BpfObject {
  readonly maps = new Map<string, BpfObjectMap>();
  readonly programs = new Map<string, BpfObjectProgram>();
  private backend: Backend | undefined;
  private btfFd = -1;
  private loaded = false;
  private target: Target | undefined;

  private constructor(readonly spec: CollectionSpec) {
    for (const m of spec.maps.values()) this.maps.set(m.name, new BpfObjectMap(this, m));
    for (const p of spec.programs.values()) this.programs.set(p.name, new BpfObjectProgram(this, p));
  }

  /**
   * bpf_object__open: reads an object from a path or bytes.
   * @throws {ObjError} (section and byte offset) when the object is malformed
   */
  static open(src: string | Uint8Array, opts: OpenOptions = {}): BpfObject {
    const bytes = typeof src === "string" ? readFileSync(src) : src;
    const name = opts.name ?? (typeof src === "string" ? basename(src).replace(/(\.bpf)?\.o$/, "") : "obj");
    return new BpfObject(loadCollectionSpec(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name }));
  }

  get name(): string {
    return this.spec.name;
  }
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** @internal */
  assertNotLoaded(op: string, what: string): void {
    if (this.loaded) fail("bpf_object", EBUSY, `${op} of '${what}': the object is already loaded`);
  }

  /** @internal */
  backendOrThrow(): Backend {
    if (this.backend === undefined) fail("bpf_object", EINVAL, `object '${this.name}' is not loaded`);
    return this.backend;
  }

  /** The map named `name` (its section name for global data: ".bss", ".rodata.foo"). */
  map(name: string): BpfObjectMap {
    const m = this.maps.get(name) ?? [...this.maps.values()].find((x) => x.spec.kernelName === name);
    if (m === undefined) fail("bpf_object__find_map_by_name", ENOENT, `object '${this.name}' has no map '${name}'`);
    return m;
  }

  /** The program named `name` (its function name). */
  program(name: string): BpfObjectProgram {
    const p = this.programs.get(name);
    if (p === undefined) fail("bpf_object__find_program_by_name", ENOENT, `object '${this.name}' has no program '${name}'`);
    return p;
  }

  /** A global variable of .data/.bss/.rodata (or a named variant) by name. */
  variable(name: string): GlobalVariable {
    const btf = this.spec.btf;
    if (btf !== undefined) {
      for (const m of this.maps.values()) {
        if (m.spec.kind !== "data") continue;
        const ds = btf.find(m.spec.section, BTF_KIND_DATASEC);
        if (ds === 0) continue;
        for (const si of btf.type(ds).secinfos ?? []) {
          const v = btf.type(si.type);
          if (v.kind === BTF_KIND_VAR && v.name === name) return this.makeVar(name, m, si.offset, si.size);
        }
      }
    }
    return fail("bpf_object__find_variable", ENOENT, `object '${this.name}' has no global variable '${name}'`);
  }

  private makeVar(name: string, map: BpfObjectMap, offset: number, size: number): GlobalVariable {
    const read = (): Uint8Array => (map.fd < 0 ? (map.spec.initial ?? new Uint8Array(map.spec.valueSize)) : map.lookup(0));
    return {
      name, map, offset, size,
      get: () => read().slice(offset, offset + size),
      getBigInt: () => {
        const b = read().slice(offset, offset + size);
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
        return v;
      },
      set: (value) => {
        let bytes: Uint8Array;
        if (value instanceof Uint8Array) bytes = value;
        else {
          bytes = new Uint8Array(size);
          let n = BigInt.asUintN(size * 8, BigInt(value));
          for (let i = 0; i < size; i++, n >>= 8n) bytes[i] = Number(n & 0xffn);
        }
        if (bytes.length !== size) fail("bpf_object__set_variable", EINVAL, `set variable '${name}': ${bytes.length} bytes for a ${size}-byte variable`);
        if (map.fd < 0) {
          if (this.loaded) fail("bpf_object__set_variable", EINVAL, `set variable '${name}': its map was not created`);
          map.spec.initial ??= new Uint8Array(map.spec.valueSize);
          map.spec.initial.set(bytes, offset);
          return;
        }
        const cur = map.lookup(0);
        cur.set(bytes, offset);
        map.update(cur, 0);
      },
    };
  }

  /**
   * bpf_object__load: BTF, maps (global data populated and .rodata/.kconfig
   * frozen), struct_ops layouts, CO-RE, relocations, programs. On failure
   * every fd opened is closed and the error names what failed.
   * @throws {BpfError}
   */
  load(backend: Backend, opts: LoadOptions = {}): void {
    if (this.loaded) fail("bpf_object__load", EBUSY, `load object '${this.name}': already loaded`);
    this.backend = backend;
    const target = opts.target ?? (isEmulated(backend) ? emulatedTarget() : hostTargetOrFail(this.name));
    this.target = target;
    const kconfig = new Map(target.kconfig);
    for (const [k, v] of Object.entries(opts.kconfig ?? {})) kconfig.set(k, v);
    try {
      adjustStructOpsAutoload(this.spec);
      for (const m of this.maps.values()) {
        for (const name of m.replacedPrograms) {
          const p = this.programs.get(name);
          if (p !== undefined) p.spec.autoload = false;
        }
      }
      this.loadBtf(backend);
      this.createMaps(backend, kconfig, opts.pinRoot ?? "/sys/fs/bpf");
      this.prepareStructOpsMaps(target.btf);
      this.loadPrograms(backend, target.btf, opts.logLevel ?? 0);
      this.fillStructOpsValues();
      this.loaded = true;
    } catch (e) {
      this.releaseFds();
      this.backend = undefined;
      if (e instanceof BpfError) throw e;
      if (e instanceof ObjError) throw new BpfError("bpf_object__load", EINVAL, `load object '${this.name}': ${e.message}`, { cause: e });
      throw e;
    }
  }

  private loadBtf(backend: Backend): void {
    const btf = this.spec.btf;
    if (btf === undefined) return;
    const raw = sanitizeObjectBtf(btf, this.spec.externs, this.maps.get(".kconfig")?.valueSize ?? 0);
    const r = backend.bpf(BPF_BTF_LOAD, { btf: raw, btf_size: raw.length });
    // libbpf goes on without BTF when the kernel refuses it; struct_ops maps then fail to create.
    if (r.errno === 0) this.btfFd = r.ret;
  }

  private createMaps(backend: Backend, kconfig: Map<string, KconfigValue>, pinRoot: string): void {
    for (const m of this.maps.values()) {
      const s = m.spec;
      if (!s.autocreate) continue;
      if (s.kind === "struct_ops") continue; // needs the target layout: prepareStructOpsMaps
      const ctx = `create map '${s.name}'`;
      if (s.pinning === LIBBPF_PIN_BY_NAME) {
        const r = backend.bpf(BPF_OBJ_GET, { pathname: `${pinRoot}/${s.name}` });
        if (r.errno === 0) {
          m.setFd(r.ret);
          continue;
        }
      }
      const withBtf = this.btfFd >= 0 && (s.btfKeyTypeId !== 0 || s.btfValueTypeId !== 0);
      const fd = sys(backend, BPF_MAP_CREATE, {
        map_type: s.type, key_size: s.keySize, value_size: s.valueSize, max_entries: s.maxEntries, map_flags: s.flags,
        numa_node: s.numaNode, map_name: objName(s.kernelName), map_extra: s.mapExtra,
        ...(withBtf ? { btf_fd: this.btfFd, btf_key_type_id: s.btfKeyTypeId, btf_value_type_id: s.btfValueTypeId } : {}),
      }, ctx);
      m.setFd(fd);
      if (s.kind === "data" || s.kind === "kconfig") {
        const value = s.kind === "kconfig" ? this.kconfigValue(s, kconfig) : s.initial ?? new Uint8Array(s.valueSize);
        sys(backend, BPF_MAP_UPDATE_ELEM, { map_fd: fd, key: new Uint8Array(4), value, flags: 0n }, `populate map '${s.name}'`);
        if (s.readonly) sys(backend, BPF_MAP_FREEZE, { map_fd: fd }, `freeze map '${s.name}'`);
      }
      if (s.pinning === LIBBPF_PIN_BY_NAME) sys(backend, BPF_OBJ_PIN, { pathname: `${pinRoot}/${s.name}`, bpf_fd: fd }, `pin map '${s.name}'`);
    }
  }

  private kconfigValue(s: MapSpec, kconfig: Map<string, KconfigValue>): Uint8Array {
    const out = new Uint8Array(s.valueSize);
    const dv = new DataView(out.buffer);
    for (const e of this.spec.externs) {
      if (e.kind !== "kconfig") continue;
      const v = kconfig.get(e.name);
      if (v === undefined) {
        if (e.weak) continue;
        fail("bpf_object__load", EINVAL, `load object '${this.name}': extern (kconfig) '${e.name}' value not found and not __weak`);
      }
      writeKconfig(dv, out, e, v, this.name);
    }
    return out;
  }

  private prepareStructOpsMaps(target: Btf): void {
    const local = this.spec.btf;
    for (const m of this.maps.values()) {
      const s = m.spec;
      if (s.kind !== "struct_ops" || !s.autocreate || s.structOps === undefined) continue;
      if (local === undefined) fail("bpf_object__load", EINVAL, `create map '${s.name}': no BTF`);
      const kern = prepareStructOps(s, local, target);
      m.structOpsKern = kern;
      for (const dropped of kern.dropped) {
        const p = this.programs.get(dropped);
        if (p !== undefined) p.spec.autoload = false;
      }
      for (const slot of kern.slots) {
        const p = this.program(slot.program);
        const key = `${kern.typeName}.${slot.member}`;
        if (p.boundTo !== undefined && p.boundTo !== key) {
          fail("bpf_object__load", EINVAL, `create map '${s.name}': program '${p.name}' is already used for ${p.boundTo} and cannot also serve ${key}`);
        }
        p.boundTo = key;
        p.attachBtfId = kern.typeId;
        p.spec.expectedAttachType = slot.memberIndex;
      }
      const fd = sys(this.backendOrThrow(), BPF_MAP_CREATE, {
        map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: kern.valueSize, max_entries: 1, map_flags: s.flags,
        map_name: objName(s.kernelName), btf_fd: this.btfFd < 0 ? 0 : this.btfFd, btf_vmlinux_value_type_id: kern.valueTypeId,
      }, `create map '${s.name}'`);
      m.setFd(fd);
    }
  }

  private loadPrograms(backend: Backend, target: Btf, logLevel: number): void {
    for (const p of this.programs.values()) {
      const s = p.spec;
      if (!s.autoload) continue;
      const ctx = `load program '${s.name}'`;
      if (s.progType === BPF_PROG_TYPE_STRUCT_OPS && p.attachBtfId === 0) {
        fail("bpf_object__load", EINVAL, `${ctx}: struct_ops program isn't referenced anywhere, did you forget to set it?`);
      }
      const core = applyCoreRelos(s, this.spec.btf, target);
      const insns = applyRelocs(s, core.insns, {
        mapFd: (name) => {
          const fd = this.maps.get(name)?.fd;
          return fd === undefined || fd < 0 ? undefined : fd;
        },
        kfuncId: (name) => {
          const id = target.find(essentialName(name), BTF_KIND_FUNC);
          return id === 0 ? undefined : id;
        },
        ksymId: (name) => {
          const id = target.find(essentialName(name), BTF_KIND_VAR);
          return id === 0 ? undefined : id;
        },
      });
      p.finalInsns = insns;
      const useBtf = this.btfFd >= 0 && s.funcInfo.length > 0;
      const attr = {
        prog_type: s.progType, insn_cnt: insns.length / 8, insns, license: this.spec.license, kern_version: this.spec.kernVersion,
        prog_flags: s.sleepable ? BPF_F_SLEEPABLE : 0, prog_name: objName(s.name), expected_attach_type: s.expectedAttachType,
        attach_btf_id: p.attachBtfId,
        ...(useBtf ? {
          prog_btf_fd: this.btfFd, func_info_rec_size: 8, func_info: encodeFuncInfo(s), func_info_cnt: s.funcInfo.length,
          line_info_rec_size: 16, line_info: encodeLineInfo(s), line_info_cnt: s.lineInfo.length,
        } : {}),
      };
      const logBuf = new Uint8Array(logLevel > 0 ? 1 << 16 : 0);
      const r = backend.bpf(BPF_PROG_LOAD, logLevel > 0 ? { ...attr, log_level: logLevel, log_size: logBuf.length, log_buf: logBuf } : attr);
      if (r.errno !== 0) {
        // libbpf reloads with a log to explain the failure.
        const lb = new Uint8Array(1 << 16);
        const again = backend.bpf(BPF_PROG_LOAD, { ...attr, log_level: 1, log_size: lb.length, log_buf: lb });
        if (again.errno === 0) backend.close(again.ret);
        p.log = cstring(lb);
        throw BpfError.fromCmd(BPF_PROG_LOAD, r.errno, `${ctx}${p.log === "" ? "" : ` (verifier: ${p.log.trim().split("\n").slice(-2).join("; ")})`}`);
      }
      if (logLevel > 0) p.log = cstring(logBuf);
      p.setFd(r.ret);
    }
  }

  private fillStructOpsValues(): void {
    for (const m of this.maps.values()) {
      const kern = m.structOpsKern;
      if (kern === undefined) continue;
      const value = kern.value.slice();
      const dv = new DataView(value.buffer);
      for (const slot of kern.slots) {
        const p = this.program(slot.program);
        if (p.fd < 0) fail("bpf_object__load", EINVAL, `prepare map '${m.name}': program '${p.name}' of member '${slot.member}' is not loaded (autoload off)`);
        dv.setBigUint64(slot.valueOffset, BigInt(p.fd), true);
      }
      m.kernValue = value;
    }
  }

  /**
   * bpf_map__attach_struct_ops: registers the map's ops. A BPF_F_LINK map
   * gets a real link (its update_elem EBUSY is tolerated, so a map can be
   * attached again after its link is gone); other maps get a fake link.
   * @throws {BpfError}
   */
  attachStructOps(mapOrName: BpfObjectMap | string): BpfLink {
    const map = typeof mapOrName === "string" ? this.map(mapOrName) : mapOrName;
    const backend = this.backendOrThrow();
    const ctx = `attach struct_ops map '${map.name}'`;
    if (map.type !== BPF_MAP_TYPE_STRUCT_OPS || map.fd < 0 || map.kernValue === undefined) fail("bpf_map__attach_struct_ops", EINVAL, `${ctx}: not a created struct_ops map`);
    const link = (map.flags & BPF_F_LINK) !== 0;
    const r = backend.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: map.fd, key: new Uint8Array(4), value: map.kernValue, flags: 0n });
    if (r.errno !== 0 && !(link && r.errno === EBUSY)) throw BpfError.fromCmd(BPF_MAP_UPDATE_ELEM, r.errno, `${ctx}: update element`);
    if (!link) return new BpfLink(backend, map.fd, map, true);
    const fd = sys(backend, BPF_LINK_CREATE, { map_fd: map.fd, attach_type: BPF_STRUCT_OPS }, `${ctx}: create link`);
    return new BpfLink(backend, fd, map, false);
  }

  /** bpf_object__close: closes every program, map and BTF fd (links are closed by their owners). */
  close(): void {
    this.releaseFds();
    this.backend = undefined;
  }

  private releaseFds(): void {
    const b = this.backend;
    if (b === undefined) return;
    for (const p of this.programs.values()) {
      if (p.fd >= 0) b.close(p.fd);
      p.setFd(-1);
      p.attachBtfId = 0;
      p.boundTo = undefined;
    }
    for (const m of this.maps.values()) {
      if (m.fd >= 0) b.close(m.fd);
      m.setFd(-1);
      m.kernValue = undefined;
      m.structOpsKern = undefined;
    }
    if (this.btfFd >= 0) b.close(this.btfFd);
    this.btfFd = -1;
  }

  /** The target the object was loaded for. */
  get loadTarget(): Target | undefined {
    return this.target;
  }
}

/** A name for BPF_OBJ_NAME_LEN: at most 15 bytes of its UTF-8 (libbpf truncates the same way). */
function objName(name: string): Uint8Array {
  return new TextEncoder().encode(name).subarray(0, 15);
}

function cstring(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

function encodeFuncInfo(s: ProgramSpec): Uint8Array {
  const out = new Uint8Array(s.funcInfo.length * 8);
  const dv = new DataView(out.buffer);
  s.funcInfo.forEach((f, i) => {
    dv.setUint32(i * 8, f.insn, true);
    dv.setUint32(i * 8 + 4, f.typeId, true);
  });
  return out;
}

function encodeLineInfo(s: ProgramSpec): Uint8Array {
  const out = new Uint8Array(s.lineInfo.length * 16);
  const dv = new DataView(out.buffer);
  s.lineInfo.forEach((l, i) => {
    dv.setUint32(i * 16, l.insn, true);
    dv.setUint32(i * 16 + 4, l.fileNameOff, true);
    dv.setUint32(i * 16 + 8, l.lineOff, true);
    dv.setUint32(i * 16 + 12, l.lineCol, true);
  });
  return out;
}

function writeKconfig(dv: DataView, out: Uint8Array, e: ExternSpec, v: KconfigValue, obj: string): void {
  const bad = (): never => fail("bpf_object__load", EINVAL, `load object '${obj}': kconfig '${e.name}' value '${String(v)}' does not suit its ${e.kconfigType} type`);
  switch (e.kconfigType) {
    case "bool":
      if (typeof v === "boolean") dv.setUint8(e.offset, v ? 1 : 0);
      else if (v === "y" || v === "n") dv.setUint8(e.offset, v === "y" ? 1 : 0);
      else bad();
      return;
    case "tristate":
      if (v === "y" || v === true) dv.setUint8(e.offset, 1);
      else if (v === "n" || v === false) dv.setUint8(e.offset, 0);
      else if (v === "m") dv.setUint8(e.offset, 2);
      else bad();
      return;
    case "char":
      if (typeof v === "string" && v.length === 1) dv.setUint8(e.offset, v.charCodeAt(0));
      else if (v === true || v === false) dv.setUint8(e.offset, v ? 0x79 : 0x6e);
      else bad();
      return;
    case "char_array": {
      if (typeof v !== "string") return bad();
      const b = new TextEncoder().encode(v);
      out.set(b.subarray(0, e.size - 1), e.offset);
      return;
    }
    case "int": {
      let n: bigint;
      if (typeof v === "number" || typeof v === "bigint") n = BigInt(v);
      else if (typeof v === "boolean") n = v ? 1n : 0n;
      else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) n = BigInt(v);
      else return bad();
      const bits = BigInt(e.size * 8);
      const fits = e.signed ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n) : n >= 0n && n < 1n << bits;
      if (!fits) bad();
      let u = BigInt.asUintN(e.size * 8, n);
      for (let i = 0; i < e.size; i++, u >>= 8n) out[e.offset + i] = Number(u & 0xffn);
      return;
    }
    default:
      fail("bpf_object__load", ESRCH, `load object '${obj}': kconfig '${e.name}' has an unsupported type`);
  }
}

function hostTargetOrFail(obj: string): Target {
  try {
    return hostTarget();
  } catch (e) {
    return fail("bpf_object__load", ENOENT, `load object '${obj}': no target BTF for the host kernel (/sys/kernel/btf/vmlinux)`, e);
  }
}

/** Is `backend` the emulated kernel (whose target is the default)? */
export function isEmulated(backend: Backend): boolean {
  return backend instanceof ModelProcess;
}
