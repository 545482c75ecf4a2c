/**
 * @fileoverview Fuzzer 1: random bpf(2) sequences on the emulated kernel,
 * over several processes: map create (array, hash, sk_storage, struct_ops,
 * bogus types and sizes), element update / lookup / delete, prog load (small
 * valid programs and invalid ones: random words, truncated, bad license),
 * struct_ops map update, link create / update / detach, obj pin / get / unlink, BTF
 * load (valid and mutated), fd close, sockets with setsockopt
 * (TCP_CONGESTION), process spawn and exit, grace periods.
 *
 * After every step (`kernelInvariants`): no call threw (a KernelBug is a
 * refcount underflow or a use-after-free), refcounts are never negative,
 * every ID in the ID tables resolves to a live, unfreed object with a
 * reference, every fd of a live task points at a live object. At the end,
 * once pins are unlinked, registrations undone and every process has exited,
 * grace periods settle and nothing leaks. When src/kernel grows its own
 * invariant check (h/kmem), `kernelInvariants` calls it too.
 */
import fc from "fast-check";
import {
  BPF_BTF_LOAD, BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_FD_BY_ID, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET, BPF_OBJ_PIN, BPF_PROG_LOAD,
  BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_STRUCT_OPS,
} from "../../src/uapi/bpf-enums.js";
import { BPF_F_LINK, BPF_STRUCT_OPS_STATE_INUSE } from "../../src/uapi/bpf-flags.js";
import { BPF_EXIT_INSN, BPF_MOV64_IMM, assemble } from "../../src/asm/index.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { BtfBuilder } from "../../src/kernel/btf/builder.js";
import { structOpsState } from "../../src/kernel/map/struct-ops.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import {
  TCP_OPS, boot, createCaMap, deleteCa, kfuncInsns, linkCreate, linkDetach, linkUpdate, member, updateCa,
} from "../kernel/harness.js";
import type { Env } from "../kernel/harness.js";
import type { Fuzzer } from "./framework.js";
import { errLine, fromJson } from "./framework.js";

const N = fc.nat(31);
const CA = ["fz_a", "fz_b", "fz_c"] as const;
const SOCK_CA = ["reno", "cubic", ...CA, "nope", ""] as const;
const MAP_KINDS = ["array", "hash", "sk_storage", "so", "so_link", "bogus"] as const;
const PROG_KINDS = ["ret", "so_ssthresh", "so_cong_avoid", "so_undo", "random", "truncated", "nolicense", "noexit"] as const;

export type KStep =
  | { readonly op: "mapCreate"; readonly kind: number; readonly key: number; readonly value: number; readonly max: number; readonly name: number }
  | { readonly op: "elem"; readonly what: number; readonly map: number; readonly key: number; readonly val: number; readonly flags: number }
  | { readonly op: "progLoad"; readonly kind: number; readonly words: readonly number[] }
  | { readonly op: "soUpdate"; readonly map: number; readonly ca: number; readonly progs: number }
  | { readonly op: "soDelete"; readonly map: number }
  | { readonly op: "linkCreate"; readonly map: number }
  | { readonly op: "linkUpdate"; readonly link: number; readonly map: number; readonly old: number; readonly replace: boolean }
  | { readonly op: "linkDetach"; readonly link: number }
  | { readonly op: "pin"; readonly fd: number; readonly path: number }
  | { readonly op: "get"; readonly path: number }
  | { readonly op: "unlink"; readonly path: number }
  | { readonly op: "getById"; readonly id: number }
  | { readonly op: "btfLoad"; readonly word: number; readonly value: number; readonly mutate: boolean }
  | { readonly op: "close"; readonly fd: number }
  | { readonly op: "socket"; readonly ca: number }
  | { readonly op: "setsockopt"; readonly sock: number; readonly ca: number }
  | { readonly op: "spawn" }
  | { readonly op: "exit"; readonly proc: number }
  | { readonly op: "use"; readonly proc: number }
  | { readonly op: "setDefault"; readonly ca: number }
  | { readonly op: "gp" };

const u32 = fc.oneof(fc.constantFrom(0, 1, 4, 8, 64, 0xffff, 0x7fffffff, 0xffffffff), fc.nat(0xffffffff), fc.nat(16));

export const kstep: fc.Arbitrary<KStep> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("mapCreate" as const),
      // Mostly struct_ops maps (link and non-link), then array and hash.
      kind: fc.constantFrom(0, 1, 2, 3, 3, 3, 4, 4, 4, 4, 5),
      key: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(4, 8) }, { weight: 1, arbitrary: u32 }),
      value: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(8, 16) }, { weight: 1, arbitrary: u32 }),
      max: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(1, 4) }, { weight: 1, arbitrary: u32 }),
      name: fc.nat(3),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("elem" as const), what: fc.nat(2), map: N, key: fc.nat(5), val: fc.nat(), flags: fc.constantFrom(0, 0, 1, 2, 4, 99) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("progLoad" as const), kind: fc.nat(PROG_KINDS.length - 1), words: fc.array(fc.nat(0xffffffff), { minLength: 0, maxLength: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("soUpdate" as const), map: N, ca: fc.nat(CA.length - 1), progs: N }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("soDelete" as const), map: N }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("linkCreate" as const), map: N }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("linkUpdate" as const), link: N, map: N, old: N, replace: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("linkDetach" as const), link: N }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("pin" as const), fd: N, path: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("get" as const), path: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("unlink" as const), path: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("getById" as const), id: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("btfLoad" as const), word: fc.nat(), value: u32, mutate: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("close" as const), fd: N }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("socket" as const), ca: fc.nat(SOCK_CA.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("setsockopt" as const), sock: N, ca: fc.nat(SOCK_CA.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("spawn" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), proc: N }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("use" as const), proc: fc.oneof(fc.constant(0), N) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("setDefault" as const), ca: fc.nat(SOCK_CA.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("gp" as const) }) },
);

export const kseq: fc.Arbitrary<KStep[]> = fc.array(kstep, { minLength: 1, maxLength: 80, size: "large" });

interface Proc {
  readonly p: ModelProcess;
  readonly fds: number[];
  readonly socks: number[];
  readonly progs: number[];
  alive: boolean;
}

interface World {
  readonly env: Env;
  readonly procs: Proc[];
  cur: number;
}

const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);
const NOFD = 999;

function proc(w: World): Proc {
  return w.procs[w.cur] as Proc;
}

function res(r: { ret: number; errno: number }): string {
  return r.errno === 0 ? `ret=${r.ret}` : `errno=${r.errno}`;
}

function track(pr: Proc, r: { ret: number; errno: number }, list: number[] = pr.fds): string {
  if (r.errno === 0) list.push(r.ret);
  return res(r);
}

function fileKind(pr: Proc, fd: number): string | null {
  const f = pr.p.task.file(fd);
  return f === null ? null : f.target.kind;
}

/** An fd of the current process of `kind` (a map, a link...), or any fd, or NOFD. */
function fdOf(pr: Proc, i: number, kind?: string): number {
  const fds = kind === undefined ? pr.fds : pr.fds.filter((fd) => fileKind(pr, fd) === kind);
  return pick(fds, i) ?? NOFD;
}

function structOpsMapFd(pr: Proc, i: number): number {
  const fds = pr.fds.filter((fd) => {
    const f = pr.p.task.file(fd);
    return f !== null && f.target.kind === "map" && structOpsState(f.target.obj) !== null;
  });
  return pick(fds, i) ?? fdOf(pr, i, "map");
}

function smallBtf(): Uint8Array {
  const b = new BtfBuilder();
  b.int("int", 4, 1);
  return b.encode();
}

function progInsns(kind: string, words: readonly number[]): { insns: Uint8Array; type: number; attach: number; license: string } {
  const ret = assemble([BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()]);
  const so = (m: string, k: Uint8Array): { insns: Uint8Array; type: number; attach: number; license: string } => ({ insns: k, type: BPF_PROG_TYPE_STRUCT_OPS, attach: member(m), license: "GPL" });
  switch (kind) {
    case "so_ssthresh": return so("ssthresh", kfuncInsns("tcp_reno_ssthresh", 1));
    case "so_cong_avoid": return so("cong_avoid", kfuncInsns("tcp_reno_cong_avoid", 3));
    case "so_undo": return so("undo_cwnd", kfuncInsns("tcp_reno_undo_cwnd", 1));
    case "random": {
      const b = new Uint8Array(Math.max(8, ((words.length + 1) >> 1) * 8));
      const dv = new DataView(b.buffer);
      words.forEach((x, i) => dv.setUint32(4 * i, x, true));
      return { insns: b, type: words.length % 2 === 0 ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_STRUCT_OPS, attach: words[0] ?? 0, license: "GPL" };
    }
    case "truncated": return { insns: ret.subarray(0, 8), type: BPF_PROG_TYPE_SOCKET_FILTER, attach: 0, license: "GPL" };
    case "nolicense": { const s = so("ssthresh", kfuncInsns("tcp_reno_ssthresh", 1)); return { ...s, license: "Proprietary" }; }
    case "noexit": return { insns: assemble([BPF_MOV64_IMM(0, 0)]), type: BPF_PROG_TYPE_SOCKET_FILTER, attach: 0, license: "GPL" };
    default: return { insns: ret, type: BPF_PROG_TYPE_SOCKET_FILTER, attach: 0, license: "GPL" };
  }
}

const KEY0 = new Uint8Array(4);

/** Runs one step; returns its result as text. */
function exec(w: World, s: KStep): string {
  const pr = proc(w);
  const { p } = pr;
  if (!pr.alive && s.op !== "spawn" && s.op !== "use" && s.op !== "gp" && s.op !== "setDefault") return "dead process";
  switch (s.op) {
    case "mapCreate": {
      const kind = MAP_KINDS[s.kind] as string;
      const name = `m${s.name}`;
      if (kind === "so" || kind === "so_link") {
        // A struct_ops map through a BTF fd of this process, when it has one (else the root's number, likely EBADF).
        return track(pr, createCaMap({ ...w.env, p }, name, kind === "so_link"));
      }
      const type = kind === "array" ? BPF_MAP_TYPE_ARRAY : kind === "hash" ? BPF_MAP_TYPE_HASH : kind === "sk_storage" ? BPF_MAP_TYPE_SK_STORAGE : 0x7777;
      const r = p.bpf(BPF_MAP_CREATE, { map_type: type, key_size: s.key, value_size: s.value, max_entries: s.max, map_name: name, ...(kind === "sk_storage" ? { map_flags: 1 } : {}) });
      return track(pr, r);
    }
    case "elem": {
      const fd = fdOf(pr, s.map, "map");
      const f = p.task.file(fd);
      const m = f !== null && f.target.kind === "map" ? f.target.obj : null;
      const ks = Math.min(m?.attrs.key_size ?? 4, 4096);
      const vs = Math.min(m?.attrs.value_size ?? 8, 1 << 16);
      const key = new Uint8Array(ks);
      if (ks >= 1) key[0] = s.key;
      const value = new Uint8Array(vs);
      if (vs >= 4) new DataView(value.buffer).setUint32(0, s.val >>> 0, true);
      if (s.what === 0) return res(p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: fd, key, value, flags: s.flags }));
      if (s.what === 1) return res(p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: fd, key, value }));
      return res(p.bpf(BPF_MAP_DELETE_ELEM, { map_fd: fd, key }));
    }
    case "progLoad": {
      const pi = progInsns(PROG_KINDS[s.kind] as string, s.words);
      const r = p.bpf(BPF_PROG_LOAD, {
        prog_type: pi.type, insns: pi.insns, insn_cnt: pi.insns.length / 8, license: pi.license,
        ...(pi.type === BPF_PROG_TYPE_STRUCT_OPS ? { expected_attach_type: pi.attach, attach_btf_id: TCP_OPS.typeId } : {}),
      });
      if (r.errno === 0) pr.progs.push(r.ret);
      return track(pr, r);
    }
    case "soUpdate": {
      // Programs: the ones of this process still open, by member.
      const progs: Record<string, number> = {};
      for (const fd of pr.progs) {
        const f = p.task.file(fd);
        if (f === null || f.target.kind !== "prog") continue;
        const prog = f.target.obj;
        const m = ["ssthresh", "cong_avoid", "undo_cwnd"].find((x) => member(x) === prog.attrs.expected_attach_type);
        if (m !== undefined && (progs[m] === undefined || (s.progs & 1) === 1)) progs[m] = fd;
      }
      // Members without a program get one loaded now (unless the step wants them missing).
      if ((s.progs & 6) !== 6) {
        for (const [m, kind] of [["ssthresh", "so_ssthresh"], ["cong_avoid", "so_cong_avoid"], ["undo_cwnd", "so_undo"]] as const) {
          if (progs[m] !== undefined) continue;
          const pi = progInsns(kind, []);
          const r = p.bpf(BPF_PROG_LOAD, { prog_type: pi.type, insns: pi.insns, insn_cnt: pi.insns.length / 8, license: pi.license, expected_attach_type: pi.attach, attach_btf_id: TCP_OPS.typeId });
          if (r.errno === 0) {
            pr.progs.push(r.ret);
            pr.fds.push(r.ret);
            progs[m] = r.ret;
          }
        }
      }
      return res(updateCa({ ...w.env, p }, structOpsMapFd(pr, s.map), CA[s.ca] as string, progs));
    }
    case "soDelete":
      return res(deleteCa({ ...w.env, p }, structOpsMapFd(pr, s.map)));
    case "linkCreate":
      return track(pr, linkCreate({ ...w.env, p }, structOpsMapFd(pr, s.map)));
    case "linkUpdate":
      return res(linkUpdate({ ...w.env, p }, fdOf(pr, s.link, "link"), structOpsMapFd(pr, s.map), s.replace ? structOpsMapFd(pr, s.old) : undefined));
    case "linkDetach":
      return res(linkDetach({ ...w.env, p }, fdOf(pr, s.link, "link")));
    case "pin":
      return res(p.bpf(BPF_OBJ_PIN, { pathname: `/sys/fs/bpf/p${s.path}`, bpf_fd: fdOf(pr, s.fd) }));
    case "get":
      return track(pr, p.bpf(BPF_OBJ_GET, { pathname: `/sys/fs/bpf/p${s.path}` }));
    case "unlink":
      return res(p.unlink(`/sys/fs/bpf/p${s.path}`));
    case "getById":
      return track(pr, p.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: s.id }));
    case "btfLoad": {
      const blob = smallBtf();
      if (s.mutate) new DataView(blob.buffer).setUint32(4 * (s.word % (blob.length >> 2)), s.value >>> 0, true);
      return track(pr, p.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length }));
    }
    case "close": {
      const all = [...pr.fds, ...pr.socks];
      const fd = pick(all, s.fd) ?? NOFD;
      for (const l of [pr.fds, pr.socks, pr.progs]) {
        const i = l.indexOf(fd);
        if (i >= 0) l.splice(i, 1);
      }
      return res(p.close(fd));
    }
    case "socket": {
      const r = p.socket();
      track(pr, r, pr.socks);
      return r.errno !== 0 ? res(r) : `${res(r)} ${res(p.setCongestion(r.ret, SOCK_CA[s.ca] as string))}`;
    }
    case "setsockopt":
      return res(p.setCongestion(pick(pr.socks, s.sock) ?? NOFD, SOCK_CA[s.ca] as string));
    case "spawn": {
      const np = new ModelProcess(w.env.kernel.spawn(`fz${w.procs.length}`), w.env.tcp);
      w.procs.push({ p: np, fds: [], socks: [], progs: [], alive: true });
      return `pid=${np.pid}`;
    }
    case "exit": {
      // A spawned process (the root one exits at teardown); the current one becomes the root again.
      if (w.procs.length < 2) return "only the root process";
      const ti = 1 + (s.proc % (w.procs.length - 1));
      const target = w.procs[ti] as Proc;
      if (!target.alive) return "already dead";
      target.p.exit();
      target.alive = false;
      target.fds.length = 0;
      target.socks.length = 0;
      target.progs.length = 0;
      if (w.cur === ti) w.cur = 0;
      return "exited";
    }
    case "use":
      w.cur = s.proc % w.procs.length;
      return `proc ${w.cur}`;
    case "setDefault": {
      const alive = w.procs.find((x) => x.alive) ?? pr;
      return res(alive.p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", SOCK_CA[s.ca] as string));
    }
    case "gp":
      w.env.kernel.rcu.gracePeriod();
      return "ok";
  }
}

/**
 * The kernel's own consistency, checked between steps. Returns the broken
 * invariants (empty when all hold). A kernel-provided check (a
 * `checkInvariants()` method returning strings, as h/kmem plans) is called
 * too when it exists.
 */
export function kernelInvariants(k: Kernel): string[] {
  const out: string[] = [];
  const own = (k as unknown as { checkInvariants?: () => string[] | void }).checkInvariants;
  if (typeof own === "function") out.push(...(own.call(k) ?? []));
  for (const m of k.liveMaps) {
    if (m.refcnt.count < 0 || m.usercnt.count < 0) out.push(`map ${m.id}: negative count (refcnt ${m.refcnt.count}, usercnt ${m.usercnt.count})`);
  }
  for (const p of k.liveProgs) if (p.refcnt.count < 0) out.push(`prog ${p.id}: negative refcnt ${p.refcnt.count}`);
  for (const l of k.liveLinks) if (l.refcnt.count < 0) out.push(`link ${l.id}: negative refcnt ${l.refcnt.count}`);
  for (const m of k.mapIdr.values()) {
    if (!k.liveMaps.has(m) || m.freed || m.refcnt.count <= 0) out.push(`map ID ${m.id} resolves to a dead map (live ${k.liveMaps.has(m)}, freed ${m.freed}, refcnt ${m.refcnt.count})`);
  }
  for (const p of k.progIdr.values()) {
    if (!k.liveProgs.has(p) || p.refcnt.count <= 0) out.push(`prog ID ${p.id} resolves to a dead prog (live ${k.liveProgs.has(p)}, refcnt ${p.refcnt.count})`);
  }
  for (const l of k.linkIdr.values()) {
    if (!k.liveLinks.has(l) || l.refcnt.count <= 0) out.push(`link ID ${l.id} resolves to a dead link (live ${k.liveLinks.has(l)}, refcnt ${l.refcnt.count})`);
  }
  return out;
}

/** fds of live tasks point at live objects. */
function fdInvariants(w: World): string[] {
  const out: string[] = [];
  const k = w.env.kernel;
  for (const pr of w.procs) {
    if (!pr.alive) continue;
    for (const fd of pr.p.task.openFds()) {
      const f = pr.p.task.file(fd);
      if (f === null) continue;
      const t = f.target;
      if (t.kind === "map" && (!k.liveMaps.has(t.obj) || t.obj.freed)) out.push(`pid ${pr.p.pid} fd ${fd}: map ${t.obj.id} is not live`);
      if (t.kind === "prog" && !k.liveProgs.has(t.obj)) out.push(`pid ${pr.p.pid} fd ${fd}: prog ${t.obj.id} is not live`);
      if (t.kind === "link" && !k.liveLinks.has(t.obj)) out.push(`pid ${pr.p.pid} fd ${fd}: link ${t.obj.id} is not live`);
    }
  }
  return out;
}

/** Undoes what outlives processes (pins, INUSE registrations, the default), exits everyone, settles; returns leaks. */
function teardown(w: World, default0: string): string[] {
  const k = w.env.kernel;
  for (const path of k.bpffs.list()) k.bpffs.unlink(path);
  const root = w.procs[0] as Proc;
  const helper = new ModelProcess(k.spawn("fz-teardown"), w.env.tcp);
  helper.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", default0);
  for (const m of [...k.liveMaps]) {
    const so = structOpsState(m);
    if (so === null || (m.attrs.map_flags & BPF_F_LINK) !== 0 || so.state !== BPF_STRUCT_OPS_STATE_INUSE) continue;
    const r = helper.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: m.id });
    if (r.errno === 0) helper.bpf(BPF_MAP_DELETE_ELEM, { map_fd: r.ret, key: KEY0 });
  }
  helper.exit();
  for (const pr of w.procs) if (pr.alive) pr.p.exit();
  void root;
  k.settle();
  return k.leaks();
}

function fmt(steps: readonly KStep[], trace: readonly string[]): string {
  return steps.map((s, i) => {
    const { op, ...rest } = s;
    return `  ${String(i).padStart(2)}: ${op} ${JSON.stringify(rest)}${trace[i] !== undefined ? `  -> ${trace[i]}` : ""}`;
  }).join("\n");
}

/** Runs a sequence; returns the violation or null. */
export function checkKernelSeq(steps: readonly KStep[], onStep?: (s: KStep, result: string) => void): string | null {
  const env = boot();
  const w: World = { env, procs: [{ p: env.p, fds: [env.btfFd], socks: [], progs: [], alive: true }], cur: 0 };
  const default0 = env.tcp.defaultName;
  const trace: string[] = [];
  for (const [i, s] of steps.entries()) {
    try {
      trace.push(exec(w, s));
      onStep?.(s, trace[i] as string);
    } catch (e) {
      return `step ${i} (${s.op}) threw ${errLine(e)}\n${fmt(steps, trace)}\n${e instanceof Error ? e.stack : ""}`;
    }
    const bad = [...kernelInvariants(env.kernel), ...fdInvariants(w)];
    if (bad.length > 0) return `after step ${i} (${s.op}): ${bad.join("; ")}\n${fmt(steps, trace)}`;
  }
  let leaks: string[];
  try {
    leaks = teardown(w, default0);
  } catch (e) {
    return `teardown threw ${errLine(e)}\n${fmt(steps, trace)}\n${e instanceof Error ? e.stack : ""}`;
  }
  if (leaks.length > 0) return `leak after unpinning, unregistering, exit and settle: ${leaks.join("; ")}\n${fmt(steps, trace)}`;
  const bad = kernelInvariants(env.kernel);
  if (bad.length > 0) return `after teardown: ${bad.join("; ")}\n${fmt(steps, trace)}`;
  return null;
}

export const kernelFuzzer: Fuzzer<KStep[]> = {
  name: "kernel",
  description: "random bpf(2) sequences over several processes; refcount, ID-table, fd and leak invariants after every step",
  arbitrary: kseq,
  check: (steps) => Promise.resolve(checkKernelSeq(steps)),
};

export const decodeKernelSeq = (j: unknown): KStep[] => fromJson<KStep[]>(j);
