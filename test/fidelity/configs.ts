/**
 * @fileoverview The bottleneck configurations of the fidelity comparison
 * (issue #5): one path with a rate, a round-trip propagation delay, a
 * drop-tail queue limit in packets and a random loss rate, run with Linux's
 * reno and cubic and with the simulator's built-in ones.
 *
 * Units match what the Linux side enforces: `rateBps` is the token-bucket
 * rate of sch_tbf in bits per second of L2 frames (IP packet + 14-byte
 * Ethernet header, so a full segment is 1514 bytes on the queue, 1448 bytes
 * of payload with TCP timestamps); `queuePackets` is the sch_fifo (pfifo)
 * limit; `rttMs` is the two-way propagation delay added by the delay line
 * (half each way), not counting serialisation.
 */

export interface FidelityConfig {
  readonly name: string;
  readonly rateBps: number;
  readonly rttMs: number;
  readonly queuePackets: number;
  readonly lossRate: number;
  /** Length of one run: the trace covers [0, seconds] after the connection is established. */
  readonly seconds: number;
  readonly description: string;
}

/** Bytes of a full-sized segment on the bottleneck queue (what sch_tbf counts). */
export const FRAME_BYTES = 1514;
/** TCP payload per full segment with timestamps (MSS 1460 - 12 option bytes). */
export const MSS_BYTES = 1448;

/** Bandwidth-delay product in full-sized frames. */
export function bdpPackets(rateBps: number, rttMs: number): number {
  return (rateBps * rttMs) / 1000 / 8 / FRAME_BYTES;
}

export const CONFIGS: readonly FidelityConfig[] = [
  {
    name: "20mbit-40ms-1bdp",
    rateBps: 20e6,
    rttMs: 40,
    queuePackets: Math.round(bdpPackets(20e6, 40)),
    lossRate: 0,
    seconds: 30,
    description: "20 Mbit/s, 40 ms RTT, drop-tail queue of 1 BDP (66 packets); about 6 reno cycles in 30 s",
  },
  {
    name: "10mbit-20ms-1bdp",
    rateBps: 10e6,
    rttMs: 20,
    queuePackets: Math.round(bdpPackets(10e6, 20)),
    lossRate: 0,
    seconds: 6,
    description: "10 Mbit/s, 20 ms RTT, drop-tail queue of 1 BDP (17 packets); short cycles, the CI configuration",
  },
  {
    name: "100mbit-20ms-0.5bdp",
    rateBps: 100e6,
    rttMs: 20,
    queuePackets: Math.round(bdpPackets(100e6, 20) / 2),
    lossRate: 0,
    seconds: 25,
    description: "100 Mbit/s, 20 ms RTT, drop-tail queue of 0.5 BDP (83 packets); a fast path with a short queue, 3-8 cycles in 25 s",
  },
  {
    name: "10mbit-20ms-1bdp-loss0.5",
    rateBps: 10e6,
    rttMs: 20,
    queuePackets: Math.round(bdpPackets(10e6, 20)),
    lossRate: 0.005,
    seconds: 10,
    description: "as 10mbit-20ms-1bdp with 0.5 % random loss on the data path: loss-driven, irregular cycles",
  },
  {
    name: "20mbit-40ms-1bdp-loss1",
    rateBps: 20e6,
    rttMs: 40,
    queuePackets: Math.round(bdpPackets(20e6, 40)),
    lossRate: 0.01,
    seconds: 20,
    description: "as 20mbit-40ms-1bdp with 1 % random loss on the data path: the loss regime (delayed ACKs, tail losses, recovery)",
  },
];

export const ALGORITHMS = ["reno", "cubic"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export function configByName(name: string): FidelityConfig {
  const c = CONFIGS.find((x) => x.name === name);
  if (c === undefined) throw new RangeError(`unknown fidelity configuration '${name}' (known: ${CONFIGS.map((x) => x.name).join(", ")})`);
  return c;
}
