/*
 * Shared definitions of the JIT bench programs (bench/jit.bench.ts): each
 * bench/c/<name>.c defines BENCH(<name>), a function of one pointer to a
 * context of u64 words, compiled twice: `clang -O2 -target bpf` (the entry is
 * the first function of .text, run by the interpreter and the JIT) and
 * `gcc -O2` into the native timing harness (native.c).
 */
#ifndef BENCH_H
#define BENCH_H
typedef unsigned long long u64;
typedef unsigned int u32;
typedef long long s64;
typedef unsigned char u8;

#ifdef __bpf__
#define BENCH(name) u64 bench_##name(u64 *ctx)
#define NOINLINE static __attribute__((noinline))
#else
#define BENCH(name) __attribute__((noipa)) u64 bench_##name(u64 *ctx)
#define NOINLINE static __attribute__((noinline))
#endif
#endif
