/**
 * @fileoverview LEB128 integer encodings of the WebAssembly binary format
 * (WebAssembly Core Specification 2.0, section 5.2.2 "Integers"): unsigned
 * for sizes and indices, signed for `i32.const` / `i64.const` immediates.
 */

const UTF8 = new TextEncoder();

/** A growable byte buffer the encoder appends to. */
export class ByteSink {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b & 0xff;
  }

  bytes(bs: Uint8Array): void {
    let cap = this.buf.length;
    while (this.length + bs.length > cap) cap *= 2;
    if (cap !== this.buf.length) {
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(bs, this.length);
    this.length += bs.length;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  u32(v: number): void {
    if (v >= 0 && v < 0x80 && this.length < this.buf.length) { // one byte: most indices and sizes
      this.buf[this.length++] = v;
      return;
    }
    let x = v >>> 0;
    for (;;) {
      const b = x & 0x7f;
      x >>>= 7;
      if (x === 0) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(v: number): void {
    if (v >= -0x40 && v < 0x40 && this.length < this.buf.length) { // one byte: small constants
      this.buf[this.length++] = v & 0x7f;
      return;
    }
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit integer (any bigint; taken modulo 2^64 as signed). */
  s64(v: bigint): void {
    let x = BigInt.asIntN(64, v);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** A name: its UTF-8 length, then the bytes. */
  name(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
    if (ascii) { // UTF-8 of ASCII is its char codes: no encoder call, no array
      this.u32(s.length);
      for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
      return;
    }
    const b = UTF8.encode(s);
    this.u32(b.length);
    this.bytes(b);
  }

  /** Appends another sink as a length-prefixed vector of bytes. */
  sized(inner: ByteSink): void {
    this.u32(inner.length);
    this.bytes(inner.view());
  }

  /** The bytes written so far, without copying (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
