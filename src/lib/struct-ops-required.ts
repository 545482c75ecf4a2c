/**
 * @fileoverview What the loader can tell by itself about a struct_ops map the
 * kernel refuses to register: the function members its type requires. The
 * kernel checks them in the type's reg() and answers a bare EINVAL (Linux
 * logs the reason with pr_err, never to the caller), so an attach error
 * names the members the object's map lacks.
 *
 * @see net/ipv4/tcp_cong.c tcp_validate_congestion_control (v6.18)
 */

/** Required members of a struct_ops type: each entry is a member, or alternatives of which one must be set. */
const REQUIRED: ReadonlyMap<string, readonly (readonly string[])[]> = new Map([
  // tcp_validate_congestion_control: "all algorithms must implement these": ssthresh, undo_cwnd, and cong_avoid or cong_control.
  ["tcp_congestion_ops", [["ssthresh"], ["undo_cwnd"], ["cong_avoid", "cong_control"]]],
]);

/**
 * Why the kernel would refuse a struct `typeName` whose implemented function
 * members are `members`, or "" when nothing required is missing (or the type
 * is not one the loader knows).
 * @example
 * missingRequiredMembers("tcp_congestion_ops", ["init", "cong_avoid"])
 * // "struct tcp_congestion_ops requires ssthresh and undo_cwnd; the map does not set them"
 */
export function missingRequiredMembers(typeName: string, members: Iterable<string>): string {
  const req = REQUIRED.get(typeName);
  if (req === undefined) return "";
  const have = new Set(members);
  const missing = req.filter((alts) => !alts.some((m) => have.has(m))).map((alts) => alts.join(" or "));
  if (missing.length === 0) return "";
  const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1] as string}`;
  return `struct ${typeName} requires ${list}; the map does not set ${missing.length === 1 ? "it" : "them"}`;
}
