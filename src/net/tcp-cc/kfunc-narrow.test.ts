/**
 * @fileoverview The narrow forms of bpf_tcp_ca.c's kfuncs (helpers.ts
 * makeTcpKfuncs; runner.ts BpfNarrowCall): on any socket state and any u32
 * arguments, tcp_slow_start, tcp_cong_avoid_ai, tcp_reno_ssthresh,
 * tcp_reno_cong_avoid and tcp_reno_undo_cwnd give through their number form
 * the result their u64 form gives (zero-extended), leave the socket in the same
 * state, and throw the same error (a pointer that is no socket; w == 0 in
 * tcp_cong_avoid_ai, the kernel's divide error). The JIT relies on this to
 * call them without a BigInt on every ACK.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { BpfCallFn } from "../../kernel/prog/runner.js";
import { makeTcpKfuncs } from "./helpers.js";
import type { TcpCc } from "./subsystem.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";

const ADDR = 0x8000_1000;
const NAMES = ["tcp_slow_start", "tcp_cong_avoid_ai", "tcp_reno_ssthresh", "tcp_reno_cong_avoid", "tcp_reno_undo_cwnd"] as const;

/** The kfuncs over one socket at ADDR (a stand-in TcpCc that knows only it). */
function kfuncs(sock: TestSock): Map<string, BpfCallFn> {
  const tcc = { sockAt: (a: number) => (a === ADDR ? sock : undefined) } as unknown as TcpCc;
  const table = makeTcpKfuncs(tcc, (n) => NAMES.indexOf(n as (typeof NAMES)[number]) + 1, []);
  return new Map(NAMES.map((n, i) => [n, table.get(i + 1) as BpfCallFn]));
}

/** The call's result as text, or the error it threw. */
function attempt(fn: () => bigint | number): string {
  try {
    return `= ${BigInt(fn())}`;
  } catch (e) {
    return `throws ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
  }
}

const u32 = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff), fc.nat({ max: 0xffffffff }));
const state = fc.record({
  snd_cwnd: u32, snd_ssthresh: u32, snd_cwnd_cnt: u32, snd_cwnd_clamp: u32, prior_cwnd: u32, max_packets_out: u32,
  is_cwnd_limited: fc.constantFrom(0, 1),
});

test("each bpf_tcp_ca.c kfunc's narrow form agrees with its u64 form: result, socket state and error", () => {
  fc.assert(
    fc.property(fc.constantFrom(...NAMES), state, fc.constantFrom(ADDR, ADDR + 8), u32, u32, (name, init, sk, a, b) => {
      const wide = new TestSock(init);
      const narrow = new TestSock(init);
      const w = kfuncs(wide).get(name) as BpfCallFn;
      const n = (kfuncs(narrow).get(name) as BpfCallFn).narrow;
      assert.ok(n !== undefined, `${name} has a narrow form`);
      const args = [sk, a, b, 7, 9] as const;
      const viaU64 = attempt(() => w(BigInt(args[0]), BigInt(args[1]), BigInt(args[2]), BigInt(args[3]), BigInt(args[4])));
      const viaNarrow = attempt(() => n.fn(...args));
      assert.equal(viaNarrow, viaU64);
      assert.deepEqual({ ...narrow }, { ...wide });
      if (viaNarrow.startsWith("=")) assert.ok(BigInt(viaNarrow.slice(2)) <= 0xffffffffn, "a u32 result");
    }),
    { numRuns: 500 },
  );
});

test("the narrow forms read only the arguments their kernel signatures have", () => {
  const k = kfuncs(new TestSock());
  assert.deepEqual(NAMES.map((n) => k.get(n)?.narrow?.arity), [2, 3, 1, 3, 1]);
});
