/**
 * @fileoverview Object commands of bpf(2): pinning (BPF_OBJ_PIN/GET), IDs
 * (*_GET_NEXT_ID, *_GET_FD_BY_ID), BPF_OBJ_GET_INFO_BY_FD and BPF_BTF_LOAD.
 *
 * @see kernel/bpf/syscall.c bpf_obj_get_info_by_fd (v6.18)
 */
import { E2BIG, EAGAIN, EBADF, EBADFD, EFAULT, EINVAL, ENOENT, ENOSPC, EPERM } from "../uapi/errno.js";
import { BPF_F_RDONLY, BPF_F_WRONLY, BPF_F_PATH_FD } from "../uapi/bpf-flags.js";
import type { BtfLoadAttrDecoded, GetIdAttrDecoded, InfoAttrDecoded, ObjAttrDecoded } from "../uapi/attr-codec.js";
import { MAP_INFO_LAYOUT, PROG_INFO_LAYOUT, BTF_INFO_LAYOUT, LINK_INFO_LAYOUT, encodeMapInfo, encodeProgInfo, encodeBtfInfo } from "../uapi/info.js";
import { FMODE_READ, FMODE_WRITE, putFileObject } from "./file.js";
import type { FileObject } from "./file.js";
import { BtfObject } from "./btf-object.js";
import { BTF_MAX_SIZE, checkBtf } from "./btf/check.js";
import { BtfVerifierLog } from "./btf/verifier-log.js";
import { Kernel } from "./kernel.js";
import { isErr } from "./errptr.js";
import type { Idr } from "./idr.js";
import { CAP_SYS_ADMIN } from "./task.js";
import type { Task } from "./task.js";

type Pinnable = Exclude<FileObject, { kind: "other" } | { kind: "iter" }>;

function takeRef(o: Pinnable): void {
  if (o.kind === "map") o.obj.incWithUref();
  else o.obj.inc();
}

/** BPF_OBJ_PIN: 0 or -errno. The pin holds its own reference. */
export function objPin(task: Task, a: ObjAttrDecoded): number {
  if (a.file_flags & ~BPF_F_PATH_FD) return -EINVAL;
  if (a.file_flags & BPF_F_PATH_FD) return -EINVAL; // dirfd-relative paths are not modelled
  const f = task.file(a.bpf_fd);
  if (f === null) return -EBADF;
  // bpf_fd_probe_obj: a map, a program or a link; a BTF or iterator fd is none of them.
  if (f.target.kind === "other" || f.target.kind === "btf" || f.target.kind === "iter") return -EINVAL;
  const path = task.mm.readString(a.pathname, 4096);
  if (path === null) return -EFAULT;
  takeRef(f.target);
  const r = task.kernel.bpffs.pin(path, f.target);
  if (r < 0) putFileObject(f.target);
  return r;
}

/** BPF_OBJ_GET: a new fd on the pinned object, or -errno. */
export function objGet(task: Task, a: ObjAttrDecoded): number {
  if (a.bpf_fd !== 0 || a.file_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PATH_FD)) return -EINVAL;
  if ((a.file_flags & BPF_F_RDONLY) && (a.file_flags & BPF_F_WRONLY)) return -EINVAL;
  if (a.file_flags & BPF_F_PATH_FD) return -EINVAL;
  const path = task.mm.readString(a.pathname, 4096);
  if (path === null) return -EFAULT;
  const o = task.kernel.bpffs.get(path);
  if (typeof o === "number") return o;
  takeRef(o);
  const k = task.kernel;
  const mode = a.file_flags & BPF_F_RDONLY ? FMODE_READ : a.file_flags & BPF_F_WRONLY ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
  const fd =
    o.kind === "map" ? k.mapNewFd(task, o.obj, mode) : o.kind === "prog" ? k.progNewFd(task, o.obj) : o.kind === "link" ? k.linkNewFd(task, o.obj) : k.btfNewFd(task, o.obj);
  if (fd < 0) putFileObject(o);
  return fd;
}

/** *_GET_NEXT_ID: 0 (next_id written) or -errno. */
export function getNextId(task: Task, a: GetIdAttrDecoded, idr: Idr<unknown>, attrBytes: Uint8Array): number {
  if (!task.capable(CAP_SYS_ADMIN)) return -EPERM;
  const next = idr.getNext(a.start_id);
  if (next === 0) return -ENOENT;
  new DataView(attrBytes.buffer, attrBytes.byteOffset).setUint32(4, next, true);
  return 0;
}

/** MAP/PROG/LINK/BTF_GET_FD_BY_ID: a new fd or -errno. */
export function getFdById(task: Task, kind: Pinnable["kind"], a: GetIdAttrDecoded): number {
  const k = task.kernel;
  if (!task.capable(CAP_SYS_ADMIN)) return -EPERM;
  if (kind === "map") {
    if (a.open_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY)) return -EINVAL;
    if ((a.open_flags & BPF_F_RDONLY) && (a.open_flags & BPF_F_WRONLY)) return -EINVAL;
    const m = Kernel.lookupId(k.mapIdr, a.start_id);
    // An ID reserved by a link primer is EAGAIN only for links; maps and the rest say ENOENT.
    if (isErr(m)) return m === -EAGAIN ? -ENOENT : m;
    if (!m.incNotZero(true)) return -ENOENT;
    const mode = a.open_flags & BPF_F_RDONLY ? FMODE_READ : a.open_flags & BPF_F_WRONLY ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
    const fd = k.mapNewFd(task, m, mode);
    if (fd < 0) m.putWithUref();
    return fd;
  }
  if (a.open_flags !== 0 && kind !== "btf") return -EINVAL;
  const idr = kind === "prog" ? k.progIdr : kind === "link" ? k.linkIdr : k.btfIdr;
  const o = Kernel.lookupId(idr as Idr<{ incNotZero(): boolean }>, a.start_id);
  if (isErr(o)) return kind === "link" ? o : o === -EAGAIN ? -ENOENT : o;
  if (!o.incNotZero()) return -ENOENT;
  const fd =
    kind === "prog" ? k.progNewFd(task, o as never) : kind === "link" ? k.linkNewFd(task, o as never) : k.btfNewFd(task, o as never);
  if (fd < 0) (o as unknown as { put(): void }).put();
  return fd;
}

/** bpf_check_uarg_tail_zero: 0, -E2BIG or -EFAULT. */
function tailZero(task: Task, uptr: bigint, expected: number, actual: number): number {
  if (actual > 4096) return -E2BIG;
  if (actual <= expected) return 0;
  const rest = task.mm.read(uptr + BigInt(expected), actual - expected);
  if (rest === null) return -EFAULT;
  return rest.every((b) => b === 0) ? 0 : -E2BIG;
}

/** BPF_OBJ_GET_INFO_BY_FD: 0 (info and info_len written) or -errno. */
export function objGetInfoByFd(task: Task, a: InfoAttrDecoded, attrBytes: Uint8Array): number {
  const f = task.file(a.bpf_fd);
  if (f === null) return -EBADFD;
  const t = f.target;
  const layout =
    t.kind === "map" ? MAP_INFO_LAYOUT : t.kind === "prog" ? PROG_INFO_LAYOUT : t.kind === "link" ? LINK_INFO_LAYOUT : t.kind === "btf" ? BTF_INFO_LAYOUT : null;
  if (layout === null) return -EINVAL;
  const tz = tailZero(task, a.info, layout.size, a.info_len);
  if (tz < 0) return tz;
  const len = Math.min(layout.size, a.info_len);
  let info: Uint8Array;
  if (t.kind === "map") {
    const m = t.obj;
    info = encodeMapInfo({
      type: m.type, id: m.id, key_size: m.attrs.key_size, value_size: m.attrs.value_size, max_entries: m.attrs.max_entries,
      map_flags: m.attrs.map_flags, name: m.attrs.map_name, btf_vmlinux_value_type_id: m.attrs.btf_vmlinux_value_type_id,
      btf_id: m.attrs.btf_id, btf_key_type_id: m.attrs.btf_key_type_id, btf_value_type_id: m.attrs.btf_value_type_id,
      btf_vmlinux_id: m.attrs.btf_vmlinux_id, map_extra: m.attrs.map_extra,
    });
  } else if (t.kind === "prog") {
    const p = t.obj;
    const tag = new Uint8Array(8);
    for (let i = 0; i < 8; i++) tag[i] = parseInt(p.tag.slice(2 * i, 2 * i + 2) || "0", 16);
    info = encodeProgInfo({
      type: p.type, id: p.id, tag, xlated_prog_len: p.xlated.length, load_time: p.loadTime, created_by_uid: p.uid,
      nr_map_ids: p.usedMaps.length, name: p.attrs.prog_name, btf_id: p.attrs.btf_id, run_cnt: BigInt(p.runCnt),
      gpl_compatible: p.attrs.gpl_compatible ? 1 : 0, attach_btf_obj_id: p.attrs.attach_btf_obj_id, attach_btf_id: p.attrs.attach_btf_id,
      verified_insns: p.xlated.length / 8,
    } as never);
  } else if (t.kind === "btf") {
    const b = t.obj;
    info = encodeBtfInfo({ btf_size: b.bytes.length, id: b.id, kernel_btf: b.isKernel ? 1 : 0 } as never);
  } else if (t.kind === "link") {
    const l = t.obj;
    // Link info starts from the caller's buffer: unwritten fields keep their input.
    const start = task.mm.read(a.info, len);
    if (start === null) return -EFAULT;
    info = new Uint8Array(layout.size);
    info.set(start);
    const dv = new DataView(info.buffer);
    dv.setUint32(0, l.type, true);
    dv.setUint32(4, l.id, true);
    if (l.prog !== null) dv.setUint32(8, l.prog.id, true);
    l.ops.fillLinkInfo?.(l, dv);
  } else {
    return -EINVAL;
  }
  if (!task.mm.write(a.info, info.subarray(0, len))) return -EFAULT;
  new DataView(attrBytes.buffer, attrBytes.byteOffset).setUint32(4, len, true);
  return 0;
}

/**
 * BPF_BTF_LOAD (kernel/bpf/btf.c btf_new_fd, btf_parse): a BTF fd or -errno.
 * The blob goes through the kernel's full BTF check (./btf/check.ts); the
 * verifier log goes to `btf_log_buf` and its full size to `btf_log_true_size`
 * (written into `attrBytes`), and a log that does not fit makes the load
 * fail with -ENOSPC, as bpf_vlog_finalize does.
 */
export function btfLoad(task: Task, a: BtfLoadAttrDecoded, attrBytes?: Uint8Array): number {
  if (a.btf_flags !== 0 || a.btf_token_fd !== 0) return -EINVAL; // BPF_F_TOKEN_FD: tokens are not modelled
  if (!task.bpfCapable()) return -EPERM;
  if (a.btf_size > BTF_MAX_SIZE) return -E2BIG;
  const log = new BtfVerifierLog(a.btf_log_level, a.btf_log_size, a.btf_log_buf !== 0n);
  if (!log.valid()) return -EINVAL;
  const bytes = task.mm.read(a.btf, a.btf_size);
  if (bytes === null) return -EFAULT;
  let err = checkBtf(bytes, log);
  // finalize_log: the log, its true size, and -ENOSPC / -EFAULT over any other result.
  const fin = log.finalize();
  if (fin.out !== null && !task.mm.write(a.btf_log_buf, fin.out)) err = -EFAULT;
  else if (fin.truncated) err = -ENOSPC;
  if (attrBytes !== undefined) new DataView(attrBytes.buffer, attrBytes.byteOffset).setUint32(28, fin.trueSize, true);
  if (err < 0) return err;
  const k = task.kernel;
  const btf = new BtfObject(k, bytes, "", false);
  k.liveBtfs.add(btf);
  btf.id = k.btfIdr.allocCyclic(btf);
  const fd = k.btfNewFd(task, btf);
  if (fd < 0) btf.put();
  return fd;
}
