/**
 * @fileoverview The two error helpers every part of the user API (object,
 * map, program, link, load) calls the kernel through: `fail` throws a
 * BpfError for a refusal decided here, `sys` issues bpf(2) on a Backend and
 * throws a BpfError naming the command, errno and object when the kernel
 * refuses (libbpf's `-errno` returns, KERNEL-SPEC.md §8).
 */
import type { Backend } from "../backend/backend.js";
import { BpfError } from "./errors.js";

/** Throws a BpfError for operation `op` with `errno`, naming `context` and, when given, why (`detail`). */
export function fail(op: string, errno: number, context: string, cause?: unknown, detail?: string): never {
  throw new BpfError(op, errno, context, { ...(cause === undefined ? {} : { cause }), ...(detail === undefined ? {} : { detail }) });
}

/** Calls bpf(2) on `backend` and throws a BpfError naming the operation and object on failure. */
export function sys<C extends Parameters<Backend["bpf"]>[0]>(backend: Backend, cmd: C, attr: Parameters<Backend["bpf"]>[1] & object, context: string): number {
  const r = backend.bpf(cmd, attr as never);
  if (r.errno !== 0) throw BpfError.fromCmd(cmd, r.errno, context);
  return r.ret;
}

/**
 * Removes a bpffs pin (libbpf's bpf_obj__unpin: unlink(2) of the path) and
 * throws a BpfError naming the path when the kernel refuses. The object stays
 * while fds or other pins hold it; the last reference frees it.
 */
export function unpin(backend: Backend, path: string, context: string): void {
  const r = backend.unlink(path);
  if (r.errno !== 0) fail("unlink", r.errno, context);
}
