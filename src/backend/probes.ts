/**
 * @fileoverview Feature probes of the running Linux kernel (cilium/ebpf's
 * `features` package idea, STYLE-ANCHORS.md §1): each `have*` says whether a
 * capability or kernel feature is there, with the kernel version that
 * introduced it, so a test can skip with a stated reason on an old or
 * unprivileged machine and fail on a new privileged one where a probe says
 * "missing" ({@link featureVerdict}).
 *
 * Capabilities come from /proc/self/status (CapEff). The struct_ops probes
 * really do it once: load three constant-return tcp_congestion_ops programs
 * (ssthresh, cong_avoid, undo_cwnd), create two BPF_F_LINK struct_ops maps
 * named like one throw-away congestion control, link, LINK_UPDATE from one
 * to the other, LINK_DETACH and poll for EPOLLHUP; every fd is closed
 * before the probe returns (kernel/bpf/bpf_struct_ops.c, KERNEL-SPEC.md §10).
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import {
  BPF_BTF_LOAD, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM,
  BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS, BPF_STRUCT_OPS,
} from "../uapi/bpf-enums.js";
import { BPF_F_LINK } from "../uapi/bpf-flags.js";
import { EPOLLHUP } from "../uapi/eventpoll.js";
import { formatErrno } from "../uapi/errno.js";
import { LinuxBackend } from "./linux/linux-backend.js";
import { parseKernelBtf } from "./linux/vmlinux-btf.js";
import type { Btf } from "../btf/btf.js";
import { intOnlyBtf } from "./linux/user-btf.js";
import { structOpsValue, structOpsValueLayout } from "./struct-ops-value.js";

/** The answer of one probe. */
export interface FeatureProbe {
  /** What was probed, e.g. "struct_ops links". */
  readonly feature: string;
  /** Kernel version that introduced it, e.g. "6.4" (capabilities: the version CAP_BPF appeared, else "2.2"). */
  readonly minKernel: string;
  readonly available: boolean;
  /** Why it is missing (errno, or what failed); "" when available. */
  readonly reason: string;
}

/** `uname -r` as [major, minor]; [0, 0] when unreadable. */
export function kernelVersion(): readonly [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
}

/** Whether the running kernel is at least `v` ("6.11"). */
export function kernelAtLeast(v: string): boolean {
  const [maj, min] = v.split(".").map(Number) as [number, number];
  const [kMaj, kMin] = kernelVersion();
  return kMaj > maj || (kMaj === maj && kMin >= min);
}

/** The effective capability set of this process (CapEff), 0 when unknown. */
export function capEffective(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? 0n : BigInt(`0x${m[1] ?? "0"}`);
  } catch {
    return 0n;
  }
}

function capProbe(name: string, bit: number, minKernel: string): FeatureProbe {
  const available = process.platform === "linux" && ((capEffective() >> BigInt(bit)) & 1n) === 1n;
  return { feature: name, minKernel, available, reason: available ? "" : `this process lacks ${name}` };
}

/** CAP_BPF (bit 39; 5.8), needed for BPF_MAP_CREATE of struct_ops maps and BPF_PROG_LOAD. */
export const haveCapBpf = (): FeatureProbe => capProbe("CAP_BPF", 39, "5.8");
/** CAP_SYS_ADMIN (bit 21): *_GET_FD_BY_ID, unshare(CLONE_NEWNET). */
export const haveCapSysAdmin = (): FeatureProbe => capProbe("CAP_SYS_ADMIN", 21, "2.2");
/** CAP_NET_ADMIN (bit 12): setsockopt(TCP_CONGESTION) to a CA outside the allowed list. */
export const haveCapNetAdmin = (): FeatureProbe => capProbe("CAP_NET_ADMIN", 12, "2.2");

interface StructOpsProbes {
  map: FeatureProbe;
  link: FeatureProbe;
  update: FeatureProbe;
  detach: FeatureProbe;
}

let cached: StructOpsProbes | undefined;

function missing(feature: string, minKernel: string, reason: string): FeatureProbe {
  return { feature, minKernel, available: false, reason };
}

function probeStructOps(): StructOpsProbes {
  if (cached !== undefined) return cached;
  const F = { map: ["struct_ops maps", "5.6"], link: ["struct_ops links", "6.4"], update: ["BPF_LINK_UPDATE of struct_ops links", "6.4"], detach: ["BPF_LINK_DETACH and EPOLLHUP on struct_ops links", "6.11"] } as const;
  const all = (reason: string): StructOpsProbes => ({
    map: missing(...F.map, reason), link: missing(...F.link, reason), update: missing(...F.update, reason), detach: missing(...F.detach, reason),
  });
  const opened = LinuxBackend.open({ netns: "current" });
  if (!opened.ok) return (cached = all(opened.reason));
  const b = opened.backend;
  try {
    let btf: Btf;
    try {
      btf = parseKernelBtf(readFileSync("/sys/kernel/btf/vmlinux"));
    } catch (e) {
      return (cached = all(`no kernel BTF at /sys/kernel/btf/vmlinux: ${(e as Error).message}`));
    }
    let l;
    try {
      l = structOpsValueLayout(btf, "tcp_congestion_ops");
    } catch (e) {
      return (cached = all((e as Error).message));
    }
    const ub = intOnlyBtf();
    const btfFd = b.bpf(BPF_BTF_LOAD, { btf: ub, btf_size: ub.length });
    if (btfFd.errno !== 0) return (cached = all(`BPF_BTF_LOAD failed with ${formatErrno(btfFd.errno)}`));
    const prog = (member: string, ret: number): number => {
      const insns = new Uint8Array(16);
      const dv = new DataView(insns.buffer);
      insns[0] = 0xb7; // r0 = imm
      dv.setInt32(4, ret, true);
      insns[8] = 0x95; // exit
      const r = b.bpf(BPF_PROG_LOAD, {
        prog_type: BPF_PROG_TYPE_STRUCT_OPS, insns, insn_cnt: 2, license: "GPL",
        expected_attach_type: btf.memberIndex(l.typeId, member), attach_btf_id: l.typeId,
      });
      return r.errno === 0 ? r.ret : -r.errno;
    };
    const progs = { ssthresh: prog("ssthresh", 2), cong_avoid: prog("cong_avoid", 0), undo_cwnd: prog("undo_cwnd", 2) };
    const bad = Object.entries(progs).find(([, fd]) => fd < 0);
    if (bad !== undefined) return (cached = all(`BPF_PROG_LOAD of a struct_ops ${bad[0]} program failed with ${formatErrno(-bad[1])}`));
    const mapAttr = (flags: number) => ({
      map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: l.valueSize, max_entries: 1, map_flags: flags,
      map_name: "probe", btf_fd: btfFd.ret, btf_vmlinux_value_type_id: l.valueTypeId,
    });
    const plain = b.bpf(BPF_MAP_CREATE, mapAttr(0));
    const map = plain.errno === 0 ? { feature: F.map[0], minKernel: F.map[1], available: true, reason: "" } : missing(...F.map, `BPF_MAP_CREATE of a struct_ops map failed with ${formatErrno(plain.errno)}`);
    const m1 = b.bpf(BPF_MAP_CREATE, mapAttr(BPF_F_LINK));
    const m2 = b.bpf(BPF_MAP_CREATE, mapAttr(BPF_F_LINK));
    if (m1.errno !== 0 || m2.errno !== 0) {
      const r = `BPF_MAP_CREATE with BPF_F_LINK failed with ${formatErrno(m1.errno || m2.errno)}`;
      return (cached = { map, link: missing(...F.link, r), update: missing(...F.update, r), detach: missing(...F.detach, r) });
    }
    const name = `sop_${process.pid % 1_000_000}`;
    const key = new Uint8Array(4);
    for (const m of [m1.ret, m2.ret]) {
      const u = b.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key, value: structOpsValue(btf, "tcp_congestion_ops", { name, ...progs }), flags: 0 });
      if (u.errno !== 0) {
        const r = `BPF_MAP_UPDATE_ELEM of a BPF_F_LINK struct_ops map failed with ${formatErrno(u.errno)}`;
        return (cached = { map, link: missing(...F.link, r), update: missing(...F.update, r), detach: missing(...F.detach, r) });
      }
    }
    const lk = b.bpf(BPF_LINK_CREATE, { map_fd: m1.ret, attach_type: BPF_STRUCT_OPS });
    if (lk.errno !== 0) {
      const r = `BPF_LINK_CREATE of a struct_ops map failed with ${formatErrno(lk.errno)}`;
      return (cached = { map, link: missing(...F.link, r), update: missing(...F.update, r), detach: missing(...F.detach, r) });
    }
    const link = { feature: F.link[0], minKernel: F.link[1], available: true, reason: "" };
    const up = b.bpf(BPF_LINK_UPDATE, { link_fd: lk.ret, new_map_fd: m2.ret });
    const update = up.errno === 0 ? { feature: F.update[0], minKernel: F.update[1], available: true, reason: "" } : missing(...F.update, `BPF_LINK_UPDATE failed with ${formatErrno(up.errno)}`);
    const det = b.bpf(BPF_LINK_DETACH, { link_fd: lk.ret });
    const hup = det.errno === 0 ? b.poll(lk.ret).revents & EPOLLHUP : 0;
    const detach = det.errno === 0 && hup !== 0
      ? { feature: F.detach[0], minKernel: F.detach[1], available: true, reason: "" }
      : missing(...F.detach, det.errno !== 0 ? `BPF_LINK_DETACH failed with ${formatErrno(det.errno)}` : "poll reports no EPOLLHUP after BPF_LINK_DETACH");
    return (cached = { map, link, update, detach });
  } finally {
    b.dispose();
  }
}

/** struct_ops maps (5.6): BPF_MAP_CREATE of a tcp_congestion_ops value type. */
export const haveStructOpsMap = (): FeatureProbe => probeStructOps().map;
/** struct_ops links (6.4): BPF_F_LINK maps and BPF_LINK_CREATE with attach type BPF_STRUCT_OPS. */
export const haveStructOpsLink = (): FeatureProbe => probeStructOps().link;
/** BPF_LINK_UPDATE of a struct_ops link to another map of the same CA name (6.4). */
export const haveLinkUpdate = (): FeatureProbe => probeStructOps().update;
/** BPF_LINK_DETACH of a struct_ops link and EPOLLHUP on its fd (6.11). */
export const haveLinkDetachEpollHup = (): FeatureProbe => probeStructOps().detach;

/**
 * What a test should do about a probe (cilium/ebpf's rule): run when the
 * feature is there; skip, with the reason, when it is missing on a kernel
 * older than the one that introduced it or for lack of privilege; fail when it
 * is missing on a kernel new enough to have it.
 */
export function featureVerdict(p: FeatureProbe, privileged = true): { readonly run: true } | { readonly run: false; readonly skip: boolean; readonly reason: string } {
  if (p.available) return { run: true };
  const [maj, min] = kernelVersion();
  const why = `${p.feature} (Linux ${p.minKernel}+) missing on Linux ${maj}.${min}: ${p.reason}`;
  if (!privileged || !kernelAtLeast(p.minKernel)) return { run: false, skip: true, reason: why };
  return { run: false, skip: false, reason: why };
}
