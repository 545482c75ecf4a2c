/**
 * @fileoverview Fuzzer 2: mutations of the committed BPF objects
 * (test/fixtures/*.bpf.o): bit flips, byte insertions and deletions, ELF
 * header fields, section header fields, and .BTF / .BTF.ext header and type
 * section words, opened with BpfObject.open, loaded on a fresh emulated
 * kernel, their struct_ops maps attached, and closed. Each input runs in the
 * sandbox child (time and memory watchdog). A violation: an exception other
 * than ObjError / BpfError, an ObjError whose offset lies outside the file,
 * anything left in the kernel after close and settle, a hang, an RSS above
 * the cap or a crash of the child.
 */
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ObjError } from "../../src/obj/errors.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import type { Fuzzer } from "./framework.js";
import { fromJson } from "./framework.js";
import type { Sandbox } from "./sandbox.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
export const ELF_FIXTURES = readdirSync(FIXTURES).filter((n) => n.endsWith(".bpf.o")).sort();
const bytesCache = new Map<string, Uint8Array>();
function fixtureBytes(name: string): Uint8Array {
  let b = bytesCache.get(name);
  if (b === undefined) bytesCache.set(name, (b = new Uint8Array(readFileSync(join(FIXTURES, name)))));
  return b;
}

/** One mutation. Positions are taken modulo the current size (or count) so every input applies. */
export type ElfMutation =
  | { readonly k: "flip"; readonly at: number; readonly bit: number }
  | { readonly k: "insert"; readonly at: number; readonly bytes: readonly number[] }
  | { readonly k: "delete"; readonly at: number; readonly len: number }
  | { readonly k: "header"; readonly field: number; readonly value: number }
  | { readonly k: "shdr"; readonly sec: number; readonly field: number; readonly value: number }
  | { readonly k: "btf"; readonly ext: boolean; readonly word: number; readonly value: number };

export interface ElfInput {
  readonly fixture: string;
  readonly muts: readonly ElfMutation[];
}

/** ELF64 header fields [offset, width]. */
const HEADER_FIELDS: ReadonlyArray<[number, number]> = [
  [4, 1], [5, 1], [6, 1], [16, 2], [18, 2], [20, 4], [32, 8], [40, 8], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2],
];
/** Elf64_Shdr fields [offset, width]. */
const SHDR_FIELDS: ReadonlyArray<[number, number]> = [
  [0, 4], [4, 4], [8, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8],
];

const value = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 0x18, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.nat(0xffffffff),
  fc.integer({ min: 0, max: 4096 }),
);

const mutation: fc.Arbitrary<ElfMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("header" as const), field: fc.nat(HEADER_FIELDS.length - 1), value }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("shdr" as const), sec: fc.nat(64), field: fc.nat(SHDR_FIELDS.length - 1), value }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("btf" as const), ext: fc.boolean(), word: fc.nat(), value }) },
);

export const elfInput: fc.Arbitrary<ElfInput> = fc.record({
  fixture: fc.constantFrom(...ELF_FIXTURES),
  muts: fc.array(mutation, { minLength: 1, maxLength: 4 }),
});

function put(b: Uint8Array, at: number, width: number, v: number): void {
  for (let i = 0; i < width && at + i < b.length; i++) b[at + i] = i < 4 ? (v >>> (8 * i)) & 0xff : 0;
}

/** Offset and size of the section named `name`, read from a (possibly already mutated) image, or null. */
function findSection(b: Uint8Array, name: string): { off: number; size: number } | null {
  if (b.length < 64) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  const sh = (i: number): number => shoff + i * 64;
  if (shoff + shnum * 64 > b.length || shstrndx >= shnum) return null;
  const strOff = Number(dv.getBigUint64(sh(shstrndx) + 24, true));
  for (let i = 0; i < shnum; i++) {
    const n = strOff + dv.getUint32(sh(i), true);
    let s = "";
    for (let j = n; j < b.length && b[j] !== 0 && j < n + 64; j++) s += String.fromCharCode(b[j] as number);
    if (s === name) {
      const off = Number(dv.getBigUint64(sh(i) + 24, true));
      const size = Number(dv.getBigUint64(sh(i) + 32, true));
      if (off + size <= b.length) return { off, size };
    }
  }
  return null;
}

/** The mutated object. */
export function applyElf(input: ElfInput): Uint8Array {
  let b = fixtureBytes(input.fixture).slice();
  for (const m of input.muts) {
    switch (m.k) {
      case "flip": {
        if (b.length === 0) break;
        const at = m.at % b.length;
        b[at] = (b[at] as number) ^ (1 << m.bit);
        break;
      }
      case "insert": {
        const at = m.at % (b.length + 1);
        const n = new Uint8Array(b.length + m.bytes.length);
        n.set(b.subarray(0, at));
        n.set(m.bytes, at);
        n.set(b.subarray(at), at + m.bytes.length);
        b = n;
        break;
      }
      case "delete": {
        if (b.length === 0) break;
        const at = m.at % b.length;
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + m.len))]);
        break;
      }
      case "header": {
        const [off, w] = HEADER_FIELDS[m.field] as [number, number];
        put(b, off, w, m.value);
        break;
      }
      case "shdr": {
        if (b.length < 64) break;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const shoff = Number(dv.getBigUint64(40, true));
        const shnum = dv.getUint16(60, true);
        if (shnum === 0) break;
        const [off, w] = SHDR_FIELDS[m.field] as [number, number];
        put(b, shoff + (m.sec % shnum) * 64 + off, w, m.value);
        break;
      }
      case "btf": {
        const s = findSection(b, m.ext ? ".BTF.ext" : ".BTF");
        if (s === null || s.size < 4) break;
        // Words 0-7: the header; then the type (or func/line info) section's words.
        put(b, s.off + 4 * (m.word % Math.floor(s.size / 4)), 4, m.value);
        break;
      }
    }
  }
  return b;
}

/** Runs one input (in the sandbox child); returns a violation or null. */
export function checkElf(input: ElfInput): string | null {
  const b = applyElf(input);
  let obj: BpfObject;
  try {
    obj = BpfObject.open(b);
  } catch (e) {
    if (!(e instanceof ObjError)) return `open threw a ${e instanceof Error ? e.name : typeof e}, not an ObjError\n${e instanceof Error ? e.stack : String(e)}`;
    if (!Number.isInteger(e.offset) || e.offset < -1 || e.offset > b.length) return `ObjError offset ${e.offset} outside the ${b.length}-byte file: ${e.message}`;
    return null;
  }
  const k = new EmulatedKernel();
  const p = k.process();
  try {
    try {
      obj.load(p);
      for (const map of obj.maps.values()) {
        if (map.spec.structOps === undefined || map.fd < 0) continue;
        try {
          obj.attachStructOps(map).close();
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
        }
      }
    } catch (e) {
      if (!(e instanceof BpfError) && !(e instanceof ObjError)) return `load threw a ${e instanceof Error ? e.name : typeof e}, not a BpfError\n${e instanceof Error ? e.stack : String(e)}`;
    }
    obj.close();
    p.exit();
    k.settle();
    const leaks = k.leaks();
    if (leaks.length > 0) return `leak: the kernel holds objects after close, exit and settle:\n${leaks.join("\n")}`;
    return null;
  } catch (e) {
    return `close/exit threw ${e instanceof Error ? e.stack : String(e)}`;
  }
}

/** The fuzzer: each input in the sandbox. */
export function elfFuzzer(sandbox: Sandbox): Fuzzer<ElfInput> {
  return {
    name: "elf",
    description: "ELF/BTF mutations of the fixture objects through BpfObject.open / load / attach (watchdog child)",
    arbitrary: elfInput,
    check: (input) => sandbox.run("elf", input),
    close: () => sandbox.close(),
  };
}

export const decodeElf = (j: unknown): ElfInput => fromJson<ElfInput>(j);
