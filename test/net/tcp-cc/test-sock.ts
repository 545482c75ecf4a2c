/**
 * @fileoverview A plain in-memory {@link TcpCaSock} for tests of congestion
 * control code: every field is an ordinary property and `caPriv` is a
 * 104-byte DataView of its own. The real socket, backed by the emulated
 * kernel's memory, lives elsewhere; this double only has to hold values.
 *
 * Clock convention: {@link TestSock.setTimeUs} moves `tcp_mstamp` (µs) and
 * `jiffies32` together, jiffies starting near the u32 wrap as Linux's
 * INITIAL_JIFFIES does, so tests cross the wrap without trying.
 */
import { HZ, ICSK_CA_PRIV_SIZE, SK_PACING_NONE, TCP_CA_Open, TCP_INFINITE_SSTHRESH, type TcpCaSock } from "../../../src/net/tcp-cc/ca-types.js";

/** jiffies at µs 0 of a {@link TestSock} clock: -300 s worth, as INITIAL_JIFFIES. */
export const TEST_INITIAL_JIFFIES = (-300 * HZ) >>> 0;

/** Initial values a test may override. */
export type TestSockInit = Partial<Omit<TcpCaSock, "caPriv" | "addr">>;

/** A TCP socket as CA code sees it, as plain properties. */
export class TestSock implements TcpCaSock {
  readonly addr = 0;
  snd_cwnd = 10;
  snd_ssthresh = TCP_INFINITE_SSTHRESH;
  snd_cwnd_cnt = 0;
  snd_cwnd_clamp = 0xffffffff;
  prior_cwnd = 0;
  prior_ssthresh = 0;
  snd_una = 0;
  snd_nxt = 0;
  srtt_us = 0;
  mss_cache = 1448;
  packets_out = 0;
  sacked_out = 0;
  lost_out = 0;
  retrans_out = 0;
  delivered = 0;
  delivered_ce = 0;
  max_packets_out = 0;
  is_cwnd_limited = 1;
  tcp_mstamp = 0;
  icsk_ca_state = TCP_CA_Open;
  sk_pacing_rate = 0;
  sk_pacing_status = SK_PACING_NONE;
  sk_gso_max_size = 65536;
  lsndtime = 0;
  app_limited = 0;
  lost = 0;
  delivered_mstamp = 0;
  sk_pacing_shift = 10;
  tcp_clock_cache?: number;
  tcp_wstamp_ns?: number;
  sk_max_pacing_rate?: number;
  rtt_min?: number;
  jiffies32 = TEST_INITIAL_JIFFIES;
  readonly caPriv = new DataView(new ArrayBuffer(ICSK_CA_PRIV_SIZE));

  constructor(init: TestSockInit = {}) {
    Object.assign(this, init);
  }

  /** Sets the µs clock and the jiffies derived from it (TEST_INITIAL_JIFFIES + us / (1e6 / HZ)). */
  setTimeUs(us: number): void {
    this.tcp_mstamp = us;
    this.jiffies32 = (TEST_INITIAL_JIFFIES + Math.floor((us * HZ) / 1_000_000)) >>> 0;
  }

  /** The `caPriv` bytes as lowercase hex. */
  privHex(length = ICSK_CA_PRIV_SIZE): string {
    let hex = "";
    for (let i = 0; i < length; i++) hex += this.caPriv.getUint8(i).toString(16).padStart(2, "0");
    return hex;
  }
}
