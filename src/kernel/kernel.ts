/**
 * @fileoverview The emulated kernel: one instance owns every BPF object, the
 * ID tables, the RCU domain, bpffs, processes, the shared memory, the clock,
 * the kernel log, and the struct_ops types subsystems registered.
 *
 * Deterministic by construction: time advances only through `advance()`,
 * grace periods only through `rcu.gracePeriod()` (or `settle()`), IDs and
 * addresses come from deterministic allocators. Nothing here throws for
 * anything a caller can trigger; `KernelBug` marks broken invariants.
 */
import { EAGAIN, EBADF, EINVAL, ENOENT, ENOSPC, EPERM } from "../uapi/errno.js";
import { ERR, isErr } from "./errptr.js";
import type { ErrOr } from "./errptr.js";
import { Dmesg, KernelBug } from "./bug.js";
import { Idr } from "./idr.js";
import { Rcu } from "./rcu.js";
import { BpfFs } from "./bpffs.js";
import { KernelMemory, PERM_READ } from "./mem/memory.js";
import type { KernelMemoryOptions, MemorySnapshot } from "./mem/memory.js";
import { KFile, O_CLOEXEC, FMODE_READ, FMODE_WRITE } from "./file.js";
import { Task, CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN } from "./task.js";
import { BtfObject } from "./btf-object.js";
import { NetNsRegistry } from "./netns.js";
import { UNPRIV_BPF_DISABLED_DEFAULT, unprivBpfWrite } from "./capability.js";
import type { BpfMap } from "./map/core.js";
import type { BpfProg } from "./prog/core.js";
import type { BpfLink } from "./link/core.js";
import type { ProgImage, ProgRunner } from "./prog/runner.js";
import { DEFAULT_INSN_BUDGET } from "./prog/runner.js";
import type { StructOpsDesc } from "./struct-ops/desc.js";
import type { BpfCallFn } from "./prog/runner.js";
import { IterRegistry } from "./iter/registry.js";
import { progIterTarget } from "./iter/link.js";

/** A file the model serves under /proc or /sys (read, and optionally write). */
export interface ProcFile {
  read(task: Task): string;
  /** Returns bytes written or -errno. */
  write?(task: Task, text: string): number;
}

/** Kernel-side view of a socket, for helpers that take `struct sock *`. */
export interface KernelSock {
  readonly addr: number;
  /** bpf_sk_storage: map → value address. */
  readonly bpfStorage: Map<BpfMap, number>;
}

/** State of `bpf_link_prime` between prime and settle/cleanup. */
export interface LinkPrimer {
  readonly link: BpfLink;
  readonly task: Task;
  readonly fd: number;
  readonly id: number;
  readonly file: KFile;
}

/** Options for {@link Kernel}. */
export interface KernelOptions {
  /** Engine that runs BPF programs. */
  readonly runner: ProgRunner;
  /** Raw BTF of the model's vmlinux (served at /sys/kernel/btf/vmlinux). */
  readonly vmlinuxBtf: Uint8Array;
  readonly memory?: KernelMemoryOptions;
  /** Instruction budget per program run. */
  readonly insnBudget?: number;
  /** Seed of bpf_get_prandom_u32. */
  readonly seed?: number;
  /** Kernel release string (uname -r). */
  readonly release?: string;
  /** num_possible_cpus() (default 2): per-CPU sizes in map memlock. */
  readonly nrCpus?: number;
  /**
   * The name of vmlinux BTF id `id` when it is a FUNC, else undefined: how the
   * verifier names a kfunc it refuses ("calling kernel function %s is not
   * allowed"). Absent: no FUNC is known by name.
   */
  readonly vmlinuxFuncName?: (id: number) => string | undefined;
  /** kernel.unprivileged_bpf_disabled at boot (default 2: CONFIG_BPF_UNPRIV_DEFAULT_OFF=y). */
  readonly unprivilegedBpfDisabled?: 0 | 1 | 2;
}

/** Capabilities of a root process. */
export const ROOT_CAPS: readonly number[] = [CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF];

/** ns per jiffy at the model's HZ (250). */
export const NS_PER_JIFFY = 4_000_000;
const NS_PER_JIFFY_N = 4_000_000n;
/** INITIAL_JIFFIES, (u32)(-300 * HZ). */
const INITIAL_JIFFIES = 4294892296;
const INITIAL_JIFFIES_N = 4294892296n;

/** A kernel variable programs reach as a typed ksym. */
export interface KsymVar {
  readonly name: string;
  readonly addr: number;
  readonly size: 4 | 8;
  readonly value: () => bigint;
  /** `value` changes only when the clock (ns) crosses a multiple of this (jiffies_64: a jiffy); undefined: at any move. */
  readonly periodNs: number | undefined;
}

/** The first multiple of `period` above `ns` (both safe integers), exactly: the floating division may round up. */
function nextMultiple(ns: number, period: number): number {
  let q = Math.floor(ns / period);
  if (q * period > ns) q--;
  return (q + 1) * period;
}

/** The emulated kernel. */
export class Kernel {
  readonly mem: KernelMemory;
  readonly rcu = new Rcu();
  readonly dmesg: Dmesg;
  readonly bpffs = new BpfFs(this.rcu);
  readonly mapIdr = new Idr<BpfMap>();
  readonly progIdr = new Idr<BpfProg>();
  readonly linkIdr = new Idr<BpfLink>();
  readonly btfIdr = new Idr<BtfObject>();
  readonly tasks = new Map<number, Task>();
  /** Network namespaces: init_net and those unshare creates. */
  readonly netns: NetNsRegistry;
  /** sysctl kernel.unprivileged_bpf_disabled: 0, 1 (locked) or 2. */
  unprivilegedBpfDisabled: number;
  readonly liveMaps = new Set<BpfMap>();
  readonly liveProgs = new Set<BpfProg>();
  /** Programs that faulted at least once, in the order of their first fault (kept after they are freed, for run reports). */
  readonly faultedProgs: BpfProg[] = [];
  readonly liveLinks = new Set<BpfLink>();
  readonly liveBtfs = new Set<BtfObject>();
  readonly socks = new Map<number, KernelSock>();
  /** Maps by the address of their opaque `struct bpf_map` (what programs hold). */
  readonly mapsByAddr = new Map<number, BpfMap>();
  readonly procfs = new Map<string, ProcFile>();
  readonly vmlinux: BtfObject;
  /** {@link KernelOptions.vmlinuxFuncName}. */
  readonly vmlinuxFuncName: (id: number) => string | undefined;
  readonly runner: ProgRunner;
  readonly insnBudget: number;
  readonly release: string;
  readonly nrCpus: number;
  /** Helpers every program type may call (map helpers, clocks), by id. */
  readonly baseHelpers = new Map<number, BpfCallFn>();
  /** Helpers of tracing programs beyond the base ones (bpf_seq_printf, bpf_seq_write), by id. */
  readonly tracingHelpers = new Map<number, BpfCallFn>();
  /** BPF iterator targets and open iterators. */
  readonly iter = new IterRegistry();
  private readonly structOps: StructOpsDesc[] = [];
  /**
   * The clock, ns since boot: `nsNum` always; `nsBig` its bigint, made only
   * when read (the testbed moves the clock on every event through
   * {@link setTimeNs} and should not allocate a BigInt each time).
   */
  private nsNum = 0;
  private nsBig: bigint | null = 0n;
  /** jiffies32 over the clock values [jiffyFromNs, jiffyToNs) (one jiffy; empty until first read, and beyond 2^53 ns). */
  private jiffies32Now = 0;
  private jiffyFromNs = Infinity;
  private jiffyToNs = -Infinity;
  /** The clock (ns) from which the kernel variables' bytes must be rewritten (refreshKsymVars). */
  private ksymRefreshAtNs = Infinity;
  private nextPid = 100;
  private ino = 1000;
  /** All BPF anon-inode files share one inode, as anon_inode_getfile's do. */
  readonly anonIno: number;
  private allocFailures = 0;
  private rng: number;
  /** The allocator's state once booted: what `leaks()` compares kernel memory with. */
  private bootMem: MemorySnapshot;

  constructor(opts: KernelOptions) {
    this.runner = opts.runner;
    this.mem = new KernelMemory(opts.memory);
    this.dmesg = new Dmesg(() => this.now);
    this.insnBudget = opts.insnBudget ?? DEFAULT_INSN_BUDGET;
    this.release = opts.release ?? "6.18.0-structops";
    this.vmlinuxFuncName = opts.vmlinuxFuncName ?? (() => undefined);
    this.nrCpus = opts.nrCpus ?? 2;
    this.rng = (opts.seed ?? 1) >>> 0 || 1;
    this.anonIno = this.nextIno();
    this.netns = new NetNsRegistry(() => this.nextIno());
    this.unprivilegedBpfDisabled = opts.unprivilegedBpfDisabled ?? UNPRIV_BPF_DISABLED_DEFAULT;
    this.procfs.set("/proc/sys/kernel/unprivileged_bpf_disabled", {
      read: () => `${this.unprivilegedBpfDisabled}\n`,
      write: (t, text) => {
        const v = unprivBpfWrite(t, this.unprivilegedBpfDisabled, text);
        if (v < 0) return v;
        this.unprivilegedBpfDisabled = v;
        return text.length;
      },
    });
    this.vmlinux = new BtfObject(this, opts.vmlinuxBtf, "vmlinux", true);
    this.vmlinux.id = this.btfIdr.allocCyclic(this.vmlinux);
    this.procfs.set("/sys/kernel/btf/vmlinux", { read: () => "" });
    this.bootMem = this.mem.snapshot();
  }

  /**
   * Ends boot: the kernel memory subsystems have allocated so far (kernel
   * variables, hook argument areas) is the state `leaks()` expects back once
   * every object is gone.
   */
  markBooted(): void {
    this.bootMem = this.mem.snapshot();
  }

  // ---- time ---------------------------------------------------------------

  /** ktime_get_ns: simulated monotonic ns since boot. */
  get now(): bigint {
    if (this.nsBig === null) this.nsBig = BigInt(this.nsNum);
    return this.nsBig;
  }

  /** The clock as a number of ns (exact below 2^53 ns, about 104 days). */
  get nowNs(): number {
    return this.nsNum;
  }

  /** Advances the clock by `ns` (never backwards). */
  advance(ns: bigint): void {
    if (ns < 0n) throw new RangeError(`Cannot advance the clock as 'ns' must be ≥ 0: current value is ${ns}`);
    this.moveTo(this.now + ns);
  }

  /** Sets the clock to an absolute time ≥ now. */
  setTime(ns: bigint): void {
    const now = this.now;
    if (ns < now) throw new RangeError(`Cannot set the clock backwards: current value is ${now}, requested ${ns}`);
    this.moveTo(ns);
  }

  /**
   * Sets the clock to `ns` (a safe integer ≥ now) without a BigInt: the
   * testbed's path, once per event. Falls back to {@link setTime} beyond 2^53.
   */
  setTimeNs(ns: number): void {
    if (!Number.isSafeInteger(ns) || !Number.isSafeInteger(this.nsNum)) {
      this.setTime(BigInt(ns));
      return;
    }
    if (ns < this.nsNum) throw new RangeError(`Cannot set the clock backwards: current value is ${this.nsNum}, requested ${ns}`);
    if (ns === this.nsNum) return;
    this.nsNum = ns;
    this.nsBig = null;
    if (ns >= this.ksymRefreshAtNs) this.refreshKsymVars();
  }

  private moveTo(ns: bigint): void {
    this.nsBig = ns;
    this.nsNum = Number(ns);
    this.refreshKsymVars();
  }

  // ---- kernel variables programs reach as typed ksyms (BPF_PSEUDO_BTF_ID) --

  /** vmlinux BTF id of a VAR -> where the variable lives and how to compute it. */
  readonly ksymVars = new Map<number, KsymVar>();

  /**
   * Places kernel variable `name` (VAR `btfId` of vmlinux BTF) in read-only
   * kernel memory; its bytes are rewritten whenever the clock moves (and,
   * with `periodNs`, only when it crosses a multiple of it: jiffies_64
   * changes every 4 ms, not at every event, and the clock's moves in between
   * do not look at it), so a program loading through the address sees the
   * current value.
   */
  registerKsymVar(name: string, btfId: number, size: 4 | 8, value: () => bigint, periodNs?: number): void {
    const addr = this.mem.alloc(8, PERM_READ);
    if (addr === 0) throw new RangeError(`Cannot place kernel variable '${name}': kernel memory is full`);
    this.ksymVars.set(btfId, { name, addr, size, value, periodNs });
    this.refreshKsymVars();
  }

  /** Writes every kernel variable's current value, and when the next write is due. */
  private refreshKsymVars(): void {
    const ns = this.nsNum;
    let next = Infinity;
    for (const v of this.ksymVars.values()) {
      if (v.size === 8) this.mem.dv.setBigUint64(v.addr, BigInt.asUintN(64, v.value()), true);
      else this.mem.dv.setUint32(v.addr, Number(BigInt.asUintN(32, v.value())), true);
      // Beyond 2^53 ns (the BigInt clock), or without a period: at every move.
      const at = v.periodNs !== undefined && Number.isSafeInteger(ns) ? nextMultiple(ns, v.periodNs) : -Infinity;
      if (at < next) next = at;
    }
    this.ksymRefreshAtNs = next;
  }

  /** jiffies64 at the model's HZ (250). */
  get jiffies64(): bigint {
    // INITIAL_JIFFIES is (u32)(-300 * HZ): jiffies wrap five minutes after boot, as in Linux.
    return this.now / NS_PER_JIFFY_N + INITIAL_JIFFIES_N;
  }

  /**
   * (u32)jiffies, computed once per jiffy (congestion control and the testbed read it on every
   * ACK, and the clock moves at every event, thousands of times per jiffy), in numbers below 2^53 ns.
   */
  get jiffies32(): number {
    const ns = this.nsNum;
    if (ns >= this.jiffyFromNs && ns < this.jiffyToNs) return this.jiffies32Now;
    if (Number.isSafeInteger(ns)) {
      const to = nextMultiple(ns, NS_PER_JIFFY);
      this.jiffyFromNs = to - NS_PER_JIFFY;
      this.jiffyToNs = to;
      this.jiffies32Now = (to / NS_PER_JIFFY - 1 + INITIAL_JIFFIES) % 4294967296;
    } else {
      this.jiffyFromNs = Infinity;
      this.jiffyToNs = -Infinity;
      this.jiffies32Now = Number(BigInt.asUintN(32, this.jiffies64));
    }
    return this.jiffies32Now;
  }

  /** A deterministic pseudo-random u32 (xorshift32), for bpf_get_prandom_u32. */
  prandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  // ---- processes ----------------------------------------------------------

  /** Starts a process. Root (all BPF capabilities) unless `caps` says otherwise. */
  spawn(comm = "structops", caps: Iterable<number> = ROOT_CAPS, uid = 0): Task {
    const t = new Task(this, this.nextPid++, comm, caps, uid);
    this.tasks.set(t.pid, t);
    return t;
  }

  /** A new inode number. */
  nextIno(): number {
    return this.ino++;
  }

  // ---- fault injection ----------------------------------------------------

  /** Makes the next `n` kernel allocations that honour it fail with ENOMEM. */
  injectAllocFailures(n: number): void {
    this.allocFailures = n;
  }

  /** Consumes one injected allocation failure, if any. */
  failNextAlloc(): boolean {
    if (this.allocFailures <= 0) return false;
    this.allocFailures--;
    return true;
  }

  // ---- fd → object (bpf_map_get, bpf_prog_get, bpf_link_get_from_fd) ------

  /** bpf_map_get: the map behind `fd` with a reference taken; -EBADF or -EINVAL. */
  mapGetFd(task: Task, fd: number): ErrOr<BpfMap> {
    const f = task.file(fd);
    if (f === null) return ERR(EBADF);
    if (f.target.kind !== "map") return ERR(EINVAL);
    f.target.obj.inc();
    return f.target.obj;
  }

  /** The file of a map fd (for permission checks), or -errno. */
  mapFile(task: Task, fd: number): ErrOr<KFile> {
    const f = task.file(fd);
    if (f === null) return ERR(EBADF);
    if (f.target.kind !== "map") return ERR(EINVAL);
    return f;
  }

  /** bpf_prog_get: the program behind `fd` with a reference; -EBADF or -EINVAL. */
  progGetFd(task: Task, fd: number): ErrOr<BpfProg> {
    const f = task.file(fd);
    if (f === null) return ERR(EBADF);
    if (f.target.kind !== "prog") return ERR(EINVAL);
    f.target.obj.inc();
    return f.target.obj;
  }

  /** bpf_link_get_from_fd: the link with a reference; -EBADF or -EINVAL. */
  linkGetFd(task: Task, fd: number): ErrOr<BpfLink> {
    const f = task.file(fd);
    if (f === null) return ERR(EBADF);
    if (f.target.kind !== "link") return ERR(EINVAL);
    f.target.obj.inc();
    return f.target.obj;
  }

  /** btf_get_by_fd: the BTF object with a reference; -EBADF or -EINVAL. */
  btfGetFd(task: Task, fd: number): ErrOr<BtfObject> {
    const f = task.file(fd);
    if (f === null) return ERR(EBADF);
    if (f.target.kind !== "btf") return ERR(EINVAL);
    f.target.obj.inc();
    return f.target.obj;
  }

  // ---- new fds ------------------------------------------------------------

  /** bpf_map_new_fd: installs a file for `map` (the caller's reference moves to it). */
  mapNewFd(task: Task, map: BpfMap, mode = FMODE_READ | FMODE_WRITE): number {
    const accmode = mode === (FMODE_READ | FMODE_WRITE) ? 0o2 : mode === FMODE_WRITE ? 0o1 : 0o0;
    return task.install(new KFile({ kind: "map", obj: map }, accmode | O_CLOEXEC, mode, this.anonIno));
  }

  /** bpf_prog_new_fd. */
  progNewFd(task: Task, prog: BpfProg): number {
    return task.install(new KFile({ kind: "prog", obj: prog }, 0o2 | O_CLOEXEC, FMODE_READ | FMODE_WRITE, this.anonIno));
  }

  /** bpf_link_new_fd (links are opened with access mode 0 plus O_CLOEXEC). */
  linkNewFd(task: Task, link: BpfLink): number {
    return task.install(new KFile({ kind: "link", obj: link }, O_CLOEXEC, FMODE_READ | FMODE_WRITE, this.anonIno));
  }

  /** btf_new_fd. */
  btfNewFd(task: Task, btf: BtfObject): number {
    return task.install(new KFile({ kind: "btf", obj: btf }, 0o2 | O_CLOEXEC, FMODE_READ, this.anonIno));
  }

  // ---- link prime / settle / cleanup ---------------------------------------

  /**
   * bpf_link_prime: reserves an fd and an ID (enumerable, not resolvable) and
   * makes the file. Returns the primer or -errno.
   */
  linkPrime(task: Task, link: BpfLink): ErrOr<LinkPrimer> {
    const fd = task.unusedFd();
    if (fd < 0) return ERR(fd);
    const id = this.linkIdr.allocCyclic(null);
    if (id === 0) return ERR(ENOSPC);
    link.id = id;
    this.liveLinks.add(link);
    // Reserve the fd slot so nothing else takes it before settle.
    const file = new KFile({ kind: "link", obj: link }, O_CLOEXEC, FMODE_READ | FMODE_WRITE, this.anonIno);
    const placeholder = new KFile({ kind: "other", obj: "reserved" }, 0, 0, 0);
    if (task.install(placeholder) !== fd) throw new KernelBug("linkPrime: fd reservation raced");
    return { link, task, fd, id, file };
  }

  /** bpf_link_settle: publishes the ID and installs the fd; returns the fd. */
  linkSettle(p: LinkPrimer): number {
    this.linkIdr.replace(p.id, p.link);
    p.task.fds[p.fd] = p.file;
    return p.fd;
  }

  /**
   * bpf_link_cleanup: throws away a primed link. The ID number stays consumed;
   * the file's release frees the link (its dealloc sees no map).
   */
  linkCleanup(p: LinkPrimer): void {
    p.link.prog = null;
    this.linkIdr.remove(p.id);
    p.task.fds[p.fd] = null;
    while (p.task.fds.length > 3 && p.task.fds[p.task.fds.length - 1] === null) p.task.fds.pop();
    p.file.fput();
  }

  // ---- deferred frees -------------------------------------------------------

  /** Queues a map's free: workqueue, plus RCU and RCU-tasks grace periods when its type needs them. */
  freeMapDeferred(map: BpfMap): void {
    const finish = (): void => {
      map.ops.free(map);
      if (map.addr !== 0) this.mem.free(map.addr);
      map.freed = true;
      this.liveMaps.delete(map);
    };
    if (map.ops.freeAfter === "rcu") {
      // synchronize_rcu_mult(call_rcu, call_rcu_tasks) inside the deferred work.
      this.rcu.call("work", `map ${map.id} free`, () => this.rcu.call("rcu_tasks", `map ${map.id} free (after GP)`, finish));
    } else {
      this.rcu.call("work", `map ${map.id} free`, finish);
    }
  }

  /** Runs grace periods and deferred work until nothing is pending. */
  settle(): void {
    this.rcu.barrier();
  }

  // ---- struct_ops ------------------------------------------------------------

  /** Registers a struct_ops type with its BTF layout (bpf_struct_ops_desc_init). */
  registerStructOps(desc: StructOpsDesc): void {
    if (this.structOps.some((d) => d.typeId === desc.typeId)) throw new KernelBug(`struct_ops ${desc.type.name} registered twice`);
    this.structOps.push(desc);
  }

  /** bpf_struct_ops_find_value: the descriptor whose value type is `id`. */
  structOpsByValueId(id: number): StructOpsDesc | undefined {
    return this.structOps.find((d) => d.valueTypeId === id);
  }

  /** bpf_struct_ops_find: the descriptor whose ops struct is `id`. */
  structOpsByTypeId(id: number): StructOpsDesc | undefined {
    return this.structOps.find((d) => d.typeId === id);
  }

  /** Every registered struct_ops type. */
  structOpsTypes(): readonly StructOpsDesc[] {
    return this.structOps;
  }

  // ---- programs --------------------------------------------------------------

  /** The engine's view of a program: instructions, memory and its call tables. */
  progImage(prog: Pick<BpfProg, "attrs" | "xlated" | "id">): ProgImage {
    const helpers = new Map(this.baseHelpers);
    let kfuncs: ReadonlyMap<number, BpfCallFn> = new Map();
    const desc = this.structOpsByTypeId(prog.attrs.attach_btf_id);
    if (desc !== undefined) {
      for (let id = 0; id < 256; id++) {
        const fn = desc.type.getFuncProto(id, prog.attrs.expected_attach_type);
        if (fn !== null) helpers.set(id, fn);
      }
      kfuncs = desc.type.kfuncs;
    }
    const target = progIterTarget(this, prog.attrs);
    if (target !== undefined) {
      // tracing_prog_func_proto, then the target's get_func_proto (bpf_iter_get_func_proto).
      for (const [id, fn] of this.tracingHelpers) helpers.set(id, fn);
      for (let id = 0; id < 256; id++) {
        const fn = target.funcProto(id);
        if (fn !== null) helpers.set(id, fn);
      }
    }
    return { insns: prog.xlated, mem: this.mem, helpers, kfuncs, name: prog.attrs.prog_name || `prog_${prog.id}` };
  }

  // ---- lookups by ID (GET_FD_BY_ID) --------------------------------------------

  /** Resolves an ID for GET_FD_BY_ID: the object, -ENOENT or -EAGAIN (reserved, unsettled). */
  static lookupId<T extends { incNotZero(...a: never[]): boolean }>(idr: Idr<T>, id: number): ErrOr<T> {
    if (id === 0) return ERR(ENOENT);
    const o = idr.find(id);
    if (o === undefined) return ERR(ENOENT);
    if (o === null) return ERR(EAGAIN);
    return o;
  }

  // ---- leak accounting -----------------------------------------------------------

  /**
   * Everything still alive: objects, sockets, fds of live tasks, pending
   * callbacks, and kernel memory not back to its boot state. Empty once every
   * fd and socket is closed and grace periods ran (pins and registered
   * non-link struct_ops maps keep their objects, as in Linux).
   */
  leaks(): string[] {
    const out: string[] = [];
    for (const m of this.liveMaps) out.push(`map ${m.id} (${m.attrs.map_name}) refcnt=${m.refcnt.count} usercnt=${m.usercnt.count}`);
    for (const p of this.liveProgs) out.push(`prog ${p.id} (${p.attrs.prog_name}) refcnt=${p.refcnt.count}`);
    for (const l of this.liveLinks) out.push(`link ${l.id} refcnt=${l.refcnt.count}`);
    for (const b of this.liveBtfs) out.push(`btf ${b.id} refcnt=${b.refcnt.count}`);
    for (const s of this.socks.values()) out.push(`sock at ${s.addr}`);
    for (const t of this.tasks.values()) for (const fd of t.openFds()) out.push(`pid ${t.pid} fd ${fd}`);
    for (const p of this.rcu.pending()) out.push(`pending ${p.flavor}: ${p.what}`);
    const m = this.mem.snapshot();
    const b = this.bootMem;
    if (m.liveBytes !== b.liveBytes || m.liveBlocks !== b.liveBlocks || m.heapBytes !== b.heapBytes || m.freeExtents !== b.freeExtents) {
      out.push(`kmem ${m.liveBytes - b.liveBytes} bytes in ${m.liveBlocks - b.liveBlocks} blocks beyond boot (heap ${m.heapBytes} bytes, boot ${b.heapBytes})`);
    }
    return out;
  }

  /** Checks a permission for privileged commands: 0 or -EPERM. */
  static requireCap(task: Task, ok: boolean): number {
    return ok || task.bpfCapable() ? 0 : -EPERM;
  }
}

export { isErr };
