/**
 * @fileoverview The sandbox child (test/fuzz/sandbox.ts): loads the checks
 * of the watched fuzzers, says it is ready, then runs one input per message
 * and replies with the violation text (or null). The parent times each input
 * and watches this process's RSS.
 */
import { checkElf, decodeElf } from "./elf-mut.js";
import { checkScenario, decodeScenario } from "./scenario-mut.js";

interface Request {
  readonly id: number;
  readonly task: string;
  readonly input: unknown;
}

async function handle(m: Request): Promise<string | null> {
  try {
    if (m.task === "elf") return checkElf(decodeElf(m.input));
    if (m.task === "scenario") return await checkScenario(decodeScenario(m.input));
    return `sandbox: unknown task ${m.task}`;
  } catch (e) {
    return `the check threw ${e instanceof Error ? e.stack : String(e)}`;
  }
}

process.on("message", (m: Request) => {
  void handle(m).then((violation) => process.send?.({ id: m.id, violation }));
});
process.send?.({ ready: true });
