/**
 * @fileoverview A program of an opened BPF object (libbpf's bpf_program,
 * LANDSCAPE.md 2.1, KERNEL-SPEC.md §8): its autoload switch before load, the
 * struct_ops binding and final instructions the load sequence (load.ts)
 * records, and after load its fd, info (BPF_OBJ_GET_INFO_BY_FD) and pinning
 * (BPF_OBJ_PIN).
 */
import { BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN } from "../uapi/bpf-enums.js";
import { EINVAL } from "../uapi/errno.js";
import { decodeProgInfo, PROG_INFO_LAYOUT } from "../uapi/info.js";
import type { BpfProgInfo } from "../uapi/info.js";
import type { ProgramSpec } from "../obj/spec.js";
import { fail, sys, unpin } from "./bpf-call.js";
import type { BpfObject } from "./object.js";

/** A program of an object (libbpf's bpf_program). */
export class BpfObjectProgram {
  private fdValue = -1;
  /** attach_btf_id / expected_attach_type chosen by struct_ops preparation. */
  attachBtfId = 0;
  /** The struct_ops (type, member) this program was bound to, for the reuse rule. */
  boundTo: string | undefined;
  /** The verifier log of the last load attempt, when one was asked for. */
  log = "";
  /** The instructions given to BPF_PROG_LOAD (after CO-RE and relocations). */
  finalInsns: Uint8Array | undefined;

  constructor(readonly obj: BpfObject, readonly spec: ProgramSpec) {}

  get name(): string {
    return this.spec.name;
  }
  get fd(): number {
    return this.fdValue;
  }
  /** @internal */
  setFd(fd: number): void {
    this.fdValue = fd;
  }
  get autoload(): boolean {
    return this.spec.autoload;
  }

  /** bpf_program__set_autoload: only before load. */
  setAutoload(on: boolean): void {
    this.obj.assertNotLoaded("set autoload", this.name);
    this.spec.autoload = on;
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the program. */
  info(): BpfProgInfo {
    if (this.fdValue < 0) fail("BPF_OBJ_GET_INFO_BY_FD", EINVAL, `info of program '${this.name}': not loaded`);
    const info = new Uint8Array(PROG_INFO_LAYOUT.size);
    sys(this.obj.backendOrThrow(), BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: this.fdValue, info_len: info.length, info }, `info of program '${this.name}'`);
    return decodeProgInfo(info);
  }

  /** BPF_OBJ_PIN of the program. */
  pin(path: string): void {
    if (this.fdValue < 0) fail("BPF_OBJ_PIN", EINVAL, `pin program '${this.name}': not loaded`);
    sys(this.obj.backendOrThrow(), BPF_OBJ_PIN, { pathname: path, bpf_fd: this.fdValue }, `pin program '${this.name}' at ${path}`);
  }

  /** bpf_program__unpin: unlink(2) of the pin at `path`. */
  unpin(path: string): void {
    unpin(this.obj.backendOrThrow(), path, `unpin program '${this.name}' from ${path}`);
  }
}
