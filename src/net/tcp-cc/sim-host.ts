/**
 * @fileoverview The emulated kernel's TCP as the testbed's network stack:
 * adapts {@link TcpCc} to the simulator's `CcHost` interface
 * (src/sim/tcp/cc-ops.ts) structurally, without importing the simulator.
 * A simulated connection is a socket of this kernel: socket(), the
 * setsockopt(TCP_CONGESTION) a flow asks for, establishment (init()),
 * close (release()); the simulator's clock drives the kernel's clock, so
 * jiffies, bpf_ktime_get_ns and tcp_mstamp agree with simulated time.
 */
import type { SockCaller, TcpCc } from "./subsystem.js";
import type { TcpSock } from "./sock.js";
import type { ErrOr } from "../../kernel/errptr.js";

/** A TcpCc seen by the simulator. */
export class TcpCcSimHost {
  /** Kernel time (ns) at simulated time 0. */
  private readonly base: bigint;
  private last = -1;

  constructor(
    readonly tcp: TcpCc,
    /** Who sets congestion control for flows (default: a CAP_NET_ADMIN task). */
    private readonly caller: SockCaller = { capNetAdmin: true },
  ) {
    this.base = tcp.kernel.now;
  }

  /** Moves the kernel clock to simulated time `ns` (never backwards). */
  setTime(ns: number): void {
    if (ns === this.last) return;
    this.last = ns;
    const t = this.base + BigInt(ns);
    if (t > this.tcp.kernel.now) this.tcp.kernel.setTime(t);
  }

  /** socket(): a TcpSock on the netns default CA, or -errno. */
  socket(): ErrOr<TcpSock> {
    return this.tcp.socket();
  }

  /** setsockopt(TCP_CONGESTION): 0 or -errno. */
  setCongestion(sk: TcpSock, name: string): number {
    return this.tcp.setCongestionControl(sk, name, this.caller);
  }

  /** tcp_available_congestion_control as a list. */
  availableCongestion(): readonly string[] {
    const a = this.tcp.registry.available();
    return a === "" ? [] : a.split(" ");
  }

  /** The connection is established: init() of its CA. */
  establish(sk: TcpSock): void {
    this.tcp.establish(sk);
  }

  /** close(2). */
  close(sk: TcpSock): void {
    this.tcp.close(sk);
  }

  /** __tcp_send_ack (bpf_tcp_send_ack, or a built-in's) from a CA reaches the testbed through here. */
  onSendAck(cb: (sk: TcpSock, rcvNxt: number) => void): void {
    this.tcp.onSendAck = cb;
  }
}
