/**
 * @fileoverview One TCP connection of the testbed: the sender (a socket of
 * the emulated kernel, driven by the mechanics in send/ack/recovery), the
 * receiver, their timers (RTO, pacing, delayed ACK), and the records they
 * emit. Timers are lazy: re-arming to a later time moves a deadline and
 * reuses the pending event, so the per-ACK RTO restart costs no heap work.
 */
import type { CcHookName, FlowSpec, TraceRecord } from "../api.js";
import type { EventHandler, Scheduler } from "../scheduler.js";
import type { Network } from "../net/network.js";
import { ECN_ECT0, ECN_NOT_ECT, TH_CWR, TH_PSH } from "../net/packet.js";
import type { Packet, PacketSink } from "../net/packet.js";
import type { TcpCcHost, TcpCcSocket } from "../../uapi/tcp-cc.js";
import { SK_PACING_FQ, TCP_CONG_NEEDS_ECN, TCP_ECN_OK } from "../../uapi/tcp-cc.js";
import { ccRefusal } from "./cc-refusal.js";
import { ENOTCONN, formatErrno } from "../../uapi/errno.js";
import type { SenderCtx } from "./ctx.js";
import { tsNow } from "./ctx.js";
import { tcpAck } from "./ack.js";
import type { AckScratch } from "./ack.js";
import { tcpEnterLoss } from "./recovery.js";
import { JIFFY_NS, tcpAckUpdateRtt, TCP_RTO_MAX_NS } from "./rtt.js";
import { tcpRetransmitHead, tcpWriteXmit, tcpXmitRetransmitQueue } from "./send.js";
import { ICSK_TIME_LOSS_PROBE, ICSK_TIME_REO_TIMEOUT, ICSK_TIME_RETRANS, Tcb } from "./tcb.js";
import { tcpRackReoTimeout, tcpSendLossProbe } from "./loss-probe.js";
import { TcpReceiver } from "./receiver.js";
import type { ReceiverHost } from "./receiver.js";
import { FqSocketQueue, SKB_TRUESIZE_OVERHEAD } from "./fq.js";
import { RttStats } from "./rtt-stats.js";
import { PshMarks } from "./psh.js";
import { doubleFields } from "../double-fields.js";

const EV_RTO = 0;
const EV_PACE = 1;
const EV_DELACK = 2;
const EV_START = 3;
const EV_STOP = 4;
const EV_COMP_SACK = 5;
const EV_FQ = 6;
const EV_READ = 7;

/** FlowSpec.writeBytes's default: the testbed writer's 64 KB writes (native/testbed/flow.c). */
export const DEFAULT_WRITE_BYTES = 65536;

/** Errors a flow reports with its name. */
export class FlowError extends Error {
  constructor(
    message: string,
    readonly flow: string,
    readonly errno: number,
  ) {
    super(message);
    this.name = "FlowError";
  }
}

/** What a flow needs from its simulation. */
export interface FlowEnv {
  readonly sched: Scheduler;
  readonly net: Network;
  readonly host: TcpCcHost;
  readonly hookLevel: number;
  readonly traceCaStates: boolean;
  /**
   * The per-ACK scratch (rate sample, flags), one for the whole simulation:
   * tcp_ack's locals, reset at each ACK, and no ACK is processed inside
   * another, so every flow's ACK uses the same few objects, which stay in
   * the CPU's caches however many flows there are.
   */
  readonly ackScratch: AckScratch;
  /** Each flow's receiving socket to its flow (bpf_tcp_send_ack finds the flow by socket in one look-up). */
  readonly byRcvSk: Map<TcpCcSocket, Flow>;
  emit(r: TraceRecord): void;
}

/** Fields that come to hold non-Smi numbers (ns past 2^31, values read from typed arrays): doubles from the start (double-fields.ts). */
const FLOW_DOUBLE_FIELDS = ["delackAt", "compSackAt", "readAt"];

/** A TCP connection (sender + receiver). */
export class Flow implements SenderCtx, EventHandler, PacketSink, ReceiverHost {
  private t: Tcb | null = null;
  receiver: TcpReceiver | null = null;
  sk: TcpCcSocket | null = null;
  rcvSk: TcpCcSocket | null = null;
  /** The socket has tcp_sock.tcp_clock_cache (found once at start, not per event). */
  private hasClockCache = false;
  ccStart = "";
  state: "pending" | "running" | "draining" | "done" = "pending";
  endNs = -1;
  readonly rtt = new RttStats();
  private delackAt = -1;
  /** When the receiver's reader runs (EV_READ), or -1. */
  private readAt = -1;
  /** The sender's PSH marks (FlowSpec.writeBytes), made once the receiver's initial window is known. */
  private psh: PshMarks | null = null;
  private compSackAt = -1;
  /** ts_recent from the receiver's ACKs (ms), echoed in data segments' TSecr (the SYN-ACK's before the first ACK). */
  private tsRecentAck = 0;
  readonly mss: number;
  readonly bytes: number;
  /** Replayed drop pattern (FlowSpec.dropList): 1-based transmission indices, and segments lost on their first transmission. */
  private readonly dropIdx: ReadonlySet<number> | null;
  private readonly dropFirst: Map<number, number> | null;
  /** Data segments transmitted so far (retransmissions included). */
  private dataSent = 0;
  /** The socket's queue in the sender's fq qdisc (spec.qdisc "fq"), else null. */
  readonly fq: FqSocketQueue | null;
  /** When the pending fq release event fires (-1: none). */
  private fqEventAt = -1;
  /** The scheduler lanes of the data and the ACK paths (Packet.lane0). */
  private readonly fwdLane0: number;
  private readonly revLane0: number;
  /**
   * The scheduler lanes of the receiver's delayed-ACK and compressed-SACK
   * timers (this one, then the next). Re-arming one leaves the earlier event
   * to find its deadline moved, and those stale events, one per re-arm, are
   * most of a busy receiver's pending events: in a lane they wait behind the
   * head instead of filling the heap (the order of events is the same).
   */
  private readonly timerLane0: number;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly spec: FlowSpec,
    readonly fwdPath: readonly number[],
    readonly revPath: readonly number[],
    /** Base RTT of the path (ns): the handshake's RTT sample. */
    readonly baseRttNs: number,
    private readonly env: FlowEnv,
  ) {
    this.mss = spec.mss ?? 1448;
    this.bytes = spec.bytes ?? Infinity;
    this.fq = spec.qdisc === "fq" ? new FqSocketQueue() : null;
    this.fwdLane0 = env.net.lanesFor(fwdPath);
    this.revLane0 = env.net.lanesFor(revPath);
    this.timerLane0 = env.sched.newLanes(2);
    const dl = spec.dropList;
    this.dropIdx = dl?.segments !== undefined && dl.segments.length > 0 ? new Set(dl.segments) : null;
    // Segment -> how many of its transmissions (from the first) are still to lose.
    this.dropFirst = null;
    for (const b of dl?.seqs ?? []) {
      const seg = Math.floor(b / this.mss);
      this.dropFirst ??= new Map();
      this.dropFirst.set(seg, (this.dropFirst.get(seg) ?? 0) + 1);
    }
    doubleFields(this, FLOW_DOUBLE_FIELDS);
  }

  /** The sender state (valid once started). */
  get tcb(): Tcb {
    return this.t as Tcb;
  }

  /** Whether the flow has a socket (started). */
  get started(): boolean {
    return this.t !== null;
  }

  get hookLevel(): number {
    return this.env.hookLevel;
  }

  get nowNs(): number {
    return this.env.sched.now;
  }

  /** Schedules the start (and stop) events. */
  schedule(): void {
    const s = this.env.sched;
    s.at(Math.max(this.spec.startNs, s.now), this, EV_START);
    if (this.spec.stopNs !== undefined) s.at(Math.max(this.spec.stopNs, this.spec.startNs, s.now), this, EV_STOP);
  }

  // ---- SenderCtx ----------------------------------------------------------

  hook(name: CcHookName, ca: string, args: readonly number[], ret: number | undefined, cwnd: number): void {
    const r = ret === undefined
      ? { type: "hook" as const, t: this.nowNs, flow: this.id, cc: ca, hook: name, args, cwnd }
      : { type: "hook" as const, t: this.nowNs, flow: this.id, cc: ca, hook: name, args, ret, cwnd };
    this.env.emit(r);
  }

  caStateChanged(from: number, to: number): void {
    if (this.env.traceCaStates) this.env.emit({ type: "ca_state", t: this.nowNs, flow: this.id, from, to });
  }

  count(what: "recovery" | "undo" | "rto"): void {
    const tcb = this.tcb;
    if (what === "recovery") tcb.recoveries++;
    else if (what === "undo") tcb.undos++;
    else tcb.rtos++;
  }

  rttSample(us: number): void {
    this.rtt.add(us);
  }

  xmit(seg: number, retrans: boolean): void {
    const tcb = this.tcb as Tcb;
    const net = this.env.net;
    const p = net.pool.get();
    p.flow = this.index;
    p.isData = true;
    p.seg = seg;
    p.payload = tcb.segBytes(seg);
    p.size = p.payload + 52;
    p.retrans = retrans;
    const needsEcn = ((this.sk as TcpCcSocket).ca.flags & TCP_CONG_NEEDS_ECN) !== 0;
    p.ecn = tcb.ecnOk && (!retrans || needsEcn) ? ECN_ECT0 : ECN_NOT_ECT;
    if (tcb.queueCwr && !retrans) p.tcpFlags |= TH_CWR;
    if (this.psh !== null && this.psh.has(seg)) p.tcpFlags |= TH_PSH;
    p.tsval = tsNow(this);
    p.tsecr = this.tsRecentAck;
    p.path = this.fwdPath;
    p.lane0 = this.fwdLane0;
    p.sink = this.receiver;
    this.dataSent++;
    const left = this.dropFirst?.get(seg) ?? 0;
    if (left > 0) (this.dropFirst as Map<number, number>).set(seg, left - 1);
    if (left > 0 || (this.dropIdx !== null && this.dropIdx.has(this.dataSent))) {
      net.dropListed(p);
      return;
    }
    const fq = this.fq;
    if (fq !== null) {
      // fq_enqueue: the socket is fq-paced from its first packet on (rate_enable).
      const sk = tcb.sk;
      if (sk.sk_pacing_status !== SK_PACING_FQ) sk.sk_pacing_status = SK_PACING_FQ;
      // skb->tstamp is tcp_wstamp_ns; a packet due now with nothing queued takes fq's fast path.
      const due = tcb.paceNext;
      if (due > this.nowNs || fq.length > 0) {
        fq.enqueue(p, Math.max(due, this.nowNs), p.payload + SKB_TRUESIZE_OVERHEAD);
        this.armFq();
        return;
      }
    }
    net.send(p);
  }

  /** Arms the fq release event for the head packet. */
  private armFq(): void {
    const at = (this.fq as FqSocketQueue).nextDue();
    if (at >= 0 && (this.fqEventAt < 0 || at < this.fqEventAt)) {
      this.fqEventAt = at;
      this.env.sched.at(at, this, EV_FQ);
    }
  }

  /**
   * fq_dequeue of the due packets; their departure frees their truesize
   * (tcp_wfree) and, when TSQ had stopped the writer, runs tcp_tsq_write.
   */
  private fqRelease(): void {
    const fq = this.fq as FqSocketQueue;
    this.fqEventAt = -1;
    for (let p = fq.dequeueDue(this.nowNs); p !== null; p = fq.dequeueDue(this.nowNs)) this.env.net.send(p);
    this.armFq();
    if (!fq.throttled || this.t === null || this.state === "done") return;
    fq.throttled = false;
    this.clock();
    const sk = this.t.sk;
    if (this.t.lost_out > this.t.retrans_out && sk.snd_cwnd > this.t.inFlight()) tcpXmitRetransmitQueue(this);
    tcpWriteXmit(this);
  }

  setRtoTimer(at: number): void {
    this.setXmitTimer(ICSK_TIME_RETRANS, at);
  }

  setXmitTimer(kind: number, at: number): void {
    const tcb = this.tcb as Tcb;
    tcb.xmitKind = at < 0 ? 0 : kind;
    // inet_csk_reset_xmit_timer -> sk_reset_timer(jiffies + when): a timer_list fires on the tick where jiffies
    // reaches its expiry, `when` jiffies after the start of the current one (jiffies count from time 0 here, as the
    // receiver's delayed-ACK timer's). Every caller asks for now + a whole number of jiffies.
    if (at >= 0) at -= this.nowNs % JIFFY_NS;
    tcb.rtoDeadline = at;
    if (at < 0) return;
    if (tcb.rtoEventAt < 0 || at < tcb.rtoEventAt) {
      tcb.rtoEventAt = at;
      this.env.sched.at(at, this, EV_RTO);
    }
  }

  setPaceTimer(at: number): void {
    const tcb = this.tcb as Tcb;
    if (tcb.paceEventAt < 0 || at < tcb.paceEventAt) {
      tcb.paceEventAt = at;
      this.env.sched.at(at, this, EV_PACE);
    }
  }

  // ---- packets ------------------------------------------------------------

  /** An ACK arrived at the sender. */
  receive(p: Packet): void {
    if (this.state !== "running" && this.state !== "draining") return;
    this.clock();
    this.tsRecentAck = p.tsval;
    tcpAck(this, p, this.env.ackScratch);
    this.checkDone();
  }

  // ---- ReceiverHost: the flow is its receiver's host (no object of closures per flow to follow on each ACK) ----

  newAck(): Packet {
    const p = this.env.net.pool.get();
    p.flow = this.index;
    p.isData = false;
    p.size = 52;
    p.tsval = tsNow(this);
    return p;
  }

  sendAck(p: Packet): void {
    p.path = this.revPath;
    p.lane0 = this.revLane0;
    p.sink = this;
    this.env.net.send(p);
  }

  seqOf(seg: number): number {
    return (this.t as Tcb).seqOf(seg);
  }

  setDelackTimer(at: number): void {
    this.delackAt = at;
    if (at >= 0) this.env.sched.atLane(this.timerLane0, at, this, EV_DELACK);
  }

  setReadTimer(at: number): void {
    if (at === this.readAt) return;
    this.readAt = at;
    if (at >= 0) this.env.sched.at(at, this, EV_READ);
  }

  setCompSackTimer(at: number): void {
    this.compSackAt = at;
    if (at >= 0) this.env.sched.atLane(this.timerLane0 + 1, at, this, EV_COMP_SACK);
  }

  private clock(): void {
    this.env.host.setTime(this.nowNs);
    const sk = this.sk as TcpCcSocket;
    sk.tcp_mstamp = Math.floor(this.nowNs / 1000);
    // tcp_mstamp_refresh: tcp_clock_cache is the ns clock tcp_mstamp derives from.
    if (this.hasClockCache) sk.tcp_clock_cache = this.nowNs;
  }

  // ---- events -------------------------------------------------------------

  onEvent(kind: number): void {
    const now = this.nowNs;
    switch (kind) {
      case EV_START:
        this.start();
        return;
      case EV_STOP:
        this.stop();
        return;
      case EV_DELACK:
        if (this.delackAt !== now) return;
        this.delackAt = -1;
        if (this.receiver !== null && this.state !== "done") {
          this.clock();
          this.receiver.onDelack();
        }
        return;
      case EV_READ:
        if (this.readAt !== now) return;
        this.readAt = -1;
        if (this.receiver !== null && this.state !== "done") {
          this.clock();
          this.receiver.onRead();
        }
        return;
      case EV_COMP_SACK:
        if (this.compSackAt !== now) return;
        this.compSackAt = -1;
        if (this.receiver !== null && this.state !== "done") {
          this.clock();
          this.receiver.onCompSack();
        }
        return;
      case EV_FQ:
        if (this.fqEventAt === now) this.fqRelease();
        return;
      case EV_PACE: {
        const tcb = this.t;
        if (tcb === null || tcb.paceEventAt !== now || this.state === "done") return;
        tcb.paceEventAt = -1;
        this.clock();
        tcpXmitRetransmitQueue(this);
        tcpWriteXmit(this);
        return;
      }
      case EV_RTO: {
        const tcb = this.t;
        if (tcb === null || tcb.rtoEventAt !== now || this.state === "done") return;
        tcb.rtoEventAt = -1;
        if (tcb.rtoDeadline < 0) return;
        if (tcb.rtoDeadline > now) {
          tcb.rtoEventAt = tcb.rtoDeadline;
          this.env.sched.at(tcb.rtoDeadline, this, EV_RTO);
          return;
        }
        tcb.rtoDeadline = -1;
        this.clock();
        // tcp_write_timer_handler: what the timer was armed for.
        if (tcb.xmitKind === ICSK_TIME_LOSS_PROBE) tcpSendLossProbe(this);
        else if (tcb.xmitKind === ICSK_TIME_REO_TIMEOUT) tcpRackReoTimeout(this);
        else {
          tcb.xmitKind = 0;
          this.retransmitTimer();
        }
        return;
      }
    }
  }

  /** tcp_retransmit_timer(): enter Loss, retransmit the head, back off. */
  private retransmitTimer(): void {
    const tcb = this.tcb as Tcb;
    if (tcb.packets_out === 0) return;
    tcb.tlpHighSeq = -1;
    this.count("rto");
    tcpEnterLoss(this);
    tcpRetransmitHead(this);
    tcb.icsk_backoff++;
    tcb.icsk_retransmits++;
    tcb.rtoNs = Math.min(tcb.rtoNs * 2, TCP_RTO_MAX_NS);
    this.setRtoTimer(this.nowNs + tcb.rtoNs);
    tcpXmitRetransmitQueue(this);
  }

  private start(): void {
    if (this.state !== "pending") return;
    const env = this.env;
    env.host.setTime(this.nowNs);
    const sk = env.host.socket();
    if (typeof sk === "number") throw new FlowError(`flow '${this.id}': socket(): ${formatErrno(sk)}`, this.id, -sk);
    if (this.spec.cc !== undefined) {
      const r = env.host.setCongestion(sk, this.spec.cc);
      if (r < 0) {
        env.host.close(sk);
        throw new FlowError(`flow '${this.id}': setsockopt(TCP_CONGESTION, "${this.spec.cc}"): ${ccRefusal(r, this.spec.cc, env.host.availableCongestion?.())}`, this.id, -r);
      }
    }
    this.sk = sk;
    this.hasClockCache = sk.tcp_clock_cache !== undefined;
    const isn = (this.index * 0x9e3779b1) >>> 0;
    const tcb = new Tcb(sk, this.mss, isn);
    this.t = tcb;
    if (Number.isFinite(this.bytes)) {
      tcb.endSeg = Math.ceil(this.bytes / this.mss);
      tcb.lastSegBytes = this.bytes - (tcb.endSeg - 1) * this.mss;
    }
    sk.mss_cache = this.mss;
    sk.snd_una = tcb.seqOf(0);
    sk.snd_nxt = tcb.seqOf(0);
    // tcp_rcv_synsent_state_process: rcv_nxt is the receiver's ISN + 1 (its SYN-ACK); it sends no data, so it stays there.
    if (sk.rcv_nxt !== undefined) sk.rcv_nxt = (Math.imul(this.index + 1, 0x85ebca6b) + 1) >>> 0;
    sk.tcp_mstamp = Math.floor(this.nowNs / 1000);
    tcb.ecnOk = this.spec.ecn === true || (sk.ca.flags & TCP_CONG_NEEDS_ECN) !== 0;
    if (tcb.ecnOk && sk.ecn_flags !== undefined) sk.ecn_flags = TCP_ECN_OK;
    // The handshake's RTT sample (tcp_synack_rtt_meas / SYN-ACK processing) seeds srtt and the RTO.
    tcpAckUpdateRtt(this, Math.max(1, Math.floor(this.baseRttNs / 1000)), -1, -1);
    env.host.establish(sk);
    this.ccStart = sk.ca.name;
    if (tcb.ecnOk) {
      const r = env.host.socket();
      if (typeof r !== "number") {
        if (this.spec.cc !== undefined) env.host.setCongestion(r, this.spec.cc);
        // ECN was negotiated in the handshake, before tcp_init_transfer runs the CA's init().
        if (r.ecn_flags !== undefined) r.ecn_flags = TCP_ECN_OK;
        r.rcv_nxt = tcb.seqOf(0);
        env.host.establish(r);
        this.rcvSk = r;
        env.byRcvSk.set(r, this);
      }
    }
    // The handshake as the receiver saw it: its SYN-ACK left half a base RTT before the sender's
    // ESTABLISHED (time 0 of the flow), and the connection is established there half a base RTT after.
    const halfRttNs = Math.floor(this.baseRttNs / 2);
    this.tsRecentAck = Math.floor((this.nowNs - halfRttNs) / 1_000_000);
    this.receiver = new TcpReceiver(
      this,
      this.spec.delayedAck ?? true,
      this.rcvSk,
      this,
      this.mss,
      this.nowNs + halfRttNs,
      this.baseRttNs,
    );
    // The SYN-ACK advertised the receiver's initial window: max_window until the first ACK.
    const write = this.spec.writeBytes ?? DEFAULT_WRITE_BYTES;
    if (write > 0) this.psh = new PshMarks(write, this.mss, this.receiver.space.rcvWnd >> 1, this.bytes);
    this.state = "running";
    env.emit({ type: "flow_event", t: this.nowNs, flow: this.id, event: "start", cc: sk.ca.name });
    tcpWriteXmit(this);
  }

  /** The application stops writing; the flow ends once everything is ACKed. */
  stop(): void {
    if (this.state !== "running") return;
    this.tcb.appStopped = true;
    this.state = "draining";
    this.env.emit({ type: "flow_event", t: this.nowNs, flow: this.id, event: "stop", cc: (this.sk as TcpCcSocket).ca.name });
    this.checkDone();
  }

  private checkDone(): void {
    const tcb = this.tcb as Tcb;
    if ((tcb.una >= tcb.endSeg || (tcb.appStopped && tcb.una >= tcb.nxt)) && this.state !== "done") this.finish();
  }

  /** Closes the sockets (release() runs) and marks the flow done. */
  finish(): void {
    if (this.state === "done" || this.state === "pending") {
      this.state = "done";
      return;
    }
    this.state = "done";
    this.endNs = this.nowNs;
    const sk = this.sk as TcpCcSocket;
    const name = sk.ca.name;
    this.env.host.setTime(this.nowNs);
    this.env.host.close(sk);
    if (this.rcvSk !== null) this.env.host.close(this.rcvSk);
    this.env.emit({ type: "flow_event", t: this.nowNs, flow: this.id, event: "end", cc: name });
    this.ccEnd = name;
  }

  ccEnd = "";

  /** setsockopt(TCP_CONGESTION) on the running socket. */
  setCongestion(name: string): number {
    const sk = this.sk;
    if (sk === null || this.state === "done" || this.state === "pending") return -ENOTCONN;
    const prev = sk.ca.name;
    this.env.host.setTime(this.nowNs);
    const r = this.env.host.setCongestion(sk, name);
    if (r === 0 && sk.ca.name !== prev) this.env.emit({ type: "flow_event", t: this.nowNs, flow: this.id, event: "cc_change", cc: sk.ca.name, prevCc: prev });
    return r;
  }

  /** The ACK of `rcvNxt` the receiver's CA asked for (__tcp_send_ack, bpf_tcp_send_ack). */
  sendAckNow(rcvNxt: number): void {
    this.receiver?.sendAckOf(rcvNxt);
  }
}
