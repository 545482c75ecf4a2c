/**
 * @fileoverview `structops tour`: a narrated live swap of a BPF congestion
 * control on the emulated kernel. It loads two versions of a struct_ops CA
 * (bytecode whose `init` counts sockets per version), registers version 1
 * through a bpf_link, opens sockets, swaps to version 2 with BPF_LINK_UPDATE
 * under the same name, opens more sockets, then detaches; after each step it
 * prints what a user would read on Linux (the available-CC list, fdinfo,
 * the struct_ops map state and refcnt).
 */
import {
  BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS, BPF_STRUCT_OPS,
} from "../uapi/bpf-enums.js";
import { BPF_F_LINK } from "../uapi/bpf-flags.js";
import { BPF_FUNC_map_lookup_elem } from "../uapi/bpf-helpers.js";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_W, BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_10 } from "../uapi/insn.js";
import {
  assemble, BPF_ALU64_IMM, BPF_ATOMIC_OP, BPF_CALL_KFUNC, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LD_MAP_FD, BPF_LDX_MEM,
  BPF_MOV64_IMM, BPF_MOV64_REG, BPF_ST_MEM,
} from "../asm/index.js";
import { EmulatedKernel, BtfBuilder, getVmlinuxBtf, structOpsValue, structOpsValueLayout } from "../lib/kernel.js";
import type { ModelProcess } from "../lib/kernel.js";
import { check } from "../lib/errors.js";
import { formatErrno } from "../uapi/errno.js";

const CA = "demo_cc";

/** Runs the tour, writing to `out`; returns the exit status. */
export function tour(out: (s: string) => void): number {
  const k = new EmulatedKernel();
  const p = k.process("tour");
  const btf = getVmlinuxBtf();
  const ops = structOpsValueLayout(btf, "tcp_congestion_ops");
  const b = new BtfBuilder();
  b.int("int", 4, 1);
  const blob = b.encode();
  const btfFd = check(BPF_BTF_LOAD, p.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length }));
  const cnt = check(BPF_MAP_CREATE, p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 2, map_name: "versions" }));

  const load = (member: string, insns: Uint8Array): number =>
    check(BPF_PROG_LOAD, p.bpf(BPF_PROG_LOAD, {
      prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL",
      expected_attach_type: btf.memberIndex(ops.typeId, member), attach_btf_id: ops.typeId, prog_name: member,
    }), `load ${member}`);
  const kfunc = (name: string, nargs: number): Uint8Array => {
    const loads = [];
    for (let i = nargs - 1; i >= 0; i--) loads.push(BPF_LDX_MEM(BPF_DW, BPF_REG_1 + i, BPF_REG_1, 8 * i));
    return assemble([...loads, BPF_CALL_KFUNC(btf.kfuncId(name)), BPF_EXIT_INSN()]);
  };
  const countInit = (version: number): Uint8Array =>
    assemble([
      BPF_ST_MEM(BPF_W, BPF_REG_10, -4, version),
      BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
      BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
      BPF_LD_MAP_FD(BPF_REG_1, cnt),
      BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
      BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
      BPF_MOV64_IMM(BPF_REG_3, 1),
      BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_3, 0),
      BPF_MOV64_IMM(BPF_REG_0, 0),
      BPF_EXIT_INSN(),
    ]);
  const version = (v: number): number => {
    const map = check(BPF_MAP_CREATE, p.bpf(BPF_MAP_CREATE, {
      map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: ops.valueSize, max_entries: 1, map_flags: BPF_F_LINK,
      map_name: `demo_v${v}`, btf_fd: btfFd, btf_vmlinux_value_type_id: ops.valueTypeId,
    }));
    const value = structOpsValue(btf, "tcp_congestion_ops", {
      name: CA,
      ssthresh: load("ssthresh", kfunc("tcp_reno_ssthresh", 1)),
      cong_avoid: load("cong_avoid", kfunc("tcp_reno_cong_avoid", 3)),
      undo_cwnd: load("undo_cwnd", kfunc("tcp_reno_undo_cwnd", 1)),
      init: load("init", countInit(v - 1)),
    });
    check(BPF_MAP_UPDATE_ELEM, p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: map, key: new Uint8Array(4), value }), `update demo_v${v}`);
    return map;
  };
  const counts = (): string => {
    const r: string[] = [];
    for (let i = 0; i < 2; i++) {
      const key = new Uint8Array([i, 0, 0, 0]);
      const value = new Uint8Array(8);
      check(BPF_MAP_LOOKUP_ELEM, p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: cnt, key, value }));
      r.push(`v${i + 1}.init ran ${new DataView(value.buffer).getBigUint64(0, true)}×`);
    }
    return r.join(", ");
  };
  const state = (map: number, label: string): string => {
    const value = new Uint8Array(ops.valueSize);
    check(BPF_MAP_LOOKUP_ELEM, p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: map, key: new Uint8Array(4), value }));
    const dv = new DataView(value.buffer);
    return `${label}: state ${["INIT", "INUSE", "TOBEFREE", "READY"][dv.getUint32(4, true)]}, refcnt ${dv.getUint32(0, true)}`;
  };
  const read = (q: ModelProcess, path: string): string => q.readFile(path).text.trimEnd();
  const avail = "/proc/sys/net/ipv4/tcp_available_congestion_control";
  const step = (title: string, lines: string[]): void => out(`\n== ${title}\n${lines.map((l) => "   " + l).join("\n")}\n`);

  const v1 = version(1);
  const v2 = version(2);
  step("boot: two versions of one CA loaded, not registered", [`available: ${read(p, avail)}`, state(v1, "demo_v1"), state(v2, "demo_v2")]);

  const link = check(BPF_LINK_CREATE, p.bpf(BPF_LINK_CREATE, { map_fd: v1, attach_type: BPF_STRUCT_OPS }), "attach v1");
  step(`BPF_LINK_CREATE: link fd ${link} registers "${CA}" v1`, [`available: ${read(p, avail)}`, ...read(p, `/proc/self/fdinfo/${link}`).split("\n").slice(4)]);

  const old = [p.socket().ret, p.socket().ret];
  for (const fd of old) check(0, p.setCongestion(fd, CA), "setsockopt");
  step("two sockets pick it with setsockopt(TCP_CONGESTION)", [counts(), state(v1, "demo_v1")]);

  check(BPF_LINK_UPDATE, p.bpf(BPF_LINK_UPDATE, { link_fd: link, new_map_fd: v2 }), "update to v2");
  step(`BPF_LINK_UPDATE: the name "${CA}" now means v2`, [`available: ${read(p, avail)}`, ...read(p, `/proc/self/fdinfo/${link}`).split("\n").slice(6), state(v1, "demo_v1"), state(v2, "demo_v2")]);

  const fresh = p.socket().ret;
  check(0, p.setCongestion(fresh, CA), "setsockopt");
  step("a new socket gets v2; the old ones keep v1", [counts(), state(v1, "demo_v1 (held by the 2 old sockets)"), state(v2, "demo_v2 (link + new socket)")]);

  check(BPF_LINK_DETACH, p.bpf(BPF_LINK_DETACH, { link_fd: link }), "detach");
  const again = p.socket().ret;
  const r = p.setCongestion(again, CA);
  step("BPF_LINK_DETACH: the name is gone, existing sockets keep running", [
    `available: ${read(p, avail)}`,
    `setsockopt("${CA}") on a new socket: ${formatErrno(r.errno)}`,
    `poll(link fd) revents: 0x${p.poll(link).revents.toString(16)} (EPOLLHUP)`,
    `old sockets still run: ${old.map((fd) => p.getCongestion(fd).name).join(", ")}`,
  ]);

  p.exit();
  k.settle();
  const leaks = k.leaks();
  step("process exit: every fd and socket closed, grace periods run", [leaks.length === 0 ? "nothing left in the kernel" : `left behind: ${leaks.join("; ")}`]);
  return leaks.length === 0 ? 0 : 1;
}
