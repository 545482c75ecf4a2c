// SPDX-License-Identifier: GPL-2.0
/* Every CO-RE relocation kind clang 14 emits, against local "flavoured" copies
 * of the model kernel's types (names end in ___local). Test object for
 * src/obj/core.ts: each result lands in an instruction immediate. */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

struct tcp_sock___local {
	u32 snd_ssthresh;
	u32 snd_cwnd;
	int no_such_field;
} __attribute__((preserve_access_index));

struct inet_connection_sock___local {
	u8 icsk_ca_state : 5;
} __attribute__((preserve_access_index));

struct no_such_type___local {
	int x;
} __attribute__((preserve_access_index));

enum tcp_ca_event___local { CA_EVENT_TX_START___local = 7, CA_EVENT_LOSS___local = 9, CA_EVENT_NOPE___local = 11 };

u64 out[24];

__attribute__((section("struct_ops/core_kinds"), used))
int core_kinds(struct tcp_sock___local *tp)
{
	struct inet_connection_sock___local *icsk = (void *)tp;

	out[0] = __builtin_preserve_field_info(tp->snd_cwnd, 0);
	out[1] = __builtin_preserve_field_info(tp->snd_cwnd, 1);
	out[2] = __builtin_preserve_field_info(tp->snd_cwnd, 2);
	out[3] = __builtin_preserve_field_info(tp->no_such_field, 2);
	out[4] = __builtin_preserve_field_info(tp->snd_cwnd, 3);
	out[5] = __builtin_preserve_field_info(icsk->icsk_ca_state, 0);
	out[6] = __builtin_preserve_field_info(icsk->icsk_ca_state, 1);
	out[7] = __builtin_preserve_field_info(icsk->icsk_ca_state, 4);
	out[8] = __builtin_preserve_field_info(icsk->icsk_ca_state, 5);
	out[9] = __builtin_preserve_type_info(*tp, 0);
	out[10] = __builtin_preserve_type_info(*tp, 1);
	out[11] = __builtin_preserve_type_info(*(struct no_such_type___local *)0, 0);
	out[12] = __builtin_preserve_enum_value(*(enum tcp_ca_event___local *)CA_EVENT_LOSS___local, 0);
	out[13] = __builtin_preserve_enum_value(*(enum tcp_ca_event___local *)CA_EVENT_LOSS___local, 1);
	out[14] = __builtin_preserve_enum_value(*(enum tcp_ca_event___local *)CA_EVENT_NOPE___local, 0);
	out[15] = __builtin_btf_type_id(*tp, 0);
	out[16] = __builtin_btf_type_id(*tp, 1);
	return tp->snd_ssthresh;
}

char _license[] __attribute__((section("license"), used)) = "GPL";

__attribute__((section("struct_ops/core_poison"), used))
int core_poison(struct tcp_sock___local *tp)
{
	if (__builtin_preserve_field_info(tp->no_such_field, 2))
		return tp->no_such_field;
	return 0;
}
