/**
 * @fileoverview Property-based lifecycle tests of struct_ops maps and links
 * for TCP congestion control: random sequences of map create / update /
 * delete, link create / update / detach, fd closes, sockets with
 * setsockopt(TCP_CONGESTION), netns default changes and RCU grace periods.
 *
 * After every step: no KernelBug (refcount underflow / use-after-free), the
 * lookup refcnt of every live struct_ops map equals its non-user holders
 * (registration + links + sockets + netns default), and the TCP registry
 * holds exactly reno, cubic and the ops of every attached link map and every
 * INUSE non-link map. At the end, once registrations and the default are
 * undone and the process exits, `leaks()` is empty. A second property checks
 * that a sequence replayed on a fresh kernel gives identical results.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  boot, loadCa, createCaMap, updateCa, deleteCa, linkCreate, linkUpdate, linkDetach, lookupState, fdinfoTail,
} from "./harness.js";
import type { Env } from "./harness.js";
import { BPF_MAP_GET_FD_BY_ID } from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_STRUCT_OPS_STATE_INIT, BPF_STRUCT_OPS_STATE_INUSE } from "../../src/uapi/bpf-flags.js";
import { structOpsState, structOpsValidToReg } from "../../src/kernel/map/struct-ops.js";
import { structOpsLinkMap } from "../../src/kernel/link/struct-ops-link.js";
import type { BpfMap } from "../../src/kernel/map/core.js";
import type { TcpCongestionOps } from "../../src/net/tcp-cc/ca-types.js";

const CA_NAMES = ["ca_a", "ca_b", "ca_c"] as const;
const SOCK_NAMES = ["reno", "cubic", ...CA_NAMES, "nope"] as const;
const IDX = fc.nat({ max: 15 });

/** One step of a random sequence. Indices are taken modulo the current list length. */
type Step =
  | { op: "mapCreate"; link: boolean; name: number }
  | { op: "update"; map: number; ca: number; fresh: boolean; progs: number }
  | { op: "delete"; map: number }
  | { op: "linkCreate"; map: number; ready: boolean }
  | { op: "linkUpdate"; link: number; map: number; ready: boolean; replace: "none" | "old" | "random"; old: number }
  | { op: "linkDetach"; link: number }
  | { op: "close"; fd: number }
  | { op: "socket"; name: number }
  | { op: "setsockopt"; sock: number; name: number }
  | { op: "closeSock"; sock: number }
  | { op: "reopenMap"; id: number }
  | { op: "setDefault"; name: number }
  | { op: "gp" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mapCreate" as const), link: fc.boolean(), name: fc.nat({ max: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("update" as const), map: IDX, ca: fc.nat({ max: 2 }), fresh: fc.boolean(), progs: IDX }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), map: IDX }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("linkCreate" as const), map: IDX, ready: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("linkUpdate" as const), link: IDX, map: IDX, ready: fc.boolean(), replace: fc.constantFrom("none" as const, "old" as const, "random" as const), old: IDX }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("linkDetach" as const), link: IDX }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("close" as const), fd: IDX }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("socket" as const), name: fc.nat({ max: SOCK_NAMES.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("setsockopt" as const), sock: IDX, name: fc.nat({ max: SOCK_NAMES.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("closeSock" as const), sock: IDX }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("reopenMap" as const), id: IDX }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("setDefault" as const), name: fc.nat({ max: SOCK_NAMES.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("gp" as const) }) },
);

const stepsArb = fc.array(stepArb, { minLength: 1, maxLength: 40, size: "max" });

function fmtStep(s: Step): string {
  const { op, ...rest } = s;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(" ");
  return args === "" ? op : `${op} ${args}`;
}

function fmtSteps(steps: readonly Step[], trace: readonly string[] = []): string {
  return steps.map((s, i) => `  ${String(i).padStart(2)}: ${fmtStep(s)}${trace[i] !== undefined ? `  -> ${trace[i]}` : ""}`).join("\n");
}

type FdKind = "map" | "prog" | "link" | "sock";

/** What the test process holds (fds in open order). */
interface World {
  readonly env: Env;
  readonly fds: { fd: number; kind: FdKind }[];
  /** Program sets loaded so far (their fds may since have been closed and reused). */
  readonly progSets: Record<string, number>[];
  readonly builtins: readonly TcpCongestionOps[];
  readonly defaultName0: string;
}

function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

const fdsOf = (w: World, kind: FdKind): number[] => w.fds.filter((f) => f.kind === kind).map((f) => f.fd);
/** An fd number the process never has open (EBADF). */
const NO_FD = 999;
/** An fd of `kind`, or NO_FD when there is none. */
const fdOf = (w: World, kind: FdKind, i: number): number => pick(fdsOf(w, kind), i) ?? NO_FD;

/**
 * A map fd for link create/update: with `ready`, chosen among the fds of READY
 * link maps when there are any (so that links actually get made), else any map fd.
 */
function linkMapFd(w: World, i: number, ready: boolean, besides: BpfMap | null = null): number {
  if (ready) {
    const fds = fdsOf(w, "map").filter((fd) => {
      const f = w.env.p.task.file(fd);
      return f !== null && f.target.kind === "map" && f.target.obj !== besides && structOpsValidToReg(f.target.obj);
    });
    if (fds.length > 0) return pick(fds, i)!;
  }
  return fdOf(w, "map", i);
}

function forget(w: World, fd: number): void {
  const i = w.fds.findIndex((f) => f.fd === fd);
  if (i >= 0) w.fds.splice(i, 1);
}

function track(w: World, kind: FdKind, r: { ret: number; errno: number }): void {
  if (r.errno === 0) w.fds.push({ fd: r.ret, kind });
}

function res(r: { ret: number; errno: number }): string {
  return r.errno === 0 ? `ret=${r.ret}` : `errno=${r.errno}`;
}

function newWorld(): World {
  const env = boot();
  return { env, fds: [], progSets: [], builtins: [...env.tcp.registry.all()], defaultName0: env.tcp.defaultName };
}

/** The live struct_ops maps, by ID. */
function structOpsMaps(w: World): BpfMap[] {
  return [...w.env.kernel.liveMaps].filter((m) => structOpsState(m) !== null).sort((a, b) => a.id - b.id);
}

/** Executes one step; returns its {ret, errno} (as text). */
function exec(w: World, s: Step): string {
  const { env } = w;
  switch (s.op) {
    case "mapCreate": {
      const r = createCaMap(env, `m_${CA_NAMES[s.name]!}`, s.link);
      track(w, "map", r);
      return res(r);
    }
    case "update": {
      let progs: Record<string, number> | undefined;
      if (s.fresh || w.progSets.length === 0) {
        const before = env.p.task.openFds().length;
        progs = loadCa(env, 0, null);
        for (const fd of Object.values(progs)) w.fds.push({ fd, kind: "prog" });
        assert.equal(env.p.task.openFds().length, before + Object.keys(progs).length);
        w.progSets.push(progs);
      } else progs = pick(w.progSets, s.progs)!;
      return res(updateCa(env, fdOf(w, "map", s.map), CA_NAMES[s.ca]!, progs));
    }
    case "delete":
      return res(deleteCa(env, fdOf(w, "map", s.map)));
    case "linkCreate": {
      const r = linkCreate(env, linkMapFd(w, s.map, s.ready));
      track(w, "link", r);
      return res(r);
    }
    case "linkUpdate": {
      const link = fdOf(w, "link", s.link);
      const l = env.p.task.file(link);
      const held = l !== null && l.target.kind === "link" ? structOpsLinkMap(l.target.obj) : null;
      // With `ready`, a READY link map other than the one the link holds.
      const map = linkMapFd(w, s.map, s.ready, held);
      let old: number | undefined;
      if (s.replace === "random") old = fdOf(w, "map", s.old);
      else if (s.replace === "old") {
        // The fd of the map the link holds, if the process has one.
        old = fdsOf(w, "map").find((fd) => {
          const f = env.p.task.file(fd);
          return f !== null && f.target.kind === "map" && f.target.obj === held;
        }) ?? fdOf(w, "map", s.old);
      }
      return res(linkUpdate(env, link, map, old));
    }
    case "linkDetach":
      return res(linkDetach(env, fdOf(w, "link", s.link)));
    case "close": {
      const f = pick(w.fds, s.fd);
      if (f === undefined) return res(env.p.close(NO_FD));
      forget(w, f.fd);
      return res(env.p.close(f.fd));
    }
    case "socket": {
      const r = env.p.socket();
      track(w, "sock", r);
      if (r.errno !== 0) return res(r);
      return `${res(r)} setsockopt ${res(env.p.setCongestion(r.ret, SOCK_NAMES[s.name]!))}`;
    }
    case "setsockopt":
      return res(env.p.setCongestion(fdOf(w, "sock", s.sock), SOCK_NAMES[s.name]!));
    case "closeSock": {
      const fd = fdOf(w, "sock", s.sock);
      forget(w, fd);
      return res(env.p.close(fd));
    }
    case "reopenMap": {
      const m = pick(structOpsMaps(w), s.id);
      const r = env.p.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: m?.id ?? 0 });
      track(w, "map", r);
      return res(r);
    }
    case "setDefault":
      return res(env.p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", SOCK_NAMES[s.name]!));
    case "gp":
      env.kernel.rcu.gracePeriod();
      return "ok";
  }
}

/** The invariants that must hold between any two steps. */
function checkInvariants(w: World): void {
  const { env } = w;
  const defaultCa = env.tcp.pernet(env.kernel.netns.initNet).defaultCa;
  const links = [...env.kernel.liveLinks].map((l) => structOpsLinkMap(l)).filter((m): m is BpfMap => m !== null);
  const expectedRegistered = new Set<TcpCongestionOps>(w.builtins);
  for (const m of structOpsMaps(w)) {
    const so = structOpsState(m)!;
    const isLink = (m.attrs.map_flags & BPF_F_LINK) !== 0;
    const inuse = !isLink && so.state === BPF_STRUCT_OPS_STATE_INUSE;
    const nLinks = links.filter((x) => x === m).length;
    const nSocks = [...env.tcp.sockets].filter((sk) => !sk.closed && env.tcp.kdataOf(sk.ca)?.map === m).length;
    const isDefault = env.tcp.kdataOf(defaultCa)?.map === m ? 1 : 0;
    const expected = (inuse ? 1 : 0) + nLinks + nSocks + isDefault;
    const shown = Math.max(0, m.refcnt.count - m.usercnt.count);
    const what = `map ${m.id} (${m.attrs.map_name}, ${isLink ? "link" : "non-link"}, state ${so.state}, refcnt ${m.refcnt.count}, usercnt ${m.usercnt.count})`;
    assert.equal(shown, expected, `${what}: refcnt - usercnt = ${shown}, expected ${expected} (inuse ${inuse}, links ${nLinks}, socks ${nSocks}, default ${isDefault})`);
    // Through the syscall, when the process still has an fd on it.
    const fd = fdsOf(w, "map").find((x) => {
      const f = env.p.task.file(x);
      return f !== null && f.target.kind === "map" && f.target.obj === m;
    });
    if (fd !== undefined) {
      const l = lookupState(env, fd);
      assert.equal(l.errno, 0, `${what}: lookup`);
      assert.equal(l.state, so.state, `${what}: lookup state`);
      assert.equal(l.refcnt, so.state === BPF_STRUCT_OPS_STATE_INIT ? 0 : expected, `${what}: lookup refcnt`);
    }
    if (inuse || nLinks > 0) {
      const ops = so.kdata.sub as TcpCongestionOps | undefined;
      assert.ok(ops !== undefined, `${what}: registered but has no ops`);
      expectedRegistered.add(ops);
    }
  }
  const all = env.tcp.registry.all();
  const names = all.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, `registry names not unique: ${names.join(" ")}`);
  const exp = [...expectedRegistered].map((c) => c.name).sort();
  assert.deepEqual([...names].sort(), exp, "registry contents (names)");
  for (const c of all) assert.ok(expectedRegistered.has(c), `registry holds unexpected ops ${c.name}`);
}

/** Undoes what outlives the process (INUSE registrations, the netns default), exits, settles; returns leaks. */
function teardown(w: World): string[] {
  const { env } = w;
  assert.equal(env.p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", w.defaultName0).errno, 0, "restore default");
  for (const m of structOpsMaps(w)) {
    if ((m.attrs.map_flags & BPF_F_LINK) !== 0 || structOpsState(m)!.state !== BPF_STRUCT_OPS_STATE_INUSE) continue;
    const r = env.p.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: m.id });
    assert.equal(r.errno, 0, `reopen INUSE map ${m.id}`);
    assert.equal(deleteCa(env, r.ret).errno, 0, `unregister INUSE map ${m.id}`);
  }
  env.p.exit();
  env.kernel.settle();
  return env.kernel.leaks();
}

/** The /proc texts a run ends with (before teardown). */
function procTexts(w: World): string {
  const { env } = w;
  const files = ["tcp_available_congestion_control", "tcp_allowed_congestion_control", "tcp_congestion_control"]
    .map((f) => env.p.readFile(`/proc/sys/net/ipv4/${f}`).text);
  const fdinfo = w.fds.filter((f) => f.kind !== "sock").map((f) => `fd ${f.fd}:\n${fdinfoTail(env, f.fd)}`);
  return [...files, ...fdinfo].join("\n");
}

/** Runs a sequence; with `check`, asserts the invariants after every step. Returns the trace and final texts. */
function run(steps: readonly Step[], check: boolean): { trace: string[]; proc: string; leaks: string[] } {
  const w = newWorld();
  const trace: string[] = [];
  let where = "in the initial state";
  try {
    if (check) checkInvariants(w);
    for (const [i, s] of steps.entries()) {
      where = `running step ${i}`;
      trace.push(exec(w, s));
      where = `checking after step ${i}`;
      if (check) checkInvariants(w);
    }
    where = "at teardown";
    const proc = procTexts(w);
    const leaks = teardown(w);
    return { trace, proc, leaks };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    // A new Error: the original's stack (what gets printed) already froze its message.
    throw new Error(`${err.name}: ${err.message}\nfailed ${where} of:\n${fmtSteps(steps, trace)}\n${err.stack ?? ""}`);
  }
}

const SEED = 0x5eed_c0de;

test("struct_ops lifecycle: refcounts, registry and leaks stay consistent under random sequences", () => {
  fc.assert(
    fc.property(stepsArb, (steps) => {
      const { leaks } = run(steps, true);
      assert.deepEqual(leaks, [], `leaks after exit and settle:\n${leaks.join("\n")}\nsteps:\n${fmtSteps(steps)}`);
    }),
    { numRuns: 700, seed: SEED },
  );
});

test("struct_ops lifecycle: the same sequence on two fresh kernels gives identical results", () => {
  fc.assert(
    fc.property(stepsArb, (steps) => {
      const a = run(steps, false);
      const b = run(steps, false);
      assert.deepEqual(b.trace, a.trace, `traces differ:\n${fmtSteps(steps, a.trace)}`);
      assert.equal(b.proc, a.proc, `final /proc texts differ; steps:\n${fmtSteps(steps)}`);
      assert.deepEqual(b.leaks, a.leaks);
    }),
    { numRuns: 150, seed: SEED + 1 },
  );
});
