/**
 * @fileoverview Keeps what the report and the summary need from a run's
 * trace records (src/sim/api.ts): per-flow samples as columns, per-link
 * queue samples, actions (the plot markers), flow lifecycle events, and the
 * multiplicative decrease each flow's `ssthresh` hook applied. Everything
 * else in the stream (per-ACK hooks, drops) goes to the trace files only, so
 * memory stays proportional to the number of samples.
 */
import type { ActionRecord, FlowEventRecord, TraceRecord } from "../sim/api.js";

/** Columns of one flow's periodic samples. */
export interface FlowSeries {
  readonly t: number[];
  readonly cwnd: number[];
  readonly ssthresh: number[];
  readonly caState: number[];
  readonly srttUs: number[];
  readonly rttUs: number[];
  readonly deliveryRateBps: number[];
  readonly bytesAcked: number[];
  readonly retrans: number[];
  readonly deliveredBytes: number[];
}

/** Columns of one link direction's queue samples. */
export interface QueueSeries {
  readonly t: number[];
  readonly packets: number[];
  readonly bytes: number[];
  readonly drops: number[];
  readonly marks: number[];
}

/** What a flow's `ssthresh` hook did: the ratios ssthresh / cwnd it returned. */
export interface Reductions {
  count: number;
  sumRatio: number;
  /** Name of the algorithm for each reduction's hook, in order of first appearance. */
  readonly ccs: string[];
  /** Each reduction: when, and its ssthresh / cwnd. */
  readonly at: { readonly t: number; readonly ratio: number }[];
}

/** Accumulates trace records for the report. */
export class RunCollector {
  readonly flows = new Map<string, FlowSeries>();
  readonly queues = new Map<string, QueueSeries>();
  readonly actions: ActionRecord[] = [];
  readonly flowEvents: FlowEventRecord[] = [];
  readonly reductions = new Map<string, Reductions>();
  /** Records seen, by type. */
  readonly counts = new Map<string, number>();

  /** Feeds one record (pass as `onRecord`). */
  add(rec: TraceRecord): void {
    this.counts.set(rec.type, (this.counts.get(rec.type) ?? 0) + 1);
    switch (rec.type) {
      case "flow": {
        let s = this.flows.get(rec.flow);
        if (s === undefined) {
          s = { t: [], cwnd: [], ssthresh: [], caState: [], srttUs: [], rttUs: [], deliveryRateBps: [], bytesAcked: [], retrans: [], deliveredBytes: [] };
          this.flows.set(rec.flow, s);
        }
        s.t.push(rec.t);
        s.cwnd.push(rec.cwnd);
        s.ssthresh.push(rec.ssthresh);
        s.caState.push(rec.caState);
        s.srttUs.push(rec.srttUs);
        s.rttUs.push(rec.rttUs);
        s.deliveryRateBps.push(rec.deliveryRateBps);
        s.bytesAcked.push(rec.bytesAcked);
        s.retrans.push(rec.retrans);
        s.deliveredBytes.push(rec.deliveredBytes);
        return;
      }
      case "queue": {
        let q = this.queues.get(rec.link);
        if (q === undefined) {
          q = { t: [], packets: [], bytes: [], drops: [], marks: [] };
          this.queues.set(rec.link, q);
        }
        q.t.push(rec.t);
        q.packets.push(rec.packets);
        q.bytes.push(rec.bytes);
        q.drops.push(rec.drops);
        q.marks.push(rec.marks);
        return;
      }
      case "action":
        this.actions.push(rec);
        return;
      case "flow_event":
        this.flowEvents.push(rec);
        return;
      case "hook":
        if (rec.hook === "ssthresh" && rec.ret !== undefined && rec.cwnd > 0) {
          let r = this.reductions.get(rec.flow);
          if (r === undefined) {
            r = { count: 0, sumRatio: 0, ccs: [], at: [] };
            this.reductions.set(rec.flow, r);
          }
          r.count++;
          r.sumRatio += rec.ret / rec.cwnd;
          r.at.push({ t: rec.t, ratio: rec.ret / rec.cwnd });
          if (!r.ccs.includes(rec.cc)) r.ccs.push(rec.cc);
        }
        return;
      default:
        return;
    }
  }
}
