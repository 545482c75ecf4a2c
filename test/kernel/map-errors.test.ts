/**
 * @fileoverview KERNEL-SPEC.md §9.16 map create, §9.17 update_elem, §9.18
 * lookup_elem and §9.19 delete_elem rules for struct_ops maps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, btf, counters, loadCa, createCaMap, updateCa, deleteCa, linkCreate, lookupState, available, sockWithCa, finish, stRef, TCP_OPS, member } from "./harness.js";
import { BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_FREEZE, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_MAP_LOOKUP_ELEM } from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_RDONLY, BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_INUSE, BPF_STRUCT_OPS_STATE_READY, BPF_STRUCT_OPS_STATE_TOBEFREE } from "../../src/uapi/bpf-flags.js";
import { E2BIG, EBUSY, EINPROGRESS, EINVAL, ENOENT, EOPNOTSUPP, EPERM } from "../../src/uapi/errno.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { structOpsValue } from "../../src/backend/struct-ops-value.js";

test("MAP_CREATE errors: key_size, max_entries, value type 0, extra flags, value_size → EINVAL; unknown type → ENOTSUPP; no CAP_BPF → EPERM (§9.16)", () => {
  const env = boot();
  const base = { map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: TCP_OPS.valueSize, max_entries: 1, map_flags: BPF_F_LINK, map_name: "m", btf_fd: env.btfFd, btf_vmlinux_value_type_id: TCP_OPS.valueTypeId };
  const create = (over: Record<string, number>, p = env.p) => p.bpf(BPF_MAP_CREATE, { ...base, ...over }).errno;
  assert.equal(create({ key_size: 8 }), EINVAL);
  assert.equal(create({ max_entries: 2 }), EINVAL);
  assert.equal(create({ btf_vmlinux_value_type_id: 0 }), EINVAL);
  assert.equal(create({ map_flags: BPF_F_LINK | BPF_F_RDONLY }), EINVAL);
  assert.equal(create({ value_size: TCP_OPS.valueSize + 8 }), EINVAL);
  assert.equal(create({ btf_vmlinux_value_type_id: TCP_OPS.typeId }), 524, "not a bpf_struct_ops_<type>");
  const u = new ModelProcess(env.kernel.spawn("u", []), env.tcp);
  assert.equal(create({}, u), EPERM);
  u.exit();
  assert.equal(create({}), 0);
  finish(env);
});

test("UPDATE_ELEM errors: flags EINVAL, key≠0 E2BIG, padding/common EINVAL, second update EBUSY; failed update retryable (§9.17)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "ca_update_1", true).ret;
  const progs = loadCa(env, cnt, 0);
  const value = () => structOpsValue(btf, "tcp_congestion_ops", { name: "tcp_ca_update", ...progs });
  const upd = (v: Uint8Array, key = new Uint8Array(4), flags = 0) => env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key, value: v, flags }).errno;
  const zeroed = () => assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INIT, 0]);
  assert.equal(upd(value(), undefined, 2), EINVAL);
  zeroed();
  assert.equal(upd(value(), new Uint8Array([1, 0, 0, 0])), E2BIG);
  zeroed();
  const pad = value();
  pad[20] = 1; // hole between common and data (data at offset 64)
  assert.equal(upd(pad), EINVAL);
  const tail = value();
  tail[TCP_OPS.dataOffset + 170] = 1; // trailing padding of tcp_congestion_ops (last member ends at 152)
  assert.equal(upd(tail), EINVAL);
  const st = value();
  st[4] = 1; // common.state
  assert.equal(upd(st), EINVAL);
  zeroed();
  assert.equal(upd(value()), 0);
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_READY, 0]);
  assert.equal(upd(value()), EBUSY);
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_READY, 0]);
  void member;
  finish(env);
});

test("owner quirk: non-zero owner → update returns ret 1 (no errno), value reset to INIT (§4.2 step 11)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "ca_owner", false).ret;
  const progs = loadCa(env, cnt, null);
  const v = structOpsValue(btf, "tcp_congestion_ops", { name: "tcp_ca_owner", ...progs });
  v[TCP_OPS.dataOffset + 104] = 1; // owner (bit offset 832)
  const r = env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key: new Uint8Array(4), value: v, flags: 0 });
  assert.deepEqual([r.ret, r.errno], [1, 0]);
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INIT, 0]);
  assert.ok(lookupState(env, m).value.every((b) => b === 0));
  assert.equal(available(env), "reno bbr cubic");
  assert.equal(updateCa(env, m, "tcp_ca_owner", progs).errno, 0, "retry allowed");
  assert.equal(deleteCa(env, m).errno, 0);
  finish(env);
});

test("LOOKUP_ELEM states/refcnt and DELETE_ELEM rules (§5, §9.18, §9.19)", () => {
  const env = boot();
  const cnt = counters(env);
  const lm = createCaMap(env, "ca_update_1", true).ret;
  const nl = createCaMap(env, "ca_no_link", false).ret;
  assert.equal(env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: lm, key: new Uint8Array([1, 0, 0, 0]), value: new Uint8Array(TCP_OPS.valueSize) }).errno, ENOENT);
  assert.ok(lookupState(env, lm).value.every((b) => b === 0), "INIT all zero");
  assert.equal(deleteCa(env, lm).errno, EOPNOTSUPP, "link map INIT");
  assert.equal(deleteCa(env, nl).errno, ENOENT, "non-link INIT");
  assert.equal(updateCa(env, lm, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  assert.deepEqual(stRef(env, lm), [BPF_STRUCT_OPS_STATE_READY, 0]);
  const l = linkCreate(env, lm);
  assert.equal(l.errno, 0);
  assert.deepEqual(stRef(env, lm), [BPF_STRUCT_OPS_STATE_READY, 1]);
  assert.equal(env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: lm, key: new Uint8Array(4), value: new Uint8Array(TCP_OPS.valueSize) }).errno, 0);
  assert.equal(deleteCa(env, lm).errno, EOPNOTSUPP, "link map READY with link");
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");

  assert.equal(updateCa(env, nl, "tcp_ca_no_link", loadCa(env, cnt, null)).errno, 0);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_INUSE, 1]);
  const s = sockWithCa(env, "tcp_ca_no_link");
  assert.equal(s.errno, 0);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_INUSE, 2]);
  assert.equal(deleteCa(env, nl).errno, 0);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_TOBEFREE, 1], "one socket");
  assert.equal(available(env), "reno bbr cubic tcp_ca_update");
  assert.equal(deleteCa(env, nl).errno, EINPROGRESS);
  env.p.close(s.fd);
  assert.deepEqual(stRef(env, nl), [BPF_STRUCT_OPS_STATE_TOBEFREE, 0]);
  finish(env);
});

test("BPF_MAP_FREEZE: syscall writes then fail EPERM, lookups work, a second freeze is EPERM (map_get_sys_perms; checked against Linux by test/parity)", () => {
  const env = boot();
  const key = new Uint8Array(4);
  const value = new Uint8Array(8).fill(7);
  for (const type of [BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH]) {
    const m = env.p.bpf(BPF_MAP_CREATE, { map_type: type, key_size: 4, value_size: 8, max_entries: 4 }).ret;
    assert.equal(env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key, value, flags: 0 }).errno, 0);
    assert.equal(env.p.bpf(BPF_MAP_FREEZE, { map_fd: m }).errno, 0);
    assert.equal(env.p.bpf(BPF_MAP_FREEZE, { map_fd: m }).errno, EPERM);
    assert.equal(env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key, value, flags: 0 }).errno, EPERM);
    assert.equal(env.p.bpf(BPF_MAP_DELETE_ELEM, { map_fd: m, key }).errno, EPERM);
    const out = new Uint8Array(8);
    assert.equal(env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: m, key, value: out }).errno, 0);
    assert.deepEqual(out, value);
    assert.match(env.p.readFile(`/proc/self/fdinfo/${m}`).text, /^frozen:\t1$/m);
  }
  finish(env);
});
