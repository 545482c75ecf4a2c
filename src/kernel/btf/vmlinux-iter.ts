/**
 * @fileoverview The BPF iterator part of the model's kernel BTF: the context
 * of the `tcp` iterator target (`struct bpf_iter__tcp`), the metadata every
 * iterator program gets (`struct bpf_iter_meta`), `struct seq_file` (opaque:
 * programs hand it to bpf_seq_printf/bpf_seq_write), and the FUNC
 * `bpf_iter_tcp` whose prototype is that context. libbpf resolves an
 * `iter/tcp` section to that FUNC's id (attach_btf_id), and the verifier
 * checks context accesses against its arguments, as on Linux 6.18.
 *
 * Layouts as include/linux/bpf.h and net/ipv4/tcp_ipv4.c have them
 * (`__bpf_md_ptr` members are 8-byte unions): meta at 0, sk_common at 8,
 * uid at 16, 24 bytes; bpf_iter_meta: seq at 0, session_id at 8, seq_num
 * at 16.
 *
 * @see net/ipv4/tcp_ipv4.c struct bpf_iter__tcp, DEFINE_BPF_ITER_FUNC(tcp, ...) (v6.18)
 */
import { BTF_FUNC_STATIC } from "../../uapi/btf.js";
import type { BtfBuilder } from "./builder.js";
import { layoutStruct, layoutUnion } from "./layout.js";
import type { VmlinuxBase } from "./vmlinux-base.js";

/** The FUNC each iterator target registers: `bpf_iter_<target>` (BTF_ITER_PREFIX in libbpf). */
export const BPF_ITER_FUNC_PREFIX = "bpf_iter_";

/** Adds the iterator types; `sockCommon` is the declared `struct sock_common`. */
export function addIterTypes(b: BtfBuilder, t: VmlinuxBase, sockCommon: number): void {
  const uid_t = b.typedef("uid_t", b.typedef("__kernel_uid32_t", t.unsigned_int));
  const seqFile = b.fwd("seq_file");
  const mdPtr = (name: string, type: number): { name: string; type: number } => ({
    name: "",
    type: layoutUnion(b, "", [{ name, type: b.ptr(type) }]),
  });
  const meta = layoutStruct(b, "bpf_iter_meta", [
    mdPtr("seq", seqFile),
    { name: "session_id", type: t.u64 },
    { name: "seq_num", type: t.u64 },
  ]);
  layoutStruct(b, "bpf_iter__tcp", [
    mdPtr("meta", meta),
    mdPtr("sk_common", sockCommon),
    { name: "uid", type: uid_t, align: 8 },
  ]);
  const proto = b.funcProto(t.int, [
    { name: "meta", type: b.ptr(meta) },
    { name: "sk_common", type: b.ptr(sockCommon) },
    { name: "uid", type: uid_t },
  ]);
  b.func(`${BPF_ITER_FUNC_PREFIX}tcp`, proto, BTF_FUNC_STATIC);
}
