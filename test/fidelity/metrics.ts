/**
 * @fileoverview The fidelity metrics live in src/report/fidelity-metrics.ts
 * (`structops compare` uses them too); re-exported for the fidelity tests.
 */
export * from "../../src/report/fidelity-metrics.js";
