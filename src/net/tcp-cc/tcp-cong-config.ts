/**
 * @fileoverview The emulated kernel's build configuration for TCP congestion
 * control, as Kconfig chooses it: which algorithms are built in
 * (`CONFIG_TCP_CONG_<NAME>=y`) and which is the boot default
 * (`CONFIG_DEFAULT_TCP_CONG`). Reno is always built in (tcp_cong.c) and
 * registers first, from tcp_init; the others register from their
 * module_init initcalls in link order, the order of their objects in
 * net/ipv4/Makefile (tcp_bbr.o, tcp_bic.o, tcp_cdg.o, tcp_cubic.o,
 * tcp_dctcp.o, ...). So the order of `tcp_available_congestion_control` is
 * fixed by which algorithms are built, never by how a configuration lists
 * them. Each built-in also registers its kfunc set (register_btf_kfunc_id_set
 * in its initcall), so the kfuncs a BPF congestion control may call follow
 * the same configuration.
 *
 * @see net/ipv4/Makefile, net/ipv4/Kconfig (DEFAULT_TCP_CONG), net/ipv4/tcp_cong.c (v6.18)
 */
import type { TcpCongestionOps } from "./ca-types.js";
import { createBbrTcp } from "./bbr.js";
import { createCubicTcp } from "./cubic.js";
import { createDctcp } from "./dctcp.js";
import { TCP_RENO_NAME } from "./reno.js";

/** A congestion control the model can build in. */
export interface TcpCongBuiltin {
  /** tcp_congestion_ops.name. */
  readonly name: string;
  /** Its Kconfig symbol. */
  readonly kconfig: string;
  /** The kernel file that implements it (the key of its kfuncs' prototypes in the model's BTF, TCP_CA_KFUNC_SETS). */
  readonly file: string;
  /** A fresh ops object (flags are per kernel). */
  readonly create: () => TcpCongestionOps;
  /**
   * The kfuncs its initcall registers for BPF_PROG_TYPE_STRUCT_OPS (its
   * `BTF_KFUNCS_START` set), in the kernel's order, each with the hook of
   * its ops that it is.
   */
  readonly kfuncs: Readonly<Record<string, TcpCaKfuncHook>>;
}

/** The tcp_congestion_ops member a built-in's kfunc is. */
export type TcpCaKfuncHook =
  | "init" | "ssthresh" | "cong_avoid" | "set_state" | "cwnd_event" | "in_ack_event" | "pkts_acked" | "undo_cwnd"
  | "cong_control" | "sndbuf_expand" | "min_tso_segs";

/**
 * The algorithms the model implements, in link order (net/ipv4/Makefile),
 * which is their registration order. Reno is not here: it is always built in.
 */
export const TCP_CONG_BUILTINS: readonly TcpCongBuiltin[] = [
  {
    name: "bbr",
    kconfig: "CONFIG_TCP_CONG_BBR",
    file: "net/ipv4/tcp_bbr.c",
    create: () => createBbrTcp(),
    kfuncs: {
      bbr_init: "init", bbr_main: "cong_control", bbr_sndbuf_expand: "sndbuf_expand", bbr_undo_cwnd: "undo_cwnd",
      bbr_cwnd_event: "cwnd_event", bbr_ssthresh: "ssthresh", bbr_min_tso_segs: "min_tso_segs", bbr_set_state: "set_state",
    },
  },
  {
    name: "cubic",
    kconfig: "CONFIG_TCP_CONG_CUBIC",
    file: "net/ipv4/tcp_cubic.c",
    create: createCubicTcp,
    kfuncs: {
      cubictcp_init: "init", cubictcp_recalc_ssthresh: "ssthresh", cubictcp_cong_avoid: "cong_avoid",
      cubictcp_state: "set_state", cubictcp_cwnd_event: "cwnd_event", cubictcp_acked: "pkts_acked",
    },
  },
  {
    name: "dctcp",
    kconfig: "CONFIG_TCP_CONG_DCTCP",
    file: "net/ipv4/tcp_dctcp.c",
    create: createDctcp,
    kfuncs: {
      dctcp_init: "init", dctcp_update_alpha: "in_ack_event", dctcp_cwnd_event: "cwnd_event",
      dctcp_ssthresh: "ssthresh", dctcp_cwnd_undo: "undo_cwnd", dctcp_state: "set_state",
    },
  },
];

/** The congestion-control part of a kernel's build configuration. */
export interface TcpCongConfig {
  /**
   * The algorithms built in besides reno (`CONFIG_TCP_CONG_<NAME>=y`), in
   * any order: they register in link order. Naming "reno" is allowed and
   * changes nothing.
   */
  readonly builtin: readonly string[];
  /** CONFIG_DEFAULT_TCP_CONG: reno or one of `builtin`. */
  readonly default: string;
}

/**
 * Which real kernel the default configuration mirrors: this project's
 * reference machine, Linux 6.18.44, whose /proc/sys/net/ipv4 reads
 * `tcp_available_congestion_control` = "reno bbr cubic",
 * `tcp_allowed_congestion_control` = "reno bbr" and
 * `tcp_congestion_control` = "bbr" (CONFIG_TCP_CONG_CUBIC=y,
 * CONFIG_TCP_CONG_BBR=y, CONFIG_TCP_CONG_DCTCP not set,
 * CONFIG_DEFAULT_TCP_CONG="bbr"). The model builds in the same set, so
 * tcp_available_congestion_control reads "reno bbr cubic" as there; its
 * default stays cubic (what the model booted with before bbr existed, so
 * that scenarios and traces without a `kernel:` section keep their
 * algorithm); `kernel: { default: bbr }` gives the machine's default.
 */
export const MIRRORED_KERNEL =
  "Linux 6.18.44 (reference machine: reno bbr cubic, default bbr); the model builds in reno bbr cubic, with cubic the default";

/** The model's default configuration (see {@link MIRRORED_KERNEL}). */
export const DEFAULT_TCP_CONG_CONFIG: TcpCongConfig = Object.freeze({ builtin: Object.freeze(["bbr", "cubic"]), default: "cubic" });

/** Names the model can build in, reno first. */
export function knownTcpCong(): string[] {
  return [TCP_RENO_NAME, ...TCP_CONG_BUILTINS.map((b) => b.name)];
}

/**
 * Checks a configuration: every name is an algorithm the model implements,
 * and the default is built in (Kconfig offers only built-in choices).
 * Returns the problem in words, or undefined when the configuration is valid.
 */
export function checkTcpCongConfig(cfg: TcpCongConfig): string | undefined {
  const known = knownTcpCong();
  for (const n of cfg.builtin) {
    if (!known.includes(n)) return `unknown congestion control "${n}" to build in (the model implements: ${known.join(" ")})`;
  }
  if (cfg.default !== TCP_RENO_NAME && !cfg.builtin.includes(cfg.default)) {
    return `default congestion control "${cfg.default}" is not built in (built in: ${builtinNames(cfg).join(" ")})`;
  }
  return undefined;
}

/** The built-in names of `cfg` in registration order, reno first (what tcp_available_congestion_control lists at boot). */
export function builtinNames(cfg: TcpCongConfig): string[] {
  return [TCP_RENO_NAME, ...TCP_CONG_BUILTINS.filter((b) => cfg.builtin.includes(b.name)).map((b) => b.name)];
}

/** The built-ins of `cfg` besides reno, in registration (link) order. */
export function selectTcpCongBuiltins(cfg: TcpCongConfig): TcpCongBuiltin[] {
  return TCP_CONG_BUILTINS.filter((b) => cfg.builtin.includes(b.name));
}

/** A bad kernel configuration, named in words (thrown when a kernel is booted with one). */
export class KernelConfigError extends Error {
  override readonly name = "KernelConfigError";
}

/**
 * The kconfig values `cfg` stands for, as /proc/config.gz would give them to
 * libbpf's `__kconfig` externs: `CONFIG_TCP_CONG_<NAME>` "y" for each
 * built-in and "n" ("is not set") for the others the model implements, and
 * CONFIG_DEFAULT_TCP_CONG.
 */
export function tcpCongKconfig(cfg: TcpCongConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of TCP_CONG_BUILTINS) out.set(b.kconfig, cfg.builtin.includes(b.name) ? "y" : "n");
  out.set("CONFIG_DEFAULT_TCP_CONG", cfg.default);
  return out;
}
