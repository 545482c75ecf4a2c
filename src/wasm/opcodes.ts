/**
 * @fileoverview The WebAssembly instructions the JIT emits, with their binary
 * opcodes and immediate kinds (WebAssembly Core Specification 2.0, section
 * 5.4 "Instructions"; sign-extension and bulk-memory are part of 2.0). One
 * table drives both the binary encoder (module.ts) and the text dump
 * (wat.ts), so the two can never disagree.
 */

/** What follows an opcode in the binary. */
export type ImmKind =
  | "none"
  | "block" // block type: empty or one value type
  | "label" // relative label depth
  | "table" // br_table: label vector + default
  | "func" // function index
  | "local"
  | "global"
  | "mem" // memarg: alignment (log2) and offset
  | "i32"
  | "i64"
  | "memidx"; // memory.fill's memory index

/** One instruction kind. */
export interface OpInfo {
  readonly name: string;
  /** Opcode bytes (one, or the 0xfc prefix and a LEB128 sub-opcode below 128). */
  readonly bytes: readonly number[];
  readonly imm: ImmKind;
  /** For memory instructions: log2 of the natural alignment. */
  readonly align?: number;
}

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;
/** Block type of a block with no result. */
export const EMPTY = 0x40;
export type BlockType = ValType | typeof EMPTY;

const T: [string, number[], ImmKind, number?][] = [
  ["unreachable", [0x00], "none"], ["nop", [0x01], "none"],
  ["block", [0x02], "block"], ["loop", [0x03], "block"], ["if", [0x04], "block"], ["else", [0x05], "none"],
  ["end", [0x0b], "none"], ["br", [0x0c], "label"], ["br_if", [0x0d], "label"], ["br_table", [0x0e], "table"],
  ["return", [0x0f], "none"], ["call", [0x10], "func"], ["drop", [0x1a], "none"], ["select", [0x1b], "none"],
  ["local.get", [0x20], "local"], ["local.set", [0x21], "local"], ["local.tee", [0x22], "local"],
  ["global.get", [0x23], "global"], ["global.set", [0x24], "global"],
  ["i32.load", [0x28], "mem", 2], ["i64.load", [0x29], "mem", 3],
  ["i32.load8_s", [0x2c], "mem", 0], ["i32.load8_u", [0x2d], "mem", 0], ["i32.load16_s", [0x2e], "mem", 1],
  ["i32.load16_u", [0x2f], "mem", 1], ["i64.load8_s", [0x30], "mem", 0], ["i64.load8_u", [0x31], "mem", 0],
  ["i64.load16_s", [0x32], "mem", 1], ["i64.load16_u", [0x33], "mem", 1], ["i64.load32_s", [0x34], "mem", 2],
  ["i64.load32_u", [0x35], "mem", 2], ["i32.store", [0x36], "mem", 2], ["i64.store", [0x37], "mem", 3],
  ["i32.store8", [0x3a], "mem", 0], ["i32.store16", [0x3b], "mem", 1], ["i64.store8", [0x3c], "mem", 0],
  ["i64.store16", [0x3d], "mem", 1], ["i64.store32", [0x3e], "mem", 2],
  ["i32.const", [0x41], "i32"], ["i64.const", [0x42], "i64"],
  ["i32.eqz", [0x45], "none"], ["i32.eq", [0x46], "none"], ["i32.ne", [0x47], "none"], ["i32.lt_s", [0x48], "none"],
  ["i32.lt_u", [0x49], "none"], ["i32.gt_s", [0x4a], "none"], ["i32.gt_u", [0x4b], "none"], ["i32.le_s", [0x4c], "none"],
  ["i32.le_u", [0x4d], "none"], ["i32.ge_s", [0x4e], "none"], ["i32.ge_u", [0x4f], "none"],
  ["i64.eqz", [0x50], "none"], ["i64.eq", [0x51], "none"], ["i64.ne", [0x52], "none"], ["i64.lt_s", [0x53], "none"],
  ["i64.lt_u", [0x54], "none"], ["i64.gt_s", [0x55], "none"], ["i64.gt_u", [0x56], "none"], ["i64.le_s", [0x57], "none"],
  ["i64.le_u", [0x58], "none"], ["i64.ge_s", [0x59], "none"], ["i64.ge_u", [0x5a], "none"],
  ["i32.add", [0x6a], "none"], ["i32.sub", [0x6b], "none"], ["i32.mul", [0x6c], "none"], ["i32.div_s", [0x6d], "none"],
  ["i32.div_u", [0x6e], "none"], ["i32.rem_s", [0x6f], "none"], ["i32.rem_u", [0x70], "none"], ["i32.and", [0x71], "none"],
  ["i32.or", [0x72], "none"], ["i32.xor", [0x73], "none"], ["i32.shl", [0x74], "none"], ["i32.shr_s", [0x75], "none"],
  ["i32.shr_u", [0x76], "none"], ["i32.rotl", [0x77], "none"], ["i32.rotr", [0x78], "none"],
  ["i64.add", [0x7c], "none"], ["i64.sub", [0x7d], "none"], ["i64.mul", [0x7e], "none"], ["i64.div_s", [0x7f], "none"],
  ["i64.div_u", [0x80], "none"], ["i64.rem_s", [0x81], "none"], ["i64.rem_u", [0x82], "none"], ["i64.and", [0x83], "none"],
  ["i64.or", [0x84], "none"], ["i64.xor", [0x85], "none"], ["i64.shl", [0x86], "none"], ["i64.shr_s", [0x87], "none"],
  ["i64.shr_u", [0x88], "none"], ["i64.rotl", [0x89], "none"], ["i64.rotr", [0x8a], "none"],
  ["i32.wrap_i64", [0xa7], "none"], ["i64.extend_i32_s", [0xac], "none"], ["i64.extend_i32_u", [0xad], "none"],
  ["i32.extend8_s", [0xc0], "none"], ["i32.extend16_s", [0xc1], "none"], ["i64.extend8_s", [0xc2], "none"],
  ["i64.extend16_s", [0xc3], "none"], ["i64.extend32_s", [0xc4], "none"],
  ["memory.fill", [0xfc, 11], "memidx"],
];

/** Every instruction, indexed by its dense id. */
export const OPS: readonly OpInfo[] = T.map(([name, bytes, imm, align]) => (align === undefined ? { name, bytes, imm } : { name, bytes, imm, align }));

/**
 * The fewest bytes each instruction encodes to (its opcode, and one byte per
 * LEB128 immediate; a br_table adds its entries), by id: Code.minBytes sums
 * them so a caller can stop a body that is certain to exceed a size limit.
 */
export const MIN_BYTES: Int32Array = Int32Array.from(OPS, (o) => o.bytes.length + ({ none: 0, block: 1, label: 1, table: 2, func: 1, local: 1, global: 1, mem: 2, i32: 1, i64: 1, memidx: 1 } as const)[o.imm]);

const BY_NAME = new Map<string, number>(OPS.map((o, i) => [o.name, i]));

/** Dense id of an instruction by its text name. @throws {RangeError} for a name not in the table. */
export function opId(name: string): number {
  const id = BY_NAME.get(name);
  if (id === undefined) throw new RangeError(`Cannot find wasm instruction '${name}' in the opcode table`);
  return id;
}
