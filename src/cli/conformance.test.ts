/**
 * @fileoverview Tests of the bpf_conformance plugin command: argument
 * handling as the upstream runner passes arguments, output format, errors,
 * and (once src/cli/main.ts exists) the `structops conformance` binary.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assembleText } from "../asm/text-asm.js";
import { ENGINE_NAMES, createRunner } from "../lib/engine.js";
import { conformanceMain } from "./conformance.js";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("  ");

async function plugin(argv: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await conformanceMain(argv, { stdin, stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const sumMem = hex(assembleText("mov %r0, %r2\nldxb %r3, [%r1+1]\nadd %r0, %r3\nexit"));

test("conformanceMain() prints r0 in lowercase hex without 0x", async () => {
  const r = await plugin([], `${hex(assembleText("lddw %r0, 0xDEADBEEFcafe\nexit"))}\n`);
  assert.deepEqual(r, { code: 0, out: "deadbeefcafe\n", err: "" });
});

test("conformanceMain() takes memory as the first argument, then options, as the runner sends them", async () => {
  const r = await plugin(["00 05 00 ", "--engine", "interp", "--debug"], sumMem);
  assert.equal(r.code, 0);
  assert.equal(r.out, "8\n");
  assert.match(r.err, /4 instructions executed on interp/);
});

test("conformanceMain() accepts --program and --engine=, and ignores unknown options with a note", async () => {
  const r = await plugin(["--program", sumMem.replace(/\s+/g, ""), "--engine=interp", "--xyz", "0a0b"], "");
  assert.equal(r.code, 0);
  assert.equal(r.out, "d\n");
  assert.equal(r.err, "conformance: ignoring unknown option --xyz\n");
});

test("conformanceMain() --elf with raw instructions instead of an ELF object says what is wrong", async () => {
  const r = await plugin(["--elf"], sumMem);
  assert.equal(r.code, 1);
  assert.match(r.err, /^ELF input: ELF header .*runs past the end \(32 bytes\)\n$/);
  assert.equal(r.out, "");
});

test("conformanceMain() runs on every engine, --jit selecting the JIT, and reports unknown engines", async () => {
  for (const engine of ENGINE_NAMES) {
    const r = await plugin(["00 05 00", "--engine", engine, "--debug"], sumMem);
    assert.equal(r.out, "8\n", engine);
    assert.match(r.err, new RegExp(`4 instructions executed on ${engine}`));
  }
  const jit = await plugin(["00 05 00", "--jit", "--debug"], sumMem);
  assert.match(jit.err, /executed on jit/);
  const r = await plugin(["--engine", "turbo"], sumMem);
  assert.equal(r.code, 1);
  assert.equal(r.err, "engine 'turbo' is not available: choose one of interp, jit, auto\n");
});

test("conformanceMain() reports bad input on stderr with status 1", async () => {
  assert.match((await plugin([], "")).err, /no program/);
  assert.match((await plugin([], "b7 00 zz")).err, /'zz' is not hexadecimal/);
  assert.match((await plugin([], "b7 00 00 00")).err, /invalid program: program length 4 is not a multiple of 8/);
  assert.match((await plugin(["00", "11"], sumMem)).err, /unexpected argument: 11/);
  assert.match((await plugin(["--budget", "0"], sumMem)).err, /--budget must be a positive integer/);
  assert.match((await plugin(["--engine"], sumMem)).err, /option --engine needs a value/);
  const fault = await plugin(["--debug"], hex(assembleText("ldxw %r0, [%r1+0]\nexit")));
  assert.equal(fault.code, 1);
  assert.match(fault.err, /^prog "conformance": invalid read of 4 bytes at 0x0000000000000000 \(insn 0: r0 = \*\(u32 \*\)\(r1 \+ 0\)\)\n>      0:/);
});

test("conformanceMain() honours --budget", async () => {
  const r = await plugin(["--budget", "10"], hex(assembleText("l:\nja l")));
  assert.equal(r.code, 1);
  assert.match(r.err, /instruction budget of 10 exhausted/);
});

test("conformanceMain() --help prints usage", async () => {
  const r = await plugin(["--help"], "");
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: structops conformance/);
});

test("createRunner() builds every engine in ENGINE_NAMES", () => {
  for (const name of ENGINE_NAMES) assert.equal(createRunner(name).name, name);
  assert.throws(() => createRunner("nope" as never), RangeError);
});

const root = join(import.meta.dirname, "..", "..");
const haveMain = existsSync(join(root, "src", "cli", "main.ts"));

test("`structops conformance` runs as a bpf_conformance plugin process", { skip: haveMain ? false : "src/cli/main.ts does not exist yet" }, () => {
  // The sources' CLI, as `tsx src/cli/main.ts` runs it; the built bin is test/package/pack.test.ts's.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), "conformance", "00 07"], {
    input: `${sumMem}\n`,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "9\n");
});
