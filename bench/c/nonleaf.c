/*
 * bpf-to-bpf calls that are not leaves: each of ctx[1] iterations calls
 * nonleaf_step, which itself calls two __noinline subprograms and keeps a
 * value across them, so every call to it opens a stack frame (only a callee
 * that makes no call and never names r10 may skip that, vm/frameless.ts).
 */
#include "bench.h"

NOINLINE u64 nonleaf_mix(u64 a, u64 b);
NOINLINE u64 nonleaf_fold(u64 a);
NOINLINE u64 nonleaf_step(u64 x, u64 i);

BENCH(nonleaf) {
	u64 x = ctx[0];
	u64 n = ctx[1];
	for (u64 i = 0; i < n; i++)
		x = nonleaf_step(x, i);
	return x;
}

NOINLINE u64 nonleaf_step(u64 x, u64 i) {
	u64 m = nonleaf_mix(x, i);
	return nonleaf_fold(m) + (m >> 7);
}

NOINLINE u64 nonleaf_mix(u64 a, u64 b) {
	return (a ^ b) * 0x100000001b3ULL;
}

NOINLINE u64 nonleaf_fold(u64 a) {
	return a ^ (a >> 29);
}
