/* A tight 64-bit arithmetic loop: an LCG step with an xorshift, ctx[1] times. */
#include "bench.h"

BENCH(loop64) {
	u64 x = ctx[0];
	u64 n = ctx[1];
	for (u64 i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 17;
		x += i;
	}
	return x;
}
