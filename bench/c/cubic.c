/*
 * One CUBIC cong_avoid step (the arithmetic of bictcp_update() in
 * net/ipv4/tcp_cubic.c, written anew): a new epoch's K from an integer cube
 * root, the cubic target at time t, the per-ACK increment and the TCP
 * friendliness bound, on a state block in ctx. Runs once per call.
 */
#include "bench.h"

struct cubic_state {
	u64 cwnd, last_max_cwnd, epoch_start, now, delay_min, bic_K, bic_origin_point, cnt, ack_cnt, tcp_cwnd;
};

NOINLINE u64 cubic_root(u64 a);

BENCH(cubic) {
	struct cubic_state *ca = (struct cubic_state *)ctx;
	u64 cwnd = ca->cwnd, t, offs, delta, target, bic_target;
	const u64 cube_rtt_scale = 410, cube_factor = (1ULL << 40) / 410, beta_scale = 15;

	ca->epoch_start = ca->now;
	ca->ack_cnt = 1;
	ca->tcp_cwnd = cwnd;
	if (ca->last_max_cwnd <= cwnd) {
		ca->bic_K = 0;
		ca->bic_origin_point = cwnd;
	} else {
		ca->bic_K = cubic_root(cube_factor * (ca->last_max_cwnd - cwnd));
		ca->bic_origin_point = ca->last_max_cwnd;
	}
	t = ca->now + 25 - ca->epoch_start + (ca->delay_min >> 3);
	t <<= 10;
	t /= 1000;
	offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
	delta = (cube_rtt_scale * offs * offs * offs) >> 40;
	bic_target = t < ca->bic_K ? ca->bic_origin_point - delta : ca->bic_origin_point + delta;
	if (bic_target > cwnd)
		ca->cnt = cwnd / (bic_target - cwnd);
	else
		ca->cnt = 100 * cwnd;
	if (ca->last_max_cwnd == 0 && ca->cnt > 20)
		ca->cnt = 20;
	delta = (cwnd * beta_scale) >> 3;
	while (ca->ack_cnt > delta) {
		ca->ack_cnt -= delta;
		ca->tcp_cwnd++;
	}
	target = ca->tcp_cwnd;
	if (target > cwnd) {
		delta = target - cwnd;
		u64 max_cnt = cwnd / delta;
		if (ca->cnt > max_cnt)
			ca->cnt = max_cnt;
	}
	if (ca->cnt < 2)
		ca->cnt = 2;
	return ca->cnt;
}

NOINLINE u64 cubic_root(u64 a) {
	u64 y = 0;
	for (int s = 63; s >= 0; s -= 3) {
		y += y;
		u64 b = 3 * y * (y + 1) + 1;
		if ((a >> s) >= b) {
			a -= b << s;
			y++;
		}
	}
	return y;
}
