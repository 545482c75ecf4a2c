/**
 * @fileoverview Iterator links and iterator fds (kernel/bpf/bpf_iter.c):
 * BPF_LINK_CREATE of a BPF_TRACE_ITER program makes a link of type
 * BPF_LINK_TYPE_ITER bound to the program's target (bpf_iter_link_attach);
 * BPF_ITER_CREATE on that link opens an iterator whose reads run the
 * program (bpf_iter_new_fd). The iterator holds the program and the
 * caller's network namespace, not the link.
 *
 * Errnos as Linux 6.18 gives them (probed through the Linux backend):
 * LINK_CREATE with a target_fd or flags is EINVAL; ITER_CREATE with flags,
 * or on an fd that is no iterator link, is EINVAL. BPF_LINK_UPDATE swaps the
 * link's program for another of the same target (bpf_iter_link_replace).
 *
 * @see kernel/bpf/bpf_iter.c bpf_iter_link_attach, bpf_iter_link_replace, bpf_iter_new_fd (v6.18)
 */
import { EINVAL, ENOMEM, EPERM } from "../../uapi/errno.js";
import { BPF_LINK_TYPE_ITER, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from "../../uapi/bpf-enums.js";
import { isErr } from "../errptr.js";
import { KFile, O_CLOEXEC, FMODE_READ } from "../file.js";
import { BpfLink, linkPriv } from "../link/core.js";
import type { LinkOps } from "../link/core.js";
import type { BpfProg, ProgAttrs } from "../prog/core.js";
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";
import { BpfIterSession } from "./session.js";
import type { BpfIterTarget } from "./target.js";

/** struct bpf_iter_link: the target the program iterates. */
interface IterLinkState {
  readonly target: BpfIterTarget;
}

const iterLinkOps: LinkOps<IterLinkState> = {
  dealloc() {},
  /**
   * bpf_iter_link_replace: EPERM when BPF_F_REPLACE names a program the link
   * does not hold; EINVAL unless the new program has the same type, expected
   * attach type and attach BTF id (so the same target). Iterators already
   * open keep the program they hold.
   */
  updateProg(link, newProg, oldProg) {
    const cur = link.prog;
    if (cur === null) return -EINVAL;
    if (oldProg !== null && oldProg !== cur) return -EPERM;
    if (newProg.type !== cur.type || newProg.attrs.expected_attach_type !== cur.attrs.expected_attach_type || newProg.attrs.attach_btf_id !== cur.attrs.attach_btf_id) return -EINVAL;
    link.prog = newProg;
    cur.put();
    return 0;
  },
  showFdinfo(link) {
    return `target_name:\t${linkPriv(link, iterLinkOps).target.target}\n`;
  },
};

/** The iterator target of a BPF_TRACE_ITER tracing program (by its attach_btf_id), or undefined. */
export function progIterTarget(k: Kernel, attrs: ProgAttrs): BpfIterTarget | undefined {
  if (attrs.prog_type !== BPF_PROG_TYPE_TRACING || attrs.expected_attach_type !== BPF_TRACE_ITER) return undefined;
  const name = k.vmlinuxFuncName(attrs.attach_btf_id);
  return name === undefined ? undefined : k.iter.byFuncName(name);
}

/**
 * BPF_LINK_CREATE for a BPF_TRACE_ITER program (`prog`, whose reference
 * moves to the link on success and is put on failure): the link fd or -errno.
 */
export function iterLinkAttach(task: Task, prog: BpfProg, targetFd: number, flags: number): number {
  const k = task.kernel;
  const target = progIterTarget(k, prog.attrs);
  if (targetFd !== 0 || flags !== 0 || target === undefined) {
    prog.put();
    return -EINVAL;
  }
  if (k.failNextAlloc()) {
    prog.put();
    return -ENOMEM;
  }
  const link = new BpfLink(k, BPF_LINK_TYPE_ITER, iterLinkOps, BPF_TRACE_ITER);
  link.priv = { target } satisfies IterLinkState;
  link.prog = prog;
  const primer = k.linkPrime(task, link);
  if (isErr(primer)) {
    link.prog = null;
    prog.put();
    return primer;
  }
  return k.linkSettle(primer);
}

/** BPF_ITER_CREATE: an fd whose reads run the link's program over its target, or -errno. */
export function iterCreate(task: Task, linkFd: number, flags: number): number {
  const k = task.kernel;
  if (flags !== 0) return -EINVAL;
  const link = k.linkGetFd(task, linkFd);
  if (isErr(link)) return link;
  try {
    if (link.ops !== iterLinkOps || link.prog === null) return -EINVAL;
    if (k.failNextAlloc()) return -ENOMEM;
    const prog = link.prog;
    prog.inc();
    const session = new BpfIterSession(k, prog, linkPriv(link, iterLinkOps).target, task.net.get());
    const fd = task.install(new KFile({ kind: "iter", obj: session }, O_CLOEXEC, FMODE_READ, k.anonIno));
    if (fd < 0) session.release();
    return fd;
  } finally {
    link.put();
  }
}
