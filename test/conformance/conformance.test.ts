/**
 * @fileoverview Runs every vector of test/conformance/vectors through the
 * bpf_conformance plugin protocol (`conformanceMain`: hex program on stdin,
 * memory as the first argument, r0 in hex on stdout or an error on stderr)
 * on both engines (the interpreter and the JIT: same r0, same error text),
 * and checks that the vectors together use every instruction of RFC 9669.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decode } from "../../src/asm/decode.js";
import { disassemble } from "../../src/asm/disasm.js";
import { parseDataFile } from "../../src/asm/data-file.js";
import type { DataVector } from "../../src/asm/data-file.js";
import { KEY_LDDW_CONT, OPCODE_TABLE } from "../../src/asm/opcodes.js";
import { conformanceMain } from "../../src/cli/conformance.js";
import { conformanceElf } from "./elf-writer.js";

const dir = join(import.meta.dirname, "vectors");
const files = readdirSync(dir).filter((f) => f.endsWith(".data")).sort();
const vectors = new Map<string, DataVector>(files.map((f) => [f, parseDataFile(readFileSync(join(dir, f), "utf8"))]));

const hex = (bytes: Uint8Array, sep: string): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(sep);

/** Runs one vector as the bpf_conformance runner would (in `--elf` mode: the program inside an ELF object). */
async function runVector(v: DataVector, engine: string, elf = false): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const args = v.mem.length > 0 ? [hex(v.mem, " ")] : [];
  const code = await conformanceMain([...args, "--engine", engine, ...(elf ? ["--elf"] : [])], {
    stdin: `${hex(elf ? conformanceElf(v.program) : v.program, "  ")}\n`,
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
  });
  return { code, out, err };
}

test("conformance vectors exist", () => {
  assert.ok(files.length >= 80, `expected at least 80 vectors, found ${files.length}`);
});

for (const [file, v] of vectors) for (const engine of ["interp", "jit"]) for (const elf of [false, true]) {
  test(`conformanceMain() on the ${engine === "jit" ? "JIT" : "interpreter"}${elf ? " in --elf mode" : ""} passes ${file}`, async () => {
    const { code, out, err } = await runVector(v, engine, elf);
    const listing = `\n${disassemble(v.program)}`;
    if (v.error !== undefined) {
      assert.equal(code, 1, `expected an error, got r0 = ${out.trim()}${listing}`);
      assert.equal(err.trimEnd(), v.error, listing);
      return;
    }
    assert.equal(code, 0, `plugin failed: ${err}${listing}`);
    assert.match(out, /^[0-9a-f]+\n$/);
    assert.equal(BigInt(`0x${out.trim()}`), v.result, `r0 = 0x${out.trim()}, expected 0x${(v.result as bigint).toString(16)}${listing}`);
  });
}

test("conformance vectors use every instruction of the opcode table", () => {
  const seen = new Set<number>();
  for (const v of vectors.values()) {
    let prog;
    try {
      prog = decode(v.program);
    } catch {
      continue; // the invalid-encoding vectors
    }
    for (let i = 0; i < prog.length; i++) if (prog.key[i] !== KEY_LDDW_CONT) seen.add(prog.key[i] as number);
  }
  const missing = OPCODE_TABLE.filter((o) => !seen.has(o.key)).map((o) => o.name);
  assert.deepEqual(missing, []);
});
