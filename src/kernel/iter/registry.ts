/**
 * @fileoverview The kernel's BPF iterator state (kernel/bpf/bpf_iter.c):
 * registered targets (targets list), open sessions by the address of their
 * seq_file (what bpf_seq_printf/bpf_seq_write receive), and the session id
 * counter (bpf_iter_priv_data's
 * session_id, from a global atomic in Linux, per kernel here so that runs
 * are deterministic).
 */
import { KernelBug } from "../bug.js";
import type { BpfIterSession } from "./session.js";
import type { BpfIterTarget } from "./target.js";
import { iterFuncName } from "./target.js";

/** Targets and open iterators of one kernel. */
export class IterRegistry {
  private readonly targets = new Map<string, BpfIterTarget>();
  /** Open sessions by seq_file address. */
  readonly sessions = new Map<number, BpfIterSession>();
  private sessionIds = 0n;

  /** bpf_iter_reg_target. */
  register(t: BpfIterTarget): void {
    if (this.targets.has(t.target)) throw new KernelBug(`bpf_iter target ${t.target} registered twice`);
    this.targets.set(t.target, t);
  }

  /** The target whose FUNC is named `funcName` (bpf_iter_prog_supported), or undefined. */
  byFuncName(funcName: string): BpfIterTarget | undefined {
    for (const t of this.targets.values()) if (iterFuncName(t.target) === funcName) return t;
    return undefined;
  }

  /** The next session id (starts at 1). */
  newSessionId(): bigint {
    return ++this.sessionIds;
  }
}
