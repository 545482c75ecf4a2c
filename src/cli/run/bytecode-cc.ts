/**
 * @fileoverview Bundled bytecode congestion controls: struct_ops programs
 * built from raw eBPF instructions (no clang needed), loaded with
 * BPF_PROG_LOAD and put in a `tcp_congestion_ops` struct_ops map created with
 * BPF_F_LINK, ready for BPF_LINK_CREATE (src/lib/link.ts linkStructOps). The "reno" algorithm is Reno with a
 * configurable multiplicative decrease: `ssthresh` returns
 * max(snd_cwnd × β, 2) computed in bytecode (β in 1/1024ths), `cong_avoid`
 * and `undo_cwnd` call the kernel's tcp_reno_cong_avoid / tcp_reno_undo_cwnd
 * kfuncs, as a BPF CA written in C would (net/ipv4/bpf_tcp_ca.c lists them).
 * With β = 0.5 it is Linux's Reno; other β values make a second "version"
 * whose reductions are visibly different on a cwnd plot.
 */
import {
  BPF_BTF_LOAD, BPF_MAP_CREATE, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS,
} from "../../uapi/bpf-enums.js";
import { BPF_F_LINK } from "../../uapi/bpf-flags.js";
import { BPF_DW, BPF_JGE, BPF_MUL, BPF_RSH, BPF_W, BPF_REG_0, BPF_REG_1 } from "../../uapi/insn.js";
import { assemble, BPF_ALU64_IMM, BPF_CALL_KFUNC, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LDX_MEM, BPF_MOV64_IMM } from "../../asm/index.js";
import { BtfBuilder, getVmlinuxBtf, structOpsValue, structOpsValueLayout } from "../../lib/kernel.js";
import type { ModelProcess } from "../../lib/kernel.js";
import { check } from "../../lib/errors.js";

/** A loaded struct_ops map, not yet attached. */
export interface LoadedStructOps {
  /** Object name (also the map's name). */
  readonly name: string;
  /** The map's name in the kernel. */
  readonly mapName: string;
  /** tcp_congestion_ops.name it registers. */
  readonly caName: string;
  readonly mapFd: number;
  /** Program fds, for closing. */
  readonly progFds: readonly number[];
}

/** A user BTF with one `int`: struct_ops maps need a btf_fd, as in Linux. */
export function loadUserBtf(p: ModelProcess): number {
  const b = new BtfBuilder();
  b.int("int", 4, 1);
  const blob = b.encode();
  return check(BPF_BTF_LOAD, p.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length }), "load BTF");
}

/**
 * Builds and loads the bytecode "reno" with decrease factor `beta` as a
 * struct_ops map named `name` registering `caName`.
 * @throws {BpfError} when a bpf(2) call fails (with the step in its context)
 */
export function loadBytecodeReno(p: ModelProcess, btfFd: number, name: string, caName: string, beta: number): LoadedStructOps {
  const btf = getVmlinuxBtf();
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const progFds: number[] = [];
  const load = (member: string, insns: Uint8Array): number => {
    const fd = check(BPF_PROG_LOAD, p.bpf(BPF_PROG_LOAD, {
      prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
      expected_attach_type: btf.memberIndex(ops.typeId, member), attach_btf_id: ops.typeId, prog_name: `${name.slice(0, 7)}_${member}`.slice(0, 15),
    }), `${name}: load ${member}`);
    progFds.push(fd);
    return fd;
  };
  // BPF_PROG(name, struct sock *sk, ...): r1 points to the u64 argument array.
  const kfunc = (fn: string, nargs: number): Uint8Array => {
    const loads = [];
    for (let i = nargs - 1; i >= 0; i--) loads.push(BPF_LDX_MEM(BPF_DW, BPF_REG_1 + i, BPF_REG_1, 8 * i));
    return assemble([...loads, BPF_CALL_KFUNC(btf.kfuncId(fn)), BPF_EXIT_INSN()]);
  };
  const betaQ10 = Math.max(1, Math.min(1024, Math.round(beta * 1024)));
  const ssthresh = assemble([
    BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, 0), // sk = ctx[0]
    BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, btf.offsetOf("tcp_sock", "snd_cwnd")),
    BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, betaQ10),
    BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 10),
    BPF_JMP_IMM(BPF_JGE, BPF_REG_0, 2, 1),
    BPF_MOV64_IMM(BPF_REG_0, 2),
    BPF_EXIT_INSN(),
  ]);
  const mapFd = check(BPF_MAP_CREATE, p.bpf(BPF_MAP_CREATE, {
    map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: ops.valueSize, max_entries: 1, map_flags: BPF_F_LINK,
    map_name: name, btf_fd: btfFd, btf_vmlinux_value_type_id: ops.valueTypeId,
  }), `${name}: create struct_ops map`);
  const value = structOpsValue(btf, "tcp_congestion_ops", {
    name: caName,
    ssthresh: load("ssthresh", ssthresh),
    cong_avoid: load("cong_avoid", kfunc("tcp_reno_cong_avoid", 3)),
    undo_cwnd: load("undo_cwnd", kfunc("tcp_reno_undo_cwnd", 1)),
  });
  check(BPF_MAP_UPDATE_ELEM, p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: mapFd, key: new Uint8Array(4), value }), `${name}: update struct_ops map`);
  return { name, mapName: name, caName, mapFd, progFds };
}
