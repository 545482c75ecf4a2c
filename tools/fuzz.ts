/**
 * @fileoverview `npm run fuzz -- [--time S] [--only NAME[,NAME]] [--seed N]
 * [--quick] [--allow-pending]`: runs the fuzzers of test/fuzz one after the
 * other, each for S seconds (default 60; --quick: 4), from seed N (default:
 * from the clock, printed), and prints per fuzzer the inputs run, inputs/s
 * and violations. A violation is shrunk and written as a reproducer to
 * test/fuzz/corpus/<fuzzer>/ (replayed by test/fuzz/corpus.test.ts); the exit
 * status is 1 when any fuzzer found one. With --allow-pending, a violation
 * matching a corpus entry whose fix is pending on another branch (same
 * fuzzer, the entry's `signature` in its text) is reported but does not fail the run.
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

const firstLine = (s: string): string => s.split("\n")[0] ?? "";
const pending = readCorpus().filter((c) => c.entry.pending !== undefined);

console.log(`fuzz: seed ${seed}, ${seconds} s per fuzzer, ${only.join(", ")}`);
let failed = false;
for (const name of only) {
  const f = makeFuzzer(name);
  try {
    const r = await fuzz(f, seed, seconds, Math.min(60, seconds));
    const rate = r.inputs / Math.max(r.seconds, 1e-9);
    console.log(`${name.padEnd(9)} ${String(r.inputs).padStart(8)} inputs  ${rate.toFixed(1).padStart(8)} inputs/s  ${r.seconds.toFixed(1)} s  violations: ${r.violation === null ? 0 : 1}`);
    if (r.violation !== null) {
      const text = r.violation.violation;
      const known = pending.find((c) => c.entry.fuzzer === name && text.includes(c.entry.signature ?? firstLine(c.entry.violation)));
      // A new bug's reproducer goes straight into the corpus (kept as a regression test); a known one's to the temp dir.
      const path = writeReproducer(r.violation, known === undefined ? undefined : join(tmpdir(), "structops-fuzz"));
      console.log(`  VIOLATION (seed ${seed}): ${r.violation.violation}\n  reproducer: ${path}\n  replay: npm run test:unit -- test/fuzz/corpus.test.ts`);
      if (known !== undefined) console.log(`  matches ${known.file}, pending: ${known.entry.pending}`);
      if (known === undefined || !allowPending) failed = true;
    }
  } finally {
    f.close?.();
  }
}
process.exit(failed ? 1 : 0);
