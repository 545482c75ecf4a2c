/**
 * @fileoverview The model's vmlinux BTF carries every uapi struct and union
 * BPF programs name (the roots of uapi-type-select.ts: bpf.h's contexts,
 * special fields and info records, tcp.h, in.h, in6.h, if_ether.h, ip.h,
 * ipv6.h) and every type they use, with Linux's layout: same kind, size,
 * member names, member types, bit offsets and bitfield sizes. Checked against
 * the generated Linux 6.18 table always, and against the running kernel's
 * /sys/kernel/btf/vmlinux where it exists. Hand-laid model types with a uapi
 * name (in6_addr) are held to the same rule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { BTF_KIND_STRUCT } from "../../uapi/btf.js";
import { Btf } from "../../btf/btf.js";
import { selectUapiTypes, uapiLayouts, uapiNamedAggregates, UAPI_TYPE_ROOTS } from "./uapi-type-select.js";
import type { UapiTypeRow } from "./uapi-type-select.js";
import { getVmlinuxBtf } from "./vmlinux.js";
import { UAPI_TYPES } from "./vmlinux-uapi-types.js";

/** Differences between Linux's layouts (`want`) and the model's: "NAME: missing" or "NAME: model X, Linux Y". */
function diff(want: readonly UapiTypeRow[]): string[] {
  const have = uapiLayouts(selectUapiTypes(getVmlinuxBtf().types));
  const out: string[] = [];
  for (const [name, layout] of uapiLayouts(want)) {
    const m = have.get(name);
    if (m === undefined) out.push(`${name}: missing`);
    else if (m !== layout) out.push(`${name}: model ${m}, Linux ${layout}`);
  }
  return out;
}

test("the model's vmlinux BTF has every uapi struct and union of the generated Linux 6.18 table, laid out as Linux lays it out", () => {
  assert.deepEqual(diff(UAPI_TYPES), []);
  const named = uapiNamedAggregates(UAPI_TYPES);
  for (const root of ["__sk_buff", "bpf_sock_ops", "bpf_sock_addr", "bpf_sk_lookup", "xdp_md", "bpf_spin_lock", "bpf_dynptr", "tcphdr", "iphdr", "ipv6hdr", "ethhdr", "sockaddr_in6"]) {
    assert.ok(named.includes(root), `${root} is in the table`);
  }
  const vm = getVmlinuxBtf();
  // Layout facts a BPF program relies on (include/uapi/linux/bpf.h, tcp.h, ip.h).
  assert.equal(vm.sizeOf("__sk_buff"), 192);
  assert.equal(vm.offsetOf("__sk_buff", "data"), 76);
  assert.equal(vm.offsetOf("bpf_sock_ops", "skb_tcp_flags"), 212);
  assert.equal(vm.sizeOf("bpf_spin_lock"), 4);
  assert.equal(vm.sizeOf("bpf_dynptr"), 16);
  assert.equal(vm.sizeOf("iphdr"), 20);
  assert.equal(vm.sizeOf("tcphdr"), 20);
  assert.equal(vm.sizeOf("ethhdr"), 14);
  const syn = vm.field("tcphdr", "syn");
  assert.deepEqual([syn?.bit_offset, syn?.bitfield_size], [105, 1]);
});

test("the uapi type selection takes no struct outside the named roots but what they embed (no internal kernel struct)", () => {
  const extra = uapiNamedAggregates(UAPI_TYPES).filter((n) => !UAPI_TYPE_ROOTS.includes(n));
  assert.deepEqual(extra, ["__kernel_sockaddr_storage"]);
  // The model's own socket structs stay hand-laid and are not uapi roots.
  for (const own of ["sock", "tcp_sock", "tcp_congestion_ops"]) {
    assert.ok(!UAPI_TYPE_ROOTS.includes(own));
    assert.ok(getVmlinuxBtf().findByNameKind(own, BTF_KIND_STRUCT) > 0);
  }
});

test("the model's vmlinux BTF has every uapi struct and union of the running kernel's BTF, with its layout (/sys/kernel/btf/vmlinux)", (t) => {
  const path = "/sys/kernel/btf/vmlinux";
  if (!existsSync(path)) return t.skip(`${path} does not exist here: the generated table is checked above`);
  const kernel = new Btf(new Uint8Array(readFileSync(path)));
  assert.deepEqual(diff(selectUapiTypes(kernel.types)), []);
});
