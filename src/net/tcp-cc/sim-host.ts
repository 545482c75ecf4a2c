/**
 * @fileoverview The emulated kernel's TCP as the testbed's network stack:
 * implements {@link TcpCcHost}, the congestion-control interface of
 * src/uapi/tcp-cc.ts that the simulator also imports, over {@link TcpCc}.
 * A simulated connection is a socket of this kernel, made and configured
 * through the same calls a process's socket fd goes through: TcpCc.socket
 * in the host's network namespace (init_net unless given), the
 * setsockopt(TCP_CONGESTION) entry with the host's caller for the
 * capability check; then establishment (init()) when the simulator's
 * handshake completes (the testbed models the connection itself), and the
 * socket's destruction at close (release()). The simulator's clock drives the kernel's clock, so jiffies,
 * bpf_ktime_get_ns and tcp_mstamp agree with simulated time.
 */
import type { SockCaller, TcpCc } from "./subsystem.js";
import type { TcpSock } from "./sock.js";
import type { ErrOr } from "../../kernel/errptr.js";
import type { TcpCcHost } from "./ca-types.js";
import type { NetNs } from "../../kernel/netns.js";
import { bindSock } from "./socket-calls.js";

const utf8 = new TextEncoder();

/** A TcpCc seen by the simulator. */
export class TcpCcSimHost implements TcpCcHost {
  /** Kernel time (ns) at simulated time 0. */
  private readonly base: bigint;
  /** The same as a number when it is a safe integer (the clock then moves without a BigInt), else NaN. */
  private readonly baseNum: number;
  private last = -1;

  constructor(
    readonly tcp: TcpCc,
    /** Who sets congestion control for flows (default: a CAP_NET_ADMIN task). */
    private readonly caller: SockCaller = { capNetAdmin: true },
    /** The network namespace the flows' sockets belong to. */
    private readonly net: NetNs = tcp.kernel.netns.initNet,
  ) {
    this.base = tcp.kernel.now;
    this.baseNum = this.base <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.base) : NaN;
  }

  /** Moves the kernel clock to simulated time `ns` (never backwards). */
  setTime(ns: number): void {
    if (ns === this.last) return;
    this.last = ns;
    const k = this.tcp.kernel;
    const t = this.baseNum + ns;
    if (Number.isSafeInteger(t)) {
      if (t > k.nowNs) k.setTimeNs(t);
      return;
    }
    const tb = this.base + BigInt(ns);
    if (tb > k.now) k.setTime(tb);
  }

  /** socket(): a TcpSock on the namespace's default CA, or -errno. */
  socket(): ErrOr<TcpSock> {
    return this.tcp.socket(this.net);
  }

  /** setsockopt(TCP_CONGESTION, name, strlen(name)): 0 or -errno. */
  setCongestion(sk: TcpSock, name: string): number {
    return this.tcp.setsockoptCongestion(sk, utf8.encode(name), this.caller);
  }

  /** tcp_available_congestion_control as a list. */
  availableCongestion(): readonly string[] {
    const a = this.tcp.registry.available();
    return a === "" ? [] : a.split(" ");
  }

  /**
   * The connection is established: it gets an ephemeral local port of its
   * namespace (so it is in the established hash BPF iterators walk), then
   * init() of its CA.
   */
  establish(sk: TcpSock): void {
    bindSock(this.tcp, sk, 0);
    this.tcp.establish(sk);
  }

  /**
   * close(2) of a simulated connection: its end, after the FIN exchange the
   * simulator stands for, is the socket's destruction (release() once, no
   * tcp_disconnect as an abortive close of a process's fd has).
   */
  close(sk: TcpSock): void {
    this.tcp.destroy(sk);
  }

  /** __tcp_send_ack (bpf_tcp_send_ack, or a built-in's) from a CA reaches the testbed through here. */
  onSendAck(cb: (sk: TcpSock, rcvNxt: number) => void): void {
    this.tcp.onSendAck = cb;
  }
}
