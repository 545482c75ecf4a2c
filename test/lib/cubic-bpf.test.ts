/**
 * @fileoverview The BPF CUBIC fixture (test/fixtures/cubic.bpf.c, both
 * builds) loaded through the library into the emulated kernel and driven
 * side by side with the built-in TypeScript cubic (src/net/tcp-cc/cubic.ts):
 * two sockets of the same kernel get the same scripted ACKs (with RTT
 * samples and stretch ACKs), fast-recovery losses, RTOs, undos and idle
 * restarts; after every event snd_cwnd, snd_ssthresh and snd_cwnd_cnt must be
 * identical. The hooks are called as tcp_input.c/tcp_cong.c call them
 * (KERNEL-SPEC.md §7.5): pkts_acked then cong_avoid in Open, ssthresh and
 * set_state on entering Recovery/Loss, cwnd_event on TX_START, LOSS and
 * COMPLETE_CWR, undo_cwnd on an undo.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CA_EVENT_COMPLETE_CWR, CA_EVENT_LOSS, CA_EVENT_TX_START, TCP_CA_Loss, TCP_CA_Open, TCP_CA_Recovery,
} from "../../src/net/tcp-cc/ca-types.js";
import type { TcpSock } from "../../src/net/tcp-cc/sock.js";
import { FLAVORS, loadFixture, sockOn, teardown } from "./helpers.js";

/** xorshift32: the script's only randomness, seeded. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const MSS = 1448;

function setState(sk: TcpSock, state: number): void {
  sk.ca.set_state?.(sk, state);
  sk.icsk_ca_state = state;
}

for (const flavor of FLAVORS) {
  test(`BPF cubic (${flavor} build) equals the built-in cubic after every event of scripted runs`, () => {
    const env = loadFixture("cubic", flavor);
    const link = env.obj.attachStructOps("fx_cubic");
    for (const seed of [1, 7, 2024]) {
      const r = rng(seed);
      const ts = env.p.socket();
      const bpf = sockOn(env, "fx_cubic");
      assert.equal(bpf.errno, 0);
      assert.equal(env.p.getCongestion(ts.ret).name, "cubic");
      const pair = [env.p.sock(ts.ret), env.p.sock(bpf.fd)] as TcpSock[];
      let una = 1_000_000, mstamp = 5_000_000;
      const minRtt = 20_000 + r(80_000);
      let maxCwnd = 0, losses = 0;
      const apply = (f: (sk: TcpSock) => void): void => pair.forEach(f);
      // The two connections have their own ISNs, and each algorithm's init ran
      // with its own snd_nxt (HyStart's end_seq): start both from the same
      // sequence space and run init again, as tcp_reinit_congestion_control would.
      apply((sk) => {
        sk.snd_una = una;
        sk.snd_nxt = una;
        sk.tcp_mstamp = mstamp;
        sk.mss_cache = MSS;
        sk.ca.init?.(sk);
      });
      for (let ev = 0; ev < 3000; ev++) {
        const kind = r(1000);
        let what: string;
        if (kind < 986) {
          // An ACK: time passes, data is acknowledged, an RTT sample (sometimes none).
          const dt = 200 + r(minRtt >>> 1);
          env.k.advance(BigInt(dt) * 1000n);
          mstamp += dt;
          const acked = 1 + (r(10) === 0 ? r(16) : r(2));
          una = (una + acked * MSS) >>> 0;
          const rtt = r(20) === 0 ? -1 : minRtt + r(minRtt);
          const limited = r(8) !== 0 ? 1 : 0;
          apply((sk) => {
            sk.tcp_mstamp = mstamp;
            sk.snd_una = una;
            sk.snd_nxt = (una + sk.snd_cwnd * MSS) >>> 0;
            sk.is_cwnd_limited = limited;
            sk.max_packets_out = limited ? sk.snd_cwnd : sk.snd_cwnd >>> 2;
            sk.packets_out = sk.max_packets_out;
            sk.ca.pkts_acked?.(sk, { pkts_acked: acked, rtt_us: rtt, in_flight: sk.snd_cwnd });
            if (sk.icsk_ca_state === TCP_CA_Open) sk.ca.cong_avoid?.(sk, una, acked);
          });
          what = `ack ${acked} rtt ${rtt}`;
        } else if (kind < 992) {
          // Fast recovery: ssthresh, Recovery, cwnd to ssthresh, back to Open with COMPLETE_CWR.
          apply((sk) => {
            sk.snd_ssthresh = sk.ca.ssthresh?.(sk) ?? sk.snd_ssthresh;
            setState(sk, TCP_CA_Recovery);
            sk.snd_cwnd = Math.max(sk.snd_ssthresh, 2);
            setState(sk, TCP_CA_Open);
            sk.ca.cwnd_event?.(sk, CA_EVENT_COMPLETE_CWR);
          });
          what = "loss";
          losses++;
        } else if (kind < 994) {
          // RTO: Loss state, cwnd 1, then recovery to Open.
          apply((sk) => {
            setState(sk, TCP_CA_Loss);
            sk.snd_ssthresh = sk.ca.ssthresh?.(sk) ?? sk.snd_ssthresh;
            sk.snd_cwnd = 1;
            sk.ca.cwnd_event?.(sk, CA_EVENT_LOSS);
            setState(sk, TCP_CA_Open);
          });
          what = "rto";
        } else if (kind < 997) {
          apply((sk) => {
            sk.snd_cwnd = sk.ca.undo_cwnd?.(sk) ?? sk.snd_cwnd;
          });
          what = "undo";
        } else {
          // Idle, then a transmit restart.
          const idle = 100_000 + r(2_000_000);
          env.k.advance(BigInt(idle) * 1000n);
          mstamp += idle;
          apply((sk) => {
            sk.tcp_mstamp = mstamp;
            sk.ca.cwnd_event?.(sk, CA_EVENT_TX_START);
          });
          what = "idle";
        }
        const [a, b] = pair as [TcpSock, TcpSock];
        maxCwnd = Math.max(maxCwnd, a.snd_cwnd);
        assert.deepEqual(
          [b.snd_cwnd, b.snd_ssthresh, b.snd_cwnd_cnt],
          [a.snd_cwnd, a.snd_ssthresh, a.snd_cwnd_cnt],
          `seed ${seed} event ${ev} (${what}): BPF vs built-in (cwnd, ssthresh, cwnd_cnt)`,
        );
      }
      assert.ok(maxCwnd > 20 && losses > 3, `the run went somewhere: max cwnd ${maxCwnd}, ${losses} losses`);
      env.p.close(ts.ret);
      env.p.close(bpf.fd);
    }
    assert.equal(env.k.dmesg().includes("fault"), false, env.k.dmesg());
    link.close();
    teardown(env);
  });
}
