/**
 * @fileoverview The composition root of the emulated kernel: the one place
 * that wires an execution engine, the model's BTF, the kernel, and the TCP
 * congestion-control subsystem together (ARCHITECTURE.md: "kernel/ never
 * imports an engine").
 */
import { BTF_KIND_FUNC, BTF_KIND_VAR } from "../uapi/btf.js";
import { Kernel, NS_PER_JIFFY } from "../kernel/kernel.js";
import type { KernelOptions } from "../kernel/kernel.js";
import { installBaseHelpers } from "../kernel/helpers/base.js";
import { getVmlinuxBtf as vmlinuxBtfOfFiles } from "../kernel/btf/vmlinux.js";
import type { VmlinuxBtf } from "../kernel/btf/vmlinux.js";
import { installIterHelpers } from "../kernel/iter/helpers.js";
import { tcpIterTarget } from "../net/tcp-cc/iter-tcp.js";
import type { ProgRunner } from "../kernel/prog/runner.js";
import { TcpCc } from "../net/tcp-cc/subsystem.js";
import { checkTcpCongConfig, DEFAULT_TCP_CONG_CONFIG, KernelConfigError, selectTcpCongBuiltins } from "../net/tcp-cc/tcp-cong-config.js";
import type { TcpCongConfig } from "../net/tcp-cc/tcp-cong-config.js";
import { structOpsDesc, tcpOpsLayout, tcpSockLayout } from "./model-layout.js";
import { createRunner } from "./engines.js";
import type { EngineName } from "./engines.js";

/** The emulated kernel's CONFIG_BPF_UNPRIV_DEFAULT_OFF (what its kconfig reports). */
export { CONFIG_BPF_UNPRIV_DEFAULT_OFF } from "../kernel/capability.js";

/** Options for {@link createModelKernel}. */
export interface ModelKernelOptions {
  /** Engine that runs BPF programs (default "interp"). */
  readonly engine?: EngineName;
  /** A runner to use instead of a named engine (tests inject fakes here). */
  readonly runner?: ProgRunner;
  /**
   * The congestion controls built in and CONFIG_DEFAULT_TCP_CONG (default:
   * DEFAULT_TCP_CONG_CONFIG, which mirrors the reference machine's kernel as
   * far as the model implements its algorithms). A bad configuration throws
   * KernelConfigError.
   */
  readonly tcpCong?: TcpCongConfig;
  /** net.ipv4.tcp_congestion_control at boot, overriding `tcpCong.default` (reno if not built in, as Linux). */
  readonly defaultCongestionControl?: string;
  readonly insnBudget?: number;
  readonly seed?: number;
  /**
   * Kernel memory: `maxBytes` is its limit (default 1 GiB; an eighth is the
   * permission shadow), beyond which allocations fail with ENOMEM;
   * `initialHeapBytes` is mapped at boot (docs/architecture.md, "Allocation
   * and the memory limit").
   */
  readonly memory?: KernelOptions["memory"];
  /** num_possible_cpus() of the emulated machine (default 2). */
  readonly nrCpus?: number;
  /** kernel.unprivileged_bpf_disabled at boot (default 2, CONFIG_BPF_UNPRIV_DEFAULT_OFF=y). */
  readonly unprivilegedBpfDisabled?: 0 | 1 | 2;
}

/** A booted emulated kernel with its TCP subsystem. */
export interface ModelKernel {
  readonly kernel: Kernel;
  readonly tcp: TcpCc;
}

/**
 * The vmlinux BTF of a model kernel built with `cfg` (default
 * DEFAULT_TCP_CONG_CONFIG): the kfuncs of the built-in algorithms only, as
 * a Linux vmlinux describes only the code built into it. Memoised per
 * configuration. A configuration naming an algorithm the model lacks throws
 * KernelConfigError.
 */
export function getVmlinuxBtf(cfg: TcpCongConfig = DEFAULT_TCP_CONG_CONFIG): VmlinuxBtf {
  const bad = checkTcpCongConfig(cfg);
  if (bad !== undefined) throw new KernelConfigError(bad);
  return vmlinuxBtfOfFiles(selectTcpCongBuiltins(cfg).map((b) => b.file));
}

/** Boots an emulated kernel: BTF, helpers, reno and the configured built-ins, the tcp_congestion_ops struct_ops type. */
export function createModelKernel(opts: ModelKernelOptions = {}): ModelKernel {
  const tcpCong = opts.tcpCong ?? DEFAULT_TCP_CONG_CONFIG;
  const btf = getVmlinuxBtf(tcpCong);
  const runner = opts.runner ?? createRunner(opts.engine ?? "interp");
  const kernel = new Kernel({
    runner,
    vmlinuxBtf: btf.bytes,
    ...(opts.memory === undefined ? {} : { memory: opts.memory }),
    ...(opts.insnBudget === undefined ? {} : { insnBudget: opts.insnBudget }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.nrCpus === undefined ? {} : { nrCpus: opts.nrCpus }),
    vmlinuxFuncName: (id) => {
      const t = btf.typeById(id);
      return t?.kind === BTF_KIND_FUNC ? t.name : undefined;
    },
    ...(opts.unprivilegedBpfDisabled === undefined ? {} : { unprivilegedBpfDisabled: opts.unprivilegedBpfDisabled }),
  });
  installBaseHelpers(kernel);
  installIterHelpers(kernel);
  const ops = tcpOpsLayout(btf);
  const releaseIndex = btf.memberIndex(btf.findByNameKind("tcp_congestion_ops", 4), "release");
  const tcp = new TcpCc(kernel, tcpSockLayout(btf), ops, tcpCong, {
    ...(opts.defaultCongestionControl !== undefined ? { defaultCa: opts.defaultCongestionControl } : {}),
    kfuncIds: (name) => {
      const id = btf.kfuncId(name);
      return id > 0 ? id : undefined;
    },
    releaseIndex,
  });
  kernel.registerStructOps(structOpsDesc(btf, "tcp_congestion_ops", tcp.structOpsType));
  kernel.iter.register(tcpIterTarget(tcp, btf, tcp.helpers));
  // Typed ksyms: jiffies_64 (whose low 32 bits are tcp_jiffies32).
  const jiffiesVar = btf.findByNameKind("jiffies_64", BTF_KIND_VAR);
  if (jiffiesVar > 0) kernel.registerKsymVar("jiffies_64", jiffiesVar, 8, () => kernel.jiffies64, NS_PER_JIFFY);
  kernel.markBooted();
  return { kernel, tcp };
}

// What the library edge needs from the kernel side, re-exported so lib/ depends on backend/ only.
export { ROOT_CAPS } from "../kernel/kernel.js";
export type { Kernel } from "../kernel/kernel.js";
export type { TcpCc } from "../net/tcp-cc/subsystem.js";
export { DEFAULT_TCP_CONG_CONFIG, KernelConfigError, MIRRORED_KERNEL, checkTcpCongConfig, knownTcpCong, tcpCongKconfig } from "../net/tcp-cc/tcp-cong-config.js";
export type { TcpCongConfig } from "../net/tcp-cc/tcp-cong-config.js";
export { BtfBuilder } from "../kernel/btf/builder.js";
export { TcpCcSimHost } from "../net/tcp-cc/sim-host.js";
