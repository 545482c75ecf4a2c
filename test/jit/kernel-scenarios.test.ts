/**
 * @fileoverview The struct_ops programs of the kernel-model scenarios
 * (test/kernel/harness.ts) under the JIT and under "auto": KERNEL-SPEC.md
 * §9.1 (update_ca: a link swapped with BPF_LINK_UPDATE, init programs that
 * look up a map and add to it atomically, reno kfuncs) and a program that
 * faults (its warning in dmesg). Each scenario runs on every engine and must
 * leave exactly the trace the interpreter leaves: counters, CC list, map
 * states, dmesg. The whole test/kernel suite also runs on the JIT with
 * STRUCTOPS_ENGINE=jit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BPF_DW, BPF_REG_0, BPF_REG_1 } from "../../src/uapi/insn.js";
import { BPF_EXIT_INSN, BPF_LD_IMM64_RAW, BPF_LDX_MEM, assemble } from "../../src/asm/index.js";
import type { EngineName } from "../../src/backend/engines.js";
import {
  available, boot, counter, counters, createCaMap, finish, linkCreate, linkDetach, linkUpdate, loadCa, loadStructOpsProg,
  lookupState, sockWithCa, updateCa,
} from "../kernel/harness.js";

const ENGINES: readonly EngineName[] = ["interp", "jit", "auto"];

/** §9.1 update_ca with many sockets per version; returns everything observable. */
function updateCaTrace(engine: EngineName): unknown[] {
  const env = boot({ engine });
  const trace: unknown[] = [];
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true);
  const m2 = createCaMap(env, "ca_update_2", true);
  trace.push(updateCa(env, m1.ret, "tcp_ca_update", loadCa(env, cnt, 0)).errno);
  const link = linkCreate(env, m1.ret);
  trace.push(link.errno, available(env));
  for (let i = 0; i < 40; i++) trace.push(sockWithCa(env, "tcp_ca_update").errno);
  trace.push(counter(env, cnt, 0), lookupState(env, m1.ret).refcnt);
  trace.push(updateCa(env, m2.ret, "tcp_ca_update", loadCa(env, cnt, 1)).errno);
  trace.push(linkUpdate(env, link.ret, m2.ret).errno);
  for (let i = 0; i < 25; i++) trace.push(sockWithCa(env, "tcp_ca_update").errno);
  trace.push(counter(env, cnt, 0), counter(env, cnt, 1), lookupState(env, m2.ret).refcnt);
  trace.push(linkDetach(env, link.ret).errno, available(env));
  trace.push(env.kernel.dmesg.format());
  finish(env);
  return trace;
}

/**
 * A CA whose init reads an address (1 TiB) no kernel memory can hold: the run
 * faults and the kernel logs it. (A read just past the socket may land in the
 * next allocation, so it is no fault on every heap layout.)
 */
function faultTrace(engine: EngineName): unknown[] {
  const env = boot({ engine });
  const cnt = counters(env);
  const progs = loadCa(env, cnt, null);
  const bad = loadStructOpsProg(env, "init", assemble([...BPF_LD_IMM64_RAW(BPF_REG_1, 0, 1n << 40n), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()]));
  assert.equal(bad.errno, 0, bad.log);
  const m = createCaMap(env, "ca_fault", true);
  const trace: unknown[] = [updateCa(env, m.ret, "tcp_ca_fault", { ...progs, init: bad.ret }).errno];
  const link = linkCreate(env, m.ret);
  for (let i = 0; i < 20; i++) trace.push(sockWithCa(env, "tcp_ca_fault").errno);
  trace.push(env.kernel.dmesg.format());
  trace.push(linkDetach(env, link.ret).errno);
  finish(env);
  return trace;
}

for (const [name, scenario] of [["update_ca (§9.1)", updateCaTrace], ["a faulting init", faultTrace]] as const) {
  test(`struct_ops scenario ${name} leaves the same trace on every engine`, () => {
    const reference = scenario("interp");
    for (const engine of ENGINES.slice(1)) assert.deepEqual(scenario(engine), reference, engine);
  });
}

test("update_ca on the JIT counts what the interpreter counts (§9.1)", () => {
  const t = updateCaTrace("jit");
  assert.ok(t.includes(40n) && t.includes(25n), "init ran once per socket");
});

test("a faulting struct_ops program is reported in dmesg on the JIT as on the interpreter", () => {
  const log = faultTrace("jit").find((x) => typeof x === "string" && x.length > 0) as string | undefined;
  assert.ok(log !== undefined && /invalid read of 8 bytes/.test(log), String(log));
});
