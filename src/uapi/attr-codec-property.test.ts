/**
 * @fileoverview Property-based round trips (fast-check) for every attr and info layout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ATTR_LAYOUT_BY_CMD, decodeAttr, encodeAttr } from "./attr-codec.js";
import type { AttrCmd } from "./attr-codec.js";
import { BPF_ATTR_SIZE } from "./attr-layout.js";
import { encodeCharArray, encodeCString } from "./cstring.js";
import { INFO_LAYOUTS } from "./info.js";
import { decodeStruct, encodeStruct } from "./layout.js";
import type { Field, StructInput, StructLayout } from "./layout.js";

const U64_MAX = (1n << 64n) - 1n;

function valueArb(f: Field): fc.Arbitrary<unknown> {
  const ptrLike = [fc.constant(null), fc.bigInt({ min: 0n, max: U64_MAX }), fc.uint8Array({ maxLength: 16 })] as const;
  switch (f.kind) {
    case "u32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "s32":
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
    case "bit":
      return fc.integer({ min: 0, max: 1 });
    case "u64":
      return fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.maxSafeNat());
    case "ptr":
      return fc.oneof(...ptrLike);
    case "str_ptr":
      return fc.oneof(...ptrLike, fc.string({ maxLength: 40 }).filter((s) => !s.includes("\0")));
    case "char":
      return fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.]{0,15}$/), fc.uint8Array({ maxLength: f.size }));
    case "bytes":
      return fc.uint8Array({ maxLength: f.size });
  }
}

/** An attr/info object for `layout`: each field absent or set under one of its names. */
function inputArb(layout: StructLayout): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<[string, unknown]>> = {};
  for (const f of layout.fields) model[f.names[0] as string] = fc.tuple(fc.constantFrom(...f.names), valueArb(f));
  return fc.record(model, { requiredKeys: [] }).map((r) => Object.fromEntries(Object.values(r).filter((e) => e !== undefined)));
}

/** A ptr() that hands out distinct addresses and remembers the buffers. */
function recordingPtr(): { ptr: (b: Uint8Array) => bigint; bufs: Map<bigint, Uint8Array> } {
  const bufs = new Map<bigint, Uint8Array>();
  return {
    bufs,
    ptr: (b) => {
      const a = 0x10000n * BigInt(bufs.size + 1);
      bufs.set(a, b);
      return a;
    },
  };
}

/** Checks that decoded field `f` reflects input `obj` (absent = zero). */
function checkField(f: Field, obj: Record<string, unknown>, decoded: Record<string, unknown>, bufs: Map<bigint, Uint8Array>): void {
  const name = f.names.find((n) => obj[n] !== undefined);
  const v = name === undefined ? undefined : obj[name];
  for (const n of f.names) {
    const got = decoded[n];
    switch (f.kind) {
      case "u32":
      case "s32":
      case "bit":
        assert.equal(got, v ?? 0, n);
        break;
      case "u64":
        assert.equal(got, BigInt((v as bigint | number | undefined) ?? 0), n);
        break;
      case "ptr":
      case "str_ptr":
        if (v instanceof Uint8Array) assert.equal(bufs.get(got as bigint), v, n);
        else if (typeof v === "string") assert.deepEqual(bufs.get(got as bigint), encodeCString(v), n);
        else assert.equal(got, v ?? 0n, n);
        break;
      case "char":
      case "bytes": {
        const want = v === undefined ? new Uint8Array(f.size) : encodeCharArray(v as string | Uint8Array, f.size);
        assert.deepEqual(got, want, n);
        break;
      }
    }
  }
}

test("decodeAttr(encodeAttr(x)) gives back x for every modelled command (property)", () => {
  for (const key of Object.keys(ATTR_LAYOUT_BY_CMD)) {
    const cmd = Number(key) as AttrCmd;
    const layout: StructLayout = ATTR_LAYOUT_BY_CMD[cmd];
    fc.assert(
      fc.property(inputArb(layout), (obj) => {
        const { ptr, bufs } = recordingPtr();
        const bytes = encodeAttr(cmd, obj as never, ptr);
        assert.equal(bytes.length, BPF_ATTR_SIZE);
        const decoded = decodeAttr(cmd, bytes) as Record<string, unknown>;
        for (const f of layout.fields) checkField(f, obj, decoded, bufs);
        // Bytes outside the layout's fields stay zero.
        const covered = new Uint8Array(BPF_ATTR_SIZE);
        for (const f of layout.fields) covered.fill(1, f.offset, f.offset + f.size);
        bytes.forEach((b, i) => assert.ok(covered[i] === 1 || b === 0, `byte ${i}`));
      }),
      { numRuns: 200 },
    );
  }
});

test("encodeStruct(decodeStruct(bytes)) keeps exactly the bytes the layout covers (property)", () => {
  const layouts: StructLayout[] = [...Object.values(ATTR_LAYOUT_BY_CMD), ...INFO_LAYOUTS];
  for (const layout of layouts) {
    const size = Math.max(layout.size, ...layout.fields.map((f) => f.offset + f.size));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: size, maxLength: size }), (raw) => {
        const out = new Uint8Array(size);
        encodeStruct(layout, decodeStruct(layout, raw) as StructInput<StructLayout>, out);
        const want = new Uint8Array(size);
        for (const f of layout.fields) {
          if (f.kind === "bit") want[f.offset] = (raw[f.offset] as number) & 1;
          else want.set(raw.subarray(f.offset, f.offset + f.size), f.offset);
        }
        assert.deepEqual(out, want);
      }),
      { numRuns: 100 },
    );
  }
});
