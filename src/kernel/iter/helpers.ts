/**
 * @fileoverview The helpers an iterator program writes its output with
 * (kernel/trace/bpf_trace.c bpf_seq_printf, bpf_seq_write; both GPL-only):
 * they append to the seq_file of the session whose program is running.
 *
 * bpf_seq_printf(seq, fmt, fmt_size, data, data_len): EINVAL for a bad
 * format, data_len not a multiple of 8 or more than 12 arguments;
 * EOVERFLOW when the output does not fit. bpf_seq_write(seq, data, len):
 * EOVERFLOW when it does not fit.
 *
 * @see kernel/trace/bpf_trace.c bpf_seq_printf (v6.18)
 */
import { EFAULT, EINVAL } from "../../uapi/errno.js";
import { BPF_FUNC_seq_printf, BPF_FUNC_seq_write } from "../../uapi/bpf-helpers.js";
import { PERM_READ } from "../mem/memory.js";
import { errU64 } from "../helpers/base.js";
import { bprintf, MAX_BPRINTF_VARARGS } from "../helpers/bprintf.js";
import type { Kernel } from "../kernel.js";

/** Helper ids that only GPL-compatible programs may call (gpl_only in their bpf_func_proto). */
export const ITER_GPL_ONLY_HELPERS: ReadonlySet<number> = new Set([BPF_FUNC_seq_printf, BPF_FUNC_seq_write]);

/** Installs bpf_seq_printf and bpf_seq_write into `k.tracingHelpers`. */
export function installIterHelpers(k: Kernel): void {
  const readable = (a: bigint, n: number): boolean => n === 0 || (a < 2n ** 32n && k.mem.canAccess(Number(a), n, PERM_READ));
  const ret = (r: number): bigint => (r < 0 ? errU64(-r) : 0n);
  k.tracingHelpers.set(BPF_FUNC_seq_printf, (seq, fmt, fmtSize, data, dataLen) => {
    const s = k.iter.sessions.get(Number(seq));
    const n = Number(dataLen);
    if (s === undefined) return errU64(EINVAL);
    if (n % 8 !== 0 || n / 8 > MAX_BPRINTF_VARARGS) return errU64(EINVAL);
    const fs = Number(fmtSize);
    if (fs <= 0 || !readable(fmt, fs) || !readable(data, n)) return errU64(EFAULT);
    const args: bigint[] = [];
    for (let i = 0; i < n; i += 8) args.push(k.mem.dv.getBigUint64(Number(data) + i, true));
    const text = bprintf(k.mem, k.mem.u8.slice(Number(fmt), Number(fmt) + fs), args);
    if (typeof text === "number") return errU64(-text);
    return ret(s.write(new TextEncoder().encode(text)));
  });
  k.tracingHelpers.set(BPF_FUNC_seq_write, (seq, data, len) => {
    const s = k.iter.sessions.get(Number(seq));
    const n = Number(len);
    if (s === undefined) return errU64(EINVAL);
    if (!readable(data, n)) return errU64(EFAULT);
    return ret(s.write(k.mem.u8.slice(Number(data), Number(data) + n)));
  });
}
