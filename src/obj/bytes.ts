/**
 * @fileoverview Bounds-checked little-endian reads over an object file's
 * bytes. Every out-of-range read becomes an {@link ObjError} carrying the
 * section being read and the absolute file offset.
 */
import { ObjError } from "./errors.js";

/** A window [base, base+length) of the file, read relative to its start. */
export class ByteView {
  private readonly dv: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** Name used in errors. */
    readonly section: string,
    /** Absolute file offset of `bytes[0]` (for error offsets). */
    readonly base = 0,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws an ObjError at relative offset `off`. */
  fail(off: number, message: string): never {
    throw this.err(off, message);
  }

  /** The ObjError at relative offset `off` (for `throw v.err(...)` where narrowing matters). */
  err(off: number, message: string): ObjError {
    return new ObjError(message, this.section, this.base + off);
  }

  need(off: number, n: number, what: string): void {
    if (!Number.isInteger(off) || off < 0 || n < 0 || off + n > this.bytes.length) {
      this.fail(Math.max(0, Math.min(off, this.bytes.length)), `${what} (${n} bytes at ${off}) runs past the end (${this.bytes.length} bytes)`);
    }
  }

  u8(off: number, what = "u8"): number {
    this.need(off, 1, what);
    return this.dv.getUint8(off);
  }
  u16(off: number, what = "u16"): number {
    this.need(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what = "u32"): number {
    this.need(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  i32(off: number, what = "i32"): number {
    this.need(off, 4, what);
    return this.dv.getInt32(off, true);
  }
  /** A u64 that must fit a JS safe integer (offsets, sizes). */
  u64n(off: number, what = "u64"): number {
    this.need(off, 8, what);
    const v = this.dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(off, `${what} ${v} is too large`);
    return Number(v);
  }
  u64(off: number, what = "u64"): bigint {
    this.need(off, 8, what);
    return this.dv.getBigUint64(off, true);
  }

  /** A sub-window (absolute base kept for errors). */
  slice(off: number, n: number, section: string, what: string): ByteView {
    this.need(off, n, what);
    return new ByteView(this.bytes.subarray(off, off + n), section, this.base + off);
  }

  /** A NUL-terminated string starting at `off`. */
  cstr(off: number, what = "string"): string {
    if (!Number.isInteger(off) || off < 0 || off >= this.bytes.length) this.fail(Math.max(0, Math.min(off, this.bytes.length)), `${what} offset ${off} is outside the string table (${this.bytes.length} bytes)`);
    const end = this.bytes.indexOf(0, off);
    if (end < 0) this.fail(off, `${what} at ${off} is not NUL-terminated`);
    return decoder.decode(this.bytes.subarray(off, end));
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false });
