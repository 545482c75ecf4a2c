/**
 * @fileoverview Replays every reproducer the fuzzers ever found
 * (test/fuzz/corpus/<fuzzer>/*.json, written by `npm run fuzz`) through the
 * same check, watchdog included: each must now pass. An entry whose fix is
 * on another branch carries `pending` (branch and reason) and is reported as
 * a todo until that branch is merged, when the field is removed.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { basename } from "node:path";
import { readCorpus } from "./framework.js";
import { decodeInput, isFuzzerName, makeFuzzer } from "./fuzzers.js";
import type { FuzzerName } from "./fuzzers.js";
import type { Fuzzer } from "./framework.js";

const fuzzers = new Map<FuzzerName, Fuzzer<unknown>>();
function fuzzer(name: FuzzerName): Fuzzer<unknown> {
  let f = fuzzers.get(name);
  if (f === undefined) fuzzers.set(name, (f = makeFuzzer(name)));
  return f;
}
after(() => {
  for (const f of fuzzers.values()) f.close?.();
});

const corpus = readCorpus();

test("the corpus holds reproducers of known fuzzers", () => {
  assert.ok(corpus.length > 0, "test/fuzz/corpus is empty");
  for (const c of corpus) assert.ok(isFuzzerName(c.entry.fuzzer), `${c.file}: no fuzzer named ${c.entry.fuzzer}`);
});

for (const { file, entry } of corpus) {
  const name = `${entry.fuzzer}/${basename(file)}: ${entry.violation.split("\n")[0] ?? ""}`;
  const opts = entry.pending === undefined ? {} : { todo: `pending: ${entry.pending}` };
  test(name, opts, async () => {
    if (!isFuzzerName(entry.fuzzer)) throw new Error(`no fuzzer named ${entry.fuzzer}`);
    const v = await fuzzer(entry.fuzzer).check(decodeInput(entry.fuzzer, entry.input));
    assert.equal(v, null, `still violates:\n${v ?? ""}`);
  });
}
