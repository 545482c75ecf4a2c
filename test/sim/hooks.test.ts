/**
 * @fileoverview The sender calls ssthresh() and undo_cwnd() unconditionally,
 * as Linux does, because registration admits no algorithm without them
 * (tcp_validate_congestion_control, net/ipv4/tcp_cong.c): the registry
 * refuses such ops with EINVAL, and a hook call on ops that never went
 * through it is an error naming the rule, not a silent Reno fallback.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EINVAL } from "../../src/uapi/errno.js";
import type { TcpCcSocket, TcpCongestionOps } from "../../src/uapi/tcp-cc.js";
import { caSsthresh, caUndoCwnd, HOOKS_NONE } from "../../src/sim/tcp/hooks.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";

const sink = { hookLevel: HOOKS_NONE, hook: () => undefined };

test("tcp_validate_congestion_control: ops without ssthresh or undo_cwnd are refused (EINVAL), so the sender needs no fallback", () => {
  const k = new EmulatedKernel();
  const noSsthresh: TcpCongestionOps = { name: "no_ssthresh", flags: 0, key: 0, cong_avoid: () => undefined, undo_cwnd: (sk) => sk.snd_cwnd };
  const noUndo: TcpCongestionOps = { name: "no_undo", flags: 0, key: 0, cong_avoid: () => undefined, ssthresh: (sk) => sk.snd_cwnd };
  assert.equal(k.tcp.registry.register(noSsthresh), -EINVAL);
  assert.equal(k.tcp.registry.register(noUndo), -EINVAL);
  const sk = (ca: TcpCongestionOps): TcpCcSocket => ({ ca, snd_cwnd: 10, prior_cwnd: 20 }) as unknown as TcpCcSocket;
  assert.throws(() => caSsthresh(sk(noSsthresh), sink), /"no_ssthresh" has no ssthresh\(\).*tcp_validate_congestion_control/);
  assert.throws(() => caUndoCwnd(sk(noUndo), sink), /"no_undo" has no undo_cwnd\(\).*tcp_validate_congestion_control/);
  assert.equal(caSsthresh(sk(noUndo), sink), 10, "a present hook's answer");
});
