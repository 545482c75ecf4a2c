/**
 * @fileoverview The model's vmlinux BTF carries every uapi enum constant
 * (networking and BPF: bpf.h's named and flag enums, tcp, sock, inet, in/in6,
 * xdp, btf; the rule of uapi-enum-select.ts) with Linux's value, so BPF
 * sources written against a real vmlinux.h (BPF_F_NO_PREALLOC, BPF_ANY,
 * TCP_ESTABLISHED, ...) compile against the model's. Checked against the
 * generated table always, and against the running kernel's
 * /sys/kernel/btf/vmlinux where it exists (every value; every constant on
 * the release the table came from, a later kernel's additions listed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { BTF_KIND_ENUM, BTF_KIND_ENUM64 } from "../../uapi/btf.js";
import { BPF_F_NO_PREALLOC, BPF_NOEXIST } from "../../uapi/bpf-flags.js";
import { Btf } from "../../btf/btf.js";
import { selectUapiEnums } from "./uapi-enum-select.js";
import type { UapiEnum } from "./uapi-enum-select.js";
import { getVmlinuxBtf } from "./vmlinux.js";
import { UAPI_ENUMS, UAPI_ENUMS_RELEASE } from "./vmlinux-uapi-enums.js";

/** Every enumerator of the model's BTF: name → value (each name appears once, as C requires). */
function modelConstants(): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const t of getVmlinuxBtf().types) {
    if (t.kind !== BTF_KIND_ENUM && t.kind !== BTF_KIND_ENUM64) continue;
    for (const e of t.enums) {
      assert.ok(!out.has(e.name), `enumerator ${e.name} defined twice in the model's vmlinux BTF`);
      out.set(e.name, e.val);
    }
  }
  return out;
}

/** Differences between `want` and the model: "NAME: missing" or "NAME: model X, Linux Y". */
function diff(want: readonly UapiEnum[]): string[] {
  const have = modelConstants();
  const modelTypes = new Set(getVmlinuxBtf().types.filter((t) => t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64).map((t) => t.name));
  const out: string[] = [];
  for (const e of want) {
    if (e.name !== "" && !modelTypes.has(e.name)) out.push(`enum ${e.name}: missing`);
    for (const v of e.values) {
      const m = have.get(v.name);
      if (m === undefined) out.push(`${v.name}: missing`);
      else if (m !== v.val) out.push(`${v.name}: model ${m}, Linux ${v.val}`);
    }
  }
  return out;
}

test("the model's vmlinux BTF has every uapi enum constant of the generated Linux 6.18 table, with its value", () => {
  const want = UAPI_ENUMS.map(([name, size, signed, values]) => ({ name, size, signed, values: values.map(([n, v]) => ({ name: n, val: BigInt(v) })) }));
  assert.deepEqual(diff(want), []);
  const c = modelConstants();
  assert.equal(c.get("BPF_F_NO_PREALLOC"), BigInt(BPF_F_NO_PREALLOC));
  assert.equal(c.get("BPF_NOEXIST"), BigInt(BPF_NOEXIST));
  assert.equal(c.get("BPF_MAP_TYPE_SK_STORAGE"), 24n);
});

test("the model's vmlinux BTF has every uapi enum constant of the running kernel's BTF, with its value (/sys/kernel/btf/vmlinux)", (t) => {
  const path = "/sys/kernel/btf/vmlinux";
  if (!existsSync(path)) return t.skip(`${path} does not exist here: the generated table is checked above`);
  const kernel = new Btf(new Uint8Array(readFileSync(path)));
  const found = diff(selectUapiEnums(kernel.types));
  // A value that differs is always wrong: a constant's value is ABI. A constant or enum the model lacks is wrong on the
  // release the table was generated from; a later kernel may add some (this machine's builds have), which is news for
  // the next `npx tsx tools/gen-uapi-enums.ts`, listed here, not a failure of the model.
  const release = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  const added = found.filter((d) => d.endsWith(": missing"));
  for (const d of added) t.diagnostic(`running kernel ${release} has ${d.replace(/: missing$/, "")}, the model's table (${UAPI_ENUMS_RELEASE}) does not: regenerate it`);
  assert.deepEqual(release === UAPI_ENUMS_RELEASE ? found : found.filter((d) => !added.includes(d)), []);
});
