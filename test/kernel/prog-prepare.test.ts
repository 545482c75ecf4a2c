/**
 * @fileoverview Preparing a program for its engine, on its first run (the
 * model's kernel/bpf/core.c bpf_prog_select_runtime): a program the JIT
 * refuses runs on the interpreter with the reason in dmesg, as Linux runs
 * one its JIT fails on without CONFIG_BPF_JIT_ALWAYS_ON; and a socket whose
 * CA's init() fails is not left half-created (inet_create releases the sock
 * when initialisation fails: no socket without an fd).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counters, loadCa, createCaMap, updateCa, deleteCa, loadStructOpsProg, finish } from "./harness.js";
import type { Env } from "./harness.js";
import type { ProgRunner } from "../../src/kernel/prog/runner.js";
import { jaChain } from "../jit/large-gen.js";

const SYSCTL = "/proc/sys/net/ipv4/tcp_congestion_control";

/** Registers CA `name` (reno kfuncs) with `init` as its init program, and makes it the default; returns the map fd. */
function defaultCa(env: Env, name: string, init: Uint8Array | null): number {
  const cnt = counters(env);
  const progs = loadCa(env, cnt, init === null ? 0 : null);
  if (init !== null) {
    const r = loadStructOpsProg(env, "init", init);
    assert.equal(r.errno, 0, `load init: ${r.log}`);
    progs["init"] = r.ret;
  }
  const m = createCaMap(env, name, false).ret;
  assert.equal(updateCa(env, m, name, progs).errno, 0);
  assert.equal(env.p.writeFile(SYSCTL, name).errno, 0);
  return m;
}

/** Puts the default back and deletes the CA, so that finish() can check nothing leaked. */
function removeCa(env: Env, m: number): void {
  assert.equal(env.p.writeFile(SYSCTL, "cubic").errno, 0);
  assert.equal(deleteCa(env, m).errno, 0);
}

test("--engine jit: an init program beyond the JIT's limits (100,000 `ja +0`) runs on the interpreter, the reason in dmesg", () => {
  const env = boot({ engine: "jit" });
  const m = defaultCa(env, "tcp_ca_long", jaChain(100_000));
  const s = env.p.socket();
  assert.equal(s.errno, 0);
  assert.equal(env.p.getCongestion(s.ret).name, "tcp_ca_long");
  const prog = [...env.kernel.liveProgs].find((p) => p.attrs.prog_name === "init");
  assert.equal(prog?.runCnt, 1, "init ran once, without a fault");
  assert.match(env.kernel.dmesg.format(), /bpf: prog init \(id \d+\): prog "init": jit: \d+ basic blocks in one function exceeds the JIT's limit of 65520; running on the interpreter/);
  assert.equal(env.p.close(s.ret).errno, 0);
  removeCa(env, m);
  finish(env);
});

test("socket() whose CA init() throws leaves no socket and no fd behind (the socket table is unchanged)", () => {
  const failing: ProgRunner = {
    name: "failing",
    prepare() {
      throw new Error("engine failure");
    },
  };
  const env = boot({ runner: failing });
  const m = defaultCa(env, "tcp_ca_fail", null);
  const socks = [...env.kernel.socks.keys()];
  const fds = env.p.task.openFds();
  assert.throws(() => env.p.socket(), /engine failure/);
  assert.deepEqual([...env.kernel.socks.keys()], socks, "socket table unchanged");
  assert.deepEqual(env.p.task.openFds(), fds, "no new fd");
  assert.equal(env.kernel.leaks().filter((l) => l.startsWith("sock")).length, 0);
  removeCa(env, m);
  finish(env);
});
