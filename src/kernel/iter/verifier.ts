/**
 * @fileoverview What the verifier checks in an iterator program
 * (BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER), as Linux 6.18 logs it (probed
 * through the Linux backend with test/fixtures/iter_bad.bpf.c):
 *
 * - the attach target: attach_btf_id 0 is "Tracing programs must provide
 *   btf_id", an id that is no FUNC "attach_btf_id N is not a function", a
 *   FUNC that is no registered `bpf_iter_<target>` EINVAL without a line
 *   (bpf_iter_prog_supported);
 * - context reads (btf_ctx_access): argument i at 8 × i; the first is the
 *   trusted `struct bpf_iter_meta *`, the target's maybe-NULL pointers are
 *   PTR_TO_BTF_ID_OR_NULL | PTR_TRUSTED; past the last argument "func
 *   'bpf_iter_tcp' doesn't have 4-th argument" then "invalid bpf_context
 *   access off=24 size=8"; every store "invalid bpf_context access off=16
 *   size=4" (EACCES);
 * - a maybe-NULL pointer used before its NULL check: "R2 invalid mem access
 *   'trusted_ptr_or_null_'", or passed to a socket helper "R1
 *   type=trusted_ptr_or_null_ expected=sock_common, sock, tcp_sock,
 *   xdp_sock, ptr_, trusted_ptr_" (EACCES); bpf_skc_to_tcp_sock returns an
 *   untrusted maybe-NULL tcp_sock ('ptr_or_null_').
 *
 * @see kernel/bpf/btf.c btf_ctx_access, kernel/bpf/bpf_iter.c bpf_iter_prog_supported (v6.18)
 */
import { EINVAL } from "../../uapi/errno.js";
import {
  BPF_FUNC_getsockopt, BPF_FUNC_setsockopt, BPF_FUNC_skc_to_tcp6_sock, BPF_FUNC_skc_to_tcp_request_sock, BPF_FUNC_skc_to_tcp_sock,
  BPF_FUNC_skc_to_tcp_timewait_sock,
} from "../../uapi/bpf-helpers.js";
import type { CtxPolicy, Val } from "../verifier-btf-access.js";
import type { Kernel } from "../kernel.js";
import type { BpfIterTarget } from "./target.js";
import { iterFuncName } from "./target.js";

/** ARG_PTR_TO_BTF_ID_SOCK_COMMON as the log lists what it accepts. */
const SOCK_COMMON_EXPECTED = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
const SOCK_COMMON_ARG1 = new Set([
  BPF_FUNC_setsockopt, BPF_FUNC_getsockopt, BPF_FUNC_skc_to_tcp_sock, BPF_FUNC_skc_to_tcp6_sock, BPF_FUNC_skc_to_tcp_timewait_sock,
  BPF_FUNC_skc_to_tcp_request_sock,
]);
/** The casts and the struct each returns (PTR_TO_BTF_ID_OR_NULL, not trusted). */
const CASTS = new Map([
  [BPF_FUNC_skc_to_tcp_sock, "tcp_sock"], [BPF_FUNC_skc_to_tcp6_sock, "tcp6_sock"],
  [BPF_FUNC_skc_to_tcp_timewait_sock, "tcp_timewait_sock"], [BPF_FUNC_skc_to_tcp_request_sock, "tcp_request_sock"],
]);

/** check_attach_btf_id for BPF_TRACE_ITER: the target, or -errno with the log line (if any) written through `log`. */
export function checkIterAttach(k: Kernel, attachBtfId: number, log: (line: string) => void): BpfIterTarget | number {
  if (attachBtfId === 0) {
    log("Tracing programs must provide btf_id");
    return -EINVAL;
  }
  const name = k.vmlinuxFuncName(attachBtfId);
  if (name === undefined) {
    log(`attach_btf_id ${attachBtfId} is not a function`);
    return -EINVAL;
  }
  return k.iter.byFuncName(name) ?? -EINVAL;
}

/** The context and helper rules of `target`'s programs. */
export function iterCtxPolicy(target: BpfIterTarget): CtxPolicy {
  const fn = iterFuncName(target.target);
  const bad = (off: number, size: number): string => `invalid bpf_context access off=${off} size=${size}`;
  return {
    load(off, size, pc) {
      const arg = Math.floor(off / 8);
      if (off < 0) return { refused: [bad(off, size)] };
      if (arg >= target.args.length) return { refused: [`func '${fn}' doesn't have ${arg + 1}-th argument`, bad(off, size)] };
      const a = target.args[arg];
      let val: Val = null;
      if (a?.struct !== undefined && off % 8 === 0 && size === 8) {
        val = a.orNull === true ? { k: "ptr", struct: a.struct, off: 0, trusted: true, orNull: pc } : { k: "ptr", struct: a.struct, off: 0, trusted: true };
      }
      return { val };
    },
    store(off, size) {
      return [bad(off, size)];
    },
    helperArg(id, reg) {
      return reg === 1 && SOCK_COMMON_ARG1.has(id) ? SOCK_COMMON_EXPECTED : undefined;
    },
    helperRet(id, pc) {
      const struct = CASTS.get(id);
      return struct === undefined ? null : { k: "ptr", struct, off: 0, orNull: pc };
    },
  };
}
