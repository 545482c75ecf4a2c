/* A call-heavy loop: two small __noinline subprograms per iteration, ctx[1] iterations. */
#include "bench.h"

NOINLINE u64 calls_mix(u64 a, u64 b);
NOINLINE u64 calls_fold(u64 a);

BENCH(calls) {
	u64 x = ctx[0];
	u64 n = ctx[1];
	for (u64 i = 0; i < n; i++)
		x = calls_fold(calls_mix(x, i));
	return x;
}

NOINLINE u64 calls_mix(u64 a, u64 b) {
	return (a ^ b) * 0x100000001b3ULL;
}

NOINLINE u64 calls_fold(u64 a) {
	return a ^ (a >> 29);
}
