/**
 * @fileoverview The verifier-log lines of the BTF check (kernel/bpf/btf.c,
 * v6.18): btf_verifier_log_type with each kind's log_details (`[id] KIND
 * name details msg`), btf_verifier_log_member (`\tname type_id=...
 * bits_offset=...`), btf_verifier_log_vsi (`\t type_id=... offset=...
 * size=...`), btf_name_by_offset's `(anon)` / `(invalid-name-offset)`, and
 * the failures that end a check with one such line and an errno.
 *
 * Once the meta pass is over, a member or DATASEC entry line is preceded by
 * its type's line, as the kernel does when `env->phase` has moved on.
 */
import { EINVAL } from "../../uapi/errno.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_VAR,
} from "../../uapi/btf.js";
import { Fail } from "./check-env.js";
import type { BtfEnv, Member, Rec, Vsi } from "./check-env.js";

const KIND_STR = [
  "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT",
  "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
];

/** btf_name_by_offset as the log prints it. */
export function nameByOffset(env: BtfEnv, off: number): string {
  if (off === 0) return "(anon)";
  const s = env.str(off);
  return s ?? "(invalid-name-offset)";
}

/** btf_verifier_log_type: `[id] KIND name`, then the kind's details if asked, then `msg`. */
export function logType(env: BtfEnv, t: Rec, details: boolean, msg: string | null): void {
  if (!env.log.needed) return;
  let line = `[${env.logTypeId}] ${KIND_STR[t.kind] ?? "UNKNOWN"} ${nameByOffset(env, t.name_off)}${details ? " " : ""}`;
  if (details) line += logDetails(env, t);
  if (msg) line += ` ${msg}`;
  env.log.write(`${line}\n`);
}

/** btf_verifier_log_member. */
export function logMember(env: BtfEnv, st: Rec, m: Member, msg: string | null): void {
  if (!env.log.needed) return;
  if (!env.meta) logType(env, st, true, null);
  const name = nameByOffset(env, m.name_off);
  let line = st.kflag
    ? `\t${name} type_id=${m.type} bitfield_size=${m.offset >>> 24} bits_offset=${m.offset & 0xffffff}`
    : `\t${name} type_id=${m.type} bits_offset=${m.offset}`;
  if (msg) line += ` ${msg}`;
  env.log.write(`${line}\n`);
}

/** btf_verifier_log_vsi. */
export function logVsi(env: BtfEnv, ds: Rec, v: Vsi, msg: string | null): void {
  if (!env.log.needed) return;
  if (!env.meta) logType(env, ds, true, null);
  env.log.write(`\t type_id=${v.type} offset=${v.offset} size=${v.size}${msg ? ` ${msg}` : ""}\n`);
}

/** Writes `msg` (if any) to the log as it is and fails with `err`. */
export function fail(env: BtfEnv, err: number, msg?: string): never {
  if (msg !== undefined) env.log.write(msg);
  throw new Fail(err);
}

/** Logs `t` with its details and `msg`, and fails with `err`. */
export function typeFail(env: BtfEnv, t: Rec, msg: string, err = -EINVAL): never {
  logType(env, t, true, msg);
  throw new Fail(err);
}

/** Logs `t` without details and `msg`, and fails with -EINVAL. */
export function basicFail(env: BtfEnv, t: Rec, msg: string): never {
  logType(env, t, false, msg);
  throw new Fail(-EINVAL);
}

/** Logs member `m` of `st` and `msg`, and fails with -EINVAL. */
export function memberFail(env: BtfEnv, st: Rec, m: Member, msg: string): never {
  logMember(env, st, m, msg);
  throw new Fail(-EINVAL);
}

/** Logs DATASEC entry `v` of `ds` and `msg`, and fails with -EINVAL. */
export function vsiFail(env: BtfEnv, ds: Rec, v: Vsi, msg: string): never {
  logVsi(env, ds, v, msg);
  throw new Fail(-EINVAL);
}

/** Each kind's log_details. */
function logDetails(env: BtfEnv, t: Rec): string {
  switch (t.kind) {
    case BTF_KIND_INT: {
      const d = env.u32(t.off + 12);
      const enc = (d >>> 24) & 0x0f;
      const es = enc === 0 ? "(none)" : enc === 1 ? "SIGNED" : enc === 2 ? "CHAR" : enc === 4 ? "BOOL" : "UNKN";
      return `size=${t.st} bits_offset=${(d >>> 16) & 0xff} nr_bits=${d & 0xff} encoding=${es}`;
    }
    case BTF_KIND_ARRAY:
      return `type_id=${env.u32(t.off + 12)} index_type_id=${env.u32(t.off + 16)} nr_elems=${env.u32(t.off + 20)}`;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_DATASEC:
      return `size=${t.st} vlen=${t.vlen}`;
    case BTF_KIND_FWD:
      return t.kflag ? "union" : "struct";
    case BTF_KIND_FUNC_PROTO:
      return protoDetails(env, t);
    case BTF_KIND_VAR:
      return `type_id=${t.st} linkage=${env.u32(t.off + 12)}`;
    case BTF_KIND_FLOAT:
      return `size=${t.st}`;
    case BTF_KIND_DECL_TAG:
      return `type=${t.st} component_idx=${env.dv.getInt32(t.off + 12, true)}`;
    default:
      return `type_id=${t.st}`;
  }
}

/** btf_func_proto_log: `return=N args=(...)`. */
function protoDetails(env: BtfEnv, t: Rec): string {
  const n = t.vlen;
  let s = `return=${t.st} args=(`;
  const arg = (i: number): { type: number; name_off: number } => ({ name_off: env.u32(t.off + 12 + i * 8), type: env.u32(t.off + 16 + i * 8) });
  if (n === 0) s += "void";
  else if (n === 1 && arg(0).type === 0) s += "vararg";
  else {
    const a0 = arg(0);
    s += `${a0.type} ${nameByOffset(env, a0.name_off)}`;
    for (let i = 1; i < n - 1; i++) {
      const a = arg(i);
      s += `, ${a.type} ${nameByOffset(env, a.name_off)}`;
    }
    if (n > 1) {
      const last = arg(n - 1);
      s += last.type ? `, ${last.type} ${nameByOffset(env, last.name_off)}` : ", vararg";
    }
  }
  return `${s})`;
}
