/**
 * @fileoverview A congestion control that logs its hooks, for either target:
 * every optional hook (init, release, set_state, cwnd_event, in_ack_event,
 * pkts_acked) appends one entry to an array map (slot 0 counts entries, the
 * rest hold them), built from raw bytecode that passes the real verifier.
 * The required hooks call the reno kfuncs and log nothing, so a connection
 * that sends no data shows exactly the calls tcp_init_transfer,
 * tcp_ca_openreq_child, the SYN-ACK's ACK processing and close make
 * (net/ipv4/tcp_input.c, tcp_minisocks.c, tcp_cong.c).
 *
 * An entry is "hook" or "hook(arg)": set_state's new ca_state, cwnd_event's
 * event, in_ack_event's flags, pkts_acked's ack_sample.pkts_acked.
 */
import { BPF_MAP_CREATE, BPF_MAP_TYPE_ARRAY, BPF_MAP_LOOKUP_ELEM } from "../../src/uapi/bpf-enums.js";
import { BPF_FUNC_map_lookup_elem } from "../../src/uapi/bpf-helpers.js";
import { BPF_ADD, BPF_AND, BPF_DW, BPF_FETCH, BPF_JEQ, BPF_JGE, BPF_LSH, BPF_W, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_2, BPF_REG_6, BPF_REG_7 } from "../../src/uapi/insn.js";
import {
  assemble, BPF_ALU64_IMM, BPF_ALU64_REG, BPF_ATOMIC_OP, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LABEL, BPF_LD_MAP_FD, BPF_LDX_MEM,
  BPF_MOV64_IMM, BPF_MOV64_REG, BPF_ST_MEM, BPF_STX_MEM,
} from "../../src/asm/index.js";
import type { AsmItem } from "../../src/asm/index.js";
import type { Ca } from "./ca.js";

/** Logged hooks, in code order (an entry's code is index << 8 | argument). */
const HOOKS = ["init", "release", "set_state", "cwnd_event", "in_ack_event", "pkts_acked"] as const;
type Hook = (typeof HOOKS)[number];
const SLOTS = 32;

/** How each hook's logged argument is read from its context (r6 = the u64 argument array). */
function argInsns(h: Hook): AsmItem[] {
  switch (h) {
    case "init":
    case "release":
      return [BPF_MOV64_IMM(BPF_REG_7, 0)];
    case "set_state":
    case "cwnd_event":
    case "in_ack_event":
      return [BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_6, 8), BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 0xff)];
    case "pkts_acked":
      // const struct ack_sample *sample: its first member is u32 pkts_acked.
      return [BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_6, 8), BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_7, 0), BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 0xff)];
  }
}

/** The program of hook `h` appending its entry to log map `mapFd`. */
function logInsns(mapFd: number, h: Hook): Uint8Array {
  return assemble([
    BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
    ...argInsns(h),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, HOOKS.indexOf(h) << 8),
    BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
    BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
    BPF_LD_MAP_FD(BPF_REG_1, mapFd),
    BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, "out"),
    BPF_MOV64_IMM(BPF_REG_1, 1),
    BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, BPF_REG_0, BPF_REG_1, 0),
    BPF_JMP_IMM(BPF_JGE, BPF_REG_1, SLOTS - 1, "out"),
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1),
    BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 3),
    BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
    BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_7, 0),
    BPF_LABEL("out"),
    BPF_MOV64_IMM(BPF_REG_0, 0),
    BPF_EXIT_INSN(),
  ]);
}

/** A hook log on one target: its map, the CA's program fds, and a reader. */
export class HookLog {
  readonly mapFd: number;
  private seen = 0;

  constructor(private readonly ca: Ca) {
    const r = ca.be.bpf(BPF_MAP_CREATE, {
      map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8 * SLOTS, max_entries: 1, map_name: "hook_log",
    });
    ca.run.see("hook log map", r.errno);
    this.mapFd = r.ret;
  }

  /** Loads the logging CA's programs (the required hooks are reno's kfuncs). */
  progs(label: string): Record<string, number> {
    const fds: Record<string, number> = {};
    const load = (m: string, insns: Uint8Array): void => {
      const r = this.ca.loadProg(label, m, insns);
      if (r.errno !== 0) throw new Error(`${this.ca.run.t.name}: ${label}: PROG_LOAD ${m} failed with errno ${r.errno}\n${r.log}`);
      fds[m] = r.ret;
    };
    load("ssthresh", this.ca.kfuncInsns("tcp_reno_ssthresh", 1));
    load("cong_avoid", this.ca.kfuncInsns("tcp_reno_cong_avoid", 3));
    load("undo_cwnd", this.ca.kfuncInsns("tcp_reno_undo_cwnd", 1));
    for (const h of HOOKS) load(h, logInsns(this.mapFd, h));
    return fds;
  }

  /** Every entry logged since the last call, as "hook" / "hook(arg)" (recorded). */
  take(label: string): string {
    const value = new Uint8Array(8 * SLOTS);
    const r = this.ca.be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: this.mapFd, key: new Uint8Array(4), value });
    if (r.errno !== 0) return this.ca.run.see(`${label}: hook log`, `errno ${r.errno}`);
    const dv = new DataView(value.buffer);
    const n = Math.min(Number(dv.getBigUint64(0, true)), SLOTS - 1);
    const out: string[] = [];
    for (let i = this.seen; i < n; i++) {
      const code = Number(dv.getBigUint64(8 * (i + 1), true));
      const h = HOOKS[code >> 8] ?? `?${code >> 8}`;
      out.push(h === "init" || h === "release" ? h : `${h}(${code & 0xff})`);
    }
    this.seen = n;
    return this.ca.run.see(`${label}: hooks`, out.join(" "));
  }
}
