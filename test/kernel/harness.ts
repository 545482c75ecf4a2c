/**
 * @fileoverview Test harness for the emulated-kernel scenarios: boots a
 * kernel, and builds the kernel selftests' tcp_ca_update objects from raw
 * bytecode: a counters array map, struct_ops programs whose `init`
 * increments a counter (as progs/tcp_ca_update.c does), and struct_ops maps
 * named like the selftest's (ca_update_1/2, ca_wrong, ca_no_link).
 */
import assert from "node:assert/strict";
import {
  BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_LOAD,
  BPF_PROG_TYPE_STRUCT_OPS, BPF_STRUCT_OPS,
} from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_REPLACE } from "../../src/uapi/bpf-flags.js";
import { BPF_FUNC_map_lookup_elem } from "../../src/uapi/bpf-helpers.js";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_W, BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_REG_10 } from "../../src/uapi/insn.js";
import {
  assemble, BPF_ALU64_IMM, BPF_ATOMIC_OP, BPF_CALL_KFUNC, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LD_MAP_FD,
  BPF_LDX_MEM, BPF_MOV64_IMM, BPF_MOV64_REG, BPF_ST_MEM,
} from "../../src/asm/index.js";
import { createModelKernel } from "../../src/backend/model.js";
import { ENGINE_NAMES, isEngineName } from "../../src/backend/engines.js";
import type { EngineName } from "../../src/backend/engines.js";
import type { ModelKernel } from "../../src/backend/model.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { structOpsValue, structOpsValueLayout } from "../../src/backend/struct-ops-value.js";
import { getVmlinuxBtf } from "../../src/kernel/btf/vmlinux.js";
import { BtfBuilder } from "../../src/kernel/btf/builder.js";
import { decodeLinkInfo } from "../../src/uapi/info.js";

export const btf = getVmlinuxBtf();
export const TCP_OPS = structOpsValueLayout(btf, "tcp_congestion_ops");
export const member = (name: string): number => btf.memberIndex(TCP_OPS.typeId, name);

/** A booted kernel with one root process. */
export interface Env extends ModelKernel {
  readonly p: ModelProcess;
  /** fd of a small user BTF (struct_ops maps need one, as in Linux). */
  readonly btfFd: number;
}

/**
 * The engine scenarios run on: STRUCTOPS_ENGINE (interp, jit or auto) when
 * set, else the model's default (the interpreter).
 */
export function envEngine(): EngineName | undefined {
  const e = process.env["STRUCTOPS_ENGINE"];
  if (e === undefined || e === "") return undefined;
  if (!isEngineName(e)) throw new RangeError(`STRUCTOPS_ENGINE must be one of ${ENGINE_NAMES.join(", ")}: current value is ${e}`);
  return e;
}

export function boot(opts: Parameters<typeof createModelKernel>[0] = {}): Env {
  const engine = opts.engine ?? envEngine();
  const mk = createModelKernel(engine === undefined || opts.runner !== undefined ? opts : { ...opts, engine });
  const p = new ModelProcess(mk.kernel.spawn("test"), mk.tcp);
  const b = new BtfBuilder();
  b.int("int", 4, 1);
  const blob = b.encode();
  const r = p.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length });
  assert.equal(r.errno, 0, "BTF_LOAD");
  return { ...mk, p, btfFd: r.ret };
}

/** An array map of `n` u64 counters; returns its fd. */
export function counters(env: Env, n = 4, name = "counters"): number {
  const r = env.p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: n, map_name: name });
  assert.equal(r.errno, 0, "counters map");
  return r.ret;
}

/** Reads counter `i` of an array map of u64. */
export function counter(env: Env, mapFd: number, i: number): bigint {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, i, true);
  const value = new Uint8Array(8);
  const r = env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: mapFd, key, value });
  assert.equal(r.errno, 0, "counter lookup");
  return new DataView(value.buffer).getBigUint64(0, true);
}

/** Program text: increment counter `idx` of map `mapFd` atomically, return `ret`. */
export function incCounterInsns(mapFd: number, idx: number, ret = 0): Uint8Array {
  return assemble([
    BPF_ST_MEM(BPF_W, BPF_REG_10, -4, idx),
    BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
    BPF_LD_MAP_FD(BPF_REG_1, mapFd),
    BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
    BPF_MOV64_IMM(BPF_REG_1, 1),
    BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
    BPF_MOV64_IMM(BPF_REG_0, ret),
    BPF_EXIT_INSN(),
  ]);
}

/** Program text: call kfunc `name` with the hook's args (ctx[0..2]) and return its result. */
export function kfuncInsns(name: string, nargs: number): Uint8Array {
  const id = btf.kfuncId(name);
  assert.ok(id > 0, `kfunc ${name}`);
  const loads = [];
  for (let i = nargs - 1; i >= 0; i--) loads.push(BPF_LDX_MEM(BPF_DW, BPF_REG_1 + i, BPF_REG_1, 8 * i));
  return assemble([...loads, BPF_CALL_KFUNC(id), BPF_EXIT_INSN()]);
}

/** BPF_PROG_LOAD of a struct_ops program for tcp_congestion_ops member `m`. */
export function loadStructOpsProg(env: Env, m: string, insns: Uint8Array, license = "GPL", name = m): { ret: number; errno: number; log: string } {
  const log = new Uint8Array(4096);
  const r = env.p.bpf(BPF_PROG_LOAD, {
    prog_type: BPF_PROG_TYPE_STRUCT_OPS,
    insns,
    insn_cnt: insns.length / 8,
    license,
    expected_attach_type: member(m),
    attach_btf_id: TCP_OPS.typeId,
    prog_name: name,
    log_level: 1,
    log_size: log.length,
    log_buf: log,
  });
  const end = log.indexOf(0);
  return { ...r, log: new TextDecoder().decode(log.subarray(0, end < 0 ? log.length : end)) };
}

/** The programs of one CA: reno kfuncs for ssthresh/cong_avoid/undo_cwnd, and init incrementing counter `idx`. */
export function loadCa(env: Env, counterFd: number, idx: number | null): Record<string, number> {
  const fds: Record<string, number> = {};
  const load = (m: string, insns: Uint8Array): void => {
    const r = loadStructOpsProg(env, m, insns);
    assert.equal(r.errno, 0, `load ${m}: ${r.log}`);
    fds[m] = r.ret;
  };
  load("ssthresh", kfuncInsns("tcp_reno_ssthresh", 1));
  load("cong_avoid", kfuncInsns("tcp_reno_cong_avoid", 3));
  load("undo_cwnd", kfuncInsns("tcp_reno_undo_cwnd", 1));
  if (idx !== null) load("init", incCounterInsns(counterFd, idx));
  return fds;
}

/** BPF_MAP_CREATE of a tcp_congestion_ops struct_ops map. */
export function createCaMap(env: Env, name: string, link: boolean): { ret: number; errno: number } {
  return env.p.bpf(BPF_MAP_CREATE, {
    map_type: BPF_MAP_TYPE_STRUCT_OPS,
    key_size: 4,
    value_size: TCP_OPS.valueSize,
    max_entries: 1,
    map_flags: link ? BPF_F_LINK : 0,
    map_name: name,
    btf_fd: env.btfFd,
    btf_vmlinux_value_type_id: TCP_OPS.valueTypeId,
  });
}

const KEY0 = new Uint8Array(4);

/** BPF_MAP_UPDATE_ELEM of a CA value (name + programs). */
export function updateCa(env: Env, mapFd: number, caName: string, progs: Record<string, number>, extra: Record<string, number> = {}): { ret: number; errno: number } {
  const value = structOpsValue(btf, "tcp_congestion_ops", { name: caName, ...progs, ...extra });
  return env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: mapFd, key: KEY0, value, flags: 0 });
}

/** (state, refcnt) as BPF_MAP_LOOKUP_ELEM reports them for a struct_ops map. */
export function lookupState(env: Env, mapFd: number): { errno: number; state: number; refcnt: number; value: Uint8Array } {
  const value = new Uint8Array(TCP_OPS.valueSize);
  const r = env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: mapFd, key: KEY0, value });
  const dv = new DataView(value.buffer);
  return { errno: r.errno, refcnt: dv.getUint32(0, true), state: dv.getUint32(4, true), value };
}

export function deleteCa(env: Env, mapFd: number): { ret: number; errno: number } {
  return env.p.bpf(BPF_MAP_DELETE_ELEM, { map_fd: mapFd, key: KEY0 });
}

export function linkCreate(env: Env, mapFd: number): { ret: number; errno: number } {
  return env.p.bpf(BPF_LINK_CREATE, { map_fd: mapFd, attach_type: BPF_STRUCT_OPS });
}

export function linkUpdate(env: Env, linkFd: number, newMapFd: number, oldMapFd?: number): { ret: number; errno: number } {
  return env.p.bpf(BPF_LINK_UPDATE, oldMapFd === undefined ? { link_fd: linkFd, new_map_fd: newMapFd } : { link_fd: linkFd, new_map_fd: newMapFd, flags: BPF_F_REPLACE, old_map_fd: oldMapFd });
}

export function linkDetach(env: Env, linkFd: number): { ret: number; errno: number } {
  return env.p.bpf(BPF_LINK_DETACH, { link_fd: linkFd });
}

/** bpf_link_info of a link fd (errno, type, id, struct_ops.map_id). */
export function linkInfo(env: Env, linkFd: number): { errno: number; type: number; id: number; mapId: number } {
  const info = new Uint8Array(64);
  const r = env.p.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: linkFd, info_len: info.length, info });
  const d = decodeLinkInfo(info);
  return { errno: r.errno, type: d.type, id: d.id, mapId: new DataView(info.buffer).getUint32(16, true) };
}

/** The fdinfo lines after the VFS's generic four. */
export function fdinfoTail(env: Env, fd: number): string {
  const r = env.p.readFile(`/proc/self/fdinfo/${fd}`);
  assert.equal(r.errno, 0);
  return r.text.split("\n").slice(4).join("\n");
}

export function available(env: Env): string {
  return env.p.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text.trim();
}

/** Kernel selftest do_test: a socket that selects `name`; returns its fd (init runs: it is established). */
export function sockWithCa(env: Env, name: string): { fd: number; errno: number } {
  const s = env.p.socket();
  assert.equal(s.errno, 0);
  const r = env.p.setCongestion(s.ret, name);
  return { fd: s.ret, errno: r.errno };
}

/** ID of the map named `name` (BPF map name), or undefined. */
export function mapIdOf(env: Env, name: string): number | undefined {
  return env.kernel.mapIdr.values().find((m) => m.attrs.map_name === name)?.id;
}

/** The leak trap: close every fd (exit), let deferred frees run, and assert nothing is left. */
export function finish(env: Env): void {
  env.p.exit();
  env.kernel.settle();
  assert.deepEqual(env.kernel.leaks(), []);
}

/** [state, refcnt] as lookup reports them (asserting the lookup itself succeeded). */
export function stRef(env: Env, mapFd: number): [number, number] {
  const l = lookupState(env, mapFd);
  assert.equal(l.errno, 0, "lookup");
  return [l.state, l.refcnt];
}

export const linkFdinfo = (linkId: number, mapId?: number): string =>
  `link_type:\tstruct_ops\nlink_id:\t${linkId}\n` + (mapId === undefined ? "" : `map_id:\t${mapId}\n`);
