/* A loop over a 4 KiB buffer (ctx[8..520)): a mixing checksum of its u64 words, ctx[1] passes. */
#include "bench.h"

BENCH(buf4k) {
	u64 *buf = ctx + 8;
	u64 h = ctx[0];
	u64 n = ctx[1];
	for (u64 r = 0; r < n; r++) {
		for (int i = 0; i < 512; i++) {
			h ^= buf[i];
			h = (h << 7 | h >> 57) + buf[i];
		}
	}
	return h;
}
