/**
 * @fileoverview Reader for bpf_conformance's `.data` test vectors.
 *
 * A vector is sections introduced by `-- name` lines: `-- asm` (assembler
 * text), `-- raw` (instructions as 64-bit numbers, one per slot),
 * `-- mem` (input memory as hex bytes), `-- result` (expected r0) and
 * `-- error` (expected error text instead of a result); `-- c` and
 * `-- no register offset` are ignored. `#` starts a comment everywhere.
 * These facts come from bpf_conformance's test parser; the code is ours.
 *
 * Invariant: a parsed vector has a program and exactly one of result/error.
 */
import { BPF_INSN_SIZE } from "../uapi/insn.js";
import { assembleText } from "./text-asm.js";

/** One parsed `.data` vector. */
export interface DataVector {
  /** The `-- asm` text, if any. */
  readonly asm: string | undefined;
  /** The program bytes (assembled or raw). */
  readonly program: Uint8Array;
  /** Input memory. */
  readonly mem: Uint8Array;
  /** Expected r0, when the vector expects success. */
  readonly result: bigint | undefined;
  /** Expected error text, when the vector expects failure. */
  readonly error: string | undefined;
}

type Section = "ignore" | "asm" | "raw" | "mem" | "result" | "error";

/** Decodes whitespace-separated hex bytes (`00 0a ff`, also `0x0a`, also `000aff`). @throws {SyntaxError} */
export function parseHexBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const tok of text.split(/\s+/)) {
    if (tok === "") continue;
    const t = tok.replace(/^0x/i, "");
    if (!/^[0-9a-fA-F]+$/.test(t)) throw new SyntaxError(`Cannot parse hex bytes as '${tok}' is not hexadecimal`);
    if (t.length <= 2) out.push(parseInt(t, 16));
    else {
      if (t.length % 2 !== 0) throw new SyntaxError(`Cannot parse hex bytes as '${tok}' has an odd number of digits`);
      for (let i = 0; i < t.length; i += 2) out.push(parseInt(t.slice(i, i + 2), 16));
    }
  }
  return Uint8Array.from(out);
}

/**
 * Parses a `.data` vector.
 * @throws {SyntaxError} (AsmError for the assembler) when it is malformed.
 */
export function parseDataFile(text: string): DataVector {
  let section: Section = "ignore";
  const asm: string[] = [];
  let raw = "";
  let mem = "";
  let result: string | undefined;
  let error: string | undefined;
  let sawAsm = false;
  for (let line of text.split("\n")) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const hash = line.indexOf("#");
    // Keep line numbers of the asm section intact for error messages.
    const content = hash >= 0 ? line.slice(0, hash) : line;
    if (content.includes("--")) {
      const d = content.replace(/^\s*--\s*/, "").trim();
      if (d.startsWith("asm")) {
        section = "asm";
        sawAsm = true;
      } else if (d.startsWith("result")) section = "result";
      else if (d.startsWith("mem")) section = "mem";
      else if (d.startsWith("raw")) section = "raw";
      else if (d.startsWith("no register offset") || d === "c") section = "ignore";
      else if (d.startsWith("error")) section = "error";
      else throw new SyntaxError(`Cannot parse vector as '${line.trim()}' is an unknown directive`);
      continue;
    }
    if (section === "asm") asm.push(content);
    if (content.trim() === "") continue;
    if (section === "result") result = content.trim();
    else if (section === "mem") mem += ` ${content}`;
    else if (section === "raw") raw += ` ${content}`;
    else if (section === "error") error = content.trim();
  }
  if (result === undefined && error === undefined) throw new SyntaxError("Cannot parse vector as it has neither a result nor an error");
  let program: Uint8Array;
  if (raw.trim() !== "") {
    const words = raw.trim().split(/\s+/).map((w) => BigInt.asUintN(64, BigInt(w)));
    program = new Uint8Array(words.length * BPF_INSN_SIZE);
    const dv = new DataView(program.buffer);
    words.forEach((w, i) => dv.setBigUint64(i * BPF_INSN_SIZE, w, true));
  } else {
    program = assembleText(asm.join("\n"));
  }
  if (program.length === 0) throw new SyntaxError("Cannot parse vector as it has no instructions");
  const parsedResult = result === undefined ? undefined : BigInt.asUintN(64, BigInt(/0x/i.test(result) ? result : result.replace(/^\+/, "")));
  return { asm: sawAsm ? asm.join("\n") : undefined, program, mem: parseHexBytes(mem), result: parsedResult, error };
}
