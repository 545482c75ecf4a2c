/**
 * @fileoverview Links (libbpf's bpf_link, KERNEL-SPEC.md §8): the kernel
 * link of a BPF_F_LINK struct_ops map (BPF_LINK_UPDATE with optional
 * BPF_F_REPLACE, BPF_LINK_DETACH, info, pinning, opening a pinned link),
 * libbpf's "fake" link of a plain struct_ops map, whose destruction deletes
 * the map element, and the link of a BPF iterator program
 * (bpf_program__attach_iter), which {@link BpfLink.iterate} reads through
 * BPF_ITER_CREATE.
 */
import {
  BPF_ITER_CREATE, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_DELETE_ELEM, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET,
  BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN, BPF_STRUCT_OPS, BPF_TRACE_ITER,
} from "../uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_REPLACE } from "../uapi/bpf-flags.js";
import { EBADF, EBUSY, EINVAL } from "../uapi/errno.js";
import { decodeLinkInfo, LINK_INFO_LAYOUT } from "../uapi/info.js";
import type { BpfLinkInfo } from "../uapi/info.js";
import type { Backend } from "../backend/backend.js";
import { BpfError } from "./errors.js";
import { fail, sys, unpin } from "./bpf-call.js";
import { OwnedFd } from "./fd.js";
import type { BpfObjectMap } from "./map.js";
import type { BpfObjectProgram } from "./program.js";
import { missingRequiredMembers } from "./struct-ops-required.js";

/** For a refused struct_ops registration (EINVAL, which the kernel does not explain): the required members `map` lacks, or "". */
function whyRefused(map: BpfObjectMap, errno: number): string {
  const kern = map.structOpsKern;
  if (errno !== EINVAL || kern === undefined) return "";
  return missingRequiredMembers(kern.typeName, kern.slots.map((s) => s.member));
}

/**
 * A link (libbpf's bpf_link). A kernel link owns its fd. For a struct_ops
 * map without BPF_F_LINK it is libbpf's "fake" link: no kernel object, its
 * fd is the map's, and destroying it deletes the map element (unregistering
 * the ops).
 */
export class BpfLink {
  private closed = false;

  private constructor(
    readonly backend: Backend,
    /** The kernel link's fd; undefined for a fake link. */
    private readonly owned: OwnedFd | undefined,
    /** The map this link registers (struct_ops), if known; always known for a fake link. */
    public map: BpfObjectMap | undefined,
  ) {}

  /** A kernel link whose fd `fd` the new BpfLink owns (closing the link closes it). */
  static own(fd: OwnedFd, map?: BpfObjectMap): BpfLink {
    return new BpfLink(fd.backend, fd, map);
  }

  /** libbpf's fake link of struct_ops map `map` (registered without BPF_F_LINK). */
  static fake(backend: Backend, map: BpfObjectMap): BpfLink {
    return new BpfLink(backend, undefined, map);
  }

  /** True for the fake link of a non-BPF_F_LINK struct_ops map. */
  get fake(): boolean {
    return this.owned === undefined;
  }

  /** The link fd (a fake link's is its map's), or -1 once closed (libbpf's bpf_link__fd). */
  get fd(): number {
    if (this.closed) return -1;
    return this.owned !== undefined ? this.owned.raw : this.map?.fd ?? -1;
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
    if (r.errno !== 0 && r.errno !== EBUSY) throw BpfError.fromCmd(BPF_MAP_UPDATE_ELEM, r.errno, `${ctx}: register map '${map.name}'`, whyRefused(map, r.errno));
    this.updateRaw(map, opts.replace);
  }

  /** BPF_LINK_UPDATE alone (no element update), optionally with BPF_F_REPLACE. */
  updateRaw(map: BpfObjectMap, replace?: BpfObjectMap): void {
    const ctx = `update link to map '${map.name}'`;
    const attr = replace === undefined ? { link_fd: this.fd, new_map_fd: map.fd } : { link_fd: this.fd, new_map_fd: map.fd, flags: BPF_F_REPLACE, old_map_fd: replace.fd };
    sys(this.backend, BPF_LINK_UPDATE, attr, ctx);
    this.map = map;
  }

  /**
   * bpf_link__update_program: BPF_LINK_UPDATE of a program link (an
   * iterator's) to `prog`, which must be loaded and of the same target.
   * @example
   * const link = obj.attachIter("fx_move_cc");
   * link.updateProgram(other.program("fx_opts"));
   * @throws {BpfError} EINVAL for a fake link, a program not loaded, or (from the kernel) a struct_ops link or a program of another target; EPERM never (no BPF_F_REPLACE)
   */
  updateProgram(prog: BpfObjectProgram): void {
    const ctx = `update link to program '${prog.name}'`;
    if (this.fake) fail("bpf_link__update_program", EINVAL, `${ctx}: the link of a map without BPF_F_LINK has no kernel link`);
    if (prog.fd < 0) fail("bpf_link__update_program", EINVAL, `${ctx}: the program is not loaded`);
    this.assertOpen(ctx);
    sys(this.backend, BPF_LINK_UPDATE, { link_fd: this.fd, new_prog_fd: prog.fd }, ctx);
  }

  /** bpf_link__detach: BPF_LINK_DETACH (the link fd stays open). */
  detach(): void {
    if (this.fake) fail("bpf_link__detach", EINVAL, "detach link: the link of a map without BPF_F_LINK has no kernel link");
    this.assertOpen("detach link");
    sys(this.backend, BPF_LINK_DETACH, { link_fd: this.fd }, "detach link");
  }

  /** bpf_link__destroy: closes the link fd, or for a fake link deletes the map element. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned !== undefined) {
      this.owned.close();
      return;
    }
    const map = this.map as BpfObjectMap;
    if (map.fd < 0) fail("bpf_link__destroy", EBADF, `destroy link of map '${map.name}': the map is closed`);
    sys(this.backend, BPF_MAP_DELETE_ELEM, { map_fd: map.fd, key: new Uint8Array(4) }, `destroy link of map '${map.name}'`);
  }

  /**
   * Runs an iterator link once (libbpf's bpf_iter_create + read): a new
   * iterator fd from BPF_ITER_CREATE, read(2) in `chunk`-byte reads until
   * it returns 0, then closed. Each call is a new walk.
   * @example
   * const link = obj.attachIter("fx_move_cc");
   * const text = link.iterate();
   * @throws {BpfError} EINVAL for a link that is no iterator; the errno of a failed read
   */
  iterate(opts: { readonly chunk?: number } = {}): string {
    const ctx = "iterate link";
    if (this.fake) fail("bpf_iter_create", EINVAL, `${ctx}: a fake link has no kernel link`);
    this.assertOpen(ctx);
    const chunk = opts.chunk ?? 4096;
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`Cannot iterate as 'chunk' must be an integer ≥ 1: current value is ${chunk}`);
    const fd = new OwnedFd(this.backend, sys(this.backend, BPF_ITER_CREATE, { link_fd: this.fd, flags: 0 }, `${ctx}: create iterator`));
    try {
      const parts: Uint8Array[] = [];
      for (;;) {
        const r = this.backend.read(fd.raw, chunk);
        if (r.errno !== 0) throw new BpfError("read", r.errno, `${ctx}: read iterator`);
        if (r.ret === 0) break;
        parts.push(r.bytes);
      }
      return new TextDecoder().decode(Buffer.concat(parts));
    } finally {
      fd.close();
    }
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the link. */
  info(): BpfLinkInfo {
    if (this.fake) fail("BPF_OBJ_GET_INFO_BY_FD", EINVAL, "link info: a fake link has no kernel link");
    this.assertOpen("link info");
    const info = new Uint8Array(LINK_INFO_LAYOUT.size);
    sys(this.backend, BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: this.fd, info_len: info.length, info }, "link info");
    return decodeLinkInfo(info);
  }

  /** BPF_OBJ_PIN of the link. */
  pin(path: string): void {
    if (this.fake) fail("BPF_OBJ_PIN", EINVAL, `pin link at ${path}: a fake link cannot be pinned`);
    this.assertOpen(`pin link at ${path}`);
    sys(this.backend, BPF_OBJ_PIN, { pathname: path, bpf_fd: this.fd }, `pin link at ${path}`);
  }

  /** bpf_link__unpin: unlink(2) of the pin at `path`. */
  unpin(path: string): void {
    unpin(this.backend, path, `unpin link from ${path}`);
  }

  /** bpf_link__open: a link from a bpffs pin. */
  static loadPinned(backend: Backend, path: string): BpfLink {
    const fd = sys(backend, BPF_OBJ_GET, { pathname: path }, `open pinned link ${path}`);
    return BpfLink.own(new OwnedFd(backend, fd));
  }

  private assertOpen(ctx: string): void {
    if (this.closed) fail("bpf_link", EINVAL, `${ctx}: link is closed`);
  }
}

/**
 * bpf_map__attach_struct_ops on a loaded map: registers its ops with
 * BPF_MAP_UPDATE_ELEM. A BPF_F_LINK map gets a real link from
 * BPF_LINK_CREATE (its update_elem EBUSY is tolerated, so a map can be
 * attached again after its link is gone); other maps get a fake link.
 * @throws {BpfError} EINVAL for a map not created as struct_ops; the kernel's errno otherwise
 */
export function attachStructOpsMap(backend: Backend, map: BpfObjectMap): BpfLink {
  const ctx = `attach struct_ops map '${map.name}'`;
  if (map.type !== BPF_MAP_TYPE_STRUCT_OPS || map.fd < 0 || map.kernValue === undefined) fail("bpf_map__attach_struct_ops", EINVAL, `${ctx}: not a created struct_ops map`);
  const link = (map.flags & BPF_F_LINK) !== 0;
  const r = backend.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: map.fd, key: new Uint8Array(4), value: map.kernValue, flags: 0n });
  if (r.errno !== 0 && !(link && r.errno === EBUSY)) throw BpfError.fromCmd(BPF_MAP_UPDATE_ELEM, r.errno, `${ctx}: update element`, whyRefused(map, r.errno));
  if (!link) return BpfLink.fake(backend, map);
  return linkStructOps(backend, map.fd, `${ctx}: create link`, map);
}

/**
 * BPF_LINK_CREATE (attach type BPF_STRUCT_OPS) on struct_ops map fd `mapFd`
 * of a BPF_F_LINK map whose element is set: the library's one way of making
 * a struct_ops link, also for maps built without an object (raw bytecode).
 * @param context what the error names ("create link for map 'x'")
 * @throws {BpfError} the kernel's errno
 */
export function linkStructOps(backend: Backend, mapFd: number, context: string, map?: BpfObjectMap): BpfLink {
  const fd = sys(backend, BPF_LINK_CREATE, { map_fd: mapFd, attach_type: BPF_STRUCT_OPS }, context);
  return BpfLink.own(new OwnedFd(backend, fd), map);
}

/**
 * bpf_program__attach_iter: BPF_LINK_CREATE (attach type BPF_TRACE_ITER)
 * for a loaded iterator program's fd.
 * @param context what the error names ("attach iterator program 'x'")
 * @throws {BpfError} the kernel's errno
 */
export function attachIterProgram(backend: Backend, progFd: number, context: string): BpfLink {
  const fd = sys(backend, BPF_LINK_CREATE, { prog_fd: progFd, attach_type: BPF_TRACE_ITER }, context);
  return BpfLink.own(new OwnedFd(backend, fd));
}
