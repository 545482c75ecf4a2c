/**
 * @fileoverview The BTF verifier's log as BPF_BTF_LOAD hands it back
 * (kernel/bpf/log.c: bpf_vlog_init, bpf_verifier_vlog, bpf_vlog_finalize).
 *
 * Every message is counted whole (len_max: the text plus its NUL, what
 * `btf_log_true_size` reports); what reaches the user buffer depends on the
 * mode: BPF_LOG_FIXED keeps the first `log_size - 1` bytes, the default
 * rotating mode keeps the last `log_size - 1` bytes, both NUL-terminated.
 * A log longer than the buffer turns the load into -ENOSPC.
 *
 * Not modelled: the per-message 1024-byte cap of the kernel's scratch buffer
 * (BPF_VERIFIER_TMP_LOG_SIZE); BTF messages are far shorter.
 */

/** BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED. */
export const BPF_LOG_MASK = 0xf;
/** Keep the head of an overlong log instead of its tail. */
export const BPF_LOG_FIXED = 8;

const encoder = new TextEncoder();

/** One verifier log (struct bpf_verifier_log). */
export class BtfVerifierLog {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  constructor(
    readonly level: number,
    /** Size of the user buffer (0: no buffer). */
    readonly lenTotal: number,
    /** Whether the user gave a buffer pointer. */
    readonly hasBuf: boolean,
  ) {}

  /** bpf_verifier_log_attr_valid: false means -EINVAL before anything is parsed. */
  valid(): boolean {
    if (this.hasBuf !== (this.lenTotal !== 0)) return false;
    if (this.hasBuf && this.level === 0) return false;
    if (this.level & ~BPF_LOG_MASK) return false;
    return this.lenTotal <= 0xffffffff >>> 2;
  }

  /** bpf_verifier_log_needed. */
  get needed(): boolean {
    return this.level !== 0;
  }

  /** Appends `text` (no newline added) when a log was asked for. */
  write(text: string): void {
    if (!this.needed) return;
    const b = encoder.encode(text);
    this.chunks.push(b);
    this.length += b.length;
  }

  /** The whole text logged so far (every message, not just what fits). */
  get text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  private bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /**
   * bpf_vlog_finalize: what the user buffer receives (NUL-terminated; null
   * when nothing is written), the true size, and -ENOSPC when truncated.
   */
  finalize(): { out: Uint8Array | null; trueSize: number; truncated: boolean } {
    if (this.level === 0) return { out: null, trueSize: 0, truncated: false };
    const trueSize = this.length + 1;
    if (!this.hasBuf) return { out: null, trueSize, truncated: false };
    const all = this.bytes();
    const keep = Math.min(all.length, this.lenTotal - 1);
    const out = new Uint8Array(keep + 1);
    out.set(this.level & BPF_LOG_FIXED ? all.subarray(0, keep) : all.subarray(all.length - keep));
    return { out, trueSize, truncated: trueSize > this.lenTotal };
  }
}
