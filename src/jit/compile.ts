/**
 * @fileoverview Translates a decoded eBPF program into a WebAssembly module:
 * one Wasm function per bpf-to-bpf function (cfg.ts), a `main` entry, and
 * imports for the kernel memory, helpers, kfuncs and fault reporters.
 *
 * Control flow (reducible functions): the structured lowering of Norman
 * Ramsey, "Beyond Relooper: Recursive Translation of Unstructured Control
 * Flow to Structured Control Flow" (ICFP 2022). Walking the dominator tree,
 * a block that is a loop header is wrapped in a Wasm `loop`; the dominator
 * children that are merge nodes (several forward in-edges) follow the block
 * inside nested `block`s, innermost first in reverse postorder; a forward
 * edge to a merge node is a `br` to the end of its `block`, a back edge a
 * `br` to the header's `loop`, and any other edge places the target's code
 * right there. Straight-line code stays straight. The fast code lowers a
 * graph whose small counted loops are fully unrolled (unroll.ts). Irreducible functions
 * (possible only in unverified programs) fall back to a `loop` with a
 * `br_table` over their basic blocks.
 *
 * Budget: the fast code counts instructions at compile time along straight
 * paths (`pending`) and subtracts them from the local `rem` only before a
 * branch to a label (merge nodes, loops), a loop entry, a call and an exit;
 * a fault import gets `rem - pending` (exact). The checked code subtracts
 * each block's count on entry. The fast code compares only at the check points of budget.ts and,
 * with less left than the bound there, continues in the function's checked
 * copy (a `br_table` dispatch entered at that block; the copies are a second
 * module, translateChecked, which the runner compiles only when a run first
 * needs it, docs/jit.md), where every block
 * checks: when `rem` goes negative, a slow copy of the block runs its
 * instructions up to its last memory access, stopping with the budget fault
 * at exactly the instruction where a per-instruction counter would have
 * stopped (vm/segments.ts does the same in the interpreter), so the faults
 * and side effects before it are those of the interpreter.
 *
 * Calls: a bpf-to-bpf call passes the registers the callee reads (liveness.ts),
 * the frame pointer of the new frame, the call depth and `rem`, and receives
 * the registers callers read plus `rem`. The caller checks the depth against
 * MAX_CALL_FRAMES and opens and closes the callee's frame in the permission
 * shadow as vm/stack.ts does, unless the callee is frameless (frames.ts);
 * a frameless callee of one block is inlined at the call instead. Helpers and kfuncs are imports taking r1-r5,
 * the call's slot and `rem`, returning r0. One with a narrow form (runner.ts BpfNarrowCall, named in
 * {@link TranslateOptions.narrow}) has a second import on i32s, called when the high halves of the
 * arguments it reads are zero: no BigInt is made on that call, either way.
 */
import type { DecodedProg } from "../asm/decode.js";
import { jumpTarget } from "../asm/decode.js";
import { KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX, KEY_LDDW } from "../asm/opcodes.js";
import { GRANULE_SHIFT, PERM_RW, memoryMaxPages } from "../kernel/mem/memory.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
import { STACK_GUARD } from "../vm/stack.js";
import type { Block, Cfg, Func } from "./cfg.js";
import { buildCfg } from "./cfg.js";
import { emitCondition, emitInsn, matchRotate } from "./emit-insn.js";
import type { InsnEnv } from "./emit-insn.js";
import { budgetBounds } from "./budget.js";
import { isMemKey, stackReach } from "../vm/stack-reach.js";
import { framelessFuncs, inlineLeaf } from "./frames.js";
import { unrollLoops } from "./unroll.js";
import { MAX_JIT_INSNS, V8_MAX_BR_TABLE, V8_MAX_FUNCTION_BYTES, checkLimit } from "./limits.js";
import { computeLiveness, useDef } from "./liveness.js";
import type { Liveness } from "./liveness.js";
import { Code, I32, I64, WasmModule } from "../wasm/index.js";
import type { Label, ValType } from "../wasm/index.js";

/** Distance between the tops of consecutive stack frames (vm/stack.ts). */
export const FRAME_STRIDE = MAX_BPF_STACK + STACK_GUARD;

/** The import module name. */
export const IMPORT_MODULE = "k";

/** A translated program and what the runner must supply to instantiate it. */
export interface Translation {
  readonly module: WasmModule;
  readonly cfg: Cfg;
  /** Helper ids, in import order (import names `helper_<id>`). */
  readonly helperIds: readonly number[];
  /** Kfunc BTF ids, in import order (import names `kfunc_<id>`). */
  readonly kfuncIds: readonly number[];
  /** Helper ids also imported in their narrow form (`helper_<id>_narrow`: low halves of r1-r5, pc, rem -> r0 as an i32). */
  readonly narrowHelperIds: readonly number[];
  /** Kfunc BTF ids also imported in their narrow form (`kfunc_<id>_narrow`). */
  readonly narrowKfuncIds: readonly number[];
  /** Whether the module imports `callx` (id, r1-r5, pc, rem): the program has a callx instruction. */
  readonly callx: boolean;
  /** Bytes below frame 0's top a run may dirty (frames.ts): what the next run must zero when it used only frame 0. */
  readonly stackReach: number;
  /** Whether the program has bpf-to-bpf calls that open frames (then `main` tracks the deepest in `max_depth`). */
  readonly tracksDepth: boolean;
  /** Imports of the checked copies, one per reducible function (their module: {@link translateChecked}). */
  readonly checkedNames: readonly string[];
}

/**
 * What the runner keeps of a translation once its module is compiled: the
 * module's code (the bulk of a translation's memory) is dropped, so a cached
 * entry holds the compiled WebAssembly.Module and this, and the translator's
 * garbage dies young; the text or bytes are made again when asked for
 * (translation is deterministic).
 */
export type TranslationInfo = Omit<Translation, "module">;

/**
 * Where the entries leave what a normal exit returns besides an i32 result,
 * at frame 0's top (the first bytes of the guard above it, which no program
 * access can reach; the runner reads and re-zeroes them): the deepest frame
 * opened (an i32, when the program opens frames), and r0 (an i64, `main`
 * only) when it does not fit the result. The budget left is in the `rem`
 * global.
 */
export const EXIT_MAX_DEPTH = 4;
export const EXIT_R0 = 8;

/** Options of {@link translate}. */
export interface TranslateOptions {
  /** KernelMemory.maxBytes of the memory the program runs in. */
  readonly maxBytes: number;
  /** Pages the imported memory has at least (its current size). */
  readonly minPages: number;
  /** The helpers and kfuncs (by id) that have a narrow form, with its arity: see {@link narrowKey}. */
  readonly narrow?: NarrowCalls;
}

/** Helper and kfunc ids whose call table entry has a narrow form (runner.ts BpfNarrowCall), each with its arity. */
export interface NarrowCalls {
  readonly helpers: ReadonlyMap<number, number>;
  readonly kfuncs: ReadonlyMap<number, number>;
}

/** The narrow forms as a string, part of the compile cache's key (the code differs with them). */
export function narrowKey(n: NarrowCalls | undefined): string {
  if (n === undefined) return "";
  const list = (m: ReadonlyMap<number, number>): string => [...m].sort((a, b) => a[0] - b[0]).map(([id, a]) => `${id >>> 0}/${a}`).join(",");
  return `h${list(n.helpers)};k${list(n.kfuncs)}`;
}

interface Imports {
  memFault: number;
  budget: number;
  stackFault: number;
  insnFault: number;
  helpers: Map<number, number>;
  kfuncs: Map<number, number>;
  /** Narrow imports by id: function index and the arity of the form. */
  narrowHelpers: Map<number, { readonly fn: number; readonly arity: number }>;
  narrowKfuncs: Map<number, { readonly fn: number; readonly arity: number }>;
  /** The `callx` import (the helper id as its first argument), when the program has a callx; else -1. */
  callx: number;
}

const lastSlotOf = (prog: DecodedProg, b: Block): number => {
  let last = b.start;
  for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) last = i;
  return last;
};

const regMaskList = (mask: number): number[] => {
  const out: number[] = [];
  for (let r = 0; r <= 10; r++) if ((mask & (1 << r)) !== 0) out.push(r);
  return out;
};

/** Compiles one bpf-to-bpf function. */
class FuncCompiler implements InsnEnv {
  readonly code: Code;
  readonly prog: DecodedProg;
  readonly fp: number;
  readonly depth: number;
  readonly rem: number;
  readonly a32: number;
  readonly t32: number;
  readonly t64: number;
  readonly memFault: number;
  readonly maxBytes: number;
  private readonly regs: number[] = [];
  private readonly results: number[];
  private readonly loops = new Map<number, Label>();
  private readonly follows = new Map<number, Label>();
  private readonly domChildren: number[][];
  private next = -1;
  /** Steps of the structured lowering still to run (see drain). */
  private readonly work: (() => void)[] = [];
  /** Whether this function's caller skips opening its frame (frames.ts). */
  private readonly frameless: boolean;
  /** Emitting an inlined callee (frames.ts): faults open the frame at depth + 1. */
  private inlining = false;
  /** Locals standing in for r6-r9 inside inlined callees, by register. */
  private readonly inlineRegs: number[] = [];
  /** Whether every block checks the budget (the checked copy, or an irreducible function). */
  private readonly perBlock: boolean;
  /** The checked copy's `start` parameter (RPO number of the first block), or -1. */
  private readonly start: number = -1;
  /** The graph lowered: the fast code's has its counted loops unrolled (unroll.ts). */
  private readonly g: Cfg;
  /** Budget bounds by block id (budget.ts), fast code only. */
  private readonly bounds: Int32Array | undefined;
  /**
   * Instructions counted along the current straight path but not yet
   * subtracted from `rem` (fast code only; always 0 in checked code).
   */
  private pending = 0;

  constructor(
    private readonly cfg: Cfg,
    private readonly live: Liveness,
    private readonly fi: number,
    private readonly imp: Imports,
    private readonly funcIndex: readonly number[],
    private readonly maxDepthGlobal: number,
    maxBytes: number,
    private readonly framelessOf: readonly boolean[],
    /** Wasm function index of each function's checked copy (undefined: none, the function checks every block). */
    private readonly checkedIndex: readonly (number | undefined)[],
    checked: boolean,
  ) {
    this.frameless = framelessOf[fi] === true;
    this.prog = cfg.prog;
    this.maxBytes = maxBytes;
    this.memFault = imp.memFault;
    // The checked copy takes r0-r9 and where to start; the fast code only the registers its entry reads.
    const params = checked ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : regMaskList(live.params[fi] as number);
    this.results = regMaskList(live.results[fi] as number);
    const types: ValType[] = [...params.map((): ValType => I64), I32, I32, I32];
    const names = [...params.map((r) => `r${r}`), "fp", "depth", "rem"];
    if (checked) {
      types.push(I32);
      names.push("start");
      this.start = params.length + 3;
    }
    this.code = new Code(types, [...this.results.map((): ValType => I64), I32], names);
    params.forEach((r, i) => (this.regs[r] = i));
    this.fp = params.length;
    this.depth = params.length + 1;
    this.rem = params.length + 2;
    this.perBlock = checked || checkedIndex[fi] === undefined;
    this.g = this.perBlock ? cfg : unrollLoops(cfg, fi) ?? cfg;
    this.bounds = this.perBlock ? undefined : budgetBounds(this.g, fi, (b) => {
      const target = jumpTarget(this.prog, lastSlotOf(this.prog, b)) as number;
      const leaf = inlineLeaf(cfg, live.funcOf.get(target) as number, framelessOf);
      return leaf?.insnCount;
    });
    for (let r = 0; r <= 10; r++) if (this.regs[r] === undefined) this.regs[r] = this.code.local(I64, `r${r}`);
    this.a32 = this.code.local(I32, "a");
    this.t32 = this.code.local(I32, "t32");
    this.t64 = this.code.local(I64, "t64");
    const f = this.func;
    this.domChildren = f.rpo.map(() => []);
    for (let i = 1; i < f.rpo.length; i++) (this.domChildren[f.idom[i] as number] as number[]).push(i);
  }

  private get func(): Func {
    return this.g.funcs[this.fi] as Func;
  }

  reg(r: number): number {
    return this.regs[r] as number;
  }

  pushRem(): void {
    this.code.get(this.rem);
    if (this.pending !== 0) this.code.i32(this.pending).op("i32.sub");
  }

  /** Subtracts the pending count from `rem`: before a branch to a label, a call, a loop. */
  private flush(): void {
    if (this.pending === 0) return;
    this.code.get(this.rem).i32(this.pending).op("i32.sub").set(this.rem);
    this.pending = 0;
  }

  pushOpen(): void {
    if (this.inlining) this.code.get(this.depth).i32(1).op("i32.add");
    else if (this.frameless) this.code.get(this.depth);
    else this.code.i32(0);
  }

  compile(): Code {
    const c = this.code;
    c.get(this.fp).op("i64.extend_i32_u").set(this.reg(10));
    if (!this.perBlock) this.doTree(0);
    else this.dispatch();
    this.drain();
    c.op("unreachable");
    return c.finish();
  }

  // ---- Ramsey's lowering, over RPO numbers ----
  //
  // The algorithm is recursive (one level per dominator-tree edge placed
  // inline or after a merge); here each recursive call is a step pushed on
  // `work`, preceded by the step that continues after it, so the JS stack
  // stays flat whatever the program's length or nesting.

  /** Runs the pending steps, last pushed first. */
  private drain(): void {
    const w = this.work;
    while (w.length > 0) (w.pop() as () => void)();
  }

  private doTree(x: number): void {
    const f = this.func;
    const id = f.rpo[x] as number;
    const merges = (this.domChildren[x] as number[]).filter((y) => f.merge[f.rpo[y] as number] === 1).sort((a, b) => b - a);
    if (f.loopHeader[id] === 1) {
      this.flush(); // back edges arrive with nothing pending
      this.loops.set(x, this.code.loop());
      this.work.push(() => {
        this.code.end();
        this.loops.delete(x);
      });
    }
    this.work.push(() => this.nodeWithin(x, merges, 0));
  }

  private nodeWithin(x: number, ys: readonly number[], i: number): void {
    if (i < ys.length) {
      const y = ys[i] as number;
      this.follows.set(y, this.code.block());
      this.work.push(() => {
        this.code.end();
        this.follows.delete(y);
        this.pending = 0; // reached only by branches, which flush
        this.doTree(y);
      });
      this.work.push(() => this.nodeWithin(x, ys, i + 1));
      return;
    }
    this.emitBlock(x);
  }

  /** The label a branch from RPO x to block id `to` takes, or undefined when the target goes inline. */
  private branchLabel(x: number, to: number): Label | undefined {
    const f = this.func;
    const y = f.order[to] as number;
    if (y <= x) return this.loops.get(y) as Label;
    if (f.merge[to] === 1) return this.follows.get(y) as Label;
    return undefined;
  }

  private branch(x: number, to: number, mayFall = true): void {
    if (this.next >= 0) {
      this.dispatchBranch(x, to, mayFall);
      return;
    }
    const l = this.branchLabel(x, to);
    if (l !== undefined) {
      this.flush();
      this.code.br(l);
    } else {
      this.doTree(this.func.order[to] as number);
    }
  }

  // ---- the fallback for irreducible functions ----

  private dispatch(): void {
    const c = this.code;
    const f = this.func;
    this.next = c.local(I32, "next");
    if (this.start >= 0) c.get(this.start).set(this.next);
    const top = c.loop();
    this.loops.set(-1, top);
    const labels: Label[] = [];
    for (let k = f.rpo.length - 1; k >= 0; k--) labels[k] = c.block();
    c.get(this.next).brTable(labels.slice(), labels[0] as Label);
    for (let k = 0; k < f.rpo.length; k++) {
      c.end();
      this.emitBlock(k);
    }
    c.end();
  }

  private dispatchBranch(x: number, to: number, mayFall: boolean): void {
    const y = this.func.order[to] as number;
    if (mayFall && y === x + 1) return; // falls into the next block's code
    this.code.i32(y).set(this.next).br(this.loops.get(-1) as Label);
  }

  // ---- one block ----

  private emitBlock(x: number): void {
    // Stop as soon as the body is certain to exceed V8's limit (encoding checks the exact size).
    checkLimit("bytes at least in the body of a Wasm function", V8_MAX_FUNCTION_BYTES, this.code.minBytes);
    const b = this.g.blocks[this.func.rpo[x] as number] as Block;
    const slots = this.emitStraight(b);
    this.terminator(x, b, slots[slots.length - 1] as number);
  }

  /** A block's budget check and its instructions up to the terminator; returns its slots. */
  private emitStraight(b: Block, inlined = false): number[] {
    const c = this.code;
    const prog = this.prog;
    const slots: number[] = [];
    for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) slots.push(i);
    const len = b.insnCount;
    const body = b.term === "fall" ? slots : slots.slice(0, -1);
    // Budget.
    if (this.perBlock) {
      c.get(this.rem).i32(len).op("i32.sub").tee(this.rem).i32(0).op("i32.lt_s");
      c.if();
      this.slowPath(b, body);
      c.end();
    } else {
      const bound = inlined ? -1 : (this.bounds as Int32Array)[b.id] as number;
      if (bound >= 0) {
        if (this.pending !== 0) throw new Error(`jit: budget check point at block ${b.id} with a pending count`);
        this.budgetCheckPoint(b, bound);
      }
      // Counted at compile time; subtracted at the next branch, call, exit or loop (flush).
      this.pending += len;
    }
    for (let k = 0; k < body.length; k++) {
      if ((k & 1023) === 1023) checkLimit("bytes at least in the body of a Wasm function", V8_MAX_FUNCTION_BYTES, c.minBytes);
      const rot = matchRotate(prog, body, k);
      if (rot !== undefined) {
        rot(this);
        k += 3;
      } else {
        emitInsn(this, body[k] as number);
      }
    }
    return slots;
  }

  /**
   * A check point of the fast code (budget.ts): with less budget left than
   * the longest path to the next check point, continue in the checked copy
   * from this block.
   */
  private budgetCheckPoint(b: Block, bound: number): void {
    const c = this.code;
    c.get(this.rem).i32(bound).op("i32.lt_s");
    c.if();
    for (let r = 0; r <= 9; r++) c.get(this.reg(r));
    // The checked copy numbers the original graph's blocks (every check point is an original block).
    c.get(this.fp).get(this.depth).get(this.rem).i32((this.cfg.funcs[this.fi] as Func).order[b.id] as number);
    c.call(this.checkedIndex[this.fi] as number).op("return");
    c.end();
  }

  /** The over-budget copy of a block: runs up to its last memory access, then faults. */
  private slowPath(b: Block, body: readonly number[]): void {
    const c = this.code;
    const len = b.insnCount;
    let lastMem = -1;
    body.forEach((pc, k) => {
      if (isMemKey(this.prog.key[pc] as number)) lastMem = k;
    });
    for (let k = 0; k <= lastMem; k++) {
      const pc = body[k] as number;
      if (isMemKey(this.prog.key[pc] as number)) {
        // allowed = rem + len; the instruction at index k runs only if k < allowed.
        c.get(this.rem).i32(k - len).op("i32.le_s");
        c.if();
        c.i32(b.start).get(this.rem);
        this.pushOpen();
        c.call(this.imp.budget).op("unreachable");
        c.end();
      }
      emitInsn(this, pc);
    }
    c.i32(b.start).get(this.rem);
    this.pushOpen();
    c.call(this.imp.budget).op("unreachable");
  }

  private terminator(x: number, b: Block, pc: number): void {
    const c = this.code;
    const key = this.prog.key[pc] as number;
    switch (b.term) {
      case "exit":
        for (const r of this.results) c.get(this.reg(r));
        this.pushRem();
        c.op("return");
        return;
      case "trap":
        c.i32(pc);
        this.pushRem();
        this.pushOpen();
        c.call(this.imp.insnFault).op("unreachable");
        return;
      case "fall":
      case "ja":
        this.branch(x, b.succs[0] as number);
        return;
      case "call":
        if (key !== KEY_CALL_LOCAL) this.flush();
        else if (inlineLeaf(this.cfg, this.live.funcOf.get(jumpTarget(this.prog, pc) as number) as number, this.framelessOf) === undefined) this.flush();
        if (key === KEY_CALL_LOCAL) this.localCall(pc);
        else this.outCall(pc, key);
        this.branch(x, b.succs[0] as number);
        return;
      case "cond":
        this.conditional(x, b, pc);
        return;
    }
  }

  private conditional(x: number, b: Block, pc: number): void {
    const c = this.code;
    const [taken, fall] = b.succs as [number, number];
    emitCondition(this, pc);
    if (this.next >= 0) {
      c.if();
      this.branch(x, taken, false);
      c.end();
      this.branch(x, fall);
      return;
    }
    const lt = this.branchLabel(x, taken);
    const lf = this.branchLabel(x, fall);
    const p = this.pending;
    if (lt !== undefined || lf !== undefined) {
      // Subtracting before the test (on both paths) keeps the br_if plain; a
      // flush inside an `if` around the branch measured slower in V8 (cbrt).
      this.flush();
      if (lt === undefined) c.op("i32.eqz");
      c.brIf((lt ?? lf) as Label);
      this.branch(x, lt !== undefined ? fall : taken);
    } else {
      c.if();
      this.work.push(() => c.end());
      this.work.push(() => {
        c.else();
        this.pending = p;
        this.branch(x, fall);
      });
      this.branch(x, taken);
    }
  }

  private outCall(pc: number, key: number): void {
    const c = this.code;
    if (key === KEY_CALLX) {
      c.get(this.reg(this.prog.dst[pc] as number));
      for (let r = 1; r <= 5; r++) c.get(this.reg(r));
      c.i32(pc);
      this.pushRem();
      c.call(this.imp.callx).set(this.reg(0));
      return;
    }
    const id = this.prog.imm[pc] as number;
    const fn = (key === KEY_CALL_HELPER ? this.imp.helpers : this.imp.kfuncs).get(id) as number;
    const narrow = (key === KEY_CALL_HELPER ? this.imp.narrowHelpers : this.imp.narrowKfuncs).get(id);
    if (narrow !== undefined) {
      // The high halves of the arguments it reads all zero: the narrow form on the low halves.
      c.get(this.reg(1));
      for (let r = 2; r <= narrow.arity; r++) c.get(this.reg(r)).op("i64.or");
      c.i64(32).op("i64.shr_u").op("i64.eqz");
      c.if(I64);
      for (let r = 1; r <= 5; r++) c.get(this.reg(r)).op("i32.wrap_i64");
      c.i32(pc);
      this.pushRem();
      c.call(narrow.fn).op("i64.extend_i32_u");
      c.else();
    }
    for (let r = 1; r <= 5; r++) c.get(this.reg(r));
    c.i32(pc);
    this.pushRem();
    c.call(fn);
    if (narrow !== undefined) c.end();
    c.set(this.reg(0));
  }

  private localCall(pc: number): void {
    const c = this.code;
    const target = jumpTarget(this.prog, pc) as number;
    const callee = this.live.funcOf.get(target) as number;
    // Depth: the callee would be frame depth + 1; MAX_CALL_FRAMES frames at most.
    c.get(this.depth).i32(MAX_CALL_FRAMES - 2).op("i32.gt_u");
    c.if();
    c.i32(pc);
    this.pushRem();
    c.call(this.imp.stackFault).op("unreachable");
    c.end();
    const leaf = inlineLeaf(this.cfg, callee, this.framelessOf);
    if (leaf !== undefined) {
      this.inlineCall(leaf);
      return;
    }
    // A frameless callee's frame stays closed (frames.ts): nothing can reach it.
    const opens = this.framelessOf[callee] !== true;
    if (opens) {
      // Highest depth reached, for the next run's stack reset.
      c.get(this.depth).i32(1).op("i32.add").tee(this.t32).globalGet(this.maxDepthGlobal).op("i32.gt_u");
      c.if();
      c.get(this.t32).globalSet(this.maxDepthGlobal);
      c.end();
      // Open the callee's frame: PERM_RW on its 512 bytes of shadow (64 granules).
      this.shadowFill(true);
    }
    const params = regMaskList(this.live.params[callee] as number);
    for (const r of params) c.get(this.reg(r));
    c.get(this.fp).i32(FRAME_STRIDE).op("i32.sub");
    c.get(this.depth).i32(1).op("i32.add");
    c.get(this.rem);
    c.call(this.funcIndex[callee] as number);
    c.set(this.rem);
    const results = regMaskList(this.live.results[callee] as number);
    for (let i = results.length - 1; i >= 0; i--) c.set(this.reg(results[i] as number));
    if (opens) this.shadowFill(false);
  }

  /**
   * A call to a frameless single-block callee, inlined: its instructions run
   * on the caller's r0-r5 (which the callee's writes must change, as after a
   * call) and on copies of r6-r9 (which the callee sees but the caller gets
   * back), with its own budget check.
   */
  private inlineCall(b: Block): void {
    const c = this.code;
    const prog = this.prog;
    let writes = 0;
    for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) {
      writes |= (useDef(prog, i, () => 0, 0)[1]);
    }
    const own = this.regs.slice();
    for (let r = 6; r <= 9; r++) {
      if ((writes & (1 << r)) === 0) continue;
      let t = this.inlineRegs[r];
      if (t === undefined) {
        t = this.code.local(I64, `i${r}`);
        this.inlineRegs[r] = t;
      }
      c.get(this.reg(r)).set(t);
      this.regs[r] = t;
    }
    this.inlining = true;
    this.emitStraight(b, true);
    this.inlining = false;
    own.forEach((l, r) => (this.regs[r] = l));
  }

  /** Writes the shadow bytes of the callee's frame (fp - STRIDE - 512 .. fp - STRIDE). */
  private shadowFill(open: boolean): void {
    const c = this.code;
    const v = open ? BigInt(PERM_RW) * 0x0101010101010101n : 0n;
    const granules = MAX_BPF_STACK >> GRANULE_SHIFT;
    c.get(this.fp).i32(FRAME_STRIDE + MAX_BPF_STACK).op("i32.sub").i32(GRANULE_SHIFT).op("i32.shr_u").set(this.a32);
    for (let k = 0; k < granules; k += 8) c.get(this.a32).i64(v).op("i64.store", 0, k);
  }
}

/**
 * Translates a decoded program.
 * @throws {JitLimitError} when the program is beyond one of the JIT's limits (limits.ts).
 * @throws {Error} on an internal JIT error.
 */
export function translate(prog: DecodedProg, opts: TranslateOptions): Translation {
  checkLimit("instruction slots", MAX_JIT_INSNS, prog.length);
  const cfg = buildCfg(prog);
  // Both the checked copy and the irreducible lowering dispatch over a function's blocks with one br_table.
  for (const f of cfg.funcs) checkLimit("basic blocks in one function", V8_MAX_BR_TABLE, f.rpo.length);
  const live = computeLiveness(cfg);
  const m = new WasmModule();
  const imp = declareImports(m, prog, opts);
  // Reducible functions continue in a checked copy (budget.ts), which lives in a second module
  // compiled only when a run first nears its budget (translateChecked): imported here.
  const checkedIndex = cfg.funcs.map((f, fi) => (f.reducible ? m.importFunc(IMPORT_MODULE, checkedName(cfg, fi), ...checkedSig(live, fi)) : undefined));
  const checkedNames = cfg.funcs.flatMap((f, fi) => (f.reducible ? [checkedName(cfg, fi)] : []));
  const maxDepth = m.global("max_depth", I32, true, 0);
  const frameless = framelessFuncs(cfg);
  const tracksDepth = frameless.some((fl, fi) => fi > 0 && !fl);
  const base = m.nextFuncIndex;
  const funcIndex = cfg.funcs.map((_, i) => base + i);
  cfg.funcs.forEach((_, fi) => {
    const fc = new FuncCompiler(cfg, live, fi, imp, funcIndex, maxDepth, opts.maxBytes, frameless, checkedIndex, false);
    m.func(funcName(cfg, fi), fc.compile());
  });
  // The checked copies call the fast functions (bpf-to-bpf calls) and keep max_depth.
  if (checkedNames.length > 0) cfg.funcs.forEach((_, fi) => m.export(funcName(cfg, fi), "func", funcIndex[fi] as number));
  // Two entries, one per way the runner calls (jit-runner.ts): main(r1, r2, fp, rem) -> r0 when
  // it is below 2^31, else -1 with r0 at fp + EXIT_R0 (an i32 result spares the JS side a BigInt
  // per run); main32(ctx, fp, rem) -> r0's low 32 bits, with r1 = ctx (an address, u32) and r2 = 0,
  // so neither side converts a BigInt. Both zero the bytes of frame 0 the last run could dirty
  // (vm/stack-reach.ts; the runner resets deeper frames) and leave the budget left in the `rem`
  // global, which the runner reads (rem_get) only when lastInsnCount is asked for.
  const reach = stackReach(prog);
  const remOut = m.global("rem", I32, true, 0);
  const params = regMaskList(live.params[0] as number);
  const results = regMaskList(live.results[0] as number);
  const entry = (sig: ValType[], names: string[], r1: (c: Code) => void, r2: (c: Code) => void, fp: number): { code: Code; r0: number } => {
    const c = new Code(sig, [I32], names);
    const r0 = c.local(I64, "r0");
    const rem = fp + 1;
    if (reach > 0) c.get(fp).i32(reach).op("i32.sub").i32(0).i32(reach).op("memory.fill", 0);
    if (tracksDepth) c.i32(0).globalSet(maxDepth);
    for (const r of params) {
      if (r === 1) r1(c);
      else if (r === 2) r2(c);
      else c.i64(0);
    }
    c.get(fp).i32(0).get(rem).call(funcIndex[0] as number);
    c.globalSet(remOut);
    if (tracksDepth) c.get(fp).globalGet(maxDepth).op("i32.store", 0, EXIT_MAX_DEPTH);
    for (let i = results.length - 1; i >= 0; i--) {
      if (results[i] === 0) c.set(r0);
      else c.op("drop");
    }
    return { code: c, r0 };
  };
  const main = entry([I64, I64, I32, I32], ["r1", "r2", "fp", "rem"], (c) => c.get(0), (c) => c.get(1), 2);
  main.code.get(main.r0).i64(0x80000000).op("i64.lt_u");
  main.code.if(I32);
  main.code.get(main.r0).op("i32.wrap_i64");
  main.code.else();
  main.code.get(2).get(main.r0).op("i64.store", 0, EXIT_R0);
  main.code.i32(-1);
  main.code.end();
  m.export("main", "func", m.func("main", main.code.finish()));
  const main32 = entry([I32, I32, I32], ["ctx", "fp", "rem"], (c) => c.get(0).op("i64.extend_i32_u"), (c) => c.i64(0), 1);
  main32.code.get(main32.r0).op("i32.wrap_i64");
  m.export("main32", "func", m.func("main32", main32.code.finish()));
  m.export("max_depth", "global", maxDepth);
  // The budget left, read and written from JavaScript only when asked (an exported mutable global
  // is reached through an extra indirection on every run).
  const remGet = new Code([], [I32]);
  remGet.globalGet(remOut);
  m.export("rem_get", "func", m.func("rem_get", remGet.finish()));
  const remSet = new Code([I32], [], ["rem"]);
  remSet.get(0).globalSet(remOut);
  m.export("rem_set", "func", m.func("rem_set", remSet.finish()));
  return {
    module: m, cfg, helperIds: [...imp.helpers.keys()], kfuncIds: [...imp.kfuncs.keys()],
    narrowHelperIds: [...imp.narrowHelpers.keys()], narrowKfuncIds: [...imp.narrowKfuncs.keys()], callx: imp.callx >= 0,
    stackReach: reach, tracksDepth, checkedNames,
  };
}

/**
 * The module of the checked copies of a translated program's reducible
 * functions (exports named as {@link Translation.checkedNames}): the same
 * imports as the program's module, plus its fast functions and its
 * `max_depth` global, which the runner passes from the program's instance.
 */
export function translateChecked(cfg: Cfg, opts: TranslateOptions): WasmModule {
  const live = computeLiveness(cfg);
  const m = new WasmModule();
  const imp = declareImports(m, cfg.prog, opts);
  const funcIndex = cfg.funcs.map((_, fi) => m.importFunc(IMPORT_MODULE, funcName(cfg, fi), ...fastSig(live, fi)));
  const maxDepth = m.importGlobal(IMPORT_MODULE, "max_depth", I32, true);
  const frameless = framelessFuncs(cfg);
  const checkedIndex = cfg.funcs.map((f, fi) => (f.reducible ? fi : undefined));
  cfg.funcs.forEach((f, fi) => {
    if (!f.reducible) return;
    const fc = new FuncCompiler(cfg, live, fi, imp, funcIndex, maxDepth, opts.maxBytes, frameless, checkedIndex, true);
    m.export(checkedName(cfg, fi), "func", m.func(checkedName(cfg, fi), fc.compile()));
  });
  return m;
}

/** The Wasm name of bpf-to-bpf function `fi` (and of its export, when the program has checked copies). */
export const funcName = (cfg: Cfg, fi: number): string => (fi === 0 ? "prog" : `subprog_${(cfg.funcs[fi] as Func).entry}`);
const checkedName = (cfg: Cfg, fi: number): string => `${funcName(cfg, fi)}_checked`;

/** A fast function's signature: the registers its entry reads, fp, depth, rem -> the registers its callers read, rem. */
function fastSig(live: Liveness, fi: number): [ValType[], ValType[]] {
  return [[...regMaskList(live.params[fi] as number).map((): ValType => I64), I32, I32, I32], resultSig(live, fi)];
}

/** A checked copy's signature: r0-r9, fp, depth, rem, the RPO number of the block to start at -> as the fast function. */
function checkedSig(live: Liveness, fi: number): [ValType[], ValType[]] {
  return [[I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I32, I32, I32, I32], resultSig(live, fi)];
}

const resultSig = (live: Liveness, fi: number): ValType[] => [...regMaskList(live.results[fi] as number).map((): ValType => I64), I32];

/** The memory, the fault reporters, and the helpers, kfuncs and callx the program calls: what both of its modules import. */
function declareImports(m: WasmModule, prog: DecodedProg, opts: TranslateOptions): Imports {
  m.importMemory(IMPORT_MODULE, "mem", opts.minPages, memoryMaxPages(opts.maxBytes));
  const imp: Imports = {
    memFault: m.importFunc(IMPORT_MODULE, "mem_fault", [I32, I64, I32, I32], []),
    budget: m.importFunc(IMPORT_MODULE, "budget", [I32, I32, I32], []),
    stackFault: m.importFunc(IMPORT_MODULE, "stack_fault", [I32, I32], []),
    insnFault: m.importFunc(IMPORT_MODULE, "insn_fault", [I32, I32, I32], []),
    helpers: new Map(),
    kfuncs: new Map(),
    narrowHelpers: new Map(),
    narrowKfuncs: new Map(),
    callx: -1,
  };
  const callSig: ValType[] = [I64, I64, I64, I64, I64, I32, I32];
  const narrowSig: ValType[] = [I32, I32, I32, I32, I32, I32, I32];
  for (let i = 0; i < prog.length; i++) {
    const key = prog.key[i] as number;
    const id = prog.imm[i] as number;
    if (key === KEY_CALLX && imp.callx < 0) {
      imp.callx = m.importFunc(IMPORT_MODULE, "callx", [I64, ...callSig], [I64]);
    } else if (key === KEY_CALL_HELPER && !imp.helpers.has(id)) {
      imp.helpers.set(id, m.importFunc(IMPORT_MODULE, `helper_${id >>> 0}`, callSig, [I64]));
      const arity = opts.narrow?.helpers.get(id);
      if (arity !== undefined) imp.narrowHelpers.set(id, { fn: m.importFunc(IMPORT_MODULE, `helper_${id >>> 0}_narrow`, narrowSig, [I32]), arity });
    } else if (key === KEY_CALL_KFUNC && !imp.kfuncs.has(id)) {
      imp.kfuncs.set(id, m.importFunc(IMPORT_MODULE, `kfunc_${id >>> 0}`, callSig, [I64]));
      const arity = opts.narrow?.kfuncs.get(id);
      if (arity !== undefined) imp.narrowKfuncs.set(id, { fn: m.importFunc(IMPORT_MODULE, `kfunc_${id >>> 0}_narrow`, narrowSig, [I32]), arity });
    }
  }
  return imp;
}
