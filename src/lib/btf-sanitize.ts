/**
 * @fileoverview The object BTF as BPF_BTF_LOAD accepts it: clang leaves the
 * externs of `.ksyms` and `.kconfig` with extern linkage (FUNC linkage 2,
 * VAR linkage 2), kfunc prototypes with unnamed parameters, FUNCs inside the
 * `.ksyms` DATASEC and that DATASEC with size 0; the kernel's BTF checker
 * (kernel/bpf/btf.c: "Invalid func linkage", "Invalid arg#", "Not a VAR
 * kind member", "Invalid offset+size") refuses each of them. libbpf rewrites
 * them before loading (bpf_object__collect_externs); this does the same on a
 * copy of the blob:
 *
 * - extern FUNCs get global linkage, and their prototype's unnamed parameters
 *   the name of a dummy VAR (`dummy_ksym`, global, a 4-byte int) appended to
 *   the types;
 * - `.ksyms` entries become 4-byte slots of that dummy VAR (FUNCs) or of
 *   their own VAR retyped as int, and the DATASEC gets their total size;
 * - `.kconfig` VARs become global and sit at the offsets the loader laid the
 *   `.kconfig` map out with, sorted by offset.
 *
 * Type ids do not change (the new types are appended), so func_info and
 * every other id the loader hands the kernel stay valid.
 */
import {
  BTF_FUNC_EXTERN, BTF_FUNC_GLOBAL, BTF_KIND_DATASEC, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_INT, BTF_KIND_VAR,
  BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_GLOBAL_EXTERN,
} from "../uapi/btf.js";
import type { Btf } from "../btf/btf.js";
import type { ExternSpec } from "../obj/spec.js";

const DUMMY_KSYM = "dummy_ksym";
const INT_NAME = "int";

/**
 * The blob to give BPF_BTF_LOAD for an object whose BTF is `btf`, with its
 * `.kconfig` externs laid out as `externs` say in a map of `kconfigSize`
 * bytes. The input is returned unchanged when it has no externs.
 */
export function sanitizeObjectBtf(btf: Btf, externs: readonly ExternSpec[], kconfigSize: number): Uint8Array {
  const raw = btf.raw;
  const externFuncs = btf.types.filter((t) => t.kind === BTF_KIND_FUNC && t.linkage === BTF_FUNC_EXTERN);
  const externVars = btf.types.filter((t) => t.kind === BTF_KIND_VAR && t.linkage === BTF_VAR_GLOBAL_EXTERN);
  if (externFuncs.length === 0 && externVars.length === 0) return raw;

  const inDv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const hdrLen = inDv.getUint32(4, true);
  const typeOff = inDv.getUint32(8, true), typeLen = inDv.getUint32(12, true);
  const strOff = inDv.getUint32(16, true), strLen = inDv.getUint32(20, true);

  // New strings and types, appended.
  const intRec = btf.types.find((t) => t.kind === BTF_KIND_INT && t.size === 4 && t.int_bits === 32);
  const newStrs: string[] = [];
  const strAt = (s: string): number => {
    let off = strLen;
    for (const x of newStrs) off += new TextEncoder().encode(x).length + 1;
    newStrs.push(s);
    return off;
  };
  const dummyNameOff = strAt(DUMMY_KSYM);
  const newTypes: number[][] = [];
  let intId = intRec?.id ?? 0;
  if (intRec === undefined) {
    intId = btf.types.length + newTypes.length;
    // INT "int": size 4, signed (encoding bit 0), 32 bits.
    newTypes.push([strAt(INT_NAME), BTF_KIND_INT << 24, 4, (1 << 24) | 32]);
  }
  const dummyId = btf.types.length + newTypes.length;
  newTypes.push([dummyNameOff, BTF_KIND_VAR << 24, intId, BTF_VAR_GLOBAL_ALLOCATED]);

  const enc = new TextEncoder();
  const strBytes = newStrs.map((s) => enc.encode(`${s}\0`));
  const addedStr = strBytes.reduce((n, b) => n + b.length, 0);
  const addedTypes = newTypes.reduce((n, t) => n + t.length * 4, 0);
  const out = new Uint8Array(hdrLen + typeLen + addedTypes + strLen + addedStr);
  out.set(raw.subarray(0, hdrLen), 0);
  out.set(raw.subarray(hdrLen + typeOff, hdrLen + typeOff + typeLen), hdrLen);
  out.set(raw.subarray(hdrLen + strOff, hdrLen + strOff + strLen), hdrLen + typeLen + addedTypes);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, typeLen + addedTypes, true);
  dv.setUint32(16, typeLen + addedTypes, true);
  dv.setUint32(20, strLen + addedStr, true);
  let at = hdrLen + typeLen;
  for (const t of newTypes) {
    for (const w of t) {
      dv.setUint32(at, w, true);
      at += 4;
    }
  }
  at += strLen;
  for (const b of strBytes) {
    out.set(b, at);
    at += b.length;
  }

  /** Offset in `out` of a type record at `off` in the input. */
  const rec = (off: number): number => hdrLen + (off - hdrLen - typeOff);

  for (const f of externFuncs) {
    const o = rec(f.blob_off);
    dv.setUint32(o + 4, (dv.getUint32(o + 4, true) & ~0xffff) | BTF_FUNC_GLOBAL, true);
    const proto = btf.type(f.type);
    if (proto.kind !== BTF_KIND_FUNC_PROTO) continue;
    const po = rec(proto.blob_off);
    proto.params.forEach((p, j) => {
      if (p.type !== 0 && p.name === "") dv.setUint32(po + 12 + j * 8, dummyNameOff, true);
    });
  }

  const kconfigOffsets = new Map(externs.filter((e) => e.kind === "kconfig").map((e) => [e.btfId, e]));
  for (const ds of btf.types) {
    if (ds.kind !== BTF_KIND_DATASEC || (ds.name !== ".ksyms" && ds.name !== ".kconfig")) continue;
    const o = rec(ds.blob_off);
    const entries = ds.secinfos.map((si, i) => {
      const v = btf.type(si.type);
      if (ds.name === ".ksyms") {
        if (v.kind === BTF_KIND_FUNC) return { type: dummyId, offset: i * 4, size: 4 };
        if (v.kind === BTF_KIND_VAR) dv.setUint32(rec(v.blob_off) + 8, intId, true);
        return { type: si.type, offset: i * 4, size: 4 };
      }
      const e = kconfigOffsets.get(si.type);
      return { type: si.type, offset: e?.offset ?? si.offset, size: e?.size ?? si.size };
    });
    entries.sort((a, b) => a.offset - b.offset);
    entries.forEach((e, i) => {
      dv.setUint32(o + 12 + i * 12, e.type, true);
      dv.setUint32(o + 12 + i * 12 + 4, e.offset, true);
      dv.setUint32(o + 12 + i * 12 + 8, e.size, true);
    });
    dv.setUint32(o + 8, ds.name === ".ksyms" ? entries.length * 4 : kconfigSize, true);
  }
  for (const v of externVars) dv.setUint32(rec(v.blob_off) + 12, BTF_VAR_GLOBAL_ALLOCATED, true);
  return out;
}
