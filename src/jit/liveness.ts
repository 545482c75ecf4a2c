/**
 * @fileoverview Register liveness across bpf-to-bpf functions, so that a
 * Wasm function takes as parameters only the registers its body reads
 * before writing, and returns only the registers some caller reads after the
 * call.
 *
 * The interpreter's calling convention is the reference: a callee sees every
 * register as the caller left it (r10 excepted: a fresh frame), and after the
 * return r0-r5 hold what the callee left while r6-r9 are the caller's again.
 * A verified program reads only r1-r5 at entry and only r0 after a call; an
 * unverified one may read more, and still gets the interpreter's values.
 *
 * Masks have bit r for register r.
 */
import type { DecodedProg } from "../asm/decode.js";
import { jumpTarget } from "../asm/decode.js";
import {
  KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX, KEY_EXIT, KEY_FALLOFF, KEY_LDDW, KEY_LDDW_CONT,
} from "../asm/opcodes.js";
import type { Block, Cfg } from "./cfg.js";
import { isJa, isJump, isTrap } from "./cfg.js";

/** r1-r5. */
export const ARG_REGS = 0b111110;
/** r0-r5: what a call leaves defined. */
export const CALL_CLOBBER = 0b111111;

/** Function signatures derived from liveness. */
export interface Liveness {
  /** Per function (Cfg.funcs index): registers read before written from its entry, r10 excluded. */
  readonly params: readonly number[];
  /** Per function: registers its callers read after the call (subset of r0-r5). */
  readonly results: readonly number[];
  /** Function index by entry slot. */
  readonly funcOf: ReadonlyMap<number, number>;
}

const bit = (r: number): number => 1 << r;

/** Registers an instruction reads and writes; calls to local functions use `calleeParams`. */
export function useDef(prog: DecodedProg, i: number, calleeParams: (entry: number) => number, exitUse: number): [number, number] {
  const key = prog.key[i] as number;
  const d = prog.dst[i] as number;
  const s = prog.src[i] as number;
  if (key === KEY_LDDW) return [0, bit(d)];
  if (key === KEY_LDDW_CONT || key === KEY_FALLOFF || isTrap(key)) return [0, 0];
  if (key === KEY_EXIT) return [exitUse, 0];
  if (key === KEY_CALL_HELPER || key === KEY_CALL_KFUNC) return [ARG_REGS, bit(0)];
  if (key === KEY_CALLX) return [ARG_REGS | bit(d), bit(0)];
  if (key === KEY_CALL_LOCAL) return [calleeParams(jumpTarget(prog, i) as number), CALL_CLOBBER];
  if (isJump(key)) {
    if (isJa(key)) return [0, 0];
    return [bit(d) | ((key & 0x08) !== 0 ? bit(s) : 0), 0];
  }
  if (key >= 0x120 && key < 0x140) {
    const idx = key & 0x0f;
    if (idx === 9) return [bit(d) | bit(s) | bit(0), bit(0)];
    return [bit(d) | bit(s), idx >= 4 ? bit(s) : 0];
  }
  if (key >= 0x108 && key <= 0x10c) return [bit(s), bit(d)]; // movsx
  if (key >= 0x110 && key <= 0x118) return [bit(d), bit(d)]; // byte swaps
  if (key >= 0x100 && key <= 0x107) return [bit(d) | ((key & 1) !== 0 ? bit(s) : 0), bit(d)]; // sdiv, smod
  const cls = key & 0x07;
  switch (cls) {
    case 1: return [bit(s), bit(d)]; // LDX
    case 2: return [bit(d), 0]; // ST
    case 3: return [bit(d) | bit(s), 0]; // STX
    case 4: case 7: { // ALU, ALU64
      const op = key & 0xf0;
      const x = (key & 0x08) !== 0 ? bit(s) : 0;
      if (op === 0xb0) return [x, bit(d)];
      return [bit(d) | x, bit(d)];
    }
    default: return [0, 0];
  }
}

/** Live-in mask of a block given its live-out mask. */
function blockLive(prog: DecodedProg, b: Block, out: number, params: (entry: number) => number, exitUse: number): number {
  const slots: number[] = [];
  for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) slots.push(i);
  let live = out;
  for (let k = slots.length - 1; k >= 0; k--) {
    const [u, d] = useDef(prog, slots[k] as number, params, exitUse);
    live = (live & ~d) | u;
  }
  return live;
}

/** Computes parameters and results of every function to a fixpoint. */
export function computeLiveness(cfg: Cfg): Liveness {
  const { prog, blocks, funcs } = cfg;
  const funcOf = new Map<number, number>(funcs.map((f, i) => [f.entry, i]));
  const params = funcs.map(() => 0);
  // The run's caller reads r0 of the main function.
  const results = funcs.map((_, i) => (i === 0 ? bit(0) : 0));
  const paramsOf = (entry: number): number => params[funcOf.get(entry) as number] as number;
  for (let changed = true; changed;) {
    changed = false;
    funcs.forEach((f, fi) => {
      const exitUse = bit(0) | (results[fi] as number);
      // A worklist, seeded in postorder: a block's live-in only grows (11
      // register bits), so each block is revisited at most 11 times, however
      // deeply loops nest.
      const liveIn = new Map<number, number>();
      const work: number[] = f.rpo.slice();
      const queued = new Set<number>(work);
      while (work.length > 0) {
        const id = work.pop() as number;
        queued.delete(id);
        const b = blocks[id] as Block;
        let out = 0;
        for (const s of b.succs) out |= liveIn.get(s) ?? 0;
        const li = blockLive(prog, b, out, paramsOf, exitUse);
        if (li === (liveIn.get(id) ?? 0)) continue;
        liveIn.set(id, li);
        for (const p of f.preds[id] as readonly number[]) {
          if (queued.has(p)) continue;
          queued.add(p);
          work.push(p);
        }
      }
      const p = (liveIn.get(f.rpo[0] as number) ?? 0) & ~bit(10);
      if (p !== params[fi]) {
        params[fi] = p;
        changed = true;
      }
      // What callers read after each call: the live-in of the block after the call.
      for (const id of f.rpo) {
        const b = blocks[id] as Block;
        const last = lastSlot(prog, b);
        if (prog.key[last] !== KEY_CALL_LOCAL) continue;
        const callee = funcOf.get(jumpTarget(prog, last) as number) as number;
        const after = (liveIn.get(b.succs[0] as number) ?? 0) & CALL_CLOBBER;
        const r = (results[callee] as number) | after;
        if (r !== results[callee]) {
          results[callee] = r;
          changed = true;
        }
      }
    });
  }
  return { params, results, funcOf };
}

/** The slot of a block's last instruction. */
export function lastSlot(prog: DecodedProg, b: Block): number {
  let last = b.start;
  for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) last = i;
  return last;
}
