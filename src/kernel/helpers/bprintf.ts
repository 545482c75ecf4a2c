/**
 * @fileoverview The format checks and formatting of bpf_seq_printf
 * (kernel/bpf/helpers.c bpf_bprintf_prepare): a NUL-terminated format, one
 * u64 argument per conversion (data_len a multiple of 8, at most 12), and
 * the conversions BPF programs may use: %d %i %u %x %X %c %s %% with an
 * optional `-`/`0` flag, width, precision and `l`/`ll`/`h`/`hh` length
 * (`%p` forms, `%pI4` and friends, are not modelled and are refused). A
 * `%s` reads a NUL-terminated string from kernel memory; an unreadable
 * address prints as an empty string, as the kernel's nofault copy does.
 *
 * @see kernel/bpf/helpers.c bpf_bprintf_prepare (v6.18)
 */
import { EINVAL } from "../../uapi/errno.js";
import { PERM_READ } from "../mem/memory.js";
import type { KernelMemory } from "../mem/memory.js";

/** MAX_BPRINTF_VARARGS. */
export const MAX_BPRINTF_VARARGS = 12;
/** The longest `%s` the model copies (MAX_BPRINTF_BUF is 512 bytes for all arguments). */
const MAX_STR = 512;

const CONV = /%([-0]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXcs%])/y;

function cString(mem: KernelMemory, addr: bigint): string {
  if (addr === 0n || addr >= 2n ** 32n) return "";
  const a = Number(addr);
  const out: number[] = [];
  for (let i = 0; i < MAX_STR && mem.canAccess(a + i, 1, PERM_READ); i++) {
    const c = mem.u8[a + i] as number;
    if (c === 0) break;
    out.push(c);
  }
  return new TextDecoder().decode(Uint8Array.from(out));
}

function integer(v: bigint, len: string, conv: string): string {
  const bits = len === "ll" || len === "l" || len === "z" ? 64 : len === "h" ? 16 : len === "hh" ? 8 : 32;
  const signed = conv === "d" || conv === "i";
  const n = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  if (conv === "x") return n.toString(16);
  if (conv === "X") return n.toString(16).toUpperCase();
  return n.toString(10);
}

/**
 * Formats `fmt` (the bytes the program passed, fmt_size of them) with the
 * u64 arguments `args`: the text, or -EINVAL for a format the kernel refuses.
 */
export function bprintf(mem: KernelMemory, fmt: Uint8Array, args: readonly bigint[]): string | number {
  const end = fmt.indexOf(0);
  if (end < 0 || args.length > MAX_BPRINTF_VARARGS) return -EINVAL;
  const text = new TextDecoder().decode(fmt.subarray(0, end));
  let out = "";
  let used = 0;
  for (let i = 0; i < text.length; ) {
    if (text[i] !== "%") {
      out += text[i++];
      continue;
    }
    CONV.lastIndex = i;
    const m = CONV.exec(text);
    if (m === null) return -EINVAL;
    i = CONV.lastIndex;
    const [, flags = "", width = "", prec, len = "", conv = ""] = m;
    if (conv === "%") {
      out += "%";
      continue;
    }
    if (used >= args.length) return -EINVAL;
    const v = args[used++] as bigint;
    let s = conv === "s" ? cString(mem, v) : conv === "c" ? String.fromCharCode(Number(v & 0xffn)) : integer(v, len, conv);
    if (conv === "s" && prec !== undefined) s = s.slice(0, Number(prec));
    const w = width === "" ? 0 : Number(width);
    if (s.length < w) s = flags.includes("-") ? s.padEnd(w) : flags.includes("0") && conv !== "s" ? s.padStart(w, "0") : s.padStart(w);
    out += s;
  }
  return used === args.length ? out : -EINVAL;
}
