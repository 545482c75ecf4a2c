/**
 * @fileoverview The program of a bpf_conformance `--elf` invocation
 * (`structops conformance --elf`, cli/conformance.ts): the
 * runner wraps each vector's instructions in a relocatable EM_BPF ELF (one
 * executable section, one global STT_FUNC symbol over it, a `maps` section
 * and `.rel` relocations only when the vector has maps) and sends that
 * file's bytes as hex on stdin. This finds the function and returns its
 * instructions.
 */
import { ObjError } from "../obj/errors.js";
import { parseElf, SHF_EXECINSTR, SHT_REL, STT_FUNC } from "../obj/elf.js";
import { BPF_INSN_SIZE } from "../uapi/insn.js";

/**
 * The instructions of the object's function (the first STT_FUNC symbol in an
 * executable section, or that section whole when it has no symbol).
 * @throws {Error} naming what the file lacks: no program, relocations (map
 * references need a kernel), a symbol outside its section.
 */
export function programFromElf(bytes: Uint8Array): Uint8Array {
  let elf;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    if (e instanceof ObjError) throw new Error(`ELF input: ${e.message}`);
    throw e;
  }
  const exec = elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0);
  const fn = elf.symbols.find((y) => y.type === STT_FUNC && exec.some((s) => s.index === y.shndx));
  const sec = fn === undefined ? exec[0] : exec.find((s) => s.index === fn.shndx);
  if (sec === undefined) throw new Error("ELF input: no executable section holds a program");
  const rel = elf.sections.find((s) => s.type === SHT_REL && s.info === sec.index && s.size > 0);
  if (rel !== undefined) {
    throw new Error(`ELF input: section ${sec.name} has relocations (${rel.name}); map references need a kernel to resolve them, and the conformance plugin has none`);
  }
  const start = fn?.value ?? 0;
  const size = fn === undefined || fn.size === 0 ? sec.size - start : fn.size;
  if (start + size > sec.size || start % BPF_INSN_SIZE !== 0) {
    throw new Error(`ELF input: function ${fn?.name ?? "?"} [${start}, ${start + size}) does not lie on instructions of section ${sec.name} (${sec.size} bytes)`);
  }
  return sec.data.slice(start, start + size);
}
