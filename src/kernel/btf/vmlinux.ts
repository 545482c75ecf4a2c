/**
 * @fileoverview The emulated kernel's own BTF ("vmlinux" of the model): the
 * single source of truth for the layouts programs and the kernel share. The
 * blob is what the model serves at /sys/kernel/btf/vmlinux; `vmlinux.h` is
 * dumped from it, CO-RE relocations resolve against it, the struct_ops value
 * layout comes from it, and the socket accessors are derived from it.
 *
 * It is built once, encoded, then decoded again, so every lookup reads the
 * very bytes a user would see. Write permissions for BPF congestion controls
 * follow `bpf_tcp_ca_btf_struct_access` (net/ipv4/bpf_tcp_ca.c, v6.18).
 *
 * Key invariant: `tcp_sock`, `inet_connection_sock`, `inet_sock` and `sock`
 * start at the same address, and each writable field fills 8-byte granules
 * that no read-only field shares, so the memory shadow can enforce the
 * kernel's write list exactly.
 */
import { ENOENT } from "../../uapi/errno.js";
import { BTF_KIND_DECL_TAG, BTF_KIND_FUNC, BTF_KIND_STRUCT } from "../../uapi/btf.js";
import { GRANULE } from "../mem/memory.js";
import { Btf } from "../../btf/btf.js";
import { BtfBuilder } from "./builder.js";
import { addBaseTypes, addKernelVars } from "./vmlinux-base.js";
import { declareSockTypes, defineSockTypes } from "./vmlinux-sock.js";
import { addTcpCcKfuncs, addTcpCcTypes, TCP_CA_BASE_KFUNC_SET, TCP_CA_KFUNC_SETS } from "./vmlinux-tcp-cc.js";
import { addUapiEnums, addUapiTypes } from "./vmlinux-uapi.js";
import { addIterTypes } from "./vmlinux-iter.js";

/** A byte range relative to the start of a struct. */
export interface ByteRange {
  readonly offset: number;
  readonly size: number;
}

/** A field a BPF congestion control may write, located in `tcp_sock`. */
export interface WritableField extends ByteRange {
  /** `struct.member` as the kernel names it (`inet_connection_sock.icsk_ack.pending`). */
  readonly name: string;
  /** A store may start anywhere inside the member (the kernel's `case bpf_ctx_range(...)`), not only at its first byte. */
  readonly range?: boolean;
}

/**
 * The write list of `bpf_tcp_ca_btf_struct_access` (net/ipv4/bpf_tcp_ca.c,
 * Linux 6.18): each entry is `offsetof(struct, member)` .. `offsetofend`,
 * applied to a `tcp_sock` pointer. A store must start at the member's first
 * byte, except in icsk_ca_priv (`case bpf_ctx_range(...)`: anywhere inside,
 * probed on Linux 6.18 by test/parity/fields-suite-linux.test.ts). Everything
 * else of `tcp_sock` is read-only, and every other struct is read-only
 * ("only read is supported").
 */
export const BPF_TCP_CA_WRITABLE: readonly { readonly struct: string; readonly member: string; readonly range?: boolean }[] = [
  { struct: "sock", member: "sk_pacing_rate" },
  { struct: "sock", member: "sk_pacing_status" },
  { struct: "inet_connection_sock", member: "icsk_ca_priv", range: true },
  { struct: "inet_connection_sock", member: "icsk_ack.pending" },
  { struct: "tcp_sock", member: "snd_cwnd" },
  { struct: "tcp_sock", member: "snd_cwnd_cnt" },
  { struct: "tcp_sock", member: "snd_cwnd_stamp" },
  { struct: "tcp_sock", member: "snd_ssthresh" },
  { struct: "tcp_sock", member: "ecn_flags" },
  { struct: "tcp_sock", member: "app_limited" },
];

/** The DECL_TAG the kernel's BTF puts on every kfunc. */
export const BTF_KFUNC_TAG = "bpf_kfunc";

/**
 * The model kernel's vmlinux BTF: the shared BTF lookups (src/btf) plus what
 * only the kernel knows of its own types, its kfuncs and the fields a BPF
 * congestion control may write.
 */
export class VmlinuxBtf extends Btf {
  private readonly kfuncs: ReadonlyMap<string, number>;
  private readonly writable: readonly WritableField[];

  /** Decodes `raw` (throws a BtfError if it is malformed). Use {@link getVmlinuxBtf} for the model's vmlinux. */
  constructor(raw: Uint8Array) {
    super(raw);
    const kfuncs = new Map<string, number>();
    for (const t of this.types) {
      if (t.kind !== BTF_KIND_DECL_TAG || t.name !== BTF_KFUNC_TAG || t.component_idx !== -1) continue;
      const fn = this.typeById(t.type);
      if (fn?.kind === BTF_KIND_FUNC && !kfuncs.has(fn.name)) kfuncs.set(fn.name, fn.id);
    }
    this.kfuncs = kfuncs;
    this.writable = this.findByNameKind("tcp_sock", BTF_KIND_STRUCT) > 0 ? this.locateWritable() : [];
  }

  /** A copy of the raw BTF blob (what reading /sys/kernel/btf/vmlinux returns). */
  get bytes(): Uint8Array {
    return this.raw.slice();
  }

  /** Length of the raw blob in bytes. */
  get byteLength(): number {
    return this.raw.length;
  }

  /** The BTF id of the FUNC of kfunc `name`, or -ENOENT when `name` is not a kfunc. */
  kfuncId(name: string): number {
    return this.kfuncs.get(name) ?? -ENOENT;
  }

  /** Whether BTF id `id` is a kfunc's FUNC. */
  isKfunc(id: number): boolean {
    const t = this.typeById(id);
    return t !== undefined && this.kfuncs.get(t.name) === id;
  }

  /** Every kfunc name, in BTF order. */
  get kfuncNames(): readonly string[] {
    return [...this.kfuncs.keys()];
  }

  /**
   * The fields of `struct name` a BPF congestion control may write, with
   * their exact byte ranges. Only `tcp_sock` has any: the kernel refuses
   * writes through every other type.
   * @see net/ipv4/bpf_tcp_ca.c bpf_tcp_ca_btf_struct_access (v6.18)
   */
  writableFields(name: string): readonly WritableField[] {
    return name === "tcp_sock" ? this.writable : [];
  }

  /**
   * The granule-aligned byte ranges of `struct name` a BPF congestion control
   * may write, merged and sorted; what the kernel opens with PERM_RW on a
   * socket's memory (the rest of the struct gets PERM_READ).
   */
  writableRanges(name: string): readonly ByteRange[] {
    const out: { offset: number; size: number }[] = [];
    const fields = [...this.writableFields(name)].sort((a, b) => a.offset - b.offset);
    for (const f of fields) {
      const start = Math.floor(f.offset / GRANULE) * GRANULE;
      const end = Math.ceil((f.offset + f.size) / GRANULE) * GRANULE;
      const last = out[out.length - 1];
      if (last !== undefined && start <= last.offset + last.size) last.size = Math.max(last.size, end - last.offset);
      else out.push({ offset: start, size: end - start });
    }
    return out;
  }

  private locateWritable(): WritableField[] {
    return BPF_TCP_CA_WRITABLE.map(({ struct, member, range }) => {
      // The kernel compares offsetof(struct X, m) with offsets into tcp_sock:
      // valid only because X is embedded at offset 0 of tcp_sock.
      const inOwn = this.offsetOf(struct, member);
      const inTcpSock = this.offsetOf("tcp_sock", member);
      if (inOwn !== inTcpSock) throw new Error(`vmlinux BTF: ${struct}.${member} is at ${inOwn} but at ${inTcpSock} in tcp_sock`);
      const f = { name: `${struct}.${member}`, offset: inTcpSock, size: this.offsetofend(struct, member) - inOwn };
      return range === true ? { ...f, range } : f;
    });
  }
}

/** Every algorithm file the model has a kfunc set for (a kernel with all of them built in). */
export const ALL_TCP_CA_KFUNC_FILES: readonly string[] = Object.keys(TCP_CA_KFUNC_SETS).filter((f) => f !== TCP_CA_BASE_KFUNC_SET);

/**
 * Builds the model's vmlinux BTF blob for a kernel whose built-in
 * congestion controls are the kernel files `builtinFiles` (keys of
 * TCP_CA_KFUNC_SETS): only their kfuncs are in it (not memoised; see
 * {@link getVmlinuxBtf}).
 */
export function buildVmlinuxBtf(builtinFiles: readonly string[] = ALL_TCP_CA_KFUNC_FILES): Uint8Array {
  const b = new BtfBuilder();
  const t = addBaseTypes(b);
  const socks = declareSockTypes(b);
  const cc = addTcpCcTypes(b, t, socks.sock, socks.tcp_sock);
  defineSockTypes(b, t, socks, cc);
  addTcpCcKfuncs(b, t, cc, builtinFiles);
  addKernelVars(b, t);
  addIterTypes(b, t, socks.sock_common);
  addUapiEnums(b);
  addUapiTypes(b);
  return b.encode();
}

const vmlinux = new Map<string, VmlinuxBtf>();

/**
 * The model kernel's BTF for the built-in algorithm files `builtinFiles`
 * (default: all the model implements), built on first use and shared
 * afterwards (it is immutable). The BTF of a booted kernel follows its
 * configuration: backend/model.ts maps a TcpCongConfig to its files. Throws
 * only if the model's own type description is broken.
 */
export function getVmlinuxBtf(builtinFiles: readonly string[] = ALL_TCP_CA_KFUNC_FILES): VmlinuxBtf {
  const unknown = builtinFiles.filter((f) => !ALL_TCP_CA_KFUNC_FILES.includes(f));
  if (unknown.length > 0) throw new Error(`vmlinux BTF: no kfunc set for ${unknown.join(", ")} (known: ${ALL_TCP_CA_KFUNC_FILES.join(", ")})`);
  const files = ALL_TCP_CA_KFUNC_FILES.filter((f) => builtinFiles.includes(f));
  const key = files.join(" ");
  let btf = vmlinux.get(key);
  if (btf === undefined) {
    btf = new VmlinuxBtf(buildVmlinuxBtf(files));
    vmlinux.set(key, btf);
  }
  return btf;
}
