/**
 * @fileoverview KERNEL-SPEC.md §9.6 incompl_cong_ops, §9.7 unsupp_cong_op and
 * the struct_ops GPL licence rule (§9.9 invalid_license).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, available, finish, stRef, lookupState, deleteCa, loadStructOpsProg, kfuncInsns, linkCreate } from "./harness.js";
import { BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_INUSE } from "../../src/uapi/bpf-flags.js";
import { EINVAL } from "../../src/uapi/errno.js";
import { BPF_ARSH, BPF_DIV, BPF_LSH, BPF_MOD, BPF_REG_0, BPF_RSH } from "../../src/uapi/insn.js";
import { assemble, BPF_ALU32_IMM, BPF_ALU64_IMM, BPF_EXIT_INSN, BPF_MOV64_IMM } from "../../src/asm/builders.js";

test("incompl_cong_ops: non-link map lacking cong_avoid → update EINVAL, stays INIT, all zero, retry allowed (§9.6)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "ca_incompl", false).ret;
  const progs = loadCa(env, cnt, null);
  const { cong_avoid, ...incomplete } = progs;
  assert.equal(updateCa(env, m, "tcp_ca_incompl", incomplete).errno, EINVAL);
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INIT, 0]);
  assert.ok(lookupState(env, m).value.every((b) => b === 0), "lookup all zero");
  assert.equal(available(env), "reno bbr cubic");
  assert.equal(updateCa(env, m, "tcp_ca_incompl", { ...incomplete, cong_avoid: cong_avoid! }).errno, 0, "retry allowed");
  assert.deepEqual(stRef(env, m), [BPF_STRUCT_OPS_STATE_INUSE, 1]);
  assert.equal(available(env), "reno bbr cubic tcp_ca_incompl");
  assert.equal(linkCreate(env, m).errno, EINVAL, "non-link map cannot be linked");
  // An INUSE non-link map survives fd closes (§3.1): delete it as libbpf's destroy does.
  assert.equal(deleteCa(env, m).errno, 0);
  finish(env);
});

test("unsupp_cong_op: a program for get_info fails to load with ENOTSUPP and the verifier's message (§9.7)", () => {
  const env = boot();
  const r = loadStructOpsProg(env, "get_info", kfuncInsns("tcp_reno_undo_cwnd", 1));
  assert.equal(r.errno, 524);
  assert.match(r.log, /attach to unsupported member get_info of struct tcp_congestion_ops/);
  finish(env);
});

test("struct_ops programs with a non-GPL licence are rejected with EINVAL (§9.9 invalid_license)", () => {
  const env = boot();
  const r = loadStructOpsProg(env, "ssthresh", kfuncInsns("tcp_reno_ssthresh", 1), "MIT");
  assert.equal(r.errno, EINVAL);
  // Linux 6.18 checks kfunc calls (add_kfunc_call) before the struct_ops rule; test/parity compares both logs.
  assert.match(r.log, /cannot call kernel function from non-GPL compatible program/);
  assert.equal(loadStructOpsProg(env, "ssthresh", kfuncInsns("tcp_reno_ssthresh", 1), "Dual MIT/GPL").errno, 0);
  finish(env);
});

test("the verifier refuses division by an immediate 0 and out-of-range immediate shifts at load (check_alu_op)", () => {
  const env = boot();
  const prog = (insn: ReturnType<typeof BPF_ALU64_IMM>): Uint8Array =>
    assemble([BPF_MOV64_IMM(BPF_REG_0, 7), insn, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
  const div0 = loadStructOpsProg(env, "ssthresh", prog(BPF_ALU64_IMM(BPF_DIV, BPF_REG_0, 0)));
  assert.equal(div0.errno, EINVAL);
  assert.match(div0.log, /^div by zero$/m);
  assert.equal(loadStructOpsProg(env, "ssthresh", prog(BPF_ALU32_IMM(BPF_MOD, BPF_REG_0, 0))).errno, EINVAL);
  const sh32 = loadStructOpsProg(env, "ssthresh", prog(BPF_ALU32_IMM(BPF_LSH, BPF_REG_0, 32)));
  assert.equal(sh32.errno, EINVAL);
  assert.match(sh32.log, /^invalid shift 32$/m);
  assert.match(loadStructOpsProg(env, "ssthresh", prog(BPF_ALU64_IMM(BPF_ARSH, BPF_REG_0, -1))).log, /^invalid shift -1$/m);
  // In range: accepted (the register forms are defined at run time by RFC 9669).
  assert.equal(loadStructOpsProg(env, "ssthresh", prog(BPF_ALU32_IMM(BPF_RSH, BPF_REG_0, 31))).errno, 0);
  assert.equal(loadStructOpsProg(env, "ssthresh", prog(BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 63))).errno, 0);
  assert.equal(loadStructOpsProg(env, "ssthresh", prog(BPF_ALU64_IMM(BPF_DIV, BPF_REG_0, 3))).errno, 0);
  finish(env);
});
