/**
 * @fileoverview The TCP socket calls of the emulated kernel over 127.0.0.1:
 * bind, listen, connect, accept and close, with the congestion control's
 * hooks where Linux 6.18 calls them. Probed on Linux 6.18 with a BPF CA that
 * logs every optional hook (test/parity/hook-log.ts), and read in
 * net/ipv4/tcp_input.c, tcp_minisocks.c, tcp_cong.c and tcp.c:
 *
 * - connect: the SYN-ACK acknowledges the SYN, so the client's
 *   `pkts_acked` (one packet) and `in_ack_event` (CA_ACK_SLOWPATH |
 *   CA_ACK_WIN_UPDATE) run before `tcp_finish_connect` establishes it and
 *   `init` runs (tcp_init_transfer). The listener's child is made when the
 *   client's ACK arrives (tcp_create_openreq_child): it takes the listener's
 *   CA if the listener chose it with setsockopt and a reference can be taken,
 *   else its namespace's default (tcp_ca_openreq_child); its `set_state`
 *   (TCP_CA_Open), then `in_ack_event` for the ACK and `init` run, all
 *   before accept(), which only dequeues it.
 * - A connect nobody listens for is reset: tcp_disconnect runs `set_state`
 *   (TCP_CA_Open) and connect fails with ECONNREFUSED.
 * - close is the abortive close of SO_LINGER {1, 0}, which is how both
 *   backends close: an established socket is disconnected (`release`, the
 *   CA's private area cleared, `set_state(TCP_CA_Open)`), its peer reset
 *   (no hook there, tcp_done), then destroyed; a socket its peer already
 *   reset only runs `release` at destruction; a listener's unaccepted
 *   children are closed the same way.
 *
 * A connection's data path is not modelled here (the testbed has its own);
 * neither is a full accept backlog (every connect is queued).
 *
 * @see net/ipv4/tcp_input.c tcp_rcv_synsent_state_process, tcp_rcv_state_process (v6.18)
 */
import { EADDRINUSE, EAGAIN, ECONNREFUSED, EINVAL, EISCONN } from "../../uapi/errno.js";
import { CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, TCP_CA_Open } from "./ca-types.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_SYN_SENT } from "./sock.js";
import type { TcpSock } from "./sock.js";
import type { TcpCc, TcpNet } from "./subsystem.js";
import { ERR, type ErrOr } from "../../kernel/errptr.js";
import { LOOPBACK_RTT_US, loopbackIsn, synAckAcked, synAckDone, synSent } from "./handshake.js";

/** ip_local_port_range's default: 32768..60999. */
export const EPHEMERAL_PORT_MIN = 32768;
export const EPHEMERAL_PORT_MAX = 60999;

/** tcp_set_ca_state: the CA's set_state hook, then icsk_ca_state. */
function setCaState(sk: TcpSock, state: number): void {
  sk.ca.set_state?.(sk, state);
  sk.icsk_ca_state = state;
}

/** inet_csk_get_port with port 0: the first free ephemeral port from where the last search ended, or 0. */
function ephemeralPort(n: TcpNet): number {
  const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
  for (let i = 0; i < span; i++) {
    const p = EPHEMERAL_PORT_MIN + ((n.nextEphemeral - EPHEMERAL_PORT_MIN + i) % span);
    if (!n.ports.has(p)) {
      n.nextEphemeral = p + 1 > EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : p + 1;
      return p;
    }
  }
  return 0;
}

/**
 * bind(2) to 127.0.0.1:`port` (0: an ephemeral port): 0, -EINVAL (already
 * bound, or not a fresh socket), -EADDRINUSE.
 */
export function bindSock(tcp: TcpCc, sk: TcpSock, port: number): number {
  const r = bindPort(tcp, sk, port);
  if (r === 0) sk.portLocked = true;
  return r;
}

/** inet_csk_get_port: binds `sk` to `port` (0: ephemeral) in its namespace. */
function bindPort(tcp: TcpCc, sk: TcpSock, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) return -EINVAL;
  if (sk.port !== 0 || sk.state !== TCP_CLOSE || sk.peer !== null) return -EINVAL;
  const n = tcp.pernet(sk.net);
  const p = port === 0 ? ephemeralPort(n) : port;
  if (p === 0) return -EADDRINUSE;
  if (n.ports.has(p)) return -EADDRINUSE;
  n.ports.set(p, sk);
  sk.port = p;
  return 0;
}

/** listen(2): 0 or -EINVAL (connected or closed). An unbound socket gets an ephemeral port. */
export function listenSock(tcp: TcpCc, sk: TcpSock): number {
  if (sk.state === TCP_LISTEN) return 0;
  if (sk.state !== TCP_CLOSE || sk.peer !== null) return -EINVAL;
  if (sk.port === 0) {
    const r = bindPort(tcp, sk, 0);
    if (r < 0) return r;
  }
  sk.state = TCP_LISTEN;
  return 0;
}

/**
 * connect(2) to 127.0.0.1:`port`, the three-way handshake done at once:
 * 0, -EISCONN, -ECONNREFUSED (no listener in the socket's namespace),
 * -ENOMEM (no memory for the child). See the file comment for the hooks.
 */
export function connectSock(tcp: TcpCc, sk: TcpSock, port: number): number {
  if (sk.state !== TCP_CLOSE || sk.peer !== null) return -EISCONN;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) return -EINVAL;
  if (sk.port === 0) {
    const r = bindPort(tcp, sk, 0);
    if (r < 0) return r;
  }
  sk.state = TCP_SYN_SENT;
  const listener = tcp.pernet(sk.net).ports.get(port);
  if (listener === undefined || listener.state !== TCP_LISTEN) {
    // The RST answering the SYN: tcp_reset, then inet_stream_connect's disconnect.
    connectFailed(tcp, sk);
    return -ECONNREFUSED;
  }
  const child = tcp.socket(listener.net);
  if (typeof child === "number") {
    connectFailed(tcp, sk);
    return child;
  }
  // The client takes the SYN-ACK (tcp_rcv_synsent_state_process): tcp_ack
  // cleans the SYN from the retransmit queue, then tcp_finish_connect. A
  // model bug thrown from a hook takes the unborn child with it.
  const nowUs = Math.floor(tcp.kernel.nowNs / 1000);
  synSent(sk, loopbackIsn(sk.port, port), nowUs);
  sk.dport = port;
  child.dport = sk.port;
  try {
    synAckAcked(sk, nowUs);
    sk.ca.pkts_acked?.(sk, { pkts_acked: 1, rtt_us: LOOPBACK_RTT_US, in_flight: sk.mss_cache });
    sk.ca.in_ack_event?.(sk, CA_ACK_SLOWPATH | CA_ACK_WIN_UPDATE);
    synAckDone(sk, loopbackIsn(port, sk.port));
    establish(tcp, sk);
  } catch (e) {
    tcp.destroy(child);
    throw e;
  }
  // The listener takes the client's ACK: tcp_check_req makes the child.
  openreqChild(tcp, listener, child);
  child.port = listener.port;
  sk.peer = child;
  child.peer = sk;
  listener.acceptQueue.push(child);
  return 0;
}

/**
 * tcp_disconnect of a connect that failed: set_state(TCP_CA_Open), and an
 * autobound port goes back (inet_put_port unless SOCK_BINDPORT_LOCK), so the
 * socket may bind again.
 */
function connectFailed(tcp: TcpCc, sk: TcpSock): void {
  sk.state = TCP_CLOSE;
  setCaState(sk, TCP_CA_Open);
  if (!sk.portLocked && sk.port !== 0) {
    const n = tcp.pernet(sk.net);
    if (n.ports.get(sk.port) === sk) n.ports.delete(sk.port);
    sk.port = 0;
  }
}

/** tcp_ca_openreq_child, then the child's own ACK processing and tcp_init_transfer. */
function openreqChild(tcp: TcpCc, listener: TcpSock, child: TcpSock): void {
  const ca = listener.ca;
  if (listener.caSetsockopt && ca !== child.ca && tcp.caGet(ca)) {
    tcp.caPut(child.ca);
    child.ca = ca;
    child.caSetsockopt = true;
  }
  setCaState(child, TCP_CA_Open);
  child.ca.in_ack_event?.(child, CA_ACK_SLOWPATH | CA_ACK_WIN_UPDATE);
  establish(tcp, child);
}

/**
 * tcp_init_transfer: the socket is established and its CA's init() runs.
 * All or nothing: a socket whose init() throws (a model bug: BPF faults are
 * contained in BpfProg.run) is destroyed with it.
 */
function establish(tcp: TcpCc, sk: TcpSock): void {
  try {
    tcp.establish(sk);
  } catch (e) {
    tcp.destroy(sk);
    throw e;
  }
}

/** accept(2): the first established child, -EINVAL (not listening) or -EAGAIN (none queued; the model never blocks). */
export function acceptSock(sk: TcpSock): ErrOr<TcpSock> {
  if (sk.state !== TCP_LISTEN) return ERR(EINVAL);
  return sk.acceptQueue.shift() ?? ERR(EAGAIN);
}

/**
 * close(2) with SO_LINGER {1, 0}: a listener closes its unaccepted children;
 * a connected socket is disconnected (tcp_disconnect: release(), the CA
 * area cleared, set_state(TCP_CA_Open)) and its peer reset; then the socket
 * is destroyed (release() again only if the CA is still initialised, which
 * it is when the peer's reset came first).
 */
export function closeSock(tcp: TcpCc, sk: TcpSock): void {
  if (sk.closed) return;
  if (sk.state === TCP_LISTEN) {
    for (const child of sk.acceptQueue.splice(0)) closeSock(tcp, child);
  } else if (sk.state === TCP_ESTABLISHED || sk.state === TCP_SYN_SENT) {
    if (sk.caInitialized) sk.ca.release?.(sk);
    sk.clearCaPriv();
    sk.caInitialized = false;
    setCaState(sk, TCP_CA_Open);
    const peer = sk.peer;
    if (peer !== null && !peer.closed) {
      // tcp_reset on the peer: tcp_done, no CA hook.
      peer.state = TCP_CLOSE;
      peer.peer = null;
    }
  }
  sk.peer = null;
  tcp.destroy(sk);
}
