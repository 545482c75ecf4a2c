/**
 * @fileoverview The BPF filesystem (kernel/bpf/inode.c): pinning objects at
 * paths under /sys/fs/bpf so they outlive the fds and the process.
 *
 * A pin holds the same reference an fd does (maps: refcnt and usercnt).
 * BPF_OBJ_GET opens a new file on the pinned object. Paths are resolved as
 * the VFS resolves them (fs/namei.c): empty components (`//`) and `.` are
 * skipped, `..` goes to the parent, a trailing `/` asks for a directory.
 * Unlinking a pin removes the name at once, and the pin's reference is
 * dropped when the inode is freed: bpf_free_inode is the super block's
 * free_inode, which runs after an RCU grace period (i_callback), so the
 * model queues the put on the RCU domain.
 *
 * Outside bpffs the model has no filesystem: every such path is taken to be
 * an existing non-bpffs file or directory (pin: EPERM, as bpf_obj_do_pin
 * answers for a parent on another filesystem; get: EACCES, bpf_inode_type's
 * answer for an inode that is not bpffs's). Relative paths are resolved
 * from `/`.
 *
 * @see kernel/bpf/inode.c bpf_obj_do_pin, bpf_obj_do_get, bpf_free_inode (v6.18)
 * @see fs/namei.c filename_create, do_unlinkat, do_rmdir (v6.18)
 */
import { EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM } from "../uapi/errno.js";
import { putFileObject } from "./file.js";
import type { FileObject } from "./file.js";
import type { Rcu } from "./rcu.js";
import { ERR, type ErrOr } from "./errptr.js";

/** Mount point of the model's bpffs. */
export const BPFFS_ROOT = "/sys/fs/bpf";

type Pinnable = Exclude<FileObject, { kind: "other" } | { kind: "iter" }>;

/** A path split for a create/remove: the resolved parent, the last component and how it ended. */
interface Resolved {
  /** The resolved parent directory ("/a/b", "/" for the root). */
  readonly parent: string;
  /** The last component ("" for the root itself). */
  readonly last: string;
  /** The last component is "." or ".." (LAST_DOT / LAST_DOTDOT). */
  readonly dots: boolean;
  /** The path ended in "/". */
  readonly slash: boolean;
}

const join = (dir: string, name: string): string => (dir === "/" ? `/${name}` : `${dir}/${name}`);

const parentOf = (p: string): string => (p.lastIndexOf("/") <= 0 ? "/" : p.slice(0, p.lastIndexOf("/")));

/** Whether `p` (resolved) is bpffs's root or inside it. */
const inBpffs = (p: string): boolean => p === BPFFS_ROOT || p.startsWith(BPFFS_ROOT + "/");

/** The pinned objects and directories of the model's bpffs. */
export class BpfFs {
  private readonly pins = new Map<string, Pinnable>();
  private readonly dirs = new Set<string>([BPFFS_ROOT]);

  constructor(private readonly rcu: Rcu) {}

  /**
   * Walks every component of `path` but the last (link_path_walk): the
   * resolved parent and the last component, or -errno (ENOENT for a missing
   * bpffs directory, ENOTDIR for a pin used as one).
   */
  private walk(path: string): Resolved | number {
    if (path === "") return -ENOENT;
    const parts = path.split("/").filter((c) => c !== "");
    const slash = path.endsWith("/");
    let dir = "/";
    for (let i = 0; i < parts.length - 1; i++) {
      const r = this.step(dir, parts[i] as string);
      if (typeof r === "number") return r;
      dir = r;
    }
    const last = parts.at(-1) ?? "";
    return { parent: dir, last, dots: last === "." || last === "..", slash };
  }

  /** One component from directory `dir`: the new directory or -errno. */
  private step(dir: string, name: string): string | number {
    if (name === ".") return dir;
    if (name === "..") return parentOf(dir);
    const next = join(dir, name);
    if (!inBpffs(next)) return next;
    if (this.dirs.has(next)) return next;
    return this.pins.has(next) ? -ENOTDIR : -ENOENT;
  }

  /** The fully resolved path (lookup with the last component followed), or -errno. */
  private resolve(path: string): string | number {
    const w = this.walk(path);
    if (typeof w === "number") return w;
    if (w.last === "") return w.parent;
    if (w.dots) return this.step(w.parent, w.last);
    const target = join(w.parent, w.last);
    if (!this.pins.has(target)) return this.step(w.parent, w.last);
    return w.slash ? -ENOTDIR : target;
  }

  /**
   * The new name a create (pin, mkdir) makes, or -errno: filename_create's
   * EEXIST for "." and ".." and for an existing name, ENOENT for a missing
   * name with a trailing "/" (unless `dir`).
   */
  private createName(path: string, dir: boolean): string | number {
    const w = this.walk(path);
    if (typeof w === "number") return w;
    if (w.last === "" || w.dots) return -EEXIST;
    const target = join(w.parent, w.last);
    if (!inBpffs(w.parent)) return inBpffs(target) ? -EEXIST : -EPERM;
    if (this.pins.has(target) || this.dirs.has(target)) return -EEXIST;
    if (w.slash && !dir) return -ENOENT;
    return target;
  }

  /** Pins `obj` at `path` (taking no reference: the caller transfers one). 0 or -errno. */
  pin(path: string, obj: Pinnable): number {
    const target = this.createName(path, false);
    if (typeof target === "number") return target;
    this.pins.set(target, obj);
    return 0;
  }

  /** The object pinned at `path`, or -errno (EACCES for a directory or a path outside bpffs). */
  get(path: string): ErrOr<Pinnable> {
    const p = this.resolve(path);
    if (typeof p === "number") return ERR(-p);
    return this.pins.get(p) ?? ERR(EACCES);
  }

  /** mkdir(2) under bpffs; 0 or -errno. */
  mkdir(path: string): number {
    const target = this.createName(path, true);
    if (typeof target === "number") return target;
    this.dirs.add(target);
    return 0;
  }

  /**
   * unlink(2) of a pin: removes the name now and drops the pin's reference
   * after a grace period (bpf_free_inode). 0 or -errno: EISDIR for a
   * directory or a "."/".." last component, ENOTDIR for a pin named with a
   * trailing "/", EPERM outside bpffs (the model's host files are read-only).
   */
  unlink(path: string): number {
    const w = this.walk(path);
    if (typeof w === "number") return w;
    if (w.last === "" || w.dots) return -EISDIR;
    const target = join(w.parent, w.last);
    if (!inBpffs(w.parent)) return -EPERM;
    const obj = this.pins.get(target);
    if (obj === undefined) return this.dirs.has(target) ? -EISDIR : -ENOENT;
    if (w.slash) return -ENOTDIR;
    this.pins.delete(target);
    this.rcu.call("rcu", `bpffs ${target} free_inode`, () => putFileObject(obj));
    return 0;
  }

  /** rmdir(2) under bpffs (simple_rmdir): 0 or -errno. */
  rmdir(path: string): number {
    const w = this.walk(path);
    if (typeof w === "number") return w;
    if (w.last === ".") return -EINVAL;
    if (w.last === "..") return -ENOTEMPTY;
    const target = w.last === "" ? w.parent : join(w.parent, w.last);
    if (!inBpffs(target)) return -EPERM;
    if (target === BPFFS_ROOT) return -EBUSY;
    if (this.pins.has(target)) return -ENOTDIR;
    if (!this.dirs.has(target)) return -ENOENT;
    for (const p of [...this.pins.keys(), ...this.dirs]) if (p.startsWith(target + "/")) return -ENOTEMPTY;
    this.dirs.delete(target);
    return 0;
  }

  /** Every pinned path, sorted. */
  list(): string[] {
    return [...this.pins.keys()].sort();
  }
}
