/**
 * @fileoverview `structops object dump`: a program of an object file
 * disassembled with its source lines, as `bpftool prog dump xlated linum`
 * shows a loaded program (tools/bpf/bpftool/xlated_dumper.c, facts only):
 * a function's name where its func_info starts, `; <source line> [file:…
 * line_num:… line_col:…]` where a line_info record starts, then
 * `<insn>: (<opcode>) <text>`. The instructions are the program as the
 * loader links it (subprograms appended, relocations not yet applied), so
 * the count is the one `object show` gives. The text is src/asm/disasm.ts's
 * llvm spelling; source lines come from .BTF.ext (src/obj/btf/ext.ts).
 */
import { disassemble, formatInsn } from "../../asm/disasm.js";
import { readRawInsn } from "../../asm/decode.js";
import { BPF_INSN_SIZE } from "../../uapi/insn.js";
import { loadCollectionSpec } from "../../obj/collection.js";
import { sourceLine } from "../../obj/btf/ext.js";
import type { SourceLine } from "../../obj/btf/ext.js";
import type { CollectionSpec, ProgramSpec } from "../../obj/spec.js";

/** One instruction slot of the dump (an ld_imm64 takes two slots and is one line). */
export interface DumpInsn {
  insn: number;
  opcode: string;
  text: string;
  /** The function that starts here (func_info). */
  func?: string;
  /** The source line that starts here (line_info). */
  source?: SourceLine;
}

/** One program's dump (`object dump -j` is a list of these, schemas/object-dump.json). */
export interface ProgramDump {
  program: string;
  section: string;
  insns: number;
  lines: DumpInsn[];
}

/** Disassembles program `p` of `spec` with its func and line info. */
export function dumpProgram(spec: CollectionSpec, p: ProgramSpec): ProgramDump {
  const btf = spec.btf;
  const funcs = new Map<number, string>();
  const srcs = new Map<number, SourceLine>();
  if (btf !== undefined) {
    for (const f of p.funcInfo) funcs.set(f.insn, btf.type(f.typeId).name);
    for (const l of p.lineInfo) if (!srcs.has(l.insn)) srcs.set(l.insn, sourceLine(btf, l));
  }
  const n = p.insns.length / BPF_INSN_SIZE;
  const lines: DumpInsn[] = [];
  for (let i = 0; i < n; i++) {
    const r = readRawInsn(p.insns, i);
    const wide = r.code === 0x18 && i + 1 < n;
    const d: DumpInsn = { insn: i, opcode: r.code.toString(16).padStart(2, "0"), text: formatInsn(r, wide ? readRawInsn(p.insns, i + 1).imm : 0, "llvm") };
    const f = funcs.get(i);
    if (f !== undefined) d.func = f;
    const s = srcs.get(i);
    if (s !== undefined) d.source = s;
    lines.push(d);
    if (wide) i++;
  }
  return { program: p.name, section: p.section, insns: n, lines };
}

/** The plain-text dump of `p`: bpftool's xlated layout with `linum` source annotations. */
export function formatProgramDump(spec: CollectionSpec, p: ProgramSpec): string {
  const d = dumpProgram(spec, p);
  const at = new Map(d.lines.map((l) => [l.insn, l]));
  return disassemble(p.insns, {
    layout: "bpftool",
    before: (slot) => {
      const l = at.get(slot);
      const out: string[] = [];
      if (l?.func !== undefined) out.push(`${l.func}:`);
      if (l?.source !== undefined) out.push(`; ${l.source.text.trim()} [file:${l.source.file} line_num:${l.source.line} line_col:${l.source.col}]`);
      return out;
    },
  });
}

/** The spec of object `bytes` (named `name`), for dumping. @throws {ObjError} when it is not an object this loader can open */
export function loadCollectionSpecFile(bytes: Uint8Array, name: string): CollectionSpec {
  return loadCollectionSpec(bytes, { name });
}
