/**
 * @fileoverview Anonymous-inode files for BPF objects ("bpf-map", "bpf-prog",
 * "bpf-link", "btf", "bpf_iter"), as kernel/bpf/syscall.c creates them with
 * anon_inode_getfile, and the release that runs on the last close.
 *
 * A file holds one reference on its object: a map file one refcnt and one
 * usercnt, a program or link file one refcnt. Several fds may share a file
 * (dup); the object reference is dropped when the file's last fd closes.
 *
 * @see kernel/bpf/syscall.c bpf_map_release, bpf_link_release (v6.18)
 */
import type { BpfMap } from "./map/core.js";
import type { BpfProg } from "./prog/core.js";
import type { BpfLink } from "./link/core.js";
import type { BtfObject } from "./btf-object.js";
import type { KernelSock } from "./kernel.js";
import type { NetNs } from "./netns.js";
import type { BpfIterSession } from "./iter/session.js";

/** f_mode bits the model uses. */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;

/** open(2) flags the model prints in fdinfo (octal). */
export const O_RDONLY = 0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

/** What a file refers to. */
export type FileObject =
  | { readonly kind: "map"; readonly obj: BpfMap }
  | { readonly kind: "prog"; readonly obj: BpfProg }
  | { readonly kind: "link"; readonly obj: BpfLink }
  | { readonly kind: "btf"; readonly obj: BtfObject }
  /** An open BPF iterator (BPF_ITER_CREATE): reads run its program. */
  | { readonly kind: "iter"; readonly obj: BpfIterSession }
  /** Anything else (a terminal, a socket, a namespace): `netns` when it is /proc/<pid>/ns/net, holding a reference; `sock` when it is a socket. */
  | { readonly kind: "other"; readonly obj: string; readonly netns?: NetNs; readonly sock?: KernelSock };

/** An open file description. */
export class KFile {
  /** Number of fds referring to this file. */
  count = 1;
  constructor(
    readonly target: FileObject,
    /** f_flags as fdinfo prints them (access mode | O_CLOEXEC). */
    readonly flags: number,
    /** FMODE_READ | FMODE_WRITE as permitted. */
    readonly mode: number,
    /** Inode number (fdinfo `ino:`), from the kernel's inode counter. */
    readonly ino: number,
  ) {}

  /** Drops an fd's reference; the last one releases the object. */
  fput(): void {
    if (--this.count > 0) return;
    putFileObject(this.target);
  }
}

/** Drops the reference an fd or a pin holds on its object. */
export function putFileObject(t: FileObject): void {
    switch (t.kind) {
      case "map":
        t.obj.putWithUref();
        break;
      case "prog":
        t.obj.put();
        break;
      case "link":
        t.obj.put();
        break;
      case "btf":
        t.obj.put();
        break;
      case "iter":
        t.obj.release();
        break;
      case "other":
        t.netns?.put();
        break;
    }
}
