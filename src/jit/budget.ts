/**
 * @fileoverview Where the JIT checks the instruction budget (compile.ts),
 * so that a run stops with the interpreter's budget fault (vm/interp.ts:
 * one count per executed instruction, a ld_imm64 counting once) at the same
 * slot, with the same side effects, while the fast code checks only at a
 * few points.
 *
 * Check points of a reducible function are its entry block, its loop
 * headers (every cycle of a reducible graph passes through one) and the
 * block after each bpf-to-bpf call that is not inlined (the callee spent an
 * unknown part of the budget). Between two check points a run follows an
 * acyclic path; its bound is the longest such path from the check point, in
 * instructions (a call to an inlined leaf counts the leaf's instructions).
 * At a check point the fast code compares the budget left with the bound:
 * at or above it, no instruction before the next check point can exceed the
 * budget; below it, the run continues in the function's checked copy, which
 * checks every block as the interpreter counts. Counts stay exact: the fast
 * code subtracts them, without a branch, at branches to merges and loops,
 * calls and exits, and every check point is entered with nothing pending.
 */
import type { Block, Cfg, Func } from "./cfg.js";
import { KEY_CALL_LOCAL, KEY_LDDW } from "../asm/opcodes.js";
import { jumpTarget } from "../asm/decode.js";

/**
 * Per block id of function `fi`: the bound checked on entry to a check
 * point, or -1 where the fast code does not check.
 * @param inlinedCount instructions an inlined callee adds at a local call
 *   block (0 when the call is not inlined).
 * @throws {Error} on a cycle without a check point (a JIT bug: the graph must be reducible).
 */
export function budgetBounds(cfg: Cfg, fi: number, inlinedCount: (callBlock: Block) => number | undefined): Int32Array {
  const f = cfg.funcs[fi] as Func;
  const bounds = new Int32Array(cfg.blocks.length).fill(-1);
  const check = new Uint8Array(cfg.blocks.length);
  check[f.rpo[0] as number] = 1;
  const prog = cfg.prog;
  /** Local call blocks whose callee is not inlined, and the inlined count of the rest. */
  const extra = new Map<number, number>();
  for (const id of f.rpo) {
    const b = cfg.blocks[id] as Block;
    if (f.loopHeader[id] === 1) check[id] = 1;
    const last = lastSlot(cfg, b);
    if (b.term === "call" && prog.key[last] === KEY_CALL_LOCAL && jumpTarget(prog, last) !== undefined) {
      const n = inlinedCount(b);
      if (n === undefined) check[b.succs[0] as number] = 1;
      else extra.set(id, n);
    }
  }
  // Longest path to the next check point. Without the edges into check
  // points (loop headers among them) a reducible graph is acyclic and every
  // remaining edge goes forward in reverse postorder, so one pass in reverse
  // RPO sees each successor's distance before its predecessors' (no
  // recursion: programs of a million blocks stay flat).
  const dist = new Float64Array(cfg.blocks.length);
  for (let k = f.rpo.length - 1; k >= 0; k--) {
    const id = f.rpo[k] as number;
    const b = cfg.blocks[id] as Block;
    let tail = 0;
    for (const s of b.succs) {
      if (check[s] === 1) continue;
      if ((f.order[s] as number) <= k) throw new Error(`jit: cycle without a budget check point at block ${s}`);
      const d = dist[s] as number;
      if (d > tail) tail = d;
    }
    const d = b.insnCount + (extra.get(id) ?? 0) + tail;
    dist[id] = d;
    if (check[id] === 1) bounds[id] = Math.min(d, 0x7fffffff);
  }
  return bounds;
}

function lastSlot(cfg: Cfg, b: Block): number {
  let last = b.start;
  for (let i = b.start; i < b.end; i += cfg.prog.key[i] === KEY_LDDW ? 2 : 1) last = i;
  return last;
}
