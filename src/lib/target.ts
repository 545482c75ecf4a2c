/**
 * @fileoverview What a load needs to know about the kernel it targets: its
 * BTF (for CO-RE, kfunc/ksym ids and struct_ops layouts) and the kconfig
 * values `__kconfig` externs read (libbpf reads /proc/config.gz; the emulated
 * kernel states its own).
 */
import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { gunzipSync } from "node:zlib";
import { parseBtf } from "../obj/btf/btf.js";
import type { Btf } from "../btf/btf.js";
import { CONFIG_BPF_UNPRIV_DEFAULT_OFF, DEFAULT_TCP_CONG_CONFIG, getVmlinuxBtf, tcpCongKconfig } from "../backend/model.js";
import type { TcpCongConfig } from "../backend/model.js";

/** A kconfig value: a number, a bigint, a boolean, "y"/"m"/"n" for tristates, or a string. */
export type KconfigValue = number | bigint | boolean | string;

/** A target kernel. */
export interface Target {
  readonly btf: Btf;
  readonly kconfig: ReadonlyMap<string, KconfigValue>;
}

/** KERNEL_VERSION(a, b, c) as include/generated/uapi/linux/version.h computes it. */
export function kernelVersion(a: number, b: number, c: number): number {
  return (a << 16) + (b << 8) + Math.min(c, 255);
}

/** The emulated kernel's kconfig apart from its congestion controls: CONFIG_HZ is the model's HZ (250, net/tcp-cc/ca-types.ts), and the release is 6.18. */
const EMULATED_KCONFIG_BASE: readonly (readonly [string, KconfigValue])[] = [
  ["CONFIG_HZ", 250],
  ["LINUX_KERNEL_VERSION", kernelVersion(6, 18, 0)],
  ["CONFIG_BPF_SYSCALL", "y"],
  ["CONFIG_BPF_JIT", "y"],
  ["CONFIG_NET", "y"],
  ["CONFIG_NET_NS", "y"],
  ["CONFIG_BPF_UNPRIV_DEFAULT_OFF", CONFIG_BPF_UNPRIV_DEFAULT_OFF ? "y" : "n"],
  ["LINUX_HAS_BPF_COOKIE", true],
  ["LINUX_HAS_SYSCALL_WRAPPER", true],
];

/** The kconfig of an emulated kernel built with `cfg`: the base values and its CONFIG_TCP_CONG_* (tcpCongKconfig). */
export function emulatedKconfig(cfg: TcpCongConfig = DEFAULT_TCP_CONG_CONFIG): ReadonlyMap<string, KconfigValue> {
  return new Map<string, KconfigValue>([...EMULATED_KCONFIG_BASE, ...tcpCongKconfig(cfg)]);
}

/** The kconfig of the emulated kernel in its default configuration. */
export const EMULATED_KCONFIG: ReadonlyMap<string, KconfigValue> = emulatedKconfig();

const emulated = new Map<string, Target>();

/**
 * The emulated kernel built with `cfg` (default DEFAULT_TCP_CONG_CONFIG) as a
 * target: its BTF (with the kfuncs of its built-ins only) parsed once per
 * configuration, and its kconfig.
 */
export function emulatedTarget(cfg: TcpCongConfig = DEFAULT_TCP_CONG_CONFIG): Target {
  const key = `${[...cfg.builtin].sort().join(",")}/${cfg.default}`;
  let t = emulated.get(key);
  if (t === undefined) {
    t = { btf: parseBtf(getVmlinuxBtf(cfg).bytes, "target BTF"), kconfig: emulatedKconfig(cfg) };
    emulated.set(key, t);
  }
  return t;
}

/** A target from raw vmlinux BTF bytes (e.g. /sys/kernel/btf/vmlinux) and kconfig values. */
export function targetFromBtf(bytes: Uint8Array, kconfig: ReadonlyMap<string, KconfigValue> | Record<string, KconfigValue> = new Map()): Target {
  return { btf: parseBtf(bytes, "target BTF"), kconfig: kconfig instanceof Map ? kconfig : new Map(Object.entries(kconfig)) };
}

/** Parses kconfig text (`CONFIG_X=y`, `=m`, `="str"`, numbers; `# CONFIG_X is not set` → "n"). */
export function parseKconfig(text: string): Map<string, KconfigValue> {
  const out = new Map<string, KconfigValue>();
  for (const line of text.split("\n")) {
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset !== null) {
      out.set(unset[1] as string, "n");
      continue;
    }
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m === null) continue;
    const v = m[2] as string;
    if (v.startsWith('"')) out.set(m[1] as string, v.slice(1, -1).replace(/\\(.)/g, "$1"));
    else if (/^-?\d+$/.test(v) || /^0x[0-9a-f]+$/i.test(v)) out.set(m[1] as string, BigInt(v));
    else out.set(m[1] as string, v);
  }
  return out;
}

/**
 * The machine this process runs on as a target: /sys/kernel/btf/vmlinux and
 * the kernel config, from /boot/config-<release> or else /proc/config.gz (the
 * two places libbpf looks, in its order), with LINUX_KERNEL_VERSION from the
 * release.
 * @throws {Error} when the host has no BTF
 */
export function hostTarget(): Target {
  const btf = new Uint8Array(readFileSync("/sys/kernel/btf/vmlinux"));
  const rel = release();
  let kconfig = new Map<string, KconfigValue>();
  if (existsSync(`/boot/config-${rel}`)) kconfig = parseKconfig(readFileSync(`/boot/config-${rel}`, "utf8"));
  else if (existsSync("/proc/config.gz")) kconfig = parseKconfig(gunzipSync(readFileSync("/proc/config.gz")).toString("utf8"));
  const v = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (v !== null) kconfig.set("LINUX_KERNEL_VERSION", kernelVersion(Number(v[1]), Number(v[2]), Number(v[3] ?? 0)));
  return targetFromBtf(btf, kconfig);
}
