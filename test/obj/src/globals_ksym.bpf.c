// SPDX-License-Identifier: GPL-2.0
/* Global data in every flavour (.data, .bss, .rodata, a named .data.counters,
 * a named .rodata.cfg), a typed ksym variable (jiffies_64), weak and strong
 * kconfig externs, and a BTF-defined array map pinned by name. Test object
 * for src/lib/object.ts. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern const volatile __u64 jiffies_64 __ksym;
extern int CONFIG_HZ __kconfig;
extern int CONFIG_NOT_SET_ANYWHERE __kconfig __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} seen SEC(".maps");

__u64 data_var = 5;
__u64 bss_var;
const volatile __u64 ro_var = 7;
__u64 named_data SEC(".data.counters") = 9;
const volatile __u32 named_ro SEC(".rodata.cfg") = 11;
__u64 jiffies_seen;
__s64 weak_seen = -1;

SEC("struct_ops/g_init")
void BPF_PROG(g_init, struct sock *sk)
{
	__u32 k = 0;
	__u64 v = ro_var + named_ro + CONFIG_HZ;

	bpf_map_update_elem(&seen, &k, &v, 0);
	jiffies_seen = jiffies_64;
	weak_seen = CONFIG_NOT_SET_ANYWHERE;
	bss_var = data_var + named_data;
}

SEC("struct_ops/g_ssthresh")
__u32 BPF_PROG(g_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }
SEC("struct_ops/g_undo")
__u32 BPF_PROG(g_undo, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }
SEC("struct_ops/g_cong_avoid")
void BPF_PROG(g_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }

SEC(".struct_ops")
struct tcp_congestion_ops g_ops = {
	.init = (void *)g_init,
	.ssthresh = (void *)g_ssthresh,
	.undo_cwnd = (void *)g_undo,
	.cong_avoid = (void *)g_cong_avoid,
	.name = "g_ops",
};
