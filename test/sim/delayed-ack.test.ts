/**
 * @fileoverview The receiver's ACK timing as Linux 6.18 (net/ipv4/
 * tcp_input.c __tcp_ack_snd_check, tcp_event_data_recv; tcp_output.c
 * tcp_send_delayed_ack; tcp_timer.c tcp_delack_timer_handler): the
 * delayed-ACK timer fires on a jiffy tick `ato` jiffies after the current
 * one, `ato` doubles when it fires, and out-of-order segments beyond the
 * third duplicate ACK per rcv_nxt are compressed behind a timer of
 * min(1 ms, rtt / 20) (tcp_comp_sack_delay_ns).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { READER_WAKE_NS, TcpReceiver } from "../../src/sim/tcp/receiver.js";
import { Packet, TH_PSH } from "../../src/sim/net/packet.js";
import { MS } from "../../src/sim/index.js";

const MSS = 1448;
const JIFFY = 4 * MS;

/** A receiver on a path of `rttMs` (40 ms unless given) with a fake host recording ACKs and timers. */
function rig(rttMs = 40): {
  rx: TcpReceiver;
  acks: { t: number; ack: number }[];
  delack: number[];
  comp: number[];
  reads: number[];
  at: (t: number) => void;
  seg: (n: number, flags?: number) => void;
} {
  let now = 0;
  const acks: { t: number; ack: number }[] = [];
  const delack: number[] = [];
  const comp: number[] = [];
  const reads: number[] = [];
  const rx = new TcpReceiver(
    {
      get nowNs() {
        return now;
      },
      newAck: () => new Packet(),
      sendAck: (p) => {
        acks.push({ t: now, ack: p.seg });
      },
      setDelackTimer: (a) => delack.push(a),
      setCompSackTimer: (a) => comp.push(a),
      setReadTimer: (a) => reads.push(a),
      seqOf: (s) => s * MSS,
    },
    true, null, { hookLevel: 0, hook: () => {} }, MSS, 0, rttMs * MS,
  );
  const seg = (n: number, flags = 0): void => {
    const p = new Packet();
    p.seg = n;
    p.tcpFlags = flags;
    p.payload = MSS;
    p.size = MSS + 52;
    // Echoes a timestamp one RTT old: the receiver's own RTT estimate (tcp_rcv_rtt_measure_ts) is the path's.
    p.tsecr = Math.max(1, Math.floor(now / MS) - rttMs);
    rx.receive(p);
  };
  return { rx, acks, delack, comp, reads, at: (t) => (now = t), seg };
}

test("delayed ACK: a lone segment arms the timer on a jiffy tick 10 jiffies (40 ms) after the current one, bounded by srtt; quick ACKs after an idle RTO", () => {
  const r = rig();
  // 200 segments 2 ms apart: quick ACKs run out once the window stops growing; then one segment alone.
  let t = 0;
  for (let s = 0; s < 200; s++) {
    r.at((t += 2 * MS));
    r.seg(s);
  }
  const t0 = t + 2 * MS + 1_234_567;
  r.at(t0);
  r.seg(200);
  if (r.acks.at(-1)?.ack === 201) {
    // Still in quick-ACK mode (the window grew): nothing to check here, which would make the test vacuous.
    assert.fail("the receiver was still in quick-ACK mode after 200 segments");
  }
  const armed = r.delack.at(-1) as number;
  assert.equal(armed % JIFFY, 0, "on a jiffy tick");
  assert.equal(armed, (Math.floor(t0 / JIFFY) + 10) * JIFFY);
  r.at(armed);
  r.rx.onDelack();
  assert.deepEqual(r.acks.at(-1), { t: armed, ack: 201 });
  // The next lone segment 12 ms later: ato (doubled to 20 jiffies) becomes 20/2 + 5 = 15, and
  // tcp_send_delayed_ack bounds it by the receiver's srtt (40 ms = 10 jiffies): 40 ms again.
  const t1 = armed + 12 * MS;
  r.at(t1);
  r.seg(201);
  assert.equal(r.delack.at(-1), (Math.floor(t1 / JIFFY) + 10) * JIFFY);
  r.at(r.delack.at(-1) as number);
  r.rx.onDelack();
  // A segment after an idle gap longer than the receiver's RTO (40 + 200 ms): quick-ACK mode again, an ACK at once.
  const t2 = (r.delack.at(-1) as number) + 300 * MS;
  r.at(t2);
  r.seg(202);
  assert.deepEqual(r.acks.at(-1), { t: t2, ack: 203 });
});

test("out-of-order data: three duplicate ACKs at once per rcv_nxt, then SACKs compressed behind min(1 ms, rtt/20)", () => {
  const r = rig();
  let t = 0;
  for (let s = 0; s < 200; s++) {
    r.at((t += 2 * MS));
    r.seg(s);
  }
  const before = r.acks.length;
  // Segment 200 is lost; 201..210 arrive 100 us apart.
  for (let s = 201; s <= 210; s++) {
    r.at((t += 100_000));
    r.seg(s);
  }
  const dup = r.acks.slice(before);
  // The first out-of-order segment is ACKed in quick-ACK mode: tcp_data_queue_ofo grows the window before
  // charging it (skb_set_owner_r follows tcp_grow_window), so the last 1440 bytes below the clamp that the
  // in-order segments, charged first, never reached open now (quick |= 1). Then three by dup_ack_counter.
  assert.deepEqual(dup.map((a) => a.ack), [200, 200, 200, 200], "one quick ACK and three immediate duplicate ACKs, the rest compressed");
  const armed = r.comp.find((c) => c > 0) as number;
  // rtt = 40 ms (the receiver's estimate and the handshake's srtt): 5 % is 2 ms, above the 1 ms cap.
  assert.equal(armed, t - 5 * 100_000 + 1 * MS);
  r.at(armed);
  r.rx.onCompSack();
  assert.equal(r.acks.length, before + 5);
  // The hole is filled: an ACK at once (ICSK_ACK_NOW), of everything.
  r.at((t += 100_000));
  r.seg(200);
  assert.deepEqual(r.acks.at(-1), { t, ack: 211 });
});

test("delayed ACK: the ACK that uses the last quick ACK deflates ato to TCP_ATO_MIN (tcp_dec_quickack_mode)", () => {
  // A 200 ms path, so the srtt bound of tcp_send_delayed_ack stays out of the way.
  const r = rig(200);
  // Segments 36 ms (9 jiffies) apart: in quick-ACK mode each is ACKed at once while the gaps raise ato
  // (tcp_event_data_recv: ato = ato / 2 + 9 jiffies, towards 18).
  let t = 0;
  let delayed = -1;
  for (let s = 0; s < 300 && delayed < 0; s++) {
    r.at((t += 36 * MS));
    const before = r.acks.length;
    r.seg(s);
    if (r.acks.length === before) delayed = s;
  }
  assert.ok(delayed > 2, `quick-ACK mode ran out (first delayed segment ${delayed})`);
  // Leaving quick-ACK mode set ato back to 10 jiffies; this segment's gap of 9 makes it 10 / 2 + 9 = 14
  // (without the deflation it would have stayed near 18).
  assert.equal(r.delack.at(-1), (Math.floor(t / JIFFY) + 14) * JIFFY);
});

test("PSH: a full-sized segment with PSH that would wait for a second one is ACKed when the reader has emptied the queue (tcp_measure_rcv_mss, tcp_cleanup_rbuf)", () => {
  const r = rig();
  // Past the quick ACKs: 200 segments 2 ms apart, and whatever waits for the timer is flushed.
  let t = 0;
  for (let s = 0; s < 200; s++) {
    r.at((t += 2 * MS));
    r.seg(s);
  }
  const pending = r.delack.at(-1) as number;
  if (pending > t) {
    r.at((t = pending));
    r.rx.onDelack();
  }
  // Without PSH a lone segment waits (for the timer or a second segment) and asks for no timed read.
  const before = r.acks.length;
  r.at((t += 2 * MS));
  r.seg(200);
  assert.equal(r.acks.length, before, "a lone segment waits");
  assert.equal(r.reads.length, 0, "no timed read without PSH");
  r.at((t += 100_000));
  r.seg(201);
  assert.deepEqual(r.acks.at(-1), { t, ack: 202 }, "the second segment is ACKed at once");
  // With PSH: __tcp_ack_snd_check still delays it, the reader is woken READER_WAKE_NS later and its read sends the ACK.
  r.at((t += 2 * MS));
  r.seg(202, TH_PSH);
  assert.equal(r.acks.length, before + 1, "not at once");
  const wake = r.reads.at(-1) as number;
  assert.equal(wake, t + READER_WAKE_NS);
  r.at(wake);
  r.rx.onRead();
  assert.deepEqual(r.acks.at(-1), { t: wake, ack: 203 });
  // The mark is cleared by that ACK: the next lone segment without PSH waits again.
  r.at((t = wake + 2 * MS));
  r.seg(203);
  assert.equal(r.acks.length, before + 2);
});
