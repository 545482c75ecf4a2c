/**
 * @fileoverview The TCP congestion-control registry (net/ipv4/tcp_cong.c):
 * one global list of algorithms, unique by jhash key of the name, in
 * registration order, which is the order of
 * /proc/sys/net/ipv4/tcp_available_congestion_control.
 *
 * Register validates and appends; unregister removes; update (Linux 6.4)
 * replaces the entry registered under the old ops' key by the new ops, adding
 * the new one at the tail before removing the old, so the name never
 * disappears. Rejections are logged as Linux's pr_notice lines.
 *
 * Its kernel log lines carry tcp_cong.c's "TCP: " prefix (pr_fmt), as Linux 6.18 prints them.
 * @see net/ipv4/tcp_cong.c tcp_update_congestion_control (v6.18)
 */
import { EEXIST, EINVAL, ENOENT } from "../../uapi/errno.js";
import type { Dmesg } from "../../kernel/bug.js";
import { tcpCaKey } from "./jhash.js";
import { TCP_CONG_NON_RESTRICTED } from "./ca-types.js";
import type { TcpCongestionOps } from "./ca-types.js";

/** TCP_CA_UNSPEC: the "no key" value; a name hashing to it cannot register. */
export const TCP_CA_UNSPEC = 0;

/** tcp_validate_congestion_control: ssthresh, undo_cwnd, and cong_avoid or cong_control. */
export function tcpValidateCongestionControl(ca: TcpCongestionOps, dmesg?: Dmesg): number {
  if (!ca.ssthresh || !ca.undo_cwnd || !(ca.cong_avoid || ca.cong_control)) {
    dmesg?.log("err", `TCP: ${ca.name} does not implement required ops`);
    return -EINVAL;
  }
  return 0;
}

/** The registered congestion controls. */
export class TcpCaRegistry {
  private readonly list: TcpCongestionOps[] = [];

  constructor(private readonly dmesg: Dmesg) {}

  /** tcp_register_congestion_control: 0, -EINVAL (invalid ops) or -EEXIST. */
  register(ca: TcpCongestionOps): number {
    const v = tcpValidateCongestionControl(ca, this.dmesg);
    if (v < 0) return v;
    ca.key = tcpCaKey(ca.name);
    if (ca.key === TCP_CA_UNSPEC || this.findKey(ca.key) !== undefined) {
      this.dmesg.log("info", `TCP: ${ca.name} already registered or non-unique key`);
      return -EEXIST;
    }
    this.list.push(ca);
    return 0;
  }

  /** tcp_unregister_congestion_control: never fails; sockets keep their ops. */
  unregister(ca: TcpCongestionOps): void {
    const i = this.list.indexOf(ca);
    if (i >= 0) this.list.splice(i, 1);
  }

  /**
   * tcp_update_congestion_control: replace `old` by `next` under the same name.
   * 0 or -EINVAL (name differs, nothing under that key, or the registered entry
   * is not `old`).
   */
  update(next: TcpCongestionOps, old: TcpCongestionOps): number {
    next.key = tcpCaKey(next.name);
    const existing = this.findKey(old.key);
    if (next.key === TCP_CA_UNSPEC || existing === undefined || existing.name !== next.name) {
      this.dmesg.log("info", `TCP: ${next.name} not registered or non-unique key`);
      return -EINVAL;
    }
    if (existing !== old) {
      this.dmesg.log("info", "TCP: invalid old congestion control algorithm to replace");
      return -EINVAL;
    }
    // New one first, then the old one goes: the name is never missing.
    this.list.push(next);
    this.list.splice(this.list.indexOf(existing), 1);
    return 0;
  }

  /** tcp_ca_find: by exact name. */
  find(name: string): TcpCongestionOps | undefined {
    return this.list.find((c) => c.name === name);
  }

  /** tcp_ca_find_key. */
  findKey(key: number): TcpCongestionOps | undefined {
    return this.list.find((c) => c.key === key);
  }

  /** Whether `ca` (by identity) is registered. */
  has(ca: TcpCongestionOps): boolean {
    return this.list.includes(ca);
  }

  /** Registered algorithms in list order. */
  all(): readonly TcpCongestionOps[] {
    return this.list;
  }

  /** tcp_get_available_congestion_control: names separated by spaces. */
  available(): string {
    return this.list.map((c) => c.name).join(" ");
  }

  /** tcp_get_allowed_congestion_control: the non-restricted names. */
  allowed(): string {
    return this.list
      .filter((c) => c.flags & TCP_CONG_NON_RESTRICTED)
      .map((c) => c.name)
      .join(" ");
  }

  /**
   * tcp_set_allowed_congestion_control: every listed name must be registered
   * (else -ENOENT); exactly those become non-restricted.
   */
  setAllowed(names: readonly string[]): number {
    for (const n of names) if (this.find(n) === undefined) return -ENOENT;
    for (const c of this.list) {
      if (names.includes(c.name)) c.flags |= TCP_CONG_NON_RESTRICTED;
      else c.flags &= ~TCP_CONG_NON_RESTRICTED;
    }
    return 0;
  }
}
