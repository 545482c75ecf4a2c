/**
 * @fileoverview A WebAssembly module under construction and its binary
 * encoding (WebAssembly Core Specification 2.0, section 5.5 "Modules"):
 * type, import, function, global, export and code sections, in that order.
 *
 * Only what the JIT needs: function imports, one imported memory, mutable
 * i32/i64 globals (defined, or imported from another module), function and
 * global exports. Function types are
 * deduplicated. Imports must all be declared before the first function, so
 * the index a caller receives is final.
 */
import type { Code } from "./code.js";
import { ByteSink } from "./leb128.js";
import { I32, I64, OPS } from "./opcodes.js";
import type { ImmKind, ValType } from "./opcodes.js";

/** A function signature. */
export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** An imported function. */
export interface FuncImport {
  readonly module: string;
  readonly name: string;
  readonly type: number;
}

/** The imported memory. */
export interface MemImport {
  readonly module: string;
  readonly name: string;
  /** Pages. */
  readonly min: number;
  readonly max: number;
}

/** An imported global (its index comes before every defined global's). */
export interface GlobalImport {
  readonly module: string;
  readonly name: string;
  readonly type: ValType;
  readonly mutable: boolean;
}

/** A module-defined global. */
export interface GlobalDef {
  readonly name: string;
  readonly type: ValType;
  readonly mutable: boolean;
  readonly init: bigint | number;
}

/** A defined function. */
export interface FuncDef {
  readonly name: string;
  readonly type: number;
  readonly code: Code;
}

/** An export. */
export interface ExportDef {
  readonly name: string;
  readonly kind: "func" | "global";
  readonly index: number;
}

/** The module, as data; `encode` gives the binary and wat.ts the text. */
export class WasmModule {
  readonly types: FuncType[] = [];
  readonly imports: FuncImport[] = [];
  memory: MemImport | undefined;
  readonly globalImports: GlobalImport[] = [];
  readonly globals: GlobalDef[] = [];
  readonly funcs: FuncDef[] = [];
  readonly exports: ExportDef[] = [];
  private readonly typeIndex = new Map<string, number>();

  /** Index of a function type, adding it if new. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    let i = this.typeIndex.get(key);
    if (i === undefined) {
      i = this.types.length;
      this.types.push({ params, results });
      this.typeIndex.set(key, i);
    }
    return i;
  }

  /** Declares an imported function; returns its function index. */
  importFunc(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): number {
    if (this.funcs.length > 0) throw new Error("WasmModule.importFunc: imports must come before functions");
    this.imports.push({ module, name, type: this.type(params, results) });
    return this.imports.length - 1;
  }

  /** Declares the imported memory (pages of 64 KiB). */
  importMemory(module: string, name: string, min: number, max: number): void {
    this.memory = { module, name, min, max };
  }

  /** Declares an imported global; returns its global index. */
  importGlobal(module: string, name: string, type: ValType, mutable: boolean): number {
    if (this.globals.length > 0) throw new Error("WasmModule.importGlobal: global imports must come before globals");
    this.globalImports.push({ module, name, type, mutable });
    return this.globalImports.length - 1;
  }

  /** Adds a global; returns its index. */
  global(name: string, type: ValType, mutable: boolean, init: bigint | number): number {
    this.globals.push({ name, type, mutable, init });
    return this.globalImports.length + this.globals.length - 1;
  }

  /** The name of global `index`, imported or defined (for the text dump). */
  globalName(index: number): string | undefined {
    return index < this.globalImports.length ? this.globalImports[index]?.name : this.globals[index - this.globalImports.length]?.name;
  }

  /** Reserves a function index before its code exists (for calls between functions). */
  get nextFuncIndex(): number {
    return this.imports.length + this.funcs.length;
  }

  /** Adds a defined function; returns its function index. */
  func(name: string, code: Code): number {
    this.funcs.push({ name, type: this.type(code.params, code.results), code });
    return this.imports.length + this.funcs.length - 1;
  }

  export(name: string, kind: "func" | "global", index: number): void {
    this.exports.push({ name, kind, index });
  }

  /**
   * The binary module.
   * @param onBody called with each function's name and body size in bytes
   *   (locals and code), before the next is encoded; it may throw to stop.
   */
  encode(onBody?: (name: string, bytes: number) => void): Uint8Array {
    const out = new ByteSink();
    out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const section = (id: number, fill: (s: ByteSink) => void): void => {
      const s = new ByteSink();
      fill(s);
      out.byte(id);
      out.sized(s);
    };
    section(1, (s) => {
      s.u32(this.types.length);
      for (const t of this.types) {
        s.byte(0x60);
        s.u32(t.params.length);
        for (const p of t.params) s.byte(p);
        s.u32(t.results.length);
        for (const r of t.results) s.byte(r);
      }
    });
    section(2, (s) => {
      s.u32(this.imports.length + this.globalImports.length + (this.memory === undefined ? 0 : 1));
      if (this.memory !== undefined) {
        s.name(this.memory.module);
        s.name(this.memory.name);
        s.byte(0x02);
        s.byte(0x01);
        s.u32(this.memory.min);
        s.u32(this.memory.max);
      }
      for (const im of this.imports) {
        s.name(im.module);
        s.name(im.name);
        s.byte(0x00);
        s.u32(im.type);
      }
      for (const g of this.globalImports) {
        s.name(g.module);
        s.name(g.name);
        s.byte(0x03);
        s.byte(g.type);
        s.byte(g.mutable ? 1 : 0);
      }
    });
    section(3, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) s.u32(f.type);
    });
    if (this.globals.length > 0) {
      section(6, (s) => {
        s.u32(this.globals.length);
        for (const g of this.globals) {
          s.byte(g.type);
          s.byte(g.mutable ? 1 : 0);
          if (g.type === I32) {
            s.byte(0x41);
            s.s32(Number(g.init));
          } else {
            s.byte(0x42);
            s.s64(BigInt(g.init));
          }
          s.byte(0x0b);
        }
      });
    }
    section(7, (s) => {
      s.u32(this.exports.length);
      for (const e of this.exports) {
        s.name(e.name);
        s.byte(e.kind === "func" ? 0x00 : 0x03);
        s.u32(e.index);
      }
    });
    section(10, (s) => {
      s.u32(this.funcs.length);
      const body = new ByteSink(); // one scratch sink for every body: each is copied out by sized()
      for (const f of this.funcs) {
        body.length = 0;
        encodeLocals(body, f.code);
        encodeCode(body, f.code);
        onBody?.(f.name, body.length);
        s.sized(body);
      }
    });
    return out.toBytes();
  }
}

function encodeLocals(s: ByteSink, code: Code): void {
  // Run-length groups of equal types.
  const groups: [number, ValType][] = [];
  for (const t of code.localTypes) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  s.u32(groups.length);
  for (const [n, t] of groups) {
    s.u32(n);
    s.byte(t);
  }
}

/** Immediate kinds as small integers, by opcode id: the encoder's switch compares numbers, not strings. */
const IMM_NONE = 0, IMM_BYTE = 1, IMM_U32 = 2, IMM_TABLE = 3, IMM_MEM = 4, IMM_I32 = 5, IMM_I64 = 6, IMM_MEMIDX = 7;
const IMM_CODE: Record<ImmKind, number> = {
  none: IMM_NONE, block: IMM_BYTE, label: IMM_U32, func: IMM_U32, local: IMM_U32, global: IMM_U32,
  table: IMM_TABLE, mem: IMM_MEM, i32: IMM_I32, i64: IMM_I64, memidx: IMM_MEMIDX,
};
const OP_IMM = Uint8Array.from(OPS, (o) => IMM_CODE[o.imm]);
/** The opcode's first byte, its second (a 0xfc sub-opcode) or -1, and a memory instruction's alignment, by id. */
const OP_B0 = Uint8Array.from(OPS, (o) => o.bytes[0] as number);
const OP_B1 = Int16Array.from(OPS, (o) => o.bytes[1] ?? -1);
const OP_ALIGN = Uint8Array.from(OPS, (o) => o.align ?? 0);

function encodeCode(s: ByteSink, code: Code): void {
  const { ops, a, b } = code;
  for (let i = 0; i < ops.length; i++) {
    const id = ops[i] as number;
    if (!(id >= 0 && id < OPS.length)) throw new Error(`wasm encode: bad opcode id ${id}`);
    s.byte(OP_B0[id] as number);
    const b1 = OP_B1[id] as number;
    if (b1 >= 0) s.byte(b1);
    switch (OP_IMM[id]) {
      case IMM_NONE:
        break;
      case IMM_BYTE:
        s.byte(a[i] as number);
        break;
      case IMM_U32:
        s.u32(a[i] as number);
        break;
      case IMM_TABLE: {
        const v = a[i] as readonly number[];
        s.u32(v.length);
        for (let k = 0; k < v.length; k++) s.u32(v[k] as number);
        s.u32(b[i] as number);
        break;
      }
      case IMM_MEM:
        s.u32(OP_ALIGN[id] as number);
        s.u32(b[i] as number);
        break;
      case IMM_I32:
        s.s32(a[i] as number);
        break;
      case IMM_I64: {
        // An int32 kept as a number (Code.i64) has the same signed LEB128 as its i64.
        const x = a[i] as number | bigint;
        if (typeof x === "number") s.s32(x);
        else s.s64(x);
        break;
      }
      case IMM_MEMIDX:
        s.byte(0);
        break;
    }
  }
}

export { I32, I64 };
