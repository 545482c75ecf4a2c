/**
 * @fileoverview Large and deeply branching eBPF programs, as raw bytecode,
 * for the engines' scaling tests (test/jit/scaling.test.ts) and for any
 * fuzzer that wants long programs: chains of `ja +0`, straight-line ALU
 * code, chains of if/else diamonds, if/else nested inside each other,
 * nested counted loops, and a fast-check arbitrary mixing them. Every
 * program reads only r1 (the context, treated as a number), ends in `exit`
 * and terminates; r0 depends on r1 and on every branch taken.
 */
import fc from "fast-check";

/** One instruction's fields. */
interface Raw {
  readonly code: number;
  readonly dst?: number;
  readonly src?: number;
  readonly off?: number;
  readonly imm?: number;
}

/** Appends instructions to a growing buffer (8 bytes each, little-endian). */
export class RawProg {
  private buf = new Uint8Array(8 * 1024);
  private dv = new DataView(this.buf.buffer);
  /** Instructions so far. */
  length = 0;

  push(i: Raw): this {
    if ((this.length + 1) * 8 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
      this.dv = new DataView(b.buffer);
    }
    const p = this.length * 8;
    this.buf[p] = i.code;
    this.buf[p + 1] = ((i.src ?? 0) << 4) | (i.dst ?? 0);
    this.dv.setInt16(p + 2, i.off ?? 0, true);
    this.dv.setInt32(p + 4, i.imm ?? 0, true);
    this.length++;
    return this;
  }

  /** Overwrites the jump offset of instruction `at`. */
  patchOff(at: number, off: number): void {
    this.dv.setInt16(at * 8 + 2, off, true);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length * 8);
  }
}

// Opcodes (RFC 9669).
const MOV64_X = 0xbf;
const ADD64_K = 0x07;
const XOR64_K = 0xa7;
const MUL64_K = 0x27;
const ADD64_X = 0x0f;
const JA = 0x05;
const JGT_K = 0x25;
const JSET_K = 0x45;
const JNE_K = 0x55;
const EXIT = 0x95;

/** r0 = r1: every shape starts from the context value. */
const prologue = (p: RawProg): RawProg => p.push({ code: MOV64_X, dst: 0, src: 1 });
const epilogue = (p: RawProg): RawProg => p.push({ code: EXIT });

/** `n` instructions in all: r0 = r1, then `ja +0` until the exit. */
export function jaChain(n: number): Uint8Array {
  const p = prologue(new RawProg());
  while (p.length < n - 1) p.push({ code: JA });
  return epilogue(p).bytes();
}

/** `n` instructions in all: r0 = r1, then adds, xors and multiplies by constants on r0, then exit. */
export function straightLine(n: number): Uint8Array {
  const p = prologue(new RawProg());
  for (let k = 0; p.length < n - 1; k++) {
    const op = k % 3 === 0 ? ADD64_K : k % 3 === 1 ? XOR64_K : MUL64_K;
    p.push({ code: op, dst: 0, imm: op === MUL64_K ? 3 : (k * 2654435761) | 0 });
  }
  return epilogue(p).bytes();
}

/**
 * A chain of `n` if/else diamonds (4 instructions each):
 * `if r0 > c goto else; r0 += a; goto join; else: r0 ^= b; join:` with the
 * bit tested varying, so both arms run on some input.
 */
export function diamondChain(n: number): Uint8Array {
  const p = prologue(new RawProg());
  for (let k = 0; k < n; k++) {
    p.push({ code: k % 2 === 0 ? JSET_K : JGT_K, dst: 0, off: 2, imm: k % 2 === 0 ? 1 << (k % 31) : (k * 40503) & 0x7fffffff });
    p.push({ code: ADD64_K, dst: 0, imm: k + 1 });
    p.push({ code: JA, off: 1 });
    p.push({ code: XOR64_K, dst: 0, imm: k * 7 + 3 });
  }
  return epilogue(p).bytes();
}

/**
 * If/else nested `depth` deep: each level tests a bit of r0, and its then
 * arm holds the next level, its else arm one instruction. The arms' code
 * nests as deeply in the structured lowering.
 */
export function nestedDiamonds(depth: number): Uint8Array {
  const p = prologue(new RawProg());
  const open: number[] = [];
  for (let k = 0; k < depth; k++) {
    open.push(p.length);
    p.push({ code: JSET_K, dst: 0, imm: 1 << (k % 31) }); // to the else arm, patched below
    p.push({ code: ADD64_K, dst: 0, imm: k + 1 });
  }
  for (let k = depth - 1; k >= 0; k--) {
    const jset = open[k] as number;
    p.push({ code: JA }); // over the else arm, patched below
    const ja = p.length - 1;
    p.patchOff(jset, p.length - jset - 1);
    p.push({ code: MUL64_K, dst: 0, imm: 5 });
    p.push({ code: XOR64_K, dst: 0, imm: k });
    p.patchOff(ja, p.length - ja - 1);
  }
  return epilogue(p).bytes();
}

/**
 * Counted loops nested `depth` deep, each running `trips` times around the
 * next (r2..r9 would not be enough counters, so each level keeps its counter
 * on the stack: `*(u64 *)(r10 - 8 * (level + 1))`), the innermost adding
 * to r0. Total work is trips^depth: keep it small.
 */
export function nestedLoops(depth: number, trips: number): Uint8Array {
  const p = prologue(new RawProg());
  const heads: number[] = [];
  for (let k = 0; k < depth; k++) {
    p.push({ code: 0x7a, dst: 10, off: -8 * (k + 1), imm: trips }); // *(u64 *)(r10 - off) = trips
    heads.push(p.length);
    p.push({ code: ADD64_K, dst: 0, imm: k + 1 });
  }
  p.push({ code: MUL64_K, dst: 0, imm: 3 });
  for (let k = depth - 1; k >= 0; k--) {
    p.push({ code: 0x79, dst: 3, src: 10, off: -8 * (k + 1) }); // r3 = *(u64 *)(r10 - off)
    p.push({ code: ADD64_K, dst: 3, imm: -1 });
    p.push({ code: 0x7b, dst: 10, src: 3, off: -8 * (k + 1) }); // *(u64 *)(r10 - off) = r3
    const at = p.length;
    p.push({ code: JNE_K, dst: 3, imm: 0, off: (heads[k] as number) - at - 1 });
    p.push({ code: ADD64_X, dst: 0, src: 3 });
  }
  return epilogue(p).bytes();
}

/** The shapes {@link longProgram} mixes, with their size parameter. */
export type LongPart =
  | { readonly k: "ja"; readonly n: number }
  | { readonly k: "straight"; readonly n: number }
  | { readonly k: "diamonds"; readonly n: number }
  | { readonly k: "nested"; readonly n: number }
  | { readonly k: "loops"; readonly n: number; readonly trips: number };

/** The program of each part, concatenated: every part but the last loses its exit and falls into the next. */
export function longProgram(parts: readonly LongPart[]): Uint8Array {
  const chunks = parts.map((q) => {
    switch (q.k) {
      case "ja": return jaChain(q.n + 2);
      case "straight": return straightLine(q.n + 2);
      case "diamonds": return diamondChain(q.n);
      case "nested": return nestedDiamonds(q.n);
      case "loops": return nestedLoops(q.n, q.trips);
    }
  });
  const total = chunks.reduce((s, c) => s + c.length - 8, 0) + 8;
  const out = new Uint8Array(total);
  let at = 0;
  chunks.forEach((c) => {
    out.set(c.subarray(0, c.length - 8), at); // jumps are relative: each chunk stays valid anywhere
    at += c.length - 8;
  });
  out[at] = EXIT;
  // The prologue of the later chunks is `r0 = r1`: make it `r0 += r1` so earlier work still counts.
  at = 0;
  chunks.forEach((c, i) => {
    if (i > 0) out[at] = ADD64_X;
    at += c.length - 8;
  });
  return out;
}

/** Long, deeply branching programs: up to `maxParts` parts of the shapes above, sizes up to `maxSize`. */
export function longProgramArb(maxParts = 4, maxSize = 3000): fc.Arbitrary<LongPart[]> {
  const size = fc.integer({ min: 1, max: maxSize });
  const part: fc.Arbitrary<LongPart> = fc.oneof(
    fc.record({ k: fc.constant("ja" as const), n: size }),
    fc.record({ k: fc.constant("straight" as const), n: size }),
    fc.record({ k: fc.constant("diamonds" as const), n: size }),
    fc.record({ k: fc.constant("nested" as const), n: fc.integer({ min: 1, max: Math.min(maxSize, 2000) }) }),
    fc.record({ k: fc.constant("loops" as const), n: fc.integer({ min: 1, max: 3 }), trips: fc.integer({ min: 1, max: 6 }) }),
  );
  return fc.array(part, { minLength: 1, maxLength: maxParts });
}

