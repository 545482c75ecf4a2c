/**
 * @fileoverview The user API to BPF objects, in libbpf's shape (bpf_object,
 * bpf_map, bpf_program, bpf_link; LANDSCAPE.md 2.1, KERNEL-SPEC.md §8) with
 * cilium/ebpf's naming where it reads better. This file holds BpfObject:
 * open a clang-built object, look up its maps, programs and global
 * variables, load it into a backend (the sequence is in load.ts), attach its
 * struct_ops maps, close it. The handles live next to it: map.ts,
 * program.ts, variable.ts, link.ts; every name of the API is re-exported
 * here. Every kernel call goes through `backend.bpf(cmd, attr)`, so the
 * emulated kernel and a real one are driven the same way.
 *
 * A failed load leaves nothing behind: every fd it opened is closed.
 */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { EBUSY, EFBIG, EINVAL, EIO, EISDIR, ENOENT, errnoValue, formatErrno } from "../uapi/errno.js";
import { BPF_MAP_TYPE_STRUCT_OPS, BPF_TRACE_ITER } from "../uapi/bpf-enums.js";
import { loadCollectionSpec } from "../obj/collection.js";
import type { CollectionSpec } from "../obj/spec.js";
import { ObjError, ObjFileError, ObjKsymError } from "../obj/errors.js";
import type { Backend } from "../backend/backend.js";
import { BpfError } from "./errors.js";
import { fail } from "./bpf-call.js";
import { BpfObjectMap } from "./map.js";
import { BpfObjectProgram } from "./program.js";
import { attachIterProgram, attachStructOpsMap } from "./link.js";
import type { BpfLink } from "./link.js";
import { findVariable } from "./variable.js";
import type { GlobalVariable } from "./variable.js";
import { loadObject, releaseFds, resolveTarget } from "./load.js";
import type { LoadOptions, ObjectFds } from "./load.js";
import type { Target } from "./target.js";

export { ObjError, ObjFileError, ObjKsymError } from "../obj/errors.js";
export { BpfObjectMap } from "./map.js";
export type { StructOpsFieldValue } from "./map.js";
export { BpfObjectProgram } from "./program.js";
export { BpfLink, linkStructOps } from "./link.js";
export { unpin } from "./bpf-call.js";
export { OwnedFd } from "./fd.js";
export type { GlobalVariable } from "./variable.js";
export { isEmulated } from "./load.js";
export type { LoadOptions } from "./load.js";

/** Options for {@link BpfObject.open}. */
export interface OpenOptions {
  /** Object name (internal map name prefix); default: the file name without `.bpf.o`/`.o`. */
  readonly name?: string;
}

/** Objects larger than this are refused before reading (a clang-built .bpf.o is kilobytes to a few megabytes). */
export const MAX_OBJECT_FILE_BYTES = 256 * 1024 * 1024;

/** "available maps: a b c" / "the object has no maps": the tail of an unknown-name error. */
function available(what: string, names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? `the object has no ${what}` : `available ${what}: ${all.join(" ")}`;
}

/**
 * Reads an object file: only a regular file (a FIFO or a device would block or
 * never end), at most {@link MAX_OBJECT_FILE_BYTES}.
 * @throws {ObjFileError} naming the path and the errno
 */
function readObjectFile(path: string): Uint8Array {
  const failed = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    const errno = (code === undefined ? undefined : errnoValue(code)) ?? EIO;
    throw new ObjFileError(path, errno, formatErrno(errno), { cause: e });
  };
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return failed(e);
  }
  if (st.isDirectory()) throw new ObjFileError(path, EISDIR, `${formatErrno(EISDIR)}: it is a directory`);
  if (!st.isFile()) throw new ObjFileError(path, EINVAL, `${formatErrno(EINVAL)}: not a regular file`);
  if (st.size > MAX_OBJECT_FILE_BYTES) throw new ObjFileError(path, EFBIG, `${formatErrno(EFBIG)}: ${st.size} bytes, more than the ${MAX_OBJECT_FILE_BYTES} a BPF object may have`);
  try {
    return readFileSync(path);
  } catch (e) {
    return failed(e);
  }
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
  private readonly fds: ObjectFds = { btf: undefined };
  /** Links {@link attachStructOps} and {@link attachIter} made: {@link close} destroys those still open. */
  private readonly links = new Set<BpfLink>();
  private loaded = false;
  private target: Target | undefined;

  private constructor(
    readonly spec: CollectionSpec,
    /** The file it was opened from; "" when opened from bytes. */
    readonly file = "",
  ) {
    for (const m of spec.maps.values()) this.maps.set(m.name, new BpfObjectMap(this, m));
    for (const p of spec.programs.values()) this.programs.set(p.name, new BpfObjectProgram(this, p));
  }

  /**
   * bpf_object__open: reads an object from a path or bytes.
   * @throws {ObjError} (file, section and byte offset) when the object is malformed; ObjFileError when the file cannot be read
   */
  static open(src: string | Uint8Array, opts: OpenOptions = {}): BpfObject {
    const bytes = typeof src === "string" ? readObjectFile(src) : src;
    const name = opts.name ?? (typeof src === "string" ? basename(src).replace(/(\.bpf)?\.o$/, "") : "obj");
    try {
      return new BpfObject(loadCollectionSpec(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name }), typeof src === "string" ? src : "");
    } catch (e) {
      if (e instanceof ObjError && typeof src === "string") throw e.inFile(src);
      throw e;
    }
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
    if (m === undefined) fail("bpf_object__find_map_by_name", ENOENT, `find map '${name}'`, undefined, `object '${this.name}' has no map '${name}'; ${available("maps", this.maps.keys())}`);
    return m;
  }

  /** The program named `name` (its function name). */
  program(name: string): BpfObjectProgram {
    const p = this.programs.get(name);
    if (p === undefined) fail("bpf_object__find_program_by_name", ENOENT, `find program '${name}'`, undefined, `object '${this.name}' has no program '${name}'; ${available("programs", this.programs.keys())}`);
    return p;
  }

  /** A global variable of .data/.bss/.rodata (or a named variant) by name. */
  variable(name: string): GlobalVariable {
    return findVariable(this, name);
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
    const target = resolveTarget(backend, opts, this.name);
    this.target = target;
    try {
      loadObject(this, backend, target, opts, this.fds);
      this.loaded = true;
    } catch (e) {
      this.releaseFds();
      this.backend = undefined;
      if (e instanceof BpfError) throw e;
      if (e instanceof ObjError) {
        if (this.file !== "") e.inFile(this.file);
        throw new BpfError("bpf_object__load", e instanceof ObjKsymError ? e.errno : EINVAL, `load object '${this.name}'`, { cause: e, detail: e.message });
      }
      throw e;
    }
  }

  /**
   * bpf_map__attach_struct_ops: registers the map's ops. A BPF_F_LINK map
   * gets a real link (its update_elem EBUSY is tolerated, so a map can be
   * attached again after its link is gone); other maps get a fake link.
   * @throws {BpfError}
   */
  attachStructOps(mapOrName: BpfObjectMap | string): BpfLink {
    const map = typeof mapOrName === "string" ? this.structOpsMap(mapOrName) : mapOrName;
    const link = attachStructOpsMap(this.backendOrThrow(), map);
    this.links.add(link);
    return link;
  }

  /**
   * bpf_program__attach_iter: an iterator link for the loaded `iter/<target>`
   * program `name`; {@link BpfLink.iterate} runs it. {@link close} destroys it.
   * @example
   * const obj = BpfObject.open("iter_tcp.bpf.o");
   * obj.load(kernel.process());
   * const moved = obj.attachIter("fx_move_cc").iterate();
   * @throws {BpfError} EINVAL for a program that is not a loaded iterator; the kernel's errno otherwise
   */
  attachIter(name: string): BpfLink {
    const p = this.program(name);
    const ctx = `attach iterator program '${name}'`;
    if (p.spec.expectedAttachType !== BPF_TRACE_ITER) fail("bpf_program__attach_iter", EINVAL, `${ctx}: section '${p.spec.section}' is not an iterator (iter/<target>)`);
    if (p.fd < 0) fail("bpf_program__attach_iter", EINVAL, `${ctx}: not loaded`);
    const link = attachIterProgram(this.backendOrThrow(), p.fd, ctx);
    this.links.add(link);
    return link;
  }

  /** The struct_ops map named `name`; an unknown name's error lists the object's struct_ops maps. */
  private structOpsMap(name: string): BpfObjectMap {
    const m = this.maps.get(name);
    if (m !== undefined) return m;
    const so = [...this.maps.values()].filter((x) => x.type === BPF_MAP_TYPE_STRUCT_OPS).map((x) => x.name);
    return fail("bpf_map__attach_struct_ops", ENOENT, `attach struct_ops map '${name}'`, undefined,
      `object '${this.name}' has no map '${name}'; ${available("struct_ops maps", so)}`);
  }

  /**
   * bpf_object__close: destroys the links {@link attachStructOps} made that
   * are still open (a kernel link's fd is closed; a fake link deletes its
   * map's element), then closes every program, map and BTF fd. Idempotent.
   * A pinned link outlives it, as in Linux.
   * @throws {BpfError} the first link that could not be destroyed, after everything else is closed
   */
  close(): void {
    let failed: unknown;
    for (const l of this.links) {
      try {
        l.close();
      } catch (e) {
        failed ??= e;
      }
    }
    this.links.clear();
    this.releaseFds();
    this.backend = undefined;
    if (failed !== undefined) throw failed;
  }

  private releaseFds(): void {
    releaseFds(this, this.fds);
  }

  /** The target the object was loaded for. */
  get loadTarget(): Target | undefined {
    return this.target;
  }
}
