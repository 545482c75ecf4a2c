/**
 * @fileoverview Moves packets along paths of link directions. A link used
 * by one flow direction only is computed at once (its arrivals come in
 * order from that flow's FIFO path); a link several flows share gets an
 * arrival event, so arrivals from different flows meet its queue in time
 * order; so does a `wake` link, whose delay stage comes first (its element
 * sees entries and releases in time order) and whose releases are events
 * of their own. The last hop schedules delivery to the endpoint. A path's packets
 * leave each of its links in the order they entered (links are FIFO), so
 * its arrivals at a hop, and its deliveries, are each a stream in time
 * order: each gets a lane of the scheduler, which keeps the heap to one
 * entry per stream instead of one per packet in flight.
 */
import type { EventHandler, Scheduler } from "../scheduler.js";
import { DROP_LOSS, LINK_DROPPED } from "./link.js";
import type { LinkDir } from "./link.js";
import { ECN_CE, ECN_NOT_ECT } from "./packet.js";
import type { Packet, PacketPool } from "./packet.js";

const EV_ARRIVE = 0;
const EV_DELIVER = 1;
/** A packet due at the end of a `wake` direction's delay stage (LinkDir.delayFirst). */
const EV_RELEASE = 2;

/** Called for every dropped packet before it returns to the pool. */
export type DropHook = (link: LinkDir, p: Packet, now: number) => void;

/** The packet mover of one simulation. */
export class Network implements EventHandler {
  onDrop: DropHook | null = null;
  /** Test hook: returns true to drop a packet as it enters `link` (counted as wire loss). */
  dropFilter: ((link: LinkDir, p: Packet) => boolean) | null = null;

  /**
   * Per link direction (by index): 1 when a packet reached it (admitted or dropped) since the trace's
   * last sample of it cleared the mark, so a sample need not read a direction nothing has happened to.
   */
  readonly touched: Uint8Array;

  constructor(
    readonly sched: Scheduler,
    readonly dirs: readonly LinkDir[],
    readonly pool: PacketPool,
  ) {
    this.touched = new Uint8Array(dirs.length);
  }

  /** Lanes for the packets of `path` (Packet.lane0), one per hop and one for delivery. */
  lanesFor(path: readonly number[]): number {
    return this.sched.newLanes(path.length + 1);
  }

  /** Sends `p` (its path and sink set) into the first link at the current time. */
  send(p: Packet): void {
    p.hop = 0;
    this.forward(p, this.sched.now);
  }

  /** A packet of a replayed drop list: lost as it enters its first link (counted and traced as wire loss there). */
  dropListed(p: Packet): void {
    const link = this.dirs[p.path[0] as number] as LinkDir;
    this.touched[p.path[0] as number] = 1;
    link.drops++;
    link.lastDrop = DROP_LOSS;
    this.onDrop?.(link, p, this.sched.now);
    this.pool.put(p);
  }

  /**
   * Moves `p` from its current hop on at time `t`. `released`: the current hop's delay stage (a `wake`
   * direction) is done, so the packet goes to that direction's queue at `t`.
   */
  private forward(p: Packet, t: number, released = false): void {
    const path = p.path;
    while (p.hop < path.length) {
      const li = path[p.hop] as number;
      const link = this.dirs[li] as LinkDir;
      if (!released) {
        // A delay stage's element wakes on every arrival and release, so its arrivals are events in time order.
        if ((link.users > 1 || link.delayFirst) && t > this.sched.now) {
          if (p.lane0 >= 0) this.sched.atLane(p.lane0 + p.hop, t, this, EV_ARRIVE, 0, p);
          else this.sched.at(t, this, EV_ARRIVE, 0, p);
          return;
        }
        this.touched[li] = 1;
        if (this.dropFilter !== null && this.dropFilter(link, p)) {
          link.drops++;
          this.onDrop?.(link, p, t);
          this.pool.put(p);
          return;
        }
        if (link.delayFirst) {
          this.sched.at(link.enterDelay(t), this, EV_RELEASE, 0, p);
          return;
        }
      }
      released = false;
      this.touched[li] = 1;
      const ect = p.ecn !== ECN_NOT_ECT;
      const next = link.transmit(t, p.size, ect);
      if (next === LINK_DROPPED) {
        this.onDrop?.(link, p, t);
        this.pool.put(p);
        return;
      }
      if (link.lastMarked) p.ecn = ECN_CE;
      p.hop++;
      t = next;
    }
    if (p.lane0 >= 0) this.sched.atLane(p.lane0 + path.length, t, this, EV_DELIVER, 0, p);
    else this.sched.at(t, this, EV_DELIVER, 0, p);
  }

  onEvent(kind: number, num: number, obj: unknown): void {
    const p = obj as Packet;
    if (kind === EV_ARRIVE) {
      this.forward(p, this.sched.now);
      return;
    }
    if (kind === EV_RELEASE) {
      // num: 1 once the release was put off to a late wake-up (LinkDir.holdUntil's `held`).
      const at = (this.dirs[p.path[p.hop] as number] as LinkDir).holdUntil(this.sched.now, num !== 0);
      if (at >= 0) this.sched.at(at, this, EV_RELEASE, 1, p);
      else this.forward(p, this.sched.now, true);
      return;
    }
    const sink = p.sink;
    if (sink !== null) sink.receive(p);
    this.pool.put(p);
  }
}
