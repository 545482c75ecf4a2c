/**
 * @fileoverview Full unrolling of small counted loops for the JIT's fast
 * code (compile.ts): a natural loop whose trip count is known at compile
 * time is laid out as that many copies of its body, so the loop becomes
 * straight-line code V8 can schedule across iterations (gcc -O2 does the
 * same to CUBIC's 22-step cube root, bench/c/cubic.c).
 *
 * A loop qualifies when: the function is reducible; its header has exactly
 * two predecessors, one forward edge from a preheader and one back edge
 * from its latch; the latch is a conditional jump of the counter register
 * against an immediate (JMP or JMP32, BPF_K) whose other side leaves the
 * loop, and no other block of the loop has an edge out of it (exit and
 * trap blocks may stay inside); the loop contains no call and no other
 * loop; the counter is set by `mov`/`mov32` with an immediate in the
 * preheader, with no later write there, and written in the loop only by
 * one `add`/`sub` (32 or 64-bit) of an immediate in a block that dominates
 * the latch, so every iteration applies it exactly once before the
 * latch's compare. Simulating the counter (with the ALU's wrap-around and
 * the jump's signedness and width, RFC 9669) gives the iterations; at most
 * {@link MAX_TRIP} of a body of at most {@link MAX_BODY} instructions.
 *
 * Copies are blocks with new ids over the same slots, so faults, budget
 * counts and the slow paths see the original instructions: copy k's latch
 * becomes an unconditional edge to copy k + 1's header (the last copy's to
 * the loop's exit), its compare skipped (a compare has no effect). The
 * header is no longer a loop header, so budget.ts bounds the unrolled
 * copies from the check point before them; the checked copy of the
 * function keeps the original graph (its block numbers are those of the
 * original RPO, and every check point of the unrolled graph is an original
 * block).
 */
import { KEY_LDDW } from "../asm/opcodes.js";
import { jumpTaken } from "../asm/jump-cond.js";
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_CLASS, BPF_JMP, BPF_JMP32, BPF_K, BPF_MOV, BPF_OP, BPF_SRC, BPF_SUB, BPF_X,
} from "../uapi/insn.js";
import type { Block, Cfg, Func } from "./cfg.js";
import { buildFunc } from "./cfg.js";
import { useDef } from "./liveness.js";

/** Largest trip count unrolled. */
export const MAX_TRIP = 32;
/** Largest loop body unrolled, in instructions. */
export const MAX_BODY = 40;

/** For measurements and deliberate-breakage checks only: whether to unroll, and what to add to every trip count found (0 in the tree). */
export const unrollTesting = { enabled: true, tripAdjust: 0 };

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;

/** The counter updates a loop may have: add or sub of an immediate, 32 or 64-bit. */
const COUNTER_STEPS: ReadonlySet<number> = new Set([
  BPF_ALU64 | BPF_ADD | BPF_K, BPF_ALU64 | BPF_SUB | BPF_K, BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_K,
]);

const slotsOf = (cfg: Cfg, b: Block): number[] => {
  const out: number[] = [];
  for (let i = b.start; i < b.end; i += cfg.prog.key[i] === KEY_LDDW ? 2 : 1) out.push(i);
  return out;
};

const defs = (cfg: Cfg, pc: number): number => (useDef(cfg.prog, pc, () => 0, 0)[1]);

interface Loop {
  readonly header: number;
  readonly latch: number;
  readonly body: readonly number[];
  readonly exit: number;
  readonly trips: number;
}

/** The counted loop headed by block `h` of `f`, or undefined when it does not qualify. */
function countedLoop(cfg: Cfg, f: Func, h: number): Loop | undefined {
  const order = f.order;
  const preds = f.preds[h] as readonly number[];
  if (preds.length !== 2) return undefined;
  const back = preds.filter((p) => (order[p] as number) >= (order[h] as number));
  const fwd = preds.filter((p) => (order[p] as number) < (order[h] as number));
  if (back.length !== 1 || fwd.length !== 1) return undefined;
  const latch = back[0] as number;
  const pre = fwd[0] as number;
  // The natural loop: blocks reaching the latch without passing the header.
  // The walk stops at the first inner loop or past MAX_BODY instructions
  // (neither qualifies), so nested loops cost their size, not its square.
  const inLoop = new Set<number>([h]);
  const work = [latch];
  let walked = (cfg.blocks[h] as Block).insnCount;
  while (work.length > 0) {
    const b = work.pop() as number;
    if (inLoop.has(b)) continue;
    if (f.loopHeader[b] === 1) return undefined;
    walked += (cfg.blocks[b] as Block).insnCount;
    if (walked > MAX_BODY) return undefined;
    inLoop.add(b);
    for (const p of f.preds[b] as readonly number[]) work.push(p);
  }
  let size = 0;
  for (const id of inLoop) {
    const b = cfg.blocks[id] as Block;
    if (b.term === "call") return undefined;
    if (id !== h && f.loopHeader[id] === 1) return undefined;
    size += b.insnCount;
    if (id === latch) continue;
    for (const s of b.succs) if (!inLoop.has(s) || s === h) return undefined;
  }
  if (size > MAX_BODY) return undefined;
  const lb = cfg.blocks[latch] as Block;
  if (lb.term !== "cond") return undefined;
  const [taken, fall] = lb.succs as [number, number];
  const backTaken = taken === h;
  const exit = backTaken ? fall : taken;
  if (exit === h || inLoop.has(exit)) return undefined;
  const prog = cfg.prog;
  const jpc = slotsOf(cfg, lb).pop() as number;
  const jkey = prog.key[jpc] as number;
  if (BPF_SRC(jkey) === BPF_X) return undefined;
  const cls = BPF_CLASS(jkey);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return undefined;
  const reg = prog.dst[jpc] as number;
  const bit = 1 << reg;
  // The counter's initial value: the preheader's last write.
  let init: bigint | undefined;
  for (const pc of slotsOf(cfg, cfg.blocks[pre] as Block)) {
    if ((defs(cfg, pc) & bit) === 0) continue;
    const key = prog.key[pc] as number;
    const imm = prog.imm[pc] as number;
    if (key === (BPF_ALU64 | BPF_MOV | BPF_K)) init = BigInt(imm) & M64;
    else if (key === (BPF_ALU | BPF_MOV | BPF_K)) init = BigInt(imm) & M32;
    else init = undefined;
  }
  if (init === undefined) return undefined;
  // One add/sub of an immediate in a block dominating the latch.
  let step: { wide: boolean; add: bigint } | undefined;
  for (const id of inLoop) {
    for (const pc of slotsOf(cfg, cfg.blocks[id] as Block)) {
      if ((defs(cfg, pc) & bit) === 0) continue;
      const key = prog.key[pc] as number;
      if (step !== undefined || !COUNTER_STEPS.has(key)) return undefined;
      if (!dominates(f, id, latch)) return undefined;
      const imm = BigInt(prog.imm[pc] as number);
      step = { wide: BPF_CLASS(key) === BPF_ALU64, add: BPF_OP(key) === BPF_SUB ? -imm : imm };
    }
  }
  if (step === undefined) return undefined;
  let v = init;
  for (let k = 1; k <= MAX_TRIP; k++) {
    v = step.wide ? (v + step.add) & M64 : (v + step.add) & M32;
    // The immediate is sign-extended to the compare's width.
    const t = jumpTaken(BPF_OP(jkey), cls === BPF_JMP ? 64 : 32, v, BigInt(prog.imm[jpc] as number));
    if (t === undefined) return undefined;
    if (t !== backTaken) {
      const trips = Math.max(1, k + unrollTesting.tripAdjust);
      return { header: h, latch, body: [...inLoop], exit, trips };
    }
  }
  return undefined;
}

function dominates(f: Func, a: number, b: number): boolean {
  const oa = f.order[a] as number;
  let ob = f.order[b] as number;
  while (ob > oa) ob = f.idom[ob] as number;
  return oa === ob;
}

/**
 * The graph of function `fi` with its counted loops unrolled, or undefined
 * when it has none. Only `blocks` (extended with the copies) and `funcs[fi]`
 * differ from `cfg`.
 */
export function unrollLoops(cfg: Cfg, fi: number): Cfg | undefined {
  const f = cfg.funcs[fi] as Func;
  if (!f.reducible || !unrollTesting.enabled) return undefined;
  const loops: Loop[] = [];
  for (const id of f.rpo) {
    if (f.loopHeader[id] !== 1) continue;
    const l = countedLoop(cfg, f, id);
    if (l !== undefined) loops.push(l);
  }
  if (loops.length === 0) return undefined;
  const blocks: Block[] = cfg.blocks.slice();
  for (const l of loops) {
    // ids[k]: body block id -> id of its copy k (copy 0 keeps the original ids).
    const ids: Map<number, number>[] = [];
    for (let k = 0; k < l.trips; k++) {
      const m = new Map<number, number>();
      for (const id of l.body) m.set(id, k === 0 ? id : blocks.length + m.size);
      if (k > 0) for (let j = 0; j < m.size; j++) blocks.push(cfg.blocks[0] as Block); // placeholders
      ids.push(m);
    }
    for (let k = 0; k < l.trips; k++) {
      const m = ids[k] as Map<number, number>;
      for (const id of l.body) {
        const b = cfg.blocks[id] as Block;
        const nid = m.get(id) as number;
        if (id === l.latch) {
          const to = k + 1 < l.trips ? (ids[k + 1] as Map<number, number>).get(l.header) as number : l.exit;
          blocks[nid] = { ...b, id: nid, term: "ja", succs: [to] };
        } else {
          blocks[nid] = { ...b, id: nid, succs: b.succs.map((s) => m.get(s) as number) };
        }
      }
    }
  }
  const funcs = cfg.funcs.slice();
  funcs[fi] = buildFunc(blocks, f.rpo[0] as number, f.entry);
  if (!(funcs[fi] as Func).reducible) throw new Error("jit: unrolling made a function irreducible");
  return { ...cfg, blocks, funcs };
}
