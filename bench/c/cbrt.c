/*
 * Integer cube roots like CUBIC's cubic_root() (net/ipv4/tcp_cubic.c computes
 * one per congestion epoch): a digit-by-digit cube root, no table, summed
 * over ctx[1] inputs starting at ctx[0].
 */
#include "bench.h"

NOINLINE u64 cbrt_icbrt(u64 x);

BENCH(cbrt) {
	u64 sum = 0;
	u64 a = ctx[0];
	u64 n = ctx[1];
	for (u64 i = 0; i < n; i++)
		sum += cbrt_icbrt(a + i * 0x9e3779b97f4aULL);
	return sum;
}

NOINLINE u64 cbrt_icbrt(u64 x) {
	u64 y = 0;
	for (int s = 63; s >= 0; s -= 3) {
		y += y;
		u64 b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return y;
}
