/**
 * @fileoverview The TCP congestion-control subsystem of the emulated kernel:
 * the registry with built-in reno and cubic, the netns default
 * (net.ipv4.tcp_congestion_control), sockets and their
 * setsockopt/getsockopt(TCP_CONGESTION), the struct_ops type for BPF
 * congestion control, and the sysctl files.
 *
 * A socket holds a reference on its ops (`bpf_try_module_get`): for a BPF
 * CA, a reference on the struct_ops map, taken only if the map is still alive.
 * So an update or an unregistration never touches existing sockets; they keep
 * running the old programs until they change CA or close.
 *
 * @see net/ipv4/tcp_cong.c tcp_set_congestion_control (v6.18)
 */
import { EACCES, EBUSY, EINVAL, ENOENT, ENOMEM, EPERM } from "../../uapi/errno.js";
import { decodeCString } from "../../uapi/cstring.js";
import { ERR } from "../../kernel/errptr.js";
import type { ErrOr } from "../../kernel/errptr.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { NetNs } from "../../kernel/netns.js";
import type { Task } from "../../kernel/task.js";
import { CAP_NET_ADMIN } from "../../kernel/task.js";
import { makeTcpHelpers, makeTcpKfuncs } from "./helpers.js";
import { TcpCaRegistry } from "./registry.js";
import { TCP_CONG_NON_RESTRICTED, TCP_CA_NAME_MAX } from "./ca-types.js";
import type { TcpCongestionOps } from "./ca-types.js";
import { createTcpReno } from "./reno.js";
import { checkTcpCongConfig, KernelConfigError, selectTcpCongBuiltins } from "./tcp-cong-config.js";
import type { TcpCongConfig } from "./tcp-cong-config.js";
import { TcpSock, TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN } from "./sock.js";
import type { TcpSockLayout } from "./sock-layout.js";
import { bpfTcpOps, HookFrames } from "./bpf-ops.js";
import type { TcpOpsLayout } from "./bpf-ops.js";
import { tcpCongestionOpsType } from "./struct-ops-tcp.js";
import type { TcpCaKdata } from "./struct-ops-tcp.js";
import type { StructOpsType } from "../../kernel/struct-ops/desc.js";
import type { BpfCallFn } from "../../kernel/prog/runner.js";
import { skStorageFreeSock } from "../../kernel/map/sk-storage.js";
import { KernelBug } from "../../kernel/bug.js";
import { closeSock, EPHEMERAL_PORT_MIN } from "./socket-calls.js";

/** Options a socket call runs with (who calls: a task, or a BPF program). */
export interface SockCaller {
  /** ns_capable(CAP_NET_ADMIN) of the caller. */
  readonly capNetAdmin: boolean;
}

/** Per-namespace TCP state (the parts of struct netns_ipv4 the model has). */
export interface TcpNet {
  /** net->ipv4.tcp_congestion_control (holds a reference). */
  defaultCa: TcpCongestionOps;
  /** Bound local ports of 127.0.0.1 → the socket bound there (inet_bind_hashbucket). */
  readonly ports: Map<number, TcpSock>;
  /** Where the next ephemeral port search starts. */
  nextEphemeral: number;
}

/** The TCP congestion-control subsystem bound to one kernel. */
export class TcpCc {
  readonly registry: TcpCaRegistry;
  readonly reno: TcpCongestionOps;
  /** The build configuration this kernel booted with (built-ins and CONFIG_DEFAULT_TCP_CONG). */
  readonly config: TcpCongConfig;
  readonly sockets = new Set<TcpSock>();
  /** Pernet state (net_generic). */
  private readonly nets = new Map<NetNs, TcpNet>();
  /**
   * BPF-backed ops → the kdata they come from, for module get/put: the
   * container_of that bpf_struct_ops_get does from the ops to its map. The
   * other direction is the kdata's typed adapter slot ({@link opsOf}).
   */
  private readonly bpfOwner = new WeakMap<TcpCongestionOps, TcpCaKdata>();
  readonly frames: HookFrames;
  /** The socket helpers BPF programs call (bpf_setsockopt, bpf_getsockopt, ...), by helper id. */
  readonly helpers: ReadonlyMap<number, BpfCallFn>;
  readonly structOpsType: StructOpsType<TcpCongestionOps>;

  constructor(
    readonly kernel: Kernel,
    readonly sockLayout: TcpSockLayout,
    readonly opsLayout: TcpOpsLayout,
    config: TcpCongConfig,
    opts: { readonly defaultCa?: string; readonly kfuncIds: (name: string) => number | undefined; readonly releaseIndex: number },
  ) {
    const bad = checkTcpCongConfig(config);
    if (bad !== undefined) throw new KernelConfigError(bad);
    this.config = config;
    this.registry = new TcpCaRegistry(kernel.dmesg);
    // tcp_init registers reno; the built-ins follow from their initcalls in link order.
    this.reno = createTcpReno();
    this.registry.register(this.reno);
    const builtins = selectTcpCongBuiltins(config).map((b) => ({ ops: b.create(), kfuncs: b.kfuncs }));
    for (const b of builtins) this.registry.register(b.ops);
    // tcp_congestion_default (late_initcall): CONFIG_DEFAULT_TCP_CONG, or reno if it cannot be set.
    const def = this.registry.find(opts.defaultCa ?? config.default) ?? this.reno;
    def.flags |= TCP_CONG_NON_RESTRICTED;
    kernel.netns.register({
      // tcp_sk_init: init_net gets the configured default; a new namespace
      // init_net's current one if a reference can be taken, else reno.
      init: (net) => {
        let ca = def;
        if (!net.isInit) {
          const initCa = this.pernet(kernel.netns.initNet).defaultCa;
          ca = this.caGet(initCa) ? initCa : this.reno;
        }
        this.nets.set(net, { defaultCa: ca, ports: new Map(), nextEphemeral: EPHEMERAL_PORT_MIN });
      },
      // tcp_sk_exit: the namespace's reference on its default goes.
      exit: (net) => {
        const n = this.nets.get(net);
        if (n !== undefined) this.caPut(n.defaultCa);
        this.nets.delete(net);
      },
    });
    this.frames = new HookFrames(kernel, opsLayout.rateSample.size);
    this.helpers = makeTcpHelpers(this);
    this.structOpsType = tcpCongestionOpsType({
      opsOf: (k) => this.opsOf(k),
      register: (ca) => this.registry.register(ca),
      unregister: (ca) => this.registry.unregister(ca),
      update: (n, o) => this.registry.update(n, o),
      helpers: this.helpers,
      baseHelpers: kernel.baseHelpers,
      kfuncs: makeTcpKfuncs(this, opts.kfuncIds, builtins),
      releaseIndex: opts.releaseIndex,
      writeFields: sockLayout.writeFields,
      dmesg: kernel.dmesg,
    });
    this.registerSysctls();
  }

  /** The TcpCongestionOps of a struct_ops kdata (made once per applied value). */
  opsOf(kdata: TcpCaKdata): TcpCongestionOps {
    let ops = kdata.sub;
    if (ops === undefined) {
      ops = bpfTcpOps(this.kernel, kdata, this.opsLayout, this.frames);
      kdata.sub = ops;
      this.bpfOwner.set(ops, kdata);
    }
    return ops;
  }

  /**
   * Called when a CA asks for an immediate ACK of `rcvNxt` (__tcp_send_ack:
   * bpf_tcp_send_ack from a program, or a built-in); the testbed hooks in here.
   */
  onSendAck: ((sk: TcpSock, rcvNxt: number) => void) | undefined = undefined;

  /**
   * The live socket whose tcp_sock is at `addr`. A BPF hook's kfuncs are given its own socket:
   * that one is found without the lookup (a socket not yet destroyed is the kernel's at its
   * address: destroy() marks it closed before it leaves `kernel.socks`).
   */
  sockAt(addr: number): TcpSock | undefined {
    const h = this.frames.hookSock();
    if (h instanceof TcpSock && h.addr === addr && !h.closed && h.mem === this.kernel.mem) return h;
    const s = this.kernel.socks.get(addr);
    return s instanceof TcpSock ? s : undefined;
  }

  /** The struct_ops kdata behind a BPF CA, or undefined for a built-in. */
  kdataOf(ca: TcpCongestionOps): TcpCaKdata | undefined {
    return this.bpfOwner.get(ca);
  }

  /** The TCP state of namespace `net`. */
  pernet(net: NetNs): TcpNet {
    const n = this.nets.get(net);
    if (n === undefined) throw new KernelBug(`tcp: no pernet state for netns ${net.inum}`);
    return n;
  }

  /** bpf_try_module_get: a reference on the CA (its map, for a BPF CA) unless it is dying. */
  caGet(ca: TcpCongestionOps): boolean {
    const k = this.bpfOwner.get(ca);
    return k === undefined ? true : k.map.incNotZero(false);
  }

  /** bpf_module_put. */
  caPut(ca: TcpCongestionOps): void {
    this.bpfOwner.get(ca)?.map.put();
  }

  /** The default CA's name (net.ipv4.tcp_congestion_control) in `net` (init_net when omitted). */
  defaultNameIn(net: NetNs = this.kernel.netns.initNet): string {
    return this.pernet(net).defaultCa.name;
  }

  /** init_net's default CA name. */
  get defaultName(): string {
    return this.defaultNameIn();
  }

  // ---- sockets ------------------------------------------------------------

  /**
   * socket(AF_INET, SOCK_STREAM) in `net` (init_net when omitted): a new,
   * unconnected socket on the namespace's default CA, or reno when no
   * reference can be taken (tcp_assign_congestion_control). The one place a
   * TcpSock is made: processes (through their fds) and the testbed both come
   * here. Returns the socket or -ENOMEM.
   */
  socket(net: NetNs = this.kernel.netns.initNet): ErrOr<TcpSock> {
    let ca = this.pernet(net).defaultCa;
    if (!this.caGet(ca)) ca = this.reno;
    // The kernel is the socket's clock: its jiffies32 getter is read directly (an ACK reads it several times).
    const sk = TcpSock.alloc(this.kernel.mem, this.sockLayout, ca, this.kernel, net);
    if (sk === null) {
      this.caPut(ca);
      return ERR(ENOMEM);
    }
    sk.sendAckHook = (s, rcvNxt) => this.onSendAck?.(s, rcvNxt);
    this.sockets.add(sk);
    this.kernel.socks.set(sk.addr, sk);
    return sk;
  }

  /**
   * do_tcp_setsockopt(TCP_CONGESTION) with the option bytes as passed
   * (`optval.length` is optlen): EINVAL for optlen 0; otherwise the name is
   * the bytes up to the first NUL, at most TCP_CA_NAME_MAX - 1 of them
   * (strncpy_from_sockptr), so "reno\0junk" selects reno. Then
   * {@link setCongestionControl}.
   */
  setsockoptCongestion(sk: TcpSock, optval: Uint8Array, caller: SockCaller): number {
    if (optval.length < 1) return -EINVAL;
    return this.setCongestionControl(sk, decodeCString(optval, 0, TCP_CA_NAME_MAX - 1), caller);
  }

  /**
   * tcp_set_congestion_control on a name: 0 or -errno.
   * EPERM if the route locked the CA or a restricted CA without CAP_NET_ADMIN;
   * ENOENT if not registered; EBUSY if its map is being freed.
   */
  setCongestionControl(sk: TcpSock, name: string, caller: SockCaller): number {
    if (sk.closed) return -EINVAL;
    if (sk.caDstLocked) return -EPERM;
    const ca = this.registry.find(name.slice(0, TCP_CA_NAME_MAX - 1));
    if (ca === sk.ca) {
      sk.caSetsockopt = true;
      return 0;
    }
    if (ca === undefined) return -ENOENT;
    if (!(ca.flags & TCP_CONG_NON_RESTRICTED) && !caller.capNetAdmin) return -EPERM;
    if (!this.caGet(ca)) return -EBUSY;
    this.reinit(sk, ca);
    return 0;
  }

  /** getsockopt(TCP_CONGESTION): the name of the socket's CA. */
  getCongestionControl(sk: TcpSock): string {
    return sk.ca.name;
  }

  /** tcp_reinit_congestion_control: release the old CA, install and init the new one. */
  private reinit(sk: TcpSock, ca: TcpCongestionOps): void {
    this.cleanup(sk);
    sk.ca = ca;
    sk.caSetsockopt = true;
    sk.clearCaPriv();
    if (sk.state !== TCP_CLOSE && sk.state !== TCP_LISTEN) this.initCa(sk);
  }

  /** tcp_init_congestion_control: init() of the current CA. */
  initCa(sk: TcpSock): void {
    sk.ca.init?.(sk);
    sk.caInitialized = true;
  }

  /** tcp_cleanup_congestion_control: release() if initialised, drop the reference. */
  cleanup(sk: TcpSock): void {
    if (sk.caInitialized) sk.ca.release?.(sk);
    sk.caInitialized = false;
    this.caPut(sk.ca);
  }

  /** The connection is established (tcp_init_transfer): the CA's init() runs. */
  establish(sk: TcpSock): void {
    if (sk.closed || sk.state === TCP_ESTABLISHED) return;
    sk.state = TCP_ESTABLISHED;
    this.initCa(sk);
  }

  /**
   * The socket's destruction (tcp_v4_destroy_sock, sk_free): release() if
   * the CA is still initialised, the reference on the CA, its storage, its
   * port, its memory and its namespace reference. close(2) with its
   * connection teardown is closeSock in ./socket-calls.ts.
   */
  destroy(sk: TcpSock): void {
    if (sk.closed) return;
    this.cleanup(sk);
    sk.closed = true;
    sk.state = TCP_CLOSE;
    const n = this.nets.get(sk.net);
    if (sk.port !== 0 && n?.ports.get(sk.port) === sk) n.ports.delete(sk.port);
    skStorageFreeSock(sk);
    this.sockets.delete(sk);
    this.kernel.socks.delete(sk.addr);
    this.kernel.mem.free(sk.addr);
    sk.net.put();
  }

  /** close(2) of a socket: its connection is reset first (see closeSock). */
  close(sk: TcpSock): void {
    closeSock(this, sk);
  }

  // ---- the netns default ------------------------------------------------

  /**
   * tcp_set_default_congestion_control in `net` (init_net when omitted): 0,
   * -ENOENT, -EBUSY, or -EPERM for a restricted CA (one not in
   * tcp_allowed_congestion_control) in a namespace other than init_net. As
   * in Linux, that EPERM keeps the reference the lookup took: a BPF CA's
   * map is held for good.
   */
  setDefault(name: string, net: NetNs = this.kernel.netns.initNet): number {
    const ca = this.registry.find(name);
    if (ca === undefined) return -ENOENT;
    if (!this.caGet(ca)) return -EBUSY;
    if (!net.isInit && !(ca.flags & TCP_CONG_NON_RESTRICTED)) return -EPERM;
    const n = this.pernet(net);
    const prev = n.defaultCa;
    n.defaultCa = ca;
    this.caPut(prev);
    ca.flags |= TCP_CONG_NON_RESTRICTED;
    return 0;
  }

  // ---- sysctl files -------------------------------------------------------

  private registerSysctls(): void {
    const base = "/proc/sys/net/ipv4/";
    const writable = (t: Task): boolean => t.uid === 0 || t.capable(CAP_NET_ADMIN);
    this.kernel.procfs.set(base + "tcp_available_congestion_control", { read: () => this.registry.available() + "\n" });
    this.kernel.procfs.set(base + "tcp_allowed_congestion_control", {
      read: () => this.registry.allowed() + "\n",
      write: (t, text) => {
        if (!writable(t)) return -EACCES;
        const r = this.registry.setAllowed(text.trim().split(/\s+/).filter((s) => s !== ""));
        return r < 0 ? r : text.length;
      },
    });
    this.kernel.procfs.set(base + "tcp_congestion_control", {
      read: (t) => this.pernet(t.net).defaultCa.name + "\n",
      write: (t, text) => {
        if (!writable(t)) return -EACCES;
        const r = this.setDefault(text.trim(), t.net);
        return r < 0 ? r : text.length;
      },
    });
  }
}
