/**
 * @fileoverview Admission decisions of the queue at the head of a link
 * direction: drop-tail (by packets and/or bytes), RED with optional ECN
 * marking (Floyd & Jacobson 1993, as Linux net/sched/sch_red.c with
 * include/net/red.h: EWMA of the backlog in bytes, linear probability
 * between min and max, the count-based spacing of marks), and DCTCP's
 * step marking on the instantaneous queue (RFC 8257 §3.1, K threshold).
 *
 * The queue itself (what is waiting, when each packet leaves) is kept by
 * the link; a discipline only decides, for an arriving packet and the
 * current backlog, whether to enqueue, enqueue CE-marked, or drop.
 */
import type { QueueSpec } from "../api.js";
import type { Rng } from "../rng.js";

/** Decisions. */
export const Q_ENQUEUE = 0;
export const Q_MARK = 1;
export const Q_DROP_TAIL = 2;
export const Q_DROP_AQM = 3;

/** A queue discipline's admission test. */
export interface QueueDiscipline {
  /**
   * @param backlogBytes bytes waiting (not counting the packet in service)
   * @param backlogPkts packets waiting
   * @param size the arriving packet's bytes
   * @param ect whether the packet is ECN-capable
   * @param idleSinceNs when the queue became empty (for RED's idle decay), or -1 if busy
   */
  admit(backlogBytes: number, backlogPkts: number, size: number, ect: boolean, now: number, idleSinceNs: number): number;
}

class DropTail implements QueueDiscipline {
  constructor(
    private readonly pkts: number,
    private readonly bytes: number,
  ) {}
  admit(b: number, p: number, size: number): number {
    return p + 1 > this.pkts || b + size > this.bytes ? Q_DROP_TAIL : Q_ENQUEUE;
  }
}

class StepMark implements QueueDiscipline {
  constructor(
    private readonly markPkts: number,
    private readonly markBytes: number,
    private readonly pkts: number,
    private readonly bytes: number,
  ) {}
  admit(b: number, p: number, size: number, ect: boolean): number {
    if (p + 1 > this.pkts || b + size > this.bytes) return Q_DROP_TAIL;
    if (ect && (p >= this.markPkts || b >= this.markBytes)) return Q_MARK;
    return Q_ENQUEUE;
  }
}

class Red implements QueueDiscipline {
  private avg = 0;
  /** Packets since the last mark/drop (-1: none since avg went below min). */
  private count = -1;
  private readonly w: number;
  private readonly maxP: number;

  constructor(
    private readonly limit: number,
    private readonly minB: number,
    private readonly maxB: number,
    maxP: number,
    wlog: number,
    private readonly ecn: boolean,
    private readonly rng: Rng,
    /** Time to send one average packet, for the idle decay. */
    private readonly pktTimeNs: number,
  ) {
    this.w = Math.pow(2, -wlog);
    this.maxP = maxP;
  }

  admit(b: number, _p: number, size: number, ect: boolean, _now: number, idleSinceNs: number): number {
    if (idleSinceNs >= 0 && this.pktTimeNs > 0) {
      // red_calc_qavg_from_idle_time: decay as if m small packets had left while idle.
      const m = Math.floor((_now - idleSinceNs) / this.pktTimeNs);
      this.avg *= Math.pow(1 - this.w, m);
    }
    this.avg += this.w * (b - this.avg);
    if (b + size > this.limit) return Q_DROP_TAIL;
    if (this.avg < this.minB) {
      this.count = -1;
      return Q_ENQUEUE;
    }
    if (this.avg >= this.maxB) {
      this.count = -1;
      return this.ecn && ect ? Q_MARK : Q_DROP_AQM;
    }
    this.count++;
    const pb = (this.maxP * (this.avg - this.minB)) / (this.maxB - this.minB);
    // Uniformly spaced marks: pa = pb / (1 - count * pb).
    const denom = 1 - this.count * pb;
    const pa = denom <= 0 ? 1 : pb / denom;
    if (this.rng.next() < pa) {
      this.count = 0;
      return this.ecn && ect ? Q_MARK : Q_DROP_AQM;
    }
    return Q_ENQUEUE;
  }
}

/** Default queue: drop-tail of 1000 packets (Linux's txqueuelen default). */
export const DEFAULT_QUEUE: QueueSpec = { kind: "droptail", packets: 1000 };

/**
 * Builds a discipline from its spec.
 * @throws RangeError / TypeError naming the field and `where`
 */
export function createQueue(spec: QueueSpec, where: string, rng: Rng, pktTimeNs: number): QueueDiscipline {
  const pos = (v: number | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !(v > 0)) throw new RangeError(`${where}: queue '${name}' must be > 0: current value is ${String(v)}`);
    return v;
  };
  switch (spec.kind) {
    case "droptail": {
      if (spec.packets === undefined && spec.bytes === undefined) throw new TypeError(`${where}: drop-tail queue needs 'packets' or 'bytes'`);
      return new DropTail(pos(spec.packets, "packets", Infinity), pos(spec.bytes, "bytes", Infinity));
    }
    case "step": {
      if (spec.markPackets === undefined && spec.markBytes === undefined) throw new TypeError(`${where}: step queue needs 'markPackets' or 'markBytes'`);
      return new StepMark(pos(spec.markPackets, "markPackets", Infinity), pos(spec.markBytes, "markBytes", Infinity), pos(spec.packets, "packets", Infinity), pos(spec.bytes, "bytes", Infinity));
    }
    case "red": {
      const limit = pos(spec.limitBytes, "limitBytes", 0);
      const minB = pos(spec.minBytes, "minBytes", 0);
      const maxB = pos(spec.maxBytes, "maxBytes", 0);
      if (!(minB < maxB)) throw new RangeError(`${where}: RED needs minBytes < maxBytes: current values are ${minB} and ${maxB}`);
      const maxP = spec.maxP ?? 0.1;
      if (!(maxP > 0 && maxP <= 1)) throw new RangeError(`${where}: RED 'maxP' must be in (0, 1]: current value is ${maxP}`);
      const wlog = spec.wlog ?? 9;
      if (!Number.isInteger(wlog) || wlog < 0 || wlog > 31) throw new RangeError(`${where}: RED 'wlog' must be an integer in [0, 31]: current value is ${wlog}`);
      return new Red(limit, minB, maxB, maxP, wlog, spec.ecn ?? false, rng, pktTimeNs);
    }
    default:
      throw new TypeError(`${where}: unknown queue kind '${(spec as { kind: unknown }).kind as string}'`);
  }
}
