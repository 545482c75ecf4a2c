/**
 * @fileoverview One direction of a link: a queue at its sending end, a
 * transmitter of fixed rate (or of trace-driven capacity), a propagation
 * delay and optional random loss on the wire.
 *
 * The queue is kept as the transmission schedule: for each waiting packet the
 * time it starts transmission. Since the transmitter is FIFO and work
 * conserving, a packet's departure is known when it is admitted, so there is
 * no dequeue event: the backlog at time t is the packets whose start is after
 * t, dropped lazily from the front of a ring. Arrivals must be presented in
 * non-decreasing time, which the event order (and, for links a single flow
 * uses, that flow's FIFO path) guarantees.
 *
 * Optional per-packet delay jitter (`jitterNs`, uniform or exponential:
 * `jitterKind`) is drawn from the direction's own stream after the loss draw
 * and kept FIFO: a packet never arrives before the one sent ahead of it on
 * this direction.
 *
 * A token bucket's watchdog may fire late (`watchdogLate`, lateness.ts):
 * a packet that waits for tokens leaves that much later, with its own forked
 * stream, and the bucket refills meanwhile only up to its depth.
 *
 * A direction with `wake` runs its delay first, on an element that sleeps
 * (the Linux testbed's delay line, native/testbed/delayline.c: one thread
 * for both directions, in front of the tbf, sleeping in ppoll until the next
 * packet is due or one arrives): a packet enters the delay stage at once and
 * is due `delayNs` later; when it is due after the element slept for at least
 * `idleNs` (no arrival and no release in either of the link's directions),
 * the element wakes a lateness draw late, and everything due meanwhile is
 * released with it, in order (a virtual CPU's exit from halt). The released
 * packet then meets the queue or shaper, and leaves without further delay.
 * The Network drives the stage with release events (`enterDelay`,
 * `holdUntil`).
 */
import type { LinkDirSpec } from "../api.js";
import type { Rng } from "../rng.js";
import { TraceServer, checkCapacityTrace } from "./capacity-trace.js";
import { LatenessSampler } from "./lateness.js";
import { createQueue, DEFAULT_QUEUE, Q_DROP_AQM, Q_DROP_TAIL, Q_MARK } from "./queue.js";
import type { QueueDiscipline } from "./queue.js";
import { doubleFields } from "../double-fields.js";

/** Why a packet was dropped. */
export const DROP_QUEUE = 0;
export const DROP_AQM = 1;
export const DROP_LOSS = 2;
export const DROP_REASONS = ["queue", "aqm", "loss"] as const;

/** Result of {@link LinkDir.transmit} when admitted: the time the last bit arrives at the far end. */
export const LINK_DROPPED = -1;

/** The empty ring every direction starts with: the ring is allocated at its first packet, not at set-up. */
const NO_SLOTS = new Float64Array(0);

/**
 * The element a `wake` link's delay stages run on, shared by the link's two directions: when it last woke
 * (an arrival or a release in either direction) and until when a late wake-up holds releases back.
 */
export class WakeElement {
  lastWakeNs = -Infinity;
  awakeAtNs = -Infinity;
}

/** Fields that come to hold non-Smi numbers (ns past 2^31, values read from typed arrays): doubles from the start (double-fields.ts). */
const LINKDIR_DOUBLE_FIELDS = ["busyUntil", "backlogBytes", "tokensAt", "lastArrival"];

/** One direction of a link. */
export class LinkDir {
  readonly delayNs: number;
  /** The propagation added after the queue: the delay, or 0 when the delay stage comes first (`wake`). */
  private readonly postDelayNs: number;
  /** Whether the delay stage comes before the queue, on an element that wakes late after sleeping (`wake`). */
  readonly delayFirst: boolean = false;
  /** The element of the delay stage (the link's two directions share it; see Topology). */
  wakeElement: WakeElement | null = null;
  /** ns per byte at the fixed rate (0 when traced). */
  private readonly nsPerByte: number;
  private readonly server: TraceServer | null;
  private readonly queue: QueueDiscipline;
  private readonly lossRate: number;
  /**
   * Ring of waiting packets: each a start-of-transmission time and a size, side by side (entry i at 2i and
   * 2i + 1), so admitting or draining a packet reads one typed array, one cache line.
   */
  private ring = NO_SLOTS;
  private head = 0;
  private count = 0;
  private backlogBytes = 0;
  /** When the transmitter is free (token bucket: when the last packet is released). */
  private busyUntil = 0;
  /** Token bucket depth in ns of transmission at the rate, or -1 for a serializing transmitter. */
  private readonly bucketNs: number;
  /** Tokens (ns) in the bucket at `tokensAt`. */
  private tokensNs = 0;
  private tokensAt = 0;
  /** Bytes counted per packet beyond its size (an L2 header). */
  private readonly overhead: number;
  /** Upper bound of the uniform extra delay per packet, or the exponential one's mean (0: none, nothing drawn). */
  private readonly jitterNs: number;
  /** The jitter is exponential (mean jitterNs) rather than uniform. */
  private readonly jitterExp: boolean;
  /** The token bucket's watchdog lateness and its stream, or null: exact. */
  private readonly wdLate: LatenessSampler | null = null;
  private readonly wdRng: Rng | null = null;
  /** `wake`: how long the element must sleep before a release is late, the lateness and its stream (null: no delay stage). */
  private readonly wakeIdleNs: number = 0;
  private readonly wakeLate: LatenessSampler | null = null;
  private readonly wakeRng: Rng | null = null;
  /** Arrival time at the far end of the last packet (keeps jittered arrivals in order). */
  private lastArrival = 0;
  /** Users of this direction (flows whose path crosses it); > 1 means arrivals need events. */
  users = 0;
  /** Last drop's reason (after transmit returned LINK_DROPPED). */
  lastDrop = DROP_QUEUE;
  /** Whether the last admitted packet was CE-marked here. */
  lastMarked = false;
  // Statistics.
  packetsOut = 0;
  bytesOut = 0;
  drops = 0;
  marks = 0;

  constructor(
    readonly id: string,
    readonly index: number,
    readonly from: string,
    readonly to: string,
    readonly spec: LinkDirSpec,
    private readonly rng: Rng,
  ) {
    const where = `link '${id}'`;
    if (!Number.isSafeInteger(spec.delayNs) || spec.delayNs < 0) throw new RangeError(`${where}: 'delayNs' must be an integer ≥ 0: current value is ${spec.delayNs}`);
    this.delayNs = spec.delayNs;
    if (spec.trace !== undefined) {
      checkCapacityTrace(spec.trace, where);
      this.server = new TraceServer(spec.trace);
      this.nsPerByte = 0;
    } else {
      if (typeof spec.rateBps !== "number" || !(spec.rateBps > 0) || !Number.isFinite(spec.rateBps)) throw new RangeError(`${where}: 'rateBps' must be > 0: current value is ${spec.rateBps}`);
      this.server = null;
      this.nsPerByte = 8e9 / spec.rateBps;
    }
    const loss = spec.lossRate ?? 0;
    if (typeof loss !== "number" || !(loss >= 0 && loss < 1)) throw new RangeError(`${where}: 'lossRate' must be in [0, 1): current value is ${loss}`);
    this.lossRate = loss;
    this.queue = createQueue(spec.queue ?? DEFAULT_QUEUE, where, rng, this.nsPerByte * 1500);
    const oh = spec.overheadBytes ?? 0;
    if (!Number.isInteger(oh) || oh < 0 || oh > 1000) throw new RangeError(`${where}: 'overheadBytes' must be an integer in [0, 1000]: current value is ${oh}`);
    this.overhead = oh;
    const jit = spec.jitterNs ?? 0;
    if (!Number.isSafeInteger(jit) || jit < 0) throw new RangeError(`${where}: 'jitterNs' must be an integer ≥ 0: current value is ${jit}`);
    this.jitterNs = jit;
    const kind = spec.jitterKind ?? "uniform";
    if (kind !== "uniform" && kind !== "exponential") throw new RangeError(`${where}: 'jitterKind' must be 'uniform' or 'exponential': current value is ${String(kind)}`);
    this.jitterExp = kind === "exponential";
    const tb = spec.tokenBucketBytes;
    if (tb === undefined) this.bucketNs = -1;
    else {
      if (typeof tb !== "number" || !(tb > 0) || !Number.isFinite(tb)) throw new RangeError(`${where}: 'tokenBucketBytes' must be > 0: current value is ${tb}`);
      if (this.server !== null) throw new RangeError(`${where}: 'tokenBucketBytes' cannot be combined with a capacity 'trace'`);
      // Rounded up, like the cost of a packet: a bucket of B bytes holds a packet of B bytes.
      this.bucketNs = Math.ceil(tb * this.nsPerByte);
      this.tokensNs = this.bucketNs;
    }
    if (spec.watchdogLate !== undefined) {
      if (this.bucketNs < 0) throw new RangeError(`${where}: 'watchdogLate' needs a token bucket ('tokenBucketBytes')`);
      const late = new LatenessSampler(spec.watchdogLate, `${where}: 'watchdogLate'`);
      // A stream of its own, forked only when asked for: links without it draw exactly as before.
      if (!late.isZero) {
        this.wdLate = late;
        this.wdRng = rng.fork();
      }
    }
    if (spec.wake !== undefined) {
      const idle = spec.wake.idleNs;
      if (!Number.isSafeInteger(idle) || idle <= 0) throw new RangeError(`${where}: 'wake.idleNs' must be an integer > 0: current value is ${String(idle)}`);
      const late = new LatenessSampler(spec.wake.late, `${where}: 'wake.late'`);
      // Forked only when asked for, after the watchdog's: links without it draw exactly as before.
      if (!late.isZero) {
        this.wakeIdleNs = idle;
        this.wakeLate = late;
        this.wakeRng = rng.fork();
        this.delayFirst = true;
        this.wakeElement = new WakeElement();
      }
    }
    this.postDelayNs = this.delayFirst ? 0 : this.delayNs;
    doubleFields(this, LINKDIR_DOUBLE_FIELDS);
  }

  /** A packet enters the delay stage (`delayFirst`) at `t`, which wakes the element: it is due `delayNs` later. */
  enterDelay(t: number): number {
    const e = this.wakeElement as WakeElement;
    if (t > e.lastWakeNs) e.lastWakeNs = t;
    return t + this.delayNs;
  }

  /**
   * The delay stage's release of a packet due at `due` (the current time): -1 to release it now, or the time
   * it is put off to: the wake-up the element is still late for, or one this release draws when the element
   * slept for at least wake.idleNs since it last woke (the element then wakes at that time, and releases due
   * before it wait for it). `held`: the packet was put off already. One due at a late wake-up's very time is
   * put off to it too (to that same time) unless it was already: its release event may come before those of
   * the packets held for that wake-up, which entered before it, and they leave first (in the order they
   * entered, as the delay line's queue releases them).
   */
  holdUntil(due: number, held: boolean): number {
    const e = this.wakeElement as WakeElement;
    if (due < e.awakeAtNs || (due === e.awakeAtNs && !held)) return e.awakeAtNs;
    if (due - e.lastWakeNs >= this.wakeIdleNs) {
      const late = (this.wakeLate as LatenessSampler).draw(this.wakeRng as Rng);
      if (late > 0) {
        e.awakeAtNs = due + late;
        e.lastWakeNs = due + late;
        return due + late;
      }
    }
    if (due > e.lastWakeNs) e.lastWakeNs = due;
    return -1;
  }

  /** The lateness a packet finding this direction idle meets (a draw; 0 without `wake`): the handshake's share. */
  idleLateNs(): number {
    return this.wakeLate === null ? 0 : this.wakeLate.draw(this.wakeRng as Rng);
  }

  /** Capacity in bits per second (the trace's mean for a traced link). */
  get rateBps(): number {
    return this.server === null ? this.spec.rateBps : this.server.meanRateBps;
  }

  private drain(now: number): void {
    const ring = this.ring;
    const mask = (ring.length >> 1) - 1;
    while (this.count > 0 && (ring[2 * this.head] as number) <= now) {
      this.backlogBytes -= ring[2 * this.head + 1] as number;
      this.head = (this.head + 1) & mask;
      this.count--;
    }
  }

  /** Bytes and packets waiting at `now` (not counting the one being sent; with a token bucket, every packet not yet released). */
  backlog(now: number): { bytes: number; packets: number } {
    this.drain(now);
    return { bytes: this.backlogBytes, packets: this.count };
  }

  /**
   * A packet of `size` bytes arrives at the queue at `now`. Returns the time
   * it arrives at the far end, or LINK_DROPPED (see `lastDrop`). With
   * `ect`, an AQM may mark it instead (`lastMarked`).
   */
  transmit(arrival: number, pktSize: number, ect: boolean): number {
    const now = arrival;
    const size = pktSize + this.overhead;
    this.drain(now);
    this.lastMarked = false;
    const idleSince = this.count === 0 && this.busyUntil <= now ? this.busyUntil : -1;
    const verdict = this.queue.admit(this.backlogBytes, this.count, size, ect, now, idleSince);
    if (verdict === Q_DROP_TAIL || verdict === Q_DROP_AQM) {
      this.drops++;
      this.lastDrop = verdict === Q_DROP_TAIL ? DROP_QUEUE : DROP_AQM;
      return LINK_DROPPED;
    }
    let end: number;
    if (this.bucketNs >= 0) {
      // tbf: released (whole, at once) when the bucket holds the packet's length; queued until then.
      const cost = Math.ceil(size * this.nsPerByte);
      if (cost > this.bucketNs) {
        this.drops++;
        this.lastDrop = DROP_QUEUE;
        return LINK_DROPPED;
      }
      const t0 = this.busyUntil > now ? this.busyUntil : now;
      const toks = Math.min(this.bucketNs, this.tokensNs + (t0 - this.tokensAt));
      end = toks >= cost ? t0 : t0 + (cost - toks);
      if (end > t0 && this.wdLate !== null) {
        // Waiting for tokens is waiting for the watchdog: it fires late, the bucket caps what accrues meanwhile.
        end += this.wdLate.draw(this.wdRng as Rng);
        this.tokensNs = Math.min(this.bucketNs, toks + (end - t0)) - cost;
      } else this.tokensNs = toks + (end - t0) - cost;
      this.tokensAt = end;
      this.busyUntil = end;
      if (end > now) this.push(end, size);
    } else {
      const start = this.busyUntil > now ? this.busyUntil : now;
      end = this.server === null ? start + Math.ceil(size * this.nsPerByte) : this.server.depart(start, size);
      this.busyUntil = end;
      if (start > now) this.push(start, size);
    }
    if (verdict === Q_MARK) {
      this.marks++;
      this.lastMarked = true;
    }
    this.packetsOut++;
    this.bytesOut += pktSize;
    if (this.lossRate > 0 && this.rng.next() < this.lossRate) {
      this.drops++;
      this.lastDrop = DROP_LOSS;
      return LINK_DROPPED;
    }
    if (this.jitterNs === 0) return end + this.postDelayNs;
    const u = this.rng.next();
    const extra = this.jitterExp ? Math.floor(-this.jitterNs * Math.log(1 - u)) : Math.floor(u * this.jitterNs);
    const at = Math.max(end + this.postDelayNs + extra, this.lastArrival);
    this.lastArrival = at;
    return at;
  }

  private push(start: number, size: number): void {
    const cap = this.ring.length >> 1;
    if (this.count === cap) {
      const old = this.ring;
      const n = Math.max(16, cap * 2);
      const r = new Float64Array(2 * n);
      for (let i = 0; i < this.count; i++) {
        const j = (this.head + i) & (cap - 1);
        r[2 * i] = old[2 * j] as number;
        r[2 * i + 1] = old[2 * j + 1] as number;
      }
      this.ring = r;
      this.head = 0;
    }
    const at = 2 * ((this.head + this.count) & ((this.ring.length >> 1) - 1));
    this.ring[at] = start;
    this.ring[at + 1] = size;
    this.count++;
    this.backlogBytes += size;
  }
}
