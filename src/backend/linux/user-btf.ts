/**
 * @fileoverview The smallest user BTF object, one `int` (include/uapi/linux/btf.h
 * layout): what BPF_MAP_CREATE needs in `btf_fd` for a struct_ops map (the
 * kernel requires a user BTF even though the value type is the kernel's,
 * kernel/bpf/syscall.c map_create). The same bytes load on the emulated kernel.
 */
import { BTF_HDR_LEN, BTF_HEADER_OFF, BTF_INFO_ENC, BTF_INT_ENC, BTF_INT_SIGNED, BTF_KIND_INT, BTF_MAGIC, BTF_VERSION } from "../../uapi/btf.js";

/** A BTF blob holding type 1: `int` (signed, 32 bits). */
export function intOnlyBtf(): Uint8Array {
  const strs = new TextEncoder().encode("\0int\0");
  const typeLen = 16;
  const out = new Uint8Array(BTF_HDR_LEN + typeLen + strs.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(BTF_HEADER_OFF.magic, BTF_MAGIC, true);
  dv.setUint8(BTF_HEADER_OFF.version, BTF_VERSION);
  dv.setUint32(BTF_HEADER_OFF.hdr_len, BTF_HDR_LEN, true);
  dv.setUint32(BTF_HEADER_OFF.type_off, 0, true);
  dv.setUint32(BTF_HEADER_OFF.type_len, typeLen, true);
  dv.setUint32(BTF_HEADER_OFF.str_off, typeLen, true);
  dv.setUint32(BTF_HEADER_OFF.str_len, strs.length, true);
  const t = BTF_HDR_LEN;
  dv.setUint32(t, 1, true); // name_off: "int"
  dv.setUint32(t + 4, BTF_INFO_ENC(BTF_KIND_INT, 0, 0), true);
  dv.setUint32(t + 8, 4, true); // size
  dv.setUint32(t + 12, BTF_INT_ENC(BTF_INT_SIGNED, 0, 32), true);
  out.set(strs, BTF_HDR_LEN + typeLen);
  return out;
}
