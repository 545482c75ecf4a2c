/**
 * @fileoverview Kernel memory and object lifetimes through bpf(2) (issue #16
 * parts 2 and 4, issue #15 items 8 and 11):
 *   - map churn of random sizes up to 128 MiB never exhausts kernel memory
 *     and ends at the boot state (kernel/mem: coalescing allocator);
 *   - memory a map wrote is zero for its next owner;
 *   - BPF_PROG_LOAD refuses ld_imm64 of a struct_ops map with EINVAL
 *     (kernel/bpf/verifier.c check_map_prog_compatibility), so a program in a
 *     struct_ops map cannot hold that map;
 *   - an exited process refuses every call, and its objects are gone;
 *   - property: random bpf(2) and socket sequences, then exit and settle,
 *     leave no object, ID or kernel memory behind (test/kernel/invariants.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_UPDATE_ELEM,
  BPF_BTF_LOAD, BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS,
} from "../../src/uapi/bpf-enums.js";
import { EINVAL, ENOMEM } from "../../src/uapi/errno.js";
import { BPF_REG_0, BPF_REG_1 } from "../../src/uapi/insn.js";
import { assemble, BPF_EXIT_INSN, BPF_LD_MAP_FD, BPF_LD_MAP_VALUE, BPF_MOV64_IMM } from "../../src/asm/index.js";
import { BtfBuilder } from "../../src/kernel/btf/builder.js";
import { ProcessExitedError } from "../../src/backend/model-process.js";
import {
  boot, counters, counter, createCaMap, linkCreate, linkDetach, loadCa, loadStructOpsProg, sockWithCa, updateCa, incCounterInsns, TCP_OPS, member,
} from "./harness.js";
import type { Env } from "./harness.js";
import type { ArrayState } from "../../src/kernel/map/array.js";
import { assertKernelInvariants, assertQuiescent, kernelInvariantViolations } from "./invariants.js";

const MiB = 1 << 20;

/** A small deterministic generator (xorshift32) so the churn test is the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Address of element 0 of the array map named `name`. */
function arrayBase(env: Env, name: string): number {
  const m = env.kernel.mapIdr.values().find((x) => x.attrs.map_name === name);
  assert.ok(m !== undefined, name);
  return (m.priv as ArrayState).base;
}

function key32(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i, true);
  return k;
}

test("10,000 rounds of array and hash map create/close, sizes up to 128 MiB, end at the boot state and the next 128 MiB map is created (issue #16)", () => {
  const env = boot();
  const { p, kernel } = env;
  const mem = kernel.mem;
  const bootHeap = mem.heapBytes;
  const r = rng(0x16);
  for (let round = 0; round < 10_000; round++) {
    // Sizes spread over every scale up to 128 MiB (log-uniform), and a 128 MiB map every 500 rounds.
    const bytes = round % 500 === 0 ? 128 * MiB : Math.max(8, Math.floor(2 ** (3 + r() * 24)));
    const value_size = Math.min(bytes, 8 * (1 + Math.floor(r() * 512)));
    const max_entries = Math.max(1, Math.floor(bytes / value_size));
    const hash = r() < 0.5;
    const m = p.bpf(BPF_MAP_CREATE, { map_type: hash ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY, key_size: 4, value_size, max_entries });
    assert.equal(m.errno, 0, `round ${round}: ${hash ? "hash" : "array"} map of ${value_size} x ${max_entries}`);
    if (r() < 0.25) {
      // Some maps get written, so their memory must be zeroed when freed.
      const value = new Uint8Array(value_size).fill(0xa5);
      for (let i = 0; i < 3; i++) assert.equal(p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m.ret, key: key32(i % max_entries), value, flags: 0 }).errno, 0);
    }
    p.close(m.ret);
    // bpf_map_free_deferred: the memory comes back after the deferred work runs.
    kernel.settle();
    assert.ok(mem.heapBytes <= bootHeap + 128 * MiB + 4096, `round ${round}: heap ${mem.heapBytes} grew past one largest map`);
  }
  assert.deepEqual(kernel.leaks().filter((l) => !l.startsWith(`pid ${p.pid} fd ${env.btfFd}`) && !l.startsWith("btf ")), [], "no map, callback or kernel memory left");
  assert.equal(mem.heapBytes, bootHeap);
  assert.ok(mem.highWaterBytes <= bootHeap + 128 * MiB + 4096, "the high-water mark is one largest map, not a sum over rounds");
  const last = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4096, max_entries: 32 * 1024 });
  assert.equal(last.errno, 0, "the next 128 MiB allocation succeeds");
  p.close(last.ret);
  p.exit();
  assertQuiescent(kernel);
});

test("ENOMEM only when live maps fill the memory limit (EmulatedKernel option memory.maxBytes)", () => {
  const env = boot({ memory: { maxBytes: 64 * MiB } });
  const { p, kernel } = env;
  // 64 MiB limit: 8 MiB shadow, 56 MiB heap (minus boot allocations).
  const fds: number[] = [];
  for (;;) {
    const m = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4096, max_entries: 1024 });
    if (m.errno !== 0) {
      assert.equal(m.errno, ENOMEM);
      break;
    }
    fds.push(m.ret);
  }
  assert.equal(fds.length, 13, "13 live 4 MiB maps fill a 56 MiB heap that also holds the boot allocations");
  for (const fd of fds) p.close(fd);
  kernel.settle();
  // All of it is usable again, in one piece.
  const big = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4096, max_entries: 13 * 1024 });
  assert.equal(big.errno, 0);
  p.close(big.ret);
  p.exit();
  assertQuiescent(kernel);
});

test("memory a map wrote through the syscall or a program is zero for the next map at the same address", () => {
  const env = boot();
  const { p, kernel } = env;
  // Syscall writes.
  const a = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4096, map_name: "a" });
  assert.equal(a.errno, 0);
  const baseA = arrayBase(env, "a");
  assert.equal(p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: a.ret, key: key32(4095), value: new Uint8Array(8).fill(0xff), flags: 0 }).errno, 0);
  p.close(a.ret);
  kernel.settle();
  const b = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4096, map_name: "b" });
  assert.equal(arrayBase(env, "b"), baseA, "the new map reuses the freed memory");
  const out = new Uint8Array(8).fill(1);
  assert.equal(p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: b.ret, key: key32(4095), value: out }).errno, 0);
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0, 0, 0], "syscall-written memory was zeroed");
  p.close(b.ret);
  kernel.settle();
  // A program's write through the pointer bpf_map_lookup_elem gave it (a CA's init counting).
  const cnt = counters(env, 4096, "written");
  const m = createCaMap(env, "ca_zero", true);
  assert.equal(updateCa(env, m.ret, "tcp_ca_zero", loadCa(env, cnt, 7)).errno, 0);
  const l = linkCreate(env, m.ret);
  assert.equal(l.errno, 0);
  const s = sockWithCa(env, "tcp_ca_zero");
  assert.equal(s.errno, 0);
  assert.equal(counter(env, cnt, 7), 1n, "init ran and wrote the counter");
  const baseW = arrayBase(env, "written");
  p.close(s.fd);
  for (const fd of p.task.openFds()) p.close(fd);
  kernel.settle();
  assertKernelInvariants(kernel);
  const again = counters(env, 4096, "fresh");
  assert.equal(arrayBase(env, "fresh"), baseW, "the new map reuses the freed memory");
  assert.equal(counter(env, again, 7), 0n, "program-written memory was zeroed");
  p.exit();
  assertQuiescent(kernel);
});

test("BPF_PROG_LOAD refuses ld_imm64 of a struct_ops map with EINVAL and the verifier's message (check_map_prog_compatibility)", () => {
  const env = boot();
  const m = createCaMap(env, "ca_self", true);
  assert.equal(m.errno, 0);
  const map = env.kernel.mapIdr.values().find((x) => x.attrs.map_name === "ca_self");
  assert.ok(map !== undefined);
  const ref0 = map.refcnt.count;
  for (const [what, ld] of [["BPF_PSEUDO_MAP_FD", BPF_LD_MAP_FD(BPF_REG_1, m.ret)], ["BPF_PSEUDO_MAP_VALUE", BPF_LD_MAP_VALUE(BPF_REG_1, m.ret, 0)]] as const) {
    const insns = assemble([ld, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
    const r = loadStructOpsProg(env, "init", insns);
    assert.equal(r.errno, EINVAL, what);
    assert.match(r.log, /bpf_struct_ops map cannot be used in prog/, what);
    assert.equal(map.refcnt.count, ref0, `${what}: the refused load holds no reference on the map`);
  }
  // The cycle: a counter program of the struct_ops map itself cannot be built.
  const cyc = loadStructOpsProg(env, "init", incCounterInsns(m.ret, 0));
  assert.equal(cyc.errno, EINVAL);
  env.p.exit();
  assertQuiescent(env.kernel);
});

test("an exited process refuses every call with ProcessExitedError and leaves nothing behind", () => {
  const env = boot();
  const { p, kernel } = env;
  const m = p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 4 });
  assert.equal(m.errno, 0);
  const s = p.socket();
  assert.equal(s.errno, 0);
  p.exit();
  assert.equal(p.exited, true);
  const calls: [string, () => unknown][] = [
    ["bpf", () => p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 1 })],
    ["socket", () => p.socket()],
    ["close", () => p.close(m.ret)],
    ["setsockopt", () => p.setCongestion(s.ret, "reno")],
    ["getsockopt", () => p.getCongestion(s.ret)],
    ["read", () => p.readFile("/proc/sys/net/ipv4/tcp_congestion_control")],
    ["write", () => p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", "reno")],
    ["poll", () => p.poll(m.ret)],
    ["exit", () => p.exit()],
  ];
  for (const [call, fn] of calls) {
    assert.throws(fn, (e: unknown) => e instanceof ProcessExitedError && e.call === call && e.pid === p.pid, call);
  }
  assertQuiescent(kernel);
});

// ---- property: random bpf(2) and socket sequences, then exit ------------------------------

type Op =
  | { op: "array"; bytes: number; value: number }
  | { op: "hash"; entries: number; value: number }
  | { op: "update"; map: number; key: number }
  | { op: "delete"; map: number; key: number }
  | { op: "prog"; map: number; value: boolean }
  | { op: "btf" }
  | { op: "ca"; ready: boolean }
  | { op: "link"; map: number }
  | { op: "detach"; link: number }
  | { op: "socket"; cc: number }
  | { op: "close"; fd: number }
  | { op: "gp" };

const I = fc.nat({ max: 31 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("array" as const), bytes: fc.integer({ min: 8, max: 4 * MiB }), value: fc.integer({ min: 1, max: 256 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("hash" as const), entries: fc.integer({ min: 1, max: 64 }), value: fc.integer({ min: 1, max: 4096 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("update" as const), map: I, key: fc.nat({ max: 70 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), map: I, key: fc.nat({ max: 70 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("prog" as const), map: I, value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("btf" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("ca" as const), ready: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("link" as const), map: I }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("detach" as const), link: I }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("socket" as const), cc: fc.nat({ max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("close" as const), fd: I }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("gp" as const) }) },
);

type Kind = "array" | "hash" | "prog" | "btf" | "ca" | "link" | "sock";

function step(env: Env, held: { fd: number; kind: Kind }[], o: Op, caSeq: { n: number }): void {
  const { p } = env;
  const of = (k: Kind | Kind[], i: number): number | undefined => {
    const l = held.filter((h) => (Array.isArray(k) ? k.includes(h.kind) : h.kind === k));
    return l.length === 0 ? undefined : (l[i % l.length] as { fd: number }).fd;
  };
  const keep = (r: { ret: number; errno: number }, kind: Kind): void => {
    if (r.errno === 0) held.push({ fd: r.ret, kind });
  };
  switch (o.op) {
    case "array": {
      const value_size = Math.min(o.value * 8, o.bytes);
      keep(p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size, max_entries: Math.max(1, Math.floor(o.bytes / value_size)) }), "array");
      break;
    }
    case "hash":
      keep(p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_HASH, key_size: 4, value_size: o.value, max_entries: o.entries }), "hash");
      break;
    case "update":
    case "delete": {
      const fd = of(["array", "hash"], o.map);
      if (fd === undefined) break;
      const info = p.task.file(fd);
      const vs = info?.target.kind === "map" ? info.target.obj.attrs.value_size : 8;
      if (o.op === "update") p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: fd, key: key32(o.key), value: new Uint8Array(vs).fill(o.key), flags: 0 });
      else p.bpf(BPF_MAP_DELETE_ELEM, { map_fd: fd, key: key32(o.key) });
      break;
    }
    case "prog": {
      // Programs that use a map (array, hash or a struct_ops map, which is refused).
      const fd = of(["array", "hash", "ca"], o.map);
      if (fd === undefined) break;
      const ld = o.value ? BPF_LD_MAP_VALUE(BPF_REG_1, fd, 0) : BPF_LD_MAP_FD(BPF_REG_1, fd);
      const insns = assemble([ld, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
      keep(p.bpf(BPF_PROG_LOAD, { prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: insns.length / 8, license: "GPL", expected_attach_type: member("init"), attach_btf_id: TCP_OPS.typeId }), "prog");
      break;
    }
    case "btf": {
      const b = new BtfBuilder();
      b.int("int", 4, 1);
      const blob = b.encode();
      keep(p.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length }), "btf");
      break;
    }
    case "ca": {
      // A BPF_F_LINK struct_ops map, made READY with fresh programs (counting into a fresh map).
      const m = createCaMap(env, `ca_${caSeq.n}`, true);
      keep(m, "ca");
      if (m.errno === 0 && o.ready) {
        const cnt = counters(env, 4, `cnt_${caSeq.n}`);
        held.push({ fd: cnt, kind: "array" });
        const progs = loadCa(env, cnt, 0);
        for (const fd of Object.values(progs)) held.push({ fd, kind: "prog" });
        updateCa(env, m.ret, `tcp_ca_${caSeq.n}`, progs);
      }
      caSeq.n++;
      break;
    }
    case "link": {
      const fd = of("ca", o.map);
      if (fd !== undefined) keep(linkCreate(env, fd), "link");
      break;
    }
    case "detach": {
      const fd = of("link", o.link);
      if (fd !== undefined) linkDetach(env, fd);
      break;
    }
    case "socket": {
      const names = ["reno", "cubic", ...Array.from({ length: caSeq.n }, (_, i) => `tcp_ca_${i}`)];
      const s = p.socket();
      keep(s, "sock");
      if (s.errno === 0) p.setCongestion(s.ret, names[o.cc % names.length] as string);
      break;
    }
    case "close": {
      if (held.length === 0) break;
      const [h] = held.splice(o.fd % held.length, 1);
      assert.equal(p.close((h as { fd: number }).fd).errno, 0);
      break;
    }
    case "gp":
      env.kernel.rcu.gracePeriod();
      break;
  }
}

test("property: random bpf(2) and socket sequences, then exit and settle: no object, ID, fd, socket or kernel memory left", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
      const env = boot();
      const held: { fd: number; kind: Kind }[] = [];
      const caSeq = { n: 0 };
      for (const o of ops) {
        step(env, held, o, caSeq);
        assert.deepEqual(kernelInvariantViolations(env.kernel), [], `after ${JSON.stringify(o)}`);
      }
      env.p.exit();
      assertQuiescent(env.kernel);
    }),
    { numRuns: 60 },
  );
});
