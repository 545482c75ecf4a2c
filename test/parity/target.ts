/**
 * @fileoverview The two backends the parity suite drives, behind one shape: a
 * Backend plus the facts a scenario needs from that backend's kernel BTF
 * (tcp_congestion_ops ids, member indices, kfunc ids, the struct_ops value
 * builder), a settle step (the model's deferred frees; nothing on Linux), and
 * a record of every BPF object the run created (kind + ID, read with
 * BPF_OBJ_GET_INFO_BY_FD right after creation) for the leak check.
 *
 * Linux runs in a private network namespace; both targets start with the
 * netns default congestion control set to reno, so per-netns state starts equal;
 * the global lists (available, allowed) are compared relative to their
 * baseline at start.
 */
import { readFileSync } from "node:fs";
import { BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_GET_FD_BY_ID, BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_GET_FD_BY_ID, BPF_PROG_LOAD } from "../../src/uapi/bpf-enums.js";
import { BTF_KIND_FUNC } from "../../src/uapi/btf.js";
import type { AttrCmd, AttrInputOf } from "../../src/uapi/attr-codec.js";
import type { Backend, SysResult } from "../../src/backend/backend.js";
import { structOpsValue, structOpsValueLayout } from "../../src/backend/struct-ops-value.js";
import type { StructOpsFields } from "../../src/backend/struct-ops-value.js";
import type { StructOpsLayout } from "../../src/btf/struct-ops-layout.js";
import type { Btf } from "../../src/btf/btf.js";
import { createModelKernel } from "../../src/backend/model.js";
import type { ModelKernel } from "../../src/backend/model.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { getVmlinuxBtf } from "../../src/kernel/btf/vmlinux.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { parseKernelBtf } from "../../src/backend/linux/vmlinux-btf.js";

/**
 * The netns default CC both targets start with. A network namespace other
 * than init_net may only pick a non-restricted CA as its default
 * (net/ipv4/tcp_cong.c, tcp_set_default_congestion_control: EPERM), and reno
 * is the one that always is.
 */
export const DEFAULT_CC = "reno";

export type ObjKind = "map" | "prog" | "link" | "btf";

/** BTF facts of one kernel. */
export interface TargetBtf {
  readonly ops: StructOpsLayout;
  member(name: string): number;
  kfuncId(name: string): number;
  value(fields: StructOpsFields): Uint8Array;
  /** Byte offset in the value of each function-pointer member (they hold program IDs after update). */
  readonly funcSlots: ReadonlyArray<{ readonly name: string; readonly offset: number }>;
  /** Byte offset of `name` in the value. */
  readonly nameOffset: number;
}

/** One backend under test. */
export interface Target {
  readonly name: "model" | "linux";
  readonly be: Backend;
  readonly btf: TargetBtf;
  /** Runs deferred work (the model's RCU callbacks); a no-op on Linux, whose kernel does it by itself. */
  settle(): void;
  /** (kind, id) of every object created through `be`. */
  readonly created: ReadonlyArray<{ readonly kind: ObjKind; readonly id: number }>;
  /** Closes every fd still open and leaves the private netns (Linux); exits the process (model). */
  dispose(): void;
  /** Model only: leaks() after exit and settle. */
  leaks?(): readonly string[];
}

const CREATE_KIND: ReadonlyMap<number, ObjKind> = new Map([
  [BPF_MAP_CREATE, "map"], [BPF_MAP_GET_FD_BY_ID, "map"], [BPF_PROG_LOAD, "prog"], [BPF_PROG_GET_FD_BY_ID, "prog"],
  [BPF_LINK_CREATE, "link"], [BPF_LINK_GET_FD_BY_ID, "link"], [BPF_BTF_LOAD, "btf"],
]);

/** A Backend that records the ID of every object it creates. */
class Recording implements Backend {
  readonly created: Array<{ kind: ObjKind; id: number }> = [];
  constructor(private readonly inner: Backend) {}
  bpf<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, size?: number): SysResult {
    const r = this.inner.bpf(cmd, attr, size);
    const kind = CREATE_KIND.get(cmd);
    if (r.errno === 0 && kind !== undefined) {
      const info = new Uint8Array(kind === "btf" ? 32 : 16);
      const g = this.inner.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: r.ret, info_len: info.length, info });
      const id = new DataView(info.buffer).getUint32(kind === "btf" ? 12 : 4, true);
      if (g.errno === 0 && !this.created.some((c) => c.kind === kind && c.id === id)) this.created.push({ kind, id });
    }
    return r;
  }
  bpfBytes(cmd: number, attr: Uint8Array): SysResult { return this.inner.bpfBytes(cmd, attr); }
  close(fd: number): SysResult { return this.inner.close(fd); }
  socket(): SysResult { return this.inner.socket(); }
  tcpSocket(): SysResult { return this.inner.tcpSocket(); }
  bind(fd: number, port: number): SysResult { return this.inner.bind(fd, port); }
  listen(fd: number, backlog: number): SysResult { return this.inner.listen(fd, backlog); }
  connect(fd: number, port: number): SysResult { return this.inner.connect(fd, port); }
  accept(fd: number): SysResult { return this.inner.accept(fd); }
  localPort(fd: number): { ret: number; errno: number; port: number } { return this.inner.localPort(fd); }
  unshareNet(): SysResult { return this.inner.unshareNet(); }
  openNetns(): SysResult { return this.inner.openNetns(); }
  setNetns(fd: number): SysResult { return this.inner.setNetns(fd); }
  setCapabilities(caps: readonly number[] | null): SysResult { return this.inner.setCapabilities(caps); }
  setCongestion(fd: number, name: string): SysResult { return this.inner.setCongestion(fd, name); }
  getCongestion(fd: number): { ret: number; errno: number; name: string } { return this.inner.getCongestion(fd); }
  readFile(path: string): { ret: number; errno: number; text: string } { return this.inner.readFile(path); }
  writeFile(path: string, text: string): SysResult { return this.inner.writeFile(path, text); }
  read(fd: number, size: number): { ret: number; errno: number; bytes: Uint8Array } { return this.inner.read(fd, size); }
  poll(fd: number): { ret: number; errno: number; revents: number } { return this.inner.poll(fd); }
  mkdir(path: string): SysResult { return this.inner.mkdir(path); }
  rmdir(path: string): SysResult { return this.inner.rmdir(path); }
  unlink(path: string): SysResult { return this.inner.unlink(path); }
}

function targetBtf(b: Btf, kfuncId: (name: string) => number): TargetBtf {
  const ops = structOpsValueLayout(b, "tcp_congestion_ops");
  const nameM = ops.members.find((m) => m.name === "name");
  return {
    ops,
    member: (n) => ops.members.findIndex((m) => m.name === n),
    kfuncId,
    value: (fields) => structOpsValue(b, "tcp_congestion_ops", fields),
    funcSlots: ops.members.filter((m) => m.isFuncPtr).map((m) => ({ name: m.name, offset: ops.dataOffset + m.offset })),
    nameOffset: ops.dataOffset + (nameM?.offset ?? 0),
  };
}

/**
 * num_possible_cpus() of this machine (/sys/devices/system/cpu/possible, e.g.
 * "0-1"), so per-CPU parts of map memlock compare; 2 where the file is absent.
 */
function possibleCpus(): number {
  let text: string;
  try {
    text = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
  } catch {
    return 2;
  }
  let n = 0;
  for (const part of text.split(",")) {
    const [a, b] = part.split("-").map(Number);
    n += b === undefined ? 1 : (b as number) - (a as number) + 1;
  }
  return n > 0 ? n : 2;
}

/**
 * The emulated kernel, default CC reno, one root process. Programs run on the
 * JIT, as Linux's do with net.core.bpf_jit_enable=1 (prog fdinfo prog_jited 1).
 */
export function modelTarget(): Target {
  const mk: ModelKernel = createModelKernel({ defaultCongestionControl: DEFAULT_CC, engine: "jit", nrCpus: possibleCpus() });
  const p = new ModelProcess(mk.kernel.spawn("parity"), mk.tcp);
  const be = new Recording(p);
  return {
    name: "model",
    be,
    btf: targetBtf(getVmlinuxBtf(), (n) => getVmlinuxBtf().kfuncId(n)),
    settle: () => mk.kernel.settle(),
    created: be.created,
    dispose: () => {
      p.exit();
      mk.kernel.settle();
    },
    leaks: () => mk.kernel.leaks(),
  };
}

let linuxBtf: TargetBtf | undefined;

/** The running kernel in a private netns whose default CC is reno, or why not. */
export function linuxTarget(): { ok: true; target: Target } | { ok: false; reason: string } {
  const o = LinuxBackend.open({ netns: "private" });
  if (!o.ok) return o;
  const lb = o.backend;
  if (!lb.privateNetns) throw new Error("parity: refusing to change sysctls outside a private network namespace");
  const w = lb.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", DEFAULT_CC);
  if (w.errno !== 0) {
    lb.dispose();
    return { ok: false, reason: `cannot set the private netns default CC: errno ${w.errno}` };
  }
  if (linuxBtf === undefined) {
    const host = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
    linuxBtf = targetBtf(host, (n) => host.findByNameKind(n, BTF_KIND_FUNC));
  }
  const be = new Recording(lb);
  return { ok: true, target: { name: "linux", be, btf: linuxBtf, settle: () => {}, created: be.created, dispose: () => lb.dispose() } };
}
