/**
 * @fileoverview The BTF checker behind BPF_BTF_LOAD (kernel/bpf/btf.c
 * btf_parse, v6.18): this file is the entry and driver, with the header and
 * section layout (btf_parse_hdr, btf_check_sec_info) and the string section
 * (btf_parse_str_sec); btf_parse_type_sec then runs the meta pass
 * (./check-meta.ts: btf_check_all_metas and each kind's check_meta), the
 * resolve pass (./check-resolve.ts: btf_check_all_types, with the member
 * checks in ./check-member.ts) and the type-tag ordering rule
 * (btf_check_type_tags, also in ./check-resolve.ts). The shared state is in
 * ./check-env.ts, the log lines in ./check-log.ts.
 *
 * The log it writes is the kernel's, line for line: the header dump, one
 * `[id] KIND name details` line per type (members and DATASEC entries
 * indented under it), and the message of the first error. Errors carry the
 * kernel's errno: mostly -EINVAL, -ENOTSUPP (524) for an unknown version,
 * flags or INT encoding, -E2BIG for a non-zero header tail or a too deep
 * chain, -EEXIST for a reference loop, -ELOOP for an overlong modifier chain.
 *
 * Name rules as Linux 6.18 applies them: identifiers start with a letter,
 * `_` or `.`, continue with letters, digits, `_` or `.` and are shorter than
 * KSYM_NAME_LEN (512); DATASEC names are any printable characters. Letters
 * and printables follow the kernel's Latin-1 ctype table (./ctype.ts).
 *
 * Not modelled (later steps of btf_parse): btf_parse_struct_metas and the
 * special-field checks (bpf_spin_lock, kptrs, graph roots) of map values.
 *
 * This is the verifier layer only: it walks the raw bytes in the kernel's own
 * order so that its log and errno are the kernel's. Decoding BTF into records
 * for lookups is the one decoder's job (src/btf/decode.ts), never this one's.
 *
 * Key invariant: `checkBtf` returns 0 only for a blob Linux 6.18 accepts, and
 * otherwise the errno Linux returns; it never throws on any input.
 */
import { E2BIG, EINVAL, ENOTSUPP } from "../../uapi/errno.js";
import { BTF_MAGIC, BTF_MAX_NAME_OFFSET, BTF_VERSION } from "../../uapi/btf.js";
import { BtfEnv, Fail } from "./check-env.js";
import { fail } from "./check-log.js";
import { checkAllMetas } from "./check-meta.js";
import { checkAllTypes, checkTypeTags } from "./check-resolve.js";
import type { BtfVerifierLog } from "./verifier-log.js";

/** BTF_MAX_SIZE: the largest blob BPF_BTF_LOAD takes. */
export const BTF_MAX_SIZE = 16 * 1024 * 1024;
const BTF_HDR_SIZE = 24;

/** btf_parse_hdr: reads and logs the header, then checks magic, version, flags and the section layout. */
function parseHdr(env: BtfEnv): void {
  const data = env.data;
  const size = data.length;
  if (size < 8) fail(env, -EINVAL, "hdr_len not found");
  const hdrLen = env.u32(4);
  if (size < hdrLen) fail(env, -EINVAL, "btf_header not found");
  for (let i = BTF_HDR_SIZE; i < hdrLen; i++) if (data[i] !== 0) fail(env, -E2BIG, "Unsupported btf_header");
  const h = new Uint8Array(BTF_HDR_SIZE);
  h.set(data.subarray(0, Math.min(hdrLen, BTF_HDR_SIZE)));
  const hv = new DataView(h.buffer);
  env.hdr = {
    magic: hv.getUint16(0, true), version: h[2] ?? 0, flags: h[3] ?? 0, hdr_len: hv.getUint32(4, true),
    type_off: hv.getUint32(8, true), type_len: hv.getUint32(12, true), str_off: hv.getUint32(16, true), str_len: hv.getUint32(20, true),
  };
  const x = env.hdr;
  env.log.write(`magic: 0x${x.magic.toString(16)}\nversion: ${x.version}\nflags: 0x${x.flags.toString(16)}\nhdr_len: ${x.hdr_len}\n`);
  env.log.write(`type_off: ${x.type_off}\ntype_len: ${x.type_len}\nstr_off: ${x.str_off}\nstr_len: ${x.str_len}\nbtf_total_size: ${size}\n`);
  if (x.magic !== BTF_MAGIC) fail(env, -EINVAL, "Invalid magic");
  if (x.version !== BTF_VERSION) fail(env, -ENOTSUPP, "Unsupported version");
  if (x.flags) fail(env, -ENOTSUPP, "Unsupported flags");
  if (size === x.hdr_len) fail(env, -EINVAL, "No data");
  checkSecInfo(env, size);
}

/** btf_check_sec_info: the two sections, sorted, must tile the body exactly. */
function checkSecInfo(env: BtfEnv, size: number): void {
  const secs = [
    { off: env.hdr.type_off, len: env.hdr.type_len },
    { off: env.hdr.str_off, len: env.hdr.str_len },
  ].sort((a, b) => ((a.off - b.off) | 0) || ((a.len - b.len) | 0));
  const expected = (size - env.hdr.hdr_len) >>> 0;
  let total = 0;
  for (const s of secs) {
    if (expected < s.off) fail(env, -EINVAL, "Invalid section offset");
    if (total < s.off) fail(env, -EINVAL, "Unsupported section found");
    if (total > s.off) fail(env, -EINVAL, "Section overlap found");
    if (expected - total < s.len) fail(env, -EINVAL, "Total section length too long");
    total += s.len;
  }
  if (expected !== total) fail(env, -EINVAL, "Unsupported section found");
}

/** btf_parse_str_sec: the string section ends the blob, starts and ends with a NUL, and fits the name-offset range. */
function parseStrSec(env: BtfEnv): void {
  const h = env.hdr;
  const data = env.data;
  env.strStart = h.hdr_len + h.str_off;
  const end = env.strStart + h.str_len;
  if (end !== data.length) fail(env, -EINVAL, "String section is not at the end");
  if (!h.str_len || h.str_len - 1 > BTF_MAX_NAME_OFFSET || data[end - 1] !== 0) fail(env, -EINVAL, "Invalid string section");
  if (data[env.strStart] !== 0) fail(env, -EINVAL, "Invalid string section");
}

/** btf_parse_type_sec: an aligned, non-empty type section, then both passes over it. */
function parseTypeSec(env: BtfEnv): void {
  if (env.hdr.type_off & 3) fail(env, -EINVAL, "Unaligned type_off");
  if (!env.hdr.type_len) fail(env, -EINVAL, "No type found");
  checkAllMetas(env);
  checkAllTypes(env);
}

/**
 * btf_parse for BPF_BTF_LOAD: 0 when Linux 6.18 accepts `data`, else its
 * negative errno. `log` receives the verifier log.
 */
export function checkBtf(data: Uint8Array, log: BtfVerifierLog): number {
  const env = new BtfEnv(data, log);
  try {
    parseHdr(env);
    parseStrSec(env);
    parseTypeSec(env);
    checkTypeTags(env);
    return 0;
  } catch (e) {
    if (e instanceof Fail) return e.err;
    throw e;
  }
}
