/**
 * @fileoverview The interpreter's dispatch loop written in WebAssembly: one
 * fixed module, the same for every program, that runs the packed slots of a
 * program (vm/layout.ts, re-laid out for it here) held in the kernel's
 * linear memory, with the BPF registers as i64 in that memory. It follows
 * the JavaScript loop (vm/interp.ts), which stays the reference: anything
 * this loop does not run (rare keys, faults of any kind, a budget running
 * out inside a segment, a call deeper than MAX_CALL_FRAMES) returns to
 * JavaScript at that slot with the state the JavaScript loop would have
 * there, and helper and kfunc calls return as a code so JavaScript makes
 * them and resumes this loop after the call.
 *
 * Block layout in the kernel memory (offsets from the block's base `st`):
 *
 *   st+0    n: instructions counted so far (i64, segments entered)
 *   st+8    budget (i64)
 *   st+16   depth (i32), st+20 the innermost call's CALL_* flags ("lazy"),
 *   st+24   deepest frame opened (i32), st+28 frame 0's top (r10 of frame 0)
 *   st+32   maxBytes (i64)
 *   st+40   pc on return (slot address), st+44 address of slot 0
 *   st+64   r0-r10, i64 each
 *   st+160  caller frames, 48 bytes each: r6-r9 and r10 (i64), return slot address (i32)
 *   st+576  the slots, SLOT_BYTES (32) each, then the falloff sentinel
 *
 * A slot: key | dst*8 << 16 | src*8 << 24; off, or the absolute address of a
 * jump's or call's target slot; imm; imm2 (ld_imm64's high half) or a local
 * call's CALL_* flags (vm/frameless.ts); the length of the segment from this
 * slot (vm/segments.ts); for a fused pair (vm/fuse.ts), the operation's
 * source register * 8.
 */
import { jumpTarget } from "../asm/decode.js";
import type { DecodedProg } from "../asm/decode.js";
import { PERM_RW } from "../kernel/mem/memory.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
import { Code, I32, I64, WasmModule } from "../wasm/index.js";
import type { Label } from "../wasm/index.js";
import { callOut } from "./faults.js";
import { FUSED_BASE, FUSABLE } from "./fuse.js";
import { execute } from "./interp.js";
import type { Executable, RunContext } from "./interp.js";
import { RAM_CODE } from "./layout.js";
import { STACK_STRIDE } from "./stack.js";

/** Byte offsets in the block. */
export const ST_N = 0;
export const ST_BUDGET = 8;
export const ST_DEPTH = 16;
export const ST_LAZY = 20;
export const ST_MAXDEPTH = 24;
export const ST_TOP = 28;
export const ST_MAX = 32;
export const ST_PC = 40;
export const ST_CODE = 44;
export const ST_REGS = 64;
export const ST_FRAMES = 160;
export const FRAME_BYTES = 48;
export const ST_SLOTS = 576;
export const SLOT_BYTES = 32;

/** Return codes of `run`. */
export const OUT_EXIT = 0;
/** The slot at pc is a helper, callx or kfunc call: make it, then resume at the next slot. */
export const OUT_CALL = 1;
/** The JavaScript loop must run the slot at pc (mid-segment: n counts its segment). */
export const OUT_FALLBACK = 2;
/** Entering the segment at pc would pass the budget: n does not count it. */
export const OUT_BUDGET = 3;

/** PERM_RW in each of 8 shadow bytes: one i64 store opens 8 granules. */
const RW8 = BigInt(PERM_RW) * 0x0101010101010101n;

/** Builds the fixed module: `run(pc, st) -> code` over the imported memory env.mem. */
export function buildLoopModule(): WasmModule {
  const m = new WasmModule();
  m.importMemory("env", "mem", 0, 65536);
  const c = new Code([I32, I32], [I32], ["pc", "st"]);
  emitLoop(c, 0, 1);
  m.export("run", "func", m.func("run", c.finish()));
  // start(st, r1 lo, r1 hi, r2 lo, r2 hi): a run's registers (r1, r2, r10 = frame 0's top, zeroes
  // elsewhere), count, depth and frames reset, then the loop from slot 0. The loop is emitted again
  // here rather than called: the call and the second prologue cost about 4 ns per run.
  const s = new Code([I32, I32, I32, I32, I32], [I32], ["st", "lo", "hi", "lo2", "hi2"]);
  const pair = (lo: number, hi: number): void => { s.get(lo).op("i64.extend_i32_u").get(hi).op("i64.extend_i32_u").i64(32).op("i64.shl").op("i64.or"); };
  for (let r = 0; r <= 10; r++) {
    s.get(0);
    if (r === 1) pair(1, 2);
    else if (r === 2) pair(3, 4);
    else if (r === 10) s.get(0).op("i64.load32_u", 0, ST_TOP);
    else s.i64(0);
    s.op("i64.store", 0, ST_REGS + r * 8);
  }
  s.get(0).i64(0).op("i64.store", 0, ST_N);
  s.get(0).i64(0).op("i64.store", 0, ST_DEPTH); // depth and lazy
  s.get(0).i32(0).op("i32.store", 0, ST_MAXDEPTH);
  const pc = s.local(I32, "pc");
  s.get(0).op("i32.load", 0, ST_CODE).set(pc);
  emitLoop(s, pc, 0);
  m.export("start", "func", m.func("start", s.finish()));
  return m;
}

/** Emits the loop from slot address local `PC` over the block at local `ST`, leaving the return code on the stack. */
function emitLoop(c: Code, PC: number, ST: number): void {
  const N = c.local(I64, "n");
  const BUDGET = c.local(I64, "budget");
  const MAX = c.local(I64, "max");
  const T = c.local(I64, "t");
  const A = c.local(I64, "a");
  const W = c.local(I32, "w");
  const DA = c.local(I32, "dA");
  const SA = c.local(I32, "sA");
  const A32 = c.local(I32, "a32");
  const DEPTH = c.local(I32, "depth");
  const LAZY = c.local(I32, "lazy");
  const OUT = c.local(I32, "out");
  const F = c.local(I32, "f");

  // Load the state.
  c.get(ST).op("i64.load", 0, ST_N).set(N);
  c.get(ST).op("i64.load", 0, ST_BUDGET).set(BUDGET);
  c.get(ST).op("i64.load", 0, ST_MAX).set(MAX);
  c.get(ST).op("i32.load", 0, ST_DEPTH).set(DEPTH);
  c.get(ST).op("i32.load", 0, ST_LAZY).set(LAZY);

  const out = c.block();
  const seg = c.loop();
  // Segment entry: count the segment, or leave when it would pass the budget.
  c.get(N).get(PC).op("i32.load", 0, 16).op("i64.extend_i32_u").op("i64.add").tee(N).get(BUDGET).op("i64.gt_u");
  c.if();
  c.get(N).get(PC).op("i32.load", 0, 16).op("i64.extend_i32_u").op("i64.sub").set(N);
  c.i32(OUT_BUDGET).set(OUT).br(out);
  c.end();
  const L = c.loop();
  const fallback = c.block();

  // Handlers: one block per distinct body, keys mapped to them.
  type Body = () => void;
  const bodies: { keys: number[]; body: Body }[] = [];
  const on = (keys: number[], body: Body): void => { bodies.push({ keys, body }); };

  const next = (slots = 1): void => { c.get(PC).i32(SLOT_BYTES * slots).op("i32.add").set(PC).br(L); };
  const dst64 = (): void => { c.get(DA).op("i64.load", 0, ST_REGS); };
  const src64 = (): void => { c.get(SA).op("i64.load", 0, ST_REGS); };
  const imm64 = (): void => { c.get(PC).op("i64.load32_s", 0, 8); };
  const dst32 = (): void => { c.get(DA).op("i32.load", 0, ST_REGS); };
  const src32 = (): void => { c.get(SA).op("i32.load", 0, ST_REGS); };
  const imm32 = (): void => { c.get(PC).op("i32.load", 0, 8); };

  // ---- ALU64 ----
  const alu64: [number, string][] = [[0x00, "i64.add"], [0x10, "i64.sub"], [0x20, "i64.mul"], [0x40, "i64.or"], [0x50, "i64.and"], [0x60, "i64.shl"], [0x70, "i64.shr_u"], [0xa0, "i64.xor"], [0xc0, "i64.shr_s"]];
  for (const [op, ins] of alu64) {
    for (const x of [false, true]) {
      on([0x07 | op | (x ? 8 : 0)], () => { c.get(DA); dst64(); if (x) src64(); else imm64(); c.op(ins).op("i64.store", 0, ST_REGS); next(); });
    }
  }
  on([0xb7], () => { c.get(DA); imm64(); c.op("i64.store", 0, ST_REGS); next(); });
  on([0xbf], () => { c.get(DA); src64(); c.op("i64.store", 0, ST_REGS); next(); });
  on([0x87], () => { c.get(DA).i64(0); dst64(); c.op("i64.sub").op("i64.store", 0, ST_REGS); next(); });
  for (const x of [false, true]) {
    // div: x / 0 = 0
    on([0x37 | (x ? 8 : 0)], () => {
      c.get(DA);
      if (x) src64(); else imm64();
      c.tee(T).op("i64.eqz");
      c.if(I64); c.i64(0); c.else(); dst64(); c.get(T).op("i64.div_u"); c.end();
      c.op("i64.store", 0, ST_REGS); next();
    });
    // mod: x % 0 = x
    on([0x97 | (x ? 8 : 0)], () => {
      if (x) src64(); else imm64();
      c.tee(T).op("i64.eqz").op("i32.eqz");
      c.if(); c.get(DA); dst64(); c.get(T).op("i64.rem_u").op("i64.store", 0, ST_REGS); c.end();
      next();
    });
  }
  // ---- ALU32: results zero-extended ----
  const alu32: [number, string][] = [[0x00, "i32.add"], [0x10, "i32.sub"], [0x20, "i32.mul"], [0x40, "i32.or"], [0x50, "i32.and"], [0x60, "i32.shl"], [0x70, "i32.shr_u"], [0xa0, "i32.xor"], [0xc0, "i32.shr_s"]];
  for (const [op, ins] of alu32) {
    for (const x of [false, true]) {
      on([0x04 | op | (x ? 8 : 0)], () => { c.get(DA); dst32(); if (x) src32(); else imm32(); c.op(ins).op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next(); });
    }
  }
  on([0xb4], () => { c.get(DA); imm32(); c.op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next(); });
  on([0xbc], () => { c.get(DA); src32(); c.op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next(); });
  on([0x84], () => { c.get(DA).i32(0); dst32(); c.op("i32.sub").op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next(); });
  for (const x of [false, true]) {
    on([0x34 | (x ? 8 : 0)], () => {
      c.get(DA);
      if (x) src32(); else imm32();
      c.tee(A32).op("i32.eqz");
      c.if(I32); c.i32(0); c.else(); dst32(); c.get(A32).op("i32.div_u"); c.end();
      c.op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next();
    });
    on([0x94 | (x ? 8 : 0)], () => {
      c.get(DA);
      if (x) src32(); else imm32();
      c.tee(A32).op("i32.eqz");
      c.if(I32); dst32(); c.else(); dst32(); c.get(A32).op("i32.rem_u"); c.end();
      c.op("i64.extend_i32_u").op("i64.store", 0, ST_REGS); next();
    });
  }
  // ld_imm64: imm and imm2 are one little-endian i64 at +8.
  on([0x18], () => { c.get(DA).get(PC).op("i64.load", 0, 8).op("i64.store", 0, ST_REGS); next(2); });

  // ---- fused mov64 X + ALU64 (vm/fuse.ts): d = s op (x or k) ----
  const fusable: [number, string][] = [[0x160, "i64.add"], [0x162, "i64.sub"], [0x164, "i64.or"], [0x166, "i64.and"], [0x168, "i64.shl"], [0x16a, "i64.shr_u"], [0x16c, "i64.xor"], [0x16e, "i64.shr_s"]];
  for (const [key, ins] of fusable) {
    on([key], () => { c.get(DA); src64(); imm64(); c.op(ins).op("i64.store", 0, ST_REGS); next(2); });
    on([key + 1], () => { c.get(DA); src64(); c.get(ST).get(PC).op("i32.load", 0, 20).op("i32.add").op("i64.load", 0, ST_REGS); c.op(ins).op("i64.store", 0, ST_REGS); next(2); });
  }

  // ---- jumps: pc = cond ? target : pc + 1, then a new segment ----
  const jump = (cond: () => void): void => {
    c.get(PC).op("i32.load", 0, 4).get(PC).i32(SLOT_BYTES).op("i32.add");
    cond();
    c.op("select").set(PC).br(seg);
  };
  const cmps: [number, string][] = [[0x10, "eq"], [0x20, "gt_u"], [0x30, "ge_u"], [0x50, "ne"], [0x60, "gt_s"], [0x70, "ge_s"], [0xa0, "lt_u"], [0xb0, "le_u"], [0xc0, "lt_s"], [0xd0, "le_s"]];
  for (const [op, cmp] of cmps) {
    for (const x of [false, true]) {
      on([0x05 | op | (x ? 8 : 0)], () => jump(() => { dst64(); if (x) src64(); else imm64(); c.op(`i64.${cmp}`); }));
      on([0x06 | op | (x ? 8 : 0)], () => jump(() => { dst32(); if (x) src32(); else imm32(); c.op(`i32.${cmp}`); }));
    }
  }
  for (const x of [false, true]) {
    on([0x45 | (x ? 8 : 0)], () => jump(() => { dst64(); if (x) src64(); else imm64(); c.op("i64.and").op("i64.eqz").op("i32.eqz"); }));
    on([0x46 | (x ? 8 : 0)], () => jump(() => { dst32(); if (x) src32(); else imm32(); c.op("i32.and").op("i32.eqz").op("i32.eqz"); }));
  }
  on([0x05, 0x06], () => { c.get(PC).op("i32.load", 0, 4).set(PC).br(seg); });

  // ---- memory: the checks of vm/interp.ts (high half 0, a in [0, max - size], shadow of first and last byte) ----
  const addr = (base: () => void, size: number, perm: number): void => {
    base();
    c.tee(T).i64(0xffffffff).op("i64.gt_u");
    c.get(T).get(PC).op("i64.load32_s", 0, 4).op("i64.add").tee(A).get(MAX).i64(size).op("i64.sub").op("i64.gt_u");
    c.op("i32.or").brIf(fallback);
    c.get(A).op("i32.wrap_i64").tee(A32).i32(3).op("i32.shr_u").op("i32.load8_u", 0, 0);
    if (size > 1) c.get(A32).i32(size - 1).op("i32.add").i32(3).op("i32.shr_u").op("i32.load8_u", 0, 0).op("i32.and");
    c.i32(perm).op("i32.and").op("i32.eqz").brIf(fallback);
  };
  const loads: [number, number, string][] = [[0x61, 4, "i64.load32_u"], [0x69, 2, "i64.load16_u"], [0x71, 1, "i64.load8_u"], [0x79, 8, "i64.load"], [0x81, 4, "i64.load32_s"], [0x89, 2, "i64.load16_s"], [0x91, 1, "i64.load8_s"]];
  for (const [key, size, ins] of loads) {
    on([key], () => { addr(src64, size, 1); c.get(DA).get(A32).op(ins, 0, 0).op("i64.store", 0, ST_REGS); next(); });
  }
  const stores: [number, number, string][] = [[0x62, 4, "i64.store32"], [0x6a, 2, "i64.store16"], [0x72, 1, "i64.store8"], [0x7a, 8, "i64.store"]];
  for (const [key, size, ins] of stores) {
    on([key], () => { addr(dst64, size, 2); c.get(A32); imm64(); c.op(ins, 0, 0); next(); });
    on([key + 1], () => { addr(dst64, size, 2); c.get(A32); src64(); c.op(ins, 0, 0); next(); });
  }

  // ---- calls ----
  on([0x85, 0x8d, 0x141], () => { c.i32(OUT_CALL).set(OUT).br(out); });
  on([0x140], () => {
    c.get(DEPTH).i32(MAX_CALL_FRAMES - 1).op("i32.ge_u").brIf(fallback);
    c.get(PC).op("i32.load", 0, 12).set(LAZY);
    c.get(ST).get(DEPTH).i32(FRAME_BYTES).op("i32.mul").op("i32.add").set(F);
    c.get(LAZY).i32(3).op("i32.ne");
    c.if();
    for (let r = 6; r <= 10; r++) c.get(F).get(ST).op("i64.load", 0, ST_REGS + r * 8).op("i64.store", 0, ST_FRAMES + (r - 6) * 8);
    c.end();
    c.get(F).get(PC).i32(SLOT_BYTES).op("i32.add").op("i32.store", 0, ST_FRAMES + 40);
    c.get(DEPTH).i32(1).op("i32.add").set(DEPTH);
    c.get(PC).op("i32.load", 0, 4).set(PC); // the callee
    c.get(LAZY).brIf(seg);
    c.get(DEPTH).get(ST).op("i32.load", 0, ST_MAXDEPTH).op("i32.gt_u");
    c.if(); c.get(ST).get(DEPTH).op("i32.store", 0, ST_MAXDEPTH); c.end();
    // Frame top, its shadow opened (PERM_RW on 64 granules), r10.
    c.get(ST).op("i32.load", 0, ST_TOP).get(DEPTH).i32(STACK_STRIDE).op("i32.mul").op("i32.sub").set(A32);
    c.get(A32).i32(MAX_BPF_STACK).op("i32.sub").i32(3).op("i32.shr_u").set(W);
    for (let k = 0; k < 8; k++) c.get(W).i64(RW8).op("i64.store", 0, k * 8);
    c.get(ST).get(A32).op("i64.extend_i32_u").op("i64.store", 0, ST_REGS + 80);
    c.br(seg);
  });
  on([0x95], () => {
    c.get(DEPTH).op("i32.eqz");
    c.if(); c.i32(OUT_EXIT).set(OUT).br(out); c.end();
    c.get(LAZY).i32(3).op("i32.eq");
    c.if();
    c.i32(0).set(LAZY);
    c.get(DEPTH).i32(1).op("i32.sub").tee(DEPTH).i32(FRAME_BYTES).op("i32.mul").get(ST).op("i32.add").op("i32.load", 0, ST_FRAMES + 40).set(PC);
    c.br(seg);
    c.end();
    c.get(LAZY).op("i32.eqz");
    c.if();
    c.get(ST).op("i32.load", 0, ST_TOP).get(DEPTH).i32(STACK_STRIDE).op("i32.mul").op("i32.sub").i32(MAX_BPF_STACK).op("i32.sub").i32(3).op("i32.shr_u").set(W);
    for (let k = 0; k < 8; k++) c.get(W).i64(0).op("i64.store", 0, k * 8);
    c.end();
    c.i32(0).set(LAZY);
    c.get(DEPTH).i32(1).op("i32.sub").tee(DEPTH).i32(FRAME_BYTES).op("i32.mul").get(ST).op("i32.add").set(F);
    for (let r = 6; r <= 9; r++) c.get(ST).get(F).op("i64.load", 0, ST_FRAMES + (r - 6) * 8).op("i64.store", 0, ST_REGS + r * 8);
    c.get(ST).get(F).op("i64.load32_u", 0, ST_FRAMES + 32).op("i64.store", 0, ST_REGS + 80);
    c.get(F).op("i32.load", 0, ST_FRAMES + 40).set(PC);
    c.br(seg);
  });

  // Dispatch: blocks opened innermost-first, the table built from the key map.
  const TABLE = 0x170;
  const labels: Label[] = [];
  for (let i = bodies.length - 1; i >= 0; i--) labels[i] = c.block();
  const table: Label[] = new Array<Label>(TABLE).fill(fallback);
  bodies.forEach((b, i) => { for (const k of b.keys) table[k] = labels[i] as Label; });
  c.get(PC).op("i32.load", 0, 0).tee(W).i32(16).op("i32.shr_u").i32(255).op("i32.and").get(ST).op("i32.add").set(DA);
  c.get(W).i32(24).op("i32.shr_u").get(ST).op("i32.add").set(SA);
  c.get(W).i32(0x1ff).op("i32.and");
  c.brTable(table, fallback);
  for (const b of bodies) {
    c.end();
    b.body();
  }
  c.end(); // fallback
  c.i32(OUT_FALLBACK).set(OUT).br(out);
  c.end(); // L
  c.end(); // seg
  c.end(); // out
  c.get(ST).get(N).op("i64.store", 0, ST_N);
  c.get(ST).get(DEPTH).op("i32.store", 0, ST_DEPTH);
  c.get(ST).get(LAZY).op("i32.store", 0, ST_LAZY);
  c.get(ST).get(PC).op("i32.store", 0, ST_PC);
  c.get(OUT);
}

let compiled: WebAssembly.Module | undefined;
/** The compiled fixed module (compiled once per process). */
export function loopModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(buildLoopModule().encode());
  return compiled;
}

/** The module's exports. */
interface LoopFns {
  run(pc: number, st: number): number;
  start(st: number, lo: number, hi: number, lo2: number, hi2: number): number;
}

/** One instance per kernel memory, shared by its programs. */
const instances = new WeakMap<KernelMemory, LoopFns>();

function loopFor(mem: KernelMemory): LoopFns {
  let fns = instances.get(mem);
  if (fns === undefined) {
    fns = new WebAssembly.Instance(loopModule(), { env: { mem: mem.memory } }).exports as unknown as LoopFns;
    instances.set(mem, fns);
  }
  return fns;
}

/** Word offsets (of an Int32Array over the memory) from the block's base. */
const W_N = ST_N >> 2, W_DEPTH = ST_DEPTH >> 2, W_LAZY = ST_LAZY >> 2, W_MAXDEPTH = ST_MAXDEPTH >> 2, W_PC = ST_PC >> 2;
const W_REGS = ST_REGS >> 2, W_FRAMES = ST_FRAMES >> 2, W_FRAME = FRAME_BYTES >> 2;

/**
 * A prepared program's state block in the engine area of its kernel memory
 * (KernelMemory.engineAlloc): the slots packed for the Wasm loop, and the
 * registers, count and frames of the run in progress.
 *
 * A run: `start` (the module's export, called by the runner) returns
 * OUT_EXIT for a run the Wasm loop finished alone (r0 and the count are in
 * the block: `r0Lo`, `r0Hi`, `count`, `exitDepth`); any other code goes to
 * `finish`.
 */
export class WasmLoop {
  /** Address of the block. */
  readonly st: number;
  /** The module's `start`: (st, r1 lo, r1 hi, r2 lo, r2 hi) -> return code. */
  readonly start: (st: number, lo: number, hi: number, lo2: number, hi2: number) => number;
  /** Address of slot 0. */
  private readonly base: number;
  private readonly fns: LoopFns;
  /** A view of the memory, and the `mem.u8` it was made beside (a new one means the memory grew). */
  private i32: Int32Array;
  private u8: Uint8Array;

  private constructor(private readonly mem: KernelMemory, st: number) {
    this.st = st;
    this.base = st + ST_SLOTS;
    this.fns = loopFor(mem);
    this.start = this.fns.start;
    this.u8 = mem.u8;
    this.i32 = new Int32Array(mem.u8.buffer);
  }

  /**
   * Packs `decoded` (its ram and segment lengths as vm/interp-runner.ts made
   * them) into a new block. Undefined when the engine area has no room: the
   * program then runs on the JavaScript loop alone.
   */
  static create(mem: KernelMemory, decoded: DecodedProg, ram: Int32Array, seg: Int32Array, budget: number): WasmLoop | undefined {
    const len = decoded.length;
    const st = mem.engineAlloc(ST_SLOTS + (len + 1) * SLOT_BYTES);
    if (st === 0) return undefined;
    const loop = new WasmLoop(mem, st);
    const m = loop.i32;
    const S = st >> 2;
    m[S + (ST_BUDGET >> 2)] = budget | 0; // budget < 2^53: low and high words
    m[S + (ST_BUDGET >> 2) + 1] = Math.floor(budget / 4294967296);
    m[S + (ST_MAX >> 2)] = mem.maxBytes | 0;
    m[S + (ST_MAX >> 2) + 1] = Math.floor(mem.maxBytes / 4294967296);
    m[S + (ST_CODE >> 2)] = loop.base;
    for (let i = 0; i <= len; i++) {
      const p = RAM_CODE + 4 * i;
      const q = (loop.base >> 2) + i * (SLOT_BYTES >> 2);
      const w = ram[p] as number;
      const key = w & 0xffff;
      m[q] = key | (((w >>> 16) & 15) << 19) | ((w >>> 20) << 27);
      const t = i < len ? jumpTarget(decoded, i) : undefined;
      const fused = key >= FUSED_BASE && key < FUSED_BASE + FUSABLE.length;
      m[q + 1] = t !== undefined && !fused ? loop.base + t * SLOT_BYTES : (ram[p + 1] as number);
      m[q + 2] = ram[p + 2] as number;
      m[q + 3] = ram[p + 3] as number;
      m[q + 4] = seg[i] as number;
      if (fused) m[q + 5] = (ram[p + 1] as number) * 8;
    }
    return loop;
  }

  /** The memory as words (a new view after the memory grew). */
  private view(): Int32Array {
    if (this.u8 !== this.mem.u8) {
      this.u8 = this.mem.u8;
      this.i32 = new Int32Array(this.u8.buffer);
    }
    return this.i32;
  }

  /** Sets r10 of frame 0 for the runs to come (the nesting-0 stack's top). */
  setTop(top: number): void {
    this.view()[(this.st + ST_TOP) >> 2] = top;
  }

  /** r0's low half after OUT_EXIT. */
  r0Lo(): number {
    return this.view()[(this.st >> 2) + W_REGS] as number;
  }

  /** r0's high half after OUT_EXIT. */
  r0Hi(): number {
    return this.view()[(this.st >> 2) + W_REGS + 1] as number;
  }

  /** The deepest frame the last stretch opened (0: none). */
  exitDepth(): number {
    return this.view()[(this.st >> 2) + W_MAXDEPTH] as number;
  }

  /** Instructions counted by the run so far (after OUT_EXIT: the run's count). */
  count(): number {
    const m = this.view();
    const S = this.st >> 2;
    return ((m[S + W_N] as number) >>> 0) + (m[S + W_N + 1] as number) * 4294967296;
  }

  /**
   * Carries on a run whose `start` returned `out`: helper and kfunc calls
   * made here between stretches of the Wasm loop, and the JavaScript loop
   * from wherever the Wasm loop gives up. Leaves r0 in `prog.ram` and sets
   * `prog.lastInsnCount`, as execute does.
   * @throws {BpfFault}
   */
  finish(prog: Executable, ctx: RunContext, out: number): void {
    const S = this.st >> 2;
    const stack = ctx.stack;
    const R = prog.ram;
    for (;;) {
      let m = this.view();
      const pcAddr = m[S + W_PC] as number;
      const pc = (pcAddr - this.base) / SLOT_BYTES;
      if (out === OUT_CALL) {
        // What the call reads: r1-r5, and callx's dst; it writes r0 only.
        for (let r = 1; r <= 5; r++) {
          R[r] = m[S + W_REGS + 2 * r] as number;
          R[r + 16] = m[S + W_REGS + 2 * r + 1] as number;
        }
        const w = R[RAM_CODE + 4 * pc] as number;
        if ((w & 0xffff) === 0x8d) {
          const d = (w >>> 16) & 15;
          R[d] = m[S + W_REGS + 2 * d] as number;
          R[d + 16] = m[S + W_REGS + 2 * d + 1] as number;
        }
        try {
          callAt(prog, pc);
        } catch (e) {
          // As execute's finally: counted through the call; a frameless callee's frame opens.
          const maxDepth = m[S + W_MAXDEPTH] as number;
          if (maxDepth > stack.maxDepth) stack.maxDepth = maxDepth;
          prog.lastInsnCount = this.count();
          if ((m[S + W_LAZY] as number) !== 0) stack.enter(m[S + W_DEPTH] as number);
          throw e;
        }
        m = this.view();
        m[S + W_REGS] = R[0] as number;
        m[S + W_REGS + 1] = R[16] as number;
        out = this.fns.run(pcAddr + SLOT_BYTES, this.st);
        continue;
      }
      const maxDepth = m[S + W_MAXDEPTH] as number;
      if (maxDepth > stack.maxDepth) stack.maxDepth = maxDepth;
      const n = this.count();
      if (out === OUT_EXIT) {
        R[0] = m[S + W_REGS] as number;
        R[16] = m[S + W_REGS + 1] as number;
        prog.lastInsnCount = n;
        return;
      }
      // The JavaScript loop takes the run over at pc, with the registers, the caller frames'
      // saved registers and return slots, the count, depth and the innermost call's flags.
      for (let r = 0; r <= 10; r++) {
        R[r] = m[S + W_REGS + 2 * r] as number;
        R[r + 16] = m[S + W_REGS + 2 * r + 1] as number;
      }
      const depth = m[S + W_DEPTH] as number;
      for (let f = 0; f < depth; f++) {
        const F = S + W_FRAMES + f * W_FRAME;
        for (let k = 0; k < 9; k++) ctx.saved[f * 9 + k] = m[F + k] as number;
        ctx.retPc[f] = ((m[F + 10] as number) - this.base) / SLOT_BYTES;
      }
      execute(prog, ctx, pc, out === OUT_FALLBACK ? n - (prog.seg[pc] as number) : n, depth, m[S + W_LAZY] as number);
      return;
    }
  }

  /** Returns the block to the engine area. */
  free(): void {
    this.mem.engineFree(this.st);
  }
}

/** The helper, callx or kfunc call at slot `pc`, on the registers in `prog.ram`, as vm/interp.ts makes it. */
function callAt(prog: Executable, pc: number): void {
  const R = prog.ram;
  const p = RAM_CODE + 4 * pc;
  const w = R[p] as number;
  switch (w & 0xffff) {
    case 0x85:
      callOut(prog, prog.helpers, "helper", R[p + 2] as number, R, prog.hi, pc);
      break;
    case 0x8d: {
      const d = (w >>> 16) & 15;
      callOut(prog, prog.helpers, "helper", ((R[d + 16] as number) >>> 0) * 4294967296 + ((R[d] as number) >>> 0), R, prog.hi, pc);
      break;
    }
    default:
      callOut(prog, prog.kfuncs, "kfunc", R[p + 2] as number, R, prog.hi, pc);
  }
}
