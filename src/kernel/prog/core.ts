/**
 * @fileoverview `struct bpf_prog` and its lifetime (kernel/bpf/syscall.c:
 * bpf_prog_put, __bpf_prog_put_rcu; kernel/bpf/core.c bpf_prog_free).
 *
 * A loaded program holds references on the maps it uses (`used_maps`). When
 * its last reference goes its ID is released and, after an RCU grace period,
 * the maps are put and the engine's prepared code disposed. Programs run only
 * through the kernel's {@link ProgRunner}: `run` catches a {@link BpfFault},
 * logs it like a kernel warning and returns 0, so a misbehaving program can
 * never corrupt the model.
 *
 * @see kernel/bpf/syscall.c __bpf_prog_put (v6.18)
 */
import { Refcount } from "../refcount.js";
import { BpfFault } from "./runner.js";
import type { PreparedProg } from "./runner.js";
import type { BpfMap } from "../map/core.js";
import type { Kernel } from "../kernel.js";

/** What BPF_PROG_LOAD recorded about a program. */
export interface ProgAttrs {
  readonly prog_type: number;
  readonly expected_attach_type: number;
  readonly attach_btf_id: number;
  readonly attach_btf_obj_id: number;
  readonly prog_name: string;
  readonly license: string;
  readonly gpl_compatible: boolean;
  readonly prog_flags: number;
  readonly btf_id: number;
}

/** A loaded BPF program. */
export class BpfProg {
  id = 0;
  readonly refcnt: Refcount;
  /** 8-byte tag (bpf_prog_calc_tag, 6.18: the first 8 bytes of the SHA-256 of the instructions with map fds cleared), as hex. */
  tag = "";
  /** Instructions after load-time fixups (what GET_INFO's xlated_prog_insns returns). */
  xlated: Uint8Array = new Uint8Array(0);
  /** Instructions as the user passed them, with pseudo map fds zeroed (for the tag). */
  orig: Uint8Array = new Uint8Array(0);
  /** Maps the program references; each holds one map reference. */
  readonly usedMaps: BpfMap[] = [];
  /** The engine's prepared form, made on first run. */
  prepared: PreparedProg | null = null;
  /** Completed runs (bpf_prog_stats' cnt, always counted in the model: one increment, no clock read). */
  runCnt = 0;
  /** Faulted runs. */
  faults = 0;
  /** The first fault of this program (its kind, instruction index and message), kept so a run can report it. */
  firstFault: BpfFault | null = null;
  /** Load time in simulated ns (bpf_prog_info.load_time). */
  loadTime = 0n;
  /** UID that loaded it. */
  uid = 0;
  freed = false;

  constructor(
    readonly kernel: Kernel,
    readonly attrs: ProgAttrs,
  ) {
    this.refcnt = new Refcount(1, `prog ${attrs.prog_name || "(anon)"}`);
  }

  get type(): number {
    return this.attrs.prog_type;
  }

  /** bpf_prog_inc. */
  inc(): void {
    this.refcnt.inc();
  }

  /** bpf_prog_inc_not_zero. */
  incNotZero(): boolean {
    return this.refcnt.incNotZero();
  }

  /** bpf_prog_put: the last reference releases the ID and frees after a grace period. */
  put(): void {
    if (!this.refcnt.decAndTest()) return;
    this.kernel.progIdr.remove(this.id);
    this.kernel.rcu.call("rcu", `prog ${this.id} free`, () => this.free());
  }

  private free(): void {
    for (const m of this.usedMaps) m.put();
    this.usedMaps.length = 0;
    this.prepared?.dispose();
    this.prepared = null;
    this.freed = true;
    this.kernel.liveProgs.delete(this);
  }

  /**
   * The engine's prepared form, made on first run (the model's
   * bpf_prog_select_runtime): what the engine reports, e.g. that the JIT
   * refused the program and it runs on the interpreter, goes to dmesg.
   */
  private prepare(): PreparedProg {
    const name = this.attrs.prog_name || String(this.id);
    return this.kernel.runner.prepare(this.kernel.progImage(this), {
      insnBudget: this.kernel.insnBudget,
      log: (msg) => this.kernel.dmesg.log("info", `bpf: prog ${name} (id ${this.id}): ${msg}`),
    });
  }

  /**
   * Runs the program with r1 (usually the ctx pointer). A fault is logged to
   * dmesg and the run returns 0.
   */
  run(r1: bigint, r2 = 0n): bigint {
    try {
      const r0 = (this.prepared ??= this.prepare()).run(r1, r2);
      this.runCnt++;
      return r0;
    } catch (e) {
      this.fault(e);
      return 0n;
    }
  }

  /**
   * {@link run} with r1 = `ctx` (a kernel address) and r2 = 0, returning
   * r0's low 32 bits: how the struct_ops trampoline calls a hook, with no
   * BigInt either way (PreparedProg.runCtx).
   */
  runCtx(ctx: number): number {
    try {
      const r0 = (this.prepared ??= this.prepare()).runCtx(ctx);
      this.runCnt++;
      return r0;
    } catch (e) {
      this.fault(e);
      return 0;
    }
  }

  /** A run threw: a BpfFault is counted and logged, anything else propagates. */
  private fault(e: unknown): void {
    if (!(e instanceof BpfFault)) throw e;
    this.faults++;
    if (this.firstFault === null) {
      this.firstFault = e;
      this.kernel.faultedProgs.push(this);
    }
    this.kernel.dmesg.log("warn", `bpf: prog ${this.attrs.prog_name || this.id} (id ${this.id}) faulted at insn ${e.pc}: ${e.message}`);
  }
}
