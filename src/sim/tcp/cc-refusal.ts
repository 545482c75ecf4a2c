/**
 * @fileoverview What a user is told when setting a congestion control fails
 * (setsockopt(TCP_CONGESTION), the tcp_congestion_control sysctl): the errno
 * and, for an unknown name, what is registered, as
 * /proc/sys/net/ipv4/tcp_available_congestion_control lists it.
 */
import { ENOENT, formatErrno } from "../../uapi/errno.js";

/** What an unknown congestion-control name gets told: `no congestion control "bbr"; available: reno cubic`. */
export function ccUnknown(name: string, available?: readonly string[]): string {
  return `no congestion control "${name}"${available === undefined ? "" : `; available: ${available.length === 0 ? "(none)" : available.join(" ")}`}`;
}

/**
 * Why setting congestion control `name` failed, for a user: the errno and,
 * for an unknown name (ENOENT), what is registered.
 * @example
 * ccRefusal(-2, "bbr", ["reno", "cubic"]) // 'ENOENT (2): no congestion control "bbr"; available: reno cubic'
 */
export function ccRefusal(errno: number, name: string, available?: readonly string[]): string {
  const e = formatErrno(errno);
  return Math.abs(errno) === ENOENT ? `${e}: ${ccUnknown(name, available)}` : e;
}
