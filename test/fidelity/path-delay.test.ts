/**
 * @fileoverview path-delay.ts reads the kernel's tcp_probe tracepoint
 * (net/ipv4/tcp_input.c, tcp_rcv_established: snd_una and srtt before the
 * segment is processed) into one-way times per flight and RTT samples
 * (the sender's srtt at each ACK, turned into samples by rtt-samples.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flightDelays, parseProbe, senderTrace } from "./path-delay.js";
import { rttSamples } from "./rtt-samples.js";
import type { Probe } from "./path-delay.js";

const line = (t: string, src: string, len: number, una: number, srtt: number): string =>
  `  flow-1-2 [001] ..s2. ${t}: tcp_probe: family=AF_INET src=${src}:5001 dest=10.201.1.1:40000 mark=0x0 data_len=${len} snd_nxt=0x10 snd_una=0x${una.toString(16)} snd_cwnd=10 ssthresh=2147483647 snd_wnd=64512 srtt=${srtt} rcv_wnd=65160 sock_cookie=1 skbaddr=0 skaddr=0`;

test("parseProbe reads time, side, payload, snd_una and srtt; other lines are left out", () => {
  assert.deepEqual(parseProbe(line("100.000250", "10.201.2.1", 1448, 0, 0), "10.201.1.1"), { tMs: 100000.25, sender: false, len: 1448, una: 0, srttUs: 0 });
  assert.equal(parseProbe(line("1.5", "10.201.1.1", 0, 4096, 20500), "10.201.1.1")?.sender, true);
  assert.equal(parseProbe("  cat-1 [000] ..... 1.0: tcp_rcv_space_adjust: family=AF_INET", "10.201.1.1"), undefined);
});

test("flightDelays pairs each flight's first segment with the ACK covering it and the ACK with the first segment it released", () => {
  const mss = 1000;
  // Flight 1: segments 0-1 arrive at 0 and 0.1 ms; their ACKs reach the sender at 10.3 and 10.35; segment 2 arrives at 20.5.
  const p: Probe[] = [
    { tMs: 0, sender: false, len: mss, una: 0, srttUs: 0 },
    { tMs: 0.1, sender: false, len: mss, una: 0, srttUs: 0 },
    { tMs: 10.3, sender: true, len: 0, una: 5000, srttUs: 20000 },
    { tMs: 10.35, sender: true, len: 0, una: 6000, srttUs: 20100 },
    { tMs: 20.5, sender: false, len: mss, una: 0, srttUs: 0 },
    { tMs: 30.8, sender: true, len: 0, una: 7000, srttUs: 20200 },
    { tMs: 31, sender: true, len: 0, una: 8000, srttUs: 20300 },
  ];
  const d = flightDelays(p, mss, 2);
  assert.deepEqual(d.ack.map((x) => +x.toFixed(3)), [10.3, 10.3]);
  assert.deepEqual(d.data.map((x) => +x.toFixed(3)), [10.2]);
  // The first srtt is the handshake's; then m = 8 srtt' - 7 srtt: 8 * 20100 - 7 * 20000 = 20800.
  const r = rttSamples(senderTrace(p, 0), 0);
  assert.deepEqual([r.handshakeUs, ...r.samples], [20000, 20800, 20900, 21000]);
});
