/**
 * @fileoverview A program of an opened BPF object (libbpf's bpf_program,
 * LANDSCAPE.md 2.1, KERNEL-SPEC.md §8): its autoload switch before load, the
 * struct_ops binding (attach_btf_id, expected_attach_type) and final
 * instructions the load sequence (load.ts) records, and after load its fd,
 * info (BPF_OBJ_GET_INFO_BY_FD) and pinning (BPF_OBJ_PIN). Every choice lives
 * here; the ProgramSpec it starts from is never written.
 */
import { BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN } from "../uapi/bpf-enums.js";
import { EINVAL } from "../uapi/errno.js";
import { decodeProgInfo, PROG_INFO_LAYOUT } from "../uapi/info.js";
import type { BpfProgInfo } from "../uapi/info.js";
import type { ProgramSpec } from "../obj/spec.js";
import { fail, sys, unpin } from "./bpf-call.js";
import type { OwnedFd } from "./fd.js";
import type { BpfObject } from "./object.js";

/** A program of an object (libbpf's bpf_program). */
export class BpfObjectProgram {
  private owned: OwnedFd | undefined;
  private autoloadValue: boolean;
  /** attach_btf_id chosen by struct_ops preparation (0: none). */
  attachBtfId = 0;
  /** expected_attach_type given to BPF_PROG_LOAD: the spec's, or a struct_ops member index chosen at load. */
  expectedAttachType: number;
  /** The struct_ops (type, member) this program was bound to, for the reuse rule. */
  boundTo: string | undefined;
  /** The verifier log of the last load attempt, when one was asked for. */
  log = "";
  /** The instructions given to BPF_PROG_LOAD (after CO-RE and relocations). */
  finalInsns: Uint8Array | undefined;

  constructor(readonly obj: BpfObject, readonly spec: ProgramSpec) {
    this.autoloadValue = spec.autoload;
    this.expectedAttachType = spec.expectedAttachType;
  }

  get name(): string {
    return this.spec.name;
  }
  /** The program fd after load, or -1 (libbpf's bpf_program__fd). */
  get fd(): number {
    return this.owned === undefined ? -1 : this.owned.raw;
  }
  /** @internal The fd a load opened; the program owns it until {@link release}. */
  adopt(fd: OwnedFd): void {
    this.owned = fd;
  }
  /** @internal Closes the fd (if any) and forgets the load's choices (libbpf's bpf_program__unload). */
  release(): void {
    this.owned?.close();
    this.owned = undefined;
    this.attachBtfId = 0;
    this.expectedAttachType = this.spec.expectedAttachType;
    this.boundTo = undefined;
  }
  get autoload(): boolean {
    return this.autoloadValue;
  }

  /** bpf_program__set_autoload: only before load. */
  setAutoload(on: boolean): void {
    this.obj.assertNotLoaded("set autoload", this.name);
    this.autoloadValue = on;
  }

  /** @internal The load sequence's decision (libbpf's struct_ops autoload rule), before the object is loaded. */
  decideAutoload(on: boolean): void {
    this.autoloadValue = on;
  }

  /** BPF_OBJ_GET_INFO_BY_FD on the program. */
  info(): BpfProgInfo {
    if (this.owned === undefined) fail("BPF_OBJ_GET_INFO_BY_FD", EINVAL, `info of program '${this.name}': not loaded`);
    const info = new Uint8Array(PROG_INFO_LAYOUT.size);
    sys(this.obj.backendOrThrow(), BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: this.owned.raw, info_len: info.length, info }, `info of program '${this.name}'`);
    return decodeProgInfo(info);
  }

  /** BPF_OBJ_PIN of the program. */
  pin(path: string): void {
    if (this.owned === undefined) fail("BPF_OBJ_PIN", EINVAL, `pin program '${this.name}': not loaded`);
    sys(this.obj.backendOrThrow(), BPF_OBJ_PIN, { pathname: path, bpf_fd: this.owned.raw }, `pin program '${this.name}' at ${path}`);
  }

  /** bpf_program__unpin: unlink(2) of the pin at `path`. */
  unpin(path: string): void {
    unpin(this.obj.backendOrThrow(), path, `unpin program '${this.name}' from ${path}`);
  }
}
