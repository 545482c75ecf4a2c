/**
 * @fileoverview The loader's typed errors: every failure to read a BPF ELF
 * object names the file, the section it was reading and the byte offset in
 * the file (ARCHITECTURE.md "Errors": bad input gets a typed error naming
 * what and where); a file that cannot be read at all names the path and errno.
 */
import { ESRCH } from "../uapi/errno.js";

/**
 * Why an object could not be read or prepared. The message is
 * `[<file>: ]<section>[ @<offset>]: <what>`; the file is there once the
 * object was read from a path ({@link ObjError.inFile}). Branch on the class,
 * `file`, `section` and `offset`, never on the message.
 */
export class ObjError extends Error {
  override readonly name = "ObjError";
  /** The ELF section (or "ELF header", ".BTF", ".BTF.ext", a program) being read; "(unnamed section)" for a section without a name. */
  readonly section: string;
  /** The object file's path, when it was read from one; "" for bytes. */
  file = "";

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

  /** Names the file the object came from in the error (once; a second call keeps the first path). */
  inFile(file: string): this {
    if (this.file === "") {
      this.file = file;
      this.message = `${file}: ${this.message}`;
    }
    return this;
  }
}

/**
 * The object file itself could not be read (missing, unreadable, a directory,
 * not a regular file, too large): names the path and the errno, and never
 * carries a raw fs exception's text.
 */
export class ObjFileError extends ObjError {
  constructor(
    file: string,
    /** The positive errno (ENOENT, EACCES, EISDIR, ...). */
    readonly errno: number,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(why, "file", -1, options);
    this.file = file;
    this.message = `cannot read BPF object ${file}: ${why}`;
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

/**
 * A `__ksym` extern (a kfunc or a kernel variable, not `__weak`) that the
 * target kernel's BTF does not have: libbpf's bpf_object__resolve_ksyms
 * fails the load with -ESRCH and "extern (func ksym) 'NAME': not found in
 * kernel or module BTFs" (a variable: "extern (var ksym) 'NAME': not found
 * in kernel BTF"). A kernel lacks a kfunc when the code that defines it is
 * not built in (an algorithm's kfuncs with CONFIG_TCP_CONG_<NAME>=n).
 */
export class ObjKsymError extends ObjError {
  /** libbpf's errno for the failed load. */
  readonly errno = ESRCH;
}
