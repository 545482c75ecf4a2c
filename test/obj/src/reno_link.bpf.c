// SPDX-License-Identifier: GPL-2.0
/* A reno-style congestion control registered through .struct_ops.link:
 * global data in .bss/.data/.rodata, a CONFIG_HZ kconfig extern, TCP kfuncs,
 * a subprogram in .text and a CO-RE bitfield read. Test object for src/obj. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_slow_start(struct tcp_sock *tp, __u32 acked) __ksym;
extern void tcp_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
extern const int CONFIG_HZ __kconfig;

__u64 init_calls = 0;
__u64 acked_total = 1;
const volatile __u32 ssthresh_floor = 2;
__u32 hz_seen = 0;
__u32 ca_state_seen = 0;

static inline struct tcp_sock *tcp_sk(const struct sock *sk) { return (struct tcp_sock *)sk; }
static inline struct inet_connection_sock *inet_csk(const struct sock *sk) { return (struct inet_connection_sock *)sk; }

__attribute__((noinline)) __u32 half_cwnd(struct tcp_sock *tp)
{
	__u32 h = tp->snd_cwnd >> 1;
	return h < ssthresh_floor ? ssthresh_floor : h;
}

SEC("struct_ops/obj_init")
void BPF_PROG(obj_init, struct sock *sk)
{
	init_calls++;
	hz_seen = CONFIG_HZ;
	ca_state_seen = BPF_CORE_READ_BITFIELD(inet_csk(sk), icsk_ca_state);
}

SEC("struct_ops/obj_ssthresh")
__u32 BPF_PROG(obj_ssthresh, struct sock *sk)
{
	return half_cwnd(tcp_sk(sk));
}

SEC("struct_ops/obj_cong_avoid")
void BPF_PROG(obj_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	acked_total += acked;
	if (tp->snd_cwnd < tp->snd_ssthresh) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}

SEC("struct_ops/obj_undo_cwnd")
__u32 BPF_PROG(obj_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops obj_reno = {
	.init = (void *)obj_init,
	.ssthresh = (void *)obj_ssthresh,
	.cong_avoid = (void *)obj_cong_avoid,
	.undo_cwnd = (void *)obj_undo_cwnd,
	.name = "obj_reno",
};
