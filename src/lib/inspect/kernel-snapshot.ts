/**
 * @fileoverview What a kernel has registered, read the way bpftool reads it
 * and through nothing but the {@link Backend} interface, so the emulated
 * kernel and Linux give comparable JSON (schemas/snapshot.json):
 *
 * - struct_ops maps: BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID,
 *   BPF_OBJ_GET_INFO_BY_FD (bpftool struct_ops list/show,
 *   tools/bpf/bpftool/struct_ops.c), and for `dump` the element by
 *   BPF_MAP_LOOKUP_ELEM, whose function members hold program IDs
 *   (kernel/bpf/bpf_struct_ops.c bpf_struct_ops_map_sys_lookup_elem),
 *   decoded with the kernel's BTF type bpf_struct_ops_<type>;
 * - links: BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD
 *   (bpftool link show, tools/bpf/bpftool/link.c);
 * - congestion control: net.ipv4.tcp_available_congestion_control,
 *   tcp_allowed_congestion_control, tcp_congestion_control
 *   (net/ipv4/sysctl_net_ipv4.c), and the sockets the caller names (a
 *   scenario's flows, or Linux's sock_diag dump through {@link diagSockets}).
 *
 * Read-only: every fd it opens it closes, and it writes nothing.
 */
import {
  BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_NEXT_ID, BPF_LINK_TYPE_NAMES, BPF_MAP_GET_FD_BY_ID, BPF_MAP_GET_NEXT_ID, BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_STRUCT_OPS, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_GET_FD_BY_ID,
} from "../../uapi/bpf-enums.js";
import { BPF_F_LINK } from "../../uapi/bpf-flags.js";
import { errnoName } from "../../uapi/errno.js";
import { decodeCString } from "../../uapi/cstring.js";
import { decodeLinkInfo, decodeMapInfo, decodeProgInfo, LINK_INFO_LAYOUT, MAP_INFO_LAYOUT, PROG_INFO_LAYOUT } from "../../uapi/info.js";
import { btfValue } from "../../obj/btf/value.js";
import type { BtfJson } from "../../obj/btf/value.js";
import type { Btf } from "../../btf/btf.js";
import type { Backend } from "../../backend/backend.js";
import { BpfError } from "../errors.js";
import { enumShort, mapFlagNames } from "./object-info.js";

/** One function or data member of a registered struct_ops value. */
export interface KernelStructOpsMember { name: string; prog_id: number | null; program: string | null; value: BtfJson }
/** A struct_ops map (`struct_ops list|show`; `dump` adds `state`, `refcnt` and `members`). */
export interface KernelStructOps {
  id: number; name: string; kernel_struct_ops: string; btf_vmlinux_value_type_id: number; map_flags: number; flag_names: string[];
  link: boolean; state?: string; refcnt?: number; members?: KernelStructOpsMember[];
}
/** A link (`link list|show`). */
export interface KernelLink { id: number; type: string; prog_id: number; map_id: number | null; map_name: string | null }
/**
 * A socket, the congestion control it runs, and the struct_ops map whose ops
 * it holds when the caller knows it (a socket keeps the ops it selected
 * however its name is updated later; the kernel does not expose which).
 */
export interface KernelSocket {
  socket: string;
  /** null when the kernel reports none (`--linux`: time-wait and request sockets). */
  cc: string | null;
  struct_ops_map: string | null;
  /** `--linux` only, from the socket's inet_diag_msg: AF_INET or AF_INET6. */
  family?: "inet" | "inet6";
  /** `--linux` only: the TCP state, include/net/tcp_states.h spelling without TCP_ (ESTABLISHED, LISTEN, ...). */
  state?: string;
  src?: string; sport?: number; dst?: string; dport?: number;
  /** `--linux` only: the socket's inode (0 for time-wait and request sockets). */
  inode?: number;
}
/** A TCP socket as the Linux backend's sock_diag dump reports it (src/backend/linux/native.ts). */
export interface DiagTcpSocket { family: number; state: number; src: string; sport: number; dst: string; dport: number; inode: number; cc: string | null }
/** An available congestion control and, for one a struct_ops map registered, that map. */
export interface KernelCcOps { name: string; struct_ops_id: number | null; struct_ops_map: string | null }
/** `cc list`. */
export interface KernelCc { available: string[]; allowed: string[]; default: string; ops: KernelCcOps[]; sockets: KernelSocket[] }
/** A whole snapshot (the scenario `snapshot` action's file). */
export interface KernelSnapshot { kernel: "emulated" | "linux"; struct_ops: KernelStructOps[]; links: KernelLink[]; cc: KernelCc }

/** Where the snapshot reads the kernel's BTF (type names and the struct_ops value layout), loaded only when needed. */
export type BtfSource = () => Btf;

function check(r: { errno: number }, cmd: number, what: string): void {
  if (r.errno !== 0) throw BpfError.fromCmd(cmd, r.errno, what);
}

/** IDs of one kind, in order (the GET_NEXT_ID walk; ENOENT ends it). */
function ids(be: Backend, cmd: typeof BPF_MAP_GET_NEXT_ID | typeof BPF_LINK_GET_NEXT_ID): number[] {
  const out: number[] = [];
  const attr = { start_id: 0, next_id: 0 };
  for (;;) {
    const r = be.bpf(cmd, attr);
    if (r.errno !== 0) return out;
    out.push(attr.next_id);
    attr.start_id = attr.next_id;
  }
}

/** Runs `f` on an fd from a GET_FD_BY_ID; undefined when the object went away meanwhile (ENOENT). */
function withFd<T>(be: Backend, cmd: typeof BPF_MAP_GET_FD_BY_ID | typeof BPF_PROG_GET_FD_BY_ID | typeof BPF_LINK_GET_FD_BY_ID, id: number, f: (fd: number) => T): T | undefined {
  const attr = cmd === BPF_MAP_GET_FD_BY_ID ? { map_id: id } : cmd === BPF_PROG_GET_FD_BY_ID ? { prog_id: id } : { link_id: id };
  const r = be.bpf(cmd, attr as never);
  if (r.errno !== 0) {
    if (r.errno === 2) return undefined;
    throw BpfError.fromCmd(cmd, r.errno, `open id ${id}`);
  }
  try {
    return f(r.ret);
  } finally {
    be.close(r.ret);
  }
}

function info(be: Backend, fd: number, size: number): Uint8Array {
  const buf = new Uint8Array(size);
  check(be.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: fd, info_len: size, info: buf }), BPF_OBJ_GET_INFO_BY_FD, `info of fd ${fd}`);
  return buf;
}

/** A program's name by ID ("" when it is gone). */
function progName(be: Backend, id: number): string {
  return withFd(be, BPF_PROG_GET_FD_BY_ID, id, (fd) => decodeCString(decodeProgInfo(info(be, fd, PROG_INFO_LAYOUT.size)).name)) ?? "";
}

/** The element of struct_ops map `fd`, decoded with bpf_struct_ops_<type> of `btf`. */
function structOpsValue(be: Backend, fd: number, btf: Btf, valueTypeId: number, valueSize: number): Pick<KernelStructOps, "state" | "refcnt" | "members"> {
  const value = new Uint8Array(valueSize);
  check(be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: fd, key: new Uint8Array(4), value }), BPF_MAP_LOOKUP_ELEM, `struct_ops map fd ${fd}`);
  const vt = btf.type(valueTypeId);
  const out: Pick<KernelStructOps, "state" | "refcnt" | "members"> = {};
  for (const m of vt.members) {
    if (m.name === "data") {
      const dt = btf.type(btf.skipModifiers(m.type));
      const base = m.bit_offset / 8;
      out.members = dt.members.map((dm): KernelStructOpsMember => {
        const at = base + dm.bit_offset / 8;
        if (!btf.isFuncPtr(dm.type)) return { name: dm.name, prog_id: null, program: null, value: btfValue(btf, dm.type, value, at) };
        const id = new DataView(value.buffer).getUint32(at, true);
        return { name: dm.name, prog_id: id === 0 ? null : id, program: id === 0 ? null : progName(be, id), value: null };
      });
    } else {
      // `common` (struct bpf_struct_ops_common_value): refcnt and the state enum.
      const c = btfValue(btf, m.type, value, m.bit_offset / 8);
      if (c !== null && typeof c === "object" && !Array.isArray(c)) {
        if (typeof c["state"] === "string") out.state = c["state"];
        // refcount_t is struct { atomic_t refs } = struct { struct { int counter } }: the first number inside.
        const first = (v: BtfJson): number | undefined =>
          typeof v === "number" ? v : v !== null && typeof v === "object" ? Object.values(v).map(first).find((x) => x !== undefined) : undefined;
        const rc = first(c["refcnt"] ?? null);
        if (rc !== undefined) out.refcnt = rc;
      }
    }
  }
  return out;
}

/** Every struct_ops map; with `dump`, each one's value too. */
export function listStructOps(be: Backend, btf: BtfSource, opts: { readonly dump?: boolean } = {}): KernelStructOps[] {
  const out: KernelStructOps[] = [];
  for (const id of ids(be, BPF_MAP_GET_NEXT_ID)) {
    const m = withFd(be, BPF_MAP_GET_FD_BY_ID, id, (fd): KernelStructOps | null => {
      const i = decodeMapInfo(info(be, fd, MAP_INFO_LAYOUT.size));
      if (i.type !== BPF_MAP_TYPE_STRUCT_OPS) return null;
      const b = btf();
      const vt = i.btf_vmlinux_value_type_id;
      const vname = vt > 0 && vt <= b.nrTypes ? b.type(vt).name : "";
      const s: KernelStructOps = {
        id: i.id, name: decodeCString(i.name), kernel_struct_ops: vname.replace(/^bpf_struct_ops_/, ""), btf_vmlinux_value_type_id: vt,
        map_flags: i.map_flags, flag_names: mapFlagNames(i.map_flags), link: (i.map_flags & BPF_F_LINK) !== 0,
      };
      return opts.dump === true && vname !== "" ? { ...s, ...structOpsValue(be, fd, b, vt, i.value_size) } : s;
    });
    if (m !== undefined && m !== null) out.push(m);
  }
  return out;
}

/** Every link; a struct_ops link names its map. */
export function listLinks(be: Backend): KernelLink[] {
  const mapNames = new Map<number, string>();
  const mapName = (id: number): string | null => {
    if (!mapNames.has(id)) mapNames.set(id, withFd(be, BPF_MAP_GET_FD_BY_ID, id, (fd) => decodeCString(decodeMapInfo(info(be, fd, MAP_INFO_LAYOUT.size)).name)) ?? "");
    return mapNames.get(id) || null;
  };
  const out: KernelLink[] = [];
  for (const id of ids(be, BPF_LINK_GET_NEXT_ID)) {
    const l = withFd(be, BPF_LINK_GET_FD_BY_ID, id, (fd) => decodeLinkInfo(info(be, fd, LINK_INFO_LAYOUT.size)));
    if (l === undefined) continue;
    const mapId = l.struct_ops?.map_id ?? l.sockmap?.map_id;
    out.push({
      id: l.id, type: enumShort(BPF_LINK_TYPE_NAMES, "BPF_LINK_TYPE_", l.type), prog_id: l.prog_id,
      map_id: mapId === undefined || mapId === 0 ? null : mapId, map_name: mapId === undefined || mapId === 0 ? null : mapName(mapId),
    });
  }
  return out;
}

function sysctl(be: Backend, name: string): string {
  const r = be.readFile(`/proc/sys/net/ipv4/${name}`);
  if (r.errno !== 0) throw new Error(`cannot read /proc/sys/net/ipv4/${name}: ${errnoName(-r.errno)}`);
  return r.text.trim();
}

/**
 * The congestion-control lists and default; for each available name the
 * struct_ops map registered under it: a map whose `name` member is that
 * name, in state INUSE (registered by its element update) or READY and held
 * by a link (bpf_struct_ops_map_update_elem, bpf_struct_ops_map_link_attach);
 * and the congestion control of each socket the caller names.
 */
export function listCc(be: Backend, structOps: readonly KernelStructOps[], links: readonly KernelLink[], sockets: readonly KernelSocket[] = []): KernelCc {
  const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");
  const available = words(sysctl(be, "tcp_available_congestion_control"));
  const ops = available.map((name): KernelCcOps => {
    const registered = (x: KernelStructOps): boolean =>
      x.state === "BPF_STRUCT_OPS_STATE_INUSE" || (x.state === "BPF_STRUCT_OPS_STATE_READY" && links.some((l) => l.type === "struct_ops" && l.map_id === x.id));
    const m = structOps.find((x) => registered(x) && x.members?.some((mm) => mm.name === "name" && mm.value === name));
    return { name, struct_ops_id: m?.id ?? null, struct_ops_map: m?.name ?? null };
  });
  return {
    available, allowed: words(sysctl(be, "tcp_allowed_congestion_control")), default: sysctl(be, "tcp_congestion_control"), ops, sockets: [...sockets],
  };
}

/** enum of include/net/tcp_states.h, TCP_ESTABLISHED = 1 first. */
const TCP_STATES = [
  "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
  "NEW_SYN_RECV", "BOUND_INACTIVE",
];
const AF_INET = 2;
const AF_INET6 = 10;

/**
 * The {@link KernelSocket} of each socket of a sock_diag dump: `socket` names
 * it by its endpoints as ss does (`127.0.0.1:40000 127.0.0.1:5000`, IPv6
 * addresses in brackets). A family other than AF_INET or AF_INET6 is an error.
 */
export function diagSockets(list: readonly DiagTcpSocket[]): KernelSocket[] {
  return list.map((d): KernelSocket => {
    if (d.family !== AF_INET && d.family !== AF_INET6) throw new Error(`sock_diag reported a TCP socket of address family ${d.family}`);
    const ep = (a: string, p: number): string => (d.family === AF_INET6 ? `[${a}]:${p}` : `${a}:${p}`);
    return {
      socket: `${ep(d.src, d.sport)} ${ep(d.dst, d.dport)}`, cc: d.cc, struct_ops_map: null,
      family: d.family === AF_INET ? "inet" : "inet6", state: TCP_STATES[d.state - 1] ?? `state ${d.state}`,
      src: d.src, sport: d.sport, dst: d.dst, dport: d.dport, inode: d.inode,
    };
  });
}

/** struct_ops maps (with values), links and congestion control in one document. */
export function snapshotKernel(be: Backend, kernel: KernelSnapshot["kernel"], btf: BtfSource, sockets: readonly KernelSocket[] = []): KernelSnapshot {
  const structOps = listStructOps(be, btf, { dump: true });
  const links = listLinks(be);
  return { kernel, struct_ops: structOps, links, cc: listCc(be, structOps, links, sockets) };
}
