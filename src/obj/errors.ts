/**
 * @fileoverview The loader's typed error: every failure to read a BPF ELF
 * object names the section it was reading and the byte offset in the file
 * (ARCHITECTURE.md "Errors": bad input gets a typed error naming what and where).
 */

/** Why an object could not be read or prepared. Branch on the class, `section` and `offset`, never on the message. */
export class ObjError extends Error {
  override readonly name = "ObjError";
  /** The ELF section (or "ELF header", ".BTF", ".BTF.ext", a program) being read; "(unnamed section)" for a section without a name. */
  readonly section: string;

  constructor(
    message: string,
    section: string,
    /** Byte offset in the object file where the problem is, or -1 when it has no single place. */
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    const where = section === "" ? "(unnamed section)" : section;
    super(`${where}${offset >= 0 ? ` @${offset}` : ""}: ${message}`, options);
    this.section = where;
  }
}

/** A CO-RE relocation that cannot be applied: names the relocation, program, instruction and access path. */
export class CoreError extends ObjError {
  constructor(
    message: string,
    readonly program: string,
    readonly insnIndex: number,
    readonly relocation: string,
    section: string,
    offset: number,
  ) {
    super(`CO-RE relocation #${relocation} of program '${program}' at insn ${insnIndex}: ${message}`, section, offset);
  }
}
