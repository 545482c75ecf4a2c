/**
 * @fileoverview The loader never crashes on bad input (issue #4): the
 * committed fixtures, truncated and mutated (random bytes, and bytes aimed at
 * the ELF header, section headers, symbol table, relocations, .BTF and
 * .BTF.ext), either open or fail with an ObjError that names a section and a
 * byte offset inside the file; whatever opens either loads and attaches into
 * the emulated kernel or fails with a BpfError, and in both cases closing the
 * object leaves the kernel with nothing of it (no partial collection).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadCollectionSpec } from "../../src/obj/collection.js";
import { parseElf } from "../../src/obj/elf.js";
import { ObjError } from "../../src/obj/errors.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { fixture } from "./helpers.js";

const NAMES = ["reno", "cubic", "dctcp", "update", "incompl", "unsupp", "nogpl"] as const;
const OBJECTS = NAMES.flatMap((n) => (["model", "linux"] as const).map((f) => ({ name: `${n}.${f}`, bytes: fixture(n, f) })));

/** Byte ranges worth aiming at: header, section header table, and the sections the loader reads. */
function hotRanges(bytes: Uint8Array): Array<[number, number]> {
  const elf = parseElf(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const shoff = Number(dv.getBigUint64(40, true));
  const out: Array<[number, number]> = [[0, 64], [shoff, elf.sections.length * 64]];
  for (const s of elf.sections) if (s.size > 0 && s.type !== 8) out.push([s.offset, s.size]);
  return out;
}
const HOT = OBJECTS.map((o) => hotRanges(o.bytes));

/** Section contents a load interprets (code, struct_ops data, global data, BTF, BTF.ext): mutations here mostly still open. */
function payloadRanges(bytes: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of parseElf(bytes).sections) {
    const code = (s.flags & 4) !== 0;
    if (s.size > 0 && s.type !== 8 && (code || s.name.includes("struct_ops") || s.name.startsWith(".BTF") || s.name.startsWith(".data") || s.name.startsWith(".rodata") || s.name === "license")) {
      out.push([s.offset, s.size]);
    }
  }
  return out;
}
const PAYLOAD = OBJECTS.map((o) => payloadRanges(o.bytes));

interface Mutation {
  readonly obj: number;
  readonly truncate: number | null;
  readonly edits: ReadonlyArray<{ readonly range: number; readonly at: number; readonly value: number; readonly width: number }>;
}

const edit = fc.record({ range: fc.nat(1000), at: fc.nat(1 << 20), value: fc.nat(0xffffffff), width: fc.constantFrom(1, 2, 4) });
const mutation: fc.Arbitrary<Mutation> = fc.record({
  obj: fc.nat(OBJECTS.length - 1),
  truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  edits: fc.array(edit, { minLength: 0, maxLength: 6 }),
});
/** One or two edits inside what a load interprets, no truncation. */
const softMutation: fc.Arbitrary<Mutation> = fc.record({
  obj: fc.nat(OBJECTS.length - 1),
  truncate: fc.constant(null),
  edits: fc.array(edit, { minLength: 1, maxLength: 2 }),
});

function apply(m: Mutation, ranges: ReadonlyArray<Array<[number, number]>> = HOT): Uint8Array {
  const src = OBJECTS[m.obj] as (typeof OBJECTS)[number];
  const hot = ranges[m.obj] as Array<[number, number]>;
  let b = src.bytes.slice();
  for (const e of m.edits) {
    const [start, len] = hot[e.range % hot.length] as [number, number];
    const at = start + (e.at % Math.max(1, len));
    for (let i = 0; i < e.width && at + i < b.length; i++) b[at + i] = (e.value >>> (8 * i)) & 0xff;
  }
  if (m.truncate !== null) b = b.slice(0, Math.floor(b.length * m.truncate));
  return b;
}

function checkObjError(e: unknown, len: number): void {
  if (!(e instanceof ObjError)) throw new Error(`not an ObjError: ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(e.section.length > 0, e.message);
  assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= len, `offset ${e.offset} of ${e.message} (file ${len} bytes)`);
}

test("every truncation of every fixture opens or fails with an ObjError at a file offset", () => {
  let failures = 0;
  for (const o of OBJECTS) {
    const step = Math.max(1, Math.floor(o.bytes.length / 400));
    for (let n = 0; n < o.bytes.length; n += step) {
      try {
        loadCollectionSpec(o.bytes.subarray(0, n));
      } catch (e) {
        checkObjError(e, n);
        failures++;
      }
    }
  }
  assert.ok(failures > 1000, `${failures} failures`);
});

test("mutated objects open or fail with an ObjError naming section and offset (property)", () => {
  fc.assert(
    fc.property(mutation, (m) => {
      const b = apply(m);
      try {
        loadCollectionSpec(b);
      } catch (e) {
        checkObjError(e, b.length);
      }
    }),
    { numRuns: 5000, seed: 0x5eed },
  );
});

test("mutated objects that open load or fail with a BpfError, and leave nothing in the kernel (property)", () => {
  const k = new EmulatedKernel();
  const p = k.process();
  const baseline = k.leaks().join("\n");
  let loaded = 0, refused = 0;
  fc.assert(
    fc.property(softMutation, (m) => {
      const b = apply(m, PAYLOAD);
      let obj: BpfObject;
      try {
        obj = BpfObject.open(b);
      } catch (e) {
        checkObjError(e, b.length);
        return;
      }
      try {
        obj.load(p);
        loaded++;
        for (const map of obj.maps.values()) {
          if (map.spec.structOps === undefined) continue;
          if (map.fd < 0) continue;
          try {
            obj.attachStructOps(map).close();
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
          }
        }
      } catch (e) {
        if (!(e instanceof BpfError)) throw new Error(`load threw ${e instanceof Error ? e.stack : String(e)}`);
        refused++;
      }
      obj.close();
      k.settle();
      assert.equal(k.leaks().join("\n"), baseline, "kernel objects or fds left behind");
    }),
    { numRuns: 2000, seed: 0xb0f },
  );
  assert.ok(loaded > 0 && refused > 0, `loaded ${loaded}, refused ${refused}`);
});
