/**
 * @fileoverview The last step before BPF_PROG_LOAD, pure: writes map fds,
 * map value offsets, kfunc and kernel variable BTF ids into a program's
 * instructions (libbpf's bpf_object__relocate_data), as the kernel's
 * resolve_pseudo_ldimm64 and kfunc call checks expect them.
 */
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../uapi/bpf-flags.js";
import { ObjError, ObjKsymError } from "./errors.js";
import type { ProgramSpec } from "./spec.js";
import { CORE_POISON_HELPER } from "./core.js";

/** How names resolve at load time. */
export interface RelocResolver {
  /** The fd of map `name`, or undefined when it was not created. */
  mapFd(name: string): number | undefined;
  /** BTF id of kernel function `name` in the target, or undefined. */
  kfuncId(name: string): number | undefined;
  /** BTF id of kernel variable `name` (a VAR) in the target, or undefined. */
  ksymId(name: string): number | undefined;
}

/** libbpf's poison value for an unresolved weak kfunc call (bpf_loader's "unresolved kfunc" helper id). */
const KFUNC_POISON = CORE_POISON_HELPER + 1;

/**
 * Returns `insns` (already CO-RE relocated) with every load-time relocation applied.
 * @throws {ObjError} naming the program, instruction and symbol
 */
export function applyRelocs(prog: ProgramSpec, insns: Uint8Array, r: RelocResolver): Uint8Array {
  const out = insns.slice();
  const dv = new DataView(out.buffer);
  const setSrc = (at: number, src: number): void => {
    out[at + 1] = ((out[at + 1] as number) & 0x0f) | (src << 4);
  };
  for (const rel of prog.relocs) {
    const at = rel.insn * 8;
    const err = (m: string): ObjError => new ObjError(`program '${prog.name}' insn ${rel.insn}: ${m}`, prog.section, prog.fileOffset + at);
    if (at + 8 > out.length) throw err("relocation beyond the program");
    switch (rel.kind) {
      case "map":
      case "map_value": {
        const fd = r.mapFd(rel.map);
        if (fd === undefined) throw err(`map '${rel.map}' is referenced but not created (autocreate is off)`);
        setSrc(at, rel.kind === "map" ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE);
        dv.setInt32(at + 4, fd, true);
        dv.setInt32(at + 12, rel.kind === "map_value" ? rel.offset : 0, true);
        break;
      }
      case "kfunc": {
        const id = r.kfuncId(rel.name);
        if (id === undefined) {
          if (!rel.weak) throw new ObjKsymError(`extern (func ksym) '${rel.name}': not found in kernel or module BTFs`, prog.section, prog.fileOffset + at);
          setSrc(at, 0);
          dv.setInt32(at + 4, KFUNC_POISON, true);
          break;
        }
        setSrc(at, BPF_PSEUDO_KFUNC_CALL);
        dv.setInt32(at + 4, id, true);
        dv.setInt16(at + 2, 0, true);
        break;
      }
      case "ksym": {
        const id = r.ksymId(rel.name);
        if (id === undefined) {
          if (!rel.weak) throw new ObjKsymError(`extern (var ksym) '${rel.name}': not found in kernel BTF`, prog.section, prog.fileOffset + at);
          setSrc(at, 0);
          dv.setInt32(at + 4, 0, true);
          dv.setInt32(at + 12, 0, true);
          break;
        }
        setSrc(at, BPF_PSEUDO_BTF_ID);
        dv.setInt32(at + 4, id, true);
        dv.setInt32(at + 12, 0, true);
        break;
      }
    }
  }
  return out;
}
