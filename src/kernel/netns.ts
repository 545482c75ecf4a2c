/**
 * @fileoverview Network namespaces (include/net/net_namespace.h,
 * net/core/net_namespace.c): `init_net`, created at boot, and the ones
 * unshare(CLONE_NEWNET) makes. Each namespace has an inode number (what
 * /proc/<pid>/ns/net names) and a reference count held by the tasks in it,
 * their namespace fds and the sockets created there. Subsystems keep their
 * per-namespace state through pernet operations, as Linux's
 * register_pernet_subsys: `init` runs when a namespace is created (for every
 * namespace that already exists when the subsystem registers), `exit` when
 * its last reference goes.
 *
 * @see net/core/net_namespace.c copy_net_ns, cleanup_net (v6.18)
 */
import { KernelBug } from "./bug.js";

/** pernet_operations of one subsystem. */
export interface PernetOperations {
  init(net: NetNs): void;
  exit(net: NetNs): void;
}

/** struct net. */
export class NetNs {
  private refs = 0;
  private dead = false;

  constructor(
    private readonly registry: NetNsRegistry,
    /** ns.inum: the namespace's inode number (proc_alloc_inum). */
    readonly inum: number,
    /** Whether this is init_net. */
    readonly isInit: boolean,
  ) {}

  /** get_net. */
  get(): this {
    if (this.dead) throw new KernelBug(`get_net on dead netns ${this.inum}`);
    this.refs++;
    return this;
  }

  /** put_net: the last reference runs every subsystem's exit (init_net is never freed). */
  put(): void {
    if (this.refs <= 0) throw new KernelBug(`put_net underflow on netns ${this.inum}`);
    if (--this.refs === 0 && !this.isInit) {
      this.dead = true;
      this.registry.cleanup(this);
    }
  }

  /** Whether the namespace has been cleaned up. */
  get alive(): boolean {
    return !this.dead;
  }
}

/** The kernel's network namespaces and the subsystems with per-namespace state. */
export class NetNsRegistry {
  private readonly ops: PernetOperations[] = [];
  private readonly live = new Set<NetNs>();
  readonly initNet: NetNs;

  constructor(private readonly nextIno: () => number) {
    this.initNet = new NetNs(this, nextIno(), true);
    this.live.add(this.initNet);
  }

  /** register_pernet_subsys: `init` runs for every namespace alive now, then for each new one. */
  register(ops: PernetOperations): void {
    this.ops.push(ops);
    for (const n of this.live) ops.init(n);
  }

  /** copy_net_ns: a new namespace with its subsystems set up; the caller holds its one reference. */
  create(): NetNs {
    const n = new NetNs(this, this.nextIno(), false);
    this.live.add(n);
    for (const o of this.ops) o.init(n);
    return n.get();
  }

  /** cleanup_net: subsystems exit in reverse registration order. */
  cleanup(n: NetNs): void {
    for (let i = this.ops.length - 1; i >= 0; i--) this.ops[i]?.exit(n);
    this.live.delete(n);
  }

  /** Namespaces alive now (init_net first). */
  all(): readonly NetNs[] {
    return [...this.live];
  }
}
