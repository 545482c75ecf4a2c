/**
 * @fileoverview Errors at the library edge (ARCHITECTURE.md, "Errors"):
 * inside the model errnos are values; here they become exceptions that carry
 * the bpf(2) command, the errno and its kernel spelling, with a short
 * lowercase context in cilium's style ("attach struct_ops: create link: EINVAL").
 */
import { errnoName } from "../uapi/errno.js";
import { BPF_CMD_NAMES } from "../uapi/bpf-enums.js";

/** A bpf(2) (or related syscall) failure. Branch on `errno` or the class, never on the message. */
export class BpfError extends Error {
  override readonly name = "BpfError";
  /** The kernel spelling of the errno, e.g. "EINVAL". */
  readonly errnoName: string;

  constructor(
    /** The command, e.g. "BPF_LINK_UPDATE", or the syscall name. */
    readonly cmd: string,
    /** The positive errno. */
    readonly errno: number,
    context = "",
    options?: { cause?: unknown },
  ) {
    const n = errnoName(errno);
    super(`${context === "" ? cmd.toLowerCase() : context}: ${n}`, options);
    this.errnoName = n;
  }

  /** The BpfError for a failed bpf(2) command. */
  static fromCmd(cmd: number, errno: number, context?: string): BpfError {
    return new BpfError(BPF_CMD_NAMES.get(cmd) ?? `bpf_cmd ${cmd}`, errno, context);
  }

  /** Wraps a cause with more context ("attach struct_ops: " + cause message). */
  static wrap(context: string, cause: BpfError): BpfError {
    return new BpfError(cause.cmd, cause.errno, `${context}: ${cause.message.replace(/: [A-Z0-9]+$/, "")}`, { cause });
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
