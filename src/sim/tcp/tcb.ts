/**
 * @fileoverview The sender's transmission control block: the narrow state
 * the TCP mechanics share. Fields congestion control can see live in the
 * socket (`sk`, the emulated kernel's `tcp_sock`); the rest (the
 * retransmission queue as a segment scoreboard, timers, undo and PRR
 * bookkeeping, the RTT estimator's internals) is here, with Linux's names.
 *
 * Sequence space: the model sends whole segments of `mss` bytes (the last
 * one may be shorter) and counts in segment numbers; the socket's
 * `snd_una`/`snd_nxt` are the byte sequence numbers (isn + seg * mss, mod
 * 2^32) CC code expects. The scoreboard is a ring indexed by segment number
 * modulo its power-of-two size, covering [una, nxt).
 */
import type { TcpCcSocket } from "../../uapi/tcp-cc.js";
import { doubleFields } from "../double-fields.js";

/** Scoreboard bits of a segment (TCPCB_* in include/net/tcp.h). */
export const SACKED_ACKED = 1;
export const SACKED_RETRANS = 2;
export const LOST = 4;
export const EVER_RETRANS = 8;
/** tx.is_app_limited at send. */
export const APP_LIMITED = 16;
/** tx.delivered_mstamp cleared: this segment has given its rate sample (SACKed). */
export const RATE_DONE = 32;

/** icsk_pending values (include/net/inet_connection_sock.h): the retransmission timer's purpose. */
export const ICSK_TIME_RETRANS = 1;
export const ICSK_TIME_LOSS_PROBE = 5;
export const ICSK_TIME_REO_TIMEOUT = 6;

/** Fields of a segment's record in Tcb.tx (offsets from Tcb.txAt). */
export const TX_TIME = 0;
export const TX_DELIVERED = 1;
export const TX_DELIVERED_CE = 2;
export const TX_DEL_MSTAMP = 3;
export const TX_FIRST_TX = 4;
export const TX_FIELDS = 5;

/** Initial scoreboard ring size in segments (a power of two). */
const RING_INITIAL = 64;

/** The optional tcp_sock fields the sender keeps in step with the socket. */
const MIRRORED_FIELDS = [
  "high_seq", "prr_out", "lost", "mdev_us", "delivered_mstamp", "app_limited", "snd_cwnd_stamp", "tcp_wstamp_ns",
] as const;
/** Tcb.hasBits: the socket has MIRRORED_FIELDS[i] (bit i), or TCB_MIRRORED_FIELDS[i] (bit TCB_MIRRORED_BIT0 + i). */
const HAS_HIGH_SEQ = 1 << 0;
const HAS_PRR_OUT = 1 << 1;
const HAS_LOST = 1 << 2;
const HAS_MDEV_US = 1 << 3;
const HAS_DELIVERED_MSTAMP = 1 << 4;
const HAS_APP_LIMITED = 1 << 5;
const HAS_SND_CWND_STAMP = 1 << 6;
const HAS_TCP_WSTAMP_NS = 1 << 7;
const TCB_MIRRORED_BIT0 = MIRRORED_FIELDS.length;

/** Fields that come to hold non-Smi numbers (ns past 2^31, values read from typed arrays): doubles from the start (double-fields.ts). */
const TCB_DOUBLE_FIELDS = ["rtoNs", "rackXmitNs", "rackSeg", "rackRttUs", "highSacked", "cwndStamp", "lastRateBps", "ownPaceNext"];

/** The sender state. */
export class Tcb {
  // ---- scoreboard ring (small at first: grown by ensure() as the window opens, so 10,000 idle flows stay cheap) ----
  cap = RING_INITIAL;
  mask = RING_INITIAL - 1;
  /**
   * Each segment's transmission record, TX_FIELDS numbers at {@link txAt}:
   * TX_TIME, the time of its latest (re)transmission (ns), and the rate
   * snapshot of tcp_skb_cb's tx: TX_DELIVERED (tcp_sock.delivered when
   * sent), TX_DELIVERED_CE, TX_DEL_MSTAMP (delivered_mstamp, µs),
   * TX_FIRST_TX (first_tx_mstamp, µs). One record is 40 contiguous bytes,
   * so an ACKed segment costs one or two cache lines rather than one per
   * field (and one allocation per flow rather than one per field).
   */
  tx = new Float64Array(RING_INITIAL * TX_FIELDS);
  /** Scoreboard bits (SACKED_ACKED, LOST, ...) by segment, apart from tx: the loops that scan the window read only these. */
  flags = new Uint8Array(RING_INITIAL);

  /** First unacknowledged and next new segment numbers. */
  una = 0;
  nxt = 0;
  /** Segments the application has to send (Infinity for a bulk flow). */
  endSeg = Infinity;
  /** Payload of the final segment of a sized flow. */
  lastSegBytes = 0;
  /** Set when the application stops writing (stopNs). */
  appStopped = false;

  // ---- tcp_sock's scoreboard counts, delivered counts and srtt_us: u32 fields no congestion control may write
  // (bpf_tcp_ca_btf_struct_access), so the sender reads its own copies (tcp_packets_in_flight alone reads
  // four of them several times per ACK) and writes each change through to the socket, where CC reads it ----
  private ownPacketsOut = 0;
  private ownSackedOut = 0;
  private ownLostOut = 0;
  private ownRetransOut = 0;
  private ownDelivered = 0;
  private ownDeliveredCe = 0;
  private ownSrttUs = 0;
  /** tcp_sock.packets_out. */
  get packets_out(): number {
    return this.ownPacketsOut;
  }
  set packets_out(v: number) {
    this.ownPacketsOut = v >>> 0;
    this.sk.packets_out = v;
  }
  /** tcp_sock.sacked_out. */
  get sacked_out(): number {
    return this.ownSackedOut;
  }
  set sacked_out(v: number) {
    this.ownSackedOut = v >>> 0;
    this.sk.sacked_out = v;
  }
  /** tcp_sock.lost_out. */
  get lost_out(): number {
    return this.ownLostOut;
  }
  set lost_out(v: number) {
    this.ownLostOut = v >>> 0;
    this.sk.lost_out = v;
  }
  /** tcp_sock.retrans_out. */
  get retrans_out(): number {
    return this.ownRetransOut;
  }
  set retrans_out(v: number) {
    this.ownRetransOut = v >>> 0;
    this.sk.retrans_out = v;
  }
  /** tcp_sock.delivered. */
  get delivered(): number {
    return this.ownDelivered;
  }
  set delivered(v: number) {
    this.ownDelivered = v >>> 0;
    this.sk.delivered = v;
  }
  /** tcp_sock.srtt_us (8 × srtt, µs), written only by tcp_rtt_estimator. */
  get srtt_us(): number {
    return this.ownSrttUs;
  }
  set srtt_us(v: number) {
    this.ownSrttUs = v >>> 0;
    this.sk.srtt_us = v;
  }
  /**
   * icsk_ca_state (TCP_CA_*): the sender's own, set with the socket's by
   * tcp_set_ca_state (recovery.ts setState), the only writer of a running
   * sender's state (no congestion control writes the field itself).
   */
  icsk_ca_state = 0;
  /** tcp_sock.delivered_ce. */
  get delivered_ce(): number {
    return this.ownDeliveredCe;
  }
  set delivered_ce(v: number) {
    this.ownDeliveredCe = v >>> 0;
    this.sk.delivered_ce = v;
  }

  // ---- recovery state (tcp_sock fields, in segments) ----
  private highSeg = 0;
  /** high_seq as a segment number; the socket's tcp_sock.high_seq holds its byte sequence. */
  get high_seq(): number {
    return this.highSeg;
  }
  set high_seq(seg: number) {
    this.highSeg = seg;
    if (this.hasBits & HAS_HIGH_SEQ) this.sk.high_seq = this.seqOf(seg);
  }
  /** undo_marker as a segment number; -1 for Linux's 0 ("no undo possible"). Mirrored ({@link TCB_MIRRORED}). */
  declare undo_marker: number;
  /** Retransmissions an undo still waits for; -1: none to wait for. Mirrored. */
  declare undo_retrans: number;
  /** ms timestamp of the first retransmission of this episode (0 = none). Mirrored. */
  declare retrans_stamp: number;
  /** Segments retransmitted over the connection's life. Mirrored. */
  declare total_retrans: number;
  prr_delivered = 0;
  private prrOut = 0;
  /** tcp_sock.prr_out (segments), mirrored into the socket. */
  get prr_out(): number {
    return this.prrOut;
  }
  set prr_out(v: number) {
    this.prrOut = v;
    if (this.hasBits & HAS_PRR_OUT) this.sk.prr_out = v;
  }
  /** tcp_sock.lost: segments ever marked lost (mirrored into the socket when it has the field; no CA writes it). */
  get lost(): number {
    return this.ownLost;
  }
  set lost(v: number) {
    if (this.hasBits & HAS_LOST) {
      this.ownLost = v >>> 0;
      this.sk.lost = v;
    } else this.ownLost = v;
  }
  /** Highest SACKed segment + 1 ("fack"). */
  highSacked = 0;
  /** Scan hint for RACK over never-retransmitted segments. */
  rackScan = 0;
  /** Retransmitted segments in transmission order (for lost-retransmit detection), with their send times. */
  rtxFifo: number[] = [];
  rtxFifoTimes: number[] = [];
  /** retransmit_skb_hint: no segment below needs retransmitting. */
  rtxHint = 0;
  /** recv_sack_cache: the previous ACK's SACK blocks (start, end), to skip what was already tagged. */
  sackCache = new Float64Array(8);
  nSackCache = 0;
  rtxFifoHead = 0;
  /** RACK: send time (ns) and segment of the most recently sent delivered segment. */
  rackXmitNs = -1;
  rackSeg = -1;
  rackRttUs = 0;
  /** A reordering timer would be needed (sacked_out < dupthresh): not modelled. */
  reordering = 3;

  // ---- RTT / RTO (tcp_rtt_estimator) ----
  private mdevUs = 0;
  /** tcp_sock.mdev_us, mirrored into the socket once the first RTT sample sets it (until then the socket keeps tcp_init_sock's 1 s). */
  get mdev_us(): number {
    return this.mdevUs;
  }
  set mdev_us(v: number) {
    this.mdevUs = v;
    if (this.hasBits & HAS_MDEV_US) this.sk.mdev_us = v;
  }
  /** tcp_rtt_estimator's state (mirrored): rtt_seq is a segment number, the socket holds its byte sequence. */
  declare mdev_max_us: number;
  declare rttvar_us: number;
  declare rtt_seq: number;
  /** icsk_rto in ns (a whole number of jiffies). */
  rtoNs = 1_000_000_000;
  icsk_backoff = 0;
  icsk_retransmits = 0;
  /** Minimum RTT seen (µs), ~0 before any sample. */
  minRttUs = 0;

  // ---- delivery rate (tcp_rate.c) ----
  /** tcp_sock.delivered_mstamp (µs), mirrored into the socket when it has the field (BBR reads it; no CA writes it). */
  get delivered_mstamp(): number {
    return this.ownDeliveredMstamp;
  }
  set delivered_mstamp(v: number) {
    this.ownDeliveredMstamp = v;
    if (this.hasBits & HAS_DELIVERED_MSTAMP) this.sk.delivered_mstamp = v;
  }
  first_tx_mstamp = 0;
  /**
   * tcp_sock.app_limited: the delivered count at which app-limitation ends, 0
   * if not limited; in the socket when it has the field (BBR's PROBE_RTT sets it).
   */
  get app_limited(): number {
    return this.hasBits & HAS_APP_LIMITED ? (this.sk.app_limited as number) : this.ownAppLimited;
  }
  set app_limited(v: number) {
    if (this.hasBits & HAS_APP_LIMITED) this.sk.app_limited = v >>> 0;
    else this.ownAppLimited = v;
  }
  /** The last rate sample kept for the app-limited check (tcp_rate_gen; mirrored). */
  declare rate_delivered: number;
  declare rate_interval_us: number;

  // ---- cwnd validation and idle (tcp_cwnd_validate) ----
  cwnd_usage_seq = 0;
  snd_cwnd_used = 0;
  private cwndStamp = 0;
  /** tcp_sock.snd_cwnd_stamp (jiffies): the socket's, when it has one, since a BPF congestion control may write it. */
  get snd_cwnd_stamp(): number {
    return this.hasBits & HAS_SND_CWND_STAMP ? (this.sk.snd_cwnd_stamp as number) : this.cwndStamp;
  }
  set snd_cwnd_stamp(v: number) {
    this.cwndStamp = v;
    if (this.hasBits & HAS_SND_CWND_STAMP) this.sk.snd_cwnd_stamp = v;
  }

  /** When data was last sent (ns), -1 before any; lsndtime in the socket is its jiffies. */
  lsndtimeNs = -1;

  // ---- ECN ----
  ecnOk = false;
  /** TCP_ECN_QUEUE_CWR pending: the next new segment carries CWR. */
  queueCwr = false;

  // ---- timers (ns; -1 = not armed) ----
  /** icsk_pending: what the retransmission timer is armed for (ICSK_TIME_*), 0 when it is not armed. */
  xmitKind = 0;
  /** tp->tlp_high_seq as a segment number (snd_nxt when the probe went out), -1 when no probe is outstanding. */
  tlpHighSeq = -1;
  /** tp->tlp_retrans: the outstanding probe retransmitted the last segment (else it sent new data). */
  tlpRetrans = false;
  rtoDeadline = -1;
  /** Time of the pending RTO event in the scheduler, -1 if none. */
  rtoEventAt = -1;
  /** tcp_sock.tcp_wstamp_ns: earliest departure time of the next packet (ns), mirrored into the socket when it has the field (no CA writes it). */
  get paceNext(): number {
    return this.ownPaceNext;
  }
  set paceNext(v: number) {
    this.ownPaceNext = v;
    if (this.hasBits & HAS_TCP_WSTAMP_NS) this.sk.tcp_wstamp_ns = v;
  }
  paceEventAt = -1;

  // ---- counts of what the sender did (for summaries and samples): fields of the Tcb, not a side object the ACK path follows ----
  segsOut = 0;
  retrans = 0;
  rtos = 0;
  recoveries = 0;
  undos = 0;
  bytesAcked = 0;
  lastRttUs = -1;
  lastRateBps = 0;
  /**
   * The sender's own copy of the socket fields above: the truth for those no
   * congestion control may write (bpf_tcp_ca_btf_struct_access), so the hot
   * path reads a property, not kernel memory; app_limited's is used only when
   * the socket lacks the field. Fields of the Tcb itself, not a side object: the
   * per-packet path reads them without one more pointer to follow.
   */
  private ownLost = 0;
  private ownDeliveredMstamp = 0;
  private ownAppLimited = 0;
  private ownPaceNext = 0;
  /**
   * The sender's values of the {@link TCB_MIRRORED} fields in TCB_MIRRORED_FIELDS order (the socket holds them as
   * Linux spells them); an accessor indexes it with its own constant (a keyed access by name would be megamorphic).
   */
  readonly mirrored: number[] = TCB_MIRRORED_START.slice();
  /**
   * The socket's store for each mirrored field, by the same index: its accessor's setter when the
   * field is one (a kernel socket), else an assignment; called directly, not through a keyed store by name.
   */
  readonly mirroredStore: readonly ((this: TcpCcSocket, v: number) => void)[];
  /**
   * Which optional tcp_sock fields the socket has (HAS_* bits, and bit TCB_MIRRORED_BIT0 + i for
   * TCB_MIRRORED_FIELDS[i]), found once (a plain test socket may lack them), not on every write: a small
   * integer in the Tcb itself, so a write through to the socket follows no side object.
   */
  readonly hasBits: number;

  constructor(
    /** The kernel socket (tcp_sock fields + icsk_ca_ops). */
    readonly sk: TcpCcSocket,
    readonly mss: number,
    /** Initial sequence number (bytes). */
    readonly isn: number,
  ) {
    let bits = 0;
    for (let i = 0; i < MIRRORED_FIELDS.length; i++) if (sk[MIRRORED_FIELDS[i] as (typeof MIRRORED_FIELDS)[number]] !== undefined) bits |= 1 << i;
    for (let i = 0; i < TCB_MIRRORED_FIELDS.length; i++) if (sk[TCB_MIRRORED_FIELDS[i] as TcbMirroredField] !== undefined) bits |= 1 << (TCB_MIRRORED_BIT0 + i);
    this.hasBits = bits;
    this.mirroredStore = socketSetters(sk);
    this.ownPacketsOut = sk.packets_out;
    this.ownSackedOut = sk.sacked_out;
    this.ownLostOut = sk.lost_out;
    this.ownRetransOut = sk.retrans_out;
    this.ownDelivered = sk.delivered;
    this.ownDeliveredCe = sk.delivered_ce;
    this.ownSrttUs = sk.srtt_us;
    this.icsk_ca_state = sk.icsk_ca_state;
    doubleFields(this, TCB_DOUBLE_FIELDS);
  }

  /** tcp_packets_in_flight(). */
  inFlight(): number {
    return this.ownPacketsOut - (this.ownSackedOut + this.ownLostOut) + this.ownRetransOut;
  }

  /** Byte sequence number of segment `seg` (u32). */
  seqOf(seg: number): number {
    // ToUint32: the value modulo 2^32 (as `% 4294967296` for seg ≥ 0), without a floating-point remainder.
    return (this.isn + seg * this.mss) >>> 0;
  }

  /** Makes the ring hold at least `n` segments from `una`. */
  ensure(n: number): void {
    if (n <= this.cap) return;
    let cap = this.cap;
    while (cap < n) cap *= 2;
    const tx = new Float64Array(cap * TX_FIELDS);
    const flags = new Uint8Array(cap);
    for (let s = this.una; s < this.nxt; s++) {
      const from = this.txAt(s);
      const to = (s & (cap - 1)) * TX_FIELDS;
      for (let k = 0; k < TX_FIELDS; k++) tx[to + k] = this.tx[from + k] as number;
      flags[s & (cap - 1)] = this.flags[s & this.mask] as number;
    }
    this.tx = tx;
    this.flags = flags;
    this.cap = cap;
    this.mask = cap - 1;
  }

  /** Index in {@link tx} of segment `seg`'s record. */
  txAt(seg: number): number {
    return (seg & this.mask) * TX_FIELDS;
  }

  /** Payload bytes of segment `seg`. */
  segBytes(seg: number): number {
    return seg === this.endSeg - 1 && this.lastSegBytes > 0 ? this.lastSegBytes : this.mss;
  }
}

/** How a mirrored Tcb value is stored in the socket's tcp_sock. */
type TcbMirror = (tcb: Tcb, v: number) => number;
const asU32: TcbMirror = (_tcb, v) => v >>> 0;
/** A segment number as its byte sequence; -1 ("none") as Linux's 0. */
const asSeq: TcbMirror = (tcb, seg) => (seg < 0 ? 0 : tcb.seqOf(seg));

/**
 * Sender state Linux keeps in tcp_sock, written through to the socket's
 * bytes (when the socket has the field) each time the sender sets it, so a
 * congestion control reads it live; each is set where the kernel function
 * the sender follows sets it: tcp_rtt_estimator (mdev_max_us, rttvar_us,
 * rtt_seq), tcp_init_undo / tcp_try_undo_* / tcp_retransmit_skb
 * (undo_marker, undo_retrans, retrans_stamp, total_retrans), tcp_rate_gen
 * (rate_delivered, rate_interval_us). docs/tcp-sock-fields.md.
 */
export const TCB_MIRRORED = {
  undo_marker: asSeq,
  undo_retrans: asU32,
  retrans_stamp: asU32,
  total_retrans: asU32,
  mdev_max_us: asU32,
  rttvar_us: asU32,
  rtt_seq: asSeq,
  rate_delivered: asU32,
  rate_interval_us: asU32,
} as const satisfies Record<string, TcbMirror>;

/** A field of {@link TCB_MIRRORED}. */
export type TcbMirroredField = keyof typeof TCB_MIRRORED;

/** `sk`'s setter of `name` if an accessor defines it (on the object or its prototypes), else a plain assignment. */
function socketSetter(sk: TcpCcSocket, name: TcbMirroredField): (this: TcpCcSocket, v: number) => void {
  for (let o: object | null = sk; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d === undefined) continue;
    if (d.set !== undefined) return d.set as (this: TcpCcSocket, v: number) => void;
    break;
  }
  return function (this: TcpCcSocket, v: number) {
    this[name] = v;
  };
}

/** The {@link TCB_MIRRORED} fields in a fixed order (the index of Tcb.mirrored). */
const TCB_MIRRORED_FIELDS = Object.keys(TCB_MIRRORED) as TcbMirroredField[];
/** Each mirrored field's value before the sender sets it (-1: no undo marker, no retransmission to undo). */
const TCB_MIRRORED_INIT: Readonly<Record<TcbMirroredField, number>> = {
  undo_marker: -1, undo_retrans: -1, retrans_stamp: 0, total_retrans: 0, mdev_max_us: 0, rttvar_us: 0, rtt_seq: 0, rate_delivered: 0, rate_interval_us: 0,
};
/**
 * Tcb.mirrored's first values, copied by each Tcb (a slice: no typed array
 * allocated outside the JS heap, no mapping call per field, at each of
 * thousands of flow starts). Made an array of doubles (0.5 pushed and
 * popped) so every copy has the elements kind the values it is given need.
 */
const TCB_MIRRORED_START: number[] = TCB_MIRRORED_FIELDS.map((f) => TCB_MIRRORED_INIT[f]);
TCB_MIRRORED_START.push(0.5);
TCB_MIRRORED_START.pop();

/** The socket setters of TCB_MIRRORED_FIELDS for sockets with none of them as own properties, by prototype. */
const SETTERS_BY_PROTO = new WeakMap<object, readonly ((this: TcpCcSocket, v: number) => void)[]>();

/** socketSetter for each of TCB_MIRRORED_FIELDS: found once per prototype when they all come from it. */
function socketSetters(sk: TcpCcSocket): readonly ((this: TcpCcSocket, v: number) => void)[] {
  const proto = Object.getPrototypeOf(sk) as object | null;
  if (proto === null || TCB_MIRRORED_FIELDS.some((f) => Object.prototype.hasOwnProperty.call(sk, f))) return TCB_MIRRORED_FIELDS.map((f) => socketSetter(sk, f));
  let s = SETTERS_BY_PROTO.get(proto);
  if (s === undefined) {
    s = TCB_MIRRORED_FIELDS.map((f) => socketSetter(sk, f));
    SETTERS_BY_PROTO.set(proto, s);
  }
  return s;
}

for (let i = 0; i < TCB_MIRRORED_FIELDS.length; i++) {
  const name = TCB_MIRRORED_FIELDS[i] as TcbMirroredField;
  const mirror = TCB_MIRRORED[name];
  Object.defineProperty(Tcb.prototype, name, {
    get(this: Tcb): number {
      return this.mirrored[i] as number;
    },
    set(this: Tcb, v: number) {
      this.mirrored[i] = v;
      if (this.hasBits & (1 << (TCB_MIRRORED_BIT0 + i))) (this.mirroredStore[i] as (this: TcpCcSocket, v: number) => void).call(this.sk, mirror(this, v));
    },
  });
}
