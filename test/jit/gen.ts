/**
 * @fileoverview Random eBPF programs for differential testing of the JIT
 * against the interpreter (test/jit/differential.property.test.ts): every
 * opcode class of RFC 9669, conditional jumps both ways (forward and back),
 * bounded loops, bpf-to-bpf calls (recursive ones too, up to the depth
 * fault), helper and kfunc calls, and memory traffic on the stack, a
 * map-value-like region (r1), a read-only region (r2) and stray pointers.
 *
 * A program is a list of functions, each a list of instruction specs with
 * jump targets as indexes into its own function, so fast-check can shrink
 * it freely; `assembleSpecs` lays it out with labels.
 */
import fc from "fast-check";
import {
  BPF_CALL_KFUNC, BPF_CALL_REL, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP32_A, BPF_JMP_A, BPF_LABEL, BPF_LD_IMM64,
  BPF_RAW_INSN, assemble,
} from "../../src/asm/builders.js";
import type { AsmItem, BpfInsn } from "../../src/asm/builders.js";
import { ATOMIC_OPS } from "../../src/asm/opcodes.js";

/** One generated instruction (or a small fixed pattern). */
export type Spec =
  | { readonly k: "alu"; readonly cls: number; readonly op: number; readonly x: boolean; readonly dst: number; readonly src: number; readonly imm: number; readonly off: number }
  | { readonly k: "end"; readonly code: number; readonly dst: number; readonly imm: number }
  | { readonly k: "lddw"; readonly dst: number; readonly imm: bigint }
  | { readonly k: "ldx"; readonly mode: number; readonly size: number; readonly dst: number; readonly base: number; readonly off: number }
  | { readonly k: "st"; readonly size: number; readonly base: number; readonly off: number; readonly imm: number }
  | { readonly k: "stx"; readonly size: number; readonly base: number; readonly src: number; readonly off: number }
  | { readonly k: "atomic"; readonly wide: boolean; readonly op: number; readonly base: number; readonly src: number; readonly off: number }
  | { readonly k: "jmp"; readonly cls: number; readonly op: number; readonly x: boolean; readonly dst: number; readonly src: number; readonly imm: number; readonly to: number }
  | { readonly k: "ja"; readonly wide: boolean; readonly to: number }
  | { readonly k: "loop"; readonly n: number; readonly body: readonly Spec[] }
  /**
   * A counted loop of varied shape (src/jit/unroll.ts): r9 = init (mov or
   * mov32), r9 += step (64 or 32-bit) before body item `upd`, an optional
   * forward skip over `skip.len` items inside the body (which may skip the
   * update), and a latch `if r9 op bound goto top` (JMP or JMP32). Trip
   * counts range from 1 to beyond the unroller's limit and never-ending.
   */
  | { readonly k: "cloop"; readonly init: number; readonly mov32: boolean; readonly step: number; readonly add32: boolean; readonly upd: number; readonly op: number; readonly jmp32: boolean; readonly bound: number; readonly body: readonly Spec[]; readonly skip: { readonly at: number; readonly len: number; readonly dst: number; readonly imm: number } | null }
  | { readonly k: "helper"; readonly id: number }
  | { readonly k: "kfunc"; readonly id: number }
  | { readonly k: "call"; readonly fn: number }
  | { readonly k: "exit" }
  | { readonly k: "ptr"; readonly dst: number; readonly base: number; readonly add: number }
  /** The rotate idiom `t = x; t >>= a; x <<= b; x |= t` (src/jit/emit-insn.ts matchRotate), shifts in either order and direction. */
  | { readonly k: "rot"; readonly t: number; readonly x: number; readonly a: number; readonly b: number; readonly tLeft: boolean; readonly xFirst: boolean };

/** A program: functions (0 = main). */
export type ProgSpec = readonly (readonly Spec[])[];

/** Registers random ALU results go to: r1 and r2 (the region pointers) rarely, r9 (loop counter) never. */
const dstReg = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 3, 4, 5, 6, 7, 8) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2) },
);
const anyReg = fc.integer({ min: 0, max: 10 });
const interesting = fc.oneof(
  fc.integer({ min: -4, max: 70 }),
  fc.constantFrom(0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xffff, 0x10000),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const imm64 = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, -1n, 1n << 63n, (1n << 32n) - 1n, 1n << 32n, -(1n << 31n)),
);

const aluSpec: fc.Arbitrary<Spec> = fc.record({
  cls: fc.constantFrom(0x04, 0x07),
  op: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0),
  x: fc.boolean(),
  dst: dstReg,
  src: anyReg,
  imm: interesting,
  signed: fc.integer({ min: 0, max: 3 }),
}).map(({ cls, op, x, dst, src, imm, signed }): Spec => {
  let off = 0;
  if ((op === 0x30 || op === 0x90) && signed === 0) off = 1;
  if (op === 0xb0 && x && signed === 0) off = ([8, 16, 32] as const)[Math.abs(imm) % (cls === 0x07 ? 3 : 2)] as number;
  if (op === 0x80) return { k: "alu", cls, op, x: false, dst, src: 0, imm: 0, off: 0 };
  return { k: "alu", cls, op, x, dst, src: x ? src : 0, imm: x ? 0 : imm, off };
});

const endSpec: fc.Arbitrary<Spec> = fc.record({
  code: fc.constantFrom(0xd4, 0xdc, 0xd7),
  dst: dstReg,
  imm: fc.constantFrom(16, 32, 64),
}).map((r): Spec => ({ k: "end", ...r }));

const SIZES = [0x00, 0x08, 0x10, 0x18] as const; // W, H, B, DW
const base = fc.oneof(
  { weight: 5, arbitrary: fc.constant(10) },
  { weight: 5, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.constant(2) },
  { weight: 2, arbitrary: fc.constant(6) },
  { weight: 1, arbitrary: anyReg },
);
/** Offsets that mostly land inside the base's region, sometimes just outside. */
const offFor = (b: number): fc.Arbitrary<number> => {
  if (b === 10) return fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -64, max: -1 }).map((k) => k * 8) }, { weight: 3, arbitrary: fc.integer({ min: -530, max: 80 }) });
  if (b === 1) return fc.integer({ min: -9, max: 72 });
  if (b === 2) return fc.integer({ min: -5, max: 20 });
  return fc.integer({ min: -16, max: 40 });
};

const ldxSpec: fc.Arbitrary<Spec> = base.chain((b) => fc.record({
  sx: fc.boolean(), size: fc.constantFrom(...SIZES), dst: dstReg, off: offFor(b),
}).map(({ sx, size, dst, off }): Spec => ({ k: "ldx", mode: sx && size !== 0x18 ? 0x80 : 0x60, size, dst, base: b, off })));

const stSpec: fc.Arbitrary<Spec> = base.chain((b) => fc.record({ size: fc.constantFrom(...SIZES), off: offFor(b), imm: interesting })
  .map(({ size, off, imm }): Spec => ({ k: "st", size, base: b, off, imm })));

const stxSpec: fc.Arbitrary<Spec> = base.chain((b) => fc.record({ size: fc.constantFrom(...SIZES), off: offFor(b), src: anyReg })
  .map(({ size, off, src }): Spec => ({ k: "stx", size, base: b, off, src })));

const atomicSpec: fc.Arbitrary<Spec> = base.chain((b) => fc.record({
  wide: fc.boolean(), op: fc.integer({ min: 0, max: ATOMIC_OPS.length - 1 }), off: offFor(b).map((o) => o & ~3), src: dstReg,
}).map(({ wide, op, off, src }): Spec => ({ k: "atomic", wide, op, base: b, src, off })));

const jmpSpec: fc.Arbitrary<Spec> = fc.record({
  cls: fc.constantFrom(0x05, 0x06),
  op: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
  x: fc.boolean(),
  dst: anyReg,
  src: anyReg,
  imm: interesting,
  to: fc.integer({ min: 0, max: 1000 }),
  back: fc.integer({ min: 0, max: 5 }),
}).map(({ cls, op, x, dst, src, imm, to, back }): Spec => ({ k: "jmp", cls, op, x, dst, src: x ? src : 0, imm: x ? 0 : imm, to: back === 0 ? -1 - (to % 8) : to }));

const ptrSpec: fc.Arbitrary<Spec> = fc.record({ dst: fc.constantFrom(6, 7), base: fc.constantFrom(1, 2, 10), add: fc.integer({ min: -16, max: 64 }) })
  .map((r): Spec => ({ k: "ptr", ...r }));

const rotSpec: fc.Arbitrary<Spec> = fc.record({
  t: dstReg, x: dstReg, a: fc.integer({ min: 0, max: 64 }), exact: fc.integer({ min: 0, max: 4 }), b: fc.integer({ min: 0, max: 64 }),
  tLeft: fc.boolean(), xFirst: fc.boolean(),
}).map(({ t, x, a, exact, b, tLeft, xFirst }): Spec => ({ k: "rot", t, x, a, b: exact > 0 ? 64 - a : b, tLeft, xFirst }));

const simple: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 10, arbitrary: aluSpec },
  { weight: 2, arbitrary: endSpec },
  { weight: 2, arbitrary: fc.record({ dst: dstReg, imm: imm64 }).map((r): Spec => ({ k: "lddw", ...r })) },
  { weight: 5, arbitrary: ldxSpec },
  { weight: 3, arbitrary: stSpec },
  { weight: 4, arbitrary: stxSpec },
  { weight: 2, arbitrary: atomicSpec },
  { weight: 2, arbitrary: ptrSpec },
  { weight: 1, arbitrary: rotSpec },
);

const cloopSpec: fc.Arbitrary<Spec> = fc.record({
  init: fc.oneof(fc.integer({ min: -4, max: 40 }), fc.constantFrom(-1, 0x7ffffffe, -0x80000000, 63, 66)),
  mov32: fc.boolean(),
  step: fc.constantFrom(-4, -3, -2, -1, 1, 2, 3, 4, 7),
  add32: fc.boolean(),
  upd: fc.nat(8),
  op: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
  jmp32: fc.boolean(),
  bound: fc.oneof(fc.integer({ min: -4, max: 40 }), fc.constantFrom(0, 2, -1, 0x7fffffff)),
  body: fc.array(simple, { minLength: 0, maxLength: 8 }),
  skip: fc.option(fc.record({ at: fc.nat(8), len: fc.integer({ min: 1, max: 4 }), dst: fc.constantFrom(0, 3, 4, 5, 6, 7, 8, 9), imm: interesting })),
}).map((r): Spec => ({ k: "cloop", ...r }));

/** Specs of one function that may call functions `calls` (indexes). */
function funcSpecs(nFuncs: number, self: number): fc.Arbitrary<Spec[]> {
  const callable = fc.integer({ min: 0, max: nFuncs - 1 }).filter((g) => g > self || g === self);
  const spec: fc.Arbitrary<Spec> = fc.oneof(
    { weight: 30, arbitrary: simple },
    { weight: 6, arbitrary: jmpSpec },
    { weight: 1, arbitrary: fc.record({ wide: fc.boolean(), to: fc.integer({ min: -3, max: 40 }) }).map((r): Spec => ({ k: "ja", ...r })) },
    { weight: 2, arbitrary: fc.record({ n: fc.integer({ min: 1, max: 6 }), body: fc.array(simple, { minLength: 1, maxLength: 6 }) }).map((r): Spec => ({ k: "loop", ...r })) },
    { weight: 2, arbitrary: cloopSpec },
    { weight: 2, arbitrary: fc.constantFrom(1, 2, 3, 4, 99).map((id): Spec => ({ k: "helper", id })) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 1001).map((id): Spec => ({ k: "kfunc", id })) },
    { weight: nFuncs > 1 ? 2 : 0, arbitrary: callable.map((fn): Spec => ({ k: "call", fn })) },
    { weight: 1, arbitrary: fc.constant<Spec>({ k: "exit" }) },
  );
  return fc.array(spec, { minLength: 1, maxLength: 28 });
}

/** Whole programs: 1 to 4 functions. */
export const progSpec: fc.Arbitrary<ProgSpec> = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, f) => funcSpecs(n, f))));

const r = BPF_RAW_INSN;

function emit(s: Spec, f: number, i: number, n: number, out: AsmItem[], label: (j: number) => string, uid: () => number): void {
  const target = (to: number): string => label(to < 0 ? Math.max(0, i + to + 1) : Math.min(n, to % (n + 1)));
  switch (s.k) {
    case "alu": out.push(r(s.cls | s.op | (s.x ? 0x08 : 0), s.dst, s.src, s.off, s.imm)); break;
    case "end": out.push(r(s.code, s.dst, 0, 0, s.imm)); break;
    case "lddw": out.push(BPF_LD_IMM64(s.dst, s.imm)); break;
    case "ldx": out.push(r(0x01 | s.mode | s.size, s.dst, s.base, s.off, 0)); break;
    case "st": out.push(r(0x02 | 0x60 | s.size, s.base, 0, s.off, s.imm)); break;
    case "stx": out.push(r(0x03 | 0x60 | s.size, s.base, s.src, s.off, 0)); break;
    case "atomic": out.push(r(0x03 | 0xc0 | (s.wide ? 0x18 : 0x00), s.base, s.src, s.off, (ATOMIC_OPS[s.op] as { imm: number }).imm)); break;
    case "jmp": out.push({ ...r(s.cls | s.op | (s.x ? 0x08 : 0), s.dst, s.src, 0, s.imm), target: target(s.to) } as BpfInsn); break;
    case "ja": out.push(s.wide ? BPF_JMP32_A(target(s.to)) : BPF_JMP_A(target(s.to))); break;
    case "loop": {
      const l = `loop_${f}_${uid()}`;
      out.push(r(0xb7, 9, 0, 0, s.n), BPF_LABEL(l));
      for (const b of s.body) emit(b, f, i, n, out, label, uid);
      out.push(r(0x07, 9, 0, 0, -1), { ...r(0x55, 9, 0, 0, 0), target: l } as BpfInsn);
      break;
    }
    case "cloop": {
      const l = `cloop_${f}_${uid()}`;
      const skipTo = `${l}_skip`;
      out.push(r(s.mov32 ? 0xb4 : 0xb7, 9, 0, 0, s.init), BPF_LABEL(l));
      // Items: the body with the update inserted at `upd`; the skip jumps over `len` of them.
      const items: (() => void)[] = s.body.map((b) => () => emit(b, f, i, n, out, label, uid));
      items.splice(Math.min(s.upd, items.length), 0, () => out.push(r(s.add32 ? 0x04 : 0x07, 9, 0, 0, s.step)));
      const at = s.skip === null ? -1 : Math.min(s.skip.at, items.length - 1);
      const end = s.skip === null ? -1 : Math.min(items.length, at + s.skip.len);
      items.forEach((item, j) => {
        if (j === at && s.skip !== null) out.push({ ...r(0x55, s.skip.dst, 0, 0, s.skip.imm), target: skipTo } as BpfInsn);
        item();
        if (j + 1 === end) out.push(BPF_LABEL(skipTo));
      });
      out.push({ ...r((s.jmp32 ? 0x06 : 0x05) | s.op, 9, 0, 0, s.bound), target: l } as BpfInsn);
      break;
    }
    case "helper": out.push(BPF_EMIT_CALL(s.id)); break;
    case "kfunc": out.push(BPF_CALL_KFUNC(s.id)); break;
    case "call": out.push(BPF_CALL_REL(`fn_${s.fn}`)); break;
    case "exit": out.push(BPF_EXIT_INSN()); break;
    case "ptr": out.push(r(0xbf, s.dst, s.base, 0, 0), r(0x07, s.dst, 0, 0, s.add)); break;
    case "rot": {
      const shT = r(s.tLeft ? 0x67 : 0x77, s.t, 0, 0, s.a);
      const shX = r(s.tLeft ? 0x77 : 0x67, s.x, 0, 0, s.b);
      out.push(r(0xbf, s.t, s.x, 0, 0), ...(s.xFirst ? [shX, shT] : [shT, shX]), r(0x4f, s.x, s.t, 0, 0));
      break;
    }
  }
}

/** Lays a program out: each function's specs, labels before each, a final exit per function. */
export function assembleSpecs(p: ProgSpec): Uint8Array {
  const out: AsmItem[] = [];
  let u = 0;
  p.forEach((specs, f) => {
    const label = (j: number): string => `f${f}_${j}`;
    out.push(BPF_LABEL(`fn_${f}`));
    specs.forEach((s, i) => {
      out.push(BPF_LABEL(label(i)));
      emit(s, f, i, specs.length, out, label, () => u++);
    });
    out.push(BPF_LABEL(label(specs.length)), BPF_EXIT_INSN());
  });
  return assemble(out);
}

/** A spec with every use of r10 moved to r1 (the map region), loop bodies included. */
function withoutR10(s: Spec): Spec {
  const r10 = (r: number): number => (r === 10 ? 1 : r);
  switch (s.k) {
    case "alu": return { ...s, src: r10(s.src) };
    case "ldx": case "st": return { ...s, base: r10(s.base) };
    case "stx": case "atomic": return { ...s, base: r10(s.base), src: r10(s.src) };
    case "jmp": return { ...s, dst: r10(s.dst), src: r10(s.src) };
    case "ptr": return { ...s, base: r10(s.base) };
    case "loop": case "cloop": return { ...s, body: s.body.map(withoutR10) };
    default: return s;
  }
}

const makesCall = (s: Spec): boolean => s.k === "call" || s.k === "helper" || s.k === "kfunc";

/**
 * Programs whose subprograms never name r10 and make no calls: the JIT's
 * frameless callees (src/jit/frames.ts), whose frames it opens only when
 * they fault. Main may still use the stack and call them.
 */
export const framelessProgSpec: fc.Arbitrary<ProgSpec> = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, f) => funcSpecs(n, f)))).map((p) =>
  p.map((fn, f) => (f === 0
    ? [...p.slice(1).map((_, g): Spec => ({ k: "call", fn: g + 1 })), ...fn]
    : fn.filter((s) => !makesCall(s)).map(withoutR10))));
