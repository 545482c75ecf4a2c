/**
 * @fileoverview Bob Jenkins' lookup3 hash as the kernel's `jhash()`
 * (include/linux/jhash.h), and the congestion-control key built from it
 * (net/ipv4/tcp_cong.c: a CA's key is the jhash of its whole 16-byte,
 * NUL-padded name buffer, seeded with the name's strlen).
 *
 * Invariant: results are u32; 4-byte words are read little-endian, as
 * `get_unaligned()` reads them on the x86-64 machine this kernel models.
 */
import { TCP_CA_NAME_MAX } from "./ca-types.js";

/** JHASH_INITVAL: lookup3's arbitrary starting constant. */
export const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The state (a, b, c) lookup3 mixes, as a mutable triple. */
type Abc = [number, number, number];

/** lookup3 mix(): reversible mixing of a full 12-byte block into (a, b, c). */
function jhashMix(s: Abc): void {
  let [a, b, c] = s;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 4)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 6)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 8)) >>> 0; b = (b + a) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 16)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 19)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 4)) >>> 0; b = (b + a) >>> 0;
  s[0] = a; s[1] = b; s[2] = c;
}

/** lookup3 final(): last avalanche of (a, b, c) into c. */
function jhashFinal(s: Abc): void {
  let [a, b, c] = s;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  s[0] = a; s[1] = b; s[2] = c;
}

/**
 * jhash(key, length, initval): lookup3 `hashlittle()` over the first
 * `length` bytes of `key`.
 *
 * @throws RangeError when `key` holds fewer than `length` bytes
 */
export function jhash(key: Uint8Array, length: number, initval: number): number {
  if (!Number.isInteger(length) || length < 0 || length > key.length) {
    throw new RangeError(`jhash: length ${length} outside the ${key.length}-byte key`);
  }
  const init = (JHASH_INITVAL + length + initval) >>> 0;
  const s: Abc = [init, init, init];
  const word = (i: number): number =>
    ((key[i] as number) | ((key[i + 1] as number) << 8) | ((key[i + 2] as number) << 16) | ((key[i + 3] as number) << 24)) >>> 0;
  let off = 0;
  let left = length;
  // Every block but the last (which may be a full 12 bytes) is mixed in whole.
  while (left > 12) {
    s[0] = (s[0] + word(off)) >>> 0;
    s[1] = (s[1] + word(off + 4)) >>> 0;
    s[2] = (s[2] + word(off + 8)) >>> 0;
    jhashMix(s);
    left -= 12;
    off += 12;
  }
  if (left === 0) return s[2];
  // Tail of 1..12 bytes: byte i of the block lands in word i >> 2 at bit 8 * (i & 3).
  for (let i = 0; i < left; i++) {
    const w = i >> 2;
    s[w] = (s[w] as number) + (((key[off + i] as number) << (8 * (i & 3))) >>> 0);
    s[w] = (s[w] as number) >>> 0;
  }
  jhashFinal(s);
  return s[2];
}

/**
 * The key tcp_register_congestion_control() gives a CA: jhash of the
 * {@link TCP_CA_NAME_MAX}-byte name buffer (the name, then NUL bytes), with
 * the name's length as initval.
 *
 * @param name the CA name (ASCII; at most 15 bytes), or its raw name buffer
 *   (NUL-terminated within 16 bytes; bytes after the first NUL are hashed as
 *   given, as the kernel hashes the buffer it holds)
 * @throws RangeError when the name does not fit with its NUL in 16 bytes
 */
export function tcpCaKey(name: string | Uint8Array): number {
  let buf: Uint8Array;
  if (typeof name === "string") {
    const bytes = new TextEncoder().encode(name);
    if (bytes.length >= TCP_CA_NAME_MAX || bytes.includes(0)) {
      throw new RangeError(`tcpCaKey: name '${name}' does not fit TCP_CA_NAME_MAX (${TCP_CA_NAME_MAX}) with its NUL`);
    }
    buf = new Uint8Array(TCP_CA_NAME_MAX);
    buf.set(bytes);
  } else {
    if (name.length !== TCP_CA_NAME_MAX || !name.includes(0)) {
      throw new RangeError(`tcpCaKey: name buffer must be ${TCP_CA_NAME_MAX} bytes holding a NUL`);
    }
    buf = name;
  }
  return jhash(buf, TCP_CA_NAME_MAX, buf.indexOf(0));
}
