/**
 * @fileoverview The fuzzers by name, and the replay of a corpus entry
 * (test/fuzz/corpus/<fuzzer>/*.json) through the same checks: used by
 * tools/fuzz.ts and test/fuzz/corpus.test.ts.
 */
import type { Fuzzer } from "./framework.js";
import { kernelFuzzer, checkKernelSeq, decodeKernelSeq } from "./kernel-seq.js";
import { elfFuzzer, decodeElf } from "./elf-mut.js";
import { jitFuzzer, jitLongFuzzer, checkLong, decodeLong, decodeShort } from "./jit-diff.js";
import { scenarioFuzzer, decodeScenario } from "./scenario-mut.js";
import { Sandbox } from "./sandbox.js";
import type { SandboxLimits } from "./sandbox.js";

export const FUZZER_NAMES = ["kernel", "elf", "jit", "jit-long", "scenario"] as const;
export type FuzzerName = (typeof FUZZER_NAMES)[number];

/** Watchdog limits per sandboxed fuzzer. */
export const LIMITS: Record<"elf" | "scenario", SandboxLimits> = {
  elf: { timeoutMs: 10_000, rssMiB: 1024, heapMiB: 512 },
  scenario: { timeoutMs: 20_000, rssMiB: 1024, heapMiB: 512 },
};

/** A fresh fuzzer (sandboxed ones get their own child); `close()` it after use. */
export function makeFuzzer(name: FuzzerName): Fuzzer<unknown> {
  switch (name) {
    case "kernel": return kernelFuzzer as Fuzzer<unknown>;
    case "elf": return elfFuzzer(new Sandbox(LIMITS.elf)) as Fuzzer<unknown>;
    case "jit": return jitFuzzer as Fuzzer<unknown>;
    case "jit-long": return jitLongFuzzer as Fuzzer<unknown>;
    case "scenario": return scenarioFuzzer(new Sandbox(LIMITS.scenario)) as Fuzzer<unknown>;
  }
}

/** Decodes a corpus entry's input for `name`. */
export function decodeInput(name: string, json: unknown): unknown {
  switch (name) {
    case "kernel": return decodeKernelSeq(json);
    case "elf": return decodeElf(json);
    case "jit": return decodeShort(json);
    case "jit-long": return decodeLong(json);
    case "scenario": return decodeScenario(json);
    default: throw new RangeError(`no fuzzer named ${name}`);
  }
}

export const isFuzzerName = (s: string): s is FuzzerName => (FUZZER_NAMES as readonly string[]).includes(s);
export { checkKernelSeq, checkLong };
