/**
 * @fileoverview The BPF filesystem (kernel/bpf/inode.c): pinning objects at
 * paths under /sys/fs/bpf so they outlive the fds and the process.
 *
 * A pin holds the same reference an fd does (maps: refcnt and usercnt).
 * BPF_OBJ_GET opens a new file on the pinned object. Unlinking the path drops
 * the pin's reference. Directories are made with mkdir; pinning into a missing
 * directory is ENOENT, onto an existing name EEXIST, outside bpffs EPERM.
 *
 * @see kernel/bpf/inode.c bpf_obj_pin_user, bpf_obj_get_user (v6.18)
 */
import { EEXIST, ENOENT, ENOTDIR, ENOTEMPTY, EPERM } from "../uapi/errno.js";
import type { FileObject } from "./file.js";

/** Mount point of the model's bpffs. */
export const BPFFS_ROOT = "/sys/fs/bpf";

/** The pinned objects and directories of the model's bpffs. */
export class BpfFs {
  private readonly pins = new Map<string, Exclude<FileObject, { kind: "other" }>>();
  private readonly dirs = new Set<string>([BPFFS_ROOT]);

  private static split(path: string): { parent: string; ok: boolean } {
    const norm = path.replace(/\/+$/, "");
    const i = norm.lastIndexOf("/");
    return { parent: norm.slice(0, i), ok: norm.startsWith(BPFFS_ROOT + "/") && i > 0 && !norm.includes("/../") && !norm.endsWith("/..") };
  }

  /** Pins `obj` at `path` (taking no reference: the caller transfers one). 0 or -errno. */
  pin(path: string, obj: Exclude<FileObject, { kind: "other" }>): number {
    const { parent, ok } = BpfFs.split(path);
    if (!ok) return -EPERM;
    if (!this.dirs.has(parent)) return this.pins.has(parent) ? -ENOTDIR : -ENOENT;
    if (this.pins.has(path) || this.dirs.has(path)) return -EEXIST;
    this.pins.set(path, obj);
    return 0;
  }

  /** The object pinned at `path`, or -errno. */
  get(path: string): Exclude<FileObject, { kind: "other" }> | number {
    const { ok } = BpfFs.split(path);
    if (!ok) return -EPERM;
    return this.pins.get(path) ?? -ENOENT;
  }

  /** mkdir under bpffs; 0 or -errno. */
  mkdir(path: string): number {
    const { parent, ok } = BpfFs.split(path);
    if (!ok) return -EPERM;
    if (!this.dirs.has(parent)) return -ENOENT;
    if (this.pins.has(path) || this.dirs.has(path)) return -EEXIST;
    this.dirs.add(path);
    return 0;
  }

  /**
   * unlink/rmdir: removes a pin (returning its object so the caller drops the
   * reference) or an empty directory. The object, 0 for a directory, or -errno.
   */
  unlink(path: string): Exclude<FileObject, { kind: "other" }> | number {
    const obj = this.pins.get(path);
    if (obj !== undefined) {
      this.pins.delete(path);
      return obj;
    }
    if (!this.dirs.has(path) || path === BPFFS_ROOT) return -ENOENT;
    for (const p of [...this.pins.keys(), ...this.dirs]) if (p.startsWith(path + "/")) return -ENOTEMPTY;
    this.dirs.delete(path);
    return 0;
  }

  /** Every pinned path, sorted. */
  list(): string[] {
    return [...this.pins.keys()].sort();
  }
}
