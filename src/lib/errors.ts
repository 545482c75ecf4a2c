/**
 * @fileoverview Errors at the library edge (ARCHITECTURE.md, "Errors"):
 * inside the model errnos are values; here they become exceptions that carry
 * the bpf(2) command, the errno and its kernel spelling, with a short
 * lowercase context in cilium's style ("attach struct_ops: create link:
 * EINVAL (22)") and, when known, why.
 */
import { errnoName, formatErrno } from "../uapi/errno.js";
import { BPF_CMD_NAMES } from "../uapi/bpf-enums.js";

/**
 * A bpf(2) (or related syscall) failure. Its message is
 * `<context>: <ERRNO> (<n>)[: <detail>]`, the detail saying why when the
 * kernel logged a reason (a verifier log) or the loader could tell (a
 * struct_ops map without the members its type requires). Branch on `errno`
 * or the class, never on the message.
 */
export class BpfError extends Error {
  override readonly name = "BpfError";
  /** The kernel spelling of the errno, e.g. "EINVAL". */
  readonly errnoName: string;
  /** What was being done ("attach struct_ops map 'x': update element"). */
  readonly context: string;
  /** Why, when known (the verifier's last lines, missing required members); "" otherwise. */
  readonly detail: string;

  constructor(
    /** The command, e.g. "BPF_LINK_UPDATE", or the syscall name. */
    readonly cmd: string,
    /** The positive errno. */
    readonly errno: number,
    context = "",
    options?: { cause?: unknown; detail?: string },
  ) {
    const ctx = context === "" ? cmd.toLowerCase() : context;
    const detail = options?.detail ?? "";
    super(`${ctx}: ${formatErrno(errno)}${detail === "" ? "" : `: ${detail}`}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errnoName = errnoName(errno);
    this.context = ctx;
    this.detail = detail;
  }

  /** The BpfError for a failed bpf(2) command. */
  static fromCmd(cmd: number, errno: number, context?: string, detail?: string): BpfError {
    return new BpfError(BPF_CMD_NAMES.get(cmd) ?? `bpf_cmd ${cmd}`, errno, context, detail === undefined ? undefined : { detail });
  }

  /** Wraps a cause with more context ("attach struct_ops: " + cause context), keeping its errno and detail. */
  static wrap(context: string, cause: BpfError): BpfError {
    return new BpfError(cause.cmd, cause.errno, `${context}: ${cause.context}`, { cause, detail: cause.detail });
  }
}

/**
 * Throws a BpfError for a failed `{ ret, errno }` result, or returns `ret`.
 * @throws {BpfError} when errno is non-zero
 * @example
 * const fd = check(BPF_MAP_CREATE, p.bpf(BPF_MAP_CREATE, attr), "create map");
 */
export function check(cmd: number, r: { ret: number; errno: number }, context?: string): number {
  if (r.errno !== 0) throw BpfError.fromCmd(cmd, r.errno, context);
  return r.ret;
}
