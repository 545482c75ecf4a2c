/**
 * @fileoverview Which struct and union types of a kernel BTF are "the
 * networking and BPF uapi" for the model's vmlinux.h, and their layout as a
 * flat table. BTF does not record which header a type comes from, so the
 * roots are named: the structs and unions of include/uapi/linux/bpf.h, tcp.h,
 * in.h, in6.h, if_ether.h, ip.h and ipv6.h that BPF programs name (contexts,
 * helper arguments, special map-value fields, packet headers, socket
 * addresses). A root absent from the kernel's BTF is skipped. Every type a
 * root refers to is taken with it, recursively (typedefs, ints, arrays,
 * pointers, anonymous members); a named enum is referenced by name (the enum
 * table, uapi-enum-select.ts, carries its constants). Names and layouts only.
 * One rule, used by the generator (tools/gen-uapi-types.ts) and by the test
 * that diffs the model against the running kernel.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR,
  BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from "../../uapi/btf.js";
import type { BtfType } from "../../btf/types.js";

/** The uapi structs and unions BPF programs name, by header. */
export const UAPI_TYPE_ROOTS: readonly string[] = [
  // include/uapi/linux/bpf.h: program contexts, helper and kfunc arguments,
  // special map-value fields, iterators, user-space info records.
  "__sk_buff", "xdp_md", "sk_msg_md", "sk_reuseport_md", "bpf_sock", "bpf_tcp_sock", "bpf_xdp_sock",
  "bpf_sock_tuple", "bpf_sock_addr", "bpf_sock_ops", "bpf_sk_lookup", "bpf_sysctl", "bpf_sockopt",
  "bpf_cgroup_dev_ctx", "bpf_raw_tracepoint_args", "bpf_flow_keys", "bpf_tunnel_key", "bpf_xfrm_state",
  "bpf_fib_lookup", "bpf_redir_neigh", "bpf_perf_event_value", "bpf_pidns_info", "bpf_devmap_val",
  "bpf_cpumap_val", "bpf_spin_lock", "bpf_res_spin_lock", "bpf_timer", "bpf_wq", "bpf_task_work",
  "bpf_dynptr", "bpf_list_head", "bpf_list_node", "bpf_rb_root", "bpf_rb_node", "bpf_refcount",
  "bpf_iter_num", "bpf_insn", "bpf_lpm_trie_key_hdr", "bpf_lpm_trie_key_u8", "bpf_cgroup_storage_key",
  "bpf_stack_build_id", "bpf_attr", "bpf_prog_info", "bpf_map_info", "bpf_btf_info", "bpf_link_info",
  "bpf_token_info", "bpf_func_info", "bpf_line_info", "bpf_core_relo", "btf_ptr",
  // include/uapi/linux/tcp.h
  "tcphdr", "tcp_word_hdr", "tcp_info", "tcp_repair_opt", "tcp_repair_window", "tcp_md5sig",
  "tcp_diag_md5sig", "tcp_zerocopy_receive",
  // include/uapi/linux/in.h, in6.h
  "in_addr", "sockaddr_in", "ip_mreq", "ip_mreqn", "ip_mreq_source", "in_pktinfo",
  "in6_addr", "sockaddr_in6", "ipv6_mreq", "in6_flowlabel_req",
  // include/uapi/linux/if_ether.h, ip.h, ipv6.h
  "ethhdr", "iphdr", "ip_auth_hdr", "ip_esp_hdr", "ip_comp_hdr", "ipv6hdr", "ipv6_rt_hdr", "ipv6_opt_hdr",
];

/** A reference to another row of the table (1-based), 0 for `void`. */
export type UapiRef = number;
/** A member: name, type, absolute bit offset, bitfield size (0: none). */
export type UapiMember = readonly [string, UapiRef, number, number];
/** One row of the table: a type in the closure of the roots. */
export type UapiTypeRow =
  | readonly ["int", string, number, number]
  | readonly ["struct" | "union", string, number, readonly UapiMember[]]
  | readonly ["enum", string, number]
  | readonly ["typedef", string, UapiRef]
  | readonly ["ptr" | "const" | "volatile", UapiRef]
  | readonly ["array", UapiRef, number]
  | readonly ["fwd", string, number];

/**
 * The roots found in `types` and every type they refer to, as table rows
 * (a referenced type before its first user where no cycle prevents it).
 * Throws if a root refers to a kind the table cannot hold.
 */
export function selectUapiTypes(types: readonly BtfType[]): UapiTypeRow[] {
  const byId = new Map<number, BtfType>(types.map((t) => [t.id, t]));
  const roots = new Set(UAPI_TYPE_ROOTS);
  const rowOf = new Map<number, number>();
  const rows: UapiTypeRow[] = [];
  const reserve = (id: number): number => {
    rows.push(["fwd", "", 0]);
    rowOf.set(id, rows.length);
    return rows.length;
  };
  const visit = (id: number): UapiRef => {
    if (id === 0) return 0;
    const known = rowOf.get(id);
    if (known !== undefined) return known;
    const t = byId.get(id);
    if (t === undefined) throw new RangeError(`uapi types: type id ${id} is not in the BTF`);
    const row = reserve(id);
    switch (t.kind) {
      case BTF_KIND_INT: rows[row - 1] = ["int", t.name, t.size, t.int_encoding]; break;
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: rows[row - 1] = ["enum", t.name, t.size]; break;
      case BTF_KIND_FWD: rows[row - 1] = ["fwd", t.name, t.kflag ? 1 : 0]; break;
      case BTF_KIND_TYPEDEF: rows[row - 1] = ["typedef", t.name, visit(t.type)]; break;
      case BTF_KIND_PTR: rows[row - 1] = ["ptr", visit(t.type)]; break;
      case BTF_KIND_CONST: rows[row - 1] = ["const", visit(t.type)]; break;
      case BTF_KIND_VOLATILE: rows[row - 1] = ["volatile", visit(t.type)]; break;
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG: rowOf.delete(id); rows.pop(); return visit(t.type);
      case BTF_KIND_ARRAY: rows[row - 1] = ["array", visit(t.array?.type ?? 0), t.array?.nelems ?? 0]; break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        const members = t.members.map((m): UapiMember => [m.name, visit(m.type), m.bit_offset, m.bitfield_size]);
        rows[row - 1] = [t.kind === BTF_KIND_STRUCT ? "struct" : "union", t.name, t.size, members];
        break;
      }
      default: throw new RangeError(`uapi types: ${t.name || "(anon)"} (id ${id}) has BTF kind ${t.kind}, which the table cannot hold`);
    }
    return row;
  };
  for (const t of types) {
    if ((t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION) && roots.has(t.name) && t.members.length + t.size > 0) visit(t.id);
  }
  return rows;
}

/** The named structs and unions of `rows` (the roots and the named types they use). */
export function uapiNamedAggregates(rows: readonly UapiTypeRow[]): string[] {
  return rows.flatMap((r) => ((r[0] === "struct" || r[0] === "union") && r[1] !== "" ? [r[1]] : []));
}

/**
 * Each named struct or union of `rows` with its full layout as one line:
 * kind, size, and per member its name, C type (anonymous aggregates spelled
 * out), bit offset and bitfield size. Two BTFs agree on the uapi types when
 * these maps are equal.
 */
export function uapiLayouts(rows: readonly UapiTypeRow[]): Map<string, string> {
  const spell = (ref: UapiRef, depth: number): string => {
    if (ref === 0) return "void";
    const r = rows[ref - 1];
    if (r === undefined || depth > 32) return `#${ref}`;
    switch (r[0]) {
      case "int": return r[1];
      case "enum": return `enum ${r[1]}`;
      case "fwd": return `${r[2] === 1 ? "union" : "struct"} ${r[1]}`;
      case "typedef": return r[1];
      case "ptr": return `${spell(r[1], depth + 1)} *`;
      case "const": return `const ${spell(r[1], depth + 1)}`;
      case "volatile": return `volatile ${spell(r[1], depth + 1)}`;
      case "array": return `${spell(r[1], depth + 1)}[${r[2]}]`;
      case "struct":
      case "union": return r[1] !== "" ? `${r[0]} ${r[1]}` : body(r, depth + 1);
    }
  };
  const body = (r: UapiTypeRow & readonly ["struct" | "union", string, number, readonly UapiMember[]], depth: number): string =>
    `${r[0]}(${r[2]}) { ${r[3].map(([n, t, off, bits]) => `${spell(t, depth)} ${n || "(anon)"} @${off}${bits > 0 ? `:${bits}` : ""};`).join(" ")} }`;
  const out = new Map<string, string>();
  for (const r of rows) if ((r[0] === "struct" || r[0] === "union") && r[1] !== "") out.set(r[1], body(r, 0));
  return out;
}
