/**
 * @fileoverview Whether a resolved member fits its struct or union
 * (kernel/bpf/btf.c, v6.18: each kind's check_member and
 * check_kflag_member, called from btf_struct_resolve): btf_int_check_member,
 * btf_int_check_kflag_member, btf_enum_check_member,
 * btf_enum_check_kflag_member, btf_generic_check_kflag_member,
 * btf_ptr_check_member, btf_array_check_member, btf_struct_check_member,
 * btf_float_check_member, btf_modifier_check_member and
 * btf_modifier_check_kflag_member. Without kind_flag the member offset is in
 * bits; with it, the top 8 bits are a bitfield size and the low 24 the
 * offset.
 */
import { BTF_KIND_ARRAY, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_UNION } from "../../uapi/btf.js";
import { U32_MAX, isModifier, roundupBytes } from "./check-env.js";
import type { BtfEnv, Member, Rec } from "./check-env.js";
import { basicFail, memberFail } from "./check-log.js";

/** Checks member `m` of `st`, whose type `mt` is resolved. */
export function checkMember(env: BtfEnv, st: Rec, m: Member, mt: Rec): void {
  if (st.kflag) checkKflagMember(env, st, m, mt);
  else checkPlainMember(env, st, m, mt);
}

function checkPlainMember(env: BtfEnv, st: Rec, m: Member, mt: Rec): void {
  const size = st.st;
  const bytesOff = Math.floor(m.offset / 8);
  switch (mt.kind) {
    case BTF_KIND_INT: {
      const d = env.u32(mt.off + 12);
      const intOff = (d >>> 16) & 0xff;
      if (U32_MAX - m.offset < intOff) memberFail(env, st, m, "bits_offset exceeds U32_MAX");
      const off = m.offset + intOff;
      const bo = Math.floor(off / 8);
      const copyBits = (d & 0xff) + (off % 8);
      if (copyBits > 128) memberFail(env, st, m, "nr_copy_bits exceeds 128");
      if (size < bo || size - bo < roundupBytes(copyBits)) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    }
    case BTF_KIND_PTR:
      if (m.offset % 8) memberFail(env, st, m, "Member is not byte aligned");
      if (((size - bytesOff) >>> 0) < 8) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    case BTF_KIND_ARRAY: {
      if (m.offset % 8) memberFail(env, st, m, "Member is not byte aligned");
      const asz = env.idSize(m.type)?.size ?? 0;
      if (((size - bytesOff) >>> 0) < asz) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      if (m.offset % 8) memberFail(env, st, m, "Member is not byte aligned");
      if (((size - bytesOff) >>> 0) < mt.st) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    case BTF_KIND_FLOAT: {
      const align = Math.min(8, mt.st) * 8;
      if (m.offset % align) memberFail(env, st, m, "Member is not properly aligned");
      if (bytesOff + mt.st > size) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    }
    default:
      if (isModifier(mt.kind)) {
        const r = env.idSize(m.type);
        if (r === null) memberFail(env, st, m, "Invalid member");
        checkPlainMember(env, st, { ...m, type: r.id }, r.t);
        return;
      }
      basicFail(env, st, "Unsupported check_member");
  }
}

function checkKflagMember(env: BtfEnv, st: Rec, m: Member, mt: Rec): void {
  const size = st.st;
  const nrBits0 = m.offset >>> 24, bitOff = m.offset & 0xffffff;
  switch (mt.kind) {
    case BTF_KIND_INT: {
      if (!env.intIsRegular(mt)) memberFail(env, st, m, "Invalid member base type");
      const intBits = env.u32(mt.off + 12) & 0xff;
      let nrBits = nrBits0;
      if (!nrBits) {
        if (bitOff % 8) memberFail(env, st, m, "Invalid member offset");
        nrBits = intBits;
      } else if (nrBits > intBits) {
        memberFail(env, st, m, "Invalid member bitfield_size");
      }
      const bo = Math.floor(bitOff / 8);
      const copyBits = nrBits + (bitOff % 8);
      if (copyBits > 128) memberFail(env, st, m, "nr_copy_bits exceeds 128");
      if (size < bo || size - bo < roundupBytes(copyBits)) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    }
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      let nrBits = nrBits0;
      if (!nrBits) {
        if (bitOff % 8) memberFail(env, st, m, "Member is not byte aligned");
        nrBits = 32;
      } else if (nrBits > 32) {
        memberFail(env, st, m, "Invalid member bitfield_size");
      }
      if (size < roundupBytes(bitOff + nrBits)) memberFail(env, st, m, "Member exceeds struct_size");
      return;
    }
    case BTF_KIND_PTR:
    case BTF_KIND_ARRAY:
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_FLOAT:
      if (nrBits0) memberFail(env, st, m, "Invalid member bitfield_size");
      checkPlainMember(env, st, m, mt);
      return;
    default:
      if (isModifier(mt.kind)) {
        const r = env.idSize(m.type);
        if (r === null) memberFail(env, st, m, "Invalid member");
        checkKflagMember(env, st, { ...m, type: r.id }, r.t);
        return;
      }
      basicFail(env, st, "Unsupported check_kflag_member");
  }
}
