/*
 * Native timing harness of bench/jit.bench.ts: the same bench programs,
 * compiled with gcc -O2, each run `iters` times on the context the bench
 * builds (fill_ctx matches ctxFor in jit.bench.ts). Prints one line per
 * program: name, ns per run, r0 of the last run.
 * The median of 7 timed batches after a warm-up batch is reported.
 * Usage: native <name> <arg1> <iters> [<name> <arg1> <iters> ...]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "loop64.c"
#include "cbrt.c"
#include "buf4k.c"
#include "calls.c"
#include "nonleaf.c"
#include "cubic.c"

static u64 ctx[1024];

/* Same contents as the bench's ctx region: word i = i * 0x9e3779b97f4a7c15 ^ (i << 7), then args. */
static void fill_ctx(const char *name, u64 arg1) {
	for (u64 i = 0; i < 1024; i++) ctx[i] = (i * 0x9e3779b97f4a7c15ULL) ^ (i << 7);
	if (strcmp(name, "cubic") == 0) {
		ctx[0] = 100; ctx[1] = 140; ctx[2] = 0; ctx[3] = 123456; ctx[4] = 800;
		for (int i = 5; i < 10; i++) ctx[i] = 0;
	} else {
		ctx[0] = 12345;
		ctx[1] = arg1;
	}
}

static double now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
	for (int a = 1; a + 2 < argc; a += 3) {
		const char *name = argv[a];
		u64 arg1 = strtoull(argv[a + 1], 0, 10);
		long iters = strtol(argv[a + 2], 0, 10);
		u64 (*fn)(u64 *) = 0;
		if (!strcmp(name, "loop64")) fn = bench_loop64;
		else if (!strcmp(name, "cbrt")) fn = bench_cbrt;
		else if (!strcmp(name, "buf4k")) fn = bench_buf4k;
		else if (!strcmp(name, "calls")) fn = bench_calls;
		else if (!strcmp(name, "nonleaf")) fn = bench_nonleaf;
		else if (!strcmp(name, "cubic")) fn = bench_cubic;
		if (!fn) { fprintf(stderr, "unknown program %s\n", name); return 1; }
		fill_ctx(name, arg1);
		volatile u64 sink = 0;
		double t[7];
		u64 r0 = 0;
		for (long i = 0; i < iters; i++) r0 = fn(ctx); /* warm-up */
		for (int round = 0; round < 7; round++) {
			double t0 = now_ns();
			for (long i = 0; i < iters; i++) r0 = fn(ctx);
			t[round] = (now_ns() - t0) / iters;
			sink += r0;
		}
		/* median of 7, as bench/harness.ts measure() */
		for (int i = 1; i < 7; i++)
			for (int j = i; j > 0 && t[j] < t[j - 1]; j--) { double x = t[j]; t[j] = t[j - 1]; t[j - 1] = x; }
		printf("%s %.3f %llu\n", name, t[3], r0);
	}
	return 0;
}
