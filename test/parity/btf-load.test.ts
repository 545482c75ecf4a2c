/**
 * @fileoverview Parity of BPF_BTF_LOAD's BTF checker (kernel/bpf/btf.c
 * btf_parse, v6.18; KERNEL-SPEC.md has no BTF section, the checks are
 * btf.c's): hand-made blobs, good and bad, go through the emulated kernel and
 * the running Linux kernel with log_level 1, and the errno, the whole
 * verifier log and `btf_log_true_size` must be the same. Each case also
 * states the errno and last log line it expects, so the emulated kernel is
 * checked on machines without Linux too. The log buffer modes (rotating,
 * BPF_LOG_FIXED, no buffer, a buffer too small: -ENOSPC) are compared too.
 *
 * The Linux side skips with the reason without privileges or the addon.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { BPF_BTF_LOAD } from "../../src/uapi/bpf-enums.js";
import type { Backend } from "../../src/backend/backend.js";
import { createModelKernel } from "../../src/backend/model.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { loadCollectionSpec } from "../../src/obj/collection.js";
import { sanitizeObjectBtf } from "../../src/lib/btf-sanitize.js";
import { fixture, hasFixture } from "../obj/helpers.js";
import { lockedLinuxGate } from "./linux-checks.js";

const { gate, release } = lockedLinuxGate();
after(() => release());

/** A BTF blob from raw 32-bit words and a string section; header fields can be overridden. */
export function rawBtf(words: readonly number[], strs: string, hdr: Partial<Record<"magic" | "version" | "flags" | "hdr_len" | "type_off" | "type_len" | "str_off" | "str_len", number>> = {}): Uint8Array {
  const s = new TextEncoder().encode(strs);
  const tl = words.length * 4;
  const out = new Uint8Array(24 + tl + s.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, hdr.magic ?? 0xeb9f, true);
  dv.setUint8(2, hdr.version ?? 1);
  dv.setUint8(3, hdr.flags ?? 0);
  dv.setUint32(4, hdr.hdr_len ?? 24, true);
  dv.setUint32(8, hdr.type_off ?? 0, true);
  dv.setUint32(12, hdr.type_len ?? tl, true);
  dv.setUint32(16, hdr.str_off ?? tl, true);
  dv.setUint32(20, hdr.str_len ?? s.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
  out.set(s, 24 + tl);
  return out;
}

/** btf_type.info. */
export const info = (kind: number, vlen = 0, kflag = 0): number => ((kflag << 31) | (kind << 24) | vlen) >>> 0;

/** What one BPF_BTF_LOAD returned. */
export interface LoadOutcome {
  readonly errno: number;
  readonly log: string;
  readonly trueSize: number;
  /** The raw log buffer (for the buffer-mode cases). */
  readonly buf: string;
}

/** BPF_BTF_LOAD of `blob` with a log; closes the fd it gets. */
export function loadBtf(be: Backend, blob: Uint8Array, opts: { level?: number; size?: number; noBuf?: boolean } = {}): LoadOutcome {
  const size = opts.size ?? 65536;
  const buf = new Uint8Array(size + 8).fill(0x2e);
  const attr = opts.noBuf
    ? { btf: blob, btf_size: blob.length, btf_log_level: opts.level ?? 1, btf_log_true_size: 0 }
    : { btf: blob, btf_size: blob.length, btf_log_buf: buf, btf_log_size: size, btf_log_level: opts.level ?? 1, btf_log_true_size: 0 };
  const r = be.bpf(BPF_BTF_LOAD, attr);
  if (r.errno === 0) be.close(r.ret);
  const end = buf.indexOf(0);
  const dec = new TextDecoder();
  return { errno: r.errno, log: dec.decode(buf.subarray(0, end < 0 ? 0 : end)), trueSize: attr.btf_log_true_size, buf: dec.decode(buf) };
}

/** The emulated kernel's side: one root process. */
export function modelBackend(): { be: Backend; dispose(): void } {
  const mk = createModelKernel({});
  const p = new ModelProcess(mk.kernel.spawn("btf-load"), mk.tcp);
  return { be: p, dispose: () => p.exit() };
}

/** The running kernel (no private netns needed: BTF objects touch no network state), or null when gated. */
export function linuxBackend(): { be: Backend; dispose(): void } | null {
  if (gate !== null) return null;
  const o = LinuxBackend.open({ netns: "current" });
  if (!o.ok) throw new Error(`Linux backend: ${o.reason}`);
  return { be: o.backend, dispose: () => o.backend.dispose() };
}

const I32 = [1, info(1), 4, (1 << 24) | 32];
const S = "\0int\0ab\0cd\0c.d\0.x-y/z\0tag\0a b\0";
// String offsets in S.
const INT = 1, AB = 5, CD = 8, CDOT = 11, SLASH = 15, TAG = 22, SPACE = 26;
const EINVAL = 22, E2BIG = 7, EEXIST = 17, ENOTSUPP = 524;

interface Case {
  readonly name: string;
  readonly blob: Uint8Array;
  readonly errno: number;
  /** The last line of the log (the error message, or the last type line). */
  readonly last: string;
}

const CASES: Case[] = [
  // Header and sections.
  { name: "good INT", blob: rawBtf(I32, S), errno: 0, last: "[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=SIGNED" },
  { name: "short blob", blob: new Uint8Array([0x9f, 0xeb, 1, 0]), errno: EINVAL, last: "hdr_len not found" },
  { name: "hdr_len past the end", blob: rawBtf(I32, S, { hdr_len: 4096 }), errno: EINVAL, last: "btf_header not found" },
  { name: "longer header, non-zero tail", blob: rawBtf(I32, S, { hdr_len: 28 }), errno: E2BIG, last: "Unsupported btf_header" },
  { name: "bad magic", blob: rawBtf(I32, S, { magic: 0x1234 }), errno: EINVAL, last: "Invalid magic" },
  { name: "version 2", blob: rawBtf(I32, S, { version: 2 }), errno: ENOTSUPP, last: "Unsupported version" },
  { name: "flags", blob: rawBtf(I32, S, { flags: 1 }), errno: ENOTSUPP, last: "Unsupported flags" },
  { name: "header only", blob: rawBtf([], "", { str_len: 0 }), errno: EINVAL, last: "No data" },
  { name: "short header", blob: rawBtf(I32, S, { hdr_len: 8 }), errno: EINVAL, last: "Unsupported section found" },
  { name: "section overlap", blob: rawBtf(I32, S, { str_off: 8 }), errno: EINVAL, last: "Section overlap found" },
  { name: "section offset past the body", blob: rawBtf(I32, S, { str_off: 4096 }), errno: EINVAL, last: "Invalid section offset" },
  { name: "sections too long", blob: rawBtf(I32, S, { str_len: 4096 }), errno: EINVAL, last: "Total section length too long" },
  { name: "strings before types", blob: (() => {
    const b = rawBtf(I32, "\0int\0\0\0\0", { str_off: 0, str_len: 8, type_off: 8 });
    b.copyWithin(24 + 8, 24, 24 + 16);
    b.set(new Uint8Array([0, 0x69, 0x6e, 0x74, 0, 0, 0, 0]), 24);
    new DataView(b.buffer).setUint32(24 + 8, 1, true);
    new DataView(b.buffer).setUint32(24 + 12, info(1), true);
    new DataView(b.buffer).setUint32(24 + 16, 4, true);
    new DataView(b.buffer).setUint32(24 + 20, (1 << 24) | 32, true);
    return b;
  })(), errno: EINVAL, last: "String section is not at the end" },
  { name: "strings not NUL-terminated", blob: rawBtf(I32, "\0int"), errno: EINVAL, last: "Invalid string section" },
  { name: "strings not starting with NUL", blob: rawBtf([1, info(1), 4, (1 << 24) | 32], "xint\0"), errno: EINVAL, last: "Invalid string section" },
  { name: "no types", blob: rawBtf([], "\0"), errno: EINVAL, last: "No type found" },
  { name: "unaligned type_off", blob: rawBtf(I32, S, { type_off: 2, str_off: 0, type_len: 14 }), errno: EINVAL, last: "Section overlap found" },
  // btf_check_meta.
  { name: "truncated type", blob: rawBtf([1, info(1)], S), errno: EINVAL, last: "[1] meta_left:8 meta_needed:12" },
  { name: "bad info bits", blob: rawBtf([1, info(1) | 0x10000, 4, 32], S), errno: EINVAL, last: "[1] Invalid btf_info:1010000" },
  { name: "kind 0", blob: rawBtf([0, 0, 0], S), errno: EINVAL, last: "[1] Invalid kind:0" },
  { name: "kind 20", blob: rawBtf([0, info(20), 0], S), errno: EINVAL, last: "[1] Invalid kind:20" },
  { name: "name offset past strings", blob: rawBtf([999, info(1), 4, 32], S), errno: EINVAL, last: "[1] Invalid name_offset:999" },
  // INT.
  { name: "INT without data", blob: rawBtf([INT, info(1), 4], S), errno: EINVAL, last: "[1] INT int meta_left:0 meta_needed:4" },
  { name: "INT vlen", blob: rawBtf([INT, info(1, 1), 4, 32], S), errno: EINVAL, last: "[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=(none) vlen != 0" },
  { name: "INT kflag", blob: rawBtf([INT, info(1, 0, 1), 4, 32], S), errno: EINVAL, last: "[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=(none) Invalid btf_info kind_flag" },
  { name: "INT data bits", blob: rawBtf([INT, info(1), 4, 0x10000020], S), errno: EINVAL, last: "[1] INT int Invalid int_data:10000020" },
  { name: "INT 129 bits", blob: rawBtf([INT, info(1), 16, 129], S), errno: EINVAL, last: "[1] INT int size=16 bits_offset=0 nr_bits=129 encoding=(none) nr_bits exceeds 128" },
  { name: "INT bits past size", blob: rawBtf([INT, info(1), 4, 33], S), errno: EINVAL, last: "[1] INT int size=4 bits_offset=0 nr_bits=33 encoding=(none) nr_bits exceeds type_size" },
  { name: "INT encoding 3", blob: rawBtf([INT, info(1), 4, (3 << 24) | 32], S), errno: ENOTSUPP, last: "[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=UNKN Unsupported encoding" },
  { name: "INT bool, char, bitfield int", blob: rawBtf([INT, info(1), 1, (4 << 24) | 8, AB, info(1), 1, (2 << 24) | 8, CD, info(1), 4, (3 << 16) | 5], S), errno: 0, last: "[3] INT cd size=4 bits_offset=3 nr_bits=5 encoding=(none)" },
  // PTR and modifiers.
  { name: "PTR named", blob: rawBtf([...I32, AB, info(2), 1], S), errno: EINVAL, last: "[2] PTR ab type_id=1 Invalid name" },
  { name: "CONST kflag", blob: rawBtf([...I32, 0, info(10, 0, 1), 1], S), errno: EINVAL, last: "[2] CONST (anon) type_id=1 Invalid btf_info kind_flag" },
  { name: "VOLATILE vlen", blob: rawBtf([...I32, 0, info(9, 2), 1], S), errno: EINVAL, last: "[2] VOLATILE (anon) type_id=1 vlen != 0" },
  { name: "RESTRICT type id too big", blob: rawBtf([...I32, 0, info(11), 0x100000], S), errno: EINVAL, last: "[2] RESTRICT (anon) type_id=1048576 Invalid type_id" },
  { name: "TYPEDEF anonymous", blob: rawBtf([...I32, 0, info(8), 1], S), errno: EINVAL, last: "[2] TYPEDEF (anon) type_id=1 Invalid name" },
  { name: "TYPEDEF with a dot", blob: rawBtf([...I32, CDOT, info(8), 1], S), errno: 0, last: "[2] TYPEDEF c.d type_id=1" },
  { name: "TYPEDEF of void", blob: rawBtf([...I32, AB, info(8), 0], S), errno: 0, last: "[2] TYPEDEF ab type_id=0" },
  { name: "TYPE_TAG with kflag", blob: rawBtf([...I32, TAG, info(18, 0, 1), 1], S), errno: 0, last: "[2] TYPE_TAG tag type_id=1" },
  { name: "TYPE_TAG anonymous", blob: rawBtf([...I32, 0, info(18), 1], S), errno: EINVAL, last: "[2] TYPE_TAG (anon) type_id=1 Invalid name" },
  { name: "PTR to missing type", blob: rawBtf([...I32, 0, info(2), 7], S), errno: EINVAL, last: "[2] PTR (anon) type_id=7 Invalid type_id" },
  { name: "CONST of a VAR", blob: rawBtf([...I32, AB, info(14), 1, 0, 0, info(10), 2], S), errno: EINVAL, last: "[3] CONST (anon) type_id=2 Invalid type_id" },
  { name: "PTR/CONST loop", blob: rawBtf([0, info(2), 2, 0, info(10), 1], S), errno: EEXIST, last: "[1] PTR (anon) type_id=2 Loop detected" },
  { name: "CONST/VOLATILE loop", blob: rawBtf([0, info(10), 2, 0, info(9), 1], S), errno: EEXIST, last: "[1] CONST (anon) type_id=2 Loop detected" },
  { name: "modifier chain of 33", blob: rawBtf([...Array.from({ length: 33 }, (_, i) => [0, info(10), i + 2]).flat(), ...I32], S), errno: E2BIG, last: "[1] CONST (anon) type_id=2 Exceeded max resolving depth:32" },
  { name: "type tag after a modifier", blob: rawBtf([...I32, 0, info(10), 3, TAG, info(18), 1], S), errno: EINVAL, last: "Type tags don't precede modifiers" },
  { name: "type tag before a modifier", blob: rawBtf([...I32, TAG, info(18), 3, 0, info(10), 1], S), errno: 0, last: "[3] CONST (anon) type_id=1" },
  // FWD.
  { name: "FWD union", blob: rawBtf([AB, info(7, 0, 1), 0], S), errno: 0, last: "[1] FWD ab union" },
  { name: "FWD with type", blob: rawBtf([AB, info(7), 1], S), errno: EINVAL, last: "[1] FWD ab struct type != 0" },
  { name: "FWD anonymous", blob: rawBtf([0, info(7), 0], S), errno: EINVAL, last: "[1] FWD (anon) struct Invalid name" },
  // ARRAY.
  { name: "ARRAY good", blob: rawBtf([...I32, 0, info(3), 0, 1, 1, 4], S), errno: 0, last: "[2] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=4" },
  { name: "ARRAY named", blob: rawBtf([...I32, AB, info(3), 0, 1, 1, 4], S), errno: EINVAL, last: "[2] ARRAY ab type_id=1 index_type_id=1 nr_elems=4 Invalid name" },
  { name: "ARRAY size", blob: rawBtf([...I32, 0, info(3), 4, 1, 1, 4], S), errno: EINVAL, last: "[2] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=4 size != 0" },
  { name: "ARRAY of void", blob: rawBtf([...I32, 0, info(3), 0, 0, 1, 4], S), errno: EINVAL, last: "[2] ARRAY (anon) type_id=0 index_type_id=1 nr_elems=4 Invalid elem" },
  { name: "ARRAY void index", blob: rawBtf([...I32, 0, info(3), 0, 1, 0, 4], S), errno: EINVAL, last: "[2] ARRAY (anon) type_id=1 index_type_id=0 nr_elems=4 Invalid index" },
  { name: "ARRAY truncated", blob: rawBtf([...I32, 0, info(3), 0, 1], S), errno: EINVAL, last: "[2] ARRAY (anon) meta_left:4 meta_needed:12" },
  { name: "ARRAY index not int", blob: rawBtf([...I32, 0, info(2), 0, 0, info(3), 0, 1, 2, 4], S), errno: EINVAL, last: "[3] ARRAY (anon) type_id=1 index_type_id=2 nr_elems=4 Invalid index" },
  { name: "ARRAY of bitfield int", blob: rawBtf([...I32, AB, info(1), 4, 5, 0, info(3), 0, 2, 1, 4], S), errno: EINVAL, last: "[3] ARRAY (anon) type_id=2 index_type_id=1 nr_elems=4 Invalid array of int" },
  { name: "ARRAY too big", blob: rawBtf([...I32, 0, info(3), 0, 1, 1, 0x40000000], S), errno: EINVAL, last: "[2] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=1073741824 Array size overflows U32_MAX" },
  { name: "ARRAY of FWD", blob: rawBtf([...I32, AB, info(7), 0, 0, info(3), 0, 2, 1, 4], S), errno: EINVAL, last: "[3] ARRAY (anon) type_id=2 index_type_id=1 nr_elems=4 Invalid elem" },
  // STRUCT and UNION.
  { name: "STRUCT good", blob: rawBtf([...I32, AB, info(4, 2), 8, CD, 1, 0, CDOT, 1, 32], S), errno: 0, last: "\tc.d type_id=1 bits_offset=32" },
  { name: "STRUCT name starting with a dot", blob: rawBtf([...I32, CDOT + 1, info(4, 1), 4, AB, 1, 0], "\0int\0ab\0cd\0c.d\0"), errno: 0, last: "\tab type_id=1 bits_offset=0" },
  { name: "STRUCT bad name", blob: rawBtf([...I32, SLASH, info(4, 1), 4, AB, 1, 0], S), errno: EINVAL, last: "[2] STRUCT .x-y/z size=4 vlen=1 Invalid name" },
  { name: "STRUCT member bad name", blob: rawBtf([...I32, AB, info(4, 1), 4, SPACE, 1, 0], S), errno: EINVAL, last: "\ta b type_id=1 bits_offset=0 Invalid name" },
  { name: "STRUCT member name offset", blob: rawBtf([...I32, AB, info(4, 1), 4, 999, 1, 0], S), errno: EINVAL, last: "\t(invalid-name-offset) type_id=1 bits_offset=0 Invalid member name_offset:999" },
  { name: "STRUCT member of void", blob: rawBtf([...I32, AB, info(4, 1), 4, CD, 0, 0], S), errno: EINVAL, last: "\tcd type_id=0 bits_offset=0 Invalid type_id" },
  { name: "STRUCT members out of order", blob: rawBtf([...I32, AB, info(4, 2), 8, CD, 1, 32, AB, 1, 0], S), errno: EINVAL, last: "\tab type_id=1 bits_offset=0 Invalid member bits_offset" },
  { name: "UNION member offset", blob: rawBtf([...I32, AB, info(5, 1), 8, CD, 1, 32], S), errno: EINVAL, last: "\tcd type_id=1 bits_offset=32 Invalid member bits_offset" },
  { name: "STRUCT member past size", blob: rawBtf([...I32, AB, info(4, 1), 4, CD, 1, 64], S), errno: EINVAL, last: "\tcd type_id=1 bits_offset=64 Member bits_offset exceeds its struct size" },
  { name: "STRUCT member overhangs", blob: rawBtf([...I32, AB, info(4, 1), 4, CD, 1, 8], S), errno: EINVAL, last: "\tcd type_id=1 bits_offset=8 Member exceeds struct_size" },
  { name: "STRUCT pointer unaligned", blob: rawBtf([...I32, 0, info(2), 1, AB, info(4, 1), 16, CD, 2, 4], S), errno: EINVAL, last: "\tcd type_id=2 bits_offset=4 Member is not byte aligned" },
  { name: "STRUCT of FWD", blob: rawBtf([CD, info(7), 0, AB, info(4, 1), 16, CD, 1, 0], S), errno: EINVAL, last: "\tcd type_id=1 bits_offset=0 Invalid member" },
  { name: "STRUCT loop", blob: rawBtf([...I32, AB, info(4, 1), 4, AB, 3, 0, CD, info(4, 1), 4, AB, 2, 0], S), errno: EEXIST, last: "[2] STRUCT ab size=4 vlen=1 Loop detected" },
  { name: "STRUCT self pointer", blob: rawBtf([AB, info(4, 1), 8, CD, 2, 0, 0, info(2), 1], S), errno: 0, last: "[2] PTR (anon) type_id=1" },
  { name: "STRUCT kflag bitfields", blob: rawBtf([...I32, AB, info(4, 2, 1), 4, CD, 1, (3 << 24) | 0, AB, 1, (5 << 24) | 3], S), errno: 0, last: "\tab type_id=1 bitfield_size=5 bits_offset=3" },
  { name: "STRUCT kflag bitfield too wide", blob: rawBtf([...I32, AB, info(4, 1, 1), 4, CD, 1, 33 << 24], S), errno: EINVAL, last: "\tcd type_id=1 bitfield_size=33 bits_offset=0 Invalid member bitfield_size" },
  { name: "STRUCT kflag pointer bitfield", blob: rawBtf([...I32, 0, info(2), 1, AB, info(4, 1, 1), 8, CD, 2, 3 << 24], S), errno: EINVAL, last: "\tcd type_id=2 bitfield_size=3 bits_offset=0 Invalid member bitfield_size" },
  { name: "STRUCT kflag unaligned int", blob: rawBtf([...I32, AB, info(4, 1, 1), 8, CD, 1, 3], S), errno: EINVAL, last: "\tcd type_id=1 bitfield_size=0 bits_offset=3 Invalid member offset" },
  { name: "STRUCT kflag enum bitfield 33", blob: rawBtf([...I32, AB, info(6, 1), 4, CD, 1, AB, info(4, 1, 1), 8, AB, 2, 33 << 24], S), errno: EINVAL, last: "\tab type_id=2 bitfield_size=33 bits_offset=0 Invalid member bitfield_size" },
  { name: "STRUCT via typedef of const", blob: rawBtf([...I32, 0, info(10), 1, CD, info(8), 2, AB, info(4, 1), 4, CD, 3, 0], S), errno: 0, last: "\tcd type_id=3 bits_offset=0" },
  // ENUM and ENUM64.
  { name: "ENUM signed", blob: rawBtf([AB, info(6, 1, 1), 4, CD, 0xffffffff], S), errno: 0, last: "\tcd val=-1" },
  { name: "ENUM unsigned", blob: rawBtf([AB, info(6, 1), 4, CD, 0xffffffff], S), errno: 0, last: "\tcd val=4294967295" },
  { name: "ENUM size 3", blob: rawBtf([AB, info(6, 0), 3], S), errno: EINVAL, last: "[1] ENUM ab size=3 vlen=0 Unexpected size" },
  { name: "ENUM anonymous value", blob: rawBtf([AB, info(6, 1), 4, 0, 1], S), errno: EINVAL, last: "[1] ENUM ab size=4 vlen=1 Invalid name" },
  { name: "ENUM value name offset", blob: rawBtf([AB, info(6, 1), 4, 999, 1], S), errno: EINVAL, last: "\tInvalid name_offset:999" },
  { name: "ENUM64 signed", blob: rawBtf([AB, info(19, 1, 1), 8, CD, 0xffffffff, 0xffffffff], S), errno: 0, last: "\tcd val=-1" },
  { name: "ENUM64 unsigned", blob: rawBtf([AB, info(19, 1), 8, CD, 0xffffffff, 0xffffffff], S), errno: 0, last: "\tcd val=18446744073709551615" },
  { name: "ENUM64 size 16", blob: rawBtf([AB, info(19, 0), 16], S), errno: EINVAL, last: "[1] ENUM64 ab size=16 vlen=0 Unexpected size" },
  // FUNC_PROTO and FUNC.
  { name: "FUNC_PROTO named", blob: rawBtf([...I32, AB, info(13), 1], S), errno: EINVAL, last: "[2] FUNC_PROTO ab return=1 args=(void) Invalid name" },
  { name: "FUNC extern", blob: rawBtf([...I32, 0, info(13), 1, AB, info(12, 2), 2], S), errno: EINVAL, last: "[3] FUNC ab type_id=2 Invalid func linkage" },
  { name: "FUNC global with a dot", blob: rawBtf([...I32, 0, info(13), 1, CDOT, info(12, 1), 2], S), errno: 0, last: "[3] FUNC c.d type_id=2" },
  { name: "FUNC anonymous", blob: rawBtf([...I32, 0, info(13), 1, 0, info(12), 2], S), errno: EINVAL, last: "[3] FUNC (anon) type_id=2 Invalid name" },
  { name: "FUNC kflag", blob: rawBtf([...I32, 0, info(13), 1, AB, info(12, 0, 1), 2], S), errno: EINVAL, last: "[3] FUNC ab type_id=2 Invalid btf_info kind_flag" },
  { name: "FUNC of an INT", blob: rawBtf([...I32, AB, info(12), 1], S), errno: EINVAL, last: "[2] FUNC ab type_id=1 Invalid type_id" },
  { name: "FUNC unnamed parameter", blob: rawBtf([...I32, 0, info(13, 2), 1, 0, 1, AB, 1, AB, info(12, 1), 2], S), errno: EINVAL, last: "[3] FUNC ab type_id=2 Invalid arg#1" },
  { name: "FUNC_PROTO vararg", blob: rawBtf([...I32, 0, info(13, 2), 1, AB, 1, 0, 0, AB, info(12, 1), 2], S), errno: 0, last: "[3] FUNC ab type_id=2" },
  { name: "FUNC_PROTO named vararg", blob: rawBtf([...I32, 0, info(13, 2), 1, AB, 1, CD, 0], S), errno: EINVAL, last: "[2] FUNC_PROTO (anon) return=1 args=(1 ab, vararg) Invalid arg#2" },
  { name: "FUNC_PROTO void in the middle", blob: rawBtf([...I32, 0, info(13, 2), 1, AB, 0, CD, 1], S), errno: EINVAL, last: "[2] FUNC_PROTO (anon) return=1 args=(0 ab, 1 cd) Invalid arg#1" },
  { name: "FUNC_PROTO bad parameter name", blob: rawBtf([...I32, 0, info(13, 1), 1, SPACE, 1], S), errno: EINVAL, last: "[2] FUNC_PROTO (anon) return=1 args=(1 a b) Invalid arg#1" },
  { name: "FUNC_PROTO returns a FWD", blob: rawBtf([AB, info(7), 0, 0, info(13), 1], S), errno: EINVAL, last: "[2] FUNC_PROTO (anon) return=1 args=(void) Invalid return type" },
  { name: "FUNC_PROTO missing return", blob: rawBtf([0, info(13), 9], S), errno: EINVAL, last: "[1] FUNC_PROTO (anon) return=9 args=(void) Invalid return type" },
  // VAR and DATASEC.
  { name: "VAR extern", blob: rawBtf([...I32, AB, info(14), 1, 2], S), errno: EINVAL, last: "[2] VAR ab type_id=1 linkage=2 Linkage not supported" },
  { name: "VAR with a dot", blob: rawBtf([...I32, CDOT, info(14), 1, 1], S), errno: 0, last: "[2] VAR c.d type_id=1 linkage=1" },
  { name: "VAR bad name", blob: rawBtf([...I32, SLASH, info(14), 1, 0], S), errno: EINVAL, last: "[2] VAR .x-y/z type_id=1 linkage=0 Invalid name" },
  { name: "VAR of void", blob: rawBtf([...I32, AB, info(14), 0, 0], S), errno: EINVAL, last: "[2] VAR ab type_id=0 linkage=0 Invalid type_id" },
  { name: "VAR of a FUNC_PROTO", blob: rawBtf([...I32, 0, info(13), 1, AB, info(14), 2, 0], S), errno: EINVAL, last: "[3] VAR ab type_id=2 linkage=0 Invalid type_id" },
  { name: "DATASEC printable name", blob: rawBtf([...I32, AB, info(14), 1, 0, SLASH, info(15, 1), 4, 2, 0, 4], S), errno: 0, last: "\t type_id=2 offset=0 size=4" },
  { name: "DATASEC name with a space", blob: rawBtf([...I32, AB, info(14), 1, 0, SPACE, info(15, 1), 4, 2, 0, 4], S), errno: 0, last: "\t type_id=2 offset=0 size=4" },
  { name: "DATASEC size 0", blob: rawBtf([...I32, AB, info(14), 1, 0, SLASH, info(15, 0), 0], S), errno: EINVAL, last: "[3] DATASEC .x-y/z size=0 vlen=0 size == 0" },
  { name: "DATASEC of a FUNC", blob: rawBtf([...I32, 0, info(13), 1, AB, info(12, 1), 2, SLASH, info(15, 1), 4, 3, 0, 4], S), errno: EINVAL, last: "\t type_id=3 offset=0 size=4 Not a VAR kind member" },
  { name: "DATASEC entries out of order", blob: rawBtf([...I32, AB, info(14), 1, 0, CD, info(14), 1, 0, SLASH, info(15, 2), 8, 2, 4, 4, 3, 0, 4], S), errno: EINVAL, last: "\t type_id=3 offset=0 size=4 Invalid offset" },
  { name: "DATASEC entry past the end", blob: rawBtf([...I32, AB, info(14), 1, 0, SLASH, info(15, 1), 4, 2, 2, 4], S), errno: EINVAL, last: "\t type_id=2 offset=2 size=4 Invalid offset+size" },
  { name: "DATASEC entry too small", blob: rawBtf([...I32, AB, info(14), 1, 0, SLASH, info(15, 1), 4, 2, 0, 2], S), errno: EINVAL, last: "\t type_id=2 offset=0 size=2 Invalid size" },
  { name: "DATASEC entry size 0", blob: rawBtf([...I32, AB, info(14), 1, 0, SLASH, info(15, 1), 4, 2, 0, 0], S), errno: EINVAL, last: "\t type_id=2 offset=0 size=0 Invalid size" },
  // FLOAT, DECL_TAG.
  { name: "FLOAT 8", blob: rawBtf([AB, info(16), 8], S), errno: 0, last: "[1] FLOAT ab size=8" },
  { name: "FLOAT 3", blob: rawBtf([AB, info(16), 3], S), errno: EINVAL, last: "[1] FLOAT ab size=3 Invalid type_size" },
  { name: "FLOAT member unaligned", blob: rawBtf([CD, info(16), 4, AB, info(4, 1), 8, CD, 1, 8], S), errno: EINVAL, last: "\tcd type_id=1 bits_offset=8 Member is not properly aligned" },
  { name: "DECL_TAG on a VAR with kflag", blob: rawBtf([...I32, AB, info(14), 1, 0, TAG, info(17, 0, 1), 2, 0xffffffff], S), errno: 0, last: "[3] DECL_TAG tag type=2 component_idx=-1" },
  { name: "DECL_TAG on a member", blob: rawBtf([...I32, AB, info(4, 1), 4, AB, 1, 0, TAG, info(17), 2, 0], S), errno: 0, last: "[3] DECL_TAG tag type=2 component_idx=0" },
  { name: "DECL_TAG member out of range", blob: rawBtf([...I32, AB, info(4, 1), 4, AB, 1, 0, TAG, info(17), 2, 1], S), errno: EINVAL, last: "[3] DECL_TAG tag type=2 component_idx=1 Invalid component_idx" },
  { name: "DECL_TAG component of a VAR", blob: rawBtf([...I32, AB, info(14), 1, 0, TAG, info(17), 2, 0], S), errno: EINVAL, last: "[3] DECL_TAG tag type=2 component_idx=0 Invalid component_idx" },
  { name: "DECL_TAG component -2", blob: rawBtf([...I32, AB, info(14), 1, 0, TAG, info(17), 2, 0xfffffffe], S), errno: EINVAL, last: "[3] DECL_TAG tag type=2 component_idx=-2 Invalid component_idx" },
  { name: "DECL_TAG on an INT", blob: rawBtf([...I32, TAG, info(17), 1, 0xffffffff], S), errno: EINVAL, last: "[2] DECL_TAG tag type=1 component_idx=-1 Invalid type_id" },
  { name: "DECL_TAG empty value", blob: rawBtf([...I32, 0, info(17), 1, 0xffffffff], S), errno: EINVAL, last: "[2] DECL_TAG (anon) type=1 component_idx=-1 Invalid value" },
  { name: "DECL_TAG on a FUNC parameter", blob: rawBtf([...I32, 0, info(13, 1), 1, AB, 1, AB, info(12), 2, TAG, info(17), 3, 0], S), errno: 0, last: "[4] DECL_TAG tag type=3 component_idx=0" },
];

/** The last non-empty line of a log. */
const lastLine = (log: string): string => log.split("\n").filter((l) => l !== "").at(-1) ?? "";

const model = modelBackend();
const linux = linuxBackend();
after(() => {
  model.dispose();
  linux?.dispose();
});

for (const c of CASES) {
  test(`BTF_LOAD: ${c.name}`, (t) => {
    const m = loadBtf(model.be, c.blob);
    assert.equal(m.errno, c.errno, `model errno; log:\n${m.log}`);
    assert.equal(lastLine(m.log), c.last, `model log:\n${m.log}`);
    assert.equal(m.trueSize, new TextEncoder().encode(m.log).length + 1, "model btf_log_true_size");
    if (linux === null) {
      t.skip(`Linux side skipped: ${gate?.reason ?? ""}`);
      return;
    }
    const l = loadBtf(linux.be, c.blob);
    assert.deepEqual({ errno: m.errno, log: m.log, trueSize: m.trueSize }, { errno: l.errno, log: l.log, trueSize: l.trueSize }, "model vs Linux");
  });
}

test("BTF_LOAD: log buffer modes (rotating, BPF_LOG_FIXED, no buffer, level 2)", (t) => {
  const blob = rawBtf([...I32, AB, info(4, 2), 8, CD, 1, 0, CDOT, 1, 32], S);
  const runs = (be: Backend): LoadOutcome[] => [
    loadBtf(be, blob, { size: 32 }),
    loadBtf(be, blob, { size: 32, level: 1 | 8 }),
    loadBtf(be, blob, { noBuf: true }),
    loadBtf(be, blob, { level: 2 }),
  ];
  const m = runs(model.be);
  assert.deepEqual(m.map((r) => r.errno), [28, 28, 0, 0]);
  assert.ok(m[0]?.log.endsWith("bits_offset=32\n"), "rotating keeps the tail");
  assert.ok(m[1]?.log.startsWith("magic: 0xeb9f\n"), "fixed keeps the head");
  assert.equal(m[0]?.log.length, 31);
  if (linux === null) {
    t.skip(`Linux side skipped: ${gate?.reason ?? ""}`);
    return;
  }
  assert.deepEqual(m, runs(linux.be));
});

test("BTF_LOAD: log attribute errors", (t) => {
  const blob = rawBtf(I32, S);
  const runs = (be: Backend): number[] => [
    be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length, btf_log_buf: new Uint8Array(8), btf_log_size: 8, btf_log_level: 0 }).errno,
    be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length, btf_log_buf: new Uint8Array(8), btf_log_size: 8, btf_log_level: 16 }).errno,
    be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length, btf_log_size: 8, btf_log_level: 1 }).errno,
    be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: 0 }).errno,
  ];
  const m = runs(model.be);
  assert.deepEqual(m, [22, 22, 22, 22]);
  if (linux === null) {
    t.skip(`Linux side skipped: ${gate?.reason ?? ""}`);
    return;
  }
  assert.deepEqual(m, runs(linux.be));
});

const FIXTURE_NAMES = ["update", "reno", "cubic", "dctcp", "dctcp_exact", "incompl", "unsupp", "nogpl", "demo"];

for (const name of FIXTURE_NAMES) {
  for (const build of ["linux", "model"] as const) {
    test(`BTF_LOAD: ${name}.${build}.bpf.o .BTF, raw (refused) and sanitized (accepted)`, (t) => {
      if (!hasFixture(name, build)) {
        t.skip(`fixture ${name}.${build}.bpf.o is not built`);
        return;
      }
      const spec = loadCollectionSpec(fixture(name, build), { name });
      const btf = spec.btf;
      assert.ok(btf !== undefined, "the fixture has BTF");
      const raw = btf.raw;
      const clean = sanitizeObjectBtf(btf, spec.externs, spec.maps.get(".kconfig")?.valueSize ?? 0);
      const hasExterns = clean !== raw;
      const mRaw = loadBtf(model.be, raw, { size: 1 << 22 });
      const mClean = loadBtf(model.be, clean, { size: 1 << 22 });
      assert.equal(mClean.errno, 0, `model refuses the sanitized BTF:\n${lastLine(mClean.log)}`);
      if (hasExterns) {
        assert.equal(mRaw.errno, EINVAL, "model accepts the raw BTF with extern linkage");
        assert.match(lastLine(mRaw.log), /Invalid func linkage|Linkage not supported/);
      } else {
        assert.equal(mRaw.errno, 0);
      }
      if (linux === null) {
        t.skip(`Linux side skipped: ${gate?.reason ?? ""}`);
        return;
      }
      const lRaw = loadBtf(linux.be, raw, { size: 1 << 22 });
      const lClean = loadBtf(linux.be, clean, { size: 1 << 22 });
      assert.deepEqual({ errno: mRaw.errno, log: mRaw.log, trueSize: mRaw.trueSize }, { errno: lRaw.errno, log: lRaw.log, trueSize: lRaw.trueSize }, "raw .BTF: model vs Linux");
      assert.deepEqual({ errno: mClean.errno, log: mClean.log, trueSize: mClean.trueSize }, { errno: lClean.errno, log: lClean.log, trueSize: lClean.trueSize }, "sanitized .BTF: model vs Linux");
    });
  }
}
