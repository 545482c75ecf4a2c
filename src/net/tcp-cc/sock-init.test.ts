/**
 * @fileoverview A fresh socket's tcp_sock as Linux 6.18 initialises it
 * (net/core/sock.c sock_init_data, net/ipv4/tcp.c tcp_init_sock,
 * net/ipv4/tcp_input.c tcp_init_transfer), read from the bytes a BPF program
 * sees, and the fields the testbed's sender keeps current there
 * (docs/tcp-sock-fields.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel, getVmlinuxBtf } from "../../lib/kernel.js";
import { TcpSock } from "./sock.js";
import { Tcb } from "../../sim/tcp/tcb.js";

function freshSock(): { sk: TcpSock; u32: (f: string) => number; u64: (f: string) => bigint; jiffies: number } {
  const k = new EmulatedKernel();
  const sk = k.tcp.socket();
  assert.ok(sk instanceof TcpSock);
  const btf = getVmlinuxBtf();
  const dv = sk.mem.dv;
  return {
    sk,
    u32: (f) => dv.getUint32(sk.addr + btf.offsetOf("tcp_sock", f), true),
    u64: (f) => dv.getBigUint64(sk.addr + btf.offsetOf("tcp_sock", f), true),
    jiffies: Number(k.kernel.jiffies64 & 0xffffffffn),
  };
}

test("sock_init_data / tcp_init_sock / tcp_init_transfer: a fresh socket's sk_max_pacing_rate is ~0UL, reordering 3, mdev_us 1 s, snd_cwnd_stamp now", () => {
  const { u32, u64, jiffies } = freshSock();
  assert.equal(u64("sk_max_pacing_rate"), 0xffffffffffffffffn);
  assert.equal(u32("reordering"), 3);
  assert.equal(u32("mdev_us"), 1_000_000);
  assert.equal(u32("snd_cwnd_stamp"), jiffies);
  assert.equal(u32("prr_out"), 0);
  assert.equal(u32("high_seq"), 0);
});

test("tcp_init_cwnd_reduction's state is live in tcp_sock: high_seq as a byte sequence, prr_out, mdev_us, and snd_cwnd_stamp both ways", () => {
  const { sk, u32 } = freshSock();
  const tcb = new Tcb(sk, 1448, 1000);
  tcb.high_seq = 5;
  tcb.prr_out = 2;
  tcb.mdev_us = 1234;
  tcb.snd_cwnd_stamp = 77;
  assert.equal(u32("high_seq"), 1000 + 5 * 1448);
  assert.equal(tcb.high_seq, 5, "the sender keeps counting in segments");
  assert.equal(u32("prr_out"), 2);
  assert.equal(u32("mdev_us"), 1234);
  assert.equal(u32("snd_cwnd_stamp"), 77);
  // What a BPF congestion control writes (snd_cwnd_stamp is writable since 6.10) is what the sender then uses.
  sk.snd_cwnd_stamp = 99;
  assert.equal(tcb.snd_cwnd_stamp, 99);
});

test("icsk_ca_priv follows the kernel memory when it grows: the CA's view reads and writes the socket's bytes on the new buffer", () => {
  const k = new EmulatedKernel();
  const sk = k.tcp.socket();
  assert.ok(sk instanceof TcpSock);
  const off = getVmlinuxBtf().offsetOf("inet_connection_sock", "icsk_ca_priv");
  sk.caPriv.setUint32(4, 0xdeadbeef, true);
  const before = sk.mem.dv.buffer;
  // Enough to grow the memory (its heap starts small and grows by pages).
  assert.notEqual(k.kernel.mem.alloc(sk.mem.u8.length), 0);
  assert.notEqual(sk.mem.dv.buffer, before, "the memory grew");
  assert.equal(sk.caPriv.buffer, sk.mem.dv.buffer);
  assert.equal(sk.caPriv.getUint32(4, true), 0xdeadbeef);
  sk.caPriv.setUint32(8, 0x1234, true);
  assert.equal(sk.mem.dv.getUint32(sk.addr + off + 8, true), 0x1234);
});

test("tcp_init_sock / tcp_update_rtt_min: tcp_sock.rtt_min is Linux's windowed minimum (lib/win_minmax.c, 300 s): all three samples live, the minimum expires after the window", () => {
  const k = new EmulatedKernel();
  const sk = k.tcp.socket();
  assert.ok(sk instanceof TcpSock);
  const off = getVmlinuxBtf().offsetOf("tcp_sock", "rtt_min");
  const s = (i: number): [number, number] => [sk.mem.dv.getUint32(sk.addr + off + 8 * i, true), sk.mem.dv.getUint32(sk.addr + off + 8 * i + 4, true)];
  const j0 = Number(k.kernel.jiffies64 & 0xffffffffn);
  // minmax_reset(&tp->rtt_min, tcp_jiffies32, ~0U)
  for (let i = 0; i < 3; i++) assert.deepEqual(s(i), [j0, 0xffffffff]);
  assert.equal(sk.updateRttMin(20_000), 20_000);
  for (let i = 0; i < 3; i++) assert.deepEqual(s(i), [j0, 20_000]);
  // 100 s later a larger sample: past a quarter window the second and third best take it.
  k.kernel.advance(100_000_000_000n);
  assert.equal(sk.updateRttMin(30_000), 20_000);
  assert.deepEqual(s(1), [j0 + 100 * 250, 30_000]);
  assert.deepEqual(s(2), [j0 + 100 * 250, 30_000]);
  // 301 s after the minimum, it has left the window: tcp_min_rtt() is the second best now.
  k.kernel.advance(201_000_000_000n);
  assert.equal(sk.updateRttMin(40_000), 30_000);
  assert.equal(sk.rtt_min, 30_000);
});
