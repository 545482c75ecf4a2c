/**
 * @fileoverview Bit-exactness of reno and cubic on long scripted runs, against
 * fixtures/cubic-ref.json from fixtures/cubic_ref.c.
 *
 * The C program models the same kernel rules with native u32/s32/u64 types,
 * so the C compiler does every wrap-around and sign conversion that the
 * TypeScript emulates by hand. Each scenario is a deterministic run of ACKs
 * (with stretch ACKs, missing and zero RTT samples, application-limited
 * periods), fast-recovery losses, RTOs, undos and idle restarts, crossing the
 * u32 wrap of jiffies, of the µs clock and of sequence numbers. This file
 * re-creates each run from its parameters with the same generator and draw
 * order, and compares a running hash of (cwnd, ssthresh, cwnd_cnt,
 * struct bictcp) taken after every event (recorded every `every` events, so a
 * failure names a window of events), then the final bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  CA_EVENT_COMPLETE_CWR,
  CA_EVENT_LOSS,
  CA_EVENT_TX_START,
  HZ,
  TCP_CA_Loss,
  TCP_CA_Open,
  TCP_CA_Recovery,
  type TcpCongestionOps,
} from "./ca-types.js";
import { createCubicTcp } from "./cubic.js";
import { createTcpReno } from "./reno.js";
import { TestSock } from "../../../test/net/tcp-cc/test-sock.js";

interface Scenario {
  name: string;
  ca: "cubic" | "reno";
  clamp: number;
  cwnd0: number;
  ssthresh0: number;
  seq0: number;
  j0: number;
  t0: number;
  pacing_rate: number;
  pacing_status: number;
  gso: number;
  events: number;
  base_rtt: number;
  capacity: number;
  seed: string;
  dtmul: number;
  dense: number;
  rto_pm: number;
  loss_pm: number;
  idle_pm: number;
  long_pct: number;
  slack: number;
  qus: number;
  initPriv: string;
  every: number;
  trace: number[];
  kinds: number[];
  final: { cwnd: number; ssthresh: number; cwnd_cnt: number; priv: string };
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/cubic-ref.json", import.meta.url), "utf8")) as { scenarios: Scenario[] };

const M64 = (1n << 64n) - 1n;

/** splitmix64, as fixtures/cubic_ref.c draws. */
class SplitMix {
  constructor(private s: bigint) {}
  next(): bigint {
    this.s = (this.s + 0x9e3779b97f4a7c15n) & M64;
    let z = this.s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  }
  below(n: number): number {
    return Number(this.next() % BigInt(n));
  }
}

/** Running FNV-1a of the state after an event, continuing from `h` (as the C reference). */
function stateHash(h: number, sk: TestSock): number {
  const eat = (b: number): void => {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  for (const w of [sk.snd_cwnd, sk.snd_ssthresh, sk.snd_cwnd_cnt]) for (let i = 0; i < 4; i++) eat((w >>> (8 * i)) & 0xff);
  for (let i = 0; i < 60; i++) eat(sk.caPriv.getUint8(i));
  return h;
}

const ACK_PICK = [1, 1, 1, 1, 1, 2, 2, 2, 3, 0];

function replay(sc: Scenario, ops: TcpCongestionOps): { sk: TestSock; kinds: number[] } {
  const rng = new SplitMix(BigInt(sc.seed));
  const jiffiesAt = (t: number): number => (sc.j0 + Math.floor((t - sc.t0) / (1_000_000 / HZ))) >>> 0;
  const sk = new TestSock({
    snd_cwnd: sc.cwnd0,
    snd_ssthresh: sc.ssthresh0,
    snd_cwnd_clamp: sc.clamp,
    snd_una: sc.seq0,
    snd_nxt: (sc.seq0 + sc.cwnd0 * 1000) >>> 0,
    tcp_mstamp: sc.t0,
    sk_pacing_rate: sc.pacing_rate,
    sk_pacing_status: sc.pacing_status,
    sk_gso_max_size: sc.gso,
    is_cwnd_limited: 1,
    max_packets_out: sc.cwnd0,
    lsndtime: 0,
  });
  sk.jiffies32 = sc.j0;
  ops.init?.(sk);
  assert.equal(sk.privHex(60), sc.initPriv, `${sc.name}: state after init`);

  const setState = (st: number): void => {
    ops.set_state?.(sk, st);
    sk.icsk_ca_state = st;
  };
  const kinds = [0, 0, 0, 0, 0, 0];
  let t = sc.t0;
  let recLeft = 0;
  let h = 0x811c9dc5;
  let recorded = 0;
  for (let i = 0; i < sc.events; i++) {
    const r = rng.below(1000);
    const jnow = jiffiesAt(t);
    let kind: number;
    if (sk.icsk_ca_state === TCP_CA_Recovery && recLeft-- <= 0) {
      kind = 5;
      setState(TCP_CA_Open);
      ops.cwnd_event?.(sk, CA_EVENT_COMPLETE_CWR);
    } else if (sk.icsk_ca_state === TCP_CA_Loss && sk.snd_cwnd >= sk.snd_ssthresh && r < 300) {
      kind = 5;
      setState(TCP_CA_Open);
    } else if (r < sc.rto_pm && sk.icsk_ca_state === TCP_CA_Open) {
      // RTO: tcp_enter_loss order.
      kind = 2;
      sk.prior_cwnd = sk.snd_cwnd;
      sk.snd_ssthresh = ops.ssthresh?.(sk) ?? 0;
      ops.cwnd_event?.(sk, CA_EVENT_LOSS);
      sk.snd_cwnd = 1;
      setState(TCP_CA_Loss);
    } else if (
      sk.icsk_ca_state === TCP_CA_Open &&
      ((sk.snd_cwnd > sc.capacity + sc.slack && rng.below(100) < 15) || r >= 1000 - sc.loss_pm)
    ) {
      // Fast recovery, with the window brought straight down to ssthresh.
      kind = 1;
      const ss = ops.ssthresh?.(sk) ?? 0;
      sk.prior_cwnd = sk.snd_cwnd;
      sk.snd_ssthresh = ss;
      setState(TCP_CA_Recovery);
      sk.snd_cwnd = ss;
      recLeft = 3 + rng.below(20);
    } else if (r < sc.rto_pm + sc.idle_pm && sk.icsk_ca_state === TCP_CA_Open) {
      // Data last sent a little before the ACKs stopped; idle; sending resumes with nothing in flight.
      kind = 4;
      const lsnd = (jnow - rng.below(40)) >>> 0;
      t += rng.below(100) < sc.long_pct ? 2200000000 + rng.below(100000000) : 100000 + rng.below(3000000);
      sk.jiffies32 = jiffiesAt(t);
      sk.tcp_mstamp = t;
      sk.lsndtime = lsnd;
      ops.cwnd_event?.(sk, CA_EVENT_TX_START);
    } else if (r < sc.rto_pm + sc.idle_pm + 3 && sk.icsk_ca_state === TCP_CA_Recovery) {
      kind = 3;
      sk.snd_cwnd = ops.undo_cwnd?.(sk) ?? 0;
      setState(TCP_CA_Open);
    } else {
      kind = 0;
      const dt = (rng.below(10) < sc.dense ? 30 + rng.below(900) : 200 + rng.below(6000)) * sc.dtmul;
      const acked = ACK_PICK[rng.below(10)] as number;
      const q = sk.snd_cwnd > sc.capacity ? (sk.snd_cwnd - sc.capacity) * sc.qus : 0;
      const rr = rng.below(100);
      const rtt = rr < 4 ? -1 : rr < 5 ? 0 : sc.base_rtt + q + rng.below(700);
      t += dt;
      sk.tcp_mstamp = t;
      sk.jiffies32 = jiffiesAt(t);
      sk.snd_una = (sk.snd_una + acked * 1000) >>> 0;
      sk.snd_nxt = (sk.snd_una + sk.snd_cwnd * 1000) >>> 0;
      sk.is_cwnd_limited = rng.below(10) < 9 ? 1 : 0;
      sk.max_packets_out = rng.below(10) < 8 ? sk.snd_cwnd : Math.floor(sk.snd_cwnd / 3);
      ops.pkts_acked?.(sk, { pkts_acked: acked, rtt_us: rtt, in_flight: 0 });
      if (sk.icsk_ca_state === TCP_CA_Open || sk.icsk_ca_state === TCP_CA_Loss) ops.cong_avoid?.(sk, sk.snd_una, acked);
    }
    kinds[kind] = (kinds[kind] as number) + 1;
    h = stateHash(h, sk);
    if ((i + 1) % sc.every === 0 || i + 1 === sc.events) {
      const want = sc.trace[recorded++];
      if (h !== want) {
        assert.fail(
          `${sc.name}: diverged within events ${i + 1 - sc.every}..${i} (last kind ${kind}): cwnd ${sk.snd_cwnd} ` +
            `ssthresh ${sk.snd_ssthresh} cnt ${sk.snd_cwnd_cnt} priv ${sk.privHex(60)}`,
        );
      }
    }
  }
  assert.equal(recorded, sc.trace.length);
  return { sk, kinds };
}

for (const sc of ref.scenarios) {
  test(`bit-exact with the C reference: ${sc.name} (${sc.events} events)`, () => {
    const ops = sc.ca === "cubic" ? createCubicTcp() : createTcpReno();
    const { sk, kinds } = replay(sc, ops);
    assert.deepEqual(kinds, sc.kinds);
    assert.deepEqual(
      { cwnd: sk.snd_cwnd, ssthresh: sk.snd_ssthresh, cwnd_cnt: sk.snd_cwnd_cnt, priv: sk.privHex(60) },
      sc.final,
    );
  });
}

test("the reference runs cover losses, RTOs, undo, idle restarts and both CAs", () => {
  const total = [0, 0, 0, 0, 0, 0];
  for (const sc of ref.scenarios) sc.kinds.forEach((k, i) => (total[i] = (total[i] as number) + k));
  assert.ok(ref.scenarios.some((s) => s.ca === "reno") && ref.scenarios.some((s) => s.ca === "cubic"));
  const [acks, losses, rtos, undos, idles, opens] = total as [number, number, number, number, number, number];
  assert.ok(acks > 10000 && losses >= 10 && rtos >= 10 && undos >= 3 && idles >= 30 && opens >= 20, JSON.stringify(total));
});
