/**
 * @fileoverview The JIT's compile cache: a translated and compiled
 * WebAssembly.Module by program content, so a program loaded again (the
 * same object in every point of a sweep, every socket's kernel in a test, a
 * program reloaded after a swap) is instantiated, not translated and
 * compiled again. Linux has no such cache (each BPF_PROG_LOAD runs the
 * verifier and JIT); the model may keep one because a module is a pure
 * function of its key, and what differs between loads is in the imports.
 *
 * The key is everything the generated code depends on: the instruction
 * bytes as loaded (relocations applied: map addresses, helper and kfunc ids,
 * ksym addresses are in the immediates) and the translation options (the
 * memory's maximum, and the minimum the module's memory import declares:
 * jit-runner.ts always declares one page, so kernels whose memory grew
 * differently share a module; and which helpers and kfuncs have a narrow
 * form, compile.ts narrowKey). A hit compares the bytes in full, so a hash
 * collision can never hand back another program's code, and skips decoding
 * too (the translation's cfg holds the decoded program; the module's code
 * itself is not kept, compile.ts TranslationInfo). The cache is per thread,
 * holds at most {@link MAX_ENTRIES} modules, and drops the least recently
 * used. A sweep's worker threads (cli/sweep) each fill their own: a
 * program is translated once per worker, not per point, which
 * docs/benchmarks.md measures against posting compiled Modules to workers.
 */
import type { TranslationInfo } from "./compile.js";

/** Where a module's checked copies are kept once compiled (jit-runner.ts): shared by every program made from the entry. */
export interface CheckedSlot {
  module?: WebAssembly.Module;
}

/** What one cache entry holds. */
export interface CachedModule {
  readonly translation: TranslationInfo;
  readonly module: WebAssembly.Module;
  readonly checked: CheckedSlot;
}

interface Entry extends CachedModule {
  readonly insns: Uint8Array;
  readonly maxBytes: number;
  readonly minPages: number;
  readonly narrow: string;
}

const MAX_ENTRIES = 64;
const cache = new Map<string, Entry>();
let hits = 0;
let misses = 0;

/** FNV-1a over the bytes, with the options: the lookup key (equal bytes are checked on a hit). */
function keyOf(insns: Uint8Array, maxBytes: number, minPages: number, narrow: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < insns.length; i++) h = Math.imul(h ^ (insns[i] as number), 0x01000193);
  return `${insns.length}:${h >>> 0}:${maxBytes}:${minPages}:${narrow}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The module for these instruction bytes and options: from the cache, or
 * made by `build` (translate, then compile) and kept.
 */
export function cachedModule(insns: Uint8Array, maxBytes: number, minPages: number, narrow: string, build: () => CachedModule): CachedModule {
  const key = keyOf(insns, maxBytes, minPages, narrow);
  const e = cache.get(key);
  if (e !== undefined && e.maxBytes === maxBytes && e.minPages === minPages && e.narrow === narrow && sameBytes(e.insns, insns)) {
    hits++;
    cache.delete(key);
    cache.set(key, e);
    return e;
  }
  misses++;
  const made = build();
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { ...made, insns: insns.slice(), maxBytes, minPages, narrow });
  return made;
}

/** Hits and misses so far in this thread, the entries held, and how many of them have their checked copies compiled (for tests and the bench). */
export function moduleCacheStats(): { hits: number; misses: number; entries: number; checked: number } {
  let checked = 0;
  for (const e of cache.values()) if (e.checked.module !== undefined) checked++;
  return { hits, misses, entries: cache.size, checked };
}

/** Empties the cache and zeroes its counts (the bench's cold compiles; tests). */
export function clearModuleCache(): void {
  cache.clear();
  hits = 0;
  misses = 0;
}
