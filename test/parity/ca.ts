/**
 * @fileoverview The kernel selftests' tcp_ca_update objects built from raw
 * bytecode for either target (KERNEL-SPEC.md §9 legend), with every bpf(2)
 * result recorded as an observation: a counters array map, struct_ops
 * programs that pass the real verifier (reno kfuncs for ssthresh, cong_avoid
 * and undo_cwnd; `init` and `release` increment a counter with
 * bpf_map_lookup_elem + an atomic add), struct_ops maps named ca_update_1/2,
 * ca_wrong, ca_no_link, links, lookups, sockets.
 *
 * Which program a socket runs is read from the counters: `init` (at
 * setsockopt) bumps counter `idx`, `release` (when the socket leaves the CA
 * or closes) bumps counter `idx + 4`.
 */
import {
  BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_MAP_DELETE_ELEM, BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS,
  BPF_STRUCT_OPS,
} from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_F_REPLACE } from "../../src/uapi/bpf-flags.js";
import { BPF_FUNC_map_lookup_elem } from "../../src/uapi/bpf-helpers.js";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_W, BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_REG_10 } from "../../src/uapi/insn.js";
import {
  assemble, BPF_ALU64_IMM, BPF_ATOMIC_OP, BPF_CALL_KFUNC, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LD_MAP_FD, BPF_LDX_MEM,
  BPF_MOV64_IMM, BPF_MOV64_REG, BPF_ST_MEM,
} from "../../src/asm/index.js";
import { intOnlyBtf } from "../../src/backend/linux/user-btf.js";
import type { Run } from "./observe.js";

const KEY0 = new Uint8Array(4);
const STATE_NAMES = ["INIT", "INUSE", "TOBEFREE", "READY"];

/** Scenario vocabulary over one Run: each call performs one syscall and records what it returned. */
export class Ca {
  readonly btfFd: number;
  /** IDs of non-link struct_ops maps: deleted at cleanup (an INUSE one survives every fd close). */
  private readonly nonLink: number[] = [];

  constructor(readonly run: Run) {
    const blob = intOnlyBtf();
    const r = this.be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length });
    run.see("BTF_LOAD", r.errno);
    this.btfFd = r.ret;
  }

  get be() {
    return this.run.t.be;
  }

  get btf() {
    return this.run.t.btf;
  }

  /** An array map of `n` u64 counters. */
  counters(n = 8): number {
    const r = this.be.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: n, map_name: "counters" });
    this.run.see("counters map", r.errno);
    return r.ret;
  }

  /** Counter `i` as a decimal string (recorded). */
  counter(label: string, mapFd: number, i: number): string {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, i, true);
    const value = new Uint8Array(8);
    const r = this.be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: mapFd, key, value });
    const v = r.errno === 0 ? new DataView(value.buffer).getBigUint64(0, true).toString() : `errno ${r.errno}`;
    return this.run.see(`${label}: counter[${i}]`, v);
  }

  /** `idx`: increment counter `idx` of `mapFd`, return 0. */
  incCounterInsns(mapFd: number, idx: number): Uint8Array {
    return assemble([
      BPF_ST_MEM(BPF_W, BPF_REG_10, -4, idx),
      BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
      BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
      BPF_LD_MAP_FD(BPF_REG_1, mapFd),
      BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
      BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
      BPF_MOV64_IMM(BPF_REG_1, 1),
      BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
      BPF_MOV64_IMM(BPF_REG_0, 0),
      BPF_EXIT_INSN(),
    ]);
  }

  /** Call kfunc `name` with the hook's first `nargs` arguments and return its result. */
  kfuncInsns(name: string, nargs: number): Uint8Array {
    const loads = [];
    for (let i = nargs - 1; i >= 0; i--) loads.push(BPF_LDX_MEM(BPF_DW, BPF_REG_1 + i, BPF_REG_1, 8 * i));
    return assemble([...loads, BPF_CALL_KFUNC(this.btf.kfuncId(name)), BPF_EXIT_INSN()]);
  }

  /** BPF_PROG_LOAD of a tcp_congestion_ops program for member `m`; records the errno. */
  loadProg(label: string, m: string, insns: Uint8Array, license = "GPL"): { ret: number; errno: number; log: string } {
    const log = new Uint8Array(65536);
    const r = this.be.bpf(BPF_PROG_LOAD, {
      prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license,
      expected_attach_type: this.btf.member(m), attach_btf_id: this.btf.ops.typeId, prog_name: m,
      log_level: 1, log_size: log.length, log_buf: log,
    });
    const end = log.indexOf(0);
    const text = new TextDecoder().decode(log.subarray(0, end < 0 ? log.length : end));
    this.run.see(`${label}: PROG_LOAD ${m}`, r.errno);
    return { ...r, log: text };
  }

  /** The programs of one CA; `idx` null: no init/release (ca_wrong, ca_no_link). */
  loadCa(label: string, cnt: number, idx: number | null): Record<string, number> {
    const fds: Record<string, number> = {};
    const load = (m: string, insns: Uint8Array): void => {
      const r = this.loadProg(label, m, insns);
      if (r.errno !== 0) throw new Error(`${this.run.t.name}: ${label}: PROG_LOAD ${m} failed with errno ${r.errno}\n${r.log}`);
      fds[m] = r.ret;
    };
    load("ssthresh", this.kfuncInsns("tcp_reno_ssthresh", 1));
    load("cong_avoid", this.kfuncInsns("tcp_reno_cong_avoid", 3));
    load("undo_cwnd", this.kfuncInsns("tcp_reno_undo_cwnd", 1));
    if (idx !== null) {
      load("init", this.incCounterInsns(cnt, idx));
      load("release", this.incCounterInsns(cnt, idx + 4));
    }
    return fds;
  }

  /** Raw BPF_MAP_CREATE of a tcp_congestion_ops struct_ops map with fields overridden. */
  createRaw(over: Record<string, number | string>): { ret: number; errno: number } {
    return this.be.bpf(BPF_MAP_CREATE, {
      map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: this.btf.ops.valueSize, max_entries: 1, map_flags: BPF_F_LINK,
      map_name: "m", btf_fd: this.btfFd, btf_vmlinux_value_type_id: this.btf.ops.valueTypeId, ...over,
    });
  }

  createCaMap(label: string, name: string, link: boolean): number {
    const r = this.createRaw({ map_flags: link ? BPF_F_LINK : 0, map_name: name });
    this.run.see(`${label}: MAP_CREATE ${name}`, r.errno);
    if (r.errno === 0 && !link) {
      const info = new Uint8Array(16);
      this.be.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: r.ret, info_len: info.length, info });
      this.nonLink.push(new DataView(info.buffer).getUint32(4, true));
    }
    return r.ret;
  }

  /** The struct_ops value for `caName` with `progs` (and extra fields). */
  value(caName: string, progs: Record<string, number>, extra: Record<string, number> = {}): Uint8Array {
    return this.btf.value({ name: caName, ...progs, ...extra });
  }

  /** BPF_MAP_UPDATE_ELEM of a raw value; records [ret, errno]. */
  updateRaw(label: string, mapFd: number, value: Uint8Array, key = KEY0, flags = 0): number {
    const r = this.be.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: mapFd, key, value, flags });
    this.run.see(`${label}: UPDATE_ELEM`, r.errno === 0 ? `ret ${r.ret}` : r.errno);
    return r.errno;
  }

  updateCa(label: string, mapFd: number, caName: string, progs: Record<string, number>, extra: Record<string, number> = {}): number {
    return this.updateRaw(label, mapFd, this.value(caName, progs, extra));
  }

  deleteCa(label: string, mapFd: number): number {
    return this.run.see(`${label}: DELETE_ELEM`, this.be.bpf(BPF_MAP_DELETE_ELEM, { map_fd: mapFd, key: KEY0 }).errno);
  }

  /** BPF_MAP_LOOKUP_ELEM of a struct_ops map, decoded: state, refcnt, CA name, program labels, other non-zero bytes. */
  lookup(label: string, mapFd: number, key = KEY0): unknown {
    const value = new Uint8Array(this.btf.ops.valueSize);
    const r = this.be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: mapFd, key, value });
    if (r.errno !== 0) return this.run.see(`${label}: LOOKUP_ELEM`, { errno: r.errno });
    const dv = new DataView(value.buffer);
    const progs: Record<string, string> = {};
    const known = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const s of this.btf.funcSlots) {
      const id = dv.getBigUint64(s.offset, true);
      for (let i = 0; i < 8; i++) known.add(s.offset + i);
      if (id !== 0n) progs[s.name] = this.run.id("prog", id);
    }
    const nameBytes = value.subarray(this.btf.nameOffset, this.btf.nameOffset + 16);
    for (let i = 0; i < 16; i++) known.add(this.btf.nameOffset + i);
    const end = nameBytes.indexOf(0);
    const other: string[] = [];
    value.forEach((b, i) => {
      if (b !== 0 && !known.has(i)) other.push(`${i - this.btf.ops.dataOffset}:${b}`);
    });
    return this.run.see(`${label}: LOOKUP_ELEM`, {
      errno: 0,
      state: STATE_NAMES[dv.getUint32(4, true)] ?? dv.getUint32(4, true),
      refcnt: dv.getUint32(0, true),
      name: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end)),
      progs,
      otherNonZero: other.join(" "),
    });
  }

  linkCreate(label: string, mapFd: number): number {
    const r = this.be.bpf(BPF_LINK_CREATE, { map_fd: mapFd, attach_type: BPF_STRUCT_OPS });
    this.run.see(`${label}: LINK_CREATE`, r.errno);
    return r.errno === 0 ? r.ret : -r.errno;
  }

  linkUpdate(label: string, linkFd: number, newMapFd: number, oldMapFd?: number): number {
    const attr = oldMapFd === undefined ? { link_fd: linkFd, new_map_fd: newMapFd } : { link_fd: linkFd, new_map_fd: newMapFd, flags: BPF_F_REPLACE, old_map_fd: oldMapFd };
    return this.run.see(`${label}: LINK_UPDATE`, this.be.bpf(BPF_LINK_UPDATE, attr).errno);
  }

  linkUpdateRaw(label: string, attr: { link_fd: number; new_map_fd: number; flags?: number; old_map_fd?: number }): number {
    return this.run.see(`${label}: LINK_UPDATE`, this.be.bpf(BPF_LINK_UPDATE, attr).errno);
  }

  linkDetach(label: string, linkFd: number): number {
    return this.run.see(`${label}: LINK_DETACH`, this.be.bpf(BPF_LINK_DETACH, { link_fd: linkFd }).errno);
  }

  /** bpf_link_info of a link: errno, type, id and struct_ops.map_id as labels. */
  linkInfo(label: string, linkFd: number): { errno: number; type: number; id: string; mapId: string; infoLen: number } {
    const info = new Uint8Array(64);
    const attr = { bpf_fd: linkFd, info_len: info.length, info };
    const r = this.be.bpf(BPF_OBJ_GET_INFO_BY_FD, attr);
    const dv = new DataView(info.buffer);
    return this.run.see(`${label}: link info`, {
      errno: r.errno,
      type: dv.getUint32(0, true),
      id: this.run.id("link", dv.getUint32(4, true)),
      mapId: this.run.id("map", dv.getUint32(16, true)),
      infoLen: Number(attr.info_len),
    });
  }

  /** A connected socket that selected `name` with setsockopt(TCP_CONGESTION); records the setsockopt errno. */
  sock(label: string, name: string): number {
    const s = this.be.socket();
    this.run.see(`${label}: socket`, s.errno);
    const r = this.be.setCongestion(s.ret, name);
    this.run.see(`${label}: setsockopt(TCP_CONGESTION, ${name})`, r.errno);
    return s.ret;
  }

  setCc(label: string, fd: number, name: string): number {
    return this.run.see(`${label}: setsockopt(TCP_CONGESTION, ${name})`, this.be.setCongestion(fd, name).errno);
  }

  getCc(label: string, fd: number): string {
    const r = this.be.getCongestion(fd);
    return this.run.see(`${label}: getsockopt(TCP_CONGESTION)`, r.errno === 0 ? r.name : `errno ${r.errno}`);
  }

  close(label: string, fd: number): number {
    return this.run.see(`${label}: close`, this.be.close(fd).errno);
  }

  /** poll revents (EPOLLHUP = 0x10). */
  poll(label: string, fd: number): number {
    const r = this.be.poll(fd);
    return this.run.see(`${label}: poll revents`, r.errno === 0 ? r.revents : -r.errno);
  }

  /** Deletes every non-link map this run created (an INUSE one stays registered after its fds close). */
  cleanup(): void {
    for (const id of this.nonLink) {
      const r = this.be.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: id });
      if (r.errno !== 0) continue;
      this.be.bpf(BPF_MAP_DELETE_ELEM, { map_fd: r.ret, key: KEY0 });
      this.be.close(r.ret);
    }
  }
}
