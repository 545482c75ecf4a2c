/**
 * @fileoverview `npm run fuzz -- [--time S] [--only NAME[,NAME]] [--seed N]
 * [--quick] [--allow-pending]`: runs the fuzzers of test/fuzz one after the
 * other, each for S seconds (default 60; --quick: 4), from seed N (default:
 * from the clock, printed), and prints per fuzzer the inputs run, inputs/s
 * and violations. A violation is shrunk and written as a reproducer to
 * test/fuzz/corpus/<fuzzer>/ (replayed by test/fuzz/corpus.test.ts); the exit
 * status is 1 when any fuzzer found one. With --allow-pending, an input
 * whose violation matches a corpus entry whose fix is pending on another
 * branch (same fuzzer, the entry's `signature` regex) is counted, reported
 * and passed over: fuzzing goes on past known bugs.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUZZER_NAMES, isFuzzerName, makeFuzzer } from "../test/fuzz/fuzzers.js";
import type { FuzzerName } from "../test/fuzz/fuzzers.js";
import { fuzz, readCorpus, writeReproducer } from "../test/fuzz/framework.js";

function usage(msg: string): never {
  console.error(`fuzz: ${msg}\nusage: npm run fuzz -- [--time S] [--only ${FUZZER_NAMES.join(",")}] [--seed N] [--quick] [--allow-pending]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let seconds = 60;
let seed = Date.now() % 0x7fffffff;
let only: FuzzerName[] = [...FUZZER_NAMES];
let allowPending = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const val = (): string => args[++i] ?? usage(`${a} needs a value`);
  if (a === "--time") seconds = Number(val());
  else if (a === "--seed") seed = Number(val());
  else if (a === "--quick") seconds = 4;
  else if (a === "--allow-pending") allowPending = true;
  else if (a === "--only") {
    only = val().split(",").map((n) => (isFuzzerName(n) ? n : usage(`no fuzzer named ${n}`)));
  } else usage(`unknown argument ${a}`);
}
if (!Number.isFinite(seconds) || seconds <= 0) usage("--time wants a positive number of seconds");
if (!Number.isInteger(seed)) usage("--seed wants an integer");

const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pending = readCorpus().filter((c) => c.entry.pending !== undefined)
  .map((c) => ({ ...c, re: new RegExp(c.entry.signature ?? escape(c.entry.violation.split("\n")[0] ?? "")) }));
const knownAs = (name: string, text: string): (typeof pending)[number] | undefined => pending.find((c) => c.entry.fuzzer === name && c.re.test(text));

console.log(`fuzz: seed ${seed}, ${seconds} s per fuzzer, ${only.join(", ")}${allowPending ? ", pending violations counted and passed over" : ""}`);
let failed = false;
for (const name of only) {
  const f0 = makeFuzzer(name);
  // With --allow-pending, an input hitting a bug whose fix is pending elsewhere is counted and passed over.
  const known = new Map<string, number>();
  const f: typeof f0 = {
    ...f0,
    check: async (input) => {
      const v = await f0.check(input);
      const k = v !== null && allowPending ? knownAs(name, v) : undefined;
      if (k === undefined) return v;
      known.set(k.file, (known.get(k.file) ?? 0) + 1);
      return null;
    },
  };
  try {
    const r = await fuzz(f, seed, seconds, Math.min(60, seconds));
    const rate = r.inputs / Math.max(r.seconds, 1e-9);
    const nKnown = [...known.values()].reduce((a, b) => a + b, 0);
    console.log(`${name.padEnd(9)} ${String(r.inputs).padStart(8)} inputs  ${rate.toFixed(1).padStart(8)} inputs/s  ${r.seconds.toFixed(1)} s  violations: ${r.violation === null ? 0 : 1}${allowPending ? `, known (pending) ${nKnown}` : ""}`);
    for (const [file, n] of known) console.log(`  ${n} input(s) hit the pending bug of ${file}`);
    if (r.violation !== null) {
      const k = knownAs(name, r.violation.violation);
      // A new bug's reproducer goes straight into the corpus (kept as a regression test); a known one's to the temp dir.
      const path = writeReproducer(r.violation, k === undefined ? undefined : join(tmpdir(), "structops-fuzz"));
      console.log(`  VIOLATION (seed ${seed}): ${r.violation.violation}\n  reproducer: ${path}\n  replay: npm run test:unit -- test/fuzz/corpus.test.ts`);
      if (k !== undefined) console.log(`  matches ${k.file}, pending: ${k.entry.pending}`);
      failed = true;
    }
  } finally {
    f0.close?.();
  }
}
process.exit(failed ? 1 : 0);
