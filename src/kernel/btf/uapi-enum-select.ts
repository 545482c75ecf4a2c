/**
 * @fileoverview Which enums of a kernel BTF are "the networking and BPF
 * uapi" for the model's vmlinux.h: named enums whose name starts like the
 * uapi ones (bpf_, btf_, sk_, sock_, tcp, inet_, in_/in6_, ip, xdp_), and
 * anonymous enums whose every constant does (BPF_, TCP_, TCPF_, SK_, SOCK_,
 * SO_, SOL_, IP_, IPV6_, IPPROTO_, INET_, XDP_, BTF_, MPTCP_, SKF_, and their
 * __ and __MAX_ forms). One rule, used by the generator
 * (tools/gen-uapi-enums.ts) and by the test that diffs against the running
 * kernel.
 */
import { BTF_KIND_ENUM, BTF_KIND_ENUM64 } from "../../uapi/btf.js";
import type { BtfType } from "../../btf/types.js";

const NAMED = /^(bpf_|btf_|sk_|sock_|tcp|inet_|in6?_|ip|xdp_)/;
const CONSTANT = /^(__)?(MAX_)?(BPF_|TCP_|TCPF_|SK_|SOCK_|SO_|SOL_|IP_|IPV6_|IPPROTO_|INET_|XDP_|BTF_|MPTCP_|SKF_)/;

/** One selected enum: name ("" anonymous), size, signedness, constants. */
export interface UapiEnum {
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly val: bigint }[];
}

/** The uapi enums of `types`, in BTF order. */
export function selectUapiEnums(types: readonly BtfType[]): UapiEnum[] {
  const out: UapiEnum[] = [];
  for (const t of types) {
    if ((t.kind !== BTF_KIND_ENUM && t.kind !== BTF_KIND_ENUM64) || t.enums.length === 0) continue;
    const ok = t.name !== "" ? NAMED.test(t.name) : t.enums.every((e) => CONSTANT.test(e.name));
    if (ok) out.push({ name: t.name, size: t.size, signed: t.kflag, values: t.enums });
  }
  return out;
}
