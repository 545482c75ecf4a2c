/**
 * @fileoverview An open BPF iterator (BPF_ITER_CREATE's fd): a seq_file
 * whose `read(2)` runs the program once per object and returns what it
 * printed (kernel/bpf/bpf_iter.c bpf_seq_read, prepare_seq_file).
 *
 * How reads go, as bpf_seq_read does them: output left from the previous
 * read is returned first; otherwise the program runs for the next objects
 * until the buffered output reaches the read's size or the objects run out.
 * Objects that went away are skipped without using a `seq_num`; each shown
 * object gets the next `seq_num`, starting at 0. After the last object the
 * program runs once more with the object pointer NULL (bpf_iter_tcp_seq_stop
 * `in_stop`), `seq_num` still that of the last object (0 when there was
 * none); later reads return 0. The session holds its program and the
 * reader's network namespace until the fd closes; closing the link does not
 * end it.
 *
 * @see kernel/bpf/bpf_iter.c bpf_seq_read, bpf_iter_get_info (v6.18)
 */
import { E2BIG, EINVAL, EOVERFLOW } from "../../uapi/errno.js";
import { PERM_READ } from "../mem/memory.js";
import type { BpfProg } from "../prog/core.js";
import type { NetNs } from "../netns.js";
import type { Kernel } from "../kernel.js";
import type { BpfIterTarget, IterObject } from "./target.js";

/** The seq_file buffer bpf_seq_read allocates (PAGE_SIZE << 3): one object's output must fit. */
export const BPF_ITER_SEQ_BUF = 4096 << 3;

/** bpf_iter_meta: seq at 0, session_id at 8, seq_num at 16. */
const META_SIZE = 24;

/** An open iterator. */
export class BpfIterSession {
  /** The address programs get as `meta->seq` (an opaque seq_file). */
  readonly seqAddr: number;
  private readonly metaAddr: number;
  private readonly ctxAddr: number;
  readonly sessionId: bigint;
  /** Output not yet returned to a read. */
  private out: number[] = [];
  private objects: readonly IterObject[] | null = null;
  private index = 0;
  private seqNum = 0n;
  private shown = false;
  private done = false;
  private released = false;
  /** Set by a write that did not fit (seq_has_overflowed). */
  overflowed = false;

  constructor(
    readonly kernel: Kernel,
    readonly prog: BpfProg,
    readonly target: BpfIterTarget,
    readonly net: NetNs,
  ) {
    const mem = kernel.mem;
    this.seqAddr = mem.alloc(8, PERM_READ);
    this.metaAddr = mem.alloc(META_SIZE, PERM_READ);
    this.ctxAddr = mem.alloc(8 * (1 + target.args.length), PERM_READ);
    this.sessionId = kernel.iter.newSessionId();
    kernel.iter.sessions.set(this.seqAddr, this);
    mem.dv.setBigUint64(this.metaAddr, BigInt(this.seqAddr), true);
    mem.dv.setBigUint64(this.metaAddr + 8, this.sessionId, true);
    mem.dv.setBigUint64(this.ctxAddr, BigInt(this.metaAddr), true);
  }

  /** bpf_seq_printf/bpf_seq_write: appends to the buffer; -EOVERFLOW (and the overflow mark) when it is full. */
  write(bytes: Uint8Array): number {
    if (this.out.length + bytes.length > BPF_ITER_SEQ_BUF) {
      this.overflowed = true;
      return -EOVERFLOW;
    }
    for (const b of bytes) this.out.push(b);
    return 0;
  }

  /** read(2) of at most `size` bytes: the bytes, or -errno. */
  read(size: number): Uint8Array | number {
    if (!Number.isInteger(size) || size < 0) return -EINVAL;
    if (this.out.length === 0 && !this.done) {
      const r = this.fill(size);
      if (r < 0) return r;
    }
    const n = Math.min(size, this.out.length);
    const bytes = Uint8Array.from(this.out.slice(0, n));
    this.out = this.out.slice(n);
    return bytes;
  }

  /** Runs the program over objects until `size` bytes are buffered or the walk ends. */
  private fill(size: number): number {
    this.objects ??= this.target.objects(this.net);
    while (this.index < this.objects.length) {
      const obj = this.objects[this.index++] as IterObject;
      if (!obj.live()) continue;
      if (this.shown) this.seqNum++;
      this.shown = true;
      const before = this.out.length;
      this.overflowed = false;
      obj.locked(() => this.run(obj));
      if (this.overflowed) {
        // One object's output larger than the whole buffer: bpf_seq_read's E2BIG.
        this.out.length = before;
        if (before === 0) return -E2BIG;
        this.index--;
        return 0;
      }
      if (this.out.length >= size) return 0;
    }
    this.run(null);
    this.done = true;
    return 0;
  }

  private run(obj: IterObject | null): void {
    const dv = this.kernel.mem.dv;
    dv.setBigUint64(this.metaAddr + 16, this.seqNum, true);
    dv.setBigUint64(this.ctxAddr + 8, BigInt(obj?.addr ?? 0), true);
    this.target.args.slice(1).forEach((_, i) => dv.setBigUint64(this.ctxAddr + 16 + 8 * i, obj?.scalars[i] ?? 0n, true));
    this.prog.run(BigInt(this.ctxAddr));
  }

  /** The last close of the fd: the program and the namespace are put, the memory freed. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const mem = this.kernel.mem;
    mem.free(this.ctxAddr);
    mem.free(this.metaAddr);
    mem.free(this.seqAddr);
    this.kernel.iter.sessions.delete(this.seqAddr);
    this.net.put();
    this.prog.put();
  }
}
