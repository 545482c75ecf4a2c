/**
 * @fileoverview The TCP_INFO samples of native/testbed/flow.c (struct
 * tcp_info of include/uapi/linux/tcp.h, one CSV row per getsockopt) and
 * their conversion into the testbed's `flow` trace records (src/sim/api.ts),
 * so a run on Linux writes the same trace files as a simulated one.
 */
import type { FlowSampleRecord } from "../../sim/api.js";
import { TestbedError } from "./netns.js";

/** One TCP_INFO row of flow.c. */
export interface TcpInfoRow {
  /** Microseconds after the run's time 0 (or after the connection was established, without --t0-ns). */
  readonly tUs: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  /** tcpi_rtt: the smoothed RTT (srtt_us >> 3), µs. */
  readonly rttUs: number;
  readonly rttvarUs: number;
  readonly caState: number;
  readonly unacked: number;
  readonly sacked: number;
  readonly lost: number;
  readonly retrans: number;
  readonly totalRetrans: number;
  readonly delivered: number;
  readonly bytesAcked: number;
  /** tcpi_delivery_rate, bytes/s. */
  readonly deliveryRate: number;
  readonly minRttUs: number;
  /** tcpi_pacing_rate: sk_pacing_rate in bytes/s. */
  readonly pacingRate: number;
  readonly sndMss: number;
  readonly segsOut: number;
  /** getsockopt(TCP_CONGESTION) at the same moment. */
  readonly cc: string;
}

/** The header flow.c prints before its rows. */
export const TCP_INFO_CSV_HEADER =
  "t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,lost,retrans,total_retrans,delivered,bytes_acked,delivery_rate,min_rtt_us,pacing_rate,snd_mss,segs_out,cc";
const COLUMNS = TCP_INFO_CSV_HEADER.split(",").length;

/** Parses flow.c's CSV (from its header on; lines before it are ignored); throws TestbedError naming the bad line. */
export function parseTcpInfoCsv(text: string): TcpInfoRow[] {
  const lines = text.split("\n");
  const h = lines.indexOf(TCP_INFO_CSV_HEADER);
  if (h < 0) throw new TestbedError(`flow output has no TCP_INFO header ('${TCP_INFO_CSV_HEADER.slice(0, 40)}...')`);
  const rows: TcpInfoRow[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const parts = line.split(",");
    const f = parts.slice(0, COLUMNS - 1).map(Number);
    if (parts.length !== COLUMNS || f.some((x) => !Number.isFinite(x))) throw new TestbedError(`flow CSV line ${i + 1}: malformed '${line}'`);
    const g = (k: number): number => f[k] as number;
    rows.push({
      tUs: g(0), cwnd: g(1), ssthresh: g(2), rttUs: g(3), rttvarUs: g(4), caState: g(5), unacked: g(6), sacked: g(7), lost: g(8),
      retrans: g(9), totalRetrans: g(10), delivered: g(11), bytesAcked: g(12), deliveryRate: g(13), minRttUs: g(14), pacingRate: g(15),
      sndMss: g(16), segsOut: g(17), cc: parts[COLUMNS - 1] as string,
    });
  }
  return rows;
}

/**
 * One row as the testbed's `flow` record. TCP_INFO has no latest RTT
 * sample, so `rttUs` is the smoothed RTT too; in flight is
 * tcp_packets_in_flight (packets_out - sacked_out - lost_out + retrans_out).
 */
export function flowRecordOf(flow: string, r: TcpInfoRow): FlowSampleRecord {
  return {
    type: "flow", t: r.tUs * 1000, flow, cc: r.cc, cwnd: r.cwnd, ssthresh: r.ssthresh, caState: r.caState, srttUs: r.rttUs, rttUs: r.rttUs,
    inflight: Math.max(0, r.unacked - r.sacked - r.lost + r.retrans), deliveryRateBps: r.deliveryRate * 8, bytesAcked: r.bytesAcked,
    retrans: r.totalRetrans, pacingRate: r.pacingRate, deliveredBytes: r.delivered * r.sndMss,
  };
}
