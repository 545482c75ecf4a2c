/**
 * @fileoverview The interpreter loop: executes a pre-decoded program on
 * registers held as int32 (lo, hi) pairs, with RFC 9669 semantics.
 *
 * Dispatch is a `switch` over numeric-literal keys (asm/opcodes.ts): V8
 * compiles a literal switch to one jump table, but a switch over named
 * constants to a chain of compares, 20 times slower here. Registers and
 * code share one Int32Array (vm/layout.ts): r's low half at R[r], high half
 * at R[r + 16], slot i at 32 + 4i. The offsets are literals here for the
 * same reason as the keys.
 *
 * Hot operations (compares, shifts, 64-bit multiply, memory checks) are
 * written out in their cases rather than called: V8 stops inlining into a
 * function this large once its inlining budget is spent, and a call per
 * instruction costs more than the instruction. Rare ones (divide, byte
 * swaps, atomics) are calls.
 *
 * Memory: every access checks the kernel memory's permission shadow
 * (granules of its first and last byte, and addr + size ≤ maxBytes; an
 * address with any of the high 32 bits set always faults). The byte views
 * are re-read after every helper or kfunc call, which may grow the memory.
 *
 * Calls: a bpf-to-bpf call saves r6-r9 and r10 and switches r10 to the next
 * frame; on return they are restored and r0 holds the result; r1-r5 hold
 * whatever the callee left. Helper and kfunc calls leave r1-r5 unchanged.
 * A callee that never names r10 and makes no calls (vm/frameless.ts) runs
 * with its frame closed and r10 unchanged (it cannot tell), and one that
 * also never writes r6-r9 without their save and restore; a fault inside it
 * opens its frame, so the memory after any run is what opening every frame
 * would leave (test/jit checks this against the eager interpreter).
 *
 * Counting: by segments (vm/segments.ts), not per instruction.
 *
 * Invariant: `pc` always indexes a slot (decode checked every jump target;
 * a KEY_FALLOFF sentinel follows the last slot).
 *
 * This loop is the reference. The interpreter's fast path, the same loop
 * written in WebAssembly (vm/wasm-loop.ts), resumes a run here, at the slot
 * where it stopped, for every fault and every instruction it does not run.
 */
import { MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
import type { BpfCallFn } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import {
  bswap16, bswap32, div32s, div64s, div64u, mod32s, mod64s, mod64u,
} from "./alu64.js";
import { atomic32, atomic64 } from "./atomics.js";
import { budgetFault, callOut, insnFault, memFault, stackFault } from "./faults.js";
import { isFusedKey, unfused } from "./fuse.js";
import { KEY_BUDGET, budgetSlot } from "./segments.js";
import type { StackRegion } from "./stack.js";

/**
 * Eight shadow bytes of PERM_RW (0x03) as the double with that bit pattern
 * (a normal number, so stores keep its bits): one setFloat64 opens 8
 * granules.
 */
const SHADOW_RW8 = new Float64Array(new BigUint64Array([0x0303030303030303n]).buffer)[0] as number;

/** What the loop reads from a prepared program. */
export interface Executable {
  readonly name: string;
  readonly insns: Uint8Array;
  /** Registers and packed code (vm/layout.ts). Private to one prepared program: the loop patches it. */
  readonly ram: Int32Array;
  /** View of the high halves of the registers (ram[16..32)), for helpers that take (L, H). */
  readonly hi: Int32Array;
  /** Per slot: instructions through the end of its segment (vm/segments.ts). */
  readonly seg: Int32Array;
  readonly mem: KernelMemory;
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  readonly budget: number;
  lastInsnCount: number;
}

/** Per-run state besides the registers: call frames and stack. One per nesting level of runs. */
export interface RunContext {
  /** Saved r6-r9 (lo, hi) and r10 (lo) of each caller frame: 9 per frame. */
  readonly saved: Int32Array;
  /** Return slot of each caller frame. */
  readonly retPc: Int32Array;
  readonly stack: StackRegion;
}

/** Allocates the per-run frame bookkeeping. */
export function newRunContext(stack: StackRegion): RunContext {
  return {
    saved: new Int32Array(MAX_CALL_FRAMES * 9),
    retPc: new Int32Array(MAX_CALL_FRAMES),
    stack,
  };
}

/**
 * The instructions a typical program rarely runs, out of the main loop so
 * that V8 compiles the loop smaller (fewer spills): signed division, modulo
 * (and 64-bit unsigned modulo), cpu v4 sign extensions, byte swaps and atomics. (The
 * 64-bit unsigned division, which congestion-control code does on every
 * ACK, is called from the loop directly, and the unsigned 32-bit division
 * and modulo of tcp_cubic's u32 arithmetic are written out in it.)
 */
function rareOp(prog: Executable, pc: number, key: number, d: number, s: number, p: number, L: Int32Array, H: Int32Array, u8: Uint8Array, dv: DataView, max: number): void {
  const code = prog.ram;
  switch (key) {
    case 0x100: div32s(L, H, d, code[p + 2] as number); break; // sdiv32 K
    case 0x101: div32s(L, H, d, L[s] as number); break; // sdiv32 X
    case 0x104: mod32s(L, H, d, code[p + 2] as number); break; // smod32 K
    case 0x105: mod32s(L, H, d, L[s] as number); break; // smod32 X
    case 0x108: L[d] = ((L[s] as number) << 24) >> 24; H[d] = 0; break; // movsx8 (32)
    case 0x109: L[d] = ((L[s] as number) << 16) >> 16; H[d] = 0; break; // movsx16 (32)
    case 0x110: L[d] = (L[d] as number) & 0xffff; H[d] = 0; break; // le16
    case 0x111: H[d] = 0; break; // le32
    case 0x112: break; // le64
    case 0x113: case 0x116: L[d] = bswap16(L[d] as number); H[d] = 0; break; // be16, bswap16
    case 0x114: case 0x117: L[d] = bswap32(L[d] as number); H[d] = 0; break; // be32, bswap32
    case 0x115: case 0x118: { // be64, bswap64
      const lo = L[d] as number;
      L[d] = bswap32(H[d] as number);
      H[d] = bswap32(lo);
      break;
    }
    case 0x97: { const k = code[p + 2] as number; mod64u(L, H, d, k, k >> 31); break; } // mod K
    case 0x9f: mod64u(L, H, d, L[s] as number, H[s] as number); break; // mod X
    case 0x102: { const k = code[p + 2] as number; div64s(L, H, d, k, k >> 31); break; } // sdiv K
    case 0x103: div64s(L, H, d, L[s] as number, H[s] as number); break; // sdiv X
    case 0x106: { const k = code[p + 2] as number; mod64s(L, H, d, k, k >> 31); break; } // smod K
    case 0x107: mod64s(L, H, d, L[s] as number, H[s] as number); break; // smod X
    case 0x10a: { const v = ((L[s] as number) << 24) >> 24; L[d] = v; H[d] = v >> 31; break; } // movsx8
    case 0x10b: { const v = ((L[s] as number) << 16) >> 16; L[d] = v; H[d] = v >> 31; break; } // movsx16
    case 0x10c: { const v = L[s] as number; L[d] = v; H[d] = v >> 31; break; } // movsx32
    case 0x120: case 0x121: case 0x122: case 0x123: case 0x124: case 0x125: case 0x126: case 0x127: case 0x128: case 0x129: {
      const off = code[p + 1] as number; const a = ((L[d] as number) >>> 0) + off;
      if (H[d] !== 0 || a < 0 || a + 4 > max || ((u8[a >>> 3] as number) & 3) !== 3 || ((u8[(a + 3) >>> 3] as number) & 3) !== 3) {
        throw memFault(prog, pc, L[d] as number, H[d] as number, off, 4, "atomic");
      }
      atomic32(key - 0x120, a, dv, L, H, s); break;
    }
    case 0x130: case 0x131: case 0x132: case 0x133: case 0x134: case 0x135: case 0x136: case 0x137: case 0x138: case 0x139: {
      const off = code[p + 1] as number; const a = ((L[d] as number) >>> 0) + off;
      if (H[d] !== 0 || a < 0 || a + 8 > max || ((u8[a >>> 3] as number) & 3) !== 3 || ((u8[(a + 7) >>> 3] as number) & 3) !== 3) {
        throw memFault(prog, pc, L[d] as number, H[d] as number, off, 8, "atomic");
      }
      atomic64(key - 0x130, a, dv, L, H, s); break;
    }
    default:
      throw insnFault(prog, pc, `cannot execute key 0x${key.toString(16)}`);
  }
}

/**
 * Runs `prog` from slot 0 with the registers already set in `prog.ram` (r1,
 * r2, r10, zeroes elsewhere). Leaves r0 of the main frame's exit in
 * `prog.ram` (the caller converts it as it needs) and sets `prog.lastInsnCount`.
 *
 * The Wasm loop (vm/wasm-loop.ts) resumes a run here at any slot: `pc0`
 * entering a segment with `n0` instructions counted before it (or inside
 * one, with `n0` its count less seg[pc0], the instructions from pc0 on),
 * `depth0` frames deep (their saved registers and return slots in `ctx`)
 * and the innermost call's CALL_* flags `lazy0`.
 * @throws {BpfFault}
 */
export function execute(prog: Executable, ctx: RunContext, pc0: number, n0: number, depth0: number, lazy0: number): void {
  // One array holds the registers and the code (vm/layout.ts): low halves at
  // 0-15, high halves at 16-31, slots from 32. With a single typed array V8
  // reloads one backing store and bound per instruction instead of three.
  const R = prog.ram;
  const code = R;
  const HI = prog.hi; // the high halves as their own view, for helpers taking (L, H)
  const seg = prog.seg;
  const mem = prog.mem;
  const max = mem.maxBytes;
  const budget = prog.budget;
  const { saved, retPc, stack } = ctx;
  let u8 = mem.u8;
  let dv = mem.dv;
  let n = n0;
  let pc = pc0 | 0; // int32 from the start, as the constant 0 was: a plain parameter widens the loop's phis
  let depth = depth0 | 0;
  let patched = -1;
  let patchedWord = 0;
  let fusedWord = 0;
  let exhausted = false;
  // The CALL_* flags (vm/frameless.ts) of the innermost frame's call: nonzero
  // when its frame was not opened (only the innermost frame can be such a callee).
  let lazy = lazy0 | 0;
  try {
    // Each pass of the outer loop enters a segment at pc and counts all of it.
    seg: for (;;) {
      n += seg[pc] as number;
      if (n > budget) {
        // The budget runs out inside this segment: mark where, so reaching it faults.
        patched = budgetSlot(R, pc, (seg[pc] as number) - (n - budget));
        patchedWord = code[32 + (patched << 2)] as number;
        code[32 + (patched << 2)] = KEY_BUDGET | (patchedWord & ~0xffff); // RAM_CODE = 32
        // A fused pair ending at the mark would step over it: run its mov alone until the run ends.
        const prev = patched > 0 ? (code[28 + (patched << 2)] as number) : 0;
        if (isFusedKey(prev & 0xffff)) {
          fusedWord = prev;
          code[28 + (patched << 2)] = unfused(prev);
        }
      }
      for (;;) {
        const p = 32 + (pc << 2); // RAM_CODE = 32
        const w = code[p] as number;
        const d = (w >>> 16) & 15;
        const s = w >>> 20;
        switch (w & 0xffff) {
          // ---- ALU: 32-bit, results zero-extended ----
          case 0x04: R[d] = ((R[d] as number) + (code[p + 2] as number)) | 0; R[d + 16] = 0; break; // add32 K
          case 0x0c: R[d] = ((R[d] as number) + (R[s] as number)) | 0; R[d + 16] = 0; break; // add32 X
          case 0x14: R[d] = ((R[d] as number) - (code[p + 2] as number)) | 0; R[d + 16] = 0; break; // sub32 K
          case 0x1c: R[d] = ((R[d] as number) - (R[s] as number)) | 0; R[d + 16] = 0; break; // sub32 X
          case 0x24: R[d] = Math.imul(R[d] as number, code[p + 2] as number); R[d + 16] = 0; break; // mul32 K
          case 0x2c: R[d] = Math.imul(R[d] as number, R[s] as number); R[d + 16] = 0; break; // mul32 X
          case 0x44: R[d] = (R[d] as number) | (code[p + 2] as number); R[d + 16] = 0; break; // or32 K
          case 0x4c: R[d] = (R[d] as number) | (R[s] as number); R[d + 16] = 0; break; // or32 X
          case 0x54: R[d] = (R[d] as number) & (code[p + 2] as number); R[d + 16] = 0; break; // and32 K
          case 0x5c: R[d] = (R[d] as number) & (R[s] as number); R[d + 16] = 0; break; // and32 X
          case 0x64: R[d] = (R[d] as number) << ((code[p + 2] as number) & 31); R[d + 16] = 0; break; // lsh32 K
          case 0x6c: R[d] = (R[d] as number) << ((R[s] as number) & 31); R[d + 16] = 0; break; // lsh32 X
          case 0x74: R[d] = (R[d] as number) >>> ((code[p + 2] as number) & 31); R[d + 16] = 0; break; // rsh32 K
          case 0x7c: R[d] = (R[d] as number) >>> ((R[s] as number) & 31); R[d + 16] = 0; break; // rsh32 X
          case 0x84: R[d] = -(R[d] as number) | 0; R[d + 16] = 0; break; // neg32
          case 0xa4: R[d] = (R[d] as number) ^ (code[p + 2] as number); R[d + 16] = 0; break; // xor32 K
          case 0xac: R[d] = (R[d] as number) ^ (R[s] as number); R[d + 16] = 0; break; // xor32 X
          case 0xb4: R[d] = code[p + 2] as number; R[d + 16] = 0; break; // mov32 K
          case 0xbc: R[d] = R[s] as number; R[d + 16] = 0; break; // mov32 X
          case 0xc4: R[d] = (R[d] as number) >> ((code[p + 2] as number) & 31); R[d + 16] = 0; break; // arsh32 K
          case 0xcc: R[d] = (R[d] as number) >> ((R[s] as number) & 31); R[d + 16] = 0; break; // arsh32 X

          // ---- ALU64 (K sign-extended to 64 bits) ----
          case 0x07: { // add K
            const lo = R[d] as number; const k = code[p + 2] as number; const r = (lo + k) | 0;
            R[d] = r; R[d + 16] = ((R[d + 16] as number) + (k >> 31) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; break;
          }
          case 0x0f: { // add X
            const lo = R[d] as number; const r = (lo + (R[s] as number)) | 0;
            R[d] = r; R[d + 16] = ((R[d + 16] as number) + (R[s + 16] as number) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; break;
          }
          case 0x17: { // sub K
            const lo = R[d] as number; const k = code[p + 2] as number;
            R[d] = (lo - k) | 0; R[d + 16] = ((R[d + 16] as number) - (k >> 31) - (lo >>> 0 < k >>> 0 ? 1 : 0)) | 0; break;
          }
          case 0x1f: { // sub X
            const lo = R[d] as number; const b = R[s] as number;
            R[d] = (lo - b) | 0; R[d + 16] = ((R[d + 16] as number) - (R[s + 16] as number) - (lo >>> 0 < b >>> 0 ? 1 : 0)) | 0; break;
          }
          case 0x47: { const k = code[p + 2] as number; R[d] = (R[d] as number) | k; R[d + 16] = (R[d + 16] as number) | (k >> 31); break; } // or K
          case 0x4f: R[d] = (R[d] as number) | (R[s] as number); R[d + 16] = (R[d + 16] as number) | (R[s + 16] as number); break; // or X
          case 0x57: { const k = code[p + 2] as number; R[d] = (R[d] as number) & k; R[d + 16] = (R[d + 16] as number) & (k >> 31); break; } // and K
          case 0x5f: R[d] = (R[d] as number) & (R[s] as number); R[d + 16] = (R[d + 16] as number) & (R[s + 16] as number); break; // and X
          case 0x67: case 0x6f: { // lsh K, X
            const c = ((w & 0x08) !== 0 ? (R[s] as number) : (code[p + 2] as number)) & 63;
            const lo = R[d] as number;
            if (c >= 32) { R[d + 16] = lo << (c - 32); R[d] = 0; }
            else if (c !== 0) { R[d + 16] = ((R[d + 16] as number) << c) | (lo >>> (32 - c)); R[d] = lo << c; }
            break;
          }
          case 0x77: case 0x7f: { // rsh K, X
            const c = ((w & 0x08) !== 0 ? (R[s] as number) : (code[p + 2] as number)) & 63;
            const hi = R[d + 16] as number;
            if (c >= 32) { R[d] = hi >>> (c - 32); R[d + 16] = 0; }
            else if (c !== 0) { R[d] = ((R[d] as number) >>> c) | (hi << (32 - c)); R[d + 16] = hi >>> c; }
            break;
          }
          case 0xc7: case 0xcf: { // arsh K, X
            const c = ((w & 0x08) !== 0 ? (R[s] as number) : (code[p + 2] as number)) & 63;
            const hi = R[d + 16] as number;
            if (c >= 32) { R[d] = hi >> (c - 32); R[d + 16] = hi >> 31; }
            else if (c !== 0) { R[d] = ((R[d] as number) >>> c) | (hi << (32 - c)); R[d + 16] = hi >> c; }
            break;
          }
          case 0x87: { const lo = R[d] as number; R[d] = -lo | 0; R[d + 16] = (~(R[d + 16] as number) + (lo === 0 ? 1 : 0)) | 0; break; } // neg
          case 0xa7: { const k = code[p + 2] as number; R[d] = (R[d] as number) ^ k; R[d + 16] = (R[d + 16] as number) ^ (k >> 31); break; } // xor K
          case 0xaf: R[d] = (R[d] as number) ^ (R[s] as number); R[d + 16] = (R[d + 16] as number) ^ (R[s + 16] as number); break; // xor X
          case 0xb7: { const k = code[p + 2] as number; R[d] = k; R[d + 16] = k >> 31; break; } // mov K
          case 0xbf: R[d] = R[s] as number; R[d + 16] = R[s + 16] as number; break; // mov X
          case 0x27: case 0x2f: { // mul K, X: the low 64 bits of the product, from 16-bit partial products (each sum below 2^32)
            const a = R[d] as number; const ah = R[d + 16] as number;
            let b: number; let bh: number;
            if ((w & 0x08) !== 0) { b = R[s] as number; bh = R[s + 16] as number; } else { b = code[p + 2] as number; bh = b >> 31; }
            const a0 = a & 0xffff; const a1 = a >>> 16; const b0 = b & 0xffff; const b1 = b >>> 16;
            const t = a0 * b0; const m1 = a1 * b0 + (t >>> 16); const m2 = a0 * b1 + (m1 & 0xffff);
            R[d + 16] = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(a, bh) + Math.imul(ah, b)) | 0;
            R[d] = Math.imul(a, b);
            break;
          }
          case 0x18: R[d] = code[p + 2] as number; R[d + 16] = code[p + 3] as number; pc += 2; continue; // ld_imm64
          case 0x37: { const k = code[p + 2] as number; div64u(R, HI, d, k, k >> 31); break; } // div K (vm/alu64.ts)
          // Unsigned 32-bit division and modulo (alu64.ts div32u/mod32u, written out: u32 / u32 is exact in doubles).
          case 0x34: { const b = (code[p + 2] as number) >>> 0; R[d] = b === 0 ? 0 : Math.floor(((R[d] as number) >>> 0) / b) | 0; R[d + 16] = 0; break; } // div32 K
          case 0x3c: { const b = (R[s] as number) >>> 0; R[d] = b === 0 ? 0 : Math.floor(((R[d] as number) >>> 0) / b) | 0; R[d + 16] = 0; break; } // div32 X
          case 0x94: { const b = (code[p + 2] as number) >>> 0; if (b !== 0) R[d] = (((R[d] as number) >>> 0) % b) | 0; R[d + 16] = 0; break; } // mod32 K
          case 0x9c: { const b = (R[s] as number) >>> 0; if (b !== 0) R[d] = (((R[d] as number) >>> 0) % b) | 0; R[d + 16] = 0; break; } // mod32 X
          case 0x3f: div64u(R, HI, d, R[s] as number, R[s + 16] as number); break; // div X

          // ---- mov64 X + ALU64 on the same dst, fused (vm/fuse.ts): d = s op (x or k) ----
          case 0x160: { // add K
            const lo = R[s] as number; const hi = R[s + 16] as number; const k = code[p + 2] as number; const r = (lo + k) | 0;
            R[d] = r; R[d + 16] = (hi + (k >> 31) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; pc += 2; continue;
          }
          case 0x161: { // add X
            const x = code[p + 1] as number; const lo = R[s] as number; const hi = R[s + 16] as number; const r = (lo + (R[x] as number)) | 0;
            R[d + 16] = (hi + (R[x + 16] as number) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; R[d] = r; pc += 2; continue;
          }
          case 0x162: { // sub K
            const lo = R[s] as number; const hi = R[s + 16] as number; const k = code[p + 2] as number;
            R[d] = (lo - k) | 0; R[d + 16] = (hi - (k >> 31) - (lo >>> 0 < k >>> 0 ? 1 : 0)) | 0; pc += 2; continue;
          }
          case 0x163: { // sub X
            const x = code[p + 1] as number; const lo = R[s] as number; const hi = R[s + 16] as number; const b = R[x] as number;
            R[d + 16] = (hi - (R[x + 16] as number) - (lo >>> 0 < b >>> 0 ? 1 : 0)) | 0; R[d] = (lo - b) | 0; pc += 2; continue;
          }
          case 0x164: { const k = code[p + 2] as number; const hi = R[s + 16] as number; R[d] = (R[s] as number) | k; R[d + 16] = hi | (k >> 31); pc += 2; continue; } // or K
          case 0x165: { const x = code[p + 1] as number; const lo = (R[s] as number) | (R[x] as number); R[d + 16] = (R[s + 16] as number) | (R[x + 16] as number); R[d] = lo; pc += 2; continue; } // or X
          case 0x166: { const k = code[p + 2] as number; const hi = R[s + 16] as number; R[d] = (R[s] as number) & k; R[d + 16] = hi & (k >> 31); pc += 2; continue; } // and K
          case 0x167: { const x = code[p + 1] as number; const lo = (R[s] as number) & (R[x] as number); R[d + 16] = (R[s + 16] as number) & (R[x + 16] as number); R[d] = lo; pc += 2; continue; } // and X
          case 0x168: case 0x169: { // lsh K, X
            const c = ((w & 1) !== 0 ? (R[code[p + 1] as number] as number) : (code[p + 2] as number)) & 63;
            const lo = R[s] as number; const hi = R[s + 16] as number;
            if (c >= 32) { R[d + 16] = lo << (c - 32); R[d] = 0; }
            else if (c !== 0) { R[d + 16] = (hi << c) | (lo >>> (32 - c)); R[d] = lo << c; }
            else { R[d] = lo; R[d + 16] = hi; }
            pc += 2; continue;
          }
          case 0x16a: case 0x16b: { // rsh K, X
            const c = ((w & 1) !== 0 ? (R[code[p + 1] as number] as number) : (code[p + 2] as number)) & 63;
            const lo = R[s] as number; const hi = R[s + 16] as number;
            if (c >= 32) { R[d] = hi >>> (c - 32); R[d + 16] = 0; }
            else if (c !== 0) { R[d] = (lo >>> c) | (hi << (32 - c)); R[d + 16] = hi >>> c; }
            else { R[d] = lo; R[d + 16] = hi; }
            pc += 2; continue;
          }
          case 0x16c: { const k = code[p + 2] as number; const hi = R[s + 16] as number; R[d] = (R[s] as number) ^ k; R[d + 16] = hi ^ (k >> 31); pc += 2; continue; } // xor K
          case 0x16d: { const x = code[p + 1] as number; const lo = (R[s] as number) ^ (R[x] as number); R[d + 16] = (R[s + 16] as number) ^ (R[x + 16] as number); R[d] = lo; pc += 2; continue; } // xor X
          case 0x16e: case 0x16f: { // arsh K, X
            const c = ((w & 1) !== 0 ? (R[code[p + 1] as number] as number) : (code[p + 2] as number)) & 63;
            const lo = R[s] as number; const hi = R[s + 16] as number;
            if (c >= 32) { R[d] = hi >> (c - 32); R[d + 16] = hi >> 31; }
            else if (c !== 0) { R[d] = (lo >>> c) | (hi << (32 - c)); R[d + 16] = hi >> c; }
            else { R[d] = lo; R[d + 16] = hi; }
            pc += 2; continue;
          }

          // ---- JMP: 64-bit compares, K sign-extended ----
          case 0x15: { // jeq K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = al === bl && ah === bh ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x1d: { // jeq X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = al === bl && ah === bh ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x25: { // jgt K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 > bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x2d: { // jgt X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 > bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x35: { // jge K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 >= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x3d: { // jge X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 >= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x45: { // jset K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = (al & bl) !== 0 || (ah & bh) !== 0 ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x4d: { // jset X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = (al & bl) !== 0 || (ah & bh) !== 0 ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x55: { // jne K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = al !== bl || ah !== bh ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x5d: { // jne X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = al !== bl || ah !== bh ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x65: { // jsgt K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah > bh || (ah === bh && al >>> 0 > bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x6d: { // jsgt X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah > bh || (ah === bh && al >>> 0 > bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x75: { // jsge K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah > bh || (ah === bh && al >>> 0 >= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0x7d: { // jsge X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah > bh || (ah === bh && al >>> 0 >= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xa5: { // jlt K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xad: { // jlt X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xb5: { // jle K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 <= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xbd: { // jle X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 <= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xc5: { // jslt K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah < bh || (ah === bh && al >>> 0 < bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xcd: { // jslt X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah < bh || (ah === bh && al >>> 0 < bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xd5: { // jsle K
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = code[p + 2] as number; const bh = bl >> 31;
            pc = ah < bh || (ah === bh && al >>> 0 <= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }
          case 0xdd: { // jsle X
            const al = R[d] as number; const ah = R[d + 16] as number; const bl = R[s] as number; const bh = R[s + 16] as number;
            pc = ah < bh || (ah === bh && al >>> 0 <= bl >>> 0) ? (code[p + 1] as number) : pc + 1; continue seg;
          }

          // ---- JMP32: compares of the low 32 bits ----
          case 0x16: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al === bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jeq32 K
          case 0x1e: { const al = R[d] as number; const bl = R[s] as number; pc = al === bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jeq32 X
          case 0x26: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al >>> 0 > bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jgt32 K
          case 0x2e: { const al = R[d] as number; const bl = R[s] as number; pc = al >>> 0 > bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jgt32 X
          case 0x36: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al >>> 0 >= bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jge32 K
          case 0x3e: { const al = R[d] as number; const bl = R[s] as number; pc = al >>> 0 >= bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jge32 X
          case 0x46: { const al = R[d] as number; const bl = code[p + 2] as number; pc = (al & bl) !== 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jset32 K
          case 0x4e: { const al = R[d] as number; const bl = R[s] as number; pc = (al & bl) !== 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jset32 X
          case 0x56: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al !== bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jne32 K
          case 0x5e: { const al = R[d] as number; const bl = R[s] as number; pc = al !== bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jne32 X
          case 0x66: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al > bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsgt32 K
          case 0x6e: { const al = R[d] as number; const bl = R[s] as number; pc = al > bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsgt32 X
          case 0x76: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al >= bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsge32 K
          case 0x7e: { const al = R[d] as number; const bl = R[s] as number; pc = al >= bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsge32 X
          case 0xa6: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al >>> 0 < bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jlt32 K
          case 0xae: { const al = R[d] as number; const bl = R[s] as number; pc = al >>> 0 < bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jlt32 X
          case 0xb6: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al >>> 0 <= bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jle32 K
          case 0xbe: { const al = R[d] as number; const bl = R[s] as number; pc = al >>> 0 <= bl >>> 0 ? (code[p + 1] as number) : pc + 1; continue seg; } // jle32 X
          case 0xc6: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al < bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jslt32 K
          case 0xce: { const al = R[d] as number; const bl = R[s] as number; pc = al < bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jslt32 X
          case 0xd6: { const al = R[d] as number; const bl = code[p + 2] as number; pc = al <= bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsle32 K
          case 0xde: { const al = R[d] as number; const bl = R[s] as number; pc = al <= bl ? (code[p + 1] as number) : pc + 1; continue seg; } // jsle32 X
          // ---- loads (need PERM_READ) ----
          case 0x61: { // ldxw
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 4 > max || ((u8[a >>> 3] as number) & 1) === 0 || ((u8[(a + 3) >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 4, "read");
            }
            R[d] = dv.getInt32(a, true); R[d + 16] = 0; break;
          }
          case 0x69: { // ldxh
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 2 > max || ((u8[a >>> 3] as number) & 1) === 0 || ((u8[(a + 1) >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 2, "read");
            }
            R[d] = dv.getUint16(a, true); R[d + 16] = 0; break;
          }
          case 0x71: { // ldxb
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 1 > max || ((u8[a >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 1, "read");
            }
            R[d] = u8[a] as number; R[d + 16] = 0; break;
          }
          case 0x79: { // ldxdw
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 8 > max || ((u8[a >>> 3] as number) & 1) === 0 || ((u8[(a + 7) >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 8, "read");
            }
            R[d] = dv.getInt32(a, true); R[d + 16] = dv.getInt32(a + 4, true); break;
          }
          case 0x81: { // ldxsw
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 4 > max || ((u8[a >>> 3] as number) & 1) === 0 || ((u8[(a + 3) >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 4, "read");
            }
            { const v = dv.getInt32(a, true); R[d] = v; R[d + 16] = v >> 31; } break;
          }
          case 0x89: { // ldxsh
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 2 > max || ((u8[a >>> 3] as number) & 1) === 0 || ((u8[(a + 1) >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 2, "read");
            }
            { const v = dv.getInt16(a, true); R[d] = v; R[d + 16] = v >> 31; } break;
          }
          case 0x91: { // ldxsb
            const off = code[p + 1] as number; const a = ((R[s] as number) >>> 0) + off;
            if (R[s + 16] !== 0 || a < 0 || a + 1 > max || ((u8[a >>> 3] as number) & 1) === 0) {
              throw memFault(prog, pc, R[s] as number, R[s + 16] as number, off, 1, "read");
            }
            { const v = dv.getInt8(a); R[d] = v; R[d + 16] = v >> 31; } break;
          }

          // ---- stores (need PERM_WRITE) ----
          case 0x62: { // stw
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 4 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 3) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 4, "write");
            }
            dv.setInt32(a, code[p + 2] as number, true); break;
          }
          case 0x6a: { // sth
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 2 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 1) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 2, "write");
            }
            dv.setInt16(a, code[p + 2] as number, true); break;
          }
          case 0x72: { // stb
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 1 > max || ((u8[a >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 1, "write");
            }
            u8[a] = code[p + 2] as number; break;
          }
          case 0x7a: { // stdw
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 8 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 7) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 8, "write");
            }
            { const k = code[p + 2] as number; dv.setInt32(a, k, true); dv.setInt32(a + 4, k >> 31, true); } break;
          }
          case 0x63: { // stxw
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 4 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 3) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 4, "write");
            }
            dv.setInt32(a, R[s] as number, true); break;
          }
          case 0x6b: { // stxh
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 2 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 1) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 2, "write");
            }
            dv.setInt16(a, R[s] as number, true); break;
          }
          case 0x73: { // stxb
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 1 > max || ((u8[a >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 1, "write");
            }
            u8[a] = R[s] as number; break;
          }
          case 0x7b: { // stxdw
            const off = code[p + 1] as number; const a = ((R[d] as number) >>> 0) + off;
            if (R[d + 16] !== 0 || a < 0 || a + 8 > max || ((u8[a >>> 3] as number) & 2) === 0 || ((u8[(a + 7) >>> 3] as number) & 2) === 0) {
              throw memFault(prog, pc, R[d] as number, R[d + 16] as number, off, 8, "write");
            }
            dv.setInt32(a, R[s] as number, true); dv.setInt32(a + 4, R[s + 16] as number, true); break;
          }

          // ---- atomics (need PERM_READ | PERM_WRITE) ----

          // ---- control ----
          case 0x05: pc = code[p + 1] as number; continue seg; // ja
          case 0x06: pc = code[p + 1] as number; continue seg; // ja32
          case 0x85: // call helper by id
            callOut(prog, prog.helpers, "helper", code[p + 2] as number, R, HI, pc);
            u8 = mem.u8;
            dv = mem.dv;
            pc++;
            continue seg;
          case 0x8d: // callx: helper whose id is dst's value
            callOut(prog, prog.helpers, "helper", ((R[d + 16] as number) >>> 0) * 4294967296 + ((R[d] as number) >>> 0), R, HI, pc);
            u8 = mem.u8;
            dv = mem.dv;
            pc++;
            continue seg;
          case 0x141: // call kfunc by BTF id
            callOut(prog, prog.kfuncs, "kfunc", code[p + 2] as number, R, HI, pc);
            u8 = mem.u8;
            dv = mem.dv;
            pc++;
            continue seg;
          case 0x140: { // bpf-to-bpf call
            if (depth + 1 >= MAX_CALL_FRAMES) throw stackFault(prog, pc);
            lazy = code[p + 3] as number;
            if (lazy !== 3) {
              const f = depth * 9;
              saved[f] = R[6] as number; saved[f + 1] = R[22] as number;
              saved[f + 2] = R[7] as number; saved[f + 3] = R[23] as number;
              saved[f + 4] = R[8] as number; saved[f + 5] = R[24] as number;
              saved[f + 6] = R[9] as number; saved[f + 7] = R[25] as number;
              saved[f + 8] = R[10] as number;
            }
            retPc[depth] = pc + 1;
            depth++;
            if (lazy !== 0) { // a frameless callee (vm/frameless.ts): its frame opens only if it faults
              pc = code[p + 1] as number;
              continue seg;
            }
            // stack.enter(depth), written out: PERM_RW on the frame's 64 shadow bytes.
            if (depth > stack.maxDepth) stack.maxDepth = depth;
            const top = stack.top - depth * 576; // STACK_STRIDE
            for (let g = (top - 512) >>> 3, e = g + 64; g < e; g += 8) dv.setFloat64(g, SHADOW_RW8); // MAX_BPF_STACK
            R[10] = top;
            R[26] = 0;
            pc = code[p + 1] as number;
            continue seg;
          }
          case 0x95: { // exit
            if (depth === 0) return;
            if (lazy === 3) { // frameless, r6-r9 untouched: nothing to undo (CALL_FRAMELESS | CALL_KEEPS_R6_R9)
              lazy = 0;
              depth--;
              pc = retPc[depth] as number;
              continue seg;
            }
            // stack.leave(depth), written out.
            if (lazy === 0) for (let g = (stack.top - depth * 576 - 512) >>> 3, e = g + 64; g < e; g += 8) dv.setFloat64(g, 0);
            lazy = 0;
            depth--;
            const f = depth * 9;
            R[6] = saved[f] as number; R[22] = saved[f + 1] as number;
            R[7] = saved[f + 2] as number; R[23] = saved[f + 3] as number;
            R[8] = saved[f + 4] as number; R[24] = saved[f + 5] as number;
            R[9] = saved[f + 6] as number; R[25] = saved[f + 7] as number;
            R[10] = saved[f + 8] as number; R[26] = 0;
            pc = retPc[depth] as number;
            continue seg;
          }

          // ---- never executed ----
          case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50:
            throw insnFault(prog, pc, "BPF_LD_[ABS|IND] needs an skb context, which this program does not have");
          case 0x151: // KEY_FALLOFF
            throw insnFault(prog, pc, "fell off the end of the program");
          case 0x152: // KEY_BUDGET, patched in at segment entry
            exhausted = true;
            throw budgetFault(prog, pc, budget);
          default:
            rareOp(prog, pc, w & 0xffff, d, s, p, R, HI, u8, dv, max);
        }
        pc++;
      }
    }
  } finally {
    if (patched >= 0) code[32 + (patched << 2)] = patchedWord;
    if (fusedWord !== 0) code[28 + (patched << 2)] = fusedWord;
    // A fault inside a frameless callee: its frame opens now, as the call would have opened it.
    if (lazy !== 0) stack.enter(depth);
    // Counted through the instruction at pc: the exit, or the one that faulted.
    // Frames above 0 stay open after a fault; the next run's stack reset closes them.
    prog.lastInsnCount = exhausted ? budget : n - (seg[pc] as number) + 1;
  }
}
