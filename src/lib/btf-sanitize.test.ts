/**
 * @fileoverview sanitizeObjectBtf on every fixture, both builds: the result
 * parses, keeps every original type id, and has none of what the kernel's BTF
 * checker refuses (kernel/bpf/btf.c): extern FUNC or VAR linkage, unnamed
 * parameters in a FUNC's prototype, non-VAR DATASEC entries, DATASEC entries
 * of size 0, out of order or past the section's size. Linux's verdict on the
 * same blobs is checked by test/parity/lib-parity.test.ts, which loads them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BTF_FUNC_EXTERN, BTF_KIND_DATASEC, BTF_KIND_FUNC, BTF_KIND_VAR, BTF_VAR_GLOBAL_EXTERN } from "../uapi/btf.js";
import { parseBtf } from "../obj/btf/btf.js";
import { loadCollectionSpec } from "../obj/collection.js";
import { sanitizeObjectBtf } from "./btf-sanitize.js";

const FIXTURES = new URL("../../test/fixtures/", import.meta.url);

for (const name of ["update", "reno", "cubic", "dctcp", "incompl", "unsupp", "nogpl"]) {
  for (const build of ["linux", "model"]) {
    test(`sanitizeObjectBtf: ${name}.${build}.bpf.o is what BPF_BTF_LOAD accepts`, () => {
      const bytes = new Uint8Array(readFileSync(new URL(`${name}.${build}.bpf.o`, FIXTURES)));
      const spec = loadCollectionSpec(bytes, { name });
      const before = spec.btf;
      assert.ok(before !== undefined);
      const kconfigSize = spec.maps.get(".kconfig")?.valueSize ?? 0;
      const after = parseBtf(sanitizeObjectBtf(before, spec.externs, kconfigSize));
      assert.ok(after.nrTypes >= before.nrTypes);
      for (let id = 1; id <= before.nrTypes; id++) {
        assert.equal(after.type(id).kind, before.type(id).kind, `type ${id} kind`);
        assert.equal(after.type(id).name, before.type(id).name, `type ${id} name`);
      }
      for (const t of after.types) {
        if (t.kind === BTF_KIND_FUNC) {
          assert.notEqual(t.linkage, BTF_FUNC_EXTERN, `FUNC ${t.name} linkage`);
          for (const p of after.type(t.type).params) assert.ok(p.type === 0 || p.name !== "", `FUNC ${t.name}: unnamed parameter`);
        }
        if (t.kind === BTF_KIND_VAR) assert.notEqual(t.linkage, BTF_VAR_GLOBAL_EXTERN, `VAR ${t.name} linkage`);
        if (t.kind !== BTF_KIND_DATASEC) continue;
        let end = 0;
        for (const si of t.secinfos) {
          const v = after.type(si.type);
          assert.equal(v.kind, BTF_KIND_VAR, `DATASEC ${t.name}: entry ${v.name} is a VAR`);
          assert.ok(si.size > 0 && si.offset >= end && si.offset + si.size <= t.size, `DATASEC ${t.name}: entry ${v.name} [${si.offset}, +${si.size}) of ${t.size}`);
          assert.ok(after.resolveSize(v.type) <= si.size, `DATASEC ${t.name}: ${v.name} fits its slot`);
          end = si.offset + si.size;
        }
      }
      for (const e of spec.externs.filter((x) => x.kind === "kconfig")) {
        const ds = after.type(after.findByNameKind(".kconfig", BTF_KIND_DATASEC));
        const si = ds.secinfos.find((s) => s.type === e.btfId);
        assert.deepEqual([si?.offset, si?.size], [e.offset, e.size], `.kconfig ${e.name} where the loader put it`);
      }
    });
  }
}

test("sanitizeObjectBtf: a blob without externs comes back as it is", () => {
  const spec = loadCollectionSpec(new Uint8Array(readFileSync(new URL("nogpl.model.bpf.o", FIXTURES))), { name: "nogpl" });
  const btf = spec.btf;
  assert.ok(btf !== undefined);
  assert.equal(spec.externs.length, 0);
  assert.equal(sanitizeObjectBtf(btf, spec.externs, 0), btf.raw);
});
