/**
 * @fileoverview The control-flow graph the JIT translates: basic blocks of a
 * decoded program, the functions (bpf-to-bpf subprograms) they belong to,
 * and per function the reverse postorder, dominators, loop headers, merge
 * nodes and whether the graph is reducible (the facts the structured
 * lowering in lower.ts needs; dominators by Cooper, Harvey and Kennedy, "A
 * Simple, Fast Dominance Algorithm", 2001).
 *
 * Blocks end at every jump, exit and call (helper, kfunc, bpf-to-bpf), at an
 * instruction that always faults (BPF_LD_ABS/IND), and before every jump
 * target. The falloff sentinel (the slot after the last) is a block of its
 * own. A function is everything reachable from its entry (slot 0 or a call
 * target) without following calls; a block reached from two entries (which
 * only an unverified program does, e.g. by falling into the next subprogram)
 * is simply translated into both functions.
 */
import type { DecodedProg } from "../asm/decode.js";
import { jumpTarget } from "../asm/decode.js";
import {
  KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX, KEY_EXIT, KEY_FALLOFF, KEY_LDDW, KEY_LDDW_CONT,
} from "../asm/opcodes.js";
import { BPF_ABS, BPF_B, BPF_H, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_W } from "../uapi/insn.js";
import { MAX_FUNCS, MAX_GRAPH_CELLS, checkLimit } from "./limits.js";

/** How a block ends. */
export type TermKind =
  | "cond" // conditional jump: succs [taken, fallthrough]
  | "ja" // unconditional jump: succs [target]
  | "exit"
  | "call" // helper, kfunc or bpf-to-bpf call: succs [next]
  | "fall" // ends before a jump target: succs [next]
  | "trap" // always faults (LD_ABS/IND, falloff)
  ;

/** One basic block: slots [start, end), the last being its terminator (unless "fall"). */
export interface Block {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly term: TermKind;
  readonly succs: readonly number[];
  /** Instructions (a ld_imm64 counts once). */
  readonly insnCount: number;
}

/** A bpf-to-bpf function: its entry slot and its blocks in reverse postorder. */
export interface Func {
  readonly entry: number;
  /** Block ids in reverse postorder from the entry block (index = RPO number). */
  readonly rpo: readonly number[];
  /** Block id -> RPO number, -1 when the block is not in this function. */
  readonly order: Int32Array;
  /** Immediate dominator of each block by RPO number (entry: itself). */
  readonly idom: Int32Array;
  readonly reducible: boolean;
  /** By block id: a target of a back edge (from a block it dominates). */
  readonly loopHeader: Uint8Array;
  /** By block id: more than one forward in-edge. */
  readonly merge: Uint8Array;
  /** Predecessors by block id (within this function). */
  readonly preds: readonly (readonly number[])[];
}

/** The whole program's graph. */
export interface Cfg {
  readonly prog: DecodedProg;
  readonly blocks: readonly Block[];
  /** Slot -> id of the block starting there, -1 elsewhere. */
  readonly blockAt: Int32Array;
  /** Function entries: slot 0 first, then call targets in slot order. */
  readonly funcs: readonly Func[];
  /** Slot -> number of instructions after it in its block (for fault instruction counts). */
  readonly after: Int32Array;
}

/** Whether a key is a conditional or unconditional jump (not call or exit). */
export function isJump(key: number): boolean {
  if (key >= 0x100) return false;
  const cls = key & 0x07;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  return key !== KEY_CALL_HELPER && key !== KEY_CALLX && key !== KEY_EXIT;
}

/** Whether a key is an unconditional jump (ja, or ja32 with imm). */
export function isJa(key: number): boolean {
  return key === (BPF_JMP | BPF_JA) || key === (BPF_JMP32 | BPF_JA);
}

/** Whether the instruction always faults (packet loads, which need an skb). */
export function isTrap(key: number): boolean {
  return PACKET_LOADS.has(key);
}

/** The legacy packet loads (BPF_LD | BPF_ABS or BPF_IND, sizes W, H, B). */
const PACKET_LOADS: ReadonlySet<number> = new Set(
  [BPF_ABS, BPF_IND].flatMap((mode) => [BPF_W, BPF_H, BPF_B].map((size) => BPF_LD | mode | size)),
);

function endsBlock(key: number): boolean {
  return isJump(key) || key === KEY_EXIT || key === KEY_CALL_HELPER || key === KEY_CALLX || key === KEY_CALL_KFUNC || key === KEY_CALL_LOCAL
    || isTrap(key) || key === KEY_FALLOFF;
}

/**
 * Builds the graph of a decoded program.
 * @throws {JitLimitError} with more than MAX_FUNCS functions, or more than
 *   MAX_GRAPH_CELLS functions x blocks (limits.ts).
 */
export function buildCfg(prog: DecodedProg): Cfg {
  const n = prog.length;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  leader[n] = 1;
  const entries = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const key = prog.key[i] as number;
    if (key === KEY_LDDW_CONT) continue;
    const next = i + (key === KEY_LDDW ? 2 : 1);
    if (endsBlock(key)) leader[next] = 1;
    const t = jumpTarget(prog, i);
    if (t !== undefined) {
      leader[t] = 1;
      if (key === KEY_CALL_LOCAL) entries.add(t);
    }
  }
  const blockAt = new Int32Array(n + 1).fill(-1);
  const starts: number[] = [];
  for (let i = 0; i <= n; i++) if (leader[i] === 1 && prog.key[i] !== KEY_LDDW_CONT) starts.push(i);
  starts.forEach((s, id) => (blockAt[s] = id));
  const blocks: Block[] = [];
  const after = new Int32Array(n + 1);
  for (let id = 0; id < starts.length; id++) {
    const start = starts[id] as number;
    const end = id + 1 < starts.length ? (starts[id + 1] as number) : n + 1;
    let last = start;
    let count = 0;
    const slots: number[] = [];
    for (let i = start; i < end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) {
      last = i;
      count++;
      slots.push(i);
    }
    slots.forEach((s, k) => (after[s] = count - 1 - k));
    const key = prog.key[last] as number;
    let term: TermKind;
    let succs: number[];
    if (key === KEY_FALLOFF || isTrap(key)) {
      term = "trap";
      succs = [];
    } else if (key === KEY_EXIT) {
      term = "exit";
      succs = [];
    } else if (isJump(key)) {
      const t = blockAt[jumpTarget(prog, last) as number] as number;
      if (isJa(key)) {
        term = "ja";
        succs = [t];
      } else {
        term = "cond";
        succs = [t, blockAt[end] as number];
      }
    } else if (key === KEY_CALL_HELPER || key === KEY_CALLX || key === KEY_CALL_KFUNC || key === KEY_CALL_LOCAL) {
      term = "call";
      succs = [blockAt[end] as number];
    } else {
      term = "fall";
      succs = [blockAt[end] as number];
    }
    blocks.push({ id, start, end, term, succs, insnCount: count });
  }
  // Each function's analysis is sized by the whole graph: bound their number and the product first.
  checkLimit("bpf-to-bpf functions", MAX_FUNCS, entries.size);
  checkLimit("functions x basic blocks", MAX_GRAPH_CELLS, entries.size * blocks.length);
  const funcs = [...entries].sort((a, b) => a - b).map((e) => buildFunc(blocks, blockAt[e] as number, e));
  return { prog, blocks, blockAt, funcs, after };
}

/** The analysis of one function over `blocks` (also used by unroll.ts on a graph with copied blocks). */
export function buildFunc(blocks: readonly Block[], entryBlock: number, entry: number): Func {
  const nb = blocks.length;
  // Iterative DFS for postorder.
  const seen = new Uint8Array(nb);
  const post: number[] = [];
  const stack: [number, number][] = [[entryBlock, 0]];
  seen[entryBlock] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [number, number];
    const b = blocks[top[0]] as Block;
    if (top[1] < b.succs.length) {
      const s = b.succs[top[1]++] as number;
      if (seen[s] === 0) {
        seen[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
  const rpo = post.reverse();
  const order = new Int32Array(nb).fill(-1);
  rpo.forEach((b, i) => (order[b] = i));
  const preds: number[][] = Array.from({ length: nb }, () => []);
  for (const b of rpo) for (const s of (blocks[b] as Block).succs) (preds[s] as number[]).push(b);
  // Dominators (by RPO number).
  const idom = new Int32Array(rpo.length).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a > b) a = idom[a] as number;
      while (b > a) b = idom[b] as number;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 1; i < rpo.length; i++) {
      let d = -1;
      for (const p of preds[rpo[i] as number] as number[]) {
        const pi = order[p] as number;
        if (idom[pi] === -1) continue;
        d = d === -1 ? pi : intersect(pi, d);
      }
      if (d !== idom[i]) {
        idom[i] = d;
        changed = true;
      }
    }
  }
  // Dominance in O(1): pre/post numbers of a walk of the dominator tree (no recursion).
  const dom = treeIntervals(idom);
  const dominates = (a: number, b: number): boolean =>
    (dom.pre[a] as number) <= (dom.pre[b] as number) && (dom.post[b] as number) <= (dom.post[a] as number);
  let reducible = true;
  const loopHeader = new Uint8Array(nb);
  const merge = new Uint8Array(nb);
  for (const b of rpo) {
    let forward = 0;
    for (const p of preds[b] as number[]) {
      if ((order[p] as number) >= (order[b] as number)) {
        loopHeader[b] = 1;
        if (!dominates(order[b] as number, order[p] as number)) reducible = false;
      } else {
        forward++;
      }
    }
    if (forward > 1) merge[b] = 1;
  }
  return { entry, rpo, order, idom, reducible, loopHeader, merge, preds };
}

/**
 * Entry and exit numbers of a depth-first walk of the tree given by parent
 * links (by RPO number; the root is 0, its own parent, and every parent
 * precedes its children): a is an ancestor of b (or b itself) exactly when
 * pre[a] <= pre[b] and post[b] <= post[a].
 */
export function treeIntervals(parent: Int32Array): { pre: Int32Array; post: Int32Array } {
  const n = parent.length;
  // Children of v at kids[first[v] .. first[v + 1]) (a counting sort by parent).
  const first = new Int32Array(n + 1);
  for (let i = 1; i < n; i++) {
    const p = (parent[i] as number) + 1;
    first[p] = (first[p] as number) + 1;
  }
  for (let i = 0; i < n; i++) first[i + 1] = (first[i + 1] as number) + (first[i] as number);
  const fill = first.slice();
  const kids = new Int32Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) {
    const p = parent[i] as number;
    kids[fill[p] as number] = i;
    fill[p] = (fill[p] as number) + 1;
  }
  const pre = new Int32Array(n);
  const post = new Int32Array(n);
  if (n === 0) return { pre, post };
  const stack = new Int32Array(n);
  const next = new Int32Array(n); // next child index to visit, per node
  let sp = 0;
  let clock = 0;
  stack[sp++] = 0;
  pre[0] = clock++;
  next[0] = first[0] as number;
  while (sp > 0) {
    const v = stack[sp - 1] as number;
    const end = first[v + 1] as number;
    if ((next[v] as number) < end) {
      const c = kids[next[v] as number] as number;
      next[v] = (next[v] as number) + 1;
      pre[c] = clock++;
      next[c] = first[c] as number;
      stack[sp++] = c;
    } else {
      post[v] = clock++;
      sp--;
    }
  }
  return { pre, post };
}
