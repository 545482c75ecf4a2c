/**
 * @fileoverview Finds the testbed entry point (src/testbed's runTestbed).
 * Loaded lazily, so `structops tour` and `conformance` never pay for the
 * simulator's start-up.
 */
import type { TestbedRunner } from "./run-scenario.js";

/** The testbed's runTestbed, or a message saying why it is unavailable. */
export async function loadTestbed(): Promise<TestbedRunner | string> {
  try {
    const mod = await import("../../testbed/index.js");
    return mod.runTestbed;
  } catch (e) {
    return `the TCP testbed (src/testbed) cannot be loaded: ${(e as Error).message.split("\n")[0] ?? ""}`;
  }
}
