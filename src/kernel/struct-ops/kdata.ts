/**
 * @fileoverview The kernel instance of a struct_ops value (`kvalue.data` in
 * kernel/bpf/bpf_struct_ops.c): what the subsystem registers.
 *
 * Its identity is what the subsystem's registry holds, so "is the registered
 * entry the old map's kdata" (tcp_update_congestion_control) is an identity
 * test. Function members hold the programs installed by update_elem; `sub` is
 * the subsystem's adapter, typed by its StructOpsType (for TCP, the
 * TcpCongestionOps that runs them).
 */
import type { BpfProg } from "../prog/core.js";
import type { BpfMap } from "../map/core.js";
import type { StructOpsDesc } from "./desc.js";

/** A struct_ops map's kernel data; `S` is the subsystem's adapter type. */
export class StructOpsKdata<S = unknown> {
  /** The ops struct's bytes as the subsystem sees them (name, flags, ...); function slots zero. */
  readonly data: Uint8Array;
  /** Program per member index (null where the member is NULL or not a function). */
  readonly progs: (BpfProg | null)[];
  /** Subsystem-owned adapter, built by the subsystem from the applied value; cleared on reset. */
  sub: S | undefined = undefined;

  constructor(
    readonly map: BpfMap,
    readonly desc: StructOpsDesc<S>,
  ) {
    this.data = new Uint8Array(desc.dataSize);
    this.progs = desc.members.map(() => null);
  }

  /** The program for member `name`, or null. */
  prog(name: string): BpfProg | null {
    const i = this.memberIndex(name);
    return i < 0 ? null : (this.progs[i] ?? null);
  }

  /** The index of member `name` in {@link progs}, or -1 when the struct has no such member. */
  memberIndex(name: string): number {
    const m = this.desc.members.find((x) => x.name === name);
    return m === undefined ? -1 : m.index;
  }

  /** Clears everything (the reset path of a failed update). */
  reset(): void {
    this.data.fill(0);
    this.progs.fill(null);
    this.sub = undefined;
  }
}
