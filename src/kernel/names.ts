/**
 * @fileoverview bpf_obj_name_cpy (kernel/bpf/syscall.c): object names are at
 * most 15 characters of [A-Za-z0-9_.], NUL-terminated within 16 bytes.
 */
import { EINVAL } from "../uapi/errno.js";

/** The name in a `char[16]`, or -EINVAL (no NUL, or a character outside [A-Za-z0-9_.]). */
export function objNameCpy(raw: Uint8Array): string | number {
  let s = "";
  for (let i = 0; i < 16; i++) {
    const c = raw[i] ?? 0;
    if (c === 0) return s;
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e;
    if (!ok) return -EINVAL;
    s += String.fromCharCode(c);
  }
  return -EINVAL;
}
