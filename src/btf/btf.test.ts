/**
 * @fileoverview The shared BTF decoder and lookups (src/btf): on any mutation
 * of a valid blob the decoder either gives records whose every reference is
 * a type that exists, or reports one error at a byte of the blob through the
 * owner's BtfFail; queries on what it accepts never step outside the table;
 * and the struct_ops value layout of the model's vmlinux is Linux 6.18's
 * (KERNEL-SPEC.md §1.4; kernel/bpf/bpf_struct_ops.c bpf_struct_ops_desc_init).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BTF_KIND_STRUCT, BTF_KIND_TYPEDEF } from "../uapi/btf.js";
import { EINVAL, ENOENT } from "../uapi/errno.js";
import { getVmlinuxBtf } from "../kernel/btf/vmlinux.js";
import { Btf } from "./btf.js";
import { BtfError } from "./types.js";
import { structOpsLayout } from "./struct-ops-layout.js";

const GOOD = getVmlinuxBtf().bytes;

test("every mutation of a blob decodes to a closed type table or fails once at a byte of the blob (property)", () => {
  const edit = fc.record({ at: fc.nat(GOOD.length - 1), value: fc.nat(0xff) });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), fc.option(fc.nat(GOOD.length), { nil: null }), (edits, cut) => {
      const bytes = GOOD.slice(0, cut ?? GOOD.length);
      for (const e of edits) if (e.at < bytes.length) bytes[e.at] = e.value;
      let calls = 0;
      let btf: Btf;
      try {
        btf = new Btf(bytes, (message, offset) => {
          calls++;
          assert.ok(offset >= -1 && offset <= bytes.length, `offset ${offset} of ${bytes.length}: ${message}`);
          throw new BtfError(message, offset);
        });
      } catch (e) {
        assert.ok(e instanceof BtfError, String(e));
        assert.equal(calls, 1);
        return;
      }
      const n = btf.types.length;
      for (const t of btf.types) {
        assert.ok(t.type < n && t.members.every((m) => m.type < n) && t.params.every((p) => p.type < n) && t.secinfos.every((s) => s.type < n));
        if (t.array !== undefined) assert.ok(t.array.type < n && t.array.index_type < n);
      }
    }),
    { numRuns: 150, seed: 17 },
  );
});

test("a type loop is reported through BtfFail, not a stack overflow", () => {
  // Make the first TYPEDEF refer to itself.
  const btf0 = new Btf(GOOD);
  const td = btf0.types.find((t) => t.kind === BTF_KIND_TYPEDEF);
  assert.ok(td !== undefined);
  const bytes = GOOD.slice();
  new DataView(bytes.buffer).setUint32(td.blob_off + 8, td.id, true);
  const btf = new Btf(bytes);
  assert.throws(() => btf.skipModifiers(td.id), (e: unknown) => e instanceof BtfError && /too deep/.test(e.message));
  assert.throws(() => btf.resolveSize(td.id), (e: unknown) => e instanceof BtfError && /loop/.test(e.message));
});

test("not found is a negative errno for every caller (kernel btf_find_by_name_kind, libbpf btf__resolve_size)", () => {
  const btf = new Btf(GOOD);
  assert.equal(btf.findByNameKind("no_such_struct", BTF_KIND_STRUCT), -ENOENT);
  assert.equal(btf.resolveSize(0), -EINVAL);
  assert.equal(btf.memberIndex(btf.findByNameKind("tcp_congestion_ops", BTF_KIND_STRUCT), "nope"), -ENOENT);
  assert.equal(btf.typeById(0), undefined);
  assert.equal(btf.typeById(btf.nrTypes + 1), undefined);
  assert.throws(() => btf.type(btf.nrTypes + 1), BtfError);
});

test("the struct_ops value layout of tcp_congestion_ops is Linux 6.18's", () => {
  const l = structOpsLayout(getVmlinuxBtf(), "tcp_congestion_ops");
  assert.ok(typeof l !== "string");
  assert.equal(l.valueSize, 256);
  assert.equal(l.dataOffset, 64);
  assert.equal(l.dataSize, 192);
  assert.equal(l.members.length, 18);
  assert.deepEqual(l.members.filter((m) => m.isModule).map((m) => m.name), ["owner"]);
  assert.equal(l.members.find((m) => m.name === "name")?.offset, 88);
  assert.ok(l.members.filter((m) => m.isFuncPtr).every((m) => m.size === 8 && m.offset % 8 === 0));
  // Every byte of the value is either a member or a hole, never both.
  const covered = new Uint8Array(l.valueSize);
  for (const h of l.holes) covered.fill(1, h.offset, h.offset + h.size);
  for (const m of l.members) for (let i = 0; i < m.size; i++) assert.equal(covered[l.dataOffset + m.offset + i], 0, `${m.name} overlaps a hole`);
  assert.equal(structOpsLayout(getVmlinuxBtf(), "no_such_ops"), "value type");
});
