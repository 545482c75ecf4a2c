/**
 * @fileoverview The interpreter loop: executes a pre-decoded program on
 * registers held as int32 (lo, hi) pairs, with RFC 9669 semantics.
 *
 * Dispatch is a `switch` over numeric-literal keys (asm/opcodes.ts; V8 turns
 * a literal switch into one jump table, named constants would not be). Each
 * slot is four int32 in `code`: key | dst << 16 | src << 20, then off (or the
 * absolute target of a jump), imm, and the high imm of ld_imm64.
 *
 * Memory: every access checks the kernel memory's permission shadow inline
 * (granule of the first and of the last byte, and addr + size ≤ maxBytes;
 * an address with non-zero high 32 bits always faults). The byte views are
 * re-read after every helper or kfunc call, which may grow the memory.
 *
 * Calls: bpf-to-bpf calls save r6-r9 and r10 and switch r10 to the next
 * frame; on return they are restored and r0 holds the result; r1-r5 hold
 * whatever the callee left. Helper and kfunc calls leave r1-r5 unchanged.
 *
 * Invariant: `pc` always indexes a slot of `code` (decode checked every jump
 * target; a KEY_FALLOFF sentinel follows the last slot).
 */
import { MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
import type { BpfCallFn } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import {
  bswap16, bswap32, div32s, div32u, div64s, div64u, mod32s, mod32u, mod64s, mod64u, mul64, toU64,
} from "./alu64.js";
import { budgetFault, callOut, insnFault, memFault, stackFault } from "./faults.js";
import type { StackRegion } from "./stack.js";

/** What the loop reads from a prepared program. */
export interface Executable {
  readonly name: string;
  readonly insns: Uint8Array;
  /** Packed slots (4 int32 each), plus the sentinel. */
  readonly code: Int32Array;
  readonly mem: KernelMemory;
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  readonly kfuncs: ReadonlyMap<number, BpfCallFn>;
  readonly budget: number;
  lastInsnCount: number;
}

/** Per-run state: registers, call frames, stack. One per nesting level of runs. */
export interface RunContext {
  /** Low and high 32 bits of r0-r10 (16 entries each). */
  readonly L: Int32Array;
  readonly H: Int32Array;
  /** Saved r6-r9 (lo, hi) and r10 (lo) of each caller frame: 9 per frame. */
  readonly saved: Int32Array;
  /** Return slot of each caller frame. */
  readonly retPc: Int32Array;
  readonly stack: StackRegion;
}

/** Allocates the per-run register file and frame bookkeeping. */
export function newRunContext(stack: StackRegion): RunContext {
  return {
    L: new Int32Array(16),
    H: new Int32Array(16),
    saved: new Int32Array(MAX_CALL_FRAMES * 9),
    retPc: new Int32Array(MAX_CALL_FRAMES),
    stack,
  };
}

/** Effective address of `r + off` for `size` bytes with permission `need`, or -1. */
function ea(L: Int32Array, H: Int32Array, r: number, off: number, size: number, need: number, u8: Uint8Array, max: number): number {
  if (H[r] !== 0) return -1;
  const a = ((L[r] as number) >>> 0) + off;
  if (a < 0 || a + size > max) return -1;
  if (((u8[a >>> 3] as number) & need) !== need || ((u8[(a + size - 1) >>> 3] as number) & need) !== need) return -1;
  return a;
}

function lsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = L[d] as number;
  if (n < 32) {
    H[d] = ((H[d] as number) << n) | (lo >>> (32 - n));
    L[d] = lo << n;
  } else {
    H[d] = lo << (n - 32);
    L[d] = 0;
  }
}

function rsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = H[d] as number;
  if (n < 32) {
    L[d] = ((L[d] as number) >>> n) | (hi << (32 - n));
    H[d] = hi >>> n;
  } else {
    L[d] = hi >>> (n - 32);
    H[d] = 0;
  }
}

function arsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = H[d] as number;
  if (n < 32) {
    L[d] = ((L[d] as number) >>> n) | (hi << (32 - n));
    H[d] = hi >> n;
  } else {
    L[d] = hi >> (n - 32);
    H[d] = hi >> 31;
  }
}

/** Unsigned 64-bit a > b on (lo, hi) pairs. */
function gtU(al: number, ah: number, bl: number, bh: number): boolean {
  return ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 > bl >>> 0);
}
/** Signed 64-bit a > b. */
function gtS(al: number, ah: number, bl: number, bh: number): boolean {
  return ah > bh || (ah === bh && al >>> 0 > bl >>> 0);
}

/** Atomic op `i` (ATOMIC_OPS order) on 4 bytes at `a`. */
function atomic32(i: number, a: number, dv: DataView, L: Int32Array, H: Int32Array, s: number): void {
  const old = dv.getInt32(a, true);
  const v = L[s] as number;
  if (i < 8) switch (i & 3) {
    case 0: dv.setInt32(a, (old + v) | 0, true); break;
    case 1: dv.setInt32(a, old | v, true); break;
    case 2: dv.setInt32(a, old & v, true); break;
    case 3: dv.setInt32(a, old ^ v, true); break;
  }
  if (i === 8) dv.setInt32(a, v, true); // xchg
  if (i === 9) {
    // cmpxchg: compare with w0, always load the old value into r0 (zero-extended).
    if (old === L[0]) dv.setInt32(a, v, true);
    L[0] = old;
    H[0] = 0;
  } else if (i >= 4) {
    L[s] = old;
    H[s] = 0;
  }
}

/** Atomic op `i` on 8 bytes at `a`. */
function atomic64(i: number, a: number, dv: DataView, L: Int32Array, H: Int32Array, s: number): void {
  const ol = dv.getInt32(a, true);
  const oh = dv.getInt32(a + 4, true);
  const vl = L[s] as number;
  const vh = H[s] as number;
  let nl = vl;
  let nh = vh;
  if (i < 8) switch (i & 3) {
    case 0: nl = (ol + vl) | 0; nh = (oh + vh + (nl >>> 0 < ol >>> 0 ? 1 : 0)) | 0; break;
    case 1: nl = ol | vl; nh = oh | vh; break;
    case 2: nl = ol & vl; nh = oh & vh; break;
    case 3: nl = ol ^ vl; nh = oh ^ vh; break;
  }
  if (i === 9) {
    if (ol === L[0] && oh === H[0]) {
      dv.setInt32(a, vl, true);
      dv.setInt32(a + 4, vh, true);
    }
    L[0] = ol;
    H[0] = oh;
    return;
  }
  dv.setInt32(a, nl, true);
  dv.setInt32(a + 4, nh, true);
  if (i >= 4) {
    L[s] = ol;
    H[s] = oh;
  }
}

/**
 * Runs `prog` from slot 0 with the registers already set in `ctx` (r1, r2,
 * r10 and zeroes). Returns r0 of the main frame's exit as a u64.
 * @throws {BpfFault}
 */
export function execute(prog: Executable, ctx: RunContext): bigint {
  const code = prog.code;
  const mem = prog.mem;
  const max = mem.maxBytes;
  const budget = prog.budget;
  const { L, H, saved, retPc, stack } = ctx;
  let u8 = mem.u8;
  let dv = mem.dv;
  let n = 0;
  let pc = 0;
  let depth = 0;
  try {
    for (;;) {
      const p = pc << 2;
      const w = code[p] as number;
      if (++n > budget) {
        n--;
        throw budgetFault(prog, pc, budget);
      }
      const d = (w >>> 16) & 15;
      const s = w >>> 20;
      let a = 0;
      switch (w & 0xffff) {
        // ---- ALU (32-bit; results zero-extended) ----
        case 0x04: { const imm = code[p + 2] as number; L[d] = ((L[d] as number) + imm) | 0; H[d] = 0; break; }
        case 0x0c: L[d] = ((L[d] as number) + (L[s] as number)) | 0; H[d] = 0; break;
        case 0x14: { const imm = code[p + 2] as number; L[d] = ((L[d] as number) - imm) | 0; H[d] = 0; break; }
        case 0x1c: L[d] = ((L[d] as number) - (L[s] as number)) | 0; H[d] = 0; break;
        case 0x24: { const imm = code[p + 2] as number; L[d] = Math.imul(L[d] as number, imm); H[d] = 0; break; }
        case 0x2c: L[d] = Math.imul(L[d] as number, L[s] as number); H[d] = 0; break;
        case 0x34: { const imm = code[p + 2] as number; div32u(L, H, d, imm); break; }
        case 0x3c: div32u(L, H, d, L[s] as number); break;
        case 0x44: { const imm = code[p + 2] as number; L[d] = (L[d] as number) | imm; H[d] = 0; break; }
        case 0x4c: L[d] = (L[d] as number) | (L[s] as number); H[d] = 0; break;
        case 0x54: { const imm = code[p + 2] as number; L[d] = (L[d] as number) & imm; H[d] = 0; break; }
        case 0x5c: L[d] = (L[d] as number) & (L[s] as number); H[d] = 0; break;
        case 0x64: { const imm = code[p + 2] as number; L[d] = (L[d] as number) << (imm & 31); H[d] = 0; break; }
        case 0x6c: L[d] = (L[d] as number) << ((L[s] as number) & 31); H[d] = 0; break;
        case 0x74: { const imm = code[p + 2] as number; L[d] = (L[d] as number) >>> (imm & 31); H[d] = 0; break; }
        case 0x7c: L[d] = (L[d] as number) >>> ((L[s] as number) & 31); H[d] = 0; break;
        case 0x84: L[d] = -(L[d] as number) | 0; H[d] = 0; break;
        case 0x94: { const imm = code[p + 2] as number; mod32u(L, H, d, imm); break; }
        case 0x9c: mod32u(L, H, d, L[s] as number); break;
        case 0xa4: { const imm = code[p + 2] as number; L[d] = (L[d] as number) ^ imm; H[d] = 0; break; }
        case 0xac: L[d] = (L[d] as number) ^ (L[s] as number); H[d] = 0; break;
        case 0xb4: { const imm = code[p + 2] as number; L[d] = imm; H[d] = 0; break; }
        case 0xbc: L[d] = L[s] as number; H[d] = 0; break;
        case 0xc4: { const imm = code[p + 2] as number; L[d] = (L[d] as number) >> (imm & 31); H[d] = 0; break; }
        case 0xcc: L[d] = (L[d] as number) >> ((L[s] as number) & 31); H[d] = 0; break;
        case 0x100: { const imm = code[p + 2] as number; div32s(L, H, d, imm); break; } // sdiv32 K
        case 0x101: div32s(L, H, d, L[s] as number); break;
        case 0x104: { const imm = code[p + 2] as number; mod32s(L, H, d, imm); break; } // smod32 K
        case 0x105: mod32s(L, H, d, L[s] as number); break;
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

        // ---- ALU64 ----
        case 0x07: { const imm = code[p + 2] as number; const lo = L[d] as number; const r = (lo + imm) | 0; L[d] = r; H[d] = ((H[d] as number) + (imm >> 31) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; break; }
        case 0x0f: { const lo = L[d] as number; const r = (lo + (L[s] as number)) | 0; L[d] = r; H[d] = ((H[d] as number) + (H[s] as number) + (r >>> 0 < lo >>> 0 ? 1 : 0)) | 0; break; }
        case 0x17: { const imm = code[p + 2] as number; const lo = L[d] as number; L[d] = (lo - imm) | 0; H[d] = ((H[d] as number) - (imm >> 31) - (lo >>> 0 < imm >>> 0 ? 1 : 0)) | 0; break; }
        case 0x1f: { const lo = L[d] as number; const b = L[s] as number; const bh = H[s] as number; L[d] = (lo - b) | 0; H[d] = ((H[d] as number) - bh - (lo >>> 0 < b >>> 0 ? 1 : 0)) | 0; break; }
        case 0x27: { const imm = code[p + 2] as number; mul64(L, H, d, imm, imm >> 31); break; }
        case 0x2f: mul64(L, H, d, L[s] as number, H[s] as number); break;
        case 0x37: { const imm = code[p + 2] as number; div64u(L, H, d, imm, imm >> 31); break; }
        case 0x3f: div64u(L, H, d, L[s] as number, H[s] as number); break;
        case 0x47: { const imm = code[p + 2] as number; L[d] = (L[d] as number) | imm; H[d] = (H[d] as number) | (imm >> 31); break; }
        case 0x4f: L[d] = (L[d] as number) | (L[s] as number); H[d] = (H[d] as number) | (H[s] as number); break;
        case 0x57: { const imm = code[p + 2] as number; L[d] = (L[d] as number) & imm; H[d] = (H[d] as number) & (imm >> 31); break; }
        case 0x5f: L[d] = (L[d] as number) & (L[s] as number); H[d] = (H[d] as number) & (H[s] as number); break;
        case 0x67: { const imm = code[p + 2] as number; lsh64(L, H, d, imm & 63); break; }
        case 0x6f: lsh64(L, H, d, (L[s] as number) & 63); break;
        case 0x77: { const imm = code[p + 2] as number; rsh64(L, H, d, imm & 63); break; }
        case 0x7f: rsh64(L, H, d, (L[s] as number) & 63); break;
        case 0x87: { const lo = L[d] as number; L[d] = -lo | 0; H[d] = (~(H[d] as number) + (lo === 0 ? 1 : 0)) | 0; break; }
        case 0x97: { const imm = code[p + 2] as number; mod64u(L, H, d, imm, imm >> 31); break; }
        case 0x9f: mod64u(L, H, d, L[s] as number, H[s] as number); break;
        case 0xa7: { const imm = code[p + 2] as number; L[d] = (L[d] as number) ^ imm; H[d] = (H[d] as number) ^ (imm >> 31); break; }
        case 0xaf: L[d] = (L[d] as number) ^ (L[s] as number); H[d] = (H[d] as number) ^ (H[s] as number); break;
        case 0xb7: { const imm = code[p + 2] as number; L[d] = imm; H[d] = imm >> 31; break; }
        case 0xbf: L[d] = L[s] as number; H[d] = H[s] as number; break;
        case 0xc7: { const imm = code[p + 2] as number; arsh64(L, H, d, imm & 63); break; }
        case 0xcf: arsh64(L, H, d, (L[s] as number) & 63); break;
        case 0x102: { const imm = code[p + 2] as number; div64s(L, H, d, imm, imm >> 31); break; } // sdiv K
        case 0x103: div64s(L, H, d, L[s] as number, H[s] as number); break;
        case 0x106: { const imm = code[p + 2] as number; mod64s(L, H, d, imm, imm >> 31); break; } // smod K
        case 0x107: mod64s(L, H, d, L[s] as number, H[s] as number); break;
        case 0x10a: { const v = ((L[s] as number) << 24) >> 24; L[d] = v; H[d] = v >> 31; break; } // movsx8
        case 0x10b: { const v = ((L[s] as number) << 16) >> 16; L[d] = v; H[d] = v >> 31; break; } // movsx16
        case 0x10c: { const v = L[s] as number; L[d] = v; H[d] = v >> 31; break; } // movsx32

        // ---- JMP (64-bit compares; K sign-extended) ----
        case 0x05: pc = code[p + 1] as number; continue;
        case 0x06: pc = code[p + 1] as number; continue; // ja32
        case 0x15: { const imm = code[p + 2] as number; if (L[d] === imm && H[d] === imm >> 31) { pc = code[p + 1] as number; continue; } break; }
        case 0x1d: if (L[d] === L[s] && H[d] === H[s]) { pc = code[p + 1] as number; continue; } break;
        case 0x55: { const imm = code[p + 2] as number; if (L[d] !== imm || H[d] !== imm >> 31) { pc = code[p + 1] as number; continue; } break; }
        case 0x5d: if (L[d] !== L[s] || H[d] !== H[s]) { pc = code[p + 1] as number; continue; } break;
        case 0x45: { const imm = code[p + 2] as number; if (((L[d] as number) & imm) !== 0 || ((H[d] as number) & (imm >> 31)) !== 0) { pc = code[p + 1] as number; continue; } break; }
        case 0x4d: if (((L[d] as number) & (L[s] as number)) !== 0 || ((H[d] as number) & (H[s] as number)) !== 0) { pc = code[p + 1] as number; continue; } break;
        case 0x25: { const imm = code[p + 2] as number; if (gtU(L[d] as number, H[d] as number, imm, imm >> 31)) { pc = code[p + 1] as number; continue; } break; }
        case 0x2d: if (gtU(L[d] as number, H[d] as number, L[s] as number, H[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0x35: { const imm = code[p + 2] as number; if (!gtU(imm, imm >> 31, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break; }
        case 0x3d: if (!gtU(L[s] as number, H[s] as number, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xa5: { const imm = code[p + 2] as number; if (gtU(imm, imm >> 31, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break; }
        case 0xad: if (gtU(L[s] as number, H[s] as number, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xb5: { const imm = code[p + 2] as number; if (!gtU(L[d] as number, H[d] as number, imm, imm >> 31)) { pc = code[p + 1] as number; continue; } break; }
        case 0xbd: if (!gtU(L[d] as number, H[d] as number, L[s] as number, H[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0x65: { const imm = code[p + 2] as number; if (gtS(L[d] as number, H[d] as number, imm, imm >> 31)) { pc = code[p + 1] as number; continue; } break; }
        case 0x6d: if (gtS(L[d] as number, H[d] as number, L[s] as number, H[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0x75: { const imm = code[p + 2] as number; if (!gtS(imm, imm >> 31, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break; }
        case 0x7d: if (!gtS(L[s] as number, H[s] as number, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xc5: { const imm = code[p + 2] as number; if (gtS(imm, imm >> 31, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break; }
        case 0xcd: if (gtS(L[s] as number, H[s] as number, L[d] as number, H[d] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xd5: { const imm = code[p + 2] as number; if (!gtS(L[d] as number, H[d] as number, imm, imm >> 31)) { pc = code[p + 1] as number; continue; } break; }
        case 0xdd: if (!gtS(L[d] as number, H[d] as number, L[s] as number, H[s] as number)) { pc = code[p + 1] as number; continue; } break;

        // ---- JMP32 (low 32 bits) ----
        case 0x16: { const imm = code[p + 2] as number; if (L[d] === imm) { pc = code[p + 1] as number; continue; } break; }
        case 0x1e: if (L[d] === L[s]) { pc = code[p + 1] as number; continue; } break;
        case 0x56: { const imm = code[p + 2] as number; if (L[d] !== imm) { pc = code[p + 1] as number; continue; } break; }
        case 0x5e: if (L[d] !== L[s]) { pc = code[p + 1] as number; continue; } break;
        case 0x46: { const imm = code[p + 2] as number; if (((L[d] as number) & imm) !== 0) { pc = code[p + 1] as number; continue; } break; }
        case 0x4e: if (((L[d] as number) & (L[s] as number)) !== 0) { pc = code[p + 1] as number; continue; } break;
        case 0x26: { const imm = code[p + 2] as number; if ((L[d] as number) >>> 0 > imm >>> 0) { pc = code[p + 1] as number; continue; } break; }
        case 0x2e: if ((L[d] as number) >>> 0 > (L[s] as number) >>> 0) { pc = code[p + 1] as number; continue; } break;
        case 0x36: { const imm = code[p + 2] as number; if ((L[d] as number) >>> 0 >= imm >>> 0) { pc = code[p + 1] as number; continue; } break; }
        case 0x3e: if ((L[d] as number) >>> 0 >= (L[s] as number) >>> 0) { pc = code[p + 1] as number; continue; } break;
        case 0xa6: { const imm = code[p + 2] as number; if ((L[d] as number) >>> 0 < imm >>> 0) { pc = code[p + 1] as number; continue; } break; }
        case 0xae: if ((L[d] as number) >>> 0 < (L[s] as number) >>> 0) { pc = code[p + 1] as number; continue; } break;
        case 0xb6: { const imm = code[p + 2] as number; if ((L[d] as number) >>> 0 <= imm >>> 0) { pc = code[p + 1] as number; continue; } break; }
        case 0xbe: if ((L[d] as number) >>> 0 <= (L[s] as number) >>> 0) { pc = code[p + 1] as number; continue; } break;
        case 0x66: { const imm = code[p + 2] as number; if ((L[d] as number) > imm) { pc = code[p + 1] as number; continue; } break; }
        case 0x6e: if ((L[d] as number) > (L[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0x76: { const imm = code[p + 2] as number; if ((L[d] as number) >= imm) { pc = code[p + 1] as number; continue; } break; }
        case 0x7e: if ((L[d] as number) >= (L[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xc6: { const imm = code[p + 2] as number; if ((L[d] as number) < imm) { pc = code[p + 1] as number; continue; } break; }
        case 0xce: if ((L[d] as number) < (L[s] as number)) { pc = code[p + 1] as number; continue; } break;
        case 0xd6: { const imm = code[p + 2] as number; if ((L[d] as number) <= imm) { pc = code[p + 1] as number; continue; } break; }
        case 0xde: if ((L[d] as number) <= (L[s] as number)) { pc = code[p + 1] as number; continue; } break;

        // ---- calls and exit ----
        case 0x85: // helper by id
          callOut(prog, prog.helpers, "helper", code[p + 2] as number, L, H, pc);
          u8 = mem.u8;
          dv = mem.dv;
          break;
        case 0x141: // kfunc by BTF id
          callOut(prog, prog.kfuncs, "kfunc", code[p + 2] as number, L, H, pc);
          u8 = mem.u8;
          dv = mem.dv;
          break;
        case 0x140: { // bpf-to-bpf call
          if (depth + 1 >= MAX_CALL_FRAMES) throw stackFault(prog, pc);
          const f = depth * 9;
          saved[f] = L[6] as number; saved[f + 1] = H[6] as number;
          saved[f + 2] = L[7] as number; saved[f + 3] = H[7] as number;
          saved[f + 4] = L[8] as number; saved[f + 5] = H[8] as number;
          saved[f + 6] = L[9] as number; saved[f + 7] = H[9] as number;
          saved[f + 8] = L[10] as number;
          retPc[depth] = pc + 1;
          depth++;
          stack.enter(depth);
          L[10] = stack.frameTop(depth);
          H[10] = 0;
          pc = code[p + 1] as number;
          continue;
        }
        case 0x95: { // exit
          if (depth === 0) return toU64(L[0] as number, H[0] as number);
          stack.leave(depth);
          depth--;
          const f = depth * 9;
          L[6] = saved[f] as number; H[6] = saved[f + 1] as number;
          L[7] = saved[f + 2] as number; H[7] = saved[f + 3] as number;
          L[8] = saved[f + 4] as number; H[8] = saved[f + 5] as number;
          L[9] = saved[f + 6] as number; H[9] = saved[f + 7] as number;
          L[10] = saved[f + 8] as number; H[10] = 0;
          pc = retPc[depth] as number;
          continue;
        }

        // ---- loads ----
        case 0x18: { const imm = code[p + 2] as number; L[d] = imm; H[d] = code[p + 3] as number; pc += 2; continue; } // ld_imm64
        case 0x61: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 4, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 4, "read");
          L[d] = dv.getInt32(a, true); H[d] = 0; break;
        }
        case 0x69: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 2, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 2, "read");
          L[d] = dv.getUint16(a, true); H[d] = 0; break;
        }
        case 0x71: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 1, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 1, "read");
          L[d] = u8[a] as number; H[d] = 0; break;
        }
        case 0x79: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 8, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 8, "read");
          L[d] = dv.getInt32(a, true); H[d] = dv.getInt32(a + 4, true); break;
        }
        case 0x81: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 4, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 4, "read");
          L[d] = dv.getInt32(a, true); H[d] = (L[d] as number) >> 31; break;
        }
        case 0x89: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 2, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 2, "read");
          L[d] = dv.getInt16(a, true); H[d] = (L[d] as number) >> 31; break;
        }
        case 0x91: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, s, off, 1, 1, u8, max)) < 0) throw memFault(prog, pc, L[s] as number, H[s] as number, off, 1, "read");
          L[d] = dv.getInt8(a); H[d] = (L[d] as number) >> 31; break;
        }

        // ---- stores ----
        case 0x62: {
          const off = code[p + 1] as number; const imm = code[p + 2] as number;
          if ((a = ea(L, H, d, off, 4, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 4, "write");
          dv.setInt32(a, imm, true); break;
        }
        case 0x6a: {
          const off = code[p + 1] as number; const imm = code[p + 2] as number;
          if ((a = ea(L, H, d, off, 2, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 2, "write");
          dv.setInt16(a, imm, true); break;
        }
        case 0x72: {
          const off = code[p + 1] as number; const imm = code[p + 2] as number;
          if ((a = ea(L, H, d, off, 1, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 1, "write");
          u8[a] = imm; break;
        }
        case 0x7a: {
          const off = code[p + 1] as number; const imm = code[p + 2] as number;
          if ((a = ea(L, H, d, off, 8, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 8, "write");
          dv.setInt32(a, imm, true); dv.setInt32(a + 4, imm >> 31, true); break;
        }
        case 0x63: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 4, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 4, "write");
          dv.setInt32(a, L[s] as number, true); break;
        }
        case 0x6b: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 2, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 2, "write");
          dv.setInt16(a, L[s] as number, true); break;
        }
        case 0x73: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 1, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 1, "write");
          u8[a] = L[s] as number; break;
        }
        case 0x7b: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 8, 2, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 8, "write");
          dv.setInt32(a, L[s] as number, true); dv.setInt32(a + 4, H[s] as number, true); break;
        }

        // ---- atomics (need read and write) ----
        case 0x120: case 0x121: case 0x122: case 0x123: case 0x124:
        case 0x125: case 0x126: case 0x127: case 0x128: case 0x129: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 4, 3, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 4, "atomic");
          atomic32((w & 0xffff) - 0x120, a, dv, L, H, s); break;
        }
        case 0x130: case 0x131: case 0x132: case 0x133: case 0x134:
        case 0x135: case 0x136: case 0x137: case 0x138: case 0x139: {
          const off = code[p + 1] as number;
          if ((a = ea(L, H, d, off, 8, 3, u8, max)) < 0) throw memFault(prog, pc, L[d] as number, H[d] as number, off, 8, "atomic");
          atomic64((w & 0xffff) - 0x130, a, dv, L, H, s); break;
        }

        // ---- never run ----
        case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50:
          throw insnFault(prog, pc, "BPF_LD_[ABS|IND] needs an skb context, which this program does not have");
        case 0x151:
          throw insnFault(prog, pc, "fell off the end of the program");
        default:
          throw insnFault(prog, pc, `cannot execute key 0x${(w & 0xffff).toString(16)}`);
      }
      pc++;
    }
  } finally {
    // Frames above 0 stay open after a fault; the next run's stack reset closes them.
    prog.lastInsnCount = n;
  }
}
