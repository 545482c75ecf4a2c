/**
 * @fileoverview C strings and fixed `char[N]` arrays as they cross the bpf(2)
 * boundary (include/uapi/linux/bpf.h: `map_name`, `prog_name`, `license`,
 * `pathname`, `bpf_map_info.name`, ...).
 *
 * Strings are UTF-8. A C string is its bytes plus one terminating NUL. A
 * `char[N]` holds at most N - 1 bytes of a string plus its NUL (so
 * BPF_OBJ_NAME_LEN = 16 allows 15 visible bytes); the remaining bytes are 0.
 * Raw byte arrays bypass that rule so tests can hand the kernel a name with no
 * NUL, which the kernel must reject.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes `s` as a NUL-terminated C string.
 *
 * @throws TypeError if `s` contains a NUL (C would silently truncate it).
 * @example encodeCString("GPL") // Uint8Array [0x47, 0x50, 0x4c, 0]
 */
export function encodeCString(s: string): Uint8Array {
  const body = encoder.encode(s);
  if (body.includes(0)) throw new TypeError(`Cannot encode C string as it contains a NUL byte: ${JSON.stringify(s)}`);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/**
 * Reads a C string starting at `offset`, stopping at the first NUL or after
 * `max` bytes (default: the end of `bytes`), like `strnlen` + decode.
 */
export function decodeCString(bytes: Uint8Array, offset = 0, max = bytes.length - offset): string {
  const end = Math.min(bytes.length, offset + Math.max(0, max));
  let i = offset;
  while (i < end && bytes[i] !== 0) i++;
  return decoder.decode(bytes.subarray(offset, i));
}

/**
 * Bytes of a `char[size]` holding `value`: a string is written with its NUL and
 * zero padding; a Uint8Array is copied raw (no NUL added) and zero padded.
 *
 * @param field name used in error messages (kernel spelling, e.g. "map_name").
 * @throws RangeError if a string needs more than `size - 1` bytes, or raw bytes exceed `size`.
 * @throws TypeError if a string contains a NUL.
 */
export function encodeCharArray(value: string | Uint8Array, size: number, field = "char array"): Uint8Array {
  const out = new Uint8Array(size);
  if (typeof value === "string") {
    const body = encoder.encode(value);
    if (body.includes(0)) throw new TypeError(`Cannot encode '${field}' as it contains a NUL byte: ${JSON.stringify(value)}`);
    if (body.length > size - 1) {
      throw new RangeError(`Cannot encode '${field}' as it must be at most ${size - 1} bytes plus NUL: current length is ${body.length}`);
    }
    out.set(body);
    return out;
  }
  if (value.length > size) {
    throw new RangeError(`Cannot encode '${field}' as raw bytes must be at most ${size}: current length is ${value.length}`);
  }
  out.set(value);
  return out;
}

/**
 * Writes `value` as a `char[size]` at `offset` of `dst` (see {@link encodeCharArray}).
 *
 * @throws RangeError / TypeError as {@link encodeCharArray}; RangeError if the array does not fit in `dst`.
 */
export function writeCharArray(dst: Uint8Array, offset: number, size: number, value: string | Uint8Array, field?: string): void {
  if (offset < 0 || offset + size > dst.length) {
    throw new RangeError(`Cannot write char[${size}] at offset ${offset}: buffer length is ${dst.length}`);
  }
  dst.set(encodeCharArray(value, size, field), offset);
}

/** Reads a `char[size]` at `offset` as a string (up to the first NUL, or all `size` bytes if none). */
export function readCharArray(src: Uint8Array, offset: number, size: number): string {
  return decodeCString(src, offset, size);
}

/** True if the `char[]` bytes contain a NUL, i.e. hold a properly terminated C string. */
export function hasNul(bytes: Uint8Array): boolean {
  return bytes.includes(0);
}

/** strncmp(a, b, n) over byte strings (a byte past an array's end reads as NUL): <0, 0 or >0. */
export function strncmp(a: Uint8Array, b: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
    if (x === 0) return 0;
  }
  return 0;
}
