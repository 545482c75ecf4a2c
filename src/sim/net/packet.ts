/**
 * @fileoverview Packets of the testbed: one mutable object per packet in
 * flight, taken from and returned to a pool so the hot path allocates
 * nothing in steady state. A packet is a TCP data segment (one MSS, or less
 * for the last) or a pure ACK with up to three SACK blocks and a D-SACK
 * block, as RFC 2018 / RFC 2883 lay them out, in segment units.
 */

/** IP ECN codepoints (RFC 3168): Not-ECT, ECT(1), ECT(0), CE. */
export const ECN_NOT_ECT = 0;
export const ECN_ECT1 = 1;
export const ECN_ECT0 = 2;
export const ECN_CE = 3;

/** TCP header flags the model carries. */
export const TH_PSH = 0x08;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

/** Bytes of IP + TCP headers on the wire (IPv4 20 + TCP 20 + timestamps 12). */
export const HEADER_BYTES = 52;

/** The receiving end of a path. */
export interface PacketSink {
  receive(p: Packet): void;
}

/**
 * A packet in flight. Fields are reset by {@link PacketPool.get}. They are
 * declared in the order the hot path reads them (V8 lays them out so): what
 * the network reads at each hop first, then what the receiving end reads,
 * then the SACK blocks, so an event on a packet (cold by then: it has been
 * in flight for a path's delay) touches as few cache lines as it can.
 */
export class Packet {
  sink: PacketSink | null = null;
  /** The path this packet follows and where it ends. */
  path: readonly number[] = [];
  /** Position along the path (index of the next link). */
  hop = 0;
  /**
   * The scheduler's lanes of the path (Network.lanesFor): lane0 + h for the
   * arrivals at hop h, lane0 + path.length for the delivery; -1: none.
   */
  lane0 = -1;
  /** Bytes on the wire. */
  size = 0;
  /** IP ECN field. */
  ecn = ECN_NOT_ECT;
  /** Data: segment number. ACK: cumulative ACK (next expected segment). */
  seg = 0;
  /** Payload bytes (data) ; 0 for an ACK. */
  payload = 0;
  /** true: data segment sender→receiver; false: ACK receiver→sender. */
  isData = true;
  /** TCP timestamp value (ms) and echo reply. */
  tsval = 0;
  tsecr = 0;
  /** TH_ECE | TH_CWR. */
  tcpFlags = 0;
  /** Set on a retransmitted data segment (for trace). */
  retrans = false;
  /** Number of SACK blocks (0..3) in sack[]. */
  nsack = 0;
  /** D-SACK block [start, end), or start = -1. */
  dsackStart = -1;
  dsackEnd = -1;
  /** Index of the flow (into the simulation's flow table). */
  flow = 0;
  /** SACK blocks [start, end) in segments, most recent first. */
  readonly sack = new Float64Array(6);
}

/** A free list of packets. */
export class PacketPool {
  private readonly free: Packet[] = [];
  /** Packets handed out and not returned (for leak checks). */
  live = 0;

  get(): Packet {
    this.live++;
    const p = this.free.pop();
    if (p === undefined) return new Packet();
    p.ecn = ECN_NOT_ECT;
    p.tcpFlags = 0;
    p.nsack = 0;
    p.dsackStart = -1;
    p.dsackEnd = -1;
    p.hop = 0;
    p.lane0 = -1;
    p.retrans = false;
    p.tsval = 0;
    p.tsecr = 0;
    p.payload = 0;
    return p;
  }

  put(p: Packet): void {
    this.live--;
    p.sink = null;
    this.free.push(p);
  }
}
