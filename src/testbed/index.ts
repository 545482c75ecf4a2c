/**
 * @fileoverview The testbed's public entry: runTestbed and its types.
 */
export * from "./api.js";
export { runTestbed } from "./run.js";
