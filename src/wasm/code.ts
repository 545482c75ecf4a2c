/**
 * @fileoverview A function body under construction: its locals and its
 * instruction list, kept as data (opcode id plus immediates) so that the same
 * list is encoded to binary (module.ts) and printed as text (wat.ts).
 *
 * Structured control (block, loop, if, else, end) is checked for nesting as
 * it is emitted, and `depthOf` turns a label the caller holds into the
 * relative depth `br` needs, so callers never count nesting by hand.
 */
import { EMPTY, I32, I64, MIN_BYTES, opId } from "./opcodes.js";
import type { BlockType, ValType } from "./opcodes.js";

/** An immediate: a number, a bigint (i64.const), or a label vector (br_table). */
export type Imm = number | bigint | readonly number[];

/** A label handle: the nesting level of the block, loop or if it names. */
export type Label = number;

const ID = {
  block: opId("block"), loop: opId("loop"), if: opId("if"), else: opId("else"), end: opId("end"),
  br: opId("br"), brIf: opId("br_if"), brTable: opId("br_table"),
  localGet: opId("local.get"), localSet: opId("local.set"), localTee: opId("local.tee"),
  globalGet: opId("global.get"), globalSet: opId("global.set"), i32Const: opId("i32.const"), i64Const: opId("i64.const"), call: opId("call"),
};

/** One function's signature, locals and code. */
export class Code {
  /** Opcode id per instruction (wasm/opcodes.ts OPS). */
  readonly ops: number[] = [];
  /** First immediate per instruction (0 when none). */
  readonly a: Imm[] = [];
  /** Second immediate (memarg offset; br_table default). */
  readonly b: number[] = [];
  /** Types of the locals after the parameters. */
  readonly localTypes: ValType[] = [];
  /** Optional names of params and locals, for the text dump. */
  readonly localNames: string[] = [];
  private depth = 0;
  /** A lower bound of the encoded code's size in bytes (opcodes.ts MIN_BYTES). */
  minBytes = 0;

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
    paramNames: readonly string[] = [],
  ) {
    for (let i = 0; i < params.length; i++) this.localNames.push(paramNames[i] ?? `p${i}`);
  }

  /** Declares a local; returns its index. */
  local(type: ValType, name?: string): number {
    const idx = this.params.length + this.localTypes.length;
    this.localTypes.push(type);
    this.localNames.push(name ?? `l${idx}`);
    return idx;
  }

  /** Appends any instruction of the table by name. */
  op(name: string, a: Imm = 0, b = 0): this {
    const id = opId(name);
    this.minBytes += MIN_BYTES[id] as number;
    this.ops.push(id);
    this.a.push(a);
    this.b.push(b);
    return this;
  }

  private raw(id: number, a: Imm = 0, b = 0): this {
    this.minBytes += (MIN_BYTES[id] as number) + (typeof a === "object" ? a.length : 0);
    this.ops.push(id);
    this.a.push(a);
    this.b.push(b);
    return this;
  }

  get(i: number): this { return this.raw(ID.localGet, i); }
  set(i: number): this { return this.raw(ID.localSet, i); }
  tee(i: number): this { return this.raw(ID.localTee, i); }
  i32(v: number): this { return this.raw(ID.i32Const, v | 0); }
  /** An i64 constant: kept as a number when it is an int32 (no BigInt made), else as a bigint taken modulo 2^64 as signed. */
  i64(v: bigint | number): this {
    if (typeof v === "number" ? (v | 0) === v : v >= -0x80000000n && v <= 0x7fffffffn) return this.raw(ID.i64Const, Number(v));
    return this.raw(ID.i64Const, BigInt.asIntN(64, BigInt(v)));
  }
  call(f: number): this { return this.raw(ID.call, f); }
  globalGet(g: number): this { return this.raw(ID.globalGet, g); }
  globalSet(g: number): this { return this.raw(ID.globalSet, g); }

  /** Opens a block; returns its label. */
  block(t: BlockType = EMPTY): Label { this.raw(ID.block, t); return ++this.depth; }
  /** Opens a loop; returns its label (a branch to it continues the loop). */
  loop(t: BlockType = EMPTY): Label { this.raw(ID.loop, t); return ++this.depth; }
  /** Opens an if (pops an i32 condition); returns its label. */
  if(t: BlockType = EMPTY): Label { this.raw(ID.if, t); return ++this.depth; }
  else(): this { return this.raw(ID.else); }
  /** Closes the innermost block, loop or if. */
  end(): this {
    if (this.depth === 0) throw new Error("wasm Code.end: no open block");
    this.depth--;
    return this.raw(ID.end);
  }

  /** Relative depth of `label` from the current nesting. */
  depthOf(label: Label): number {
    if (label < 1 || label > this.depth) throw new Error(`wasm Code: label ${label} is not open (depth ${this.depth})`);
    return this.depth - label;
  }

  br(label: Label): this { return this.raw(ID.br, this.depthOf(label)); }
  brIf(label: Label): this { return this.raw(ID.brIf, this.depthOf(label)); }
  brTable(labels: readonly Label[], dflt: Label): this {
    return this.raw(ID.brTable, labels.map((l) => this.depthOf(l)), this.depthOf(dflt));
  }

  /** Current nesting depth (0 at function level). */
  get nesting(): number { return this.depth; }

  /** Closes the function body. @throws {Error} when blocks are left open. */
  finish(): this {
    if (this.depth !== 0) throw new Error(`wasm Code.finish: ${this.depth} blocks left open`);
    return this.raw(ID.end);
  }
}

export { EMPTY, I32, I64 };
