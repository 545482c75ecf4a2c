/**
 * @fileoverview Program section names, libbpf's conventions (the
 * `section_defs` table of tools/lib/bpf/libbpf.c and Documentation/bpf/libbpf/
 * program_types.rst): which prefix gives which program type, expected attach
 * type and flags. `struct_ops/<name>`, `struct_ops.s/<name>` and `iter/<target>`
 * (BPF_TRACE_ITER) are the ones the emulated kernel loads; the others are
 * recognised so specs are complete.
 */
import * as E from "../uapi/bpf-enums.js";

/** What a section name says about its programs. */
export interface SectionDef {
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly sleepable: boolean;
  /** The part after the prefix's "/" (an attach target), "" when none. */
  readonly attachTo: string;
}

interface Def {
  readonly prefix: string;
  readonly type: number;
  readonly attach?: number;
  readonly sleepable?: boolean;
  /** True when the prefix must be followed by "/..." or be alone ("+" in libbpf). */
  readonly plus?: boolean;
}

const DEFS: readonly Def[] = [
  { prefix: "struct_ops.s", type: E.BPF_PROG_TYPE_STRUCT_OPS, sleepable: true, plus: true },
  { prefix: "struct_ops", type: E.BPF_PROG_TYPE_STRUCT_OPS, plus: true },
  { prefix: "socket", type: E.BPF_PROG_TYPE_SOCKET_FILTER },
  { prefix: "kprobe", type: E.BPF_PROG_TYPE_KPROBE, plus: true },
  { prefix: "kretprobe", type: E.BPF_PROG_TYPE_KPROBE, plus: true },
  { prefix: "uprobe", type: E.BPF_PROG_TYPE_KPROBE, plus: true },
  { prefix: "uretprobe", type: E.BPF_PROG_TYPE_KPROBE, plus: true },
  { prefix: "tc", type: E.BPF_PROG_TYPE_SCHED_CLS, plus: true },
  { prefix: "classifier", type: E.BPF_PROG_TYPE_SCHED_CLS },
  { prefix: "action", type: E.BPF_PROG_TYPE_SCHED_ACT },
  { prefix: "tracepoint", type: E.BPF_PROG_TYPE_TRACEPOINT, plus: true },
  { prefix: "tp", type: E.BPF_PROG_TYPE_TRACEPOINT, plus: true },
  { prefix: "xdp", type: E.BPF_PROG_TYPE_XDP, plus: true },
  { prefix: "perf_event", type: E.BPF_PROG_TYPE_PERF_EVENT },
  { prefix: "cgroup_skb/ingress", type: E.BPF_PROG_TYPE_CGROUP_SKB },
  { prefix: "cgroup_skb/egress", type: E.BPF_PROG_TYPE_CGROUP_SKB },
  { prefix: "cgroup/skb", type: E.BPF_PROG_TYPE_CGROUP_SKB },
  { prefix: "sockops", type: E.BPF_PROG_TYPE_SOCK_OPS },
  { prefix: "sk_skb", type: E.BPF_PROG_TYPE_SK_SKB, plus: true },
  { prefix: "sk_msg", type: E.BPF_PROG_TYPE_SK_MSG },
  { prefix: "raw_tp", type: E.BPF_PROG_TYPE_RAW_TRACEPOINT, plus: true },
  { prefix: "raw_tracepoint", type: E.BPF_PROG_TYPE_RAW_TRACEPOINT, plus: true },
  { prefix: "tp_btf", type: E.BPF_PROG_TYPE_TRACING, plus: true },
  { prefix: "fentry", type: E.BPF_PROG_TYPE_TRACING, plus: true },
  { prefix: "fexit", type: E.BPF_PROG_TYPE_TRACING, plus: true },
  { prefix: "fmod_ret", type: E.BPF_PROG_TYPE_TRACING, plus: true },
  { prefix: "lsm", type: E.BPF_PROG_TYPE_LSM, plus: true },
  { prefix: "iter.s", type: E.BPF_PROG_TYPE_TRACING, attach: E.BPF_TRACE_ITER, sleepable: true, plus: true },
  { prefix: "iter", type: E.BPF_PROG_TYPE_TRACING, attach: E.BPF_TRACE_ITER, plus: true },
  { prefix: "syscall", type: E.BPF_PROG_TYPE_SYSCALL },
];

/** The program type of a section name, or undefined when libbpf would not recognise it. */
export function sectionDef(name: string): SectionDef | undefined {
  for (const d of DEFS) {
    if (name === d.prefix || (d.plus === true && name.startsWith(`${d.prefix}/`))) {
      return {
        progType: d.type, expectedAttachType: d.attach ?? 0, sleepable: d.sleepable ?? false,
        attachTo: name.length > d.prefix.length ? name.slice(d.prefix.length + 1) : "",
      };
    }
  }
  return undefined;
}

/** Global data sections that become internal array maps (and their named variants). */
export function isDataSection(name: string): boolean {
  return name === ".data" || name === ".rodata" || name === ".bss" || name.startsWith(".data.") || name.startsWith(".rodata.");
}

/** `.struct_ops`, `.struct_ops.link` and their `?` (not auto-created) variants. */
export function structOpsSection(name: string): { link: boolean; autocreate: boolean } | undefined {
  const auto = !name.startsWith("?");
  const n = auto ? name : name.slice(1);
  if (n === ".struct_ops") return { link: false, autocreate: auto };
  if (n === ".struct_ops.link") return { link: true, autocreate: auto };
  return undefined;
}
