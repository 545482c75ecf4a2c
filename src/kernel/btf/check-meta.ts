/**
 * @fileoverview The first pass of the BTF check (kernel/bpf/btf.c, v6.18:
 * btf_check_all_metas, btf_check_meta and each kind's check_meta):
 * btf_int_check_meta, btf_ref_type_check_meta, btf_fwd_check_meta,
 * btf_array_check_meta, btf_struct_check_meta, btf_enum_check_meta,
 * btf_enum64_check_meta, btf_func_proto_check_meta, btf_func_check_meta,
 * btf_var_check_meta, btf_datasec_check_meta, btf_float_check_meta and
 * btf_decl_tag_check_meta. Each record is checked on its own (sizes, flags,
 * names, ids in range) and logged with its members, enumerators or DATASEC
 * entries; references are followed later by the resolve pass.
 */
import { E2BIG, EINVAL, ENOTSUPP } from "../../uapi/errno.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_UNKN, BTF_KIND_INT, BTF_KIND_MAX, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_MAX_TYPE,
} from "../../uapi/btf.js";
import { roundupBytes } from "./check-env.js";
import type { BtfEnv, Rec } from "./check-env.js";
import { basicFail, fail, logMember, logType, logVsi, memberFail, nameByOffset, typeFail, vsiFail } from "./check-log.js";

const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;

/** btf_check_all_metas: checks every record of the type section in order, numbering them from 1. */
export function checkAllMetas(env: BtfEnv): void {
  let cur = env.hdr.hdr_len + env.hdr.type_off;
  const end = cur + env.hdr.type_len;
  env.logTypeId = 1;
  while (cur < end) {
    const size = checkMeta(env, cur, end - cur);
    // btf_add_type: the id space (void included) ends at BTF_MAX_TYPE.
    if (env.types.length > BTF_MAX_TYPE) fail(env, -E2BIG, "Exceeded max num of types");
    cur += size;
    env.logTypeId++;
  }
}

/** btf_check_meta: the common 12-byte header, then the kind's own check; returns the record's size. */
function checkMeta(env: BtfEnv, off: number, left: number): number {
  const id = env.logTypeId;
  if (left < 12) fail(env, -EINVAL, `[${id}] meta_left:${left} meta_needed:12`);
  const info = env.u32(off + 4);
  if ((info & ~BTF_INFO_MASK) >>> 0) fail(env, -EINVAL, `[${id}] Invalid btf_info:${info.toString(16)}`);
  const kind = (info >>> 24) & 0x1f;
  if (kind > BTF_KIND_MAX || kind === BTF_KIND_UNKN) fail(env, -EINVAL, `[${id}] Invalid kind:${kind}`);
  const name_off = env.u32(off);
  if (!env.offsetValid(name_off)) fail(env, -EINVAL, `[${id}] Invalid name_offset:${name_off}`);
  const t: Rec = { id, off, name_off, info, kind, vlen: info & 0xffff, kflag: info >>> 31, st: env.u32(off + 8) };
  const extra = kindMeta(env, t, left - 12);
  env.types.push(t);
  return 12 + extra;
}

function needMeta(env: BtfEnv, t: Rec, left: number, needed: number): void {
  if (left < needed) basicFail(env, t, `meta_left:${left} meta_needed:${needed}`);
}

function noVlen(env: BtfEnv, t: Rec): void {
  if (t.vlen) typeFail(env, t, "vlen != 0");
}

function noKflag(env: BtfEnv, t: Rec): void {
  if (t.kflag) typeFail(env, t, "Invalid btf_info kind_flag");
}

/** The kind's check_meta; returns the size of the data after the 12-byte header. */
function kindMeta(env: BtfEnv, t: Rec, left: number): number {
  switch (t.kind) {
    case BTF_KIND_INT:
      return intMeta(env, t, left);
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
      return refMeta(env, t);
    case BTF_KIND_FWD:
      noVlen(env, t);
      if (t.st) typeFail(env, t, "type != 0");
      if (!t.name_off || !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
      logType(env, t, true, null);
      return 0;
    case BTF_KIND_ARRAY:
      return arrayMeta(env, t, left);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return structMeta(env, t, left);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return enumMeta(env, t, left);
    case BTF_KIND_FUNC_PROTO:
      needMeta(env, t, left, t.vlen * 8);
      if (t.name_off) typeFail(env, t, "Invalid name");
      noKflag(env, t);
      logType(env, t, true, null);
      return t.vlen * 8;
    case BTF_KIND_FUNC:
      if (!t.name_off || !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
      if (t.vlen > 1) typeFail(env, t, "Invalid func linkage");
      noKflag(env, t);
      logType(env, t, true, null);
      return 0;
    case BTF_KIND_VAR: {
      needMeta(env, t, left, 4);
      noVlen(env, t);
      noKflag(env, t);
      if (!t.name_off || !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
      if (!t.st || t.st > BTF_MAX_TYPE) typeFail(env, t, "Invalid type_id");
      const linkage = env.u32(t.off + 12);
      if (linkage !== 0 && linkage !== 1) typeFail(env, t, "Linkage not supported");
      logType(env, t, true, null);
      return 4;
    }
    case BTF_KIND_DATASEC:
      return datasecMeta(env, t, left);
    case BTF_KIND_FLOAT:
      noVlen(env, t);
      noKflag(env, t);
      if (![2, 4, 8, 12, 16].includes(t.st)) typeFail(env, t, "Invalid type_size");
      logType(env, t, true, null);
      return 0;
    default: {
      // DECL_TAG
      needMeta(env, t, left, 4);
      if (!env.str(t.name_off)) typeFail(env, t, "Invalid value");
      noVlen(env, t);
      if (env.dv.getInt32(t.off + 12, true) < -1) typeFail(env, t, "Invalid component_idx");
      logType(env, t, true, null);
      return 4;
    }
  }
}

/** btf_int_check_meta. */
function intMeta(env: BtfEnv, t: Rec, left: number): number {
  needMeta(env, t, left, 4);
  noVlen(env, t);
  noKflag(env, t);
  const d = env.u32(t.off + 12);
  if ((d & ~BTF_INT_MASK) >>> 0) basicFail(env, t, `Invalid int_data:${d.toString(16)}`);
  const nrBits = (d & 0xff) + ((d >>> 16) & 0xff);
  if (nrBits > 128) typeFail(env, t, "nr_bits exceeds 128");
  if (roundupBytes(nrBits) > t.st) typeFail(env, t, "nr_bits exceeds type_size");
  const enc = (d >>> 24) & 0x0f;
  if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) typeFail(env, t, "Unsupported encoding", -ENOTSUPP);
  logType(env, t, true, null);
  return 4;
}

/** btf_ref_type_check_meta: PTR, TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG. */
function refMeta(env: BtfEnv, t: Rec): number {
  noVlen(env, t);
  if (t.kflag && t.kind !== BTF_KIND_TYPE_TAG) typeFail(env, t, "Invalid btf_info kind_flag");
  if (t.st > BTF_MAX_TYPE) typeFail(env, t, "Invalid type_id");
  if (t.kind === BTF_KIND_TYPEDEF) {
    if (!t.name_off || !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
  } else if (t.kind === BTF_KIND_TYPE_TAG) {
    if (!env.str(t.name_off)) typeFail(env, t, "Invalid name");
  } else if (t.name_off) {
    typeFail(env, t, "Invalid name");
  }
  logType(env, t, true, null);
  return 0;
}

/** btf_array_check_meta. */
function arrayMeta(env: BtfEnv, t: Rec, left: number): number {
  needMeta(env, t, left, 12);
  if (t.name_off) typeFail(env, t, "Invalid name");
  noVlen(env, t);
  noKflag(env, t);
  if (t.st) typeFail(env, t, "size != 0");
  const elem = env.u32(t.off + 12), index = env.u32(t.off + 16);
  if (!elem || elem > BTF_MAX_TYPE) typeFail(env, t, "Invalid elem");
  if (!index || index > BTF_MAX_TYPE) typeFail(env, t, "Invalid index");
  logType(env, t, true, null);
  return 12;
}

/** btf_struct_check_meta (STRUCT and UNION). */
function structMeta(env: BtfEnv, t: Rec, left: number): number {
  const needed = t.vlen * 12;
  needMeta(env, t, left, needed);
  if (t.name_off && !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
  logType(env, t, true, null);
  let last = 0;
  for (let i = 0; i < t.vlen; i++) {
    const m = env.member(t, i);
    if (!env.offsetValid(m.name_off)) memberFail(env, t, m, `Invalid member name_offset:${m.name_off}`);
    if (m.name_off && !env.identifier(m.name_off)) memberFail(env, t, m, "Invalid name");
    if (!m.type || m.type > BTF_MAX_TYPE) memberFail(env, t, m, "Invalid type_id");
    const bitOff = t.kflag ? m.offset & 0xffffff : m.offset;
    if (t.kind === BTF_KIND_UNION && bitOff) memberFail(env, t, m, "Invalid member bits_offset");
    if (last > bitOff) memberFail(env, t, m, "Invalid member bits_offset");
    if (roundupBytes(bitOff) > t.st) memberFail(env, t, m, "Member bits_offset exceeds its struct size");
    logMember(env, t, m, null);
    last = bitOff;
  }
  return needed;
}

/** btf_enum_check_meta and btf_enum64_check_meta. */
function enumMeta(env: BtfEnv, t: Rec, left: number): number {
  const is64 = t.kind === BTF_KIND_ENUM64;
  const each = is64 ? 12 : 8;
  const needed = t.vlen * each;
  needMeta(env, t, left, needed);
  if (t.st > 8 || t.st === 0 || (t.st & (t.st - 1)) !== 0) typeFail(env, t, "Unexpected size");
  if (t.name_off && !env.identifier(t.name_off)) typeFail(env, t, "Invalid name");
  logType(env, t, true, null);
  for (let i = 0; i < t.vlen; i++) {
    const o = t.off + 12 + i * each;
    const nameOff = env.u32(o);
    if (!env.offsetValid(nameOff)) fail(env, -EINVAL, `\tInvalid name_offset:${nameOff}`);
    if (!nameOff || !env.identifier(nameOff)) typeFail(env, t, "Invalid name");
    let val: bigint;
    if (is64) {
      const v = (BigInt(env.u32(o + 8)) << 32n) | BigInt(env.u32(o + 4));
      val = t.kflag ? BigInt.asIntN(64, v) : v;
    } else {
      val = BigInt(t.kflag ? env.dv.getInt32(o + 4, true) : env.u32(o + 4));
    }
    env.log.write(`\t${nameByOffset(env, nameOff)} val=${val}\n`);
  }
  return needed;
}

/** btf_datasec_check_meta. */
function datasecMeta(env: BtfEnv, t: Rec, left: number): number {
  const needed = t.vlen * 12;
  needMeta(env, t, left, needed);
  if (!t.st) typeFail(env, t, "size == 0");
  noKflag(env, t);
  if (!t.name_off || !env.section(t.name_off)) typeFail(env, t, "Invalid name");
  logType(env, t, true, null);
  let lastEnd = 0, sum = 0;
  for (let i = 0; i < t.vlen; i++) {
    const v = env.vsi(t, i);
    const bad = (msg: string): never => vsiFail(env, t, v, msg);
    if (!v.type || v.type > BTF_MAX_TYPE) bad("Invalid type_id");
    if (v.offset < lastEnd || v.offset >= t.st) bad("Invalid offset");
    if (!v.size || v.size > t.st) bad("Invalid size");
    lastEnd = v.offset + v.size;
    if (lastEnd > t.st) bad("Invalid offset+size");
    logVsi(env, t, v, null);
    sum += v.size;
  }
  if (t.st < sum) typeFail(env, t, "Invalid btf_info size");
  return needed;
}
